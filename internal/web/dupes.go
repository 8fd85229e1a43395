package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/duplicate"
	"github.com/rapport-crm/rapport/internal/locale"
	"github.com/rapport-crm/rapport/internal/records"
)

// dupesReviewPage is the review queue: pairs the matcher is unsure about,
// each with its probability and each field's contribution, and buttons to
// say "same" (on to the merge screen) or "different".
type dupesReviewPage struct {
	frame
	Plural  string
	Tabs    []dupesTab
	Pairs   []dupesPair
	Next    string // the link to the next page, if any
	Decided bool   // a pair was just said to be different
}

type dupesTab struct {
	Label, Href string
	Current     bool
}

type dupesPair struct {
	A, B        duplicateLink
	AID, BID    string
	Probability string
	Reasons     []dupesReason
}

type dupesReason struct {
	Text     string
	Positive bool
}

// dupesObject reads the object of a duplicates page: contacts unless
// companies are asked for.
func dupesObject(r *http.Request) string {
	if r.FormValue("object") == "companies" {
		return "companies"
	}
	return "contacts"
}

func dupesTabs(p *locale.Printer, base, current string) []dupesTab {
	var tabs []dupesTab
	for _, o := range []string{"contacts", "companies"} {
		tabs = append(tabs, dupesTab{Label: p.T("object." + o + ".name"), Href: base + "?object=" + o, Current: o == current})
	}
	return tabs
}

// dupesExplain writes a contribution as "birthday identical +6.1".
func dupesExplain(p *locale.Printer, c duplicate.Contribution) dupesReason {
	weight := p.Number(c.Weight, 1)
	if c.Weight > 0 {
		weight = "+" + weight
	}
	field := dupesFieldWord(p, c.Field)
	level := dupesLevelWord(p, c.Level)
	return dupesReason{Text: p.T("web.dupes.contribution", "field", field, "level", level, "weight", weight), Positive: c.Weight > 0}
}

func (s *Server) dupesReview(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.duplicates == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	plural := dupesObject(r)
	view := views[plural]
	page, err := s.duplicates.Review(r.Context(), plural, r.FormValue("cursor"), 20)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data := &dupesReviewPage{frame: frame{Nav: plural}, Plural: plural, Tabs: dupesTabs(v.p, "/duplicates/review", plural),
		Decided: r.FormValue("decided") == "different"}
	var ids []any
	for _, p := range page.Data {
		ids = append(ids, p.A, p.B)
	}
	names := map[string]records.Record{}
	if len(ids) > 0 {
		list, err := s.engine.List(r.Context(), plural, records.Query{
			Filter: &records.Filter{Field: "id", Op: records.In, Value: ids}, Limit: len(ids)})
		if err != nil {
			s.fail(w, r, v, err)
			return
		}
		for _, rec := range list.Data {
			names[str(rec["id"])] = rec
		}
	}
	side := func(id string) duplicateLink {
		rec := names[id]
		link := duplicateLink{Name: str(rec[view.name]), Sub: pickSub(rec), Href: "/" + plural + "/" + id}
		if link.Name == "" {
			link.Name = v.p.T("web.record.unnamed")
		}
		return link
	}
	for _, p := range page.Data {
		// A record the engine does not show (out of reach since) is left
		// out, as the service would.
		if _, ok := names[p.A]; !ok {
			continue
		}
		if _, ok := names[p.B]; !ok {
			continue
		}
		pair := dupesPair{A: side(p.A), B: side(p.B), AID: p.A, BID: p.B,
			Probability: v.p.T("web.dupes.review.probability", "percent", v.p.Number(p.Probability*100, 0))}
		for _, c := range p.Contributions {
			pair.Reasons = append(pair.Reasons, dupesExplain(v.p, c))
		}
		data.Pairs = append(data.Pairs, pair)
	}
	if page.NextCursor != "" {
		data.Next = "/duplicates/review?object=" + plural + "&cursor=" + url.QueryEscape(page.NextCursor)
	}
	s.render(w, r, v, http.StatusOK, "dupes_review", data)
}

// dupesDecide keeps what the user said of a pair: "same" goes on to the
// merge screen, "different" back to the queue.
func (s *Server) dupesDecide(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.duplicates == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	plural := dupesObject(r)
	a, b := r.PostFormValue("a"), r.PostFormValue("b")
	same := r.PostFormValue("same") == "true"
	if err := s.duplicates.Decide(r.Context(), plural, duplicate.Decision{A: a, B: b, Same: same}); err != nil {
		s.fail(w, r, v, err)
		return
	}
	if same {
		http.Redirect(w, r, "/"+plural+"/"+url.PathEscape(a)+"/merge?with="+url.QueryEscape(b), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/duplicates/review?object="+plural+"&decided=different", http.StatusSeeOther)
}

// dupesSettingsPage sets the thresholds and identifying fields of one
// object, shows how many stored pairs each threshold flags, and asks for
// a new estimate of the model.
type dupesSettingsPage struct {
	frame
	settingsForm
	Plural      string
	Tabs        []dupesTab
	Review      string
	Duplicate   string
	Histogram   []dupesBar
	Flagged     string
	Fields      []dupesField
	Estimated   string
	Records     string
	Decisions   string
	Capped      string
	Saved       bool
	Queued      bool
	MinEstimate string
}

type dupesBar struct {
	Label string
	Count string
	Value int64
	Max   int64
	Band  string // "duplicate", "review" or ""
}

type dupesField struct {
	Name, Label string
	Checked     bool
}

func (s *Server) dupesSettings(w http.ResponseWriter, r *http.Request, v *visit) {
	s.dupesShowSettings(w, r, v, http.StatusOK, &dupesSettingsPage{Saved: r.FormValue("saved") == "1", Queued: r.FormValue("queued") == "1"})
}

func (s *Server) dupesShowSettings(w http.ResponseWriter, r *http.Request, v *visit, status int, data *dupesSettingsPage) {
	if s.duplicates == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	plural := dupesObject(r)
	o, err := s.duplicates.Overview(r.Context(), plural)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	fields, err := s.engine.Fields(r.Context(), plural)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data.frame, data.Plural, data.Tabs = frame{Nav: "settings"}, plural, dupesTabs(v.p, "/settings/duplicates", plural)
	dupesFill(v.p, data, o, fields)
	s.render(w, r, v, status, "dupes_settings", data)
}

// dupesFill puts an overview on the page.
func dupesFill(p *locale.Printer, data *dupesSettingsPage, o duplicate.Overview, fields []*records.Field) {
	data.Review, data.Duplicate = strconv.FormatFloat(o.Settings.Review, 'f', -1, 64), strconv.FormatFloat(o.Settings.Duplicate, 'f', -1, 64)
	var top int64 = 1
	for _, n := range o.Histogram {
		top = max(top, n)
	}
	for i := len(o.Histogram) - 1; i >= 0; i-- {
		bar := dupesBar{Label: p.T("web.dupes.settings.bucket", "from", i*5, "to", i*5+5), Count: p.Number(float64(o.Histogram[i]), 0),
			Value: o.Histogram[i], Max: top}
		switch from := float64(i) / 20; {
		case from >= o.Settings.Duplicate:
			bar.Band = "duplicate"
		case from+0.05 > o.Settings.Review:
			bar.Band = "review"
		}
		data.Histogram = append(data.Histogram, bar)
	}
	data.Flagged = p.T("web.dupes.settings.flagged", "review", o.Review, "duplicates", o.Duplicates)
	ident := map[string]bool{}
	for _, f := range o.Settings.Identifying {
		ident[f] = true
	}
	for _, f := range fields {
		if f.Custom || f.Name == "website" {
			label := f.Label
			if !f.Custom {
				label = fieldLabel(p, f.Name)
			}
			data.Fields = append(data.Fields, dupesField{Name: f.Name, Label: label, Checked: ident[f.Name]})
		}
	}
	data.Records, data.Decisions = p.Number(float64(o.Records), 0), p.Number(float64(o.Decisions), 0)
	data.Capped = p.Number(float64(o.Capped), 0)
	data.MinEstimate = p.Number(duplicate.MinEstimate, 0)
	if o.EstimatedAt != nil {
		data.Estimated = p.DateTime(*o.EstimatedAt, nil)
	}
}

func (s *Server) dupesSaveSettings(w http.ResponseWriter, r *http.Request, v *visit) {
	plural := dupesObject(r)
	set := duplicate.Settings{Identifying: r.PostForm["identifying"]}
	set.Review = dupesPercent(r.PostFormValue("review_threshold"))
	set.Duplicate = dupesPercent(r.PostFormValue("duplicate_threshold"))
	if err := s.duplicates.SaveSettings(r.Context(), plural, set); err != nil {
		data := &dupesSettingsPage{}
		if !data.refuse(v, r, "set", err, v.p.T("web.settings.changed")) {
			s.fail(w, r, v, err)
			return
		}
		s.dupesShowSettings(w, r, v, http.StatusBadRequest, data)
		return
	}
	settingsSaved(w, r, "/settings/duplicates?object="+plural+"&saved=1")
}

// dupesPercent reads a threshold typed as a probability (0.9); -1 when
// it is not a number, which the service refuses by name.
func dupesPercent(s string) float64 {
	f, err := strconv.ParseFloat(strings.TrimSpace(strings.ReplaceAll(s, ",", ".")), 64)
	if err != nil {
		return -1
	}
	return f
}

func (s *Server) dupesEstimate(w http.ResponseWriter, r *http.Request, v *visit) {
	plural := dupesObject(r)
	if err := s.duplicates.RequestEstimate(r.Context(), plural); err != nil {
		s.fail(w, r, v, err)
		return
	}
	settingsSaved(w, r, "/settings/duplicates?object="+plural+"&queued=1")
}

// exampleDupesReview and exampleDupesSettings are the pages'
// declarations.
func exampleDupesReview(p *locale.Printer) page {
	pair := dupesPair{A: duplicateLink{Name: "Ada <b>", Sub: "ada@example.com", Href: "/contacts/1"},
		B: duplicateLink{Name: "Ada L.", Href: "/contacts/2"}, AID: "1", BID: "2",
		Probability: p.T("web.dupes.review.probability", "percent", p.Number(72, 0))}
	for _, c := range []duplicate.Contribution{{Field: "birthday", Level: "exact", Weight: 6.1}, {Field: "name", Level: "close", Weight: 3.2},
		{Field: "address", Level: "different", Weight: -2.5}} {
		pair.Reasons = append(pair.Reasons, dupesExplain(p, c))
	}
	return &dupesReviewPage{frame: frame{Nav: "contacts"}, Plural: "contacts", Tabs: dupesTabs(p, "/duplicates/review", "contacts"),
		Pairs: []dupesPair{pair}, Next: "/duplicates/review?object=contacts&cursor=x", Decided: true}
}

func exampleDupesSettings(p *locale.Printer) page {
	data := &dupesSettingsPage{frame: frame{Nav: "settings"}, Saved: true, Queued: true, Plural: "contacts",
		Tabs: dupesTabs(p, "/settings/duplicates", "contacts")}
	o := duplicate.Overview{Settings: duplicate.Settings{Review: 0.5, Duplicate: 0.9}, Records: 1200, Decisions: 3}
	o.Histogram[19], o.Histogram[12] = 40, 7
	dupesFill(p, data, o, []*records.Field{{Name: "tax_id", Label: "Tax <b>id", Custom: true}, {Name: "website"}})
	return data
}

// dupesGroupsPage lists the groups of likely duplicates, a page at a
// time, each member linked, with a way to merge each other member into
// the first.
type dupesGroupsPage struct {
	frame
	Plural string
	Tabs   []dupesTab
	Groups [][]duplicateLink
	Next   string
	Review string
}

func (s *Server) dupesGroups(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.duplicates == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	plural := dupesObject(r)
	view := views[plural]
	page, err := s.duplicates.Groups(r.Context(), plural, r.FormValue("cursor"), 20)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	var ids []any
	for _, g := range page.Data {
		for _, id := range g.IDs {
			ids = append(ids, id)
		}
	}
	names := map[string]records.Record{}
	if len(ids) > 0 {
		list, err := s.engine.List(r.Context(), plural, records.Query{
			Filter: &records.Filter{Field: "id", Op: records.In, Value: ids}, Limit: len(ids)})
		if err != nil {
			s.fail(w, r, v, err)
			return
		}
		for _, rec := range list.Data {
			names[str(rec["id"])] = rec
		}
	}
	data := &dupesGroupsPage{frame: frame{Nav: plural}, Plural: plural, Tabs: dupesTabs(v.p, "/duplicates", plural),
		Review: "/duplicates/review?object=" + plural}
	for _, g := range page.Data {
		var links []duplicateLink
		for _, id := range g.IDs {
			rec, ok := names[id]
			if !ok {
				continue
			}
			link := duplicateLink{Name: str(rec[view.name]), Sub: pickSub(rec), Href: "/" + plural + "/" + id}
			if link.Name == "" {
				link.Name = v.p.T("web.record.unnamed")
			}
			if len(links) > 0 {
				link.Merge = "/" + plural + "/" + g.IDs[0] + "/merge?with=" + id
			}
			links = append(links, link)
		}
		if len(links) >= 2 {
			data.Groups = append(data.Groups, links)
		}
	}
	if page.NextCursor != "" {
		data.Next = "/duplicates?object=" + plural + "&cursor=" + url.QueryEscape(page.NextCursor)
	}
	s.render(w, r, v, http.StatusOK, "dupes_groups", data)
}

func exampleDupesGroups(p *locale.Printer) page {
	return &dupesGroupsPage{frame: frame{Nav: "contacts"}, Plural: "contacts", Tabs: dupesTabs(p, "/duplicates", "contacts"),
		Review: "/duplicates/review?object=contacts", Next: "/duplicates?object=contacts&cursor=x",
		Groups: [][]duplicateLink{{{Name: "Ada <b>", Sub: "ada@example.com", Href: "/contacts/1"},
			{Name: "Ada Lovelace", Href: "/contacts/2", Merge: "/contacts/1/merge?with=2"}}}}
}

// dupesFieldWord words a part of the matcher's explanation; an unknown one
// stays as the matcher names it.
func dupesFieldWord(p *locale.Printer, s string) string {
	switch s {
	case "address":
		return p.T("web.dupes.field.address")
	case "birthday":
		return p.T("web.dupes.field.birthday")
	case "company":
		return p.T("web.dupes.field.company")
	case "domain":
		return p.T("web.dupes.field.domain")
	case "email":
		return p.T("web.dupes.field.email")
	case "identifier":
		return p.T("web.dupes.field.identifier")
	case "name":
		return p.T("web.dupes.field.name")
	case "phone":
		return p.T("web.dupes.field.phone")
	}
	return s
}

// dupesLevelWord words a part of the matcher's explanation; an unknown one
// stays as the matcher names it.
func dupesLevelWord(p *locale.Printer, s string) string {
	switch s {
	case "alias":
		return p.T("web.dupes.level.alias")
	case "close":
		return p.T("web.dupes.level.close")
	case "different":
		return p.T("web.dupes.level.different")
	case "elsewhere":
		return p.T("web.dupes.level.elsewhere")
	case "exact":
		return p.T("web.dupes.level.exact")
	case "family":
		return p.T("web.dupes.level.family")
	case "family_other":
		return p.T("web.dupes.level.family_other")
	case "given":
		return p.T("web.dupes.level.given")
	case "household":
		return p.T("web.dupes.level.household")
	case "partial":
		return p.T("web.dupes.level.partial")
	case "some":
		return p.T("web.dupes.level.some")
	}
	return s
}

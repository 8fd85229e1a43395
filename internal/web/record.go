package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/rapport-crm/rapport/internal/records"
)

// recordPage shows one record: its fields in groups and the records
// related to it on the left, and for contacts, companies and deals the
// composer and the timeline on the right.
type recordPage struct {
	frame
	Plural  string
	List    string // the name of the list the record belongs to
	Name    string
	Groups  []fieldGroup
	Created string
	Updated string
	// A deal's line items, and the records a contact or company likely
	// duplicates (extras.go).
	Items      *lineItemsView
	Duplicates *duplicatesNotice

	// Follow is where the follow button posts, "" without one; Following
	// says whether the user follows the record.
	Follow    string
	Following bool
	// VCard is where a contact's vCard downloads (the API, which takes
	// the session), "" for other records.
	VCard string
	// Letter is where a letter to a contact or a deal is written, "" for
	// other records.
	Letter   string
	Related  []relatedGroup
	Stages   []stageStay // a deal's stays in its stages, newest first
	Composer *composer
	Timeline *timelineView
	// Mentions are the mention picker's options, in its fragment.
	Mentions []mentionOption

	// scores: begin
	// Scores are the record's lead score and model figure; nil for none.
	Scores *scoresView
	// scores: end

	// A contact's personal data to download and its erasure, for an
	// administrator; ErasedAt says when it was erased.
	PersonalData, Erase, ErasedAt string
}

// fieldGroup is a titled group of fields on a record page.
type fieldGroup struct {
	Title  string
	Fields []shownField
}

// shownField is one field with its values as text.
type shownField struct {
	Label  string
	Values []string
	// Tels are the values of a phone field as tel: links, which a phone
	// or a softphone dials when clicked.
	Tels []telLink
}

// telLink is one phone number and its tel: address.
type telLink struct {
	Text string
	Href template.URL
}

// tels links each shown number of a phone field; nil for other fields.
func tels(f *records.Field, shown []string) []telLink {
	if f.Type != records.Phone {
		return nil
	}
	var out []telLink
	for _, s := range shown {
		digits := strings.Map(func(r rune) rune {
			if r == '+' || (r >= '0' && r <= '9') {
				return r
			}
			return -1
		}, s)
		if digits == "" {
			continue
		}
		// Only + and digits reach the address, so it is safe as a URL.
		out = append(out, telLink{Text: s, Href: template.URL("tel:" + digits)})
	}
	return out
}

// Editable reports whether the page offers a form to edit the record.
func (p *recordPage) Editable() bool {
	view := views[p.Plural]
	return view != nil && view.editable()
}

func (s *Server) record(w http.ResponseWriter, r *http.Request, v *visit) {
	if data, ok := s.recordData(w, r, v); ok {
		s.render(w, r, v, http.StatusOK, "record", data)
	}
}

// recordData is the record page of the record the path names.
func (s *Server) recordData(w http.ResponseWriter, r *http.Request, v *visit) (*recordPage, bool) {
	view, err := s.viewFor(r)
	if err != nil {
		s.fail(w, r, v, err)
		return nil, false
	}
	ctx := r.Context()
	rec, err := s.engine.Get(ctx, view.plural, r.PathValue("id"), false)
	if err != nil {
		s.fail(w, r, v, err)
		return nil, false
	}
	fields, err := s.engine.Fields(ctx, view.plural)
	if err != nil {
		s.fail(w, r, v, err)
		return nil, false
	}
	byName := fieldsByName(fields)
	var shown []string
	for _, g := range view.groups {
		shown = append(shown, g.fields...)
	}
	n, err := s.namesOf(r, byName, shown, []records.Record{rec})
	if err != nil {
		s.fail(w, r, v, err)
		return nil, false
	}
	data := &recordPage{frame: frame{Nav: view.plural}, Plural: view.plural, List: view.title(v.p),
		Name: str(rec[view.name]), Created: v.dateTime(str(rec["created_at"])), Updated: v.dateTime(str(rec["updated_at"]))}
	for _, g := range view.groups {
		group := fieldGroup{Title: g.title(v.p)}
		for _, name := range g.fields {
			// A field the user's role hides is not among the fields.
			if f := byName[name]; f != nil {
				shown := v.field(f, rec, n)
				group.Fields = append(group.Fields, shownField{Label: fieldLabel(v.p, name), Values: shown, Tels: tels(f, shown)})
			}
		}
		data.Groups = append(data.Groups, group)
	}
	custom := fieldGroup{Title: v.p.T("web.group.custom")}
	for _, f := range fields {
		if f.Custom {
			shown := v.show(f, rec[f.Name], n)
			custom.Fields = append(custom.Fields, shownField{Label: f.Label, Values: shown, Tels: tels(f, shown)})
		}
	}
	if len(custom.Fields) > 0 {
		data.Groups = append(data.Groups, custom)
	}
	if err := s.extras(r, v, view, rec, data); err != nil {
		s.fail(w, r, v, err)
		return nil, false
	}
	if err := s.aroundFields(r, v, view, rec, data); err != nil {
		s.fail(w, r, v, err)
		return nil, false
	}
	return data, true
}

// aroundFields fills in what a record page shows beside its fields: whether
// the user follows it, the records related to it, a deal's stages, and
// the composer and the timeline.
func (s *Server) aroundFields(r *http.Request, v *visit, view *objectView, rec records.Record, data *recordPage) error {
	id := str(rec["id"])
	here := "/" + view.plural + "/" + id
	if s.letters != nil && (view.object == "contact" || view.object == "deal") {
		data.Letter = "/letters/new?" + url.Values{"object": {view.object}, "id": {id}}.Encode()
	}
	if view.object == "contact" {
		data.VCard = "/api/v1" + here + "/vcard"
		s.erasureLinks(r, v, id, data)
	}
	var err error
	if data.Related, err = s.related(r, v, view, rec); err != nil {
		return err
	}
	if view.object == "deal" {
		if data.Stages, err = s.stageStays(r, v, id); err != nil {
			return err
		}
	}
	// scores: begin
	if data.Scores, err = s.scoresBlock(r, v, view.object, rec); err != nil {
		return err
	}
	// scores: end
	// The records of lists users define are followed through the API
	// for now.
	if s.activity == nil || views[view.plural] == nil {
		return nil
	}
	data.Follow = here + "/follow"
	if data.Following, err = s.activity.Following(r.Context(), view.object, id); err != nil {
		return err
	}
	if !s.hasTimeline(view) {
		return nil
	}
	if data.Composer, err = s.newComposer(r, v, here+"/timeline", r.URL.Query().Get("compose")); err != nil {
		return err
	}
	tl, err := s.timeline(r, v, view, id, "")
	data.Timeline = &tl
	return err
}

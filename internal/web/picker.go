package web

import (
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/records"
)

// pickPage is the list of records a picker offers for what was typed in
// it: only records the user may see, since the engine lists no others.
type pickPage struct {
	frame
	For     string // the id of the picker's box, which the options' ids start with
	Options []pickOption
	Hint    string // replaces the options when the text cannot be searched
}

// pickOption is one record a picker offers.
type pickOption struct {
	ID, Type, Label, Sub string
}

// pickLimit is how many records a picker offers: a few, to choose among
// by typing more.
const pickLimit = 10

// pickedBy are the fields a picker matches what is typed against, by the
// object's plural: the start of the name (and a person's last name, a
// product's SKU).
var pickedBy = map[string][]string{
	"contacts":  {"full_name", "last_name"},
	"companies": {"name"},
	"deals":     {"title"},
	"products":  {"name", "sku"},
}

// pickerID keeps the option ids the page builds from the "for" parameter
// to the shape of the ids forms give their pickers.
var pickerID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)

// maxPickText bounds what a picker searches for.
const maxPickText = 200

// pick answers a picker with the records matching what was typed.
func (s *Server) pick(w http.ResponseWriter, r *http.Request, v *visit) {
	data := &pickPage{For: r.URL.Query().Get("for")}
	if !pickerID.MatchString(data.For) {
		data.For = "pick"
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > maxPickText {
		data.Hint = v.p.T("web.search.hint")
		s.fragment(w, r, v, "form", "picker_options", data)
		return
	}
	var err error
	switch object := r.PathValue("object"); {
	case q == "":
	case object == "users":
		data.Options, err = s.pickUsers(r, q)
	case object == "about":
		for _, plural := range []string{"contacts", "companies", "deals"} {
			var found []pickOption
			if found, err = s.pickRecords(r, v, plural, q, pickLimit/2); err != nil {
				break
			}
			data.Options = append(data.Options, found...)
		}
	case pickedBy[object] != nil:
		data.Options, err = s.pickRecords(r, v, object, q, pickLimit)
	default:
		err = errNotFound
	}
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	s.fragment(w, r, v, "form", "picker_options", data)
}

// pickRecords lists the records of plural whose name starts with q, as the
// user may see them. A field the user's role hides is not matched.
func (s *Server) pickRecords(r *http.Request, v *visit, plural, q string, limit int) ([]pickOption, error) {
	fields, err := s.engine.Fields(r.Context(), plural)
	if err != nil {
		return nil, err
	}
	byName := fieldsByName(fields)
	var or []records.Filter
	for _, name := range pickedBy[plural] {
		f := byName[name]
		switch {
		case f == nil:
		case slices.Contains(f.Filters, records.StartsWith):
			or = append(or, records.Filter{Field: name, Op: records.StartsWith, Value: q})
		case slices.Contains(f.Filters, records.Contains):
			or = append(or, records.Filter{Field: name, Op: records.Contains, Value: q})
		}
	}
	if len(or) == 0 {
		return nil, nil
	}
	page, err := s.engine.List(r.Context(), plural, records.Query{Filter: &records.Filter{Or: or}, Limit: limit})
	if err != nil {
		return nil, err
	}
	view := views[plural]
	out := make([]pickOption, 0, len(page.Data))
	for _, rec := range page.Data {
		o := pickOption{ID: str(rec["id"]), Type: view.object, Label: str(rec[view.name]), Sub: pickSub(rec)}
		if o.Label == "" {
			o.Label = v.p.T("web.record.unnamed")
		}
		if r.PathValue("object") == "about" {
			o.Sub = v.p.T("object." + plural + ".one")
		}
		out = append(out, o)
	}
	return out, nil
}

// pickSub is what tells apart records of the same name: a person's first
// e-mail address, a company's domain, a product's SKU.
func pickSub(rec records.Record) string {
	for _, name := range []string{"emails", "domain", "sku"} {
		if vals := values(rec[name]); len(vals) > 0 {
			return vals[0]
		}
		if s := str(rec[name]); s != "" {
			return s
		}
	}
	return ""
}

// pickUsers lists the active users of the workspace whose name or e-mail
// address holds q: the directory every member may read.
func (s *Server) pickUsers(r *http.Request, q string) ([]pickOption, error) {
	users, err := s.accounts.ListUsers(r.Context(), account.UserFilter{})
	if err != nil {
		return nil, err
	}
	q = strings.ToLower(q)
	var out []pickOption
	for _, u := range users {
		if u.Status != account.StatusActive || len(out) == pickLimit {
			continue
		}
		if strings.Contains(strings.ToLower(u.Name), q) || strings.Contains(strings.ToLower(u.Email), q) {
			label := u.Name
			if label == "" {
				label = u.Email
			}
			out = append(out, pickOption{ID: u.ID, Type: "user", Label: label, Sub: u.Email})
		}
	}
	return out, nil
}

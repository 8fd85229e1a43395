package web

import (
	"encoding/json"
	"net/http"

	"github.com/rapport-crm/rapport/internal/duplicate"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
)

// mergePage puts two records side by side, field by field where they
// differ, with a choice of the value kept for each; merging keeps the
// first record, with the chosen values and the links of both, and
// removes the other.
type mergePage struct {
	frame
	Plural, List, Title string
	Action              string
	Keep, Other         mergeSide
	Rows                []mergeRow
	Swap                string // the merge that keeps the other record instead
	Problems            []string
}

type mergeSide struct {
	ID, Name, Href, Updated string
}

// mergeRow is a field whose values differ: TakeOther says the other
// record's value is chosen.
type mergeRow struct {
	Name, Label string
	Keep, Other []string
	TakeOther   bool
}

// mergeForm shows two records to merge. A record out of the user's reach
// is not found, as on its own page.
func (s *Server) mergeForm(w http.ResponseWriter, r *http.Request, v *visit) {
	data, _, ok := s.mergeData(w, r, v, r.URL.Query().Get("with"))
	if ok {
		s.render(w, r, v, http.StatusOK, "merge", data)
	}
}

// merge merges the other record into the page's record through the
// duplicate service, as POST /api/v1/{object}/merge does, taking the
// values chosen, and goes to the kept record.
func (s *Server) merge(w http.ResponseWriter, r *http.Request, v *visit) {
	with := r.PostFormValue("with")
	data, view, ok := s.mergeData(w, r, v, with)
	if !ok {
		return
	}
	req := duplicate.MergeRequest{Into: data.Keep.ID, From: []string{with}, Fields: map[string]string{}}
	for i, row := range data.Rows {
		chosen := r.PostFormValue("field." + row.Name)
		data.Rows[i].TakeOther = chosen == with
		if chosen == with {
			req.Fields[row.Name] = with
		}
	}
	_, err := s.duplicates.Merge(r.Context(), view.object, req)
	switch fault.Code(err) {
	case "":
		http.Redirect(w, r, data.Keep.Href, http.StatusSeeOther)
	case fault.EINVALID, fault.ECONFLICT:
		data.Problems = append(data.Problems, v.p.T("web.merge.failed"))
		s.render(w, r, v, http.StatusConflict, "merge", data)
	default:
		s.fail(w, r, v, err)
	}
}

// mergeData reads both records through the engine and lines up the
// fields that differ: the fields a merge may choose (not the links, which
// it combines, nor what the engine computes), the role's hidden fields
// left out.
func (s *Server) mergeData(w http.ResponseWriter, r *http.Request, v *visit, with string) (*mergePage, *objectView, bool) {
	plural := r.PathValue("object")
	view, id := views[plural], r.PathValue("id")
	if s.duplicates == nil || view == nil || with == "" || with == id {
		s.fail(w, r, v, errNotFound)
		return nil, nil, false
	}
	ctx := r.Context()
	keep, err := s.engine.Get(ctx, plural, id, false)
	var other records.Record
	if err == nil {
		other, err = s.engine.Get(ctx, plural, with, false)
	}
	var fields []*records.Field
	if err == nil {
		fields, err = s.engine.Fields(ctx, plural)
	}
	if err != nil {
		s.fail(w, r, v, err)
		return nil, nil, false
	}
	data := &mergePage{frame: frame{Nav: plural}, Plural: plural, List: v.p.T("object." + plural + ".name"),
		Action: "/" + plural + "/" + id + "/merge", Keep: s.side(v, view, keep), Other: s.side(v, view, other),
		Swap: "/" + plural + "/" + with + "/merge?with=" + id}
	data.Title = v.p.T("web.merge.title", "name", data.Keep.Name)
	chosen := mergeFields(view, fields)
	var shown []string
	for _, f := range chosen {
		shown = append(shown, f.Name)
	}
	n, err := s.namesOf(r, fieldsByName(fields), shown, []records.Record{keep, other})
	if err != nil {
		s.fail(w, r, v, err)
		return nil, nil, false
	}
	for _, f := range chosen {
		a, b := keep[f.Name], other[f.Name]
		if same(a, b) {
			continue
		}
		label := f.Label
		if !f.Custom {
			label = fieldLabel(v.p, f.Name)
		}
		data.Rows = append(data.Rows, mergeRow{Name: f.Name, Label: label,
			Keep: v.show(f, a, n), Other: v.show(f, b, n), TakeOther: empty(a) && !empty(b)})
	}
	return data, view, true
}

func (s *Server) side(v *visit, view *objectView, rec records.Record) mergeSide {
	side := mergeSide{ID: str(rec["id"]), Name: str(rec[view.name]), Href: "/" + view.plural + "/" + str(rec["id"]),
		Updated: v.dateTime(str(rec["updated_at"]))}
	if side.Name == "" {
		side.Name = v.p.T("web.record.unnamed")
	}
	return side
}

// mergeFields are the fields whose value a merge chooses, in the order of
// the record page, then the custom fields. The owner is chosen too; links
// to other records are combined, not chosen.
func mergeFields(view *objectView, fields []*records.Field) []*records.Field {
	byName := fieldsByName(fields)
	var out []*records.Field
	add := func(f *records.Field) {
		if f != nil && !f.ReadOnly && len(f.DerivedFrom) == 0 && f.Type != records.Relations {
			out = append(out, f)
		}
	}
	for _, g := range view.groups {
		for _, name := range g.fields {
			add(byName[name])
		}
	}
	for _, f := range fields {
		if f.Custom {
			add(f)
		}
	}
	return out
}

// same reports whether two values read from records are equal.
func same(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}

// empty reports whether a value read from a record holds nothing.
func empty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	}
	return false
}

// withObject serves h with the object set, for the routes that name
// their object literally.
func (s *Server) withObject(plural string, h handler) handler {
	return func(w http.ResponseWriter, r *http.Request, v *visit) {
		r.SetPathValue("object", plural)
		h(w, r, v)
	}
}

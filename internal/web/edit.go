package web

import (
	"net/http"
	"strconv"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
)

// editForm is the form of a record, filled in with its values and the
// version they are at.
func (s *Server) editForm(w http.ResponseWriter, r *http.Request, v *visit) {
	data, rec, ok := s.filledForm(w, r, v)
	if !ok {
		return
	}
	fillFrom(data.Fields, rec, v.location())
	if err := s.prepare(r, v, data); err != nil {
		s.fail(w, r, v, err)
		return
	}
	s.render(w, r, v, http.StatusOK, "form", data)
}

// save saves an edit through the engine at the version the form was
// filled from. When someone else saved the record since, nothing is
// overwritten: the form comes back with what was typed, the values saved
// now beside it, and the new version, so that saving again is a choice
// made knowing both.
func (s *Server) save(w http.ResponseWriter, r *http.Request, v *visit) {
	data, _, ok := s.filledForm(w, r, v)
	if !ok {
		return
	}
	readForm(data.Fields, r)
	in, paths := input(data.Fields, true, v.location())
	version, err := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if err != nil || version < 1 {
		err = fault.Errorf(fault.ECONFLICT, "the form carries no version")
	} else {
		_, err = s.engine.Update(r.Context(), data.Plural, r.PathValue("id"), version, in)
	}
	switch {
	case err == nil:
		http.Redirect(w, r, "/"+data.Plural+"/"+r.PathValue("id"), http.StatusSeeOther)
	case stale(err):
		s.conflict(w, r, v, data)
	default:
		data.Version = version
		s.refused(w, r, v, data, paths, err)
	}
}

// conflict shows the form of a record saved by someone else since it was
// filled, with what was typed and what is saved now.
func (s *Server) conflict(w http.ResponseWriter, r *http.Request, v *visit, data *formPage) {
	now, err := s.engine.Get(r.Context(), data.Plural, r.PathValue("id"), false)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	byName := map[string]*records.Field{}
	var shown []string
	for _, ff := range data.Fields {
		byName[ff.field.Name] = ff.field
		shown = append(shown, ff.field.Name)
	}
	n, err := s.namesOf(r, byName, shown, []records.Record{now})
	if err == nil {
		err = s.prepare(r, v, data)
	}
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data.Version, data.Conflict = versionOf(now), true
	showTheirs(v, data.Fields, now, n)
	s.render(w, r, v, http.StatusConflict, "form", data)
}

// filledForm is the form of the record the path names, and the record
// as it is now.
func (s *Server) filledForm(w http.ResponseWriter, r *http.Request, v *visit) (*formPage, records.Record, bool) {
	view := views[r.PathValue("object")]
	if view == nil || !view.editable() {
		s.fail(w, r, v, errNotFound)
		return nil, nil, false
	}
	ctx := r.Context()
	rec, err := s.engine.Get(ctx, view.plural, r.PathValue("id"), false)
	if err != nil {
		s.fail(w, r, v, err)
		return nil, nil, false
	}
	fields, err := s.engine.Fields(ctx, view.plural)
	if err != nil {
		s.fail(w, r, v, err)
		return nil, nil, false
	}
	name := str(rec[view.name])
	if name == "" {
		name = v.p.T("web.record.unnamed")
	}
	page := "/" + view.plural + "/" + str(rec["id"])
	data := &formPage{frame: frame{Nav: view.plural}, Plural: view.plural, List: v.p.T("object." + view.plural + ".name"),
		Title: v.p.T("web.form.edit_title", "name", name), Action: page + "/edit", Cancel: page,
		Version: versionOf(rec), Fields: formFields(v.p, view, fields)}
	if view.plural == "products" {
		if data.Stock, err = s.stockOf(r, v, str(rec["id"])); err != nil {
			s.fail(w, r, v, err)
			return nil, nil, false
		}
	}
	return data, rec, true
}

// versionOf is the version a record is at.
func versionOf(rec records.Record) int64 {
	n, _ := rec["version"].(int64)
	return n
}

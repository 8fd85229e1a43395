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
	fillFrom(data.Fields, rec)
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
	in, paths := input(data.Fields, true)
	version, err := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if err != nil || version < 1 {
		err = fault.Errorf(fault.ECONFLICT, "the form carries no version")
	} else {
		_, err = s.engine.Update(r.Context(), data.Plural, r.PathValue("id"), version, in)
	}
	switch {
	case err == nil:
		http.Redirect(w, r, "/"+data.Plural+"/"+r.PathValue("id"), http.StatusSeeOther)
	case fault.Is(err, fault.ECONFLICT):
		now, err := s.engine.Get(r.Context(), data.Plural, r.PathValue("id"), false)
		if err != nil {
			s.fail(w, r, v, err)
			return
		}
		data.Version, data.Conflict = versionOf(now), true
		showTheirs(v, data.Fields, now)
		s.render(w, r, v, http.StatusConflict, "form", data)
	default:
		data.Version = version
		s.refused(w, r, v, data, paths, err)
	}
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
	return &formPage{frame: frame{Nav: view.plural}, Plural: view.plural, List: v.p.T("object." + view.plural + ".name"),
		Title: v.p.T("web.form.edit_title", "name", name), Action: page + "/edit", Cancel: page,
		Version: versionOf(rec), Fields: formFields(v.p, view, fields)}, rec, true
}

// versionOf is the version a record is at.
func versionOf(rec records.Record) int64 {
	n, _ := rec["version"].(int64)
	return n
}

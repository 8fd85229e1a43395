package web

import (
	"net/http"
	"strings"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
)

// newForm is the empty form of a new record: the signed-in user its
// owner, a deal's value in the workspace's base currency, and a task
// about the record the address names (/tasks/new?record_type=deal&record_id=7).
func (s *Server) newForm(w http.ResponseWriter, r *http.Request, v *visit) {
	data, ok := s.blankForm(w, r, v)
	if !ok {
		return
	}
	base := s.baseCurrency(r)
	q := r.URL.Query()
	start := records.Record{"owner_id": v.user.ID, "status": "open",
		"value": map[string]any{"currency": base}, "price": map[string]any{"currency": base},
		"record_type": q.Get("record_type"), "record_id": q.Get("record_id")}
	for k, val := range prefilled(r, data.Plural) { // a caller's number
		start[k] = val
	}
	fillFrom(data.Fields, start, v.location())
	if err := s.prepare(r, v, data); err != nil {
		s.fail(w, r, v, err)
		return
	}
	s.render(w, r, v, http.StatusOK, "form", data)
}

// create saves a new record through the engine, as the API does, and
// shows it; invalid input comes back with what was typed and each
// field's error.
func (s *Server) create(w http.ResponseWriter, r *http.Request, v *visit) {
	data, ok := s.blankForm(w, r, v)
	if !ok {
		return
	}
	readForm(data.Fields, r)
	in, paths := input(data.Fields, false, v.location())
	rec, err := s.engine.Create(r.Context(), data.Plural, in)
	if err != nil {
		s.refused(w, r, v, data, paths, err)
		return
	}
	http.Redirect(w, r, "/"+data.Plural+"/"+str(rec["id"]), http.StatusSeeOther)
}

// refresh draws the fields of a form again from what was posted, without
// saving: a deal's stages follow the pipeline picked, and the fields its
// stage requires are marked. htmx swaps them in as the user picks.
func (s *Server) refresh(w http.ResponseWriter, r *http.Request, v *visit) {
	data, ok := s.blankForm(w, r, v)
	if !ok {
		return
	}
	readForm(data.Fields, r)
	if err := s.prepare(r, v, data); err != nil {
		s.fail(w, r, v, err)
		return
	}
	s.fragment(w, r, v, "form", "form_fields", data)
}

// blankForm is the form of a new record of the page's object, without
// values.
func (s *Server) blankForm(w http.ResponseWriter, r *http.Request, v *visit) (*formPage, bool) {
	plural, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	view := views[plural]
	if view == nil || !view.editable() {
		s.fail(w, r, v, errNotFound)
		return nil, false
	}
	fields, err := s.engine.Fields(r.Context(), view.plural)
	if err != nil {
		s.fail(w, r, v, err)
		return nil, false
	}
	data := &formPage{frame: frame{Nav: view.plural}, Plural: view.plural, List: v.p.T("object." + view.plural + ".name"),
		Title: newTitle(v, view), Action: "/" + view.plural + "/new", Cancel: "/" + view.plural,
		Fields: formFields(v.p, view, fields)}
	if s.duplicates != nil && (view.plural == "contacts" || view.plural == "companies") {
		data.Check = "/" + view.plural + "/duplicates"
	}
	return data, true
}

func newTitle(v *visit, view *objectView) string {
	switch view.plural {
	case "companies":
		return v.p.T("web.form.new_company")
	case "deals":
		return v.p.T("web.form.new_deal")
	case "tasks":
		return v.p.T("web.form.new_task")
	case "products":
		return v.p.T("web.form.new_product")
	}
	return v.p.T("web.form.new_contact")
}

// refused shows the form again after the engine refused to save it,
// keeping what was typed: each field error beside its input, anything
// else above the form. A record that is gone, or out of the user's reach,
// is the problem page's.
func (s *Server) refused(w http.ResponseWriter, r *http.Request, v *visit, data *formPage, paths map[string]string, err error) {
	if showErrors(v, data, paths, err) {
		if err := s.prepare(r, v, data); err != nil {
			s.fail(w, r, v, err)
			return
		}
		s.render(w, r, v, http.StatusBadRequest, "form", data)
		return
	}
	switch fault.Code(err) {
	case fault.ENOTFOUND, fault.EUNAUTHORIZED, fault.EFORBIDDEN, "rate_limited":
		s.fail(w, r, v, err)
		return
	}
	s.logger(r).Error("web form not saved", "path", r.URL.Path, "err", err)
	data.Problems = append(data.Problems, v.p.T("web.form.failed"))
	s.render(w, r, v, http.StatusInternalServerError, "form", data)
}

package web

import (
	"database/sql"
	"errors"
	"net/http"
	"strings"

	"github.com/rapport-crm/rapport/internal/erasure"
	"github.com/rapport-crm/rapport/internal/store"
)

// erasePage asks an administrator to confirm the erasure of a contact's
// personal data, naming what will go and what stays, by typing the
// contact's name.
type erasePage struct {
	frame
	ID, Name, Href string
	Details        []string // the e-mails and phones that go with the name
	Typed          string
	Error          string
}

// erasureLinks gives a contact's page, for an administrator, the
// download of the person's data and the erasure; and, once erased, when.
func (s *Server) erasureLinks(r *http.Request, v *visit, id string, data *recordPage) {
	if s.db == nil {
		return
	}
	a, err := erasure.Allowed(r.Context())
	if err != nil {
		return
	}
	here := "/contacts/" + id
	data.PersonalData, data.Erase = "/api/v1"+here+"/personal-data", here+"/erase"
	var at any
	err = s.db.Read(r.Context()).QueryRowContext(r.Context(), `SELECT erased_at FROM erasures WHERE workspace_id = ? AND contact_id = ?`,
		a.WorkspaceID, id).Scan(&at)
	if err == nil {
		if t, ok := store.ParseTime(at); ok {
			data.ErasedAt = v.moment(t)
		}
	} else if !errors.Is(err, sql.ErrNoRows) {
		s.logger(r).Warn("record page: erasure", "err", err)
	}
}

// eraseForm shows the confirmation.
func (s *Server) eraseForm(w http.ResponseWriter, r *http.Request, v *visit) {
	data, ok := s.eraseData(w, r, v)
	if ok {
		s.render(w, r, v, http.StatusOK, "erase", data)
	}
}

func (s *Server) eraseData(w http.ResponseWriter, r *http.Request, v *visit) (*erasePage, bool) {
	if _, err := erasure.Allowed(r.Context()); err != nil || s.db == nil {
		s.fail(w, r, v, errNotFound)
		return nil, false
	}
	id := r.PathValue("id")
	rec, err := s.engine.Get(r.Context(), "contacts", id, false)
	if err != nil {
		s.fail(w, r, v, err)
		return nil, false
	}
	data := &erasePage{frame: frame{Nav: "contacts"}, ID: id, Name: strings.TrimSpace(str(rec["full_name"])), Href: "/contacts/" + id}
	if data.Name == "" {
		data.Name = id
	}
	for _, field := range []string{"emails", "phones"} {
		list, _ := rec[field].([]any)
		for _, it := range list {
			if m, ok := it.(map[string]any); ok {
				data.Details = append(data.Details, str(m["value"]))
			}
		}
	}
	return data, true
}

// erase erases the contact once the name typed matches, with the same
// service as the API, and shows the contact's page in its erased state.
func (s *Server) erase(w http.ResponseWriter, r *http.Request, v *visit) {
	data, ok := s.eraseData(w, r, v)
	if !ok {
		return
	}
	data.Typed = strings.TrimSpace(r.PostFormValue("confirm"))
	if !strings.EqualFold(data.Typed, data.Name) {
		data.Error = v.p.T("web.erase.mismatch")
		s.render(w, r, v, http.StatusUnprocessableEntity, "erase", data)
		return
	}
	if _, err := erasure.Contact(r.Context(), s.db, s.engine, data.ID); err != nil {
		s.fail(w, r, v, err)
		return
	}
	http.Redirect(w, r, data.Href, http.StatusSeeOther)
}

package web

import (
	"net/http"

	"github.com/rapport-crm/rapport/internal/account"
)

// deactivatePage asks to confirm deactivating a user, and to whom their
// records and teams go.
type deactivatePage struct {
	frame
	ID, Name, Email string
	Others          []formOption // the active users who may take the records
	ReassignTo      string
	Notice, Problem string
}

func (s *Server) deactivateForm(w http.ResponseWriter, r *http.Request, v *visit) {
	data, err := s.deactivateData(r, v)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	s.render(w, r, v, http.StatusOK, "settings_deactivate", data)
}

func (s *Server) deactivateData(r *http.Request, v *visit) (*deactivatePage, error) {
	u, err := s.accounts.GetUser(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if u.Status != account.StatusActive {
		return nil, errNotFound
	}
	users, err := s.accounts.ListUsers(r.Context(), account.UserFilter{Status: account.StatusActive})
	if err != nil {
		return nil, err
	}
	data := &deactivatePage{frame: frame{Nav: "settings"}, ID: u.ID, Name: u.Name, Email: u.Email}
	for _, o := range users {
		if o.ID != u.ID {
			data.Others = append(data.Others, formOption{Value: o.ID, Label: o.Name})
		}
	}
	return data, nil
}

// deactivateUser deactivates a user through the account service, as POST
// /api/v1/users/{id}/deactivate does: everything they own moves to the
// chosen user in the same transaction.
func (s *Server) deactivateUser(w http.ResponseWriter, r *http.Request, v *visit) {
	to := r.PostFormValue("reassign_to")
	_, err := s.accounts.DeactivateUser(r.Context(), r.PathValue("id"), to)
	if err == nil {
		doneAt(w, r, "/settings/users", "deactivated")
		return
	}
	text, ok := peopleRefusal(v, err)
	if !ok {
		s.fail(w, r, v, err)
		return
	}
	data, derr := s.deactivateData(r, v)
	if derr != nil {
		s.fail(w, r, v, derr)
		return
	}
	data.ReassignTo, data.Problem = to, text
	s.render(w, r, v, http.StatusConflict, "settings_deactivate", data)
}

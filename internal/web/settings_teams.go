package web

import (
	"net/http"
	"strings"

	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/fault"
)

// teamsPage lists the teams with their managers and members, a form to add
// a team and, per team, forms to rename it, change its manager, add a
// member or delete it.
type teamsPage struct {
	frame
	Teams   []teamRow
	Users   []formOption // the active users, for managers and members
	NewName string
	Errors  map[string]string // of the form that adds a team
	Notice  string
	Problem string
}

// teamRow is one team as the page shows it.
type teamRow struct {
	ID, Name, ManagerID, Manager string
	Members                      []formOption
}

func (s *Server) teamsList(w http.ResponseWriter, r *http.Request, v *visit) {
	data, err := s.teamsData(r)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data.Notice = peopleNotice(v, r.URL.Query().Get("done"))
	s.render(w, r, v, http.StatusOK, "settings_teams", data)
}

// teamsData reads the teams and the users: two queries for the page.
func (s *Server) teamsData(r *http.Request) (*teamsPage, error) {
	teams, err := s.accounts.ListTeams(r.Context())
	if err != nil {
		return nil, err
	}
	users, err := s.accounts.ListUsers(r.Context(), account.UserFilter{})
	if err != nil {
		return nil, err
	}
	data := &teamsPage{frame: frame{Nav: "settings"}}
	names, members := map[string]string{}, map[string][]formOption{}
	for _, u := range users {
		names[u.ID] = u.Name
		if u.Status == account.StatusActive {
			data.Users = append(data.Users, formOption{Value: u.ID, Label: u.Name})
		}
		if u.TeamID != nil {
			members[*u.TeamID] = append(members[*u.TeamID], formOption{Value: u.ID, Label: u.Name})
		}
	}
	for _, t := range teams {
		row := teamRow{ID: t.ID, Name: t.Name, Members: members[t.ID]}
		if t.ManagerID != nil {
			row.ManagerID, row.Manager = *t.ManagerID, names[*t.ManagerID]
		}
		data.Teams = append(data.Teams, row)
	}
	return data, nil
}

// addTeam creates a team, as POST /api/v1/teams does.
func (s *Server) addTeam(w http.ResponseWriter, r *http.Request, v *visit) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	in := account.TeamInput{Name: &name}
	if m := r.PostFormValue("manager_id"); m != "" {
		in.ManagerID = &m
	}
	_, err := s.accounts.CreateTeam(r.Context(), in)
	if err == nil {
		doneAt(w, r, "/settings/teams", "added")
		return
	}
	s.teamRefused(w, r, v, err, &name)
}

// changeTeam renames a team and sets its manager ("" for none), as PATCH
// /api/v1/teams/{id} does.
func (s *Server) changeTeam(w http.ResponseWriter, r *http.Request, v *visit) {
	name, manager := strings.TrimSpace(r.PostFormValue("name")), r.PostFormValue("manager_id")
	_, err := s.accounts.UpdateTeam(r.Context(), r.PathValue("id"), account.TeamInput{Name: &name, ManagerID: &manager})
	if err == nil {
		doneAt(w, r, "/settings/teams", "saved")
		return
	}
	s.teamRefused(w, r, v, err, nil)
}

// addMember moves a user into the team, as PATCH /api/v1/users/{id} with
// a team_id does.
func (s *Server) addMember(w http.ResponseWriter, r *http.Request, v *visit) {
	team := r.PathValue("id")
	_, err := s.accounts.UpdateUser(r.Context(), r.PostFormValue("user_id"), account.UserChange{TeamID: &team})
	if err == nil {
		doneAt(w, r, "/settings/teams", "saved")
		return
	}
	s.teamRefused(w, r, v, err, nil)
}

// removeMember takes a user out of their team.
func (s *Server) removeMember(w http.ResponseWriter, r *http.Request, v *visit) {
	none := ""
	_, err := s.accounts.UpdateUser(r.Context(), r.PathValue("user"), account.UserChange{TeamID: &none})
	if err == nil {
		doneAt(w, r, "/settings/teams", "saved")
		return
	}
	s.teamRefused(w, r, v, err, nil)
}

// deleteTeam deletes a team; its members stay, in no team.
func (s *Server) deleteTeam(w http.ResponseWriter, r *http.Request, v *visit) {
	if err := s.accounts.DeleteTeam(r.Context(), r.PathValue("id")); err != nil {
		s.teamRefused(w, r, v, err, nil)
		return
	}
	doneAt(w, r, "/settings/teams", "deleted")
}

// teamRefused shows the teams again with why a change was refused: a
// field's error beside the form that adds a team, anything else above.
// typed is the name typed into the form that adds a team, nil for the
// other forms.
func (s *Server) teamRefused(w http.ResponseWriter, r *http.Request, v *visit, err error, typed *string) {
	if fault.Is(err, fault.ENOTFOUND) {
		s.fail(w, r, v, err)
		return
	}
	data, derr := s.teamsData(r)
	if derr != nil {
		s.fail(w, r, v, derr)
		return
	}
	errs, invalid := fieldErrors(v, err)
	switch {
	case invalid && len(errs) > 0 && typed != nil:
		data.NewName, data.Errors = *typed, errs
	case invalid && len(errs) > 0:
		data.Problem = firstError(errs)
	default:
		text, ok := peopleRefusal(v, err)
		if !ok {
			s.fail(w, r, v, err)
			return
		}
		data.Problem = text
	}
	s.render(w, r, v, http.StatusBadRequest, "settings_teams", data)
}

// firstError is one of a form's errors, for a form that shows them above
// itself rather than beside each input.
func firstError(errs map[string]string) string {
	for _, k := range []string{"name", "manager_id", "team_id", "role"} {
		if e, ok := errs[k]; ok {
			return e
		}
	}
	for _, e := range errs {
		return e
	}
	return ""
}

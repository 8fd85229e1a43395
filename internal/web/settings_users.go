package web

import (
	"net/http"
	"strings"

	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/locale"
)

// usersPage lists the workspace's users, with a form to add one and, on
// each row, the user's role and team to change.
type usersPage struct {
	frame
	Users   []userRow
	Roles   []formOption
	Teams   []formOption
	Add     newUserForm
	Errors  map[string]string // of the form that adds a user, by field
	Notice  string
	Problem string
}

// userRow is one user as the list shows them.
type userRow struct {
	ID, Name, Email, Role, RoleLabel, TeamID, Team string
	Active, TwoFactor                              bool
}

// newUserForm is what was typed into the form that adds a user.
type newUserForm struct {
	Name, Email, Role, TeamID string
}

func (s *Server) usersList(w http.ResponseWriter, r *http.Request, v *visit) {
	data, err := s.usersData(r, v)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data.Notice = peopleNotice(v, r.URL.Query().Get("done"))
	data.Add.Role = "salesperson"
	s.render(w, r, v, http.StatusOK, "settings_users", data)
}

// usersData reads the users, roles and teams: three queries, however many
// users there are.
func (s *Server) usersData(r *http.Request, v *visit) (*usersPage, error) {
	users, err := s.accounts.ListUsers(r.Context(), account.UserFilter{})
	if err != nil {
		return nil, err
	}
	roles, err := s.roleChoices(r, v)
	if err != nil {
		return nil, err
	}
	teams, err := s.accounts.ListTeams(r.Context())
	if err != nil {
		return nil, err
	}
	data := &usersPage{frame: frame{Nav: "settings"}, Roles: roles}
	teamNames := map[string]string{}
	for _, t := range teams {
		data.Teams = append(data.Teams, formOption{Value: t.ID, Label: t.Name})
		teamNames[t.ID] = t.Name
	}
	roleLabels := map[string]string{}
	for _, c := range roles {
		roleLabels[c.Value] = c.Label
	}
	for _, u := range users {
		row := userRow{ID: u.ID, Name: u.Name, Email: u.Email, Role: u.Role, RoleLabel: roleLabels[u.Role],
			Active: u.Status == account.StatusActive, TwoFactor: u.TwoFactor}
		if u.TeamID != nil {
			row.TeamID, row.Team = *u.TeamID, teamNames[*u.TeamID]
		}
		data.Users = append(data.Users, row)
	}
	return data, nil
}

// roleChoices are the workspace's roles, labelled in the user's language
// when built in.
func (s *Server) roleChoices(r *http.Request, v *visit) ([]formOption, error) {
	roles, err := s.roles().Roles(r.Context())
	if err != nil {
		return nil, err
	}
	p := v.p
	out := make([]formOption, 0, len(roles))
	for _, role := range roles {
		out = append(out, formOption{Value: role.Name, Label: roleLabel(p, role.Name, role.Label)})
	}
	return out, nil
}

// addUser adds a user through the account service, as POST /api/v1/users
// does; invalid input comes back beside each field, keeping what was
// typed (but not the password).
func (s *Server) addUser(w http.ResponseWriter, r *http.Request, v *visit) {
	in := newUserForm{Name: strings.TrimSpace(r.PostFormValue("name")), Email: strings.TrimSpace(r.PostFormValue("email")),
		Role: r.PostFormValue("role"), TeamID: r.PostFormValue("team_id")}
	n := account.NewUser{Name: in.Name, Email: in.Email, Password: r.PostFormValue("password"), Role: in.Role,
		Language: v.lang, TimeZone: v.user.TimeZone}
	if in.TeamID != "" {
		n.TeamID = &in.TeamID
	}
	_, err := s.accounts.AddUser(r.Context(), n)
	if err == nil {
		doneAt(w, r, "/settings/users", "added")
		return
	}
	data, derr := s.usersData(r, v)
	if derr != nil {
		s.fail(w, r, v, derr)
		return
	}
	data.Add = in
	if errs, ok := fieldErrors(v, err); ok && len(errs) > 0 {
		data.Errors = errs
	} else if text, ok := peopleRefusal(v, err); ok {
		data.Problem = text
	} else {
		s.fail(w, r, v, err)
		return
	}
	s.render(w, r, v, http.StatusBadRequest, "settings_users", data)
}

// changeUser sets a user's role and team, as PATCH /api/v1/users/{id}
// does.
func (s *Server) changeUser(w http.ResponseWriter, r *http.Request, v *visit) {
	role, team := r.PostFormValue("role"), r.PostFormValue("team_id")
	_, err := s.accounts.UpdateUser(r.Context(), r.PathValue("id"), account.UserChange{Role: &role, TeamID: &team})
	s.afterUserChange(w, r, v, err, "saved")
}

// afterUserChange goes back to the list with a notice, or shows the list
// with why the change was refused.
func (s *Server) afterUserChange(w http.ResponseWriter, r *http.Request, v *visit, err error, code string) {
	if err == nil {
		doneAt(w, r, "/settings/users", code)
		return
	}
	text, ok := peopleRefusal(v, err)
	if !ok || fault.Is(err, fault.ENOTFOUND) {
		s.fail(w, r, v, err)
		return
	}
	data, derr := s.usersData(r, v)
	if derr != nil {
		s.fail(w, r, v, derr)
		return
	}
	data.Problem = text
	s.render(w, r, v, http.StatusConflict, "settings_users", data)
}

func (s *Server) reactivateUser(w http.ResponseWriter, r *http.Request, v *visit) {
	_, err := s.accounts.ReactivateUser(r.Context(), r.PathValue("id"))
	s.afterUserChange(w, r, v, err, "reactivated")
}

// roleLabel is a role's label: the catalogue's for the built-in roles,
// the one an administrator gave for the others.
func roleLabel(p *locale.Printer, name, label string) string {
	switch name {
	case "administrator":
		return p.T("web.people.role.administrator")
	case "manager":
		return p.T("web.people.role.manager")
	case "salesperson":
		return p.T("web.people.role.salesperson")
	case "read_only":
		return p.T("web.people.role.read_only")
	}
	return label
}

package web

import (
	"net/http"
	"strings"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
)

// rolesPage lists the roles, with a form to make a new one from an
// existing one.
type rolesPage struct {
	frame
	Roles   []roleRow
	New     newRoleForm
	Errors  map[string]string
	Notice  string
	Problem string
}

// roleRow is one role as the list shows it.
type roleRow struct {
	Name, Label string
	Builtin     bool
}

// newRoleForm is what was typed into the form that makes a role.
type newRoleForm struct {
	Name, Label, From string
}

func (s *Server) rolesList(w http.ResponseWriter, r *http.Request, v *visit) {
	data, err := s.rolesData(r, v)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data.Notice = peopleNotice(v, r.URL.Query().Get("done"))
	data.New.From = access.RoleSalesperson
	s.render(w, r, v, http.StatusOK, "settings_roles", data)
}

func (s *Server) rolesData(r *http.Request, v *visit) (*rolesPage, error) {
	roles, err := s.roles().Roles(r.Context())
	if err != nil {
		return nil, err
	}
	data := &rolesPage{frame: frame{Nav: "settings"}}
	for _, role := range roles {
		data.Roles = append(data.Roles, roleRow{Name: role.Name, Label: roleLabel(v.p, role.Name, role.Label), Builtin: role.Builtin})
	}
	return data, nil
}

// addRole makes a role with the grants and field rules of the role it
// starts from, as POST /api/v1/roles does with them, and opens its grid.
func (s *Server) addRole(w http.ResponseWriter, r *http.Request, v *visit) {
	in := newRoleForm{Name: strings.TrimSpace(r.PostFormValue("name")), Label: strings.TrimSpace(r.PostFormValue("label")),
		From: r.PostFormValue("from")}
	spec := access.RoleSpec{Name: in.Name, Label: in.Label}
	from, err := s.roles().Role(r.Context(), in.From)
	if err == nil {
		spec.Grants, spec.Fields = from.Grants, from.Fields
		_, err = s.roles().CreateRole(r.Context(), spec)
	}
	if err == nil {
		http.Redirect(w, r, "/settings/roles/"+in.Name+"/edit?done=added", http.StatusSeeOther)
		return
	}
	data, derr := s.rolesData(r, v)
	if derr != nil {
		s.fail(w, r, v, derr)
		return
	}
	data.New = in
	errs, invalid := fieldErrors(v, err)
	switch {
	case invalid && len(errs) > 0:
		data.Errors = errs
	case fault.Is(err, fault.ENOTFOUND): // the role to start from
		data.Errors = map[string]string{"from": v.p.T("web.people.roles.no_such_role")}
	default:
		text, ok := peopleRefusal(v, err)
		if !ok {
			s.fail(w, r, v, err)
			return
		}
		data.Problem = text
	}
	s.render(w, r, v, http.StatusBadRequest, "settings_roles", data)
}

// deleteRole deletes a role that is not built in and that nobody holds.
func (s *Server) deleteRole(w http.ResponseWriter, r *http.Request, v *visit) {
	err := s.roles().DeleteRole(r.Context(), r.PathValue("name"))
	if err == nil {
		doneAt(w, r, "/settings/roles", "deleted")
		return
	}
	text, ok := peopleRefusal(v, err)
	if !ok {
		s.fail(w, r, v, err)
		return
	}
	data, derr := s.rolesData(r, v)
	if derr != nil {
		s.fail(w, r, v, derr)
		return
	}
	data.Problem = text
	s.render(w, r, v, http.StatusConflict, "settings_roles", data)
}

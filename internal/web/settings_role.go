package web

import (
	"net/http"
	"slices"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
)

// rolePage is one role's grid: per object, a scope for each action, and
// per record object its hidden and read-only fields. A built-in role is
// shown but cannot change.
type rolePage struct {
	frame
	Name, Label string
	Builtin     bool
	Actions     []formOption // the grid's columns
	Objects     []grantRow
	FieldRules  []fieldRuleGroup
	Notice      string
	Problem     string
}

// grantRow is an object's line of the grid: one select per action.
type grantRow struct {
	Object, Label string
	Cells         []grantCell
}

// grantCell is the scope one action has on one object.
type grantCell struct {
	Name   string // the input's name: grant.<object>.<action>
	Action string // the action's label
	Scope  string
	Scopes []formOption // the scopes that mean something for the object
}

// fieldRuleGroup is a record object's fields, each with its rule.
type fieldRuleGroup struct {
	Object, Label string
	Fields        []fieldRuleRow
}

// fieldRuleRow is one field and what the role may do with it: "" (see
// and change), hidden or read_only.
type fieldRuleRow struct {
	Name, Label, Rule string
}

// gridActions are the actions of the grid; export keeps its scope.
var gridActions = []access.Action{access.Read, access.Create, access.Update, access.Delete}

func (s *Server) roleGrid(w http.ResponseWriter, r *http.Request, v *visit) {
	role, err := s.roles().Role(r.Context(), r.PathValue("name"))
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data, err := s.roleData(r, v, role)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data.Notice = peopleNotice(v, r.URL.Query().Get("done"))
	s.render(w, r, v, http.StatusOK, "settings_role", data)
}

func (s *Server) roleData(r *http.Request, v *visit, role access.Role) (*rolePage, error) {
	data := &rolePage{frame: frame{Nav: "settings"}, Name: role.Name, Label: roleLabel(v.p, role.Name, role.Label), Builtin: role.Builtin}
	for _, act := range gridActions {
		data.Actions = append(data.Actions, formOption{Value: string(act), Label: actionLabel(v, act)})
	}
	for _, object := range append(slices.Clone(access.RecordObjects), access.SettingObjects...) {
		row := grantRow{Object: object, Label: accessObjectLabel(v, object)}
		for _, act := range gridActions {
			row.Cells = append(row.Cells, grantCell{Name: "grant." + object + "." + string(act), Action: actionLabel(v, act),
				Scope: string(role.Scope(object, act)), Scopes: scopeChoices(v, object)})
		}
		data.Objects = append(data.Objects, row)
	}
	groups, err := s.fieldRuleGroups(r, v, role.Fields)
	data.FieldRules = groups
	return data, err
}

// fieldRuleGroups are the fields of each record object the engine knows,
// with the role's rule on each. The engine's own fields take no rule.
func (s *Server) fieldRuleGroups(r *http.Request, v *visit, rules access.FieldRules) ([]fieldRuleGroup, error) {
	var out []fieldRuleGroup
	for _, object := range access.RecordObjects {
		o := s.engineObject(object)
		if o == nil {
			continue
		}
		fields, err := s.engine.Fields(r.Context(), o.Plural)
		if err != nil {
			return nil, err
		}
		g := fieldRuleGroup{Object: object, Label: accessObjectLabel(v, object)}
		for _, f := range fields {
			if slices.Contains(engineFields, f.Name) {
				continue
			}
			label := f.Label
			if !f.Custom {
				label = fieldLabel(v.p, f.Name)
			}
			g.Fields = append(g.Fields, fieldRuleRow{Name: f.Name, Label: label, Rule: string(rules[object][f.Name])})
		}
		out = append(out, g)
	}
	return out, nil
}

// engineFields are the fields every record shows, which no rule touches.
var engineFields = []string{"id", "version", "created_at", "updated_at", "deleted_at"}

// engineObject is the records engine's object of an access object
// ("contact"), or nil when grants on it govern no one object of the
// engine (activities, lists).
func (s *Server) engineObject(name string) *records.Object {
	for _, o := range s.engine.Objects() {
		if o.Name == name {
			return o
		}
	}
	return nil
}

// saveRole writes the grid through the same call as PATCH
// /api/v1/roles/{name}: the role policy's UpdateRole, which refuses a
// built-in role and a change that leaves no administrator.
func (s *Server) saveRole(w http.ResponseWriter, r *http.Request, v *visit) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	role, err := s.roles().UpdateRole(r.Context(), r.PathValue("name"), func(spec *access.RoleSpec) error {
		applyGrid(spec, r)
		return nil
	})
	if err == nil {
		doneAt(w, r, "/settings/roles/"+role.Name+"/edit", "saved")
		return
	}
	if fault.Is(err, fault.ENOTFOUND) {
		s.fail(w, r, v, err)
		return
	}
	text, ok := peopleRefusal(v, err)
	if !ok {
		s.fail(w, r, v, err)
		return
	}
	old, rerr := s.roles().Role(r.Context(), r.PathValue("name"))
	if rerr != nil {
		s.fail(w, r, v, rerr)
		return
	}
	data, derr := s.roleData(r, v, old)
	if derr != nil {
		s.fail(w, r, v, derr)
		return
	}
	data.Problem = text
	s.render(w, r, v, http.StatusConflict, "settings_role", data)
}

// applyGrid puts the posted grid into spec: a scope for each action of
// the grid on each object, and the rules of the fields posted. Values the
// grid does not show (the export action, label) stay; a value that is
// not a scope or a rule is left to the role's own check to refuse.
func applyGrid(spec *access.RoleSpec, r *http.Request) {
	if spec.Grants == nil {
		spec.Grants = access.Grants{}
	}
	for _, object := range append(slices.Clone(access.RecordObjects), access.SettingObjects...) {
		for _, act := range gridActions {
			val, ok := r.PostForm["grant."+object+"."+string(act)]
			if !ok {
				continue
			}
			if spec.Grants[object] == nil {
				spec.Grants[object] = map[access.Action]access.Scope{}
			}
			spec.Grants[object][act] = access.Scope(val[0])
		}
	}
	if spec.Fields == nil {
		spec.Fields = access.FieldRules{}
	}
	for key, val := range r.PostForm {
		object, field, ok := cutRule(key)
		if !ok {
			continue
		}
		if spec.Fields[object] == nil {
			spec.Fields[object] = map[string]access.FieldRule{}
		}
		if val[0] == "" {
			delete(spec.Fields[object], field)
		} else {
			spec.Fields[object][field] = access.FieldRule(val[0])
		}
	}
}

// cutRule reads the input name of a field rule, rule.<object>.<field>.
func cutRule(key string) (object, field string, ok bool) {
	rest, found := cutPrefix(key, "rule.")
	if !found {
		return "", "", false
	}
	for i := 0; i < len(rest); i++ {
		if rest[i] == '.' {
			return rest[:i], rest[i+1:], i > 0 && i < len(rest)-1
		}
	}
	return "", "", false
}

func cutPrefix(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || s[:len(prefix)] != prefix {
		return s, false
	}
	return s[len(prefix):], true
}

// scopeChoices are the scopes an object's grants take: settings have no
// owner, so for them a grant is on or off.
func scopeChoices(v *visit, object string) []formOption {
	none, all := formOption{Value: "none", Label: v.p.T("web.people.scope.none")}, formOption{Value: "all", Label: v.p.T("web.people.scope.all")}
	if !slices.Contains(access.RecordObjects, object) {
		return []formOption{none, all}
	}
	return []formOption{none, {Value: "own", Label: v.p.T("web.people.scope.own")}, {Value: "team", Label: v.p.T("web.people.scope.team")}, all}
}

func actionLabel(v *visit, act access.Action) string {
	switch act {
	case access.Read:
		return v.p.T("web.people.action.read")
	case access.Create:
		return v.p.T("web.people.action.create")
	case access.Update:
		return v.p.T("web.people.action.update")
	}
	return v.p.T("web.people.action.delete")
}

// accessObjectLabel names an object of the grants in the user's language.
func accessObjectLabel(v *visit, object string) string {
	switch object {
	case "contact":
		return v.p.T("object.contacts.name")
	case "company":
		return v.p.T("object.companies.name")
	case "deal":
		return v.p.T("object.deals.name")
	case "task":
		return v.p.T("object.tasks.name")
	case "activity":
		return v.p.T("web.people.object.activity")
	case "list":
		return v.p.T("object.lists.name")
	case "ticket":
		return v.p.T("web.people.object.ticket")
	case "field":
		return v.p.T("web.people.object.field")
	case "role":
		return v.p.T("web.people.object.role")
	case "user":
		return v.p.T("web.people.object.user")
	case "team":
		return v.p.T("web.people.object.team")
	case "audit":
		return v.p.T("web.people.object.audit")
	case "pipeline":
		return v.p.T("object.pipelines.name")
	case "product":
		return v.p.T("object.products.name")
	case "currency":
		return v.p.T("web.people.object.currency")
	}
	return object
}

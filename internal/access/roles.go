package access

import (
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/input"
)

// Scope says which records of an object an action reaches.
type Scope string

// The scopes, from nothing to everything. Own reaches the records whose
// owner_id is the actor; Team adds those owned by the members of the
// actor's team and of every team the actor manages.
const (
	None Scope = "none"
	Own  Scope = "own"
	Team Scope = "team"
	All  Scope = "all"
)

// Scopes lists the scopes in widening order.
var Scopes = []Scope{None, Own, Team, All}

// Actions lists every action a role grants.
var Actions = []Action{Create, Read, Update, Delete, Export}

// FieldRule limits what a role does with one field.
type FieldRule string

// The field rules. A hidden field is absent from everything the actor is
// shown, as if it did not exist; a read-only one is shown but refused on
// write.
const (
	FieldHidden   FieldRule = "hidden"
	FieldReadOnly FieldRule = "read_only"
)

// RecordObjects are the objects whose records have an owner, so that grants
// on them have a scope. Objects that do not exist yet are listed so that
// roles carry sensible grants for them from the start.
// "activity" governs notes, calls and meetings; "list" every user-defined
// list.
var RecordObjects = []string{"contact", "company", "deal", "task", "activity", "list", "ticket"}

// SettingObjects are the workspace's settings: custom fields and list
// definitions, roles, users, teams, the audit trail, pipelines (with their
// stages and loss reasons), the product catalogue (with price lists,
// warehouses and stock) and currencies. They have no owner, so any scope
// other than none grants the action.
var SettingObjects = []string{"field", "role", "user", "team", "audit", "pipeline", "product", "currency"}

// Grants maps object -> action -> scope. A missing entry is None.
type Grants map[string]map[Action]Scope

// FieldRules maps object -> field -> rule. A missing entry is no rule.
type FieldRules map[string]map[string]FieldRule

// Role is a named set of grants and field rules. Every user has one.
type Role struct {
	Name      string     `json:"name"`
	Label     string     `json:"label"`
	Builtin   bool       `json:"builtin"`
	Grants    Grants     `json:"grants"`
	Fields    FieldRules `json:"fields"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// Scope returns what r grants for act on object; nil grants nothing.
func (r *Role) Scope(object string, act Action) Scope {
	if r == nil {
		return None
	}
	if s, ok := r.Grants[object][act]; ok {
		return s
	}
	return None
}

// ManagesRoles reports whether r may change roles, which is what makes a
// holder of r an administrator of the workspace.
func (r *Role) ManagesRoles() bool { return r.Scope("role", Update) == All }

// The built-in roles' names.
const (
	RoleAdministrator = "administrator"
	RoleManager       = "manager"
	RoleSalesperson   = "salesperson"
	RoleReadOnly      = "read_only"
)

// BuiltinRoles returns the roles every workspace starts with. Migration
// 00005 inserts the same for workspace 1; a test keeps the two equal.
func BuiltinRoles() []Role {
	admin := Grants{}
	for _, o := range allObjects() {
		admin[o] = uniform(All, Actions...)
	}
	manager, sales, readOnly := Grants{}, Grants{}, Grants{}
	for _, o := range RecordObjects {
		manager[o] = uniform(Team, Actions...)
		sales[o] = uniform(Own, Actions...)
		readOnly[o] = uniform(All, Read)
	}
	// Deals are money: only administrators delete them by default.
	manager["deal"][Delete] = None
	sales["deal"][Delete] = None
	// Everyone sees who their colleagues are, so owners have names, and
	// the pipelines, catalogue and currencies their deals are made of.
	for _, g := range []Grants{manager, sales, readOnly} {
		for _, o := range []string{"user", "team", "pipeline", "product", "currency"} {
			g[o] = uniform(All, Read)
		}
	}
	roles := []Role{
		{Name: RoleAdministrator, Label: "Administrator", Grants: admin},
		{Name: RoleManager, Label: "Manager", Grants: manager},
		{Name: RoleSalesperson, Label: "Salesperson", Grants: sales},
		{Name: RoleReadOnly, Label: "Read only", Grants: readOnly},
	}
	for i := range roles {
		roles[i].Builtin = true
		roles[i].normalize()
	}
	return roles
}

func uniform(s Scope, acts ...Action) map[Action]Scope {
	m := map[Action]Scope{}
	for _, a := range acts {
		m[a] = s
	}
	return m
}

// fillFromBuiltin gives a stored built-in role the default grants of the
// objects added since it was stored, so that an upgrade does not lock its
// holders out of them.
func (r *Role) fillFromBuiltin() {
	for _, b := range BuiltinRoles() {
		if b.Name != r.Name {
			continue
		}
		if r.Grants == nil {
			r.Grants = Grants{}
		}
		for o, acts := range b.Grants {
			if _, ok := r.Grants[o]; !ok {
				r.Grants[o] = acts
			}
		}
	}
}

func allObjects() []string { return append(slices.Clone(RecordObjects), SettingObjects...) }

// normalize fills every object and action with a scope and drops empty
// field rule sets, so that a role always reads as a complete table.
func (r *Role) normalize() {
	g := Grants{}
	for _, o := range allObjects() {
		g[o] = map[Action]Scope{}
		for _, a := range Actions {
			g[o][a] = r.Scope(o, a)
		}
	}
	r.Grants = g
	f := FieldRules{}
	for o, rules := range r.Fields {
		if len(rules) > 0 {
			f[o] = rules
		}
	}
	r.Fields = f
}

var roleName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// protectedFields are the engine's own fields: every record shows them and
// the engine alone writes them, so no rule may touch them.
var protectedFields = []string{"id", "version", "created_at", "updated_at", "deleted_at"}

// check validates r, reporting every problem at once.
func (r *Role) check() error {
	var c fault.Collector
	switch {
	case r.Name == "":
		c.Add("name", "required", "is required")
	case !roleName.MatchString(r.Name):
		c.Add("name", "format", "must be snake_case: a lower-case letter, then letters, digits or _ (at most 63)")
	}
	if utf8.RuneCountInString(r.Label) > 200 {
		c.Add("label", "too_long", "must be at most 200 characters")
	} else {
		c.Include(input.Line("label", r.Label))
	}
	for _, o := range sortedKeys(r.Grants) {
		if !slices.Contains(allObjects(), o) {
			c.Add("grants."+o, "unknown", "is not an object; objects are %s", strings.Join(allObjects(), ", "))
			continue
		}
		for _, a := range sortedKeys(r.Grants[o]) {
			if !slices.Contains(Actions, a) {
				c.Add("grants."+o+"."+string(a), "unknown", "is not an action; actions are create, read, update, delete, export")
			} else if !slices.Contains(Scopes, r.Grants[o][a]) {
				c.Add("grants."+o+"."+string(a), "option", "must be one of none, own, team, all")
			}
		}
	}
	for _, o := range sortedKeys(r.Fields) {
		if !slices.Contains(RecordObjects, o) {
			c.Add("fields."+o, "unknown", "field rules apply to %s", strings.Join(RecordObjects, ", "))
			continue
		}
		for _, name := range sortedKeys(r.Fields[o]) {
			where := "fields." + o + "." + name
			switch rule := r.Fields[o][name]; {
			case !roleName.MatchString(name):
				c.Add(where, "format", "is not a field name")
			case slices.Contains(protectedFields, name):
				c.Add(where, "protected", "is one of Rapport's own fields, which every record shows")
			case rule != FieldHidden && rule != FieldReadOnly:
				c.Add(where, "option", "must be hidden or read_only")
			}
		}
	}
	return c.Err()
}

func sortedKeys[K ~string, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

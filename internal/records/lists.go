package records

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/input"
	"github.com/rapport-crm/rapport/internal/store"
)

// A list is an object an administrator defines at run time ("Suppliers",
// "Contracts"). Its records have a name and an owner, take custom fields
// like any object, and live in the shared entries table, told apart by
// kind. The grants of "list" govern every list.

// ListSpec is a request to define a list.
type ListSpec struct {
	Name   string `json:"name"`   // singular, e.g. "supplier"
	Plural string `json:"plural"` // the API path, e.g. "suppliers"
	Label  string `json:"label"`
}

// reservedPaths are first segments of API paths that are not objects, so
// no list may take them.
var reservedPaths = []string{"fields", "roles", "users", "teams", "tokens", "me", "sessions", "password-resets",
	"audit", "jobs", "openapi.json", "lists", "objects", "search", "lookup", "notifications", "settings",
	"exchange_rates", "currencies", "warehouses", "duplicates", "timeline", "board", "stock", "entries", "activities"}

// listCache holds each workspace's lists. A name it does not know is read
// from the database once, so lists defined by another process are found.
type listCache struct {
	mu   sync.Mutex
	byWS map[int64]map[string]*Object // by singular and plural name
}

func listObject(name, plural, label string) *Object {
	owner := col("owner_id", "Owner", User)
	o := &Object{Name: name, Plural: plural, Label: label, table: "entries", kind: name, grant: "list", kindKey: true,
		Fields: []*Field{required(col("name", "Name", Text)), owner}}
	catalogue(o)
	return o
}

// list returns the list of workspace ws called name (singular or plural),
// or nil.
func (e *Engine) list(ctx context.Context, ws int64, name string) (*Object, error) {
	e.lists.mu.Lock()
	obj := e.lists.byWS[ws][name]
	e.lists.mu.Unlock()
	if obj != nil || !fieldName.MatchString(strings.ReplaceAll(name, "-", "_")) {
		return obj, nil
	}
	lists, err := e.loadLists(ctx, ws)
	if err != nil {
		return nil, err
	}
	return lists[name], nil
}

// loadLists reads committed lists only, as loadSchema reads fields, for
// the same reason: the result is cached.
func (e *Engine) loadLists(ctx context.Context, ws int64) (map[string]*Object, error) {
	rows, err := e.db.Reader().QueryContext(ctx, `SELECT name, plural, label FROM list_objects WHERE workspace_id = ? ORDER BY name`, ws)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[string]*Object{}
	for rows.Next() {
		var name, plural, label string
		if err := rows.Scan(&name, &plural, &label); err != nil {
			return nil, err
		}
		o := listObject(name, plural, label)
		m[name], m[plural] = o, o
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	e.lists.mu.Lock()
	e.lists.byWS[ws] = m
	e.lists.mu.Unlock()
	return m, nil
}

// Lists returns the lists defined in the acting workspace, in name order.
func (e *Engine) Lists(ctx context.Context) ([]*Object, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	m, err := e.loadLists(ctx, a.WorkspaceID)
	if err != nil {
		return nil, err
	}
	var out []*Object
	for k, o := range m {
		if k == o.Name {
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(x, y *Object) int { return strings.Compare(x.Name, y.Name) })
	return out, nil
}

// DefineList adds a list to the acting workspace. Defining objects is a
// change of the workspace's shape, so it takes the grant to add fields.
func (e *Engine) DefineList(ctx context.Context, spec ListSpec) (*Object, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	if err := e.policy.Authorize(ctx, a, "field", access.Create, nil); err != nil {
		return nil, err
	}
	spec.Name, spec.Plural, spec.Label = strings.TrimSpace(spec.Name), strings.TrimSpace(spec.Plural), strings.TrimSpace(spec.Label)
	if err := e.checkList(ctx, a.WorkspaceID, spec); err != nil {
		return nil, err
	}
	err = e.db.Tx(ctx, func(q store.Querier) error {
		_, err := q.ExecContext(ctx, `INSERT INTO list_objects (workspace_id, name, plural, label, created_at) VALUES (?, ?, ?, ?, ?)`,
			a.WorkspaceID, spec.Name, spec.Plural, spec.Label, e.db.Dialect.Time(time.Now()))
		if store.IsUniqueViolation(err) {
			return fault.Field("name", "duplicate", "a list called %q or %q already exists", spec.Name, spec.Plural)
		}
		if err != nil {
			return err
		}
		return e.writeEvent(ctx, q, a, event{object: "list", id: spec.Name, action: "create",
			changes: map[string]change{"plural": {After: spec.Plural}, "label": {After: spec.Label}}})
	})
	if err != nil {
		return nil, err
	}
	if _, err := e.loadLists(ctx, a.WorkspaceID); err != nil {
		return nil, err
	}
	return listObject(spec.Name, spec.Plural, spec.Label), nil
}

func (e *Engine) checkList(ctx context.Context, ws int64, spec ListSpec) error {
	var c fault.Collector
	for _, p := range []struct{ field, value string }{{"name", spec.Name}, {"plural", spec.Plural}} {
		switch {
		case p.value == "":
			c.Add(p.field, "required", "is required")
		case !fieldName.MatchString(p.value):
			c.Add(p.field, "format", "must start with a letter and hold only lower-case letters, digits and _ (at most 63)")
		case e.objects[p.value] != nil || slices.Contains(reservedPaths, p.value):
			c.Add(p.field, "reserved", "%q is taken by Rapport itself", p.value)
		}
	}
	if spec.Name != "" && spec.Name == spec.Plural {
		c.Add("plural", "same", "must differ from the name, so that a record and the list have distinct paths")
	}
	switch {
	case spec.Label == "":
		c.Add("label", "required", "is required")
	case utf8.RuneCountInString(spec.Label) > 200:
		c.Add("label", "too_long", "must be at most 200 characters")
	default:
		c.Include(input.Line("label", spec.Label))
	}
	if err := c.Err(); err != nil {
		return err
	}
	// A name of one list may not be the plural of another.
	lists, err := e.loadLists(ctx, ws)
	if err != nil {
		return err
	}
	if lists[spec.Name] != nil || lists[spec.Plural] != nil {
		return fault.Field("name", "duplicate", "a list called %q or %q already exists", spec.Name, spec.Plural)
	}
	return nil
}

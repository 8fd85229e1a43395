package records

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/input"
	"github.com/rapport-crm/rapport/internal/store"
)

var sprintf = fmt.Sprintf

// schema is one object as one workspace sees it: the standard fields and
// that workspace's custom fields.
type schema struct {
	obj    *Object
	fields []*Field
	byName map[string]*Field
	// ready names the field_values fields whose rows are complete, so that
	// lists may find records through them (fieldvalues.go).
	ready  map[string]bool
	loaded time.Time

	// An actor's view of a schema (see view) also carries what the actor
	// may not see or change, and the scope of the records it links to.
	base   *schema                         // the workspace's schema; nil on the base itself
	hidden map[string]bool                 // fields dropped from every record shown
	locked map[string]bool                 // fields the actor's role makes read-only
	scopes map[string][]access.Restriction // by target object: the linked records shown
}

func (s *schema) field(name string) *Field { return s.byName[name] }

// schemas caches each workspace's custom fields. A field added through this
// process invalidates the cache at once; a name the cache does not know
// triggers one reload, so fields added by another process are found too.
type schemas struct {
	mu    sync.Mutex
	byKey map[string]*schema // workspace id + "/" + object name
}

func schemaKey(ws int64, obj string) string { return strconv.FormatInt(ws, 10) + "/" + obj }

// schema returns the fields of obj in workspace ws.
func (e *Engine) schema(ctx context.Context, ws int64, obj *Object) (*schema, error) {
	key := schemaKey(ws, obj.Name)
	e.schemas.mu.Lock()
	s := e.schemas.byKey[key]
	e.schemas.mu.Unlock()
	// Another process may have finished indexing a field: look again now
	// and then.
	if s != nil && e.now().Sub(s.loaded) < schemaTTL {
		return s, nil
	}
	return e.loadSchema(ctx, ws, obj)
}

// schemaTTL is how long a cached schema is trusted to know which fields
// are indexed.
const schemaTTL = 10 * time.Second

// freshSchema reloads the schema when one of names is unknown to the cached
// one. It reloads once however many names are unknown: a second reload
// would find nothing the first did not.
func (e *Engine) freshSchema(ctx context.Context, ws int64, s *schema, names ...string) (*schema, error) {
	for _, name := range names {
		if s.field(name) == nil && !isSystem(name) {
			return e.loadSchema(ctx, ws, s.obj)
		}
	}
	return s, nil
}

// loadSchema reads committed fields only, through the reader pool even
// inside a transaction: what it reads is cached, and a field of a
// transaction that rolls back must never be.
func (e *Engine) loadSchema(ctx context.Context, ws int64, obj *Object) (*schema, error) {
	rows, err := e.db.Reader().QueryContext(ctx,
		`SELECT name, label, type, `+e.db.Dialect.JSONOut("options")+`, target, required
		 FROM custom_fields WHERE workspace_id = ? AND object = ? ORDER BY created_at, name`, ws, obj.Name)
	if err != nil {
		return nil, fmt.Errorf("load custom fields: %w", err)
	}
	defer rows.Close()
	s := &schema{obj: obj, byName: map[string]*Field{}, loaded: e.now()}
	s.fields = append(s.fields, obj.Fields...)
	for rows.Next() {
		f := &Field{Custom: true}
		var options string
		if err := rows.Scan(&f.Name, &f.Label, &f.Type, &options, &f.Target, &f.Required); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(options), &f.Options); err != nil {
			return nil, fmt.Errorf("custom field %s options: %w", f.Name, err)
		}
		f.folded = foldedType(f.Type)
		s.fields = append(s.fields, f)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if s.ready, err = e.readyFields(ctx, ws, obj); err != nil {
		return nil, err
	}
	for _, f := range s.fields {
		s.byName[f.Name] = f
		if f.Custom {
			describe(f, obj.small)
			sf, ok := s.sideField(f.Name)
			f.Sortable = f.Sortable && (obj.small || ok && s.ready[sf.name])
			f.Parts = s.customParts(f)
		}
	}
	e.schemas.mu.Lock()
	e.schemas.byKey[schemaKey(ws, obj.Name)] = s
	e.schemas.mu.Unlock()
	return s, nil
}

// FieldSpec is a request to add a custom field.
type FieldSpec struct {
	Name     string   `json:"name"`
	Label    string   `json:"label"`
	Type     Type     `json:"type"`
	Options  []string `json:"options"`
	Target   string   `json:"target"`
	Required bool     `json:"required"`
}

// Fields returns every field of the object named object (singular or
// plural) as the actor sees it: the workspace's custom fields included,
// fields hidden from the actor's role left out, and fields the role may
// not change marked read-only.
func (e *Engine) Fields(ctx context.Context, object string) ([]*Field, error) {
	a, obj, err := e.begin(ctx, object)
	if err != nil {
		return nil, err
	}
	if err := e.policy.Authorize(ctx, a, obj.Grant(), access.Read, nil); err != nil {
		return nil, err
	}
	s, err := e.loadSchema(ctx, a.WorkspaceID, obj)
	if err != nil {
		return nil, err
	}
	s = stagedFrom(ctx).over(a.WorkspaceID, s)
	if s, err = e.viewOf(ctx, a, s); err != nil {
		return nil, err
	}
	return s.fields, nil
}

// AddField adds a custom field to an object in the acting workspace. It
// takes effect at once, with no restart.
func (e *Engine) AddField(ctx context.Context, object string, spec FieldSpec) (*Field, error) {
	a, obj, err := e.begin(ctx, object)
	if err != nil {
		return nil, err
	}
	if err := e.policy.Authorize(ctx, a, "field", access.Create, nil); err != nil {
		return nil, err
	}
	f, err := e.checkSpec(ctx, a.WorkspaceID, obj, spec)
	if err != nil {
		return nil, err
	}
	options, _ := json.Marshal(f.Options)
	err = e.db.Tx(ctx, func(q store.Querier) error {
		_, err := q.ExecContext(ctx, `INSERT INTO custom_fields
			(workspace_id, object, name, label, type, options, target, required, created_at)
			VALUES (?, ?, ?, ?, ?, `+e.db.Dialect.JSONIn()+`, ?, ?, ?)`,
			a.WorkspaceID, obj.Name, f.Name, f.Label, string(f.Type), string(options), f.Target, f.Required, e.db.Dialect.Time(e.now()))
		if store.IsUniqueViolation(err) {
			return fault.Field("name", "duplicate", "a field called %q already exists on %s", f.Name, obj.Plural)
		}
		if err != nil {
			return err
		}
		if err := e.startIndex(ctx, q, a.WorkspaceID, obj, f); err != nil {
			return err
		}
		return e.writeEvent(ctx, q, a, event{object: "field", id: obj.Name + "." + f.Name, action: "create",
			changes: map[string]change{"type": {After: f.Type}, "label": {After: f.Label}}})
	})
	if err != nil {
		return nil, err
	}
	if st := stagedFrom(ctx); st != nil {
		if _, joined := store.Joined(ctx); joined {
			// Not committed yet: the caller's transaction sees the field
			// through st, and the index job builds its index after the
			// commit.
			describe(f, obj.small)
			st.add(a.WorkspaceID, obj, f)
			return f, nil
		}
	}
	if err := e.buildNow(ctx, a.WorkspaceID, obj); err != nil {
		return nil, err
	}
	s, err := e.loadSchema(ctx, a.WorkspaceID, obj)
	if err != nil {
		return nil, err
	}
	if added := s.field(f.Name); added != nil {
		return added, nil // as lists see it: whether it sorts, what filters it takes
	}
	return f, nil
}

// engineWords are names a custom field may not take, because the engine
// gives them a meaning of its own: columns of every record table, and the
// parameters of a list request.
var engineWords = slices.Concat(systemFields, []string{"workspace_id", "kind", "custom"}, ListParams())

func (e *Engine) checkSpec(ctx context.Context, ws int64, obj *Object, spec FieldSpec) (*Field, error) {
	columns, err := e.tableColumns(ctx, obj)
	if err != nil {
		return nil, err
	}
	var c fault.Collector
	name := strings.TrimSpace(spec.Name)
	switch {
	case name == "":
		c.Add("name", "required", "is required")
	case !fieldName.MatchString(name):
		c.Add("name", "format", "must be snake_case: a lower-case letter, then letters, digits or _ (at most 63)")
	case isSystem(name) || obj.Field(name) != nil:
		c.Add("name", "duplicate", "%q is a standard field of %s", name, obj.Plural)
	case slices.Contains(engineWords, name):
		c.Add("name", "reserved", "%q has a meaning of its own to Rapport and cannot name a field; reserved are %s",
			name, strings.Join(engineWords, ", "))
	case slices.Contains(columns, name):
		c.Add("name", "reserved", "%q is a column of the table that holds %s and cannot name a custom field", name, obj.Plural)
	}
	label := strings.TrimSpace(spec.Label)
	if label == "" {
		label = strings.ReplaceAll(name, "_", " ")
	}
	if utf8.RuneCountInString(label) > 200 {
		c.Add("label", "too_long", "must be at most 200 characters")
	} else {
		c.Include(input.Line("label", label))
	}
	if !typeAllowed(spec.Type) {
		c.Add("type", "option", "must be one of %s", joinTypes(CustomTypes))
	}
	options := spec.Options
	if spec.Type == Select || spec.Type == MultiSelect {
		if len(options) == 0 {
			c.Add("options", "required", "a %s field needs at least one option", spec.Type)
		}
		seen := map[string]bool{}
		for i, o := range options {
			if strings.TrimSpace(o) == "" || utf8.RuneCountInString(o) > 200 {
				c.Add("options["+strconv.Itoa(i)+"]", "length", "must be 1 to 200 characters")
			} else {
				c.Include(input.Line("options["+strconv.Itoa(i)+"]", o))
			}
			if seen[o] {
				c.Add("options["+strconv.Itoa(i)+"]", "duplicate", "%q appears twice", o)
			}
			seen[o] = true
		}
	} else if len(options) > 0 {
		c.Add("options", "unexpected", "only select and multi_select fields take options")
	}
	if spec.Type == Relation {
		if target := e.objects[spec.Target]; target == nil {
			c.Add("target", "option", "must name an object: %s", strings.Join(e.objectNames(), ", "))
		} else {
			spec.Target = target.Name
		}
	} else if spec.Target != "" {
		c.Add("target", "unexpected", "only relation fields take a target")
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	return &Field{Name: name, Label: label, Type: spec.Type, Options: options, Target: spec.Target,
		Required: spec.Required, Custom: true}, nil
}

// tableColumns returns the names of the columns of obj's table. A table
// shared by several objects has columns that are no field of obj, which a
// custom field's name must not shadow either.
func (e *Engine) tableColumns(ctx context.Context, obj *Object) ([]string, error) {
	rows, err := e.db.Reader().QueryContext(ctx, `SELECT * FROM `+obj.Table()+` WHERE 1 = 0`)
	if err != nil {
		return nil, fmt.Errorf("columns of %s: %w", obj.Table(), err)
	}
	defer rows.Close()
	return rows.Columns()
}

func typeAllowed(t Type) bool {
	for _, c := range CustomTypes {
		if c == t {
			return true
		}
	}
	return false
}

func joinTypes(ts []Type) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

// customParts describes the parts of a custom money or address field as
// lists see them.
func (s *schema) customParts(f *Field) []*Field {
	var keys []string
	switch f.Type {
	case Money:
		keys = []string{"amount", "currency"}
	case Address:
		keys = addressKeys
	default:
		return nil
	}
	var out []*Field
	for _, k := range keys {
		p, err := partOf(f, k)
		if err != nil {
			continue
		}
		if sf, ok := s.sideField(p.Name); !s.obj.small && (!ok || !s.ready[sf.name]) {
			p.Sortable = false
		}
		out = append(out, p)
	}
	return out
}

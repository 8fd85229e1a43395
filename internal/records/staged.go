package records

import (
	"context"
	"fmt"
	"sync"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/store"
)

// Staged holds the custom fields that AddField made inside a transaction
// that has not committed yet: an import that makes a field from a column
// and fills it in the same transaction (decision 0063). The schema cache
// holds committed fields only, read outside the transaction, so without
// Staged the engine would refuse the new field's values as unknown. A
// Staged belongs to one attempt of one transaction: when it rolls back,
// the fields it holds are dropped with it.
type Staged struct {
	mu     sync.Mutex
	fields map[string][]*Field // by schemaKey
	merged map[*schema]*schema // a cached schema with the staged fields over it
}

type stagedKey struct{}

// WithStaged returns a context whose AddField, when ctx carries a
// transaction (store.Within), stages the field in st rather than caching
// it, and whose reads and writes see st's fields.
func WithStaged(ctx context.Context, st *Staged) context.Context {
	return context.WithValue(ctx, stagedKey{}, st)
}

func stagedFrom(ctx context.Context) *Staged {
	st, _ := ctx.Value(stagedKey{}).(*Staged)
	return st
}

func (st *Staged) add(ws int64, obj *Object, f *Field) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.fields == nil {
		st.fields = map[string][]*Field{}
	}
	key := schemaKey(ws, obj.Name)
	st.fields[key] = append(st.fields[key], f)
	st.merged = nil
}

// over returns s with the staged fields of its workspace and object that
// it lacks, or s itself when there are none; st may be nil.
func (st *Staged) over(ws int64, s *schema) *schema {
	if st == nil {
		return s
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	added := st.fields[schemaKey(ws, s.obj.Name)]
	if len(added) == 0 {
		return s
	}
	if m := st.merged[s]; m != nil {
		return m
	}
	missing := false
	for _, f := range added {
		missing = missing || s.byName[f.Name] == nil
	}
	if !missing {
		return s // a merged schema already
	}
	m := &schema{obj: s.obj, fields: append([]*Field(nil), s.fields...), byName: make(map[string]*Field, len(s.byName)+len(added)),
		ready: s.ready, loaded: s.loaded}
	for name, f := range s.byName {
		m.byName[name] = f
	}
	for _, f := range added {
		if m.byName[f.Name] == nil {
			m.fields = append(m.fields, f)
			m.byName[f.Name] = f
		}
	}
	if st.merged == nil {
		st.merged = map[*schema]*schema{}
	}
	st.merged[s] = m
	return m
}

// CheckField checks a custom field about to be added as AddField would,
// without adding it: the name's form, the words it may not take, and a
// field of that name already on the object (hidden ones included).
func (e *Engine) CheckField(ctx context.Context, object string, spec FieldSpec) error {
	a, obj, err := e.begin(ctx, object)
	if err != nil {
		return err
	}
	if _, err := e.checkSpec(ctx, a.WorkspaceID, obj, spec); err != nil {
		return err
	}
	s, err := e.loadSchema(ctx, a.WorkspaceID, obj)
	if err != nil {
		return err
	}
	if s.field(spec.Name) != nil {
		return fault.Field("name", "duplicate", "a field called %q already exists on %s", spec.Name, obj.Plural)
	}
	return nil
}

// RemoveUnusedField removes custom field name of object when no record of
// it, live or in the trash, holds a value in it, and reports whether it
// did. It is the undo of an import that made the field: a field someone
// has filled since is theirs, and stays.
func (e *Engine) RemoveUnusedField(ctx context.Context, object, name string) (bool, error) {
	a, obj, err := e.begin(ctx, object)
	if err != nil {
		return false, err
	}
	if err := e.policy.Authorize(ctx, a, "field", access.Create, nil); err != nil {
		return false, err
	}
	s, err := e.loadSchema(ctx, a.WorkspaceID, obj)
	if err != nil {
		return false, err
	}
	if st := stagedFrom(ctx); st != nil {
		s = st.over(a.WorkspaceID, s)
	}
	f := s.field(name)
	if f == nil || !f.Custom {
		return false, nil
	}
	side := []string{name}
	for _, sf := range sideFields(&schema{obj: obj, fields: []*Field{f}}) {
		side = append(side, sf.name)
	}
	removed := false
	err = e.db.Tx(ctx, func(q store.Querier) error {
		var one int
		err := q.QueryRowContext(ctx, `SELECT 1 FROM `+obj.Table()+` WHERE workspace_id = ?`+obj.only("")+
			` AND `+e.db.Dialect.JSONPath("custom", name, false)+` IS NOT NULL LIMIT 1`, a.WorkspaceID).Scan(&one)
		if err == nil || !isNoRows(err) {
			return err // in use, or the database failed
		}
		res, err := q.ExecContext(ctx, `DELETE FROM custom_fields WHERE workspace_id = ? AND object = ? AND name = ?`, a.WorkspaceID, obj.Name, name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		for _, table := range []string{"field_indexes", "field_values"} {
			for _, field := range side {
				if _, err := q.ExecContext(ctx, `DELETE FROM `+table+` WHERE workspace_id = ? AND object = ? AND field = ?`,
					a.WorkspaceID, obj.Name, field); err != nil {
					return fmt.Errorf("%s: %w", table, err)
				}
			}
		}
		removed = true
		return e.writeEvent(ctx, q, a, event{object: "field", id: obj.Name + "." + name, action: "delete"})
	})
	if removed {
		e.forgetSchema(a.WorkspaceID, obj)
	}
	return removed, err
}

package records

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/store"
)

// Write is one write as a hook sees it, inside the write's transaction.
type Write struct {
	Q      store.Querier
	Actor  access.Actor
	Action string // create, update, delete, restore or purge
	Object *Object
	ID     string // "" before a create
	// Old is the stored record, links included; nil on create.
	Old Record
	// Vals are the normalised values being written, by field name. A
	// Before hook may change them, in their stored form (money as
	// {"amount": int64, "currency": code}, times from FormatTime, ids as
	// strings), and may set fields the actor cannot write. Nil on delete,
	// restore and purge.
	Vals map[string]any
	// Rec is the record as written; After hooks only, nil after a purge.
	Rec Record
}

// Value returns the value field will have once the write is done: the one
// being written, or else the stored one.
func (w *Write) Value(field string) any {
	if v, ok := w.Vals[field]; ok {
		return v
	}
	return w.Old[field]
}

// Changes reports whether the write changes field.
func (w *Write) Changes(field string) bool {
	v, ok := w.Vals[field]
	return ok && !same(v, w.Old[field])
}

// Hook carries a domain rule that a service registers on an object: Before
// runs after the input is validated and before anything is stored, After
// once the record is stored. Both run in the write's transaction, so an
// error from either undoes the whole write; a *fault.Error reaches the
// caller as it is.
type Hook struct {
	Before func(ctx context.Context, w *Write) error
	After  func(ctx context.Context, w *Write) error
}

// Hook registers h on object (singular or plural name). Register hooks
// before the engine serves requests: the list is not guarded.
func (e *Engine) Hook(object string, h Hook) {
	obj := e.objects[object]
	if obj == nil {
		panic("records: hook on unknown object " + object)
	}
	e.hooks[obj.Name] = append(e.hooks[obj.Name], h)
}

func (e *Engine) runBefore(ctx context.Context, w *Write) error {
	for _, h := range e.hooks[w.Object.Name] {
		if h.Before != nil {
			if err := h.Before(ctx, w); err != nil {
				return err
			}
		}
	}
	return nil
}

func (e *Engine) runAfter(ctx context.Context, w *Write) error {
	for _, h := range e.hooks[w.Object.Name] {
		if h.After != nil {
			if err := h.After(ctx, w); err != nil {
				return err
			}
		}
	}
	return nil
}

// Object returns the standard object called name (singular or plural), or
// nil.
func (e *Engine) Object(name string) *Object { return e.objects[name] }

// Number reads a numeric value in any of the forms records hold: int64 or
// float64 from the database, json.Number from input and JSON.
func Number(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case float64:
		return x, true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(x, 64)
		return f, err == nil
	}
	return 0, false
}

// Int reads an integer value in any of the forms records hold.
func Int(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case json.Number:
		n, err := x.Int64()
		return n, err == nil
	}
	f, ok := Number(v)
	return int64(f), ok && f == float64(int64(f))
}

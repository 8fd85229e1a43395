package records

import (
	"context"
	"strings"

	"github.com/rapport-crm/rapport/internal/access"
)

// This file holds what the engine does with the policy's answers: an
// actor's view of a schema (hidden fields gone, read-only ones marked, the
// scope of linked records) and the SQL of a restriction.

// derivedRules is the policy the engine consults: the one it was given,
// with the rule of derived fields added to its field rules. A field
// computed from a hidden field would give that field away, so it is hidden
// too. Services ask the engine's policy (Engine.Policy) which fields are
// hidden, so that they all follow the same rule as the engine.
type derivedRules struct {
	access.Policy
	e *Engine
}

// Fields returns the rules of the actor's role on the fields of the
// objects governed by object, each field derived from a hidden one hidden
// too; when those objects derive a field of one name from different
// fields, the field is hidden if any of them is.
func (p derivedRules) Fields(ctx context.Context, a access.Actor, object string) (map[string]access.FieldRule, error) {
	rules, err := p.Policy.Fields(ctx, a, object)
	if err != nil {
		return nil, err
	}
	return hideDerived(rules, p.e.byGrant[object]), nil
}

// Unwrap returns the policy the engine was given.
func (p derivedRules) Unwrap() access.Policy { return p.Policy }

// hideDerived returns rules with every field of objs that is derived,
// directly or through other derived fields, from a hidden field hidden as
// well. rules itself, which the policy may cache, is left as it is.
func hideDerived(rules map[string]access.FieldRule, objs []*Object) map[string]access.FieldRule {
	out := make(map[string]access.FieldRule, len(rules))
	for name, r := range rules {
		out[name] = r
	}
	for changed := true; changed; {
		changed = false
		for _, o := range objs {
			for _, f := range o.Fields {
				if out[f.Name] == access.FieldHidden {
					continue
				}
				for _, from := range f.DerivedFrom {
					if out[from] == access.FieldHidden {
						out[f.Name], changed = access.FieldHidden, true
						break
					}
				}
			}
		}
	}
	return out
}

// view returns the actor's view of obj in the acting workspace. names are
// fields the operation is about to use: one the cached schema does not know
// reloads it, as in freshSchema.
func (e *Engine) view(ctx context.Context, a access.Actor, obj *Object, names ...string) (*schema, error) {
	s, err := e.schema(ctx, a.WorkspaceID, obj)
	if err != nil {
		return nil, err
	}
	// Fields a transaction in ctx made are known before the reload check
	// (or every write naming one would reload) and after it.
	st := stagedFrom(ctx)
	if s, err = e.freshSchema(ctx, a.WorkspaceID, st.over(a.WorkspaceID, s), names...); err != nil {
		return nil, err
	}
	return e.viewOf(ctx, a, st.over(a.WorkspaceID, s))
}

// viewOf applies the actor's field rules and link scopes to s. The view
// keeps s as its base, for the engine's own reads and writes of fields the
// actor cannot name (a derived full name, a default owner).
func (e *Engine) viewOf(ctx context.Context, a access.Actor, s *schema) (*schema, error) {
	// The role's own rules, with the derivations of this object alone:
	// objects that share a grant (notes, calls, meetings) derive a field
	// of the same name from different fields.
	rules, err := e.given.Fields(ctx, a, s.obj.Grant())
	if err != nil {
		return nil, err
	}
	rules = hideDerived(rules, []*Object{s.obj})
	v := &schema{obj: s.obj, base: s, byName: make(map[string]*Field, len(s.fields)), ready: s.ready, loaded: s.loaded,
		hidden: map[string]bool{}, locked: map[string]bool{}, scopes: map[string][]access.Restriction{}}
	for name, rule := range rules {
		// A rule may name a custom field this process has not loaded yet;
		// its values must still never show.
		v.hidden[name] = rule == access.FieldHidden
		v.locked[name] = rule == access.FieldReadOnly
	}
	for _, f := range s.fields {
		if v.hidden[f.Name] {
			continue
		}
		if v.locked[f.Name] && !f.ReadOnly {
			c := *f
			c.ReadOnly = true
			f = &c
		}
		v.fields = append(v.fields, f)
		v.byName[f.Name] = f
		if (f.Type == Relations || f.Type == Relation) && v.scopes[f.Target] == nil {
			rs, err := e.policy.Restrict(ctx, a, e.objects[f.Target].Grant())
			if err != nil {
				return nil, err
			}
			v.scopes[f.Target] = rs
		}
	}
	return v, nil
}

// anyField returns the field called name whether or not the actor may see
// it: for values the engine itself put in a write.
func (s *schema) anyField(name string) *Field {
	if s.base != nil {
		return s.base.field(name)
	}
	return s.field(name)
}

// allFields returns every field of the object, hidden ones included.
func (s *schema) allFields() []*Field {
	if s.base != nil {
		return s.base.fields
	}
	return s.fields
}

// redact removes what the actor may not see from a record on its way out.
func (s *schema) redact(rec Record) Record {
	for name, hidden := range s.hidden {
		if hidden {
			delete(rec, name)
		}
	}
	return rec
}

// restriction is the SQL condition that keeps the rows of obj (aliased as
// alias) within rs, or "" when rs restricts nothing.
func (e *Engine) restriction(b *sqlb, obj *Object, alias string, rs []access.Restriction) string {
	var conds []string
	for _, r := range rs {
		f := obj.Field(r.Field)
		if f == nil || f.column == "" || len(r.In) == 0 {
			// Nothing to match against, or nothing allowed: fail closed.
			return "1=0"
		}
		marks := make([]string, 0, len(r.In))
		for _, v := range r.In {
			var x any = v
			if f.Type == User || f.Type == Relation {
				n, err := parseID(v)
				if err != nil {
					continue
				}
				x = n
			}
			marks = append(marks, b.arg(x))
		}
		if len(marks) == 0 {
			return "1=0"
		}
		conds = append(conds, alias+"."+f.column+" IN ("+strings.Join(marks, ", ")+")")
	}
	return strings.Join(conds, " AND ")
}

// linkScope is the condition that keeps a linked record of target (whose id
// is the SQL expression idExpr, in workspace wsExpr) within the actor's
// read scope, or "" when every record of target is readable.
func (e *Engine) linkScope(b *sqlb, s *schema, target, wsExpr, idExpr string) string {
	obj := e.objects[target]
	cond := e.restriction(b, obj, "o", s.scopes[target])
	if cond == "" {
		return ""
	}
	return "EXISTS (SELECT 1 FROM " + obj.Table() + " o WHERE o.workspace_id = " + wsExpr + " AND o.id = " + idExpr + obj.only("o") + " AND " + cond + ")"
}

// defaultOwner makes the actor the owner of a new record that names none,
// so that an actor limited to their own records can create one without
// knowing their user id.
func defaultOwner(a access.Actor, obj *Object, vals map[string]any) {
	if a.UserID == 0 || obj.Field("owner_id") == nil {
		return
	}
	if _, given := vals["owner_id"]; !given {
		vals["owner_id"] = formatID(a.UserID)
	}
}

// prepared runs the object's prepare hook on a copy of in and returns it
// with the names of the fields the hook filled, which the actor's field
// rules do not apply to.
func prepared(obj *Object, in, old map[string]any) (map[string]any, map[string]bool) {
	if obj.prepare == nil {
		return in, nil
	}
	out := clone(in)
	obj.prepare(out, old)
	derived := map[string]bool{}
	for k := range out {
		if _, given := in[k]; !given {
			derived[k] = true
		}
	}
	return out, derived
}

// merged is the record as a write will leave it, for the policy to judge.
func merged(old Record, vals map[string]any) map[string]any {
	out := make(map[string]any, len(old)+len(vals))
	for k, v := range old {
		out[k] = v
	}
	for k, v := range vals {
		out[k] = v
	}
	return out
}

package records

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/outbox"
	"github.com/rapport-crm/rapport/internal/store"
)

// change is the before and after value of one field in an event.
type change struct {
	Before any `json:"before"`
	After  any `json:"after"`
}

// event is one entry of the outbox.
type event struct {
	object  string
	id      string
	action  string
	changes map[string]change
}

// writeEvent appends ev to the outbox inside the caller's transaction, so
// the change and its event commit or fail together.
func (e *Engine) writeEvent(ctx context.Context, q store.Querier, a access.Actor, ev event) error {
	return outbox.Write(ctx, q, e.db.Dialect, outbox.Event{WorkspaceID: a.WorkspaceID, Object: ev.object,
		RecordID: ev.id, Action: ev.action, ActorID: a.UserID, Changes: ev.changes, At: e.now()})
}

// checkInput normalizes the fields of in against the actor's view s. It
// reports every problem at once: unknown and read-only fields, wrong types,
// values out of range. A field hidden from the actor is unknown, word for
// word as one that does not exist. derived names the fields the engine
// filled itself, which the actor's field rules do not limit.
func (e *Engine) checkInput(n normalizer, s *schema, in map[string]any, derived map[string]bool, creating bool) (map[string]any, error) {
	var c fault.Collector
	out := make(map[string]any, len(in))
	for _, name := range sortedKeys(in) {
		v := in[name]
		if name == "version" {
			continue
		}
		if isSystem(name) {
			c.Add(name, "read_only", "is set by Rapport and cannot be written")
			continue
		}
		f := s.field(name)
		if derived[name] {
			f = s.anyField(name)
		}
		if f == nil {
			c.Add(name, "unknown", "is not a field of %s", s.obj.Plural)
			continue
		}
		if s.locked[name] && !derived[name] {
			c.Add(name, "read_only", "your role may not change this field")
			continue
		}
		if f.ReadOnly && !derived[name] {
			c.Add(name, "read_only", "cannot be written")
			continue
		}
		val, ferr := n.normalize(f, v)
		if ferr != nil {
			c.Add(ferr.Field, ferr.Code, "%s", ferr.Message)
			continue
		}
		out[name] = val
	}
	if creating {
		// Only the fields the actor may write can be demanded of them.
		for _, f := range s.fields {
			if _, given := in[f.Name]; f.Required && !given && !s.locked[f.Name] {
				c.Add(f.Name, "required", "is required")
			}
		}
	}
	return out, c.Err()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// checkReferences verifies that every user and relation value names an
// existing record of the same workspace, and a relation one that the actor
// may read: a record outside the actor's scope is reported as missing.
func (e *Engine) checkReferences(ctx context.Context, q store.Querier, ws int64, s *schema, vals map[string]any) error {
	refused, err := e.references(ctx, q, ws, s, []map[string]any{vals})
	if err != nil {
		return err
	}
	return refused[0]
}

// references checks the references of several writes' values as
// checkReferences does one's, with one query per field and few hundred
// ids rather than one per value: refused[i] is what is wrong with vals[i]
// (nil when nothing is, or vals[i] is nil). err is the database failing.
func (e *Engine) references(ctx context.Context, q store.Querier, ws int64, s *schema, vals []map[string]any) (refused []error, err error) {
	type ref struct {
		write int
		field string // as reported: name, or name[i].id
		id    string
	}
	byField := map[string][]ref{}
	for i, vs := range vals {
		for name, v := range vs {
			if v == nil {
				continue
			}
			switch f := s.anyField(name); f.Type {
			case User, Relation:
				byField[name] = append(byField[name], ref{i, name, v.(string)})
			case Relations:
				for j, l := range v.([]LinkRef) {
					byField[name] = append(byField[name], ref{i, name + "[" + itoa(j) + "].id", l.ID})
				}
			}
		}
	}
	collectors := make([]fault.Collector, len(vals))
	for _, name := range sortedKeys(byField) {
		refs := byField[name]
		f := s.anyField(name)
		ids := make([]int64, 0, len(refs))
		for _, r := range refs {
			n, _ := parseID(r.id)
			ids = append(ids, n)
		}
		found, err := e.existing(ctx, q, ws, s, f, ids)
		if err != nil {
			return nil, err
		}
		noun := "user"
		if f.Type != User {
			noun = e.objects[f.Target].Name
		}
		for k, r := range refs {
			if !found[ids[k]] {
				collectors[r.write].Add(r.field, "reference", "no %s with id %q", noun, r.id)
			}
		}
	}
	refused = make([]error, len(vals))
	for i := range collectors {
		refused[i] = collectors[i].Err()
	}
	return refused, nil
}

// existing returns which of ids name a record that field f may refer to:
// a user of the workspace, or a live record of its target within the
// actor's read scope.
func (e *Engine) existing(ctx context.Context, q store.Querier, ws int64, s *schema, f *Field, ids []int64) (map[int64]bool, error) {
	found := make(map[int64]bool, len(ids))
	distinct := map[int64]bool{}
	for _, id := range ids {
		distinct[id] = true
	}
	list := make([]int64, 0, len(distinct))
	for id := range distinct {
		list = append(list, id)
	}
	const chunk = 500
	for start := 0; start < len(list); start += chunk {
		part := list[start:min(start+chunk, len(list))]
		b := &sqlb{d: e.db.Dialect}
		marks := make([]string, len(part))
		for i, id := range part {
			marks[i] = b.arg(id)
		}
		table, where := "users", ""
		if f.Type != User {
			target := e.objects[f.Target]
			table, where = target.Table(), " AND t.deleted_at IS NULL"+target.only("t")
			if cond := e.restriction(b, target, "t", s.scopes[target.Name]); cond != "" {
				where += " AND " + cond
			}
		}
		rows, err := q.QueryContext(ctx, `SELECT t.id FROM `+table+` t WHERE t.workspace_id = ? AND t.id IN (`+
			strings.Join(marks, ", ")+`)`+where, append([]any{ws}, b.args...)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			found[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return found, nil
}

func itoa(i int) string { return formatID(int64(i)) }

// storedValue converts a canonical value of a standard field to what its
// column holds.
func storedValue(f *Field, v any) any {
	if v == nil {
		return nil
	}
	switch {
	case jsonStored(f.Type):
		b, _ := json.Marshal(v)
		return string(b)
	case f.Type == User || f.Type == Relation:
		n, _ := parseID(v.(string))
		return n
	case f.Type == Decimal:
		x, _ := Number(v)
		return x
	}
	return v
}

// customJSON returns the custom column's JSON for rec: every value that is
// not a standard or system field. That includes values of fields another
// process added since this one loaded the schema, which a write must keep.
func customJSON(obj *Object, rec map[string]any) string {
	m := map[string]any{}
	for k, v := range rec {
		if v != nil && obj.Field(k) == nil && !isSystem(k) {
			m[k] = v
		}
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// canonical turns a normalized value into the form it has after a round
// trip through the database, so that before and after compare fairly and
// the returned record matches what a later read returns.
func canonical(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case bool:
		return x
	case string:
		if utf8.ValidString(x) { // what a round trip leaves as it is
			return x
		}
	}
	b, _ := json.Marshal(v)
	out, _ := decodeJSON(b)
	return out
}

// Create validates in and stores it as a new record of object. A record
// that names no owner belongs to the actor.
func (e *Engine) Create(ctx context.Context, object string, in map[string]any) (Record, error) {
	a, obj, err := e.begin(ctx, object)
	if err != nil {
		return nil, err
	}
	if err := e.policy.Authorize(ctx, a, obj.Grant(), access.Create, nil); err != nil {
		return nil, err
	}
	s, err := e.view(ctx, a, obj, sortedKeys(in)...)
	if err != nil {
		return nil, err
	}
	in, derived := prepared(obj, in, nil)
	checked, err := e.checkInput(e.normalizer(ctx, a.WorkspaceID), s, in, derived, true)
	if err != nil {
		return nil, err
	}
	defaultOwner(a, obj, checked)
	// Asked again with the record as it will be stored, so that an actor
	// limited to their own records cannot create one for someone else.
	if err := e.policy.Authorize(ctx, a, obj.Grant(), access.Create, checked); err != nil {
		return nil, err
	}
	now := e.now()
	var rec Record
	err = e.db.Tx(ctx, func(q store.Querier) error {
		ctx := store.Within(ctx, q)
		if err := e.checkCap(ctx, q, a.WorkspaceID, obj); err != nil {
			return err
		}
		// Before hooks may change the values; a retried transaction starts
		// again from the checked input.
		vals := clone(checked)
		w := &Write{Q: q, Actor: a, Action: "create", Object: obj, Vals: vals}
		if err := e.runBefore(ctx, w); err != nil {
			return err
		}
		if err := e.checkReferences(ctx, q, a.WorkspaceID, s, vals); err != nil {
			return err
		}
		cols, marks, args := insertColumns(e.db.Dialect, a.WorkspaceID, obj, vals, now)
		var id int64
		err := q.QueryRowContext(ctx, `INSERT INTO `+obj.Table()+` (`+strings.Join(cols, ", ")+`) VALUES (`+
			strings.Join(marks, ", ")+`) RETURNING id`, args...).Scan(&id)
		if err != nil {
			return err
		}
		var changes map[string]change
		rec, changes = newRecord(s, id, vals, now)
		for _, f := range s.allFields() {
			if f.Type == Relations {
				if err := e.writeLinks(ctx, q, a.WorkspaceID, s, f, id, rec[f.Name].([]LinkRef)); err != nil {
					return err
				}
			}
		}
		if err := e.writeEntries(ctx, q, a.WorkspaceID, s, id, rec, nil); err != nil {
			return err
		}
		if err := e.writeEvent(ctx, q, a, event{object: obj.Name, id: rec["id"].(string), action: "create", changes: changes}); err != nil {
			return err
		}
		w.ID, w.Rec = rec["id"].(string), rec
		return e.runAfter(ctx, w)
	})
	if err != nil {
		return nil, err
	}
	return s.redact(rec), nil
}

// insertColumns returns the columns, placeholders and arguments that
// insert a new record of obj in workspace ws with vals, written at now.
func insertColumns(d store.Dialect, ws int64, obj *Object, vals map[string]any, now time.Time) (cols, marks []string, args []any) {
	cols = []string{"workspace_id", "version", "custom", "created_at", "updated_at"}
	marks = []string{"?", "1", d.JSONIn(), "?", "?"}
	args = []any{ws, customJSON(obj, vals), d.Time(now), d.Time(now)}
	if obj.kind != "" {
		cols, marks, args = append(cols, "kind"), append(marks, "?"), append(args, obj.kind)
	}
	for _, f := range obj.Fields {
		if f.column == "" || vals[f.Name] == nil {
			continue
		}
		cols = append(cols, f.column)
		if jsonStored(f.Type) {
			marks = append(marks, d.JSONIn())
		} else {
			marks = append(marks, "?")
		}
		args = append(args, storedValue(f, vals[f.Name]))
	}
	return cols, marks, args
}

// newRecord returns the record that vals become once stored as id at now,
// as a read returns it, and the changes of its creation event.
func newRecord(s *schema, id int64, vals map[string]any, now time.Time) (Record, map[string]change) {
	rec := Record{"id": formatID(id), "version": int64(1)}
	changes := map[string]change{}
	for _, f := range s.allFields() {
		rec[f.Name] = canonical(vals[f.Name])
		if f.Type == Relations {
			links, _ := vals[f.Name].([]LinkRef)
			if links == nil {
				links = []LinkRef{}
			}
			rec[f.Name] = links
		}
		if !same(nil, rec[f.Name]) { // an empty list is no change either
			changes[f.Name] = change{After: rec[f.Name]}
		}
	}
	rec["created_at"] = formatTime(now)
	rec["updated_at"] = formatTime(now)
	rec["deleted_at"] = nil
	return rec, changes
}

// writeLinks replaces the links of one record in a Relations field. Links
// to records outside the actor's scope stay: the actor never saw them, so
// a write cannot mean to remove them.
func (e *Engine) writeLinks(ctx context.Context, q store.Querier, ws int64, s *schema, f *Field, id int64, links []LinkRef) error {
	l := f.link
	b := &sqlb{d: e.db.Dialect}
	del := `DELETE FROM ` + l.table + ` WHERE workspace_id = ` + b.arg(ws) + ` AND ` + l.self + ` = ` + b.arg(id)
	if cond := e.linkScope(b, s, f.Target, l.table+".workspace_id", l.table+"."+l.other); cond != "" {
		del += " AND " + cond
	}
	if _, err := q.ExecContext(ctx, del, b.args...); err != nil {
		return err
	}
	for _, ref := range links {
		other, _ := parseID(ref.ID)
		if _, err := q.ExecContext(ctx, `INSERT INTO `+l.table+` (workspace_id, `+l.self+`, `+l.other+`, `+l.extra+
			`) VALUES (?, ?, ?, ?)`, ws, id, other, ref.Role); err != nil {
			return err
		}
	}
	return nil
}

func clone(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Update changes the fields given in in. version must be the version the
// caller read: a write based on a stale version is refused with ECONFLICT
// rather than silently overwriting someone else's change. Version 0 skips
// the check, for internal callers only; the API always demands a version.
func (e *Engine) Update(ctx context.Context, object, id string, version int64, in map[string]any) (Record, error) {
	a, obj, err := e.begin(ctx, object)
	if err != nil {
		return nil, err
	}
	s, err := e.view(ctx, a, obj, sortedKeys(in)...)
	if err != nil {
		return nil, err
	}
	var rec Record
	err = e.db.Tx(ctx, func(q store.Querier) error {
		ctx := store.Within(ctx, q)
		old, err := e.loadForWrite(ctx, q, a, s, id, access.Update, version)
		if err != nil {
			return err
		}
		in, derived := prepared(obj, in, old)
		vals, err := e.checkInput(e.normalizer(ctx, a.WorkspaceID), s, in, derived, false)
		if err != nil {
			return err
		}
		// The record must stay within the actor's scope after the write
		// too: a salesperson cannot hand a contact to a colleague.
		if err := e.policy.Authorize(ctx, a, obj.Grant(), access.Update, merged(old, vals)); err != nil {
			return err
		}
		w := &Write{Q: q, Actor: a, Action: "update", Object: obj, ID: id, Old: old, Vals: vals}
		if err := e.runBefore(ctx, w); err != nil {
			return err
		}
		if err := e.checkReferences(ctx, q, a.WorkspaceID, s, vals); err != nil {
			return err
		}
		if rec, err = e.apply(ctx, q, a, s, old, vals); err != nil {
			return err
		}
		w.Rec = rec
		return e.runAfter(ctx, w)
	})
	if err != nil {
		return nil, err
	}
	return s.redact(rec), nil
}

// loadForWrite reads the record a write is about, inside the write's
// transaction, and checks that it is live, readable and at version.
func (e *Engine) loadForWrite(ctx context.Context, q store.Querier, a access.Actor, s *schema, id string, act access.Action, version int64) (Record, error) {
	old, err := e.load(ctx, q, a.WorkspaceID, s, id)
	if err != nil {
		return nil, err
	}
	if err := e.policy.Authorize(ctx, a, s.obj.Grant(), access.Read, old); err != nil {
		return nil, notFound(s.obj, id)
	}
	if err := e.policy.Authorize(ctx, a, s.obj.Grant(), act, old); err != nil {
		return nil, err
	}
	if old["deleted_at"] != nil && act != access.Delete {
		return nil, notFound(s.obj, id)
	}
	if version != 0 && old["version"].(int64) != version {
		return nil, &fault.Error{Code: fault.ECONFLICT, Message: sprintf(
			"%s %s was changed by someone else: it is at version %d, the write was based on version %d; read it again and reapply the change",
			s.obj.Name, id, old["version"], version)}
	}
	if err := e.loadLinks(ctx, q, a.WorkspaceID, s, []Record{old}); err != nil {
		return nil, err
	}
	return old, nil
}

// apply writes the changed values of vals over old and records the event.
func (e *Engine) apply(ctx context.Context, q store.Querier, a access.Actor, s *schema, old Record, vals map[string]any) (Record, error) {
	rec := Record{}
	for k, v := range old {
		rec[k] = v
	}
	changes := map[string]change{}
	for name, v := range vals {
		f := s.anyField(name)
		after := canonical(v)
		if f.Type == Relations {
			links, _ := v.([]LinkRef) // nil when the links are cleared with null
			if links == nil {
				links = []LinkRef{}
			}
			after = links
		}
		if same(old[name], after) {
			continue
		}
		changes[name] = change{Before: old[name], After: after}
		rec[name] = after
	}
	if len(changes) == 0 {
		return old, nil
	}
	now := e.now()
	id, _ := parseID(old["id"].(string))
	sets := []string{"version = version + 1", "updated_at = ?"}
	args := []any{e.db.Dialect.Time(now)}
	customChanged := false
	for _, name := range sortedKeys(changes) {
		f := s.anyField(name)
		switch {
		case f.Custom:
			customChanged = true
		case f.Type == Relations:
			if err := e.writeLinks(ctx, q, a.WorkspaceID, s, f, id, rec[name].([]LinkRef)); err != nil {
				return nil, err
			}
		default:
			mark := "?"
			if jsonStored(f.Type) {
				mark = e.db.Dialect.JSONIn()
			}
			sets = append(sets, f.column+" = "+mark)
			args = append(args, storedValue(f, vals[name]))
		}
	}
	if customChanged {
		sets = append(sets, "custom = "+e.db.Dialect.JSONIn())
		args = append(args, customJSON(s.obj, rec))
	}
	args = append(args, a.WorkspaceID, id, old["version"])
	res, err := q.ExecContext(ctx, `UPDATE `+s.obj.Table()+` SET `+strings.Join(sets, ", ")+
		` WHERE workspace_id = ? AND id = ? AND version = ?`+s.obj.only(""), args...)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, fault.Errorf(fault.ECONFLICT, "%s %s was changed by someone else; read it again and reapply the change", s.obj.Name, old["id"])
	}
	if names := changedSide(s, changes); names != nil {
		if err := e.writeEntries(ctx, q, a.WorkspaceID, s, id, rec, names); err != nil {
			return nil, err
		}
	}
	rec["version"] = old["version"].(int64) + 1
	rec["updated_at"] = formatTime(now)
	return rec, e.writeEvent(ctx, q, a, event{object: s.obj.Name, id: old["id"].(string), action: "update", changes: changes})
}

func same(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	if string(x) == "[]" {
		x = []byte("null")
	}
	if string(y) == "[]" {
		y = []byte("null")
	}
	return string(x) == string(y)
}

// Delete moves a record to the trash; Restore brings it back. version, when
// not zero, must match as for Update.
func (e *Engine) Delete(ctx context.Context, object, id string, version int64) error {
	return e.setDeleted(ctx, object, id, version, true)
}

// Restore undoes a soft delete.
func (e *Engine) Restore(ctx context.Context, object, id string) (Record, error) {
	if err := e.setDeleted(ctx, object, id, 0, false); err != nil {
		return nil, err
	}
	return e.Get(ctx, object, id, false)
}

func (e *Engine) setDeleted(ctx context.Context, object, id string, version int64, deleted bool) error {
	a, obj, err := e.begin(ctx, object)
	if err != nil {
		return err
	}
	s, err := e.view(ctx, a, obj)
	if err != nil {
		return err
	}
	return e.db.Tx(ctx, func(q store.Querier) error {
		ctx := store.Within(ctx, q)
		act := access.Delete
		old, err := e.loadForWrite(ctx, q, a, s, id, act, version)
		if err != nil {
			return err
		}
		if (old["deleted_at"] != nil) == deleted {
			if deleted {
				return notFound(obj, id)
			}
			return fault.Errorf(fault.ECONFLICT, "%s %s is not deleted", obj.Name, id)
		}
		now := e.now()
		var at any
		action := "restore"
		if deleted {
			at, action = e.db.Dialect.Time(now), "delete"
		}
		w := &Write{Q: q, Actor: a, Action: action, Object: obj, ID: id, Old: old}
		if err := e.runBefore(ctx, w); err != nil {
			return err
		}
		n, _ := parseID(id)
		// The version check makes a concurrent write that committed since
		// the record was read lose, as in apply.
		res, err := q.ExecContext(ctx, `UPDATE `+obj.Table()+` SET deleted_at = ?, version = version + 1, updated_at = ?
			WHERE workspace_id = ? AND id = ? AND version = ?`+obj.only(""), at, e.db.Dialect.Time(now), a.WorkspaceID, n, old["version"])
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fault.Errorf(fault.ECONFLICT, "%s %s was changed by someone else; read it again and retry", obj.Name, id)
		}
		after := any(nil)
		if deleted {
			after = formatTime(now)
		}
		if err := e.writeEvent(ctx, q, a, event{object: obj.Name, id: id, action: action,
			changes: map[string]change{"deleted_at": {Before: old["deleted_at"], After: after}}}); err != nil {
			return err
		}
		w.Rec = merged(old, map[string]any{"deleted_at": after, "version": old["version"].(int64) + 1, "updated_at": formatTime(now)})
		return e.runAfter(ctx, w)
	})
}

// Purge removes a record for good, with its links. The event keeps the
// values it had. version, when not zero, must match as for Update, so
// that a record changed since the caller read it is not destroyed unseen.
func (e *Engine) Purge(ctx context.Context, object, id string, version int64) error {
	a, obj, err := e.begin(ctx, object)
	if err != nil {
		return err
	}
	s, err := e.view(ctx, a, obj)
	if err != nil {
		return err
	}
	return e.db.Tx(ctx, func(q store.Querier) error {
		ctx := store.Within(ctx, q)
		// The event keeps every value and link, seen or not: the audit
		// trail is not the actor's view.
		old, err := e.loadForWrite(ctx, q, a, s.base, id, access.Delete, version)
		if err != nil {
			return err
		}
		w := &Write{Q: q, Actor: a, Action: "purge", Object: obj, ID: id, Old: old}
		if err := e.runBefore(ctx, w); err != nil {
			return err
		}
		n, _ := parseID(id)
		for _, f := range obj.Fields {
			if f.link != nil {
				if _, err := q.ExecContext(ctx, `DELETE FROM `+f.link.table+` WHERE workspace_id = ? AND `+f.link.self+` = ?`, a.WorkspaceID, n); err != nil {
					return err
				}
			}
		}
		if err := deleteEntries(ctx, q, a.WorkspaceID, obj.Name, n); err != nil {
			return err
		}
		// The version check makes a write that committed since the record
		// was read win, as in apply.
		res, err := q.ExecContext(ctx, `DELETE FROM `+obj.Table()+` WHERE workspace_id = ? AND id = ? AND version = ?`+obj.only(""),
			a.WorkspaceID, n, old["version"])
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fault.Errorf(fault.ECONFLICT, "%s %s was changed or removed by someone else; read it again and retry", obj.Name, id)
		}
		changes := map[string]change{}
		for k, v := range old {
			if v != nil && k != "id" {
				changes[k] = change{Before: v}
			}
		}
		if err := e.writeEvent(ctx, q, a, event{object: obj.Name, id: id, action: "purge", changes: changes}); err != nil {
			return err
		}
		return e.runAfter(ctx, w)
	})
}

// checkCap refuses a record of a small catalogue beyond its cap, so that
// its lists stay small enough to need no indexes (index.go).
func (e *Engine) checkCap(ctx context.Context, q store.Querier, ws int64, obj *Object) error {
	max, small := smallObjects[obj.Name]
	if !small {
		return nil
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM `+obj.Table()+` WHERE workspace_id = ?`+obj.only(""), ws).Scan(&n); err != nil {
		return err
	}
	if n >= max {
		return fault.Errorf(fault.EINVALID, "a workspace may hold at most %d %s, counting deleted ones; delete some for good first", max, obj.Plural)
	}
	return nil
}

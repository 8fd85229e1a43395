package records

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/outbox"
	"github.com/rapport-crm/rapport/internal/store"
)

// batchArgs bounds the arguments of one statement of a batch, within both
// databases' limits (SQLite 32,766, PostgreSQL 65,535).
const batchArgs = 30000

// CreateMany stores each input of ins as a new record of object, as Create
// does one at a time: the same validation, permission checks, hooks,
// events, links and list index entries. It writes them with a few
// statements for the whole batch instead of ten a record, which is what
// lets an import load a million rows.
//
// errs holds, in the order of ins, the refusal of each input that was not
// stored (nil for the stored ones); recs the stored records (nil for the
// refused). err is either a failure of the database or a refusal by a
// hook once the batch was stored; either way nothing of the batch may be
// kept, and the caller rolls back (to a savepoint, and may then write the
// inputs one at a time). Objects with a cap on their count are written
// one at a time.
func (e *Engine) CreateMany(ctx context.Context, object string, ins []map[string]any) (recs []Record, errs []error, err error) {
	recs, errs = make([]Record, len(ins)), make([]error, len(ins))
	a, obj, err := e.begin(ctx, object)
	if err != nil {
		return nil, nil, err
	}
	if _, small := smallObjects[obj.Name]; small || len(ins) == 0 {
		for i, in := range ins {
			if recs[i], errs[i] = e.Create(ctx, object, in); errs[i] != nil && !Refusal(errs[i]) {
				return nil, nil, errs[i]
			}
		}
		return recs, errs, nil
	}
	if err := e.policy.Authorize(ctx, a, obj.Grant(), access.Create, nil); err != nil {
		return nil, nil, err
	}
	names := map[string]bool{}
	for _, in := range ins {
		for k := range in {
			names[k] = true
		}
	}
	s, err := e.view(ctx, a, obj, sortedKeys(names)...)
	if err != nil {
		return nil, nil, err
	}
	checked := make([]map[string]any, len(ins))
	n := e.normalizer(ctx, a.WorkspaceID)
	for i, in := range ins {
		in, derived := prepared(obj, in, nil)
		if checked[i], errs[i] = e.checkInput(n, s, in, derived, true); errs[i] != nil {
			continue
		}
		defaultOwner(a, obj, checked[i])
		errs[i] = e.policy.Authorize(ctx, a, obj.Grant(), access.Create, checked[i])
	}
	err = e.db.Tx(ctx, func(q store.Querier) error {
		ctx := store.Within(ctx, q)
		b := &batch{e: e, q: q, a: a, s: s, obj: obj, now: e.now(), writes: make([]*Write, len(ins))}
		for i := range ins {
			if errs[i] != nil {
				continue
			}
			// Before hooks may change the values; a retried transaction
			// starts again from the checked input.
			w := &Write{Q: q, Actor: a, Action: "create", Object: obj, Vals: clone(checked[i])}
			if errs[i] = e.runBefore(ctx, w); errs[i] == nil {
				b.writes[i] = w
			} else if !Refusal(errs[i]) {
				return errs[i]
			}
		}
		if err := b.checkReferences(ctx, errs); err != nil {
			return err
		}
		if err := b.insert(ctx); err != nil {
			return err
		}
		for i, w := range b.writes {
			if w == nil {
				continue
			}
			if err := e.runAfter(ctx, w); err != nil {
				return err
			}
			recs[i] = s.redact(w.Rec)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return recs, errs, nil
}

// Refusal reports whether err is the engine refusing a write (bad input,
// a missing reference, a conflict, a permission), as opposed to the
// database failing.
func Refusal(err error) bool {
	switch fault.Code(err) {
	case fault.EINVALID, fault.ENOTFOUND, fault.ECONFLICT, fault.EFORBIDDEN, fault.ETOOLARGE:
		return true
	}
	return false
}

// batch is one CreateMany inside its transaction.
type batch struct {
	e      *Engine
	q      store.Querier
	a      access.Actor
	s      *schema
	obj    *Object
	now    time.Time
	writes []*Write // nil where the input was refused
}

// checkReferences checks the references of the batch's writes at once
// (Engine.references): a write with a missing reference is refused and
// dropped from the batch.
func (b *batch) checkReferences(ctx context.Context, errs []error) error {
	vals := make([]map[string]any, len(b.writes))
	for i, w := range b.writes {
		if w != nil {
			vals[i] = w.Vals
		}
	}
	refused, err := b.e.references(ctx, b.q, b.a.WorkspaceID, b.s, vals)
	if err != nil {
		return err
	}
	for i, r := range refused {
		if r != nil {
			errs[i], b.writes[i] = r, nil
		}
	}
	return nil
}

// insert gives each write its id and stores the batch: the rows, their
// links, their list index entries and their events.
func (b *batch) insert(ctx context.Context) error {
	var live []*Write
	for _, w := range b.writes {
		if w != nil {
			live = append(live, w)
		}
	}
	if len(live) == 0 {
		return nil
	}
	ids, err := b.allocate(ctx, len(live))
	if err != nil {
		return err
	}
	if err := b.insertRows(ctx, live, ids); err != nil {
		return err
	}
	var events []outbox.Event
	entries := map[int64][]entry{}
	sides := sideFields(b.s)
	for k, w := range live {
		id := ids[k]
		rec, changes := newRecord(b.s, id, w.Vals, b.now)
		for _, sf := range sides {
			entries[id] = append(entries[id], sf.entries(rec[sf.field.Name])...)
		}
		events = append(events, outbox.Event{WorkspaceID: b.a.WorkspaceID, Object: b.obj.Name, RecordID: rec["id"].(string),
			Action: "create", ActorID: b.a.UserID, Changes: changes, At: b.now})
		w.ID, w.Rec = rec["id"].(string), rec
	}
	if err := b.insertLinks(ctx, live, ids); err != nil {
		return err
	}
	if err := b.e.insertEntries(ctx, b.q, b.a.WorkspaceID, b.obj.Name, entries); err != nil {
		return err
	}
	return outbox.WriteMany(ctx, b.q, b.e.db.Dialect, events)
}

// allocate reserves n ids of the object's table. On SQLite the caller's
// transaction holds the only writer, so the ids after the highest in use
// are free; on PostgreSQL they are drawn from the table's sequence.
func (b *batch) allocate(ctx context.Context, n int) ([]int64, error) {
	ids := make([]int64, 0, n)
	table := b.obj.Table()
	if b.e.db.Dialect == store.Postgres {
		rows, err := b.q.QueryContext(ctx, `SELECT nextval(pg_get_serial_sequence('`+table+`', 'id')) FROM generate_series(1, ?)`, n)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return nil, err
			}
			ids = append(ids, id)
		}
		return ids, rows.Err()
	}
	var top sql.NullInt64
	if err := b.q.QueryRowContext(ctx, `SELECT max(id) FROM `+table).Scan(&top); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	for i := range n {
		ids = append(ids, top.Int64+1+int64(i))
	}
	return ids, nil
}

// insertRows writes the rows of live, those with the same columns
// together, several to a statement.
func (b *batch) insertRows(ctx context.Context, live []*Write, ids []int64) error {
	d := b.e.db.Dialect
	type group struct {
		cols  []string
		marks string
		rows  [][]any
	}
	groups := map[string]*group{}
	var order []string
	for k, w := range live {
		cols, marks, args := insertColumns(d, b.a.WorkspaceID, b.obj, w.Vals, b.now)
		cols, marks, args = append([]string{"id"}, cols...), append([]string{"?"}, marks...), append([]any{ids[k]}, args...)
		key := strings.Join(cols, ",")
		g := groups[key]
		if g == nil {
			g = &group{cols: cols, marks: "(" + strings.Join(marks, ", ") + ")"}
			groups[key] = g
			order = append(order, key)
		}
		g.rows = append(g.rows, args)
	}
	for _, key := range order {
		g := groups[key]
		head := `INSERT INTO ` + b.obj.Table() + ` (` + strings.Join(g.cols, ", ") + `) VALUES `
		if err := b.many(ctx, head, g.marks, g.rows); err != nil {
			return err
		}
	}
	return nil
}

// insertLinks writes the links of the new records in their Relations
// fields.
func (b *batch) insertLinks(ctx context.Context, live []*Write, ids []int64) error {
	for _, f := range b.s.allFields() {
		if f.Type != Relations {
			continue
		}
		l := f.link
		var rows [][]any
		for k, w := range live {
			links, _ := w.Vals[f.Name].([]LinkRef)
			for _, ref := range links {
				other, _ := parseID(ref.ID)
				rows = append(rows, []any{b.a.WorkspaceID, ids[k], other, ref.Role})
			}
		}
		head := `INSERT INTO ` + l.table + ` (workspace_id, ` + l.self + `, ` + l.other + `, ` + l.extra + `) VALUES `
		if err := b.many(ctx, head, "(?, ?, ?, ?)", rows); err != nil {
			return err
		}
	}
	return nil
}

// many runs head followed by as many rows (each written as marks) as fit
// a statement, until rows are all written.
func (b *batch) many(ctx context.Context, head, marks string, rows [][]any) error {
	for len(rows) > 0 {
		per := max(1, batchArgs/len(rows[0]))
		part := rows[:min(per, len(rows))]
		rows = rows[len(part):]
		var sb strings.Builder
		sb.WriteString(head)
		args := make([]any, 0, len(part)*len(part[0]))
		for i, r := range part {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(marks)
			args = append(args, r...)
		}
		if _, err := b.q.ExecContext(ctx, sb.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

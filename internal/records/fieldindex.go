package records

import (
	"context"
	"fmt"
	"time"

	"github.com/rapport-crm/rapport/internal/store"
)

// The builder of field_values. Each field indexed there has a row in
// field_indexes per workspace: "building" until the rows of every record
// written before the field was indexed are in place, then "ready". Writes
// keep the rows of the records they touch in step whatever the state, so
// the builder only catches up with the past, a batch of records per
// transaction, and never holds the writer for long. Until a field is
// ready, lists test its values on each record instead of asking
// field_values, and do not sort by it.

// buildBatch is how many records one transaction of the builder covers.
const buildBatch = 1000

// readyFields returns the field_values fields of obj whose rows are
// complete in workspace ws.
func (e *Engine) readyFields(ctx context.Context, ws int64, obj *Object) (map[string]bool, error) {
	rows, err := e.db.Read(ctx).QueryContext(ctx, `SELECT field FROM field_indexes WHERE workspace_id = ? AND object = ? AND state = 'ready'`, ws, obj.Name)
	if err != nil {
		return nil, fmt.Errorf("field indexes: %w", err)
	}
	defer rows.Close()
	ready := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		ready[name] = true
	}
	return ready, rows.Err()
}

// startIndex records that the fields of f are to be built in
// field_values, in the transaction that adds the field.
func (e *Engine) startIndex(ctx context.Context, q store.Querier, ws int64, obj *Object, f *Field) error {
	if obj.small {
		return nil
	}
	s := &schema{obj: obj, fields: []*Field{f}}
	for _, sf := range sideFields(s) {
		if _, err := q.ExecContext(ctx, `INSERT INTO field_indexes (workspace_id, object, field, state, next_id) VALUES (?, ?, ?, 'building', 0)`,
			ws, obj.Name, sf.name); err != nil {
			return fmt.Errorf("field indexes: %w", err)
		}
	}
	return nil
}

// IndexFields builds field_values for about as long as budget: it makes
// sure every field that belongs there has its state, then fills the rows
// of one batch of records after another. It reports whether nothing is
// left to build. It is safe to run from several processes at once.
func (e *Engine) IndexFields(ctx context.Context, budget time.Duration) (done bool, err error) {
	if err := e.ensureFieldIndexes(ctx); err != nil {
		return false, err
	}
	start := time.Now()
	for {
		var ws, next int64
		var object string
		err = e.db.Read(ctx).QueryRowContext(ctx, `SELECT workspace_id, object, next_id FROM field_indexes WHERE state = 'building'
			ORDER BY workspace_id, object, next_id LIMIT 1`).Scan(&ws, &object, &next)
		if isNoRows(err) {
			return true, e.analyzeBuilt(ctx)
		}
		if err != nil {
			return false, fmt.Errorf("field indexes: %w", err)
		}
		if _, err := e.buildBatch(ctx, ws, object); err != nil {
			return false, err
		}
		e.built.Store(true)
		if time.Since(start) >= budget {
			return false, nil
		}
	}
}

// IndexAllFields builds field_values until every field is ready, for
// records loaded in bulk past the engine (the demo). On SQLite it is one
// transaction, holding the writer throughout, in which field_values'
// indexes by value stand aside and are built again at the end from
// sorted keys (store.DropIndexes tells why): kept up to date a batch at a
// time, they made most of the minute that a million demo contacts took
// here. The index by record stays, for each batch's DELETE.
func (e *Engine) IndexAllFields(ctx context.Context) error {
	if e.db.Dialect != store.SQLite {
		return e.indexAll(ctx)
	}
	return e.db.Tx(ctx, func(q store.Querier) error {
		ctx := store.Within(ctx, q)
		creates, err := store.DropIndexes(ctx, q, "field_values", "field_values_record")
		if err != nil {
			return fmt.Errorf("field indexes: %w", err)
		}
		if err := e.indexAll(ctx); err != nil {
			return err
		}
		for _, create := range creates {
			if _, err := q.ExecContext(ctx, create); err != nil {
				return fmt.Errorf("field indexes: %w", err)
			}
		}
		return nil
	})
}

func (e *Engine) indexAll(ctx context.Context) error {
	for {
		done, err := e.IndexFields(ctx, time.Minute)
		if err != nil || done {
			return err
		}
	}
}

// analyzeBuilt gathers PostgreSQL's statistics of field_values once the
// builder has finished rows of its own. A planner that has none takes a
// table that grew by millions of rows for empty and joins every row of a
// field before sorting them (11 s where the index walk takes 5 ms);
// autovacuum would come to it in time, but only where it is on, and
// after the first lists were slow. SQLite's lists name their indexes and
// do not depend on statistics.
func (e *Engine) analyzeBuilt(ctx context.Context) error {
	if e.db.Dialect != store.Postgres || !e.built.CompareAndSwap(true, false) {
		return nil
	}
	if _, err := e.db.Raw().ExecContext(ctx, `ANALYZE field_values`); err != nil {
		e.built.Store(true)
		return fmt.Errorf("field indexes: analyze: %w", err)
	}
	return nil
}

type fieldKey struct {
	ws            int64
	object, field string
}

// ensureFieldIndexes gives a state to every field that field_values
// indexes and has none yet: the multi-valued standard fields of each
// workspace, and custom fields added before field_values existed.
func (e *Engine) ensureFieldIndexes(ctx context.Context) error {
	have := map[fieldKey]bool{}
	rows, err := e.db.Read(ctx).QueryContext(ctx, `SELECT workspace_id, object, field FROM field_indexes`)
	if err != nil {
		return fmt.Errorf("field indexes: %w", err)
	}
	for rows.Next() {
		var k fieldKey
		if err := rows.Scan(&k.ws, &k.object, &k.field); err != nil {
			rows.Close()
			return err
		}
		have[k] = true
	}
	rows.Close()
	want, err := e.indexedFields(ctx)
	if err != nil {
		return err
	}
	var missing []fieldKey
	for _, k := range want {
		if !have[k] {
			missing = append(missing, k)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return e.db.Tx(ctx, func(q store.Querier) error {
		for _, k := range missing {
			_, err := q.ExecContext(ctx, `INSERT INTO field_indexes (workspace_id, object, field, state, next_id)
				SELECT ?, ?, ?, 'building', 0 WHERE NOT EXISTS
				(SELECT 1 FROM field_indexes WHERE workspace_id = ? AND object = ? AND field = ?)`,
				k.ws, k.object, k.field, k.ws, k.object, k.field)
			if err != nil {
				return fmt.Errorf("field indexes: %w", err)
			}
		}
		return nil
	})
}

// indexedFields lists every field of every workspace that belongs in
// field_values.
func (e *Engine) indexedFields(ctx context.Context) ([]fieldKey, error) {
	var out []fieldKey
	var wss []int64
	rows, err := e.db.Reader().QueryContext(ctx, `SELECT id FROM workspaces`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var ws int64
		if err := rows.Scan(&ws); err != nil {
			rows.Close()
			return nil, err
		}
		wss = append(wss, ws)
	}
	rows.Close()
	for _, o := range e.Objects() {
		for _, sf := range sideFields(&schema{obj: o, fields: o.Fields}) {
			for _, ws := range wss {
				out = append(out, fieldKey{ws, o.Name, sf.name})
			}
		}
	}
	rows, err = e.db.Reader().QueryContext(ctx, `SELECT workspace_id, object, name, type FROM custom_fields`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var ws int64
		var object string
		f := &Field{Custom: true}
		if err := rows.Scan(&ws, &object, &f.Name, &f.Type); err != nil {
			return nil, err
		}
		obj := e.objects[object]
		if obj == nil {
			obj = &Object{Name: object} // a list: never small
		}
		for _, sf := range sideFields(&schema{obj: obj, fields: []*Field{f}}) {
			out = append(out, fieldKey{ws, object, sf.name})
		}
	}
	return out, rows.Err()
}

// syncBuild is how many records an object may have in a workspace for a
// new custom field's rows to be built at once, within the request that
// adds it, so that on all but large workspaces it sorts straight away.
const syncBuild = 10000

// buildNow builds the rows of obj's new fields in workspace ws at once
// when it has few records; otherwise the background builder does.
func (e *Engine) buildNow(ctx context.Context, ws int64, obj *Object) error {
	var one int
	err := e.db.Reader().QueryRowContext(ctx, `SELECT 1 FROM `+obj.Table()+` WHERE workspace_id = ?`+obj.only("")+
		` LIMIT 1 OFFSET `+fmt.Sprint(syncBuild), ws).Scan(&one)
	if err == nil || !isNoRows(err) {
		return err
	}
	for {
		done, err := e.buildBatch(ctx, ws, obj.Name)
		if err != nil || done {
			return err
		}
	}
}

// buildBatch fills the field_values rows of the next batch of records of
// one object in one workspace for the fields still building there, and
// reports whether none are left building.
func (e *Engine) buildBatch(ctx context.Context, ws int64, object string) (done bool, err error) {
	obj := e.objects[object]
	if obj == nil {
		if obj, err = e.list(ctx, ws, object); err != nil {
			return false, err
		}
		if obj == nil {
			return false, fmt.Errorf("field indexes: no object %q in workspace %d", object, ws)
		}
	}
	s, err := e.loadSchema(ctx, ws, obj)
	if err != nil {
		return false, err
	}
	err = e.db.Tx(ctx, func(q store.Querier) error {
		building := map[string]int64{}
		rows, err := q.QueryContext(ctx, `SELECT field, next_id FROM field_indexes WHERE workspace_id = ? AND object = ? AND state = 'building'`+
			e.db.Dialect.LockRows(), ws, object)
		if err != nil {
			return err
		}
		var from int64 = -1
		for rows.Next() {
			var name string
			var next int64
			if err := rows.Scan(&name, &next); err != nil {
				rows.Close()
				return err
			}
			building[name] = next
			if from < 0 || next < from {
				from = next
			}
		}
		rows.Close()
		if len(building) == 0 {
			done = true // another process finished it
			return nil
		}
		var fields []sideField
		for _, sf := range sideFields(s) {
			if _, ok := building[sf.name]; ok {
				fields = append(fields, sf)
			}
		}
		recs, last, err := e.batchRecords(ctx, q, ws, s, from)
		if err != nil {
			return err
		}
		if err := e.replaceEntries(ctx, q, ws, obj.Name, fields, recs, from, last); err != nil {
			return err
		}
		names := make([]string, 0, len(building))
		for name := range building {
			names = append(names, name)
		}
		marks, args := store.List(names)
		state := "building"
		if len(recs) < buildBatch {
			state, done = "ready", true
		}
		_, err = q.ExecContext(ctx, `UPDATE field_indexes SET state = ?, next_id = ? WHERE workspace_id = ? AND object = ? AND field IN (`+marks+`)`,
			append([]any{state, last, ws, obj.Name}, args...)...)
		return err
	})
	if done {
		e.forgetSchema(ws, obj)
	}
	return done, err
}

// batchRecords reads, and on PostgreSQL locks against concurrent writes,
// the next batch of records of s after id from, deleted ones included.
func (e *Engine) batchRecords(ctx context.Context, q store.Querier, ws int64, s *schema, from int64) (map[int64]Record, int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+e.columns(s.obj)+` FROM `+s.obj.Table()+` WHERE workspace_id = ? AND id > ?`+
		s.obj.only("")+` ORDER BY id LIMIT ?`+e.db.Dialect.LockRows(), ws, from, buildBatch)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	recs := map[int64]Record{}
	last := from
	for rows.Next() {
		rec, err := e.scanRecord(s, rows)
		if err != nil {
			return nil, 0, err
		}
		id, _ := parseID(rec["id"].(string))
		recs[id] = rec
		last = max(last, id)
	}
	return recs, last, rows.Err()
}

// replaceEntries writes the rows of fields for each of recs, replacing
// any they had.
// The batch is every record with an id in (from, last], so the rows it
// replaces are one range of the record index.
func (e *Engine) replaceEntries(ctx context.Context, q store.Querier, ws int64, object string, fields []sideField,
	recs map[int64]Record, from, last int64) error {
	if len(fields) == 0 || len(recs) == 0 {
		return nil
	}
	names := make([]string, len(fields))
	for i, sf := range fields {
		names[i] = sf.name
	}
	entries := map[int64][]entry{}
	for id, rec := range recs {
		for _, sf := range fields {
			entries[id] = append(entries[id], sf.entries(rec[sf.field.Name])...)
		}
	}
	fm, fargs := store.List(names)
	_, err := q.ExecContext(ctx, `DELETE FROM field_values WHERE workspace_id = ? AND object = ? AND record_id > ? AND record_id <= ?
		AND field IN (`+fm+`)`, append([]any{ws, object, from, last}, fargs...)...)
	if err != nil {
		return fmt.Errorf("field values: %w", err)
	}
	return e.insertEntries(ctx, q, ws, object, entries)
}

// forgetSchema drops a cached schema, so the next list sees a field that
// has become ready.
func (e *Engine) forgetSchema(ws int64, obj *Object) {
	e.schemas.mu.Lock()
	delete(e.schemas.byKey, schemaKey(ws, obj.Name))
	e.schemas.mu.Unlock()
}

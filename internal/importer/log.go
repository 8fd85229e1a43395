package importer

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/analysis"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/outbox"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// logOptions are the options an import's log keeps beside its counts.
type logOptions struct {
	Mapping     map[string]string `json:"mapping"`
	OnDuplicate string            `json:"on_duplicate"`
	Match       string            `json:"match"`
	Strict      bool              `json:"strict"`
	Silent      bool              `json:"silent,omitempty"`
	NewFields   []MadeField       `json:"new_fields,omitempty"`
	Settings    any               `json:"settings,omitempty"`
	Again       *again            `json:"again,omitempty"`
}

// logOptionsOf is the log's options of s, as JSON.
func logOptionsOf(s *Summary) string {
	opts, _ := json.Marshal(logOptions{Mapping: s.Mapping, OnDuplicate: s.OnDuplicate, Match: s.Match, Strict: s.Strict, Silent: s.Silent, NewFields: s.NewFields,
		Settings: s.Settings, Again: s.again})
	return string(opts)
}

func (im *Importer) insertLog(ctx context.Context, q store.Querier, s *Summary) (int64, error) {
	a, _ := access.ActorFrom(ctx)
	opts := logOptionsOf(s)
	d := im.db.Dialect
	var id int64
	err := q.QueryRowContext(ctx, `INSERT INTO imports (workspace_id, user_id, object, file_name, options, status, rows_read, created, updated, skipped, failed, created_at)
		VALUES (?, ?, ?, ?, `+d.JSONIn()+`, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		a.WorkspaceID, a.UserID, s.Object, s.FileName, opts, s.Status, s.Rows, s.Created, s.Updated, s.Skipped, s.Failed,
		d.Time(s.CreatedAt)).Scan(&id)
	return id, err
}

// finish writes what an import that commits keeps: the records it made
// or changed, the external ids, its problems and its counts.
// externalsChunk is how many new external ids the import gathers before
// it writes them: at the end of a million rows, the ids and their rows
// held some 170 MB.
var externalsChunk = 5000

// writeExternals writes the external ids of the records the import made
// since the last call, and lets them go.
func (r *run) writeExternals(ctx context.Context) error {
	if len(r.newExternals) == 0 {
		return nil
	}
	rows := make([][]any, len(r.newExternals))
	for i, x := range r.newExternals {
		rows[i] = []any{r.actor.WorkspaceID, r.obj.Name, x[0], x[1], r.id}
	}
	clear(r.newExternals)
	r.newExternals = r.newExternals[:0]
	// An external id of a record in the trash passes to the new record:
	// the trash is not matched on.
	if err := bulkSuffix(ctx, r.q, "external_ids (workspace_id, object, external_id, record_id, import_id)", "?, ?, ?, ?, ?", rows,
		` ON CONFLICT (workspace_id, object, external_id) DO UPDATE SET record_id = excluded.record_id, import_id = excluded.import_id`); err != nil {
		return fmt.Errorf("external ids: %w", err)
	}
	return nil
}

func (r *run) finish(ctx context.Context) error {
	ws, d := r.actor.WorkspaceID, r.im.db.Dialect
	if err := r.rebuildIndexes(ctx); err != nil {
		return err
	}
	if err := r.analyze(ctx); err != nil {
		return err
	}
	if r.opts.Phase != nil {
		r.opts.Phase("duplicates")
	}
	if err := r.deferred.Run(ctx, r.q, ws); err != nil {
		return err
	}
	rows := make([][]any, 0, len(r.order))
	for _, it := range r.order {
		var before any
		if it.action == Updated {
			b, _ := json.Marshal(it.before)
			before = string(b)
		}
		rows = append(rows, []any{ws, r.id, it.object, it.id, it.action, it.version, before})
	}
	if err := bulk(ctx, r.q, importRecords,
		"?, ?, ?, ?, ?, ?, "+d.JSONIn(), rows); err != nil {
		return fmt.Errorf("import records: %w", err)
	}
	if err := r.writeExternals(ctx); err != nil {
		return err
	}
	if err := r.im.insertProblems(ctx, r.q, ws, r.id, r.sum.Problems); err != nil {
		return err
	}
	return r.updateLog(ctx, r.q)
}

// updateLog writes the run's status and counts into its log row.
func (r *run) updateLog(ctx context.Context, q store.Querier) error {
	s := r.sum
	_, err := q.ExecContext(ctx, `UPDATE imports SET status = ?, rows_read = ?, created = ?, updated = ?, skipped = ?, failed = ? WHERE workspace_id = ? AND id = ?`,
		s.Status, s.Rows, s.Created, s.Updated, s.Skipped, s.Failed, r.actor.WorkspaceID, r.id)
	return err
}

func (im *Importer) insertProblems(ctx context.Context, q store.Querier, ws, id int64, probs []Problem) error {
	rows := make([][]any, len(probs))
	for i, p := range probs {
		reason := p.Reason
		if p.Kept {
			reason = "warning: " + reason
		}
		rows[i] = []any{ws, id, i + 1, p.Row, p.Column, p.Value, reason}
	}
	if err := bulk(ctx, q, "import_errors (workspace_id, import_id, n, row_number, column_name, value, reason)", "?, ?, ?, ?, ?, ?, ?", rows); err != nil {
		return fmt.Errorf("import errors: %w", err)
	}
	return nil
}

// bulk inserts rows a few hundred to a statement.
func bulk(ctx context.Context, q store.Querier, into, marks string, rows [][]any) error {
	return bulkSuffix(ctx, q, into, marks, rows, "")
}

// bulkSuffix is bulk with a clause after the values.
func bulkSuffix(ctx context.Context, q store.Querier, into, marks string, rows [][]any, suffix string) error {
	const per = 500
	for len(rows) > 0 {
		n := min(per, len(rows))
		var sb strings.Builder
		args := make([]any, 0, n*len(rows[0]))
		for i, row := range rows[:n] {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("(" + marks + ")")
			args = append(args, row...)
		}
		if _, err := q.ExecContext(ctx, `INSERT INTO `+into+` VALUES `+sb.String()+suffix, args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

const logColumns = `id, user_id, object, file_name, options, status, rows_read, created, updated, skipped, failed, created_at, undone_at, error`

func (im *Importer) scanLog(row interface{ Scan(...any) error }) (*Summary, error) {
	var s Summary
	var id, user int64
	var opts string
	var created, undone any
	var failure sql.NullString
	if err := row.Scan(&id, &user, &s.Object, &s.FileName, &opts, &s.Status, &s.Rows, &s.Created, &s.Updated, &s.Skipped, &s.Failed,
		&created, &undone, &failure); err != nil {
		return nil, err
	}
	s.Error = failure.String
	if s.Status == StatusRunning {
		im.mu.Lock()
		p := im.running[id]
		im.mu.Unlock()
		if p != nil {
			s.Progress = p.view()
		}
	}
	s.ID, s.UserID = strconv.FormatInt(id, 10), strconv.FormatInt(user, 10)
	var lo logOptions
	_ = json.Unmarshal([]byte(opts), &lo)
	s.Mapping, s.OnDuplicate, s.Match, s.Strict, s.Silent = lo.Mapping, lo.OnDuplicate, lo.Match, lo.Strict, lo.Silent
	s.NewFields, s.again = lo.NewFields, lo.Again
	s.Resumable = s.Status == StatusInterrupted && s.again != nil && im.isKept(id)
	s.CreatedAt, _ = store.ParseTime(created)
	if t, ok := store.ParseTime(undone); ok && undone != nil {
		s.UndoneAt = &t
	}
	return &s, nil
}

// mine is the condition of the imports an actor may see: administrators
// see every import of the workspace, others their own.
func mine(a access.Actor) (string, []any) {
	if a.Role == "administrator" {
		return "workspace_id = ?", []any{a.WorkspaceID}
	}
	return "workspace_id = ? AND user_id = ?", []any{a.WorkspaceID, a.UserID}
}

// List returns the latest imports the actor may see, newest first.
func (im *Importer) List(ctx context.Context, limit int) ([]*Summary, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	cond, args := mine(a)
	d := im.db.Dialect
	rows, err := im.db.Read(ctx).QueryContext(ctx, `SELECT `+strings.Replace(logColumns, "options", d.JSONOut("options"), 1)+
		` FROM imports WHERE `+cond+` ORDER BY created_at DESC, id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*Summary{}
	for rows.Next() {
		s, err := im.scanLog(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Get returns one import with its first problems.
func (im *Importer) Get(ctx context.Context, id string) (*Summary, error) {
	s, err := im.get(ctx, im.db.Read(ctx), id)
	if err != nil {
		return nil, err
	}
	err = im.problems(ctx, s, 100, func(p Problem) error {
		s.Problems = append(s.Problems, p)
		return nil
	})
	return s, err
}

func (im *Importer) get(ctx context.Context, q store.Querier, id string) (*Summary, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 || strconv.FormatInt(n, 10) != id {
		return nil, fault.Errorf(fault.ENOTFOUND, "no import with id %q", id)
	}
	cond, args := mine(a)
	s, err := im.scanLog(q.QueryRowContext(ctx, `SELECT `+strings.Replace(logColumns, "options", im.db.Dialect.JSONOut("options"), 1)+
		` FROM imports WHERE `+cond+` AND id = ?`, append(args, n)...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fault.Errorf(fault.ENOTFOUND, "no import with id %q", id)
	}
	return s, err
}

// problems calls fn with the problems of import s in row order, at most
// limit of them (0 for all).
func (im *Importer) problems(ctx context.Context, s *Summary, limit int, fn func(Problem) error) error {
	a, _ := access.ActorFrom(ctx)
	query := `SELECT row_number, column_name, value, reason FROM import_errors WHERE workspace_id = ? AND import_id = ? ORDER BY n`
	args := []any{a.WorkspaceID, s.ID}
	if limit > 0 {
		query += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := im.db.Read(ctx).QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var p Problem
		if err := rows.Scan(&p.Row, &p.Column, &p.Value, &p.Reason); err != nil {
			return err
		}
		if r, ok := strings.CutPrefix(p.Reason, "warning: "); ok {
			p.Reason, p.Kept = r, true
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	return rows.Err()
}

// WriteErrors writes the error report of an import as CSV: row, column,
// value, reason, with warnings (values kept as typed) said to be so. A
// value a spreadsheet would run as a formula starts with an apostrophe.
func (im *Importer) WriteErrors(ctx context.Context, id string, w io.Writer) error {
	s, err := im.get(ctx, im.db.Read(ctx), id)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"row", "column", "value", "reason"}); err != nil {
		return err
	}
	err = im.problems(ctx, s, 0, func(p Problem) error {
		reason := p.Reason
		if p.Kept {
			reason = "kept: " + reason
		}
		return cw.Write([]string{strconv.Itoa(p.Row), analysis.Safe(p.Column), analysis.Safe(p.Value), analysis.Safe(reason)})
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// Undo removes the records import id created and restores those it
// updated to the values it replaced, in one transaction. A record
// changed since the import refuses the whole undo (ECONFLICT), naming it:
// an undo never overwrites a later change.
func (im *Importer) Undo(ctx context.Context, id string) (*Summary, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	var s *Summary
	err = im.db.Tx(ctx, func(q store.Querier) error {
		deferred := &records.Deferred{}
		ctx := records.WithDeferred(store.Within(ctx, q), deferred)
		if s, err = im.get(ctx, q, id); err != nil {
			return err
		}
		if s.Status != StatusCommitted {
			return fault.Errorf(fault.ECONFLICT, "import %s is %s: there is nothing to undo", id, strings.ReplaceAll(s.Status, "_", " "))
		}
		if s.Silent {
			// The records the import made told nobody; their removal
			// tells nobody either (no deletions for records a webhook
			// never announced).
			ctx = outbox.Silent(ctx)
		}
		items, err := im.items(ctx, q, a.WorkspaceID, s.ID)
		if err != nil {
			return err
		}
		// Restore first, then remove: a restored record may link to a
		// company the import made, which its removal then unlinks.
		schemas := map[string][]*records.Field{}
		for _, it := range items {
			if it.action == Updated {
				if err := im.restore(ctx, it, schemas); err != nil {
					return err
				}
			}
		}
		for _, it := range items {
			if it.action == Created {
				obj := im.e.Object(it.object)
				if err := im.e.Purge(ctx, obj.Plural, strconv.FormatInt(it.id, 10), it.version); err != nil {
					return undoRefused(it, err)
				}
			}
		}
		if err := deferred.Run(ctx, q, a.WorkspaceID); err != nil {
			return err
		}
		if err := im.removeFields(ctx, s); err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, `DELETE FROM external_ids WHERE workspace_id = ? AND import_id = ?`, a.WorkspaceID, s.ID); err != nil {
			return err
		}
		now := time.Now().UTC().Truncate(time.Second)
		_, err = q.ExecContext(ctx, `UPDATE imports SET status = ?, undone_at = ?, undone_by = ? WHERE workspace_id = ? AND id = ?`,
			StatusUndone, im.db.Dialect.Time(now), a.UserID, a.WorkspaceID, s.ID)
		s.Status, s.UndoneAt = StatusUndone, &now
		return err
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

func undoRefused(it *item, err error) error {
	if fault.Is(err, fault.ECONFLICT) || fault.Is(err, fault.ENOTFOUND) {
		return fault.Errorf(fault.ECONFLICT, "%s %d was changed or removed after the import, so the undo would overwrite that change; nothing was undone (%v)",
			it.object, it.id, err)
	}
	return err
}

func (im *Importer) items(ctx context.Context, q store.Querier, ws int64, id string) ([]*item, error) {
	rows, err := q.QueryContext(ctx, `SELECT object, record_id, action, version, `+im.db.Dialect.JSONOut("before")+
		` FROM import_records WHERE workspace_id = ? AND import_id = ? ORDER BY object DESC, record_id`, ws, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*item
	for rows.Next() {
		it := &item{}
		var before sql.NullString
		if err := rows.Scan(&it.object, &it.id, &it.action, &it.version, &before); err != nil {
			return nil, err
		}
		if before.Valid {
			d := json.NewDecoder(bytes.NewReader([]byte(before.String)))
			d.UseNumber()
			if err := d.Decode(&it.before); err != nil {
				return nil, fmt.Errorf("import record %d: %w", it.id, err)
			}
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// restore writes back the values an update replaced, in the form the
// engine takes them: phones by the number as typed. schemas keeps each
// object's fields, custom ones included, for the next record.
func (im *Importer) restore(ctx context.Context, it *item, schemas map[string][]*records.Field) error {
	obj := im.e.Object(it.object)
	fields, known := schemas[obj.Name]
	if !known {
		var err error
		if fields, err = im.e.Fields(ctx, obj.Plural); err != nil {
			return err
		}
		schemas[obj.Name] = fields
	}
	in := map[string]any{}
	for name, v := range it.before {
		i := slices.IndexFunc(fields, func(f *records.Field) bool { return f.Name == name })
		if i < 0 {
			// A field removed since the import has no value left to
			// put back; one the undoer's role hides is not theirs to
			// write, and stays as it is.
			continue
		}
		f := fields[i]
		switch f.Type {
		case records.Email, records.Phone, records.URLs:
			var list []any
			for _, x := range asList(v) {
				m, _ := x.(map[string]any)
				list = append(list, inputItem(f, m))
			}
			v = list
		}
		in[name] = v
	}
	_, err := im.e.Update(ctx, obj.Plural, strconv.FormatInt(it.id, 10), it.version, in)
	if err != nil {
		return undoRefused(it, err)
	}
	return nil
}

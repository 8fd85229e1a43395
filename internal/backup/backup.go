package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/store"
)

// Summary says what a backup or a restore covered.
type Summary struct {
	Schema  int64  // migration the data was taken at
	Dialect string // database the backup was taken from
	Tables  int
	Rows    int64 // 0 when the database file was carried whole
	Bytes   int64 // the size of the SQLite file a backup of SQLite holds
	// Skipped names the tables of the backup that a restore left empty:
	// ones the target does not have, and ones whose columns differ
	// between the dialects (the search index), which must be rebuilt.
	Skipped []string
}

// Write writes a backup of db to w while the server goes on writing. A
// SQLite database is copied whole by SQLite's online backup into a
// temporary file of os.TempDir (see WriteFile), which the backup then
// holds; PostgreSQL's tables are read row by row in one snapshot.
func Write(ctx context.Context, db *store.DB, w io.Writer) (Summary, error) {
	return write(ctx, db, w, "")
}

// write writes a backup of db to w, compressed on every core; a SQLite
// copy is made in tmpDir.
func write(ctx context.Context, db *store.DB, w io.Writer, tmpDir string) (Summary, error) {
	cw := compress(w)
	var sum Summary
	var err error
	if db.Dialect == store.SQLite {
		sum, err = writeSQLite(ctx, db, cw, tmpDir)
	} else {
		sum, err = writeRows(ctx, db, cw, Version)
	}
	if err := errors.Join(err, cw.Close()); err != nil {
		return Summary{}, err
	}
	return sum, nil
}

// writeRows writes every table of db to w as JSON lines (a backup of
// the given format version, uncompressed). Every table is read in one
// snapshot (see store.DB.Snapshot), so the backup is consistent while the
// server goes on writing; rows stream from the database to w.
func writeRows(ctx context.Context, db *store.DB, w io.Writer, version int) (Summary, error) {
	sum := Summary{Dialect: db.Dialect.Name()}
	lw := newLineWriter(w)
	err := db.Snapshot(ctx, func(q store.Querier) error {
		var err error
		if sum.Schema, err = store.SchemaVersion(ctx, q); err != nil {
			return err
		}
		tables, err := schema(ctx, q, db.Dialect)
		if err != nil {
			return err
		}
		h := header{Format: Format, Version: version, Schema: sum.Schema, Dialect: sum.Dialect, TakenAt: time.Now().UTC()}
		if version > 1 {
			h.Content = contentRows
		}
		if err := lw.line(h); err != nil {
			return err
		}
		for _, t := range tables {
			n, err := writeTable(ctx, q, db.Dialect, lw, t)
			if err != nil {
				return fmt.Errorf("back up table %s: %w", t.name, err)
			}
			sum.Tables++
			sum.Rows += n
		}
		return lw.close(sum.Tables, sum.Rows)
	})
	return sum, err
}

// writeTable writes t's start line and its rows, and returns how many.
func writeTable(ctx context.Context, q store.Querier, d store.Dialect, lw *lineWriter, t table) (int64, error) {
	start := tableStart{Table: t.name}
	selects := make([]string, len(t.columns))
	for i, c := range t.columns {
		start.Columns = append(start.Columns, c.name)
		selects[i] = quote(c.name)
		if d == store.Postgres && (c.kind != kindText && c.kind != kindInt && c.kind != kindFloat && c.kind != kindBool && c.kind != kindTime) {
			selects[i] += "::text" // JSON as its text, as SQLite keeps it
		}
	}
	var err error
	if start.NextID, err = nextID(ctx, q, d, t); err != nil {
		return 0, err
	}
	if err := lw.line(start); err != nil {
		return 0, err
	}
	rows, err := q.QueryContext(ctx, "SELECT "+strings.Join(selects, ", ")+" FROM "+quote(t.name))
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	vals := make([]any, len(t.columns))
	ptrs := make([]any, len(t.columns))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var n int64
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		for i, v := range vals {
			vals[i] = encode(v)
		}
		if err := lw.line(vals); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

// encode turns a value as either driver returns it into what the backup
// holds, the same whichever database it came from: times as SQLite keeps
// them (store.TimeLayout, UTC, microseconds), text as text.
func encode(v any) any {
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Format(store.TimeLayout)
	case []byte:
		return string(x)
	}
	return v
}

// nextID is the id the source would give t's next row, when it keeps one
// apart from the rows (SQLite's AUTOINCREMENT, PostgreSQL's identity
// sequences), or 0.
func nextID(ctx context.Context, q store.Querier, d store.Dialect, t table) (int64, error) {
	if c, ok := t.column("id"); !ok || c.kind != kindInt {
		return 0, nil
	}
	var last *int64
	var err error
	if d == store.Postgres {
		err = q.QueryRowContext(ctx, `SELECT pg_sequence_last_value(pg_get_serial_sequence(?, 'id'))`, quote(t.name)).Scan(&last)
	} else {
		err = q.QueryRowContext(ctx, `SELECT max(seq) FROM sqlite_sequence WHERE name = ?`, t.name).Scan(&last)
	}
	if err != nil || last == nil {
		return 0, err
	}
	return *last + 1, nil
}

// quote quotes an identifier for either database.
func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

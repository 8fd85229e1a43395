package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rapport-crm/rapport/internal/store"
)

// target is the database a restore writes, inside the one transaction
// of a session: a connection of the writer pool on which the restore
// begins and ends the transaction itself, so that PostgreSQL's COPY (which
// database/sql cannot run) happens in the same transaction as the rest.
type target struct {
	c      *sql.Conn
	d      store.Dialect
	log    *slog.Logger
	tables map[string]table
	order  []table
	// keys are the PostgreSQL target's keys and foreign keys, taken off
	// for the load and put back after it (keys first).
	keys []constraint
}

// inTx runs fn in one transaction on a connection of db's writer,
// committing when fn returns nil.
func inTx(ctx context.Context, db *store.DB, log *slog.Logger, fn func(t target) error) error {
	c, err := db.Raw().Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	begin := "BEGIN"
	if db.Dialect == store.SQLite {
		begin = "BEGIN IMMEDIATE" // the write lock from the start
	}
	if _, err := c.ExecContext(ctx, begin); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(target{c: c, d: db.Dialect, log: log}); err != nil {
		c.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return err
	}
	start := time.Now()
	if _, err := c.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	log.Info("restore: committed", "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// loaded logs a table restored since start: its rows and indexes, or, for
// a table the target has not in the backup's shape, its rows read past.
func (t target) loaded(table string, rows int64, loaded bool, start time.Time) {
	if !loaded {
		t.log.Info("restore: table passed over", "table", table, "rows", rows)
		return
	}
	t.log.Info("restore: table loaded", "table", table, "rows", rows, "took", time.Since(start).Round(time.Millisecond))
}

func (t target) dialect() store.Dialect { return t.d }

func (t target) table(name string) (table, bool) {
	tb, ok := t.tables[name]
	return tb, ok
}

// prepare reads the target's schema, refuses a database that holds data,
// and clears the rows the migrations seeded, which the backup brings back.
func (t *target) prepare(ctx context.Context) error {
	var err error
	if t.order, err = schema(ctx, t.q(), t.d); err != nil {
		return err
	}
	t.tables = map[string]table{}
	for _, tb := range t.order {
		t.tables[tb.name] = tb
	}
	if err := empty(ctx, t.q(), t.order); err != nil {
		return err
	}
	if t.d == store.SQLite {
		// Loading in dependency order needs no deferring; this covers a
		// table whose rows point at later rows of itself.
		if _, err := t.c.ExecContext(ctx, "PRAGMA defer_foreign_keys = ON"); err != nil {
			return err
		}
	}
	for i := len(t.order) - 1; i >= 0; i-- {
		if name := t.order[i].name; slices.Contains(seeded, name) {
			if _, err := t.c.ExecContext(ctx, "DELETE FROM "+quote(name)); err != nil {
				return err
			}
		}
	}
	if t.d == store.Postgres {
		return t.dropKeys(ctx)
	}
	return nil
}

// constraint is a primary key, unique or foreign key constraint and its
// definition.
type constraint struct{ table, name, def string }

func (c constraint) add() string {
	return "ALTER TABLE " + quote(c.table) + " ADD CONSTRAINT " + quote(c.name) + " " + c.def
}

// dropKeys takes the keys and foreign keys off every table of the
// PostgreSQL target until restoreKeys puts them back, as pg_restore
// orders its work. Kept during COPY, a key's index grows row by row and
// a foreign key runs a lookup for every row (29 s for 2.4 million
// duplicate keys, against 1 s without and 4 s to add both afterwards);
// added to full tables, each is one sorted build or one join.
func (t *target) dropKeys(ctx context.Context) error {
	rows, err := t.q().QueryContext(ctx, `SELECT r.relname, c.conname, pg_get_constraintdef(c.oid)
		FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid
		WHERE c.connamespace = current_schema()::regnamespace AND c.contype IN ('p', 'u', 'f')
		ORDER BY c.contype = 'f', r.relname, c.conname`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var c constraint
		if err := rows.Scan(&c.table, &c.name, &c.def); err != nil {
			rows.Close()
			return err
		}
		t.keys = append(t.keys, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	// Foreign keys first: a key cannot go while one points at it.
	for _, c := range slices.Backward(t.keys) {
		if _, err := t.c.ExecContext(ctx, "ALTER TABLE "+quote(c.table)+" DROP CONSTRAINT "+quote(c.name)); err != nil {
			return err
		}
	}
	return nil
}

// restoreKeys puts back what dropKeys took off, keys before the foreign
// keys that need them. Adding one checks the restored rows: a backup
// whose rows break a key or point nowhere is refused here.
func (t target) restoreKeys(ctx context.Context) error {
	start := time.Now()
	for _, c := range t.keys {
		if _, err := t.c.ExecContext(ctx, c.add()); err != nil {
			return fmt.Errorf("restore constraint %s of table %s: %w", c.name, c.table, err)
		}
	}
	t.log.Info("restore: keys and foreign keys checked", "constraints", len(t.keys), "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// empty refuses a database whose tables (but the seeded ones) hold rows.
func empty(ctx context.Context, q store.Querier, tables []table) error {
	for _, tb := range tables {
		if slices.Contains(seeded, tb.name) {
			continue
		}
		var one int
		err := q.QueryRowContext(ctx, "SELECT 1 FROM "+quote(tb.name)+" LIMIT 1").Scan(&one)
		if err == nil {
			return fmt.Errorf("%w (table %s has rows): restore into a new, empty database", ErrNotEmpty, tb.name)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	return nil
}

// load inserts the rows of src into table name's columns cols. The
// table's secondary indexes are dropped first and built again after the
// last row, in the same transaction: one sorted build of each is many
// times faster than keeping every index up to date row by row.
func (t target) load(ctx context.Context, name string, cols []string, src source) error {
	indexes, err := t.indexes(ctx, name)
	if err != nil {
		return err
	}
	for _, ix := range indexes {
		if _, err := t.c.ExecContext(ctx, "DROP INDEX "+quote(ix.name)); err != nil {
			return err
		}
	}
	if err := t.insert(ctx, name, cols, src); err != nil {
		return err
	}
	for _, ix := range indexes {
		if _, err := t.c.ExecContext(ctx, ix.create); err != nil {
			return fmt.Errorf("rebuild index %s: %w", ix.name, err)
		}
	}
	return nil
}

// index is a secondary index and the statement that creates it.
type index struct{ name, create string }

// indexes are table's indexes that no constraint (primary key, unique)
// rests on.
func (t target) indexes(ctx context.Context, table string) ([]index, error) {
	query := `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL`
	if t.d == store.Postgres {
		query = `SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x
			JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class r ON r.oid = x.indrelid
			WHERE r.relname = ? AND r.relnamespace = current_schema()::regnamespace
			AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)`
	}
	rows, err := t.q().QueryContext(ctx, query, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []index
	for rows.Next() {
		var ix index
		if err := rows.Scan(&ix.name, &ix.create); err != nil {
			return nil, err
		}
		out = append(out, ix)
	}
	return out, rows.Err()
}

// insert writes the rows of src: by COPY on PostgreSQL, by multi-row
// INSERT statements on SQLite.
func (t target) insert(ctx context.Context, name string, cols []string, src source) error {
	if t.d == store.Postgres {
		return t.c.Raw(func(dc any) error {
			pc, ok := store.PgxConn(dc)
			if !ok {
				return fmt.Errorf("not a pgx connection: %T", dc)
			}
			_, err := pc.CopyFrom(ctx, pgx.Identifier{name}, cols, src)
			return err
		})
	}
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = quote(c)
	}
	per := max(1, maxParams/len(cols))
	stmt, err := t.c.PrepareContext(ctx, store.InsertRows(quote(name), quoted, per))
	if err != nil {
		return err
	}
	defer stmt.Close()
	// Decoding the rows and inserting them each take about half the time:
	// one goroutine decodes the next batch while this one inserts.
	batches, stop := batched(src, per*len(cols))
	defer stop()
	for b := range batches {
		if len(b) == cap(b) {
			_, err = stmt.ExecContext(ctx, b...)
		} else {
			_, err = t.c.ExecContext(ctx, store.InsertRows(quote(name), quoted, len(b)/len(cols)), b...)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// batched reads src on a goroutine of its own, in batches of size values
// (the last one shorter). stop ends the reading early and waits for the
// goroutine, so that src is the caller's again; after the channel closes,
// src.Err says whether the rows ended or failed.
func batched(src source, size int) (<-chan []any, func()) {
	out := make(chan []any, 1)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		defer close(out)
		b := make([]any, 0, size)
		for src.Next() {
			vals, _ := src.Values()
			b = append(b, vals...)
			if len(b) < size {
				continue
			}
			select {
			case out <- b:
			case <-done:
				return
			}
			b = make([]any, 0, size)
		}
		if len(b) > 0 {
			select {
			case out <- b:
			case <-done:
			}
		}
	}()
	return out, func() {
		close(done)
		<-finished
	}
}

// maxParams bounds the values of one SQLite INSERT: past a couple of
// thousand, longer statements save nothing.
const maxParams = 2000

// nextID moves tb's id counter past its highest id and past next, the
// counter the backup's source had, so that new rows get fresh ids.
func (t target) nextID(ctx context.Context, tb table, next int64) error {
	if c, ok := tb.column("id"); !ok || c.kind != kindInt {
		return nil
	}
	var top sql.NullInt64
	if err := t.c.QueryRowContext(ctx, "SELECT max(id) FROM "+quote(tb.name)).Scan(&top); err != nil {
		return err
	}
	last := max(top.Int64, next-1)
	if last < 1 {
		return nil
	}
	if t.d == store.Postgres {
		var seq sql.NullString
		if err := t.c.QueryRowContext(ctx, `SELECT pg_get_serial_sequence($1, 'id')`, quote(tb.name)).Scan(&seq); err != nil || !seq.Valid {
			return err
		}
		_, err := t.c.ExecContext(ctx, `SELECT setval($1, $2)`, seq.String, last)
		return err
	}
	// Only AUTOINCREMENT tables keep a counter; the others take the
	// highest id plus one, which the rows already set.
	var auto bool
	err := t.c.QueryRowContext(ctx, `SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ? AND sql LIKE '%AUTOINCREMENT%'`, tb.name).Scan(&auto)
	if err != nil || !auto {
		return err
	}
	res, err := t.c.ExecContext(ctx, `UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?`, last, tb.name)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		_, err = t.c.ExecContext(ctx, `INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)`, tb.name, last)
	}
	return err
}

// finish runs after the last row, inside the transaction.
func (t target) finish(ctx context.Context) error {
	if t.d != store.Postgres {
		return nil
	}
	if err := t.restoreKeys(ctx); err != nil {
		return err
	}
	// Fresh statistics, or the planner takes the new tables for empty.
	names := make([]string, len(t.order))
	for i, tb := range t.order {
		names[i] = quote(tb.name)
	}
	start := time.Now()
	if _, err := t.c.ExecContext(ctx, "ANALYZE "+strings.Join(names, ", ")); err != nil {
		return err
	}
	t.log.Info("restore: statistics gathered", "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// q is the session as a store.Querier, for the schema queries.
func (t target) q() store.Querier { return session{t.c, t.d} }

// session runs ?-placeholder queries on one connection.
type session struct {
	c *sql.Conn
	d store.Dialect
}

func (s session) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return s.c.ExecContext(ctx, s.d.Rebind(query), args...)
}

func (s session) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return s.c.QueryContext(ctx, s.d.Rebind(query), args...)
}

func (s session) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return s.c.QueryRowContext(ctx, s.d.Rebind(query), args...)
}

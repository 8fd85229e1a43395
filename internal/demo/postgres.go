package demo

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rapport-crm/rapport/internal/store"
)

// copyLoader writes to PostgreSQL with COPY, through the pgx connection
// under database/sql, all in one transaction so that a failed load leaves
// nothing behind.
//
// As on SQLite, maintaining the indexes row by row (the GIN index on the
// custom fields most of all) costs more than the COPY itself, and so do
// the foreign key checks, which PostgreSQL runs row by row, locking the
// referenced row each time. So a table the load at least doubles has its
// indexes and foreign keys dropped, then built and validated again, each
// in one pass, before the commit. The price is that the table stays
// locked until then: queries on it wait for the load to end, which suits a
// demo workspace.
type copyLoader struct {
	db      *sql.DB
	log     *slog.Logger
	conn    *sql.Conn
	rebuild []string // CREATE INDEX statements of the dropped indexes
	rekey   []string // ALTER TABLE statements restoring the foreign keys
}

func (l *copyLoader) batchRows(table) int { return 1000 }

func (l *copyLoader) begin(ctx context.Context, adding map[string]int) error {
	conn, err := l.db.Conn(ctx)
	if err != nil {
		return err
	}
	// database/sql cannot run COPY inside its own Tx, so the transaction
	// is opened by hand on a connection held for the whole load.
	if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
		conn.Close()
		return err
	}
	l.conn = conn
	for _, t := range bulkTables {
		var n int
		if err := conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+t.name).Scan(&n); err != nil {
			return err
		}
		if adding[t.name] >= n {
			if err := l.dropIndexes(ctx, t.name); err != nil {
				return fmt.Errorf("demo: drop the indexes of %s: %w", t.name, err)
			}
			if err := l.dropForeignKeys(ctx, t.name); err != nil {
				return fmt.Errorf("demo: drop the foreign keys of %s: %w", t.name, err)
			}
		}
	}
	return nil
}

// dropIndexes drops the indexes of table that no constraint owns (keys
// stay), remembering how to build them again.
func (l *copyLoader) dropIndexes(ctx context.Context, table string) error {
	creates, err := dropAll(ctx, l.conn, `SELECT c.relname, pg_get_indexdef(c.oid)
		FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
		WHERE x.indrelid = $1::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid)
		ORDER BY c.relname`, table,
		func(name string) string { return `DROP INDEX "` + name + `"` },
		func(_, def string) string { return def })
	l.rebuild = append(l.rebuild, creates...)
	return err
}

// dropForeignKeys drops the foreign keys of table, remembering how to add
// them again.
func (l *copyLoader) dropForeignKeys(ctx context.Context, table string) error {
	adds, err := dropAll(ctx, l.conn, `SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
		WHERE conrelid = $1::regclass AND contype = 'f' ORDER BY conname`, table,
		func(name string) string { return `ALTER TABLE ` + table + ` DROP CONSTRAINT "` + name + `"` },
		func(name, def string) string { return `ALTER TABLE ` + table + ` ADD CONSTRAINT "` + name + `" ` + def })
	l.rekey = append(l.rekey, adds...)
	return err
}

func (l *copyLoader) load(ctx context.Context, t table, batches <-chan []any, free chan<- []any) (int, error) {
	src := &copySource{batches: batches, free: free, width: len(t.cols), p: newProgress(l.log, t.name)}
	var n int64
	err := l.conn.Raw(func(dc any) error {
		pc, ok := store.PgxConn(dc)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		var err error
		n, err = pc.CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, src)
		return err
	})
	if err == nil {
		src.p.done()
	}
	return int(n), err
}

func (l *copyLoader) commit(ctx context.Context) error {
	start := time.Now()
	// More memory than the default 64 MB lets each index sort in one pass.
	if _, err := l.conn.ExecContext(ctx, "SET LOCAL maintenance_work_mem = '256MB'"); err != nil {
		return err
	}
	// Indexes first: checking a foreign key uses them.
	for _, stmt := range append(l.rebuild, l.rekey...) {
		t0 := time.Now()
		if _, err := l.conn.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("demo: %s: %w", stmt, err)
		}
		l.log.Debug("demo: rebuilt", "sql", stmt, "took", time.Since(t0).Round(time.Millisecond))
	}
	l.log.Info("demo: indexes and foreign keys rebuilt", "took", time.Since(start).Round(time.Millisecond))
	start = time.Now()
	for _, t := range []string{"companies", "contacts", "deals", "deal_stage_history", "activities"} {
		if err := advanceSequence(ctx, l.conn, t); err != nil {
			return err
		}
	}
	_, err := l.conn.ExecContext(ctx, "COMMIT")
	l.conn.Close()
	l.conn = nil
	l.log.Info("demo: committed", "took", time.Since(start).Round(time.Millisecond))
	return err
}

func (l *copyLoader) rollback() {
	if l.conn != nil {
		l.conn.ExecContext(context.Background(), "ROLLBACK")
		l.conn.Close()
		l.conn = nil
	}
}

// copySource feeds batches to pgx's CopyFrom one row at a time.
type copySource struct {
	batches <-chan []any
	free    chan<- []any
	width   int
	cur     []any
	pos     int
	p       *progress
}

func (s *copySource) Next() bool {
	s.pos += s.width
	if s.pos < len(s.cur) {
		return true
	}
	if s.cur != nil {
		s.p.add(len(s.cur) / s.width)
		recycle(s.free, s.cur)
	}
	b, ok := <-s.batches
	s.cur, s.pos = b, 0
	return ok
}

func (s *copySource) Values() ([]any, error) { return s.cur[s.pos : s.pos+s.width], nil }

func (s *copySource) Err() error { return nil }

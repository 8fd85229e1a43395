package demo

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/store"
)

// insertLoader writes to SQLite with multi-row INSERT statements on the
// single writer connection, all in one transaction.
//
// Keeping the tables' secondary indexes up to date row by row is what
// makes a large load slow: every insert lands on a random page of each
// name index, and those pages are written again and again. So when a load
// at least doubles a table, its indexes are dropped first and built again
// at the end, from sorted keys, each page written once. Doing it all in
// one transaction means a load that fails or is killed rolls back
// entirely and never leaves a table without its indexes; readers meanwhile
// keep seeing the database as it was.
type insertLoader struct {
	db      *sql.DB
	d       store.Dialect
	log     *slog.Logger
	tx      *sql.Tx
	rebuild []string // CREATE INDEX statements of the dropped indexes
	cache   string   // the connection's own cache_size, restored after
}

const (
	// maxParams bounds the parameters of one statement: past a couple of
	// thousand, larger statements save nothing, and SQLite's limit is far
	// above.
	maxParams = 2000
	// loadCache is the page cache while rows are inserted (64 MiB): the
	// foreign key checks of the links look companies up at random, and
	// missing the cache doubles the time of that phase. The indexes are
	// rebuilt with the connection's own, smaller cache: measured, SQLite
	// sorts faster in small runs.
	loadCache = "-65536"
)

func (l *insertLoader) batchRows(t table) int { return max(1, maxParams/len(t.cols)) }

func (l *insertLoader) begin(ctx context.Context, adding map[string]int) error {
	if err := l.db.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&l.cache); err != nil {
		return err
	}
	if _, err := l.db.ExecContext(ctx, "PRAGMA cache_size = "+loadCache); err != nil {
		return err
	}
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	l.tx = tx
	for _, t := range bulkTables {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+t.name).Scan(&n); err != nil {
			return err
		}
		if adding[t.name] >= n {
			if err := l.dropIndexes(ctx, t.name); err != nil {
				return fmt.Errorf("demo: drop the indexes of %s: %w", t.name, err)
			}
		}
	}
	return nil
}

// dropIndexes drops the indexes of table that a CREATE INDEX made (not
// those behind its keys), remembering how to build them again.
func (l *insertLoader) dropIndexes(ctx context.Context, table string) error {
	creates, err := store.DropIndexes(ctx, l.tx, table)
	l.rebuild = append(l.rebuild, creates...)
	return err
}

func (l *insertLoader) load(ctx context.Context, t table, batches <-chan []any, free chan<- []any) (int, error) {
	per, width := l.batchRows(t), len(t.cols)
	stmt, err := l.tx.PrepareContext(ctx, store.InsertRows(t.name, t.cols, per))
	if err != nil {
		return 0, err
	}
	defer stmt.Close()
	n := 0
	p := newProgress(l.log, t.name)
	for b := range batches {
		rows := len(b) / width
		if rows == per {
			_, err = stmt.ExecContext(ctx, b...)
		} else {
			_, err = l.tx.ExecContext(ctx, store.InsertRows(t.name, t.cols, rows), b...)
		}
		if err != nil {
			return n, err
		}
		recycle(free, b)
		n += rows
		p.add(rows)
	}
	p.done()
	return n, nil
}

func (l *insertLoader) commit(ctx context.Context) error {
	start := time.Now()
	// The transaction holds the only writer connection, so the pragma goes
	// through it.
	l.restoreCache(l.tx)
	// Each index of a large table takes a while: one line per index
	// shows the phase moving.
	for i, create := range l.rebuild {
		t0 := time.Now()
		if _, err := l.tx.ExecContext(ctx, create); err != nil {
			return fmt.Errorf("demo: rebuild index: %w", err)
		}
		l.log.Info("demo: index built", "index", indexName(create), "n", i+1, "of", len(l.rebuild),
			"took", time.Since(t0).Round(time.Millisecond))
	}
	// The engine gives a scalar custom field an expression index on
	// SQLite when the field is added; the same index, built once here.
	for _, f := range customFields {
		if f.index {
			if _, err := l.tx.ExecContext(ctx, `CREATE INDEX IF NOT EXISTS contacts_cf_`+f.name+` ON contacts (workspace_id, `+
				l.d.JSONPath("custom", f.name, false)+`, id) WHERE deleted_at IS NULL`); err != nil {
				return fmt.Errorf("demo: index custom field %s: %w", f.name, err)
			}
		}
	}
	l.log.Info("demo: indexes built", "took", time.Since(start).Round(time.Millisecond))
	start = time.Now()
	err := l.tx.Commit()
	l.tx = nil
	if err != nil {
		return err
	}
	// The load went through the WAL; fold it into the database and give
	// the disk space back. Readers still on an old snapshot may stop the
	// truncation, which costs only space.
	l.db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	l.log.Info("demo: committed", "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// indexName is the name a CREATE INDEX statement gives its index.
func indexName(create string) string {
	f := strings.Fields(create)
	for i, w := range f {
		if strings.EqualFold(w, "ON") && i > 0 {
			return strings.Trim(f[i-1], `"`)
		}
	}
	return create
}

func (l *insertLoader) rollback() {
	if l.tx != nil {
		l.tx.Rollback()
		l.tx = nil
	}
	l.restoreCache(l.db)
}

// restoreCache gives the shared writer connection back its own cache size.
func (l *insertLoader) restoreCache(q interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}) {
	if l.cache != "" {
		q.ExecContext(context.Background(), "PRAGMA cache_size = "+l.cache)
		l.cache = ""
	}
}

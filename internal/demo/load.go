package demo

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"log/slog"
	"time"

	"github.com/rapport-crm/rapport/internal/store"
)

// table names a table and the columns the generator fills, in row order.
type table struct {
	name string
	cols []string
}

var (
	companiesTable = table{"companies", []string{"workspace_id", "id", "name", "domain", "website", "phones",
		"emails", "address", "industry", "size", "owner_id", "tags", "created_at", "updated_at"}}
	contactsTable = table{"contacts", []string{"workspace_id", "id", "first_name", "last_name", "full_name",
		"emails", "phones", "address", "social_profiles", "job_title", "language", "birthday", "source",
		"owner_id", "tags", "custom", "created_at", "updated_at"}}
	linksTable = table{"contact_companies", []string{"workspace_id", "contact_id", "company_id", "role"}}
)

// bulkTables are the tables the loaders write, whose indexes they may
// drop for the load.
var bulkTables = []table{companiesTable, contactsTable, linksTable, dealsTable, dealContactsTable, historyTable,
	activitiesTable}

// loader writes the demo rows in one transaction: begin, then load once
// per table, then commit or roll back. Demo rows write no outbox events:
// this is a bulk load of invented data, and a million "created" events
// would only flood the audit log, the timeline and the webhooks.
type loader interface {
	// begin starts the transaction; adding is how many rows each table is
	// about to receive.
	begin(ctx context.Context, adding map[string]int) error
	// batchRows is how many rows a batch of t should hold.
	batchRows(t table) int
	// load writes batches of rows, flat slices of len(t.cols) values per
	// row, and hands each written batch back through free.
	load(ctx context.Context, t table, batches <-chan []any, free chan<- []any) (int, error)
	// commit does what the engine would have done had the rows come
	// through it, and commits.
	commit(ctx context.Context) error
	// rollback abandons the load unless it was committed.
	rollback()
}

func newLoader(db *store.DB, log *slog.Logger) loader {
	if db.Dialect == store.Postgres {
		return &copyLoader{db: db.Raw(), log: log}
	}
	return &insertLoader{db: db.Raw(), d: db.Dialect, log: log}
}

// fill generates rows in one goroutine while the loader writes them in
// this one, so that on two cores generating the next batch costs no wall
// time. Only a few batches are ever in flight, however many rows there are.
func fill(ctx context.Context, l loader, t table, rows iter.Seq[[]any]) (int, error) {
	inner, cancel := context.WithCancel(ctx)
	defer cancel()
	size := l.batchRows(t) * len(t.cols)
	batches := make(chan []any, 4)
	free := make(chan []any, 6)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(batches)
		produce(inner, size, rows, batches, free)
	}()
	n, err := l.load(inner, t, batches, free)
	// A failed load stops the producer; a cancelled ctx stops both.
	cancel()
	<-done
	if err != nil {
		return n, fmt.Errorf("demo: load %s: %w", t.name, err)
	}
	return n, ctx.Err()
}

// produce copies rows into batches of size values, reusing the batches the
// loader has finished with.
func produce(ctx context.Context, size int, rows iter.Seq[[]any], out chan<- []any, free <-chan []any) {
	next := func() []any {
		select {
		case b := <-free:
			return b[:0]
		default:
			return make([]any, 0, size)
		}
	}
	b := next()
	for row := range rows {
		b = append(b, row...)
		if len(b) < size {
			continue
		}
		select {
		case out <- b:
		case <-ctx.Done():
			return
		}
		b = next()
	}
	if len(b) > 0 {
		select {
		case out <- b:
		case <-ctx.Done():
		}
	}
}

// recycle hands a written batch back to the producer, dropping its values
// so the strings can be collected.
func recycle(free chan<- []any, b []any) {
	clear(b)
	select {
	case free <- b:
	default:
	}
}

// progress logs every 100,000 rows of a table.
type progress struct {
	log   *slog.Logger
	table string
	start time.Time
	rows  int
	next  int
}

const progressEvery = 100_000

func newProgress(log *slog.Logger, table string) *progress {
	return &progress{log: log, table: table, start: time.Now(), next: progressEvery}
}

// done logs how long the whole table took.
func (p *progress) done() {
	p.log.Info("demo: loaded", "table", p.table, "rows", p.rows, "took", time.Since(p.start).Round(time.Millisecond))
}

func (p *progress) add(n int) {
	p.rows += n
	if p.rows >= p.next {
		p.log.Info("demo: loading", "table", p.table, "rows", p.rows, "elapsed", time.Since(p.start).Round(time.Millisecond))
		p.next += progressEvery
	}
}

// dropAll drops the schema objects (indexes, foreign keys) that list names
// for table, as rows of a name and its definition, with the statement drop
// makes from a name. It returns the statements that rebuild them, made by
// rebuild, for the load to run before it commits. Every name is read
// before the first drop, since dropping changes what list would return.
func dropAll(ctx context.Context, x interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, list, table string, drop func(name string) string, rebuild func(name, def string) string) ([]string, error) {
	rows, err := x.QueryContext(ctx, list, table)
	if err != nil {
		return nil, err
	}
	var names, rebuilds []string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			rows.Close()
			return nil, err
		}
		names = append(names, name)
		rebuilds = append(rebuilds, rebuild(name, def))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, name := range names {
		if _, err := x.ExecContext(ctx, drop(name)); err != nil {
			return rebuilds, err
		}
	}
	return rebuilds, nil
}

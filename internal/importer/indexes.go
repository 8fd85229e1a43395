package importer

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/rapport-crm/rapport/internal/store"
)

// bulkBytes is the file size from which an import on SQLite counts its
// rows first, to decide whether to build the table's indexes at the end
// (about 50,000 rows of a typical contacts file).
var bulkBytes int64 = 4 << 20

// dropIndexes drops, on SQLite, the indexes of the object's table when the
// file holds at least as many rows as the table (store.DropIndexes tells
// why), so that a first import of a large file into an empty workspace
// writes its rows without them. rebuildIndexes builds them again before
// the duplicate work and the commit; a rolled-back import (a dry run, a
// strict refusal, a crash) takes the drop back with everything else.
func (r *run) dropIndexes(ctx context.Context, src io.ReaderAt, size int64) error {
	if r.im.db.Dialect != store.SQLite || size < bulkBytes {
		return nil
	}
	rows := r.opts.Rows
	switch {
	case rows > 0:
	case r.count != nil:
		rows = r.count()
	default:
		rows = countRows(ctx, src, size, r.opts)
	}
	var n int64
	if err := r.q.QueryRowContext(ctx, `SELECT count(*) FROM `+r.obj.Table()).Scan(&n); err != nil {
		return err
	}
	if rows < n {
		return nil
	}
	creates, err := store.DropIndexes(ctx, r.q, r.obj.Table())
	if err != nil {
		return fmt.Errorf("drop the indexes of %s: %w", r.obj.Table(), err)
	}
	r.rebuild = creates
	return nil
}

// rebuildIndexes builds the indexes dropIndexes dropped.
func (r *run) rebuildIndexes(ctx context.Context) error {
	if len(r.rebuild) == 0 {
		return nil
	}
	if r.opts.Phase != nil {
		r.opts.Phase("indexes")
	}
	start := time.Now()
	for _, create := range r.rebuild {
		if _, err := r.q.ExecContext(ctx, create); err != nil {
			return fmt.Errorf("rebuild an index of %s: %w", r.obj.Table(), err)
		}
	}
	r.im.log.InfoContext(ctx, "import: indexes rebuilt", "table", r.obj.Table(), "indexes", len(r.rebuild),
		"took", time.Since(start).Round(time.Millisecond))
	r.rebuild = nil
	return nil
}

// analyzeRows is how many records an import on PostgreSQL must write for
// it to gather the statistics of the tables it grew (a variable for the
// tests).
var analyzeRows = 10000

// analyze gathers, on PostgreSQL, the statistics of the tables a large
// import grew, inside its transaction, which sees its own rows. The
// duplicate work that follows reads them by lists of ids; a planner that
// still took them for empty walked every company for each list of 500
// contacts and looked its links up in the list, some 4 s a list at
// 100,000 rows (decision 0071). The statistics commit with the import.
func (r *run) analyze(ctx context.Context) error {
	if r.im.db.Dialect != store.Postgres || r.sum.Created+r.sum.Updated < analyzeRows {
		return nil
	}
	start := time.Now()
	if _, err := r.q.ExecContext(ctx, `ANALYZE `+r.obj.Table()+`, companies, contact_companies`); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	r.im.log.InfoContext(ctx, "import: statistics gathered", "table", r.obj.Table(), "took", time.Since(start).Round(time.Millisecond))
	return nil
}

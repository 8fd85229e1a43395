package importer

import (
	"context"
	"strconv"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/store"
)

// Cancel stops import id, running in the background in this process: its
// transaction rolls back, so nothing of it is kept, and it is logged as
// cancelled. It waits for the rollback (or for ctx) and returns the log.
// An import that is not running, or that finished before it could be
// stopped, is a conflict: undo it instead.
func (im *Importer) Cancel(ctx context.Context, id string) (*Summary, error) {
	s, err := im.getIn(ctx, id, StatusRunning, "only a running import can be cancelled")
	if err != nil {
		return nil, err
	}
	n, _ := strconv.ParseInt(s.ID, 10, 64)
	im.mu.Lock()
	p := im.running[n]
	im.mu.Unlock()
	if p == nil {
		// Another server process runs it; Recover marks it interrupted
		// if that process is gone.
		return nil, fault.Errorf(fault.ECONFLICT, "import %s runs in another server process, which alone can cancel it", id)
	}
	p.cancelled.Store(true)
	p.cancel()
	select {
	case <-p.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	s, err = im.Get(context.WithoutCancel(ctx), id)
	if err != nil {
		return nil, err
	}
	if s.Status != StatusCancelled {
		return s, fault.Errorf(fault.ECONFLICT, "import %s ended as %s before it could be cancelled", id, words(s.Status))
	}
	return s, nil
}

// getIn reads import id's log, which must have status want: an import in
// any other state is a conflict, said with only (what a control needs).
func (im *Importer) getIn(ctx context.Context, id, want, only string) (*Summary, error) {
	s, err := im.get(ctx, im.db.Read(ctx), id)
	if err != nil {
		return nil, err
	}
	if s.Status != want {
		return nil, fault.Errorf(fault.ECONFLICT, "import %s is %s: %s", id, words(s.Status), only)
	}
	return s, nil
}

func words(status string) string {
	if status == StatusDryRun {
		return "a dry run"
	}
	return status
}

// end logs how a background import ended without committing.
func (im *Importer) end(ctx context.Context, id int64, status, reason string, rows int64) {
	a, _ := access.ActorFrom(ctx)
	err := im.db.Tx(ctx, func(q store.Querier) error {
		_, err := q.ExecContext(ctx, `UPDATE imports SET status = ?, error = ?, rows_read = ?, created = 0, updated = 0, skipped = 0, failed = 0
			WHERE workspace_id = ? AND id = ?`, status, nullable(reason), rows, a.WorkspaceID, id)
		return err
	})
	if err != nil {
		im.log.ErrorContext(ctx, "logging the end of an import", "import", id, "status", status, "err", err)
	}
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Recover marks as interrupted, in every workspace, the imports logged
// as running that no process runs any more: their process ended before
// they did, so their transaction never committed and nothing of them was
// kept. The server calls it at start-up. On PostgreSQL an import that
// another live process runs holds a lock on its log row and is passed
// by; SQLite has one server process, which is starting. An interrupted
// import's file is kept, for Resume; the files no import needs any more
// are removed (sweep). It returns how many it marked.
func (im *Importer) Recover(ctx context.Context) (int64, error) {
	query := `UPDATE imports SET status = ?, error = ? WHERE status = ?`
	args := []any{StatusInterrupted, "the server stopped before the import ended; nothing of it was kept", StatusRunning}
	// This process's own imports are alive, whatever the database says.
	im.mu.Lock()
	for id := range im.running {
		query += ` AND id <> ?`
		args = append(args, id)
	}
	im.mu.Unlock()
	if im.db.Dialect == store.Postgres {
		query += ` AND (workspace_id, id) IN (SELECT workspace_id, id FROM imports WHERE status = 'running' FOR UPDATE SKIP LOCKED)`
	}
	var n int64
	err := im.db.Tx(ctx, func(q store.Querier) error {
		res, err := q.ExecContext(ctx, query, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, err
	}
	return n, im.sweep(ctx)
}

func fmtID(n int64) string { return strconv.FormatInt(n, 10) }

package search

import (
	"context"
	"fmt"
	"time"

	"github.com/rapport-crm/rapport/internal/outbox"
	"github.com/rapport-crm/rapport/internal/store"
)

// rebuildPage is how many records one transaction of a rebuild indexes:
// large enough that a million contacts take a few thousand transactions,
// small enough that SQLite's writer is never held for long.
const rebuildPage = 2000

// Rebuild indexes every contact, company and deal of workspace ws afresh
// and moves the outbox consumer past the events it covered, so that a bulk
// load is not indexed a second time event by event. Records written
// meanwhile are indexed by the consumer from their events.
//
// On SQLite it is one transaction, which holds the single writer
// throughout but lets the full-text table be rebuilt in one pass at the
// end (see search_bulk in the migration). On PostgreSQL each page of
// records commits on its own, so writers are never held up, and searches
// in ws miss the records not yet reached.
func (s *Service) Rebuild(ctx context.Context, ws int64) error {
	c := s.consumer
	c.mu.Lock()
	defer c.mu.Unlock()
	end, err := outbox.SettledEnd(ctx, c.db)
	if err != nil {
		return err
	}
	if s.db.Dialect == store.Postgres {
		err = s.db.Tx(ctx, func(q store.Querier) error { return clearIndex(ctx, q, ws) })
		if err == nil {
			err = s.rebuildPages(ctx, ws)
		}
		if err == nil {
			// Fresh statistics, or the planner may take the index for empty
			// and scan it whole until autovacuum comes by.
			_, err = s.db.Raw().ExecContext(ctx, `ANALYZE search_docs, search_phones`)
		}
	} else {
		err = s.db.Tx(ctx, func(q store.Querier) error {
			return s.rebuildAll(store.Within(ctx, q), q, ws)
		})
	}
	if err != nil {
		return fmt.Errorf("search: rebuild workspace %d: %w", ws, err)
	}
	return c.skipTo(ctx, ws, end)
}

// rebuildAll fills the index of ws in the transaction q with the triggers
// that feed the full-text table stood aside, then rebuilds that table.
func (s *Service) rebuildAll(ctx context.Context, q store.Querier, ws int64) error {
	if _, err := q.ExecContext(ctx, `INSERT INTO search_bulk (started_at) VALUES ('now')`); err != nil {
		return err
	}
	if err := clearIndex(ctx, q, ws); err != nil {
		return err
	}
	if err := s.rebuildPages(ctx, ws); err != nil {
		return err
	}
	for _, st := range []string{`DELETE FROM search_bulk`, `INSERT INTO search_fts (search_fts) VALUES ('rebuild')`} {
		if _, err := q.ExecContext(ctx, st); err != nil {
			return err
		}
	}
	return nil
}

// clearIndex removes the index of workspace ws.
func clearIndex(ctx context.Context, q store.Querier, ws int64) error {
	for _, table := range []string{"search_docs", "search_phones"} {
		if _, err := q.ExecContext(ctx, `DELETE FROM `+table+` WHERE workspace_id = ?`, ws); err != nil {
			return err
		}
	}
	return nil
}

// rebuildPages indexes the records of ws page by page, each page in a
// transaction (or in the one ctx carries). A page may meet documents that
// a consumer of another process wrote meanwhile; theirs are as current,
// and are kept.
func (s *Service) rebuildPages(ctx context.Context, ws int64) error {
	d := s.db.Dialect
	for _, object := range indexed {
		for after := int64(0); ; {
			var docs []*doc
			err := s.db.Tx(ctx, func(q store.Querier) error {
				var err error
				docs, err = load(ctx, q, d, ws, object, selection{after: after, limit: rebuildPage})
				if err != nil {
					return err
				}
				return insert(ctx, q, d, docs, true)
			})
			if err != nil {
				return fmt.Errorf("%s: %w", object, err)
			}
			if len(docs) < rebuildPage {
				break
			}
			after = docs[len(docs)-1].id
		}
	}
	return nil
}

// skipTo moves the consumer past end, skipping the events of ws that a
// rebuild covered. When no other workspace has events in that stretch the
// position jumps there at once; otherwise the batches run, ignoring ws.
// c.mu is held.
func (c *consumer) skipTo(ctx context.Context, ws, end int64) error {
	var jumped bool
	err := c.db.Tx(ctx, func(q store.Querier) error {
		last, err := c.follow.Position(ctx, q)
		if err != nil || last >= end {
			return err
		}
		var others int
		err = q.QueryRowContext(ctx, `SELECT count(*) FROM workspaces w WHERE w.id <> ?
			AND EXISTS (SELECT 1 FROM outbox o WHERE o.workspace_id = w.id AND o.id > ? AND o.id <= ?)`, ws, last, end).Scan(&others)
		if err != nil || others > 0 {
			return err
		}
		jumped = true
		c.follow.Forget()
		return c.follow.Save(ctx, q, last, end, time.Now())
	})
	if err != nil || jumped {
		return err
	}
	if c.skip == nil {
		c.skip = map[int64]int64{}
	}
	c.skip[ws] = max(c.skip[ws], end)
	c.mu.Unlock()
	defer c.mu.Lock()
	return c.catchUp(ctx, end)
}

package outbox_test

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/outbox"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestFollowerRefusesAPositionThatMoved: a position saved from a stale
// read fails, so two consumers of one name never apply a batch twice.
func TestFollowerRefusesAPositionThatMoved(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := outbox.NewFollower("test", db.Dialect, slog.New(slog.DiscardHandler))
		err := db.Tx(ctx, func(q store.Querier) error {
			if err := f.Save(ctx, q, 0, 1, time.Now()); err != nil {
				return err
			}
			return f.Save(ctx, q, 0, 3, time.Now()) // based on a stale read
		})
		if !errors.Is(err, outbox.ErrMoved) {
			t.Fatalf("a stale position was saved: %v", err)
		}
		var last int64
		err = db.Tx(ctx, func(q store.Querier) error {
			if err := f.Save(ctx, q, 0, 1, time.Now()); err != nil {
				return err
			}
			last, err = f.Position(ctx, q)
			return err
		})
		if err != nil || last != 1 {
			t.Fatalf("position %d, %v; want 1", last, err)
		}
	})
}

// TestHoldWaitsForBatches: on PostgreSQL a transaction that holds the
// outbox waits for a consumer's batch under way, and a batch that begins
// while it holds waits for it, so no batch copies an event read before a
// rewrite of the outbox and writes the copy after it.
func TestHoldWaitsForBatches(t *testing.T) {
	t.Parallel()
	if os.Getenv(storetest.EnvPostgres) == "" {
		t.Skip("SQLite runs one writing transaction at a time; set " + storetest.EnvPostgres)
	}
	db := storetest.Postgres(t)
	ctx := context.Background()
	f := outbox.NewFollower("test", db.Dialect, slog.New(slog.DiscardHandler))
	// waitsFor runs first in a transaction of its own and, once it holds
	// its lock, second in another, and reports whether second waited
	// until first's transaction ended.
	waitsFor := func(first, second func(q store.Querier) error) bool {
		t.Helper()
		held, release := make(chan struct{}), make(chan struct{})
		firstDone := make(chan error, 1)
		go func() {
			firstDone <- db.Tx(ctx, func(q store.Querier) error {
				if err := first(q); err != nil {
					return err
				}
				close(held)
				<-release
				return nil
			})
		}()
		<-held
		secondDone := make(chan error, 1)
		go func() { secondDone <- db.Tx(ctx, second) }()
		waited := true
		select {
		case err := <-secondDone:
			waited = false
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(200 * time.Millisecond):
		}
		close(release)
		if err := <-firstDone; err != nil {
			t.Fatal(err)
		}
		if waited {
			if err := <-secondDone; err != nil {
				t.Fatal(err)
			}
		}
		return waited
	}
	batch := func(q store.Querier) error { return f.Begin(ctx, q) }
	hold := func(q store.Querier) error { return outbox.Hold(ctx, q, db.Dialect) }
	if !waitsFor(batch, hold) {
		t.Error("Hold did not wait for a batch under way")
	}
	if !waitsFor(hold, batch) {
		t.Error("a batch did not wait for Hold")
	}
	if waitsFor(batch, batch) {
		t.Error("one batch waited for another")
	}
}

// TestClosedGapSurvivesARolledBackBatch: on PostgreSQL, a batch that
// stepped over a gap whose writer rolled back may itself roll back (store
// runs a batch that collided with another again); the batch after it
// must step over the gap as well, not meet it anew and wait a batch more.
func TestClosedGapSurvivesARolledBackBatch(t *testing.T) {
	t.Parallel()
	if os.Getenv(storetest.EnvPostgres) == "" {
		t.Skip("SQLite's single writer commits ids in order: it has no gaps to wait on; set " + storetest.EnvPostgres)
	}
	db := storetest.Postgres(t)
	ctx := context.Background()
	f := outbox.NewFollower("test", db.Dialect, slog.New(slog.DiscardHandler))
	slow, gap := openEvent(t, db)
	var next int64
	if err := db.Raw().QueryRowContext(ctx, insertEvent).Scan(&next); err != nil {
		t.Fatal(err)
	}
	ready := func(q store.Querier) (int, error) {
		if err := f.Begin(ctx, q); err != nil {
			return 0, err
		}
		return f.Ready(ctx, q, gap-1, []int64{next}, time.Now())
	}
	var n int
	if err := db.Tx(ctx, func(q store.Querier) (err error) { n, err = ready(q); return err }); err != nil || n != 0 {
		t.Fatalf("the first batch over an open gap: %d ready, %v; want 0", n, err)
	}
	slow.Rollback()
	collided := errors.New("collided")
	err := db.Tx(ctx, func(q store.Querier) (err error) {
		if n, err = ready(q); err != nil {
			return err
		}
		return collided // rolled back, as a batch that collided is
	})
	if !errors.Is(err, collided) || n != 1 {
		t.Fatalf("the batch after the rollback: %d ready, %v; want 1", n, err)
	}
	if err := db.Tx(ctx, func(q store.Querier) (err error) { n, err = ready(q); return err }); err != nil || n != 1 {
		t.Fatalf("the batch run again: %d ready, %v; want 1", n, err)
	}
}

// TestGapIgnoresOtherDatabases: the writers a gap waits for are those of
// its own database's outbox. Databases made from one template give their
// outbox tables the same object id, and PostgreSQL lists the locks of
// every database together: a writer of another database's outbox, still
// open, must not keep a gap here open after its own writer rolled back.
func TestGapIgnoresOtherDatabases(t *testing.T) {
	t.Parallel()
	if os.Getenv(storetest.EnvPostgres) == "" {
		t.Skip("SQLite has no gaps to wait on; set " + storetest.EnvPostgres)
	}
	db, other := storetest.Postgres(t), storetest.Postgres(t)
	ctx := context.Background()
	f := outbox.NewFollower("test", db.Dialect, slog.New(slog.DiscardHandler))
	openEvent(t, other) // open to the end of the test
	slow, gap := openEvent(t, db)
	var next int64
	if err := db.Raw().QueryRowContext(ctx, insertEvent).Scan(&next); err != nil {
		t.Fatal(err)
	}
	ready := func() int {
		t.Helper()
		var n int
		err := db.Tx(ctx, func(q store.Querier) (err error) {
			if err := f.Begin(ctx, q); err != nil {
				return err
			}
			n, err = f.Ready(ctx, q, gap-1, []int64{next}, time.Now())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := ready(); n != 0 {
		t.Fatalf("a batch stepped over an open gap: %d ready", n)
	}
	slow.Rollback()
	if n := ready(); n != 1 {
		t.Fatalf("after its writer rolled back, with another database's writer open: %d ready, want 1", n)
	}
}

// insertEvent writes one event of workspace 1 and returns its id.
const insertEvent = `INSERT INTO outbox (workspace_id, object, record_id, action, actor_id, changes, created_at)
	VALUES (1, 'contact', 'r', 'update', 3, '{}', now()) RETURNING id`

// openEvent begins a transaction on db and writes one event in it, left
// open: a writer whose id is a gap until it ends, at the latest when the
// test does.
func openEvent(t *testing.T, db *store.DB) (*sql.Tx, int64) {
	t.Helper()
	tx, err := db.Raw().BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Rollback() })
	var id int64
	if err := tx.QueryRow(insertEvent).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return tx, id
}

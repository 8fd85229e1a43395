package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/mattn/go-sqlite3"

	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// Two transactions that lock two rows in opposite orders deadlock on
// their first attempt; PostgreSQL aborts one of them, and Tx runs it
// again, so both commit and neither caller sees the deadlock.
func TestTxRetriesADeadlock(t *testing.T) {
	db := storetest.Postgres(t)
	ctx := context.Background()
	if _, err := db.Reader().ExecContext(ctx, `INSERT INTO workspaces (id, name) VALUES (2, 'a'), (3, 'b')`); err != nil {
		t.Fatal(err)
	}
	var attempts atomic.Int32
	var bothHoldOne sync.WaitGroup
	bothHoldOne.Add(2)
	lockBoth := func(first, second int64) error {
		firstAttempt := true
		return db.Tx(ctx, func(q store.Querier) error {
			attempts.Add(1)
			if _, err := q.ExecContext(ctx, `UPDATE workspaces SET name = name || '.' WHERE id = ?`, first); err != nil {
				return err
			}
			if firstAttempt {
				firstAttempt = false
				bothHoldOne.Done()
				bothHoldOne.Wait()
			}
			_, err := q.ExecContext(ctx, `UPDATE workspaces SET name = name || '.' WHERE id = ?`, second)
			return err
		})
	}
	errs := make(chan error, 2)
	go func() { errs <- lockBoth(2, 3) }()
	go func() { errs <- lockBoth(3, 2) }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("a transaction failed: %v", err)
		}
	}
	if n := attempts.Load(); n < 3 {
		t.Errorf("%d attempts: the deadlock did not happen, so the test proves nothing", n)
	}
	var names string
	if err := db.Reader().QueryRowContext(ctx, `SELECT string_agg(name, ',' ORDER BY id) FROM workspaces WHERE id IN (2, 3)`).Scan(&names); err != nil {
		t.Fatal(err)
	}
	if names != "a..,b.." {
		t.Errorf("names %q: each row should have been written once per transaction", names)
	}
}

// A transaction that fails for any other reason is not run again.
func TestTxDoesNotRetryOtherErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		n := 0
		err := db.Tx(context.Background(), func(q store.Querier) error {
			n++
			_, err := q.ExecContext(context.Background(), `INSERT INTO workspaces (id, name) VALUES (1, 'again')`)
			return err
		})
		if err == nil || n != 1 {
			t.Errorf("ran %d times, error %v; want once, with the unique violation", n, err)
		}
	})
}

func TestIsRetryable(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{&pgconn.PgError{Code: "40P01"}, true},
		{&pgconn.PgError{Code: "40001"}, true},
		{fmt.Errorf("commit: %w", &pgconn.PgError{Code: "40001"}), true},
		{&pgconn.PgError{Code: "23505"}, false},
		{sqlite3.Error{Code: sqlite3.ErrBusy}, true},
		{sqlite3.Error{Code: sqlite3.ErrLocked}, true},
		{sqlite3.Error{Code: sqlite3.ErrConstraint}, false},
		{errors.New("no"), false},
		{nil, false},
	} {
		if got := store.IsRetryable(c.err); got != c.want {
			t.Errorf("IsRetryable(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

// endless is a query that would run for minutes, or until it is stopped.
var endless = map[string]string{
	"sqlite": `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10000000000) SELECT count(*) FROM c`,
	// A statement no other test runs, so that it can be found in
	// pg_stat_activity.
	"postgres": `SELECT 'endless-query-probe', pg_sleep(600)`,
}

// TestDeadlineStopsQuery checks that a query whose context ends is
// stopped in the database, not merely abandoned by the caller: on SQLite
// the driver interrupts it, on PostgreSQL a cancel request ends it on the
// server, and the connection it ran on serves the next query.
func TestDeadlineStopsQuery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		done := make(chan error, 1)
		go func() {
			var n any
			done <- db.Reader().QueryRowContext(ctx, endless[db.Dialect.Name()]).Scan(&n, &n)
		}()
		select {
		case err := <-done:
			// SQLite reports the deadline; PostgreSQL the cancelled statement.
			if err == nil || !errors.Is(ctx.Err(), context.DeadlineExceeded) {
				t.Fatalf("the query ended with %v before its deadline", err)
			}
		case <-time.After(time.Minute): // a hang detector, not a measure
			t.Fatal("the query ran on past its deadline")
		}
		if db.Dialect == store.Postgres {
			waitStopped(t, db)
		}
		// The pool is whole: every reader connection answers.
		for i := 0; i < db.Readers(); i++ {
			var one int
			if err := db.Reader().QueryRowContext(context.Background(), `SELECT 1`).Scan(&one); err != nil {
				t.Fatalf("query after the cancelled one: %v", err)
			}
		}
	})
}

// waitStopped fails unless PostgreSQL soon stops running the endless
// query. Cutting the connection alone would leave it running for ten
// minutes.
func waitStopped(t *testing.T, db *store.DB) {
	t.Helper()
	for range 100 {
		var running int
		err := db.Reader().QueryRowContext(context.Background(), `SELECT count(*) FROM pg_stat_activity
			WHERE state = 'active' AND query LIKE '%endless-query-probe%' AND pid <> pg_backend_pid()`).Scan(&running)
		if err != nil {
			t.Fatal(err)
		}
		if running == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("PostgreSQL still runs the query whose context ended")
}

// TestPingBesideBusyReaders checks that the readiness probe does not queue
// behind queries that hold every reader connection.
func TestPingBesideBusyReaders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		busy, stop := context.WithCancel(context.Background())
		defer stop()
		for i := 0; i < db.Readers(); i++ {
			go func() { db.Reader().QueryRowContext(busy, endless[db.Dialect.Name()]).Scan() }()
		}
		pool := db.Stats()["read"]
		if pool == nil {
			pool = db.Stats()["main"]
		}
		for i := 0; pool.Stats().InUse < db.Readers(); i++ {
			if i == 1000 {
				t.Fatal("the endless queries did not take every reader")
			}
			time.Sleep(10 * time.Millisecond)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := db.Ping(ctx); err != nil {
			t.Fatalf("ping while every reader is busy: %v", err)
		}
	})
}

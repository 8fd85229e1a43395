package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

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

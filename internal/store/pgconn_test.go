package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestCancelledQueryLeavesNoClosedConnection cancels a query mid-flight on
// PostgreSQL. pgx closes the connection it ran on; the pool must drop it
// then, not keep it among its idle connections for the next caller.
func TestCancelledQueryLeavesNoClosedConnection(t *testing.T) {
	t.Parallel()
	db := storetest.Postgres(t)
	pool := db.Raw()
	pool.SetMaxOpenConns(1) // so that the query runs on the one connection there is
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := pool.ExecContext(ctx, `SELECT pg_sleep(10)`)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("the query was not cancelled: %v", err)
	}
	if s := pool.Stats(); s.OpenConnections != 0 {
		t.Errorf("the pool keeps %d connections (%d idle) after the only one was closed by the cancel", s.OpenConnections, s.Idle)
	}
	var one int
	if err := pool.QueryRowContext(context.Background(), `SELECT 1`).Scan(&one); err != nil || one != 1 {
		t.Fatalf("the next query: %v", err)
	}
}

// TestJITOffUnlessAsked checks the run-time parameter every connection
// sets: PostgreSQL's JIT compiler off, unless the URL turns it on.
func TestJITOffUnlessAsked(t *testing.T) {
	t.Parallel()
	base := storetest.PostgresURL(t)
	for _, c := range []struct{ url, want string }{{base, "off"}, {base + "&jit=on", "on"}} {
		db := storetest.Open(t, c.url, "")
		var got string
		if err := db.Raw().QueryRowContext(context.Background(), `SHOW jit`).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("%s: jit is %q, want %q", c.url, got, c.want)
		}
	}
}

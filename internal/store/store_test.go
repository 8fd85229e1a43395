package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

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

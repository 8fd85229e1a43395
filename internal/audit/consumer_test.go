package audit

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

var quiet = slog.New(slog.DiscardHandler)

const insertEvent = `INSERT INTO outbox (workspace_id, object, record_id, action, actor_id, changes, created_at)
	VALUES (?, 'contact', ?, 'update', 3, '{"x":{"before":1,"after":2}}', ?)`

// addEvents commits n outbox rows, alternating between workspaces 1 and 2.
func addEvents(t *testing.T, db *store.DB, n int) {
	t.Helper()
	ctx := context.Background()
	err := db.Tx(ctx, func(q store.Querier) error {
		for i := 0; i < n; i++ {
			if _, err := q.ExecContext(ctx, insertEvent, 1+i%2, "r", db.Dialect.Time(time.Now())); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// copied returns the outbox ids the audit log holds, in order, failing on
// a duplicate.
func copied(t *testing.T, db *store.DB) []int64 {
	t.Helper()
	rows, err := db.Reader().QueryContext(context.Background(), `SELECT event_id FROM audit_log ORDER BY event_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		if len(ids) > 0 && ids[len(ids)-1] == id {
			t.Errorf("event %d was copied twice", id)
		}
		ids = append(ids, id)
	}
	return ids
}

func TestConsumerResumesAfterARestart(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		addEvents(t, db, 10)
		first := NewConsumer(db, Options{BatchSize: 4, Logger: quiet})
		if n, more, err := first.step(ctx); n != 4 || !more || err != nil {
			t.Fatalf("first batch: %d, %v, %v", n, more, err)
		}
		// The process dies here; a new one starts from the saved position.
		addEvents(t, db, 3)
		n, err := NewConsumer(db, Options{BatchSize: 4, Logger: quiet}).Run(ctx)
		if n != 9 || err != nil {
			t.Fatalf("after the restart: %d, %v; want 9", n, err)
		}
		if ids := copied(t, db); len(ids) != 13 || ids[0] != 1 || ids[12] != 13 {
			t.Errorf("copied %v", ids)
		}
		var ws2 int
		db.Reader().QueryRowContext(ctx, `SELECT count(*) FROM audit_log WHERE workspace_id = 2`).Scan(&ws2)
		if ws2 != 6 {
			t.Errorf("%d entries in workspace 2, want 6", ws2)
		}
	})
}

// TestConsumerWaitsForAGap holds an outbox id in an open PostgreSQL
// transaction while a later one commits, then rolls another back.
func TestConsumerWaitsForAGap(t *testing.T) {
	t.Parallel()
	db := storetest.Postgres(t)
	ctx := context.Background()
	c := NewConsumer(db, Options{Logger: quiet})
	slow := openInsert(t, db) // takes id 1
	addEvents(t, db, 1)       // id 2, committed first
	for i := 0; i < 3; i++ {
		if n, err := c.Run(ctx); n != 0 || err != nil {
			t.Fatalf("run %d copied %d past an open gap, %v", i, n, err)
		}
	}
	if err := slow.Commit(); err != nil {
		t.Fatal(err)
	}
	if n, err := c.Run(ctx); n != 2 || err != nil {
		t.Fatalf("after the commit: %d, %v; want 2", n, err)
	}

	// A long transaction that does not write to the outbox, a bulk load
	// say, must not hold the trail up.
	unrelated, err := db.Raw().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer unrelated.Rollback()
	if _, err := unrelated.Exec(`INSERT INTO workspaces (name) VALUES ('bulk')`); err != nil {
		t.Fatal(err)
	}
	rolledBack := openInsert(t, db) // id 3, never committed
	addEvents(t, db, 1)             // id 4
	if n, err := c.Run(ctx); n != 0 || err != nil {
		t.Fatalf("copied %d past an open gap, %v", n, err)
	}
	rolledBack.Rollback()
	if n, err := c.Run(ctx); n != 1 || err != nil {
		t.Fatalf("after the rollback: %d, %v; want 1", n, err)
	}
	if ids := copied(t, db); len(ids) != 3 || ids[2] != 4 {
		t.Errorf("copied %v, want [1 2 4]", ids)
	}
}

type pending interface {
	Commit() error
	Rollback() error
}

// openInsert inserts an outbox row in a transaction it leaves open.
func openInsert(t *testing.T, db *store.DB) pending {
	t.Helper()
	tx, err := db.Raw().BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Rollback() })
	if _, err := tx.Exec(db.Dialect.Rebind(insertEvent), 1, "slow", time.Now()); err != nil {
		t.Fatal(err)
	}
	return tx
}

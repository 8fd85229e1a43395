package store_test

import (
	"context"
	"testing"

	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

func TestCountQueries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, count := store.CountQueries(context.Background())
		var n int
		if err := db.Reader().QueryRowContext(ctx, `SELECT 1`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		err := db.Tx(ctx, func(q store.Querier) error {
			_, err := q.ExecContext(ctx, `SELECT 1`)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		db.Reader().QueryRowContext(context.Background(), `SELECT 1`).Scan(&n) // not counted
		if count.N() != 2 {
			t.Errorf("counted %d queries, want 2", count.N())
		}
	})
}

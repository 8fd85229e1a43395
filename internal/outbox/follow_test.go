package outbox_test

import (
	"context"
	"errors"
	"log/slog"
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

package records_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// A hook that writes another record through the engine writes it in the
// hook's own write's transaction: on SQLite it would otherwise wait for
// the single writer that its own write holds, and on PostgreSQL its
// record would commit even when the write it belongs to fails. The
// company it makes links the contact being created, which only the
// write's transaction can see yet.
func TestHookWritesThroughTheEngine(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		refuse := false
		v.e.Hook("contacts", records.Hook{After: func(ctx context.Context, w *records.Write) error {
			if w.Action != "create" {
				return nil
			}
			// The hook reads the record being written, too.
			self, err := v.e.Get(ctx, "contacts", w.ID, false)
			if err != nil {
				return err
			}
			_, err = v.e.Create(ctx, "companies", in(t, `{"name": "Company of `+self["first_name"].(string)+`",
				"contacts": [{"id": "`+w.ID+`"}]}`))
			if err == nil && refuse {
				err = fault.Errorf(fault.EINVALID, "refused after the company was made")
			}
			return err
		}})
		// A hook that waited for itself would never return; the deadline
		// turns that into a failure.
		ctx, cancel := context.WithTimeout(v.ctx, 20*time.Second)
		defer cancel()
		c, err := v.e.Create(ctx, "contacts", in(t, `{"first_name": "Ada"}`))
		if err != nil {
			t.Fatalf("create with a hook that writes: %v", err)
		}
		page, err := v.e.List(ctx, "companies", records.Query{})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Data) != 1 || page.Data[0]["name"] != "Company of Ada" {
			t.Fatalf("companies after the create: %v", page.Data)
		}
		if links := v.get("contacts", c["id"].(string))["companies"].([]records.LinkRef); len(links) != 1 {
			t.Errorf("the contact's companies: %v, want the one the hook made", links)
		}

		refuse = true
		before := v.snapshot()
		if _, err := v.e.Create(ctx, "contacts", in(t, `{"first_name": "Bo"}`)); !fault.Is(err, fault.EINVALID) {
			t.Fatalf("a refused write: %v", err)
		}
		if after := v.snapshot(); after != before {
			t.Errorf("a refused write left the hook's record behind:\n%s\n%s", before, after)
		}
	})
}

// Reads through the engine inside store.Within see the transaction's own
// writes, and only that transaction does until it commits.
func TestReadsInsideWithinSeeTheTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		rollBack := errors.New("roll back")
		var id string
		err := db.Tx(v.ctx, func(q store.Querier) error {
			ctx := store.Within(v.ctx, q)
			rec, err := v.e.Create(ctx, "contacts", in(t, `{"first_name": "Ada", "last_name": "Lovelace"}`))
			if err != nil {
				return err
			}
			id = rec["id"].(string)
			got, err := v.e.Get(ctx, "contacts", id, false)
			if err != nil {
				t.Errorf("get inside the transaction: %v", err)
			} else if got["last_name"] != "Lovelace" {
				t.Errorf("get inside the transaction: %v", got)
			}
			page, err := v.e.List(ctx, "contacts", records.Query{Count: true})
			if err != nil {
				return err
			}
			if len(page.Data) != 1 || page.Total == nil || *page.Total != 1 {
				t.Errorf("list inside the transaction: %d rows, total %v", len(page.Data), page.Total)
			}
			if _, err := v.e.Update(ctx, "contacts", id, 1, in(t, `{"first_name": "Augusta"}`)); err != nil {
				t.Errorf("update inside the transaction: %v", err)
			}
			got, err = v.e.Get(ctx, "contacts", id, false)
			if err != nil || got["first_name"] != "Augusta" || got["version"] != int64(2) {
				t.Errorf("the update, read inside the transaction: %v, %v", got, err)
			}
			return rollBack
		})
		if !errors.Is(err, rollBack) {
			t.Fatal(err)
		}
		if _, err := v.e.Get(v.ctx, "contacts", id, true); !fault.Is(err, fault.ENOTFOUND) {
			t.Errorf("after the rollback: %v, want not found", err)
		}
	})
}

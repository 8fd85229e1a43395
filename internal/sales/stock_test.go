package sales_test

import (
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestStockChangeKeepsItsReason checks that an adjustment keeps the reason
// given with its movement, and refuses one that no person would write.
func TestStockChangeKeepsItsReason(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		delta := -2.0
		if _, err := f.svc.ChangeStock(f.admin, f.product, sales.StockChange{Delta: &delta, Reason: "  damaged in transit "}); err != nil {
			t.Fatal(err)
		}
		if n := f.count(`SELECT count(*) FROM stock_movements WHERE workspace_id = 1 AND reason = 'damaged in transit' AND delta = -2`); n != 1 {
			t.Errorf("%d movements keep the reason, want 1", n)
		}
		for _, reason := range []string{strings.Repeat("x", 201), "two\nlines"} {
			_, err := f.svc.ChangeStock(f.admin, f.product, sales.StockChange{Delta: &delta, Reason: reason})
			if fe, ok := err.(*fault.Error); !ok || fe.Code != fault.EINVALID || len(fe.Fields) != 1 || fe.Fields[0].Field != "reason" {
				t.Errorf("the reason %.20q: %v; want an error of the reason", reason, err)
			}
		}
		if got := f.stock(); got != 8 {
			t.Errorf("stock after the changes: %v, want 8", got)
		}
	})
}

func TestStockByWarehouse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		docks, err := f.svc.CreateWarehouse(f.admin, "Docks")
		if err != nil {
			t.Fatal(err)
		}
		three := 3.0
		if _, err := f.svc.ChangeStock(f.admin, f.product, sales.StockChange{WarehouseID: docks.ID, Quantity: &three}); err != nil {
			t.Fatal(err)
		}
		other := f.create(f.admin, "product", `{"name": "Nut"}`)
		got, err := f.svc.StockByWarehouse(f.rep, []string{f.product, other, "not an id"})
		if err != nil {
			t.Fatal(err)
		}
		levels := got[f.product]
		if len(got) != 1 || len(levels) != 2 || levels[0].Quantity != 10 || levels[1].Name != "Docks" || levels[1].Quantity != 3 {
			t.Errorf("stock by warehouse: %+v", got)
		}
	})
}

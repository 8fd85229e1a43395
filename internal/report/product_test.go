package report_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestRevenueByProduct: D1 (€1,000) has items of Widget (100) and Gadget
// (300), so €250 and €750; D5 (€200) one of Widget; D4 (no rate) and the
// lost D2 have none. A deal counts in each of its products' rows and once
// in the total, whose sum is the deals' own. A role that hides the line
// items may not group by product.
func TestRevenueByProduct(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		d := db.Dialect
		created := d.Time(day(2026, 1, 1))
		f.exec(t, `INSERT INTO products (workspace_id, id, name, created_at, updated_at) VALUES (1, 61, 'Widget', ?, ?), (1, 62, 'Gadget', ?, ?)`,
			created, created, created, created)
		item := func(product string, total int) string {
			return `{"product_id": "` + product + `", "name": "old name", "quantity": 1, "total": {"amount": ` +
				itoa(total) + `, "currency": "EUR"}}`
		}
		f.exec(t, `UPDATE deals SET line_items = `+d.JSONIn()+` WHERE workspace_id = 1 AND id = 1`,
			"["+item("61", 10000)+", "+item("62", 30000)+"]")
		f.exec(t, `UPDATE deals SET line_items = `+d.JSONIn()+` WHERE workspace_id = 1 AND id = 5`, "["+item("61", 500)+"]")
		r, err := f.svc.Revenue(f.admin, nov, "product")
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		for _, row := range r.Rows {
			got += row.Key + ":" + row.Label + ":" + itoa(int(row.Won)) + "/" + itoa(int(row.Lost)) + ":" + itoa(int(row.WonSum.Amount)) + " "
		}
		if want := "61:Widget:2/0:45000 ::1/1:0 62:Gadget:1/0:75000 "; got != want {
			t.Errorf("revenue by product\n got %s\nwant %s", got, want)
		}
		if r.Total.Won != 3 || r.Total.Lost != 1 || r.Total.WonSum.Amount != 120000 || r.Total.NewWon+r.Total.RepeatWon != 3 {
			t.Errorf("the total by product: %s", js(t, r.Total))
		}

		roles := access.NewRolePolicy(db)
		sales, err := roles.Role(f.admin, access.RoleSalesperson)
		if err != nil {
			t.Fatal(err)
		}
		spec := sales.Spec()
		spec.Name, spec.Label = "itemless", "Itemless"
		spec.Fields = access.FieldRules{"deal": {"line_items": access.FieldHidden}}
		if _, err := roles.CreateRole(f.admin, spec); err != nil {
			t.Fatal(err)
		}
		id := accesstest.AddUser(t, db, 1, "itemless@report.example", "itemless", 0)
		ctx := access.WithActor(context.Background(), access.Actor{WorkspaceID: 1, UserID: id, Role: "itemless"})
		if _, err := f.svc.Revenue(ctx, nov, "product"); fieldOf(err) != "by" {
			t.Errorf("a role without line items groups by product: %v", err)
		}
	})
}

func itoa(n int) string {
	return strconv.Itoa(n)
}

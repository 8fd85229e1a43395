package sales_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestStageTotalsFollowDeals makes random deal writes through the engine
// (create, move, revalue, win, lose, reopen, delete, restore, purge) and
// checks after each that the kept stage totals equal a count of the deals,
// and that RebuildTotals arrives at the same.
func TestStageTotalsFollowDeals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		reason := f.create(f.admin, "loss_reason", `{"name": "Price"}`)
		r := rand.New(rand.NewPCG(7, 11))
		var deals []string
		for step := range 120 {
			var err error
			switch op := r.IntN(9); {
			case op < 2 || len(deals) == 0:
				deals = append(deals, f.create(f.admin, "deal", fmt.Sprintf(`{"title": "D%d", "stage_id": %q, "value": {"amount": %d, "currency": %q}}`,
					step, f.stages[r.IntN(2)], r.IntN(5000), []string{"EUR", "USD"}[r.IntN(2)])))
			case op == 2:
				_, err = f.update(f.admin, "deal", pick(r, deals), fmt.Sprintf(`{"stage_id": %q}`, f.stages[r.IntN(2)]))
			case op == 3:
				_, err = f.update(f.admin, "deal", pick(r, deals), fmt.Sprintf(`{"value": {"amount": %d, "currency": "EUR"}}`, r.IntN(5000)))
			case op == 4:
				_, err = f.update(f.admin, "deal", pick(r, deals), `{"status": "lost", "loss_reason_id": "`+reason+`"}`)
			case op == 5:
				_, err = f.update(f.admin, "deal", pick(r, deals), `{"status": "open"}`)
			case op == 6:
				err = f.engine.Delete(f.admin, "deal", pick(r, deals), 0)
			case op == 7:
				_, err = f.engine.Restore(f.admin, "deal", pick(r, deals))
			default:
				err = f.engine.Purge(f.admin, "deal", pick(r, deals), 0)
			}
			_ = err // refused writes (a purged deal, a deal not deleted) change nothing, which is checked too
			checkTotals(t, f, step)
		}
		if err := f.svc.RebuildTotals(context.Background(), 1); err != nil {
			t.Fatal(err)
		}
		checkTotals(t, f, -1)
	})
}

func pick(r *rand.Rand, ids []string) string { return ids[r.IntN(len(ids))] }

// checkTotals compares the kept totals with a count of the open deals.
func checkTotals(t *testing.T, f *fixture, step int) {
	t.Helper()
	kept := f.totals(`SELECT stage_id, currency, deals, amount FROM stage_totals WHERE workspace_id = 1 AND deals <> 0`)
	counted := f.totals(`SELECT stage_id, COALESCE(value_currency, ''), count(*), COALESCE(SUM(value_amount), 0) FROM deals
		WHERE workspace_id = 1 AND status = 'open' AND deleted_at IS NULL GROUP BY stage_id, COALESCE(value_currency, '')`)
	if fmt.Sprint(kept) != fmt.Sprint(counted) {
		t.Fatalf("after step %d the kept totals are %v, the deals add up to %v", step, kept, counted)
	}
}

func (f *fixture) totals(query string) map[string][2]int64 {
	f.t.Helper()
	rows, err := f.db.Reader().QueryContext(context.Background(), query)
	if err != nil {
		f.t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][2]int64{}
	for rows.Next() {
		var stage, n, amount int64
		var currency string
		if err := rows.Scan(&stage, &currency, &n, &amount); err != nil {
			f.t.Fatal(err)
		}
		out[fmt.Sprint(stage, "/", currency)] = [2]int64{n, amount}
	}
	return out
}

package sales_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestBoardOf checks the board narrowed to owners and to a text in the
// title: its counts and sums are those of the deals it shows; the
// totals alone leave the deals out; a column pages on by its cursor.
func TestBoardOf(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		admin, rep := strconv.FormatInt(f.adminID, 10), strconv.FormatInt(f.repID, 10)
		deal := func(title, owner string, amount int) {
			f.create(f.admin, "deal", `{"title": "`+title+`", "owner_id": "`+owner+`", "stage_id": "`+f.stages[0]+`",
				"value": {"amount": `+strconv.Itoa(amount)+`, "currency": "EUR"}}`)
		}
		deal("Bolts 100% off", admin, 1000)
		deal("Nuts", admin, 200)
		deal("More bolts", rep, 30)
		cases := []struct {
			name   string
			q      sales.BoardQuery
			count  int64
			amount int64
		}{
			{"everyone", sales.BoardQuery{}, 3, 1230},
			{"the rep", sales.BoardQuery{Owners: []string{rep}}, 1, 30},
			{"both", sales.BoardQuery{Owners: []string{rep, admin}}, 3, 1230},
			{"bolts", sales.BoardQuery{Title: "BOLTS"}, 2, 1030},
			{"a per cent sign is no wildcard", sales.BoardQuery{Title: "100%"}, 1, 1000},
			{"the rep's bolts", sales.BoardQuery{Owners: []string{rep}, Title: "bolt"}, 1, 30},
		}
		for _, c := range cases {
			b, err := f.svc.BoardOf(f.admin, f.pipeline, c.q)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			col := b.Stages[0]
			if col.Count != c.count || col.Total.Amount != c.amount || int64(len(col.Deals)) != c.count {
				t.Errorf("%s: %d deals worth %d with %d cards, want %d worth %d", c.name, col.Count, col.Total.Amount, len(col.Deals), c.count, c.amount)
			}
		}
		totals, err := f.svc.BoardOf(f.admin, f.pipeline, sales.BoardQuery{TotalsOnly: true})
		if err != nil || totals.Stages[0].Count != 3 || len(totals.Stages[0].Deals) != 0 {
			t.Errorf("totals only: %+v, %v", totals.Stages, err)
		}
		for i := range sales.BoardDeals {
			deal("Bulk "+strconv.Itoa(i), admin, 1)
		}
		full, err := f.svc.BoardOf(f.admin, f.pipeline, sales.BoardQuery{})
		if err != nil || full.Stages[0].Next == "" || len(full.Stages[0].Deals) != sales.BoardDeals {
			t.Fatalf("a full column: %d cards, next %q, %v", len(full.Stages[0].Deals), full.Stages[0].Next, err)
		}
		rest, err := f.svc.StageDeals(f.admin, f.stages[0], sales.BoardQuery{}, full.Stages[0].Next)
		if err != nil || len(rest.Data) != 3 || rest.NextCursor != "" {
			t.Errorf("the column's second page: %d cards, next %q, %v", len(rest.Data), rest.NextCursor, err)
		}
		mine, err := f.svc.BoardOf(f.rep, f.pipeline, sales.BoardQuery{})
		if err != nil || mine.Stages[0].Count != 1 || mine.Stages[0].Total.Amount != 30 {
			t.Errorf("the rep's board: %+v, %v", mine.Stages, err)
		}
	})
}

// TestOutcomes checks the deals won and lost since a time: counted and
// summed within the actor's reach and the owners asked for.
func TestOutcomes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		reason := f.create(f.admin, "loss_reason", `{"name": "Price"}`)
		admin, rep := strconv.FormatInt(f.adminID, 10), strconv.FormatInt(f.repID, 10)
		closeDeal := func(owner string, amount int, status string) {
			id := f.create(f.admin, "deal", `{"title": "Deal", "owner_id": "`+owner+`", "value": {"amount": `+strconv.Itoa(amount)+`, "currency": "EUR"}}`)
			body := `{"status": "won"}`
			if status == "lost" {
				body = `{"status": "lost", "loss_reason_id": "` + reason + `"}`
			}
			if _, err := f.update(f.admin, "deal", id, body); err != nil {
				t.Fatal(err)
			}
		}
		closeDeal(admin, 500, "won")
		closeDeal(admin, 70, "lost")
		closeDeal(rep, 40, "won")
		since := time.Now().Add(-time.Hour)
		won, lost, err := f.svc.Outcomes(f.admin, since, nil)
		if err != nil || won.Count != 2 || won.Total.Amount != 540 || lost.Count != 1 || lost.Total.Amount != 70 {
			t.Errorf("the workspace: won %+v, lost %+v, %v", won, lost, err)
		}
		won, lost, err = f.svc.Outcomes(f.admin, since, []string{rep})
		if err != nil || won.Count != 1 || won.Total.Amount != 40 || lost.Count != 0 {
			t.Errorf("the rep's, asked by the administrator: won %+v, lost %+v, %v", won, lost, err)
		}
		won, _, err = f.svc.Outcomes(f.rep, since, nil)
		if err != nil || won.Count != 1 || won.Total.Amount != 40 {
			t.Errorf("the rep's own view: won %+v, %v", won, err)
		}
		won, _, err = f.svc.Outcomes(f.admin, time.Now().Add(time.Hour), nil)
		if err != nil || won.Count != 0 {
			t.Errorf("since a time to come: won %+v, %v", won, err)
		}
	})
}

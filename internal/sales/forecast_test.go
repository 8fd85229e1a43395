package sales_test

import (
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestForecast checks the weighted pipeline (the deal's probability over
// its stage's, the deal's category over its stage's, overdue deals in the
// current month, currencies without a rate listed), a salesperson's share,
// the revenue forecast and its refusal on short history, and bad input.
func TestForecast(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		lead, late := f.stages[0], f.stages[1]
		if _, err := f.update(f.admin, "stages", lead, `{"probability": 20}`); err != nil {
			t.Fatal(err)
		}
		if _, err := f.update(f.admin, "stages", late, `{"probability": 80, "forecast_category": "commit"}`); err != nil {
			t.Fatal(err)
		}
		now := f.now().UTC()
		this := now.Format("2006-01")
		next := time.Date(now.Year(), now.Month()+1, 15, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
		past := now.AddDate(0, -3, 0).Format(time.DateOnly)
		deal := func(owner int64, stage, date, value string, extra string) string {
			return f.create(f.admin, "deal", `{"title": "D", "pipeline_id": "`+f.pipeline+`", "stage_id": "`+stage+`", "owner_id": "`+
				itoa(owner)+`", "expected_close_date": "`+date+`", "value": `+value+extra+`}`)
		}
		deal(f.adminID, lead, next, `{"amount": 10000, "currency": "EUR"}`, "")                                  // 20% pipeline
		deal(f.adminID, lead, next, `{"amount": 10000, "currency": "EUR"}`, `, "probability": 50`)               // own 50%
		deal(f.repID, late, past, `{"amount": 5000, "currency": "EUR"}`, "")                                     // overdue: commit now
		deal(f.adminID, late, next, `{"amount": 4000, "currency": "EUR"}`, `, "forecast_category": "best_case"`) // override
		deal(f.adminID, lead, next, `{"amount": 999, "currency": "USD"}`, "")                                    // no rate

		fc, err := f.svc.Forecast(f.admin, sales.ForecastQuery{Horizon: 3})
		if err != nil {
			t.Fatal(err)
		}
		if len(fc.Months) != 3 || fc.Months[0].Month != this {
			t.Fatalf("months %+v", fc.Months)
		}
		cur, nxt := fc.Months[0].Categories, fc.Months[1].Categories
		if c := cur["commit"]; c.Count != 1 || c.Value != 5000 || c.Weighted != 4000 {
			t.Errorf("overdue commit this month: %+v", c)
		}
		if c := nxt["pipeline"]; c.Count != 3 || c.Value != 20000 || c.Weighted != 2000+5000 {
			t.Errorf("pipeline next month: %+v", c)
		}
		if c := nxt["best_case"]; c.Count != 1 || c.Value != 4000 || c.Weighted != 3200 {
			t.Errorf("best case next month: %+v", c)
		}
		if len(fc.Unconverted) != 1 || fc.Unconverted[0] != "USD" {
			t.Errorf("unconverted %v", fc.Unconverted)
		}
		if !fc.TooShort || len(fc.Revenue) != 0 {
			t.Errorf("no history yet, but a revenue forecast: %+v", fc.Revenue)
		}

		// The salesperson sees their own deal only.
		mine, err := f.svc.Forecast(f.rep, sales.ForecastQuery{Horizon: 3})
		if err != nil {
			t.Fatal(err)
		}
		if c := mine.Months[0].Categories["commit"]; c.Count != 1 || len(mine.Months[1].Categories) != 0 {
			t.Errorf("the salesperson's forecast: %+v", mine.Months)
		}

		// Two years of won deals make a revenue forecast.
		for i := 24; i >= 1; i-- {
			id := deal(f.adminID, lead, next, `{"amount": `+itoa(int64(100000+i*1000))+`, "currency": "EUR"}`, "")
			if _, err := f.update(f.admin, "deals", id, `{"status": "won"}`); err != nil {
				t.Fatal(err)
			}
			closed := time.Date(now.Year(), now.Month()-time.Month(i), 10, 12, 0, 0, 0, time.UTC)
			if err := db.Tx(f.admin, func(q store.Querier) error {
				_, err := q.ExecContext(f.admin, `UPDATE deals SET closed_at = ? WHERE id = ?`, db.Dialect.Time(closed), id)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		fc, err = f.svc.Forecast(f.admin, sales.ForecastQuery{Horizon: 4})
		if err != nil {
			t.Fatal(err)
		}
		if fc.TooShort || len(fc.History) != 24 || len(fc.Revenue) != 4 || fc.Model == "" {
			t.Fatalf("revenue forecast: short %v, %d months, %d points, model %q", fc.TooShort, len(fc.History), len(fc.Revenue), fc.Model)
		}
		for _, p := range fc.Revenue {
			if !(p.Lower95 <= p.Lower80 && p.Lower80 <= p.Mean && p.Mean <= p.Upper80 && p.Upper80 <= p.Upper95) || p.Mean < 50000 || p.Mean > 150000 {
				t.Errorf("revenue point %+v", p)
			}
		}

		// The totals the deal hook keeps agree with a rebuild from the deals,
		// after moves, edits and a deletion.
		moved := deal(f.adminID, lead, next, `{"amount": 700, "currency": "EUR"}`, "")
		if _, err := f.update(f.admin, "deals", moved, `{"stage_id": "`+late+`", "probability": 10, "expected_close_date": "`+past+`"}`); err != nil {
			t.Fatal(err)
		}
		gone := deal(f.repID, lead, next, `{"amount": 300, "currency": "EUR"}`, "")
		if err := f.engine.Delete(f.admin, "deals", gone, 1); err != nil {
			t.Fatal(err)
		}
		kept, err := f.svc.Forecast(f.admin, sales.ForecastQuery{Horizon: 3})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.RebuildTotals(f.admin, 1); err != nil {
			t.Fatal(err)
		}
		rebuilt, err := f.svc.Forecast(f.admin, sales.ForecastQuery{Horizon: 3})
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(kept.Months) != fmt.Sprint(rebuilt.Months) {
			t.Errorf("kept totals %v, rebuilt %v", kept.Months, rebuilt.Months)
		}

		for _, c := range []struct {
			q     sales.ForecastQuery
			field string
		}{
			{sales.ForecastQuery{Horizon: 25}, "horizon"},
			{sales.ForecastQuery{Horizon: -1}, "horizon"},
			{sales.ForecastQuery{Pipeline: "999999"}, "pipeline"},
			{sales.ForecastQuery{Pipeline: "x"}, "pipeline"},
			{sales.ForecastQuery{User: "999999"}, "user"},
			{sales.ForecastQuery{Team: "999999"}, "team"},
		} {
			_, err := f.svc.Forecast(f.admin, c.q)
			var fe *fault.Error
			if !fault.Is(err, fault.EINVALID) || !errors.As(err, &fe) || len(fe.Fields) == 0 || fe.Fields[0].Field != c.field {
				t.Errorf("%+v: %v, want a problem with %s", c.q, err, c.field)
			}
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestCustomReport runs the report builder's endpoint: figures in the base
// currency with the unconverted reported, a salesperson's share only,
// refusals naming the part, and the exports.
func TestCustomReport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFullAPI(t, db)
		admin := f.tokens["admin"]
		_, stages := f.pipeline("Lead", "Won")
		self, out := f.people.ByCls[accesstest.Self], f.people.ByCls[accesstest.Outsider]
		f.made(admin, "POST", "/api/v1/exchange_rates", `{"currency": "USD", "rate": "0.5", "date": "2020-01-01"}`, 201)
		for _, d := range []struct {
			owner          int64
			stage, title   string
			amount         int
			currency, date string
		}{
			{self, stages[0], "=cmd|' /C calc'!A0", 1000, "EUR", "2026-03-04"},
			{self, stages[1], "B", 4000, "USD", "2026-03-20"},
			{out, stages[0], "C", 700, "EUR", "2026-04-09"},
			{out, stages[0], "D", 900, "GBP", "2026-04-10"},
		} {
			f.made(admin, "POST", "/api/v1/deals", fmt.Sprintf(`{"title": %q, "owner_id": "%d", "stage_id": %q,
				"value": {"amount": %d, "currency": %q}, "expected_close_date": %q}`, d.title, d.owner, d.stage, d.amount, d.currency, d.date), 201)
		}
		byStage := `{"object": "deals", "group_by": [{"field": "stage_id"}], "measures": [{"op": "count"}, {"op": "sum", "field": "value"}], "chart": "funnel"}`
		status, text := f.call(admin, "POST", "/api/v1/reports/custom", byStage)
		if status != 200 {
			t.Fatalf("%d %s", status, text)
		}
		var res struct {
			Rows []struct {
				Keys, Labels []string
				Values       []*float64
			}
			Currency    string
			Unconverted []struct {
				Currency string
				Records  int
			}
		}
		if err := json.Unmarshal([]byte(text), &res); err != nil {
			t.Fatal(err)
		}
		got := ""
		for _, r := range res.Rows {
			got += fmt.Sprintf("%s:%v:%v;", r.Labels[0], *r.Values[0], *r.Values[1])
		}
		// Lead: 1000 EUR + 700 EUR, the GBP deal counted but not summed;
		// Won: 4000 USD at 0.5.
		if got != "Lead:3:1700;Won:1:2000;" || res.Currency != "EUR" || len(res.Unconverted) != 1 || res.Unconverted[0].Currency != "GBP" {
			t.Errorf("by stage: %s %s", got, text)
		}

		// A salesperson who reads their own deals and not their titles.
		f.become(access.Role{Name: "seller", Grants: access.Grants{"deal": {"read": "own"}, "pipeline": {"read": "all"}},
			Fields: access.FieldRules{"deal": {"title": "hidden"}}})
		me := f.tokens[accesstest.Self]
		status, text = f.call(me, "POST", "/api/v1/reports/custom", `{"object": "deals", "group_by": [{"field": "owner_id"}, {"field": "expected_close_date", "bucket": "month"}],
			"measures": [{"op": "sum", "field": "value"}]}`)
		if status != 200 || !strings.Contains(text, `"keys":["`+fmt.Sprint(self)+`","2026-03"]`) || strings.Contains(text, `"keys":["`+fmt.Sprint(out)+`"`) ||
			!strings.Contains(text, `"values":[3000]`) {
			t.Errorf("salesperson: %d %s", status, text)
		}
		for _, c := range []struct{ body, field string }{
			{`{"object": "deals", "group_by": [{"field": "title"}], "measures": [{"op": "count"}]}`, "group_by[0].field"},
			{`{"object": "deals", "measures": [{"op": "median", "field": "value"}]}`, "measures[0].op"},
			{`{"object": "deals", "measures": [{"op": "sum", "field": "nope"}]}`, "measures[0].field"},
			{`{"object": "widgets", "measures": [{"op": "count"}]}`, "object"},
			{`{"object": "deals", "measures": [{"op": "count"}], "chart": "radar"}`, "chart"},
			{`{"object": "deals", "measures": [{"op": "count"}], "colour": "red"}`, "colour"},
		} {
			status, text := f.call(me, "POST", "/api/v1/reports/custom", c.body)
			if status != 400 || !strings.Contains(text, `"field":"`+c.field+`"`) {
				t.Errorf("%s: %d %s", c.body, status, text)
			}
		}

		// The exports: a cell that starts like a formula is text.
		status, text = f.call(admin, "POST", "/api/v1/reports/custom?format=csv", `{"object": "deals", "group_by": [{"field": "title"}], "measures": [{"op": "count"}]}`)
		if status != 200 || !strings.HasPrefix(text, "title,count\n") || !strings.Contains(text, "\n'=cmd|' /C calc'!A0,1\n") {
			t.Errorf("csv: %d %s", status, text)
		}
		status, text = f.call(admin, "POST", "/api/v1/reports/custom?format=xlsx", byStage)
		if status != 200 || !strings.HasPrefix(text, "PK") {
			t.Errorf("xlsx: %d %.40q", status, text)
		}
		status, _ = f.call(admin, "POST", "/api/v1/reports/custom?format=pdf", byStage)
		if status != 400 {
			t.Errorf("pdf: %d", status)
		}
	})
}

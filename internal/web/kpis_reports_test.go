package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestReportPagesTakeTheListsDealFilter: a report opened with the deals
// list's filter (f0, o0, v0) or a JSON filter counts only the deals it
// matches, keeps it in its form and offers to drop it; a condition on an
// unknown field is a 400 naming the filter.
func TestReportPagesTakeTheListsDealFilter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		_, stages, _ := a.firstPipeline(ctx)
		for _, d := range []struct {
			title string
			value int64
		}{{"Apples", 77700}, {"Pears", 12300}} {
			won := a.deal(ctx, map[string]any{"title": d.title, "value": gbp(d.value), "owner_id": a.userID(ctx), "stage_id": stages[1]})
			if _, err := a.engine.Update(ctx, "deals", won["id"].(string), 1, map[string]any{"status": "won"}); err != nil {
				t.Fatal(err)
			}
		}
		all := a.get("/reports/revenue?by=month")
		all.want(t, "all deals", http.StatusOK, "£900.00")
		if strings.Contains(all.body, `id="report-deal-filter"`) {
			t.Error("an unfiltered report says it is filtered")
		}
		q := url.Values{"by": {"month"}, "f0": {"title"}, "o0": {"contains"}, "v0": {"Pear"}}
		page := a.get("/reports/revenue?" + q.Encode())
		page.want(t, "the list's filter", http.StatusOK, "£123.00", `id="report-deal-filter"`, `name="f0" value="title"`,
			`href="/reports/revenue?by=month"`)
		if strings.Contains(page.body, "£900.00") || strings.Contains(page.body, "£777.00") {
			t.Error("the filtered report counts the apples")
		}
		js := url.Values{"filter": {`{"field": "title", "op": "eq", "value": "Apples"}`}}
		a.get("/reports/summary?"+js.Encode()).want(t, "a JSON filter", http.StatusOK, "£777.00", `name="filter"`)
		bad := url.Values{"f0": {"galaxy"}, "o0": {"eq"}, "v0": {"x"}}
		a.get("/reports/revenue?"+bad.Encode()).want(t, "an unknown field", http.StatusBadRequest, `id="filter-error"`)
		a.get("/reports/revenue?filter=%7B").want(t, "malformed JSON", http.StatusBadRequest, `id="filter-error"`)
	})
}

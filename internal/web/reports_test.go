package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// The report pages show the deals of the month, a salesperson's only
// theirs, and bad filters beside their inputs.
func TestReportPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		_, stages, _ := a.firstPipeline(ctx)
		sam, err := a.accounts.CreateUser(context.Background(), 1, "sam@example.com", "Sam", "a long secret", "salesperson")
		if err != nil {
			t.Fatal(err)
		}
		won := a.deal(ctx, map[string]any{"title": "Colleague's win", "value": gbp(77700), "owner_id": a.userID(ctx), "stage_id": stages[1]})
		if _, err := a.engine.Update(ctx, "deals", won["id"].(string), 1, map[string]any{"status": "won"}); err != nil {
			t.Fatal(err)
		}
		a.deal(ctx, map[string]any{"title": "Sam's deal", "value": gbp(1200), "owner_id": sam.ID})
		a.get("/reports").want(t, "the hub", http.StatusOK, `href="/reports/funnel"`, `href="/reports/events"`, `href="/reports" aria-current="page"`)
		a.get("/reports/summary").want(t, "the summary", http.StatusOK, "New deals", "£777.00", "Open deals by stage now")
		a.get("/reports/funnel").want(t, "the funnel", http.StatusOK, "Passed", "Cumulative", "100.0 %")
		a.get("/reports/cycle").want(t, "the cycle", http.StatusOK, "Median days")
		a.get("/reports/revenue?by=user").want(t, "revenue by owner", http.StatusOK, "£777.00", "Win rate")
		a.get("/reports/employees").want(t, "by employee", http.StatusOK, "Sam", "£777.00")
		a.get("/reports/events?field=stage_id").want(t, "the events", http.StatusOK, "Events", `name="field"`)
		a.get("/reports/summary?from=2026-11-10&to=2026-11-01").want(t, "from after to", http.StatusBadRequest, `id="to-error"`)
		a.get("/reports/funnel?pipeline=99999").want(t, "an unknown pipeline", http.StatusBadRequest, `id="pipeline-error"`)
		a.get("/reports/revenue?by=galaxy").want(t, "an unknown grouping", http.StatusBadRequest, `id="by-error"`)

		a.client = a.newClient()
		a.post("/signin", url.Values{"email": {"sam@example.com"}, "password": {"a long secret"}}).want(t, "Sam signs in", http.StatusSeeOther)
		for _, path := range []string{"/reports/summary", "/reports/funnel", "/reports/revenue?by=user", "/reports/employees"} {
			page := a.get(path)
			page.want(t, path, http.StatusOK)
			if strings.Contains(page.body, "777.00") {
				t.Errorf("Sam's %s shows the colleague's win", path)
			}
		}
		a.get("/reports/events").want(t, "Sam asks for the events", http.StatusNotFound)
	})
}

package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestForecastPage checks the forecast screen: the administrator's weighted
// pipeline, a salesperson's covering only their deals, and bad filters
// answered 400 with the filter named.
func TestForecastPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		_, stages, _ := a.firstPipeline(ctx)
		sam, err := a.accounts.CreateUser(context.Background(), 1, "sam@example.com", "Sam", "a long secret", "salesperson")
		if err != nil {
			t.Fatal(err)
		}
		next := time.Now().UTC().AddDate(0, 1, 0).Format(time.DateOnly)
		a.deal(ctx, map[string]any{"title": "Colleague's deal", "value": gbp(99900), "owner_id": a.userID(ctx), "stage_id": stages[0],
			"expected_close_date": next, "probability": json.Number("50")})
		a.deal(ctx, map[string]any{"title": "Sam's deal", "value": gbp(1200), "owner_id": sam.ID, "stage_id": stages[0],
			"expected_close_date": next, "probability": json.Number("50"), "forecast_category": "commit"})
		a.get("/reports/forecast").want(t, "the administrator's forecast", http.StatusOK, "Weighted pipeline", "£499.50", "£6.00", "£505.50")
		a.get("/reports/forecast?horizon=99").want(t, "a horizon of 99 months", http.StatusBadRequest, "The horizon must be between 1 and 24 months.")
		a.get("/reports/forecast?pipeline=999999").want(t, "an unknown pipeline", http.StatusBadRequest, "There is no such pipeline.")
		a.get("/reports/forecast?user=999999").want(t, "an unknown user", http.StatusBadRequest, "There is no such user.")
		a.get("/reports/forecast?team=999999").want(t, "an unknown team", http.StatusBadRequest, "There is no such team.")

		a.client = a.newClient()
		a.post("/signin", url.Values{"email": {"sam@example.com"}, "password": {"a long secret"}}).want(t, "Sam signs in", http.StatusSeeOther)
		page := a.get("/reports/forecast")
		page.want(t, "Sam's forecast", http.StatusOK, "£6.00")
		for _, theirs := range []string{"499.50", "999.00", "505.50"} {
			if strings.Contains(page.body, theirs) {
				t.Errorf("Sam's forecast shows %q", theirs)
			}
		}
	})
}

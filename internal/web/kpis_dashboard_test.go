package web_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/activity"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/scores"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
	"github.com/rapport-crm/rapport/internal/value"
	"github.com/rapport-crm/rapport/internal/web"
)

// newKPIApp is newApp with the scores and the customer value wired, as
// rapport serve wires them, for the dashboard's predicted value.
func newKPIApp(t *testing.T, db *store.DB) *app {
	t.Helper()
	clk := &clock{t: time.Now()}
	engine := records.New(db, records.Options{Policy: access.NewRolePolicy(db), PhoneRegion: "GB"})
	box := &outbox{}
	accounts := account.NewWithOptions(db, account.Options{Password: account.PasswordParams{Memory: 64, Time: 1, Threads: 1},
		Now: clk.now, Mail: box})
	quiet := slog.New(slog.DiscardHandler)
	sl := sales.New(db, engine, sales.Options{Logger: quiet})
	s, err := web.New(web.Options{Engine: engine, Accounts: accounts, Log: quiet, DB: db, Sales: sl,
		Activity: activity.New(db, engine, activity.Options{Logger: quiet, PhoneRegion: "GB"}),
		Scores:   scores.New(db, engine, scores.Options{Logger: quiet}),
		Value:    value.New(db, engine, sl, value.Options{Logger: quiet})})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(s.Handler())
	t.Cleanup(srv.Close)
	a := &app{t: t, srv: srv, db: db, engine: engine, accounts: accounts, clock: clk, mail: box}
	a.client = a.newClient()
	return a
}

// TestDashboardShowsPredictedValue: with a fitted model, the contacts' mean
// predicted value shows; without one, "—". (The churn rate keeps "—" on
// the dashboard: its query is too slow for a page at a million contacts.)
func TestDashboardShowsPredictedValue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newKPIApp(t, db)
		a.setUp()
		ctx := a.admin()
		page := a.get("/dashboard")
		page.want(t, "no customers", http.StatusOK, `id="kpi-churn_rate"`, `id="kpi-predicted_ltv"`)
		c, err := a.engine.Create(ctx, "contacts", map[string]any{"first_name": "Idle"})
		if err != nil {
			t.Fatal(err)
		}
		d := a.deal(ctx, map[string]any{"title": "Long ago", "value": gbp(5000), "contacts": []any{map[string]any{"id": c["id"]}}})
		long := db.Dialect.Time(time.Now().Add(-400 * 24 * time.Hour))
		exec := func(q string, args ...any) {
			if _, err := db.Raw().Exec(db.Dialect.Rebind(q), args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		exec(`UPDATE deals SET status = 'won', closed_at = ? WHERE id = ?`, long, d["id"])
		if body := a.get("/dashboard").body; !strings.Contains(body, `id="kpi-predicted_ltv"><dt>`) {
			t.Errorf("the predicted value's tile is missing")
		}
		exec(`UPDATE contacts SET value_purchases = 1, value_total_amount = 5000, clv_value_amount = 4321, clv_value_currency = 'GBP' WHERE id = ?`, c["id"])
		exec(`INSERT INTO value_models (workspace_id, object, fitted_at, customers, repeat_customers, base_currency, params)
			VALUES (1, 'contact', ?, 1, 1, 'GBP', `+db.Dialect.JSONIn()+`)`, long, `{"status": "fitted", "base_currency": "GBP"}`)
		a.get("/dashboard").want(t, "a predicted value", http.StatusOK, "£43.21")
	})
}

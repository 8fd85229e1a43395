package web_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
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
// predicted value shows; without one, "—".
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

// TestDashboardShowsKeptChurnRate: the churn rate tile says it is not
// counted yet, then (once an administrator fits the models from the
// settings) that there is too little history, then the rate as of the
// count in the viewer's scope: a salesperson's own customers, whatever the
// administrator's churned customer (the marker) does to the workspace's.
func TestDashboardShowsKeptChurnRate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newKPIApp(t, db)
		a.setUp()
		ctx := a.admin()
		tile := func(value string) string {
			return `id="kpi-churn_rate"><dt>Churn rate</dt><dd>` + value + `</dd>`
		}
		a.get("/dashboard").want(t, "never counted", http.StatusOK, tile("—"), "Not counted yet")
		train := func() {
			t.Helper()
			a.post("/settings/scores/train", url.Values{"csrf_token": {a.csrf()}}).want(t, "fit the models", http.StatusSeeOther, "/settings/scores")
		}
		train()
		a.get("/dashboard").want(t, "no customer yet", http.StatusOK, tile("—"),
			"Too little history: nobody here has been a customer for 180 days yet")

		sam, err := a.accounts.CreateUser(context.Background(), 1, "sam@example.com", "Sam", "a long secret", "salesperson")
		if err != nil {
			t.Fatal(err)
		}
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.Raw().Exec(db.Dialect.Rebind(q), args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		ago := func(days int) any { return db.Dialect.Time(time.Now().Add(-time.Duration(days) * 24 * time.Hour)) }
		customer := func(name, owner string, noteDaysAgo int) {
			t.Helper()
			c, err := a.engine.Create(ctx, "contacts", map[string]any{"first_name": name, "owner_id": owner})
			if err != nil {
				t.Fatal(err)
			}
			d := a.deal(ctx, map[string]any{"title": name, "owner_id": owner, "contacts": []any{map[string]any{"id": c["id"]}}})
			exec(`UPDATE deals SET status = 'won', closed_at = ? WHERE id = ?`, ago(400), d["id"])
			if noteDaysAgo > 0 {
				exec(`INSERT INTO activities (workspace_id, kind, body, record_type, record_id, occurred_at, created_at, updated_at)
					VALUES (1, 'note', 'x', 'contact', ?, ?, ?, ?)`, c["id"], ago(noteDaysAgo), ago(noteDaysAgo), ago(noteDaysAgo))
			}
		}
		customer("Marker", a.userID(ctx), 0) // the administrator's, churned
		customer("Gone", sam.ID, 0)
		customer("Kept", sam.ID, 5)
		train()
		page := a.get("/dashboard")
		page.want(t, "the workspace's churn rate", http.StatusOK, tile("66.7 %")+`<dd class="kpi-note">as of `)
		a.get("/dashboard?scope=mine").want(t, "the administrator's own", http.StatusOK, tile("100.0 %"))

		a.client = a.newClient()
		a.post("/signin", url.Values{"email": {"sam@example.com"}, "password": {"a long secret"}}).want(t, "Sam signs in", http.StatusSeeOther)
		a.get("/dashboard").want(t, "the salesperson's churn rate", http.StatusOK, tile("50.0 %"))
	})
}

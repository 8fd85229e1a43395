package api_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestMadeUpMethodsDoNotGrowMetrics sends many made-up methods to many
// paths and checks that the number of request series stays where one
// request of each kind put it.
func TestMadeUpMethodsDoNotGrowMetrics(t *testing.T) {
	t.Parallel()
	db := storetest.SQLite(t)
	ctx := context.Background()
	accounts := account.New(db)
	if _, err := accounts.CreateUser(ctx, 1, "admin@example.com", "Admin", "correct horse battery", "administrator"); err != nil {
		t.Fatal(err)
	}
	token, err := accounts.CreateToken(ctx, 1, "admin@example.com", "test", account.ScopeReadWrite, nil)
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	s := &api.Server{Engine: records.New(db, records.Options{}), Accounts: accounts, DB: db, Registry: reg,
		Log: slog.New(slog.DiscardHandler)}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	send := func(i int) {
		for _, path := range []string{"/api/v1/contacts", fmt.Sprintf("/api/v1/contacts/%d", i), "/healthz", fmt.Sprintf("/nowhere/%d", i)} {
			req, _ := http.NewRequest(fmt.Sprintf("MADEUP%d", i), srv.URL+path, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
	}
	send(0)
	before := series(t, reg)
	for i := 1; i <= 100; i++ {
		send(i)
	}
	after := series(t, reg)
	if len(after) != len(before) {
		t.Errorf("%d request series after 100 made-up methods and paths, %d after one:\n%v", len(after), len(before), after)
	}
	if !slices.Contains(after, `method="other" route="/api/v1/" status="404"`) {
		t.Errorf("no series for other methods:\n%v", after)
	}
}

// series lists the label sets of the request counters.
func series(t *testing.T, reg *prometheus.Registry) []string {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range families {
		if f.GetName() != "rapport_http_requests_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			var labels string
			for i, l := range m.GetLabel() {
				if i > 0 {
					labels += " "
				}
				labels += fmt.Sprintf("%s=%q", l.GetName(), l.GetValue())
			}
			out = append(out, labels)
		}
	}
	return out
}

package api

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// BenchmarkAuthenticate measures what authentication adds to a request:
// the middleware around a handler that does nothing, with a bearer token
// and with a session cookie (a write, which checks the CSRF token too),
// against no middleware at all. The last-use and expiry writes happen at
// most once a minute, so the steady state measured here is one indexed
// read per request. docs/BENCHMARKS.md records the figures.
func BenchmarkAuthenticate(b *testing.B) {
	dbs := map[string]func(testing.TB) *store.DB{"sqlite": storetest.SQLite}
	if os.Getenv(storetest.EnvPostgres) != "" {
		dbs["postgres"] = storetest.Postgres
	}
	for name, open := range dbs {
		b.Run(name, func(b *testing.B) { benchmarkAuthenticate(b, open(b)) })
	}
}

func benchmarkAuthenticate(b *testing.B, db *store.DB) {
	ctx := context.Background()
	accounts := account.New(db)
	if _, err := accounts.CreateUser(ctx, 1, "bench@example.com", "Bench", "correct horse battery", "administrator"); err != nil {
		b.Fatal(err)
	}
	token, err := accounts.CreateToken(ctx, 1, "bench@example.com", "bench", account.ScopeReadWrite, nil)
	if err != nil {
		b.Fatal(err)
	}
	sess, _, err := accounts.SignIn(ctx, account.SignIn{Workspace: 1, Email: "bench@example.com", Password: "correct horse battery"})
	if err != nil {
		b.Fatal(err)
	}
	s := &Server{Engine: records.New(db, records.Options{}), Accounts: accounts, DB: db, Log: slog.New(slog.DiscardHandler)}
	s.Handler()
	noop := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	for _, c := range []struct {
		name    string
		handler http.Handler
		prepare func(r *http.Request)
	}{
		{"none", noop, func(*http.Request) {}},
		{"token", s.authenticate(noop), func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }},
		{"session", s.authenticate(noop), func(r *http.Request) {
			r.AddCookie(&http.Cookie{Name: SessionCookie, Value: sess.Secret})
			r.Header.Set(CSRFHeader, sess.CSRFToken)
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				r := httptest.NewRequest("POST", "/api/v1/contacts", nil)
				c.prepare(r)
				w := httptest.NewRecorder()
				c.handler.ServeHTTP(w, r)
				if w.Code != http.StatusNoContent {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
		})
	}
}

package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/audit"
	"github.com/rapport-crm/rapport/internal/jobs"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// startAuditTrail runs the job queue with the audit consumer, as serve
// does, but polling often.
func startAuditTrail(t *testing.T, db *store.DB) {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	q := jobs.New(db, jobs.Options{Workers: 2, Poll: 5 * time.Millisecond, Logger: quiet})
	audit.Register(q, db, audit.Options{ConsumeEvery: 10 * time.Millisecond, Logger: quiet})
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Stop(context.Background()) })
}

// send makes one request with token and returns the status and body.
func send(t *testing.T, e *env, method, path, body, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+e.expand(path), strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

func TestAuditTrailThroughTheAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		startAuditTrail(t, db)
		accounts := account.New(db)
		if _, err := accounts.CreateUser(context.Background(), 1, "sam@example.com", "Sam", "correct horse battery", "salesperson"); err != nil {
			t.Fatal(err)
		}
		sales, err := accounts.CreateToken(context.Background(), 1, "sam@example.com", "test", account.ScopeReadWrite, nil)
		if err != nil {
			t.Fatal(err)
		}
		e.vars["sales"] = sales
		e.run(t, []step{
			{name: "create", method: "POST", path: "/api/v1/contacts", body: `{"first_name": "Grace", "last_name": "Hopper"}`,
				status: 201, save: map[string]string{"contact": "id"}},
			{name: "update", method: "PATCH", path: "/api/v1/contacts/{contact}", body: `{"version": 1, "job_title": "Rear admiral"}`, status: 200},
		})
		// The consumer runs in the background: wait until it has caught up.
		deadline := time.Now().Add(10 * time.Second)
		for {
			_, body := send(t, e, "GET", "/api/v1/audit?object=contact&record_id={contact}&action=update", "", e.token)
			if strings.Contains(body, `"action":"update"`) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the update never reached the audit trail: %s", body)
			}
			time.Sleep(10 * time.Millisecond)
		}
		e.run(t, []step{
			{name: "the record's history", method: "GET", path: "/api/v1/audit?object=contact&record_id={contact}", status: 200,
				contains: []string{`"action":"update"`, `"action":"create"`, `"job_title":{"before":null,"after":"Rear admiral"}`,
					`"record_id":"{contact}"`, `"actor_id":"`}},
			{name: "a page of one", method: "GET", path: "/api/v1/audit?object=contact&limit=1", status: 200,
				contains: []string{`"action":"update"`, `"next_cursor":"`}, absent: []string{`"action":"create"`}},
			{name: "by action", method: "GET", path: "/api/v1/audit?action=delete", status: 200, contains: []string{`"data":[]`}},
			{name: "by user", method: "GET", path: "/api/v1/audit?user_id=999", status: 200, contains: []string{`"data":[]`}},
			{name: "by time", method: "GET", path: "/api/v1/audit?from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z", status: 200,
				contains: []string{`"data":[]`}},
			{name: "bad user", method: "GET", path: "/api/v1/audit?user_id=sam", status: 400, contains: []string{`"field":"user_id"`}},
			{name: "bad time", method: "GET", path: "/api/v1/audit?from=yesterday", status: 400, contains: []string{`"field":"from"`}},
			{name: "bad limit", method: "GET", path: "/api/v1/audit?limit=100000", status: 400, contains: []string{`"field":"limit"`}},
			{name: "bad cursor", method: "GET", path: "/api/v1/audit?cursor=nope", status: 400, contains: []string{`"field":"cursor"`}},
			{name: "unknown filter", method: "GET", path: "/api/v1/audit?usr_id=1", status: 400, contains: []string{`"field":"usr_id"`}},
			{name: "jobs", method: "GET", path: "/api/v1/jobs", status: 200, contains: []string{`"kind":"audit.consume"`}},
			{name: "dead jobs", method: "GET", path: "/api/v1/jobs?status=dead", status: 200, contains: []string{`"data":[]`}},
			{name: "bad status", method: "GET", path: "/api/v1/jobs?status=lost", status: 400, contains: []string{`"field":"status"`}},
			{name: "read-only admin token reads", method: "GET", path: "/api/v1/audit", token: e.rotoken, status: 200},
			{name: "salesperson", method: "GET", path: "/api/v1/audit", token: "{sales}", status: 403},
			{name: "salesperson jobs", method: "GET", path: "/api/v1/jobs?status=dead", token: "{sales}", status: 403},
			{name: "no token", method: "GET", path: "/api/v1/audit", token: "-", status: 401},
		})
	})
}

func TestAuditTrailCannotBeChanged(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	for _, r := range []struct{ method, path string }{
		{"PUT", "/api/v1/audit"}, {"PATCH", "/api/v1/audit"}, {"DELETE", "/api/v1/audit"}, {"POST", "/api/v1/audit"},
		{"PUT", "/api/v1/audit/1"}, {"PATCH", "/api/v1/audit/1"}, {"DELETE", "/api/v1/audit/1"},
		{"DELETE", "/api/v1/jobs"}, {"PATCH", "/api/v1/jobs/1"}, {"DELETE", "/api/v1/jobs/1"},
	} {
		status, body := send(t, e, r.method, r.path, `{"version": 1}`, e.token)
		if status != http.StatusNotFound && status != http.StatusMethodNotAllowed {
			t.Errorf("%s %s: %d %s", r.method, r.path, status, body)
		}
	}
}

package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// env is a running API over a fresh database, with a read-write and a
// read-only token of an administrator.
type env struct {
	srv            *httptest.Server
	token, rotoken string
	db             *store.DB
	vars           map[string]string
}

func newEnv(t *testing.T, db *store.DB) *env {
	t.Helper()
	ctx := context.Background()
	accounts := account.New(db)
	if _, err := accounts.CreateUser(ctx, 1, "admin@example.com", "Admin", "correct horse battery", "administrator"); err != nil {
		t.Fatal(err)
	}
	token, err := accounts.CreateToken(ctx, 1, "admin@example.com", "test", account.ScopeReadWrite, nil)
	if err != nil {
		t.Fatal(err)
	}
	rotoken, err := accounts.CreateToken(ctx, 1, "admin@example.com", "read", account.ScopeRead, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := &api.Server{Engine: records.New(db, records.Options{PhoneRegion: "US"}), Accounts: accounts, DB: db, Version: "test",
		Log: slog.New(slog.DiscardHandler)}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &env{srv: srv, token: token, rotoken: rotoken, db: db, vars: map[string]string{}}
}

// step is one request of a scenario and what its answer must show.
type step struct {
	name     string
	method   string
	path     string
	body     string
	token    string // "" means the read-write token; "-" means none
	header   map[string]string
	status   int
	contains []string
	absent   []string
	save     map[string]string // variable name -> top-level JSON key of the answer
}

func (e *env) expand(s string) string {
	for k, v := range e.vars {
		s = strings.ReplaceAll(s, "{"+k+"}", v)
	}
	return s
}

func (e *env) run(t *testing.T, steps []step) {
	t.Helper()
	for _, st := range steps {
		var body io.Reader
		if st.body != "" {
			body = strings.NewReader(e.expand(st.body))
		}
		req, _ := http.NewRequest(st.method, e.srv.URL+e.expand(st.path), body)
		switch st.token {
		case "":
			req.Header.Set("Authorization", "Bearer "+e.token)
		case "-":
		default:
			req.Header.Set("Authorization", "Bearer "+e.expand(st.token))
		}
		if st.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		for k, v := range st.header {
			req.Header.Set(k, e.expand(v))
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		text := string(raw)
		if resp.StatusCode != st.status {
			t.Fatalf("%s: status %d, want %d\n%s", st.name, resp.StatusCode, st.status, text)
		}
		if resp.StatusCode >= 400 && resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: error content type %q", st.name, resp.Header.Get("Content-Type"))
		}
		for _, c := range st.contains {
			if !strings.Contains(text, e.expand(c)) {
				t.Errorf("%s: answer lacks %q\n%s", st.name, e.expand(c), text)
			}
		}
		for _, c := range st.absent {
			if strings.Contains(text, e.expand(c)) {
				t.Errorf("%s: answer holds %q\n%s", st.name, e.expand(c), text)
			}
		}
		if len(st.save) > 0 {
			var m map[string]any
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			for v, key := range st.save {
				e.vars[v] = jsonText(m[key])
			}
		}
	}
}

func jsonText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func TestScenario(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.run(t, []step{
			{name: "no token", method: "GET", path: "/api/v1/contacts", token: "-", status: 401, contains: []string{`"status":401`}},
			{name: "bad token", method: "GET", path: "/api/v1/contacts", token: "rpt_1_nope", status: 401},
			{name: "token of another workspace", method: "GET", path: "/api/v1/contacts", token: "rpt_2_" + strings.Repeat("a", 43), status: 401},
			{name: "add custom field", method: "POST", path: "/api/v1/fields/contacts",
				body: `{"name":"tier","label":"Tier","type":"select","options":["gold","silver"]}`, status: 201, contains: []string{`"custom":true`}},
			{name: "duplicate custom field", method: "POST", path: "/api/v1/fields/contacts",
				body: `{"name":"tier","type":"text"}`, status: 400, contains: []string{`"field":"name"`, "already exists"}},
			{name: "custom field with unknown key", method: "POST", path: "/api/v1/fields/contacts",
				body: `{"name":"x","type":"text","colour":"red"}`, status: 400, contains: []string{`"field":"colour"`}},
			{name: "custom field of unknown type", method: "POST", path: "/api/v1/fields/contacts",
				body: `{"name":"x","type":"blob"}`, status: 400, contains: []string{`"field":"type"`}},
			{name: "fields list", method: "GET", path: "/api/v1/fields/contacts", status: 200, contains: []string{`"name":"tier"`, `"name":"last_name"`}},
			{name: "create company", method: "POST", path: "/api/v1/companies", body: `{"name":"Acme","website":"acme.example"}`,
				status: 201, contains: []string{`"domain":"acme.example"`}, save: map[string]string{"company": "id"}},
			{name: "create contact", method: "POST", path: "/api/v1/contacts",
				body: `{"first_name":"Zoë","last_name":"Ørsted","tier":"gold","emails":[{"value":"Zoe@Example.com","label":"work"}],
					"phones":["(415) 555-2671"],"companies":[{"id":"{company}","role":"CTO"}]}`,
				status: 201, contains: []string{`"full_name":"Zoë Ørsted"`, `"value":"zoe@example.com"`, `"+14155552671"`, `"role":"CTO"`, `"version":1`},
				save: map[string]string{"contact": "id"}},
			{name: "get", method: "GET", path: "/api/v1/contacts/{contact}", status: 200, contains: []string{`"tier":"gold"`}},
			{name: "filter on custom field", method: "GET", path: "/api/v1/contacts?tier=gold&sort=last_name&count=true", status: 200,
				contains: []string{`"id":"{contact}"`, `"total":1`}},
			{name: "filter op", method: "GET", path: "/api/v1/contacts?last_name[starts_with]=Ør", status: 200, contains: []string{`"id":"{contact}"`}},
			{name: "filter no match", method: "GET", path: "/api/v1/contacts?tier=silver", status: 200, contains: []string{`"data":[]`}},
			{name: "phone typed another way", method: "GET", path: "/api/v1/contacts?phones=%2B1%20415%20555%202671", status: 200, contains: []string{`"id":"{contact}"`}},
			{name: "query body OR", method: "POST", path: "/api/v1/contacts/query",
				body:   `{"filter":{"or":[{"field":"tier","op":"eq","value":"silver"},{"field":"first_name","op":"contains","value":"zo"}]},"count":true}`,
				status: 200, contains: []string{`"total":1`}},
			{name: "query body bad op", method: "POST", path: "/api/v1/contacts/query", body: `{"filter":{"field":"tier","op":"like"}}`,
				status: 400, contains: []string{`"field":"filter.op"`}},
			{name: "filter unknown field", method: "GET", path: "/api/v1/contacts?shoe_size=4", status: 400, contains: []string{"shoe_size"}},
			{name: "filter unknown op", method: "GET", path: "/api/v1/contacts?tier[like]=g", status: 400, contains: []string{"like"}},
			{name: "bad cursor", method: "GET", path: "/api/v1/contacts?cursor=garbage", status: 400, contains: []string{`"field":"cursor"`}},
			{name: "bad limit", method: "GET", path: "/api/v1/contacts?limit=100000", status: 400, contains: []string{`"field":"limit"`}},
			{name: "sort by unknown", method: "GET", path: "/api/v1/contacts?sort=-nope", status: 400, contains: []string{"nope"}},
			{name: "malformed JSON", method: "POST", path: "/api/v1/contacts", body: `{"first_name":`, status: 400, contains: []string{"malformed JSON"}},
			{name: "not an object", method: "POST", path: "/api/v1/contacts", body: `[1]`, status: 400, contains: []string{"JSON object"}},
			{name: "unknown field", method: "POST", path: "/api/v1/contacts", body: `{"first_name":"A","shoe_size":4}`, status: 400,
				contains: []string{`"field":"shoe_size"`}},
			{name: "wrong types", method: "POST", path: "/api/v1/contacts", body: `{"first_name":7,"birthday":"31/12/1990","tier":"bronze"}`,
				status: 400, contains: []string{`"field":"first_name"`, `"field":"birthday"`, `"field":"tier"`}},
			{name: "read-only field", method: "POST", path: "/api/v1/contacts", body: `{"id":"5"}`, status: 400, contains: []string{`"field":"id"`}},
			{name: "missing reference", method: "POST", path: "/api/v1/contacts", body: `{"owner_id":"999999"}`, status: 400, contains: []string{`"field":"owner_id"`}},
			{name: "required company name", method: "POST", path: "/api/v1/companies", body: `{"industry":"x"}`, status: 400, contains: []string{`"field":"name"`}},
			{name: "oversized body", method: "POST", path: "/api/v1/contacts", body: `{"first_name":"` + strings.Repeat("a", api.MaxBody) + `"}`, status: 413},
			{name: "unknown object", method: "GET", path: "/api/v1/widgets", status: 404, contains: []string{"widgets"}},
			{name: "unknown id", method: "GET", path: "/api/v1/contacts/99999999", status: 404},
			{name: "garbage id", method: "GET", path: "/api/v1/contacts/abc", status: 404},
			{name: "update without version", method: "PATCH", path: "/api/v1/contacts/{contact}", body: `{"last_name":"Berg"}`, status: 428,
				contains: []string{`"field":"version"`}},
			{name: "update", method: "PATCH", path: "/api/v1/contacts/{contact}", body: `{"last_name":"Berg","version":1}`, status: 200,
				contains: []string{`"version":2`, `"full_name":"Zoë Berg"`}},
			{name: "stale update", method: "PATCH", path: "/api/v1/contacts/{contact}", body: `{"last_name":"Lost","version":1}`, status: 409},
			{name: "stale update by If-Match", method: "PATCH", path: "/api/v1/contacts/{contact}", body: `{"last_name":"Lost"}`,
				header: map[string]string{"If-Match": `"1"`}, status: 409},
			{name: "stale write was not applied", method: "GET", path: "/api/v1/contacts/{contact}", status: 200, contains: []string{`"last_name":"Berg"`},
				absent: []string{"Lost"}},
			{name: "read-only token cannot write", method: "POST", path: "/api/v1/contacts", body: `{"first_name":"R"}`, token: e.rotoken, status: 403},
			{name: "read-only token reads", method: "GET", path: "/api/v1/contacts/{contact}", token: e.rotoken, status: 200},
			{name: "delete", method: "DELETE", path: "/api/v1/contacts/{contact}", status: 204},
			{name: "deleted is gone", method: "GET", path: "/api/v1/contacts/{contact}", status: 404},
			{name: "trash lists it", method: "GET", path: "/api/v1/contacts?deleted=only", status: 200, contains: []string{`"id":"{contact}"`}},
			{name: "restore", method: "POST", path: "/api/v1/contacts/{contact}/restore", status: 200, contains: []string{`"deleted_at":null`}},
			{name: "company shows linked contact", method: "GET", path: "/api/v1/companies/{company}", status: 200, contains: []string{`"id":"{contact}"`}},
			{name: "stale purge by If-Match", method: "DELETE", path: "/api/v1/contacts/{contact}?permanent=true",
				header: map[string]string{"If-Match": `"1"`}, status: 409, contains: []string{"version 4", "based on version 1"}},
			{name: "a stale purge removes nothing", method: "GET", path: "/api/v1/contacts/{contact}", status: 200},
			{name: "purge", method: "DELETE", path: "/api/v1/contacts/{contact}?permanent=true", header: map[string]string{"If-Match": `"4"`}, status: 204},
			{name: "purged is gone", method: "GET", path: "/api/v1/contacts/{contact}?deleted=include", status: 404},
			{name: "openapi has custom field", method: "GET", path: "/api/v1/openapi.json", status: 200, contains: []string{`"openapi":"3.1.0"`, `"tier"`, `"x-custom":true`}},
			{name: "health", method: "GET", path: "/healthz", token: "-", status: 200},
			{name: "ready", method: "GET", path: "/readyz", token: "-", status: 200},
			{name: "metrics", method: "GET", path: "/metrics", token: "-", status: 200,
				contains: []string{`rapport_http_requests_total{method="POST",route="POST /api/v1/{object}",status="201"}`, "go_sql_open_connections"}},
			{name: "unknown endpoint", method: "GET", path: "/api/v1/contacts/1/nothing", status: 404},
		})
	})
}

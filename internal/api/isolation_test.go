package api_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// side is one workspace of the isolation test, with random data.
type side struct {
	ws        int64
	token     string   // its administrator's
	users     []int64  // its users
	contacts  []string // ids
	companies []string
	fields    []string // custom field names
	relation  string   // a custom relation field to companies, "" if none
	role      string   // a custom role
	markers   []string // text that exists only in this workspace
}

// TestWorkspaceIsolationProperty builds two workspaces of random data and
// aims every API operation of one side's administrator at the other side's
// ids and names: nothing may cross, in either direction, for several
// seeds.
func TestWorkspaceIsolationProperty(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPermAPI(t, db)
		for seed := range uint64(3) {
			r := rand.New(rand.NewPCG(seed, 99))
			a, b := p.side(r, int64(10*seed+10)), p.side(r, int64(10*seed+11))
			p.probe(t, a, b)
			p.probe(t, b, a)
			p.unchanged(t, a)
			p.unchanged(t, b)
		}
	})
}

// side creates workspace ws and fills it through the API.
func (p *permAPI) side(r *rand.Rand, ws int64) *side {
	t := p.t
	accesstest.AddWorkspace(t, p.db, ws)
	s := &side{ws: ws, role: fmt.Sprintf("role_w%d", ws)}
	mark := func(kind string) string {
		m := fmt.Sprintf("W%dx%s%d", ws, kind, r.IntN(1e6))
		s.markers = append(s.markers, m)
		return m
	}
	for i := range 1 + r.IntN(3) {
		email := fmt.Sprintf("%s@w%d.example", strings.ToLower(mark("user")), ws)
		role := access.RoleSalesperson
		if i == 0 {
			role = access.RoleAdministrator
		}
		s.users = append(s.users, accesstest.AddUser(t, p.db, ws, email, role, 0))
		if i == 0 {
			s.token = p.token(ws, email)
		}
	}
	types := []string{"text", "integer", "select", "relation"}
	for i := range 1 + r.IntN(3) {
		name := fmt.Sprintf("cf_w%d_%d", ws, i)
		typ := types[r.IntN(len(types))]
		spec := fmt.Sprintf(`{"name": %q, "type": %q}`, name, typ)
		switch typ {
		case "select":
			spec = fmt.Sprintf(`{"name": %q, "type": "select", "options": [%q]}`, name, mark("opt"))
		case "relation":
			spec = fmt.Sprintf(`{"name": %q, "type": "relation", "target": "company"}`, name)
			s.relation = name
		}
		p.must(s.token, "POST", "/api/v1/fields/contacts", spec, 201)
		s.fields = append(s.fields, name)
		s.markers = append(s.markers, name)
	}
	for range 2 + r.IntN(3) {
		s.companies = append(s.companies, idOf(t, p.must(s.token, "POST", "/api/v1/companies",
			fmt.Sprintf(`{"name": %q, "owner_id": "%d"}`, mark("co"), s.users[r.IntN(len(s.users))]), 201)))
	}
	for range 3 + r.IntN(5) {
		s.contacts = append(s.contacts, idOf(t, p.must(s.token, "POST", "/api/v1/contacts", s.contactBody(r, mark), 201)))
	}
	p.must(s.token, "POST", "/api/v1/roles", fmt.Sprintf(`{"name": %q, "label": %q}`, s.role, mark("role")), 201)
	s.markers = append(s.markers, s.role)
	return s
}

// contactBody is a random contact linked to companies of its side.
func (s *side) contactBody(r *rand.Rand, mark func(string) string) string {
	m := map[string]any{"first_name": mark("first"), "last_name": mark("last"), "owner_id": fmt.Sprint(s.users[r.IntN(len(s.users))]),
		"companies": []map[string]string{{"id": s.companies[r.IntN(len(s.companies))], "role": mark("title")}}}
	if s.relation != "" {
		m[s.relation] = s.companies[r.IntN(len(s.companies))]
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// must makes a request that has to answer status, and returns the body.
func (p *permAPI) must(token, method, path, body string, status int) string {
	p.t.Helper()
	got, text := p.call(token, method, path, body)
	if got != status {
		p.t.Fatalf("%s %s: %d, want %d\n%s", method, path, got, status, text)
	}
	return text
}

// probe aims a's administrator at b's data.
func (p *permAPI) probe(t *testing.T, a, b *side) {
	t.Helper()
	type req struct {
		method, path, body string
		status             int
	}
	var reqs []req
	for object, ids := range map[string][]string{"contacts": b.contacts, "companies": b.companies} {
		for _, id := range ids {
			path := "/api/v1/" + object + "/" + id
			reqs = append(reqs,
				req{"GET", path, "", 404},
				req{"GET", path + "?deleted=include", "", 404},
				req{"PATCH", path, `{"tags": ["x"], "version": 1}`, 404},
				req{"DELETE", path, "", 404},
				req{"DELETE", path + "?permanent=true", "", 404},
				req{"POST", path + "/restore", "", 404},
				req{"GET", "/api/v1/" + object + "?id=" + id + "&deleted=include&count=true", "", 200},
				req{"POST", "/api/v1/" + object + "/query", fmt.Sprintf(`{"filter": {"field": "id", "op": "in", "value": [%q]}, "count": true}`, id), 200},
			)
		}
	}
	for _, id := range b.contacts {
		reqs = append(reqs, req{"GET", "/api/v1/companies?contacts=" + id + "&count=true", "", 200},
			req{"POST", "/api/v1/companies", fmt.Sprintf(`{"name": "probe", "contacts": [%q]}`, id), 400})
	}
	for _, id := range b.companies {
		reqs = append(reqs, req{"GET", "/api/v1/contacts?companies=" + id + "&count=true", "", 200},
			req{"POST", "/api/v1/contacts", fmt.Sprintf(`{"first_name": "probe", "companies": [%q]}`, id), 400},
			req{"PATCH", "/api/v1/contacts/" + a.contacts[0], fmt.Sprintf(`{"companies": [%q]}`, id), 400})
		if a.relation != "" {
			reqs = append(reqs, req{"POST", "/api/v1/contacts", fmt.Sprintf(`{"first_name": "probe", %q: %q}`, a.relation, id), 400})
		}
	}
	for _, u := range b.users {
		reqs = append(reqs, req{"POST", "/api/v1/contacts", fmt.Sprintf(`{"first_name": "probe", "owner_id": "%d"}`, u), 400},
			req{"GET", fmt.Sprintf("/api/v1/contacts?owner_id=%d&count=true", u), "", 200})
	}
	for _, f := range b.fields {
		reqs = append(reqs, req{"GET", "/api/v1/contacts?" + f + "=1", "", 400},
			req{"GET", "/api/v1/contacts?sort=" + f, "", 400},
			req{"POST", "/api/v1/contacts", fmt.Sprintf(`{"first_name": "probe", %q: "1"}`, f), 400})
	}
	reqs = append(reqs,
		req{"GET", "/api/v1/roles/" + b.role, "", 404},
		req{"PATCH", "/api/v1/roles/" + b.role, `{"label": "taken"}`, 404},
		req{"DELETE", "/api/v1/roles/" + b.role, "", 404},
		req{"GET", "/api/v1/roles", "", 200},
		req{"GET", "/api/v1/fields/contacts", "", 200},
		req{"GET", "/api/v1/fields/companies", "", 200},
		req{"GET", "/api/v1/openapi.json", "", 200},
		req{"GET", "/api/v1/contacts?limit=500&deleted=include", "", 200},
		req{"GET", "/api/v1/companies?limit=500&deleted=include", "", 200},
	)
	for _, rq := range reqs {
		status, text := p.call(a.token, rq.method, rq.path, rq.body, "If-Match", `"1"`)
		if status != rq.status {
			t.Errorf("workspace %d: %s %s: %d, want %d\n%s", a.ws, rq.method, rq.path, status, rq.status, text)
		}
		if strings.Contains(rq.path, "count=true") || strings.Contains(rq.body, `"count"`) {
			if ids, total := pageIDs(t, text); len(ids) != 0 || total != 0 {
				t.Errorf("workspace %d: %s %s finds %q", a.ws, rq.method, rq.path, ids)
			}
		}
		for _, m := range b.markers {
			// A name the request itself carries may be echoed back.
			if strings.Contains(text, m) && !strings.Contains(rq.path+rq.body, m) {
				t.Errorf("workspace %d: %s %s shows %q of workspace %d\n%s", a.ws, rq.method, rq.path, m, b.ws, text)
			}
		}
	}
}

// unchanged checks that s's records are all still there at version 1.
func (p *permAPI) unchanged(t *testing.T, s *side) {
	t.Helper()
	for object, ids := range map[string][]string{"contacts": s.contacts, "companies": s.companies} {
		got, total := pageIDs(t, p.must(s.token, "GET", "/api/v1/"+object+"?limit=500&count=true", "", 200))
		if total != len(ids) {
			t.Errorf("workspace %d has %d %s, want %d: %q", s.ws, total, object, len(ids), got)
		}
		for _, id := range ids {
			if v := p.must(s.token, "GET", "/api/v1/"+object+"/"+id, "", 200); !strings.Contains(v, `"version":1`) {
				t.Errorf("workspace %d %s %s changed: %s", s.ws, object, id, v)
			}
		}
	}
}

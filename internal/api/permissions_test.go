package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/importer"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// permAPI is a running API whose engine grants by role, with tokens for
// the people of accesstest.Setup.
type permAPI struct {
	t        testing.TB
	db       *store.DB
	srv      *httptest.Server
	pol      *access.RolePolicy
	engine   *records.Engine
	accounts *account.Service
	people   accesstest.People
	tokens   map[string]string // by accesstest class, and "admin"
	files    string            // where the importer keeps its files
}

func newPermAPI(t testing.TB, db *store.DB) *permAPI {
	t.Helper()
	pol := access.NewRolePolicy(db)
	engine := records.New(db, records.Options{Policy: pol, PhoneRegion: "US", Logger: slog.New(slog.DiscardHandler)})
	accounts := account.New(db)
	imports, files := importer.New(db, engine, slog.New(slog.DiscardHandler)), t.TempDir()
	if err := imports.KeepFiles(files); err != nil {
		t.Fatal(err)
	}
	s := &api.Server{Engine: engine, Accounts: accounts, DB: db, Version: "test", Log: slog.New(slog.DiscardHandler), Imports: imports}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	p := &permAPI{t: t, db: db, srv: srv, pol: pol, engine: engine, accounts: accounts, tokens: map[string]string{}, files: files}
	p.people = accesstest.Setup(t, db, 1)
	for who, email := range p.people.Email {
		p.tokens[who] = p.token(1, email)
	}
	return p
}

func (p *permAPI) token(ws int64, email string) string {
	p.t.Helper()
	tok, err := p.accounts.CreateToken(context.Background(), ws, email, "test", account.ScopeReadWrite, nil)
	if err != nil {
		p.t.Fatal(err)
	}
	return tok
}

// call makes one request and returns the status and body.
func (p *permAPI) call(token, method, path, body string, header ...string) (int, string) {
	p.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, p.srv.URL+path, r)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

// become gives the actor role r, creating it first (through the API, as
// an administrator) unless it is built in.
func (p *permAPI) become(r access.Role) {
	p.t.Helper()
	if !r.Builtin {
		body, _ := json.Marshal(r.Spec())
		if status, text := p.call(p.tokens["admin"], "POST", "/api/v1/roles", string(body)); status != 201 && status != 400 {
			p.t.Fatalf("create role %s: %d %s", r.Name, status, text)
		}
	}
	accesstest.SetRole(p.t, p.db, 1, p.people.Actor(), r.Name)
	p.pol.Invalidate(1)
}

// plant creates, as the administrator, one record of object per kind of
// owner, tagged tag.
func (p *permAPI) plant(object, tag string) map[string]string {
	p.t.Helper()
	ctx := access.WithActor(context.Background(), access.Actor{WorkspaceID: 1, UserID: p.people.Admin})
	ids := map[string]string{}
	for _, cls := range accesstest.Classes {
		in, _ := records.DecodeInput([]byte(body(object, fmt.Sprintf(`"owner_id": "%d", "tags": [%q]`, p.people.ByCls[cls], tag))))
		rec, err := p.engine.Create(ctx, object, in)
		if err != nil {
			p.t.Fatal(err)
		}
		ids[cls] = rec["id"].(string)
	}
	return ids
}

func body(object, extra string) string {
	name := `"first_name": "P"`
	if object == "company" {
		name = `"name": "P"`
	}
	if extra != "" {
		name += ", " + extra
	}
	return "{" + name + "}"
}

var plurals = map[string]string{"contact": "contacts", "company": "companies"}

// statusOf is the status an outcome has for an action.
func statusOf(outcome string, act access.Action) int {
	switch outcome {
	case accesstest.Forbidden:
		return 403
	case accesstest.NotFound:
		return 404
	}
	return map[access.Action]int{access.Create: 201, access.Read: 200, access.Update: 200, access.Delete: 204}[act]
}

// TestPermissionMatrixAPI runs the permission matrix through HTTP.
func TestPermissionMatrixAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPermAPI(t, db)
		actor := p.tokens[accesstest.Self]
		for i, c := range accesstest.Cases() {
			p.become(c.Role)
			name := fmt.Sprintf("%s %s %s", c.Role.Name, c.Act, c.Object)
			path := "/api/v1/" + plurals[c.Object]
			if c.Act == access.Create {
				for _, cls := range append(slices.Clone(accesstest.Classes), "") {
					extra, who := "", accesstest.Self
					if cls != "" {
						extra, who = fmt.Sprintf(`"owner_id": "%d"`, p.people.ByCls[cls]), cls
					}
					status, text := p.call(actor, "POST", path, body(c.Object, extra))
					if want := statusOf(accesstest.Outcome(c.Role, c.Object, c.Act, who), c.Act); status != want {
						t.Errorf("%s owned by %q: %d, want %d\n%s", name, cls, status, want, text)
					}
				}
				continue
			}
			tag := fmt.Sprintf("case%d", i)
			ids := p.plant(c.Object, tag)
			for _, cls := range accesstest.Classes {
				var status int
				var text string
				switch c.Act {
				case access.Read:
					status, text = p.call(actor, "GET", path+"/"+ids[cls], "")
				case access.Update:
					status, text = p.call(actor, "PATCH", path+"/"+ids[cls], `{"website": "https://changed.example", "version": 1}`)
				case access.Delete:
					status, text = p.call(actor, "DELETE", path+"/"+ids[cls], "", "If-Match", `"1"`)
				}
				if want := statusOf(accesstest.Outcome(c.Role, c.Object, c.Act, cls), c.Act); status != want {
					t.Errorf("%s on a record of %s: %d, want %d\n%s", name, cls, status, want, text)
				}
			}
			if c.Act == access.Read {
				p.checkList(t, name, c, path, tag, ids)
			}
		}
	})
}

// checkList checks a list, a query and their counts against the read
// scope.
func (p *permAPI) checkList(t *testing.T, name string, c accesstest.Case, path, tag string, ids map[string]string) {
	t.Helper()
	scope := c.Role.Scope(c.Object, access.Read)
	var want []string
	for _, cls := range accesstest.Classes {
		if accesstest.Reaches(scope, cls) {
			want = append(want, ids[cls])
		}
	}
	slices.Sort(want)
	for _, req := range [][2]string{
		{"GET", path + "?tags=" + tag + "&count=true&sort=id"},
		{"POST", path + "/query"},
	} {
		q := ""
		if req[0] == "POST" {
			q = fmt.Sprintf(`{"filter": {"field": "tags", "value": %q}, "count": true}`, tag)
		}
		status, text := p.call(p.tokens[accesstest.Self], req[0], req[1], q)
		if scope == access.None {
			if status != 403 {
				t.Errorf("%s: %s %s without a read grant: %d", name, req[0], req[1], status)
			}
			continue
		}
		got, total := pageIDs(t, text)
		if status != 200 || !slices.Equal(got, want) || total != len(want) {
			t.Errorf("%s: %s %s holds %q (total %d), want %q\n%s", name, req[0], req[1], got, total, want, text)
		}
	}
}

// pageIDs returns the sorted ids and the total of a page.
func pageIDs(t testing.TB, text string) ([]string, int) {
	t.Helper()
	var page struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
		Total *int `json:"total"`
	}
	if err := json.Unmarshal([]byte(text), &page); err != nil {
		t.Fatalf("%v: %s", err, text)
	}
	var ids []string
	for _, r := range page.Data {
		ids = append(ids, r.ID)
	}
	slices.Sort(ids)
	total := -1
	if page.Total != nil {
		total = *page.Total
	}
	return ids, total
}

// TestSalespersonCannotSeeColleague tries every way a salesperson's token
// could reach a colleague's contact.
func TestSalespersonCannotSeeColleague(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPermAPI(t, db)
		p.become(access.BuiltinRoles()[2]) // salesperson
		admin, me := p.tokens["admin"], p.tokens[accesstest.Self]
		mate := p.people.ByCls[accesstest.Teammate]
		_, text := p.call(admin, "POST", "/api/v1/contacts", fmt.Sprintf(`{"first_name": "Secretia", "last_name": "Hidden", "owner_id": "%d"}`, mate))
		theirs := idOf(t, text)
		_, text = p.call(me, "POST", "/api/v1/contacts", `{"first_name": "Mine", "last_name": "Own"}`)
		mine := idOf(t, text)
		_, text = p.call(me, "POST", "/api/v1/companies", fmt.Sprintf(`{"name": "Shared", "contacts": [%q]}`, mine))
		company := idOf(t, text)
		// The administrator links the colleague's contact to the salesperson's company.
		if status, text := p.call(admin, "PATCH", "/api/v1/companies/"+company, fmt.Sprintf(`{"contacts": [%q, %q], "version": 1}`, mine, theirs)); status != 200 {
			t.Fatalf("link: %d %s", status, text)
		}
		for _, c := range []struct {
			method, path, body string
			status             int
		}{
			{"GET", "/api/v1/contacts/" + theirs, "", 404},
			{"GET", "/api/v1/contacts/" + theirs + "?deleted=include", "", 404},
			{"PATCH", "/api/v1/contacts/" + theirs, `{"first_name": "X", "version": 1}`, 404},
			{"DELETE", "/api/v1/contacts/" + theirs, "", 404},
			{"DELETE", "/api/v1/contacts/" + theirs + "?permanent=true", "", 404},
			{"POST", "/api/v1/contacts/" + theirs + "/restore", "", 404},
			{"GET", "/api/v1/contacts?count=true", "", 200},
			{"GET", "/api/v1/contacts?id=" + theirs + "&count=true", "", 200},
			{"GET", "/api/v1/contacts?deleted=include&count=true", "", 200},
			{"GET", "/api/v1/contacts?first_name[starts_with]=Secret", "", 200},
			{"POST", "/api/v1/contacts/query", fmt.Sprintf(`{"filter": {"or": [{"field": "id", "value": %q}, {"field": "last_name", "value": "Hidden"}]}, "count": true}`, theirs), 200},
			{"GET", "/api/v1/companies/" + company, "", 200},
			{"GET", "/api/v1/companies?contacts=" + theirs, "", 200},
			{"GET", "/api/v1/companies?count=true", "", 200},
			{"POST", "/api/v1/companies", fmt.Sprintf(`{"name": "Probe", "contacts": [%q]}`, theirs), 400},
			{"GET", "/api/v1/openapi.json", "", 200},
			{"GET", "/api/v1/fields/contacts", "", 200},
		} {
			status, text := p.call(me, c.method, c.path, c.body, "If-Match", `"1"`)
			if status != c.status {
				t.Errorf("%s %s: %d, want %d\n%s", c.method, c.path, status, c.status, text)
			}
			if slices.Contains(contactIDs(text), theirs) {
				t.Errorf("%s %s shows the colleague's contact\n%s", c.method, c.path, text)
			}
			for _, secret := range []string{"Secretia", "Hidden"} {
				if strings.Contains(text, secret) {
					t.Errorf("%s %s shows %q\n%s", c.method, c.path, secret, text)
				}
			}
			if strings.Contains(c.path, "count=true") || strings.Contains(c.body, "count") {
				if _, total := pageIDs(t, text); total > 1 {
					t.Errorf("%s %s counts %d", c.method, c.path, total)
				}
			}
		}
		// The answer to a missing id and to the colleague's id is the same.
		_, a := p.call(me, "GET", "/api/v1/contacts/"+theirs, "")
		_, b := p.call(me, "GET", "/api/v1/contacts/99999999", "")
		if strip(a, theirs) != strip(b, "99999999") {
			t.Errorf("a colleague's contact answers\n%s\nand a missing one\n%s", a, b)
		}
	})
}

func idOf(t testing.TB, text string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(text), &m); err != nil || m["id"] == nil {
		t.Fatalf("no id in %s", text)
	}
	return m["id"].(string)
}

// strip removes what differs between two problems by nature: the id or
// name asked for, and the request id.
func strip(text, id string) string {
	var v any
	json.Unmarshal([]byte(text), &v)
	if m, ok := v.(map[string]any); ok {
		delete(m, "request_id")
	}
	b, _ := json.Marshal(replaceID(v, id))
	return string(b)
}

func replaceID(v any, id string) any {
	switch x := v.(type) {
	case string:
		if x == id {
			return "ID"
		}
		if rest, ok := strings.CutPrefix(x, id+"["); ok { // a query parameter: name[op]
			return "ID[" + rest
		}
		return strings.NewReplacer(`"`+id+`"`, `"ID"`, "/"+id, "/ID").Replace(x)
	case map[string]any:
		for k, e := range x {
			x[k] = replaceID(e, id)
		}
	case []any:
		for i, e := range x {
			x[i] = replaceID(e, id)
		}
	}
	return v
}

// contactIDs returns the ids of every contact an answer shows: records
// with a first name, and the links in a company's contacts.
func contactIDs(text string) []string {
	var ids []string
	var walk func(v any, inContacts bool)
	walk = func(v any, inContacts bool) {
		switch x := v.(type) {
		case map[string]any:
			if _, isContact := x["first_name"]; isContact || inContacts {
				if id, ok := x["id"].(string); ok {
					ids = append(ids, id)
				}
			}
			for k, e := range x {
				walk(e, k == "contacts")
			}
		case []any:
			for _, e := range x {
				walk(e, inContacts)
			}
		}
	}
	var v any
	json.Unmarshal([]byte(text), &v)
	walk(v, false)
	return ids
}

// TestFieldRulesAPI checks hidden and read-only fields through every
// endpoint that shows or takes fields.
func TestFieldRulesAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPermAPI(t, db)
		admin, me := p.tokens["admin"], p.tokens[accesstest.Self]
		if status, text := p.call(admin, "POST", "/api/v1/fields/contacts", `{"name": "secret_score", "type": "integer"}`); status != 201 {
			t.Fatalf("add field: %d %s", status, text)
		}
		p.become(access.Role{Name: "clerk", Grants: access.Grants{"contact": {"create": "all", "read": "all", "update": "all"}},
			Fields: access.FieldRules{"contact": {"secret_score": "hidden", "birthday": "hidden", "job_title": "read_only"}}})
		_, text := p.call(admin, "POST", "/api/v1/contacts", `{"first_name": "Kim", "birthday": "1999-09-09", "secret_score": 98765, "job_title": "CEO"}`)
		kim := idOf(t, text)
		hidden := []string{"secret_score", "birthday", "1999-09-09", "98765"}
		for _, c := range []struct{ method, path, body string }{
			{"GET", "/api/v1/contacts/" + kim, ""},
			{"GET", "/api/v1/contacts?sort=first_name", ""},
			{"POST", "/api/v1/contacts/query", `{"sort": ["-first_name"]}`},
			{"POST", "/api/v1/contacts", `{"first_name": "New"}`},
			{"PATCH", "/api/v1/contacts/" + kim, `{"first_name": "Kimberly", "version": 1}`},
			{"GET", "/api/v1/fields/contacts", ""},
			{"GET", "/api/v1/openapi.json", ""},
		} {
			status, text := p.call(me, c.method, c.path, c.body)
			if status >= 300 {
				t.Errorf("%s %s: %d %s", c.method, c.path, status, text)
			}
			for _, h := range hidden {
				if strings.Contains(text, h) {
					t.Errorf("%s %s shows %q", c.method, c.path, h)
				}
			}
			if c.path == "/api/v1/fields/contacts" && !strings.Contains(text, `"name":"job_title","label":"Job title","type":"text","required":false,"read_only":true`) {
				t.Errorf("fields list does not mark job_title read-only: %s", text)
			}
		}
		// Naming a hidden field is answered as naming a field that does not exist.
		for _, name := range []string{"secret_score", "birthday"} {
			for _, c := range []struct{ method, path, body string }{
				{"GET", "/api/v1/contacts?FIELD=1", ""},
				{"GET", "/api/v1/contacts?FIELD[gt]=1&sort=first_name", ""},
				{"GET", "/api/v1/contacts?sort=-FIELD", ""},
				{"POST", "/api/v1/contacts/query", `{"filter": {"and": [{"field": "FIELD", "op": "empty", "value": false}]}}`},
				{"POST", "/api/v1/contacts/query", `{"sort": ["FIELD"]}`},
				{"POST", "/api/v1/contacts", `{"first_name": "X", "FIELD": 1}`},
				{"PATCH", "/api/v1/contacts/" + kim, `{"FIELD": 1, "version": 2}`},
			} {
				missing := "zz" + name
				s1, hid := p.call(me, c.method, strings.ReplaceAll(c.path, "FIELD", name), strings.ReplaceAll(c.body, "FIELD", name))
				s2, mis := p.call(me, c.method, strings.ReplaceAll(c.path, "FIELD", missing), strings.ReplaceAll(c.body, "FIELD", missing))
				if s1 != 400 || s1 != s2 || strip(hid, name) != strip(mis, missing) {
					t.Errorf("%s %s with hidden %s: %d %s\nwith a missing field: %d %s", c.method, c.path, name, s1, hid, s2, mis)
				}
			}
		}
		// Read-only: a clear field error.
		status, text := p.call(me, "PATCH", "/api/v1/contacts/"+kim, `{"job_title": "Boss", "version": 2}`)
		if status != 400 || !strings.Contains(text, `"field":"job_title","code":"read_only"`) {
			t.Errorf("writing read-only job_title: %d %s", status, text)
		}
		// What the clerk could not see survived the clerk's update.
		_, text = p.call(admin, "GET", "/api/v1/contacts/"+kim, "")
		if !strings.Contains(text, `"secret_score":98765`) || !strings.Contains(text, `"birthday":"1999-09-09"`) || !strings.Contains(text, "Kimberly") {
			t.Errorf("after the clerk's update: %s", text)
		}
	})
}

// TestRolesAPI covers the roles endpoints and what they refuse.
func TestRolesAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPermAPI(t, db)
		admin, me := p.tokens["admin"], p.tokens[accesstest.Self]
		accesstest.SetRole(t, db, 1, p.people.Actor(), access.RoleManager)
		for _, who := range []string{accesstest.Teammate, accesstest.Managed, accesstest.Outsider} {
			accesstest.SetRole(t, db, 1, p.people.ByCls[who], access.RoleSalesperson)
		}
		p.pol.Invalidate(1)
		steps := []struct {
			name, token, method, path, body string
			status                          int
			contains                        []string
		}{
			{"list", admin, "GET", "/api/v1/roles", "", 200, []string{`"name":"administrator"`, `"name":"read_only"`, `"builtin":true`}},
			{"get", admin, "GET", "/api/v1/roles/salesperson", "", 200, []string{`"contact":{"create":"own"`, `"deal":{"create":"own","delete":"none"`}},
			{"manager may not list", me, "GET", "/api/v1/roles", "", 403, nil},
			{"manager may not create", me, "POST", "/api/v1/roles", `{"name": "x"}`, 403, nil},
			{"openapi for a manager has no roles", me, "GET", "/api/v1/openapi.json", "", 200, nil},
			{"openapi for an administrator has roles", admin, "GET", "/api/v1/openapi.json", "", 200, []string{`"/roles/{name}"`}},
			{"unknown", admin, "GET", "/api/v1/roles/nobody", "", 404, nil},
			{"create", admin, "POST", "/api/v1/roles", `{"name": "team_lead", "label": "Team lead", "grants": {"contact": {"read": "team", "update": "own"}},
				"fields": {"contact": {"birthday": "hidden"}}}`, 201, []string{`"name":"team_lead"`, `"read":"team"`, `"birthday":"hidden"`, `"company":{"create":"none"`}},
			{"duplicate", admin, "POST", "/api/v1/roles", `{"name": "team_lead"}`, 400, []string{`"field":"name"`}},
			{"unknown key", admin, "POST", "/api/v1/roles", `{"name": "x", "grant": {}}`, 400, []string{"grant"}},
			{"bad scope", admin, "POST", "/api/v1/roles", `{"name": "x", "grants": {"contact": {"read": "mine"}}}`, 400, []string{`"field":"grants.contact.read"`}},
			{"patch", admin, "PATCH", "/api/v1/roles/team_lead", `{"grants": {"contact": {"delete": "own"}}, "fields": {"contact": {"birthday": null}}}`, 200,
				[]string{`"delete":"own"`, `"read":"team"`, `"fields":{}`}},
			{"patch unknown key", admin, "PATCH", "/api/v1/roles/team_lead", `{"colour": "red"}`, 400, []string{"colour"}},
			{"rename", admin, "PATCH", "/api/v1/roles/team_lead", `{"name": "boss"}`, 400, []string{`"field":"name"`}},
			{"patch built-in", admin, "PATCH", "/api/v1/roles/administrator", `{"grants": {"role": {"update": "none"}}}`, 409, nil},
			{"delete built-in", admin, "DELETE", "/api/v1/roles/manager", "", 409, nil},
			{"delete", admin, "DELETE", "/api/v1/roles/team_lead", "", 204, nil},
			{"deleted", admin, "GET", "/api/v1/roles/team_lead", "", 404, nil},
			// An administrator role of the workspace's own, held by the only administrator.
			{"create owner", admin, "POST", "/api/v1/roles", `{"name": "owner", "grants": {"role": {"create": "all", "read": "all", "update": "all", "delete": "all"}}}`, 201, nil},
		}
		for _, st := range steps {
			status, text := p.call(st.token, st.method, st.path, st.body)
			if status != st.status {
				t.Fatalf("%s: %d, want %d\n%s", st.name, status, st.status, text)
			}
			for _, c := range st.contains {
				if !strings.Contains(text, c) {
					t.Errorf("%s: answer lacks %s\n%s", st.name, c, text)
				}
			}
			if st.name == "openapi for a manager has no roles" && strings.Contains(text, "/roles") {
				t.Errorf("a manager's OpenAPI document shows the roles endpoints")
			}
		}
		accesstest.SetRole(t, db, 1, p.people.Admin, "owner")
		p.pol.Invalidate(1)
		status, text := p.call(admin, "PATCH", "/api/v1/roles/owner", `{"grants": {"role": {"update": "none"}}}`)
		if status != 409 || !strings.Contains(text, "manage roles") {
			t.Errorf("taking role management from the last administrator: %d %s", status, text)
		}
		status, _ = p.call(admin, "DELETE", "/api/v1/roles/owner", "")
		if status != 409 {
			t.Errorf("deleting a role in use: %d", status)
		}
		// Role changes are events, so they reach the audit trail.
		var n int
		if err := db.Reader().QueryRowContext(context.Background(), `SELECT count(*) FROM outbox WHERE object = 'role'`).Scan(&n); err != nil || n != 4 {
			t.Errorf("%d role events (%v), want 4", n, err)
		}
	})
}

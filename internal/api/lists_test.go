package api_test

import (
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestUserDefinedLists defines a list through the API and uses it like a
// standard object: records, custom fields, filters, role scopes, and no
// sight of it from another workspace.
func TestUserDefinedLists(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPermAPI(t, db)
		admin := p.tokens["admin"]
		for _, c := range []struct {
			body   string
			status int
			field  string
		}{
			{`{"name": "supplier", "plural": "suppliers", "label": "Suppliers"}`, 201, ""},
			{`{"name": "supplier", "plural": "vendors", "label": "Again"}`, 400, `"name"`},
			{`{"name": "contact", "plural": "contacts2", "label": "X"}`, 400, `"name"`},
			{`{"name": "thing", "plural": "search", "label": "X"}`, 400, `"plural"`},
			{`{"name": "Bad Name", "plural": "things", "label": "X"}`, 400, `"name"`},
			{`{"name": "thing", "plural": "thing", "label": "X"}`, 400, `"plural"`},
			{`{"name": "thing", "plural": "things"}`, 400, `"label"`},
			{`{"name": "thing", "plural": "things", "label": "X", "colour": 1}`, 400, "colour"},
		} {
			status, text := p.call(admin, "POST", "/api/v1/lists", c.body)
			if status != c.status || (c.field != "" && !contains(text, c.field)) {
				t.Errorf("define %s: %d %s, want %d naming %s", c.body, status, text, c.status, c.field)
			}
		}
		sales := p.tokens[accesstest.Self]
		p.become(access.BuiltinRoles()[2]) // the actor is a salesperson
		if status, text := p.call(sales, "POST", "/api/v1/lists", `{"name": "secret", "plural": "secrets", "label": "S"}`); status != 403 {
			t.Fatalf("salesperson defined a list: %d %s", status, text)
		}
		if status, text := p.call(admin, "POST", "/api/v1/fields/suppliers", `{"name": "rating", "label": "Rating", "type": "integer"}`); status != 201 {
			t.Fatalf("custom field on a list: %d %s", status, text)
		}
		status, text := p.call(admin, "POST", "/api/v1/suppliers", `{"name": "Acme Parts", "rating": 4}`)
		if status != 201 {
			t.Fatalf("create entry: %d %s", status, text)
		}
		adminEntry := idOf(t, text)
		status, text = p.call(sales, "POST", "/api/v1/suppliers", `{"name": "Own Supplier", "rating": 2}`)
		if status != 201 {
			t.Fatalf("salesperson creates an entry: %d %s", status, text)
		}
		if status, text = p.call(admin, "GET", "/api/v1/suppliers?rating[gte]=3", ""); status != 200 || !contains(text, "Acme Parts") || contains(text, "Own Supplier") {
			t.Fatalf("filtered list: %d %s", status, text)
		}
		// The salesperson's role reaches only their own entries.
		if status, text = p.call(sales, "GET", "/api/v1/suppliers", ""); status != 200 || contains(text, "Acme Parts") || !contains(text, "Own Supplier") {
			t.Fatalf("salesperson's list: %d %s", status, text)
		}
		if status, _ = p.call(sales, "GET", "/api/v1/suppliers/"+adminEntry, ""); status != 404 {
			t.Fatalf("salesperson read the administrator's entry: %d", status)
		}
		// Entries are not other kinds of record, though they share a table.
		if status, _ = p.call(admin, "GET", "/api/v1/notes/"+adminEntry, ""); status != 404 {
			t.Fatalf("entry read as a note: %d", status)
		}
		if status, text = p.call(admin, "GET", "/api/v1/lists", ""); status != 200 || !contains(text, `"plural":"suppliers"`) {
			t.Fatalf("lists: %d %s", status, text)
		}
		// Another workspace has no such list.
		other := otherWorkspaceAdmin(t, p)
		if status, _ = p.call(other, "GET", "/api/v1/suppliers", ""); status != 404 {
			t.Fatalf("another workspace sees the list: %d", status)
		}
		if status, text = p.call(other, "GET", "/api/v1/lists", ""); status != 200 || contains(text, "suppliers") {
			t.Fatalf("another workspace's lists: %d %s", status, text)
		}
	})
}

func contains(text, part string) bool { return strings.Contains(text, part) }

// otherWorkspaceAdmin adds workspace 2 with an administrator and returns
// their token.
func otherWorkspaceAdmin(t *testing.T, p *permAPI) string {
	t.Helper()
	accesstest.AddWorkspace(t, p.db, 2)
	accesstest.AddUser(t, p.db, 2, "admin@two.example", access.RoleAdministrator, 0)
	return p.token(2, "admin@two.example")
}

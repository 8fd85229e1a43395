package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

func TestDealsTasksAndProducts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		create := func(plural string, in map[string]any) string {
			t.Helper()
			rec, err := a.engine.Create(ctx, plural, in)
			if err != nil {
				t.Fatal(err)
			}
			return rec["id"].(string)
		}
		pipeline := create("pipelines", map[string]any{"name": "New <business>"})
		stage := create("stages", map[string]any{"name": "Proposal & quote", "pipeline_id": pipeline})
		acme := create("companies", map[string]any{"name": "Acme <Ltd>"})
		deal := create("deals", map[string]any{"title": "<script>alert(1)</script> renewal", "pipeline_id": pipeline, "stage_id": stage,
			"company_id": acme, "owner_id": a.userID(ctx), "status": "won", "expected_close_date": "2026-03-31",
			"value": map[string]any{"amount": json.Number("1250000"), "currency": "EUR"}})
		task := create("tasks", map[string]any{"title": "Call <b>back</b>", "due_at": "2026-03-30T09:00:00Z", "done": true,
			"owner_id": a.userID(ctx), "record_type": "deal", "record_id": deal})
		product := create("products", map[string]any{"name": "Bolt <M6>", "sku": "B-6", "price": map[string]any{"amount": json.Number("250"), "currency": "EUR"}})

		deals := a.get("/deals")
		deals.want(t, "the deals", http.StatusOK, "&lt;script&gt;alert(1)&lt;/script&gt; renewal", "€12,500.00", "Proposal &amp; quote",
			"New &lt;business&gt;", "Acme &lt;Ltd&gt;", "Ada Lovelace", "Mar 31, 2026", `aria-sort="ascending"`, `aria-current="page"`)
		if strings.Contains(deals.body, "<script>alert") {
			t.Error("the deals list shows a title as HTML")
		}
		if !strings.Contains(deals.body, `class="primary" href="/deals/new"`) {
			t.Error("the deals list offers no form of a new deal")
		}
		page := a.get("/deals/" + deal)
		page.want(t, "a deal's page", http.StatusOK, "&lt;script&gt;alert(1)&lt;/script&gt; renewal", "€12,500.00",
			"Proposal &amp; quote", "New &lt;business&gt;", "Acme &lt;Ltd&gt;", `<span class="value">Won</span>`, "<h2>Deal</h2>")
		if !strings.Contains(page.body, `href="/deals/`+deal+`/edit"`) {
			t.Error("a deal's page offers no form")
		}

		a.get("/tasks").want(t, "the tasks", http.StatusOK, "Call &lt;b&gt;back&lt;/b&gt;", "Mar 30, 2026", "Yes",
			"&lt;script&gt;alert(1)&lt;/script&gt; renewal", "Ada Lovelace")
		a.get("/tasks/"+task).want(t, "a task's page", http.StatusOK, "Call &lt;b&gt;back&lt;/b&gt;", "Related to",
			"&lt;script&gt;alert(1)&lt;/script&gt; renewal", "<h2>Task</h2>")
		a.get("/products").want(t, "the products", http.StatusOK, "Bolt &lt;M6&gt;", "B-6", "€2.50")
		a.get("/products/"+product).want(t, "a product's page", http.StatusOK, "Bolt &lt;M6&gt;", "SKU", "€2.50", "<h2>Product</h2>")

		a.post("/language", url.Values{"csrf_token": {a.csrf()}, "lang": {"ru"}, "back": {"/deals"}}).
			want(t, "picking Russian", http.StatusSeeOther, "/deals")
		a.get("/deals").want(t, "the deals in Russian", http.StatusOK, "Сделки", "Этап", "Воронка")
	})
}

func TestEmptyDealsTasksAndProducts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		a.get("/deals").want(t, "no deals", http.StatusOK, "No deals yet")
		a.get("/tasks").want(t, "no tasks", http.StatusOK, "No tasks yet")
		a.get("/products").want(t, "no products", http.StatusOK, "No products yet")
	})
}

func TestASalespersonSeesOnlyTheirOwnDeals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		a.pipeline(ctx)
		theirs, err := a.engine.Create(ctx, "deals", map[string]any{"title": "Colleague's deal", "owner_id": a.userID(ctx)})
		if err != nil {
			t.Fatal(err)
		}
		sam, err := a.accounts.CreateUser(context.Background(), 1, "sam@example.com", "Sam", "a long secret", "salesperson")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.engine.Create(ctx, "deals", map[string]any{"title": "Sam's deal", "owner_id": sam.ID}); err != nil {
			t.Fatal(err)
		}
		a.client = a.newClient()
		a.post("/signin", url.Values{"email": {"sam@example.com"}, "password": {"a long secret"}}).want(t, "Sam signs in", http.StatusSeeOther)
		list := a.get("/deals")
		list.want(t, "Sam's deals", http.StatusOK, "Sam&#39;s deal")
		if strings.Contains(list.body, "Colleague") {
			t.Error("a salesperson's list shows a colleague's deal")
		}
		page := a.get("/deals/" + theirs["id"].(string))
		page.want(t, "a colleague's deal", http.StatusNotFound, "Not found")
		if strings.Contains(page.body, "Colleague") {
			t.Error("the not-found page names the colleague's deal")
		}
	})
}

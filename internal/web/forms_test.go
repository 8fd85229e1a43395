package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/locale"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// make creates a record as the administrator, past the web app.
func (a *app) make(ctx context.Context, plural string, in map[string]any) string {
	a.t.Helper()
	rec, err := a.engine.Create(ctx, plural, in)
	if err != nil {
		a.t.Fatal(err)
	}
	return rec["id"].(string)
}

// signInNamed adds a user of the role and signs the app's client in as them.
func (a *app) signInNamed(role, email, name string) string {
	a.t.Helper()
	u, err := a.accounts.CreateUser(context.Background(), 1, email, name, "a long secret", role)
	if err != nil {
		a.t.Fatal(err)
	}
	a.client = a.newClient()
	a.post("/signin", url.Values{"email": {email}, "password": {"a long secret"}}).want(a.t, name+" signs in", http.StatusSeeOther)
	return u.ID
}

var dealPath = regexp.MustCompile(`^/deals/(\d+)$`)

func TestDealForm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		first, stages := a.pipeline(ctx)
		repeat := a.make(ctx, "pipelines", map[string]any{"name": "Repeat <buyers>"})
		reorder := a.make(ctx, "stages", map[string]any{"pipeline_id": repeat, "name": "Reorder"})
		gated := a.make(ctx, "stages", map[string]any{"pipeline_id": repeat, "name": "Contract",
			"required_fields": []any{"expected_close_date", "company_id"}})
		acme := a.make(ctx, "companies", map[string]any{"name": "Acme <Ltd>"})
		grace := a.make(ctx, "contacts", map[string]any{"first_name": "Grace", "last_name": "Hopper"})
		token := a.csrf()

		blank := a.get("/deals/new")
		blank.want(t, "a new deal's form", http.StatusOK, "New deal", `name="title"`, `name="value.amount"`,
			`name="value.currency" value="GBP"`, `<option value="`+first+`" selected>Sales</option>`,
			`<option value="`+stages[0]+`" selected>Lead in</option>`, `hx-post="/deals/form"`,
			`name="company_id" value=""`, `hx-get="/pick/companies?for=f-company_id"`, `data-many="contacts"`,
			`name="owner_id" value="`+a.userID(ctx)+`"`, `value="Ada Lovelace"`, `name="expected_close_date"`)
		if strings.Contains(blank.body, "Reorder") || strings.Contains(blank.body, `name="loss_reason_id"`) {
			t.Error("the new deal's stages are not those of its pipeline")
		}

		// Picking the other pipeline draws the fields again with its stages.
		refreshed := a.post("/deals/form", url.Values{"csrf_token": {token}, "title": {"Typed <title>"}, "pipeline_id": {repeat},
			"stage_id": {stages[0]}}, "HX-Request", "true")
		refreshed.want(t, "the fields after picking a pipeline", http.StatusOK, `id="form-fields"`, `value="Typed &lt;title&gt;"`,
			`<option value="`+reorder+`" selected>Reorder</option>`, `<option value="`+gated+`">Contract</option>`)
		if strings.Contains(refreshed.body, "Qualified") || strings.Contains(refreshed.body, "<html") {
			t.Error("the refreshed fields are not only those of the pipeline picked")
		}
		// A lost deal asks why.
		a.make(ctx, "loss_reasons", map[string]any{"name": "Price <too high>"})
		a.post("/deals/form", url.Values{"csrf_token": {token}, "status": {"lost"}}, "HX-Request", "true").
			want(t, "the fields of a lost deal", http.StatusOK, `name="loss_reason_id"`, "Price &lt;too high&gt;")
		// Picking the gated stage marks what it requires.
		marked := a.post("/deals/form", url.Values{"csrf_token": {token}, "pipeline_id": {repeat}, "stage_id": {gated}}, "HX-Request", "true")
		if n := strings.Count(marked.body, "required at this stage"); n != 2 {
			t.Errorf("the gated stage marks %d fields as required, want 2", n)
		}

		// The gate's refusal is shown beside the fields, keeping what was typed.
		form := url.Values{"csrf_token": {token}, "title": {"Looms <for> Acme"}, "pipeline_id": {repeat}, "stage_id": {gated},
			"value.amount": {"1 234,50"}, "value.currency": {"eur"}, "owner_id": {a.userID(ctx)}, "contacts[0]": {grace},
			"contacts[0].role": {"Buyer"}}
		en := locale.For("en")
		refused := a.post("/deals/new", form)
		refused.want(t, "a deal refused by its stage's gate", http.StatusBadRequest, `value="Looms &lt;for&gt; Acme"`,
			`<p class="error" id="expected_close_date-error">`+en.FieldError(fault.FieldError{Code: "required_by_stage"}),
			`<p class="error" id="company_id-error">`, `value="1 234,50"`, `name="contacts[0]" value="`+grace+`"`, "Grace Hopper",
			`name="contacts[0].role" value="Buyer"`)

		form.Set("expected_close_date", "2026-06-30")
		form.Set("company_id", acme)
		saved := a.post("/deals/new", form)
		saved.want(t, "a deal through its gate", http.StatusSeeOther)
		m := dealPath.FindStringSubmatch(saved.location)
		if m == nil {
			t.Fatalf("saving sends the browser to %q", saved.location)
		}
		deal, err := a.engine.Get(ctx, "deals", m[1], false)
		if err != nil {
			t.Fatal(err)
		}
		value, _ := deal["value"].(map[string]any)
		contacts, _ := deal["contacts"].([]records.LinkRef)
		if deal["stage_id"] != gated || deal["company_id"] != acme || fmt.Sprint(value["amount"]) != "123450" || value["currency"] != "EUR" ||
			len(contacts) != 1 || contacts[0].ID != grace || contacts[0].Role != "Buyer" {
			t.Errorf("the saved deal is %v", deal)
		}

		edit := a.get(saved.location + "/edit")
		edit.want(t, "the deal's edit form", http.StatusOK, `name="version" value="1"`, `value="1234.50"`,
			`name="company_id" value="`+acme+`"`, `value="Acme &lt;Ltd&gt;"`, `<option value="`+gated+`" selected>Contract</option>`)

		// Someone else changes the title while the form is open.
		if _, err := a.engine.Update(ctx, "deals", m[1], 1, map[string]any{"title": "Their title"}); err != nil {
			t.Fatal(err)
		}
		form.Set("version", "1")
		form.Set("title", "My title")
		stale := a.post(saved.location+"/edit", form)
		stale.want(t, "a stale edit of a deal", http.StatusConflict, `value="My title"`, `name="version" value="2"`,
			`Saved now: <span class="value">Their title</span>`)
		form.Set("version", "2")
		form.Set("value.amount", "lots")
		a.post(saved.location+"/edit", form).want(t, "a deal's value that is no amount", http.StatusBadRequest, `value="lots"`,
			`id="value.amount-error"`)
		form.Set("value.amount", "99")
		a.post(saved.location+"/edit", form).want(t, "saving again", http.StatusSeeOther, saved.location)
	})
}

func TestTaskForm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		zone := "Asia/Almaty" // UTC+5, all year
		if _, _, err := a.accounts.UpdateMe(ctx, account.MyChange{TimeZone: &zone}, ""); err != nil {
			t.Fatal(err)
		}
		a.pipeline(ctx)
		deal := a.make(ctx, "deals", map[string]any{"title": "Engine <for> Babbage"})
		token := a.csrf()
		a.get("/tasks/new?record_type=deal&record_id="+deal).want(t, "a new task about a deal", http.StatusOK, "New task",
			`name="record_id" value="`+deal+`"`, `name="record_type" value="deal"`, `value="Engine &lt;for&gt; Babbage"`,
			`type="datetime-local"`, `<option value="follow_up">Follow-up</option>`, `hx-get="/pick/about?for=f-record_id"`)

		saved := a.post("/tasks/new", url.Values{"csrf_token": {token}, "title": {"Send the offer"}, "type": {"email"},
			"due_at": {"2026-03-30T14:30"}, "record_id": {deal}, "record_type": {"deal"}, "owner_id": {a.userID(ctx)}})
		saved.want(t, "a task through its form", http.StatusSeeOther)
		id := strings.TrimPrefix(saved.location, "/tasks/")
		task, err := a.engine.Get(ctx, "tasks", id, false)
		if err != nil {
			t.Fatal(err)
		}
		if task["due_at"] != "2026-03-30T09:30:00.000000Z" || task["record_id"] != deal || task["record_type"] != "deal" || task["type"] != "email" {
			t.Errorf("the saved task is %v", task)
		}
		a.get(saved.location+"/edit").want(t, "the task's form", http.StatusOK, `value="2026-03-30T14:30"`,
			`value="Engine &lt;for&gt; Babbage"`)
		a.post("/tasks/new", url.Values{"csrf_token": {token}, "title": {"Late"}, "due_at": {"soon"}}).
			want(t, "a due time that is no time", http.StatusBadRequest, `value="soon"`, `id="due_at-error"`)
	})
}

func TestProductForm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		token := a.csrf()
		saved := a.post("/products/new", url.Values{"csrf_token": {token}, "name": {"Bolt <M6>"}, "sku": {"B-6"}, "unit": {"pc"},
			"price.amount": {"2,50"}, "price.currency": {"EUR"}, "tax_rate": {"20"}})
		saved.want(t, "a product through its form", http.StatusSeeOther)
		id := strings.TrimPrefix(saved.location, "/products/")
		// Stock comes in through the sales service, into two warehouses.
		stock := sales.New(db, records.New(db, records.Options{Policy: access.NewRolePolicy(db)}), sales.Options{Logger: slog.New(slog.DiscardHandler)})
		north, err := stock.CreateWarehouse(ctx, "North <hall>")
		if err != nil {
			t.Fatal(err)
		}
		south, err := stock.CreateWarehouse(ctx, "South")
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range []struct {
			id string
			q  float64
		}{{north.ID, 7}, {south.ID, 1.5}} {
			if _, err := stock.ChangeStock(ctx, id, sales.StockChange{WarehouseID: w.id, Quantity: &w.q}); err != nil {
				t.Fatal(err)
			}
		}
		edit := a.get(saved.location + "/edit")
		edit.want(t, "the product's form", http.StatusOK, `name="price.amount" value="2.50"`, `name="price.currency" value="EUR"`,
			`name="sku" value="B-6"`, "In stock: 8.5", "North &lt;hall&gt;", `<span class="num">1.5</span>`)
		if strings.Contains(edit.body, `name="stock"`) {
			t.Error("the product's form lets stock be typed")
		}
		a.post("/products/new", url.Values{"csrf_token": {token}, "sku": {"X"}, "price.amount": {"3"}, "price.currency": {"EURO"}}).
			want(t, "a product without a name and with no currency", http.StatusBadRequest, `id="name-error"`,
				`<p class="error" id="price.currency-error">`+locale.For("en").FieldError(fault.FieldError{Code: "currency"}))
	})
}

func TestPickersKeepToTheUsersScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		a.make(ctx, "contacts", map[string]any{"first_name": "Carl", "last_name": "Colleague", "owner_id": a.userID(ctx)})
		a.make(ctx, "companies", map[string]any{"name": "Carlton (theirs)", "owner_id": a.userID(ctx)})
		sam := a.signInNamed("salesperson", "sam@example.com", "Sam")
		mine := a.make(ctx, "contacts", map[string]any{"first_name": "Carl <script>", "last_name": "Mine",
			"emails": []any{"carl@example.com"}, "owner_id": sam})
		a.pipeline(ctx)
		deal := a.make(ctx, "deals", map[string]any{"title": "Carlsberg order", "owner_id": sam})
		theirs := a.make(ctx, "deals", map[string]any{"title": "Carlton order", "owner_id": a.userID(ctx)})
		a.post("/deals/"+theirs+"/items", url.Values{"csrf_token": {a.csrf()}, "version": {"1"}, "q": {"Rope"}, "quantity": {"1"},
			"unit_price": {"1"}}).want(t, "an item added to a colleague's deal", http.StatusNotFound)

		found := a.get("/pick/contacts?q=carl&for=f-contacts", "HX-Request", "true")
		found.want(t, "Sam's contacts named Carl", http.StatusOK, `data-value="`+mine+`"`, "Carl &lt;script&gt; Mine",
			"carl@example.com", `id="f-contacts-o0"`)
		if strings.Contains(found.body, "Colleague") || strings.Contains(found.body, "<script>") {
			t.Error("the picker offers a colleague's contact, or a name as HTML")
		}
		about := a.get("/pick/about?q=Carl&for=f-record_id", "HX-Request", "true")
		about.want(t, "the records a task may be about", http.StatusOK, `data-type="contact"`, `data-type="deal"`, `data-value="`+deal+`"`)
		if strings.Contains(about.body, "Carlton") || strings.Contains(about.body, "Colleague") {
			t.Error("the about picker offers a colleague's records")
		}
		a.get("/pick/users?q=ada", "HX-Request", "true").want(t, "users", http.StatusOK, "Ada Lovelace", "ada@example.com")
		a.get("/pick/contacts?q=zzz", "HX-Request", "true").want(t, "nothing found", http.StatusOK, "Nothing found")
		a.get("/pick/widgets?q=a").want(t, "a picker of no object", http.StatusNotFound)
		a.get("/pick/contacts?q=carl&for=%22%3E%3Cb%3E").want(t, "a hand-made id", http.StatusOK, `id="pick-o0"`)
	})
}

func TestLineItems(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		pipeline, stages := a.pipeline(ctx)
		bolt := a.make(ctx, "products", map[string]any{"name": "Bolt <M6>",
			"price": map[string]any{"amount": json.Number("250"), "currency": "GBP"}})
		q := 3.0
		stock := sales.New(db, records.New(db, records.Options{Policy: access.NewRolePolicy(db)}), sales.Options{Logger: slog.New(slog.DiscardHandler)})
		if _, err := stock.ChangeStock(ctx, bolt, sales.StockChange{Quantity: &q}); err != nil {
			t.Fatal(err)
		}
		deal := a.make(ctx, "deals", map[string]any{"title": "Bolts for Babbage", "owner_id": a.userID(ctx)})
		page := "/deals/" + deal
		token := a.csrf()
		a.get(page).want(t, "a deal without items", http.StatusOK, "No line items yet", `action="`+page+`/items"`,
			`hx-get="/pick/products?for=f-product_id"`)

		a.post(page+"/items", url.Values{"csrf_token": {token}, "version": {"1"}, "product_id": {bolt}, "quantity": {"4"},
			"discount": {"10"}}).want(t, "adding a product", http.StatusSeeOther, page+"#line-items")
		a.post(page+"/items", url.Values{"csrf_token": {token}, "version": {"2"}, "q": {"Fitting <on site>"}, "quantity": {"1"},
			"unit_price": {"100"}}).want(t, "adding an item without a product", http.StatusSeeOther)
		shown := a.get(page)
		// 4 × £2.50 less 10% is £9.00, and the fitting £100.00.
		shown.want(t, "the deal's items", http.StatusOK, "Bolt &lt;M6&gt;", "£9.00", "Fitting &lt;on site&gt;", "£100.00",
			"Deal total: <strong>£109.00</strong>", "in stock: 3", `class="hint short"`, `action="`+page+`/items/0"`)

		a.post(page+"/items/0", url.Values{"csrf_token": {token}, "version": {"3"}, "quantity": {"many"}, "discount": {"10"}, "unit_price": {"2.50"}}).
			want(t, "a quantity that is no number", http.StatusBadRequest, `value="many"`, `id="item-0-quantity-error"`, `aria-invalid="true"`)
		a.post(page+"/items/0", url.Values{"csrf_token": {token}, "version": {"3"}, "quantity": {"2"}, "discount": {""}, "unit_price": {"2.50"}}).
			want(t, "changing the quantity", http.StatusSeeOther)
		a.post(page+"/items/1", url.Values{"csrf_token": {token}, "version": {"3"}, "action": {"remove"}}).
			want(t, "a change at an old version", http.StatusConflict, "Someone else changed this deal")
		a.post(page+"/items/1", url.Values{"csrf_token": {token}, "version": {"4"}, "action": {"remove"}}).
			want(t, "removing the fitting", http.StatusSeeOther)
		now, err := a.engine.Get(ctx, "deals", deal, false)
		if err != nil {
			t.Fatal(err)
		}
		if items, _ := now["line_items"].([]any); len(items) != 1 || fmt.Sprint(now["value"].(map[string]any)["amount"]) != "500" {
			t.Errorf("after the changes the deal is %v", now)
		}

		// Winning the deal takes more bolts than there are: refused.
		a.post(page+"/items/0", url.Values{"csrf_token": {token}, "version": {"5"}, "quantity": {"5"}}).want(t, "five bolts", http.StatusSeeOther)
		won := a.post(page+"/edit", url.Values{"csrf_token": {token}, "version": {"6"}, "title": {"Bolts for Babbage"},
			"status": {"won"}, "owner_id": {a.userID(ctx)}, "pipeline_id": {pipeline}, "stage_id": {stages[0]}, "value.amount": {"12.50"}, "value.currency": {"GBP"}})
		won.want(t, "winning without the stock", http.StatusBadRequest, "Line items: "+locale.For("en").FieldError(fault.FieldError{Code: "stock"}),
			`<option value="won" selected>`)
		if now, _ := a.engine.Get(ctx, "deals", deal, false); now["status"] != "open" {
			t.Errorf("a refused win left the deal %v", now["status"])
		}
		a.get("/deals/99999/items").want(t, "the items of no deal", http.StatusNotFound)
		a.post("/deals/99999/items", url.Values{"csrf_token": {token}, "version": {"1"}}).want(t, "adding to no deal", http.StatusNotFound)
	})
}

func TestLineItemQueriesDoNotGrowWithItems(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		a.pipeline(ctx)
		count := func(n int) int {
			var items []any
			for i := range n {
				p := a.make(ctx, "products", map[string]any{"name": fmt.Sprint("P", i),
					"price": map[string]any{"amount": json.Number("100"), "currency": "GBP"}})
				items = append(items, map[string]any{"product_id": p, "quantity": json.Number("1")})
			}
			deal := a.make(ctx, "deals", map[string]any{"title": "D", "line_items": items})
			return a.get("/deals/" + deal).queries(t)
		}
		if few, many := count(1), count(8); few != many {
			t.Errorf("a deal's page makes %d queries with 1 item and %d with 8", few, many)
		}
	})
}

// The e-mails are not at example.com, which the matcher ignores as a
// placeholder.
func TestDuplicatesWarning(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		ada := a.make(ctx, "contacts", map[string]any{"first_name": "Ada <b>", "last_name": "Lovelace",
			"emails": []any{"ada@analytical.example"}, "owner_id": a.userID(ctx)})
		token := a.csrf()
		a.get("/contacts/new").want(t, "the form of a new contact", http.StatusOK, `hx-post="/contacts/duplicates"`, `id="duplicates"`)
		warned := a.post("/contacts/duplicates", url.Values{"csrf_token": {token}, "first_name": {"Ada"},
			"emails[0].value": {"ADA@analytical.example"}}, "HX-Request", "true")
		warned.want(t, "a likely duplicate", http.StatusOK, "Possible duplicates", `href="/contacts/`+ada+`"`, "Ada &lt;b&gt; Lovelace")
		quiet := a.post("/contacts/duplicates", url.Values{"csrf_token": {token}, "first_name": {"Charles"},
			"emails[0].value": {"charles@"}}, "HX-Request", "true")
		quiet.want(t, "no duplicate", http.StatusOK)
		if strings.Contains(quiet.body, "Possible") {
			t.Error("a form that duplicates nothing is warned")
		}

		// The record page of a duplicate names the other, with the merge.
		twin := a.make(ctx, "contacts", map[string]any{"first_name": "Ada", "last_name": "Lovelace", "emails": []any{"ada@analytical.example"}})
		a.get("/contacts/"+twin).want(t, "a duplicate's page", http.StatusOK, "Possible duplicates", `href="/contacts/`+ada+`"`,
			`href="/contacts/`+twin+`/merge?with=`+ada+`"`)

		// A salesperson is not told of a colleague's contact.
		a.signInNamed("salesperson", "sam@example.com", "Sam")
		token = a.csrf()
		hidden := a.post("/contacts/duplicates", url.Values{"csrf_token": {token}, "first_name": {"Ada"},
			"emails[0].value": {"ada@analytical.example"}}, "HX-Request", "true")
		if strings.Contains(hidden.body, "Lovelace") || strings.Contains(hidden.body, "/contacts/"+ada) {
			t.Error("the warning names a colleague's contact")
		}
	})
}

func TestMerge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		keep := a.make(ctx, "contacts", map[string]any{"first_name": "Ada", "last_name": "Lovelace", "job_title": "Countess",
			"emails": []any{"ada@example.com"}, "owner_id": a.userID(ctx)})
		other := a.make(ctx, "contacts", map[string]any{"first_name": "Ada", "last_name": "King <b>", "job_title": "Analyst",
			"phones": []any{"020 7946 0000"}, "emails": []any{"ada@example.com"}, "owner_id": a.userID(ctx)})
		acme := a.make(ctx, "companies", map[string]any{"name": "Acme", "contacts": []any{other}})
		token := a.csrf()
		screen := a.get("/contacts/" + keep + "/merge?with=" + other)
		screen.want(t, "the merge screen", http.StatusOK, "Merge into Ada Lovelace", `name="with" value="`+other+`"`,
			`name="field.last_name" value="`+keep+`" checked`, `name="field.last_name" value="`+other+`">`, "King &lt;b&gt;",
			"Countess", "Analyst", `name="field.phones" value="`+other+`" checked`, `href="/contacts/`+other+`/merge?with=`+keep+`"`)
		if strings.Contains(screen.body, "field.first_name") || strings.Contains(screen.body, "field.emails") {
			t.Error("the merge screen asks to choose between equal values")
		}

		// The job title from the other, the last name kept.
		merged := a.post("/contacts/"+keep+"/merge", url.Values{"csrf_token": {token}, "with": {other},
			"field.last_name": {keep}, "field.job_title": {other}, "field.phones": {other}})
		merged.want(t, "merging", http.StatusSeeOther, "/contacts/"+keep)
		now, err := a.engine.Get(ctx, "contacts", keep, false)
		if err != nil {
			t.Fatal(err)
		}
		if now["last_name"] != "Lovelace" || now["job_title"] != "Analyst" || len(values(now["phones"])) != 1 {
			t.Errorf("the kept contact is %v", now)
		}
		company, _ := a.engine.Get(ctx, "companies", acme, false)
		if links, _ := company["contacts"].([]records.LinkRef); len(links) != 1 || links[0].ID != keep {
			t.Errorf("the company's contacts after the merge are %v", company["contacts"])
		}
		a.get("/contacts/"+other).want(t, "the merged contact", http.StatusNotFound)
		a.post("/contacts/"+keep+"/merge", url.Values{"csrf_token": {token}, "with": {other}}).
			want(t, "merging a contact already merged", http.StatusNotFound)
		a.get("/contacts/"+keep+"/merge?with="+keep).want(t, "merging a contact with itself", http.StatusNotFound)
	})
}

func TestASalespersonCannotMergeWhatIsOutOfReach(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		theirs := a.make(ctx, "contacts", map[string]any{"first_name": "Colleague's", "last_name": "Ada", "owner_id": a.userID(ctx)})
		sam := a.signInNamed("salesperson", "sam@example.com", "Sam")
		mine := a.make(ctx, "contacts", map[string]any{"first_name": "Sam's", "last_name": "Ada", "owner_id": sam})
		token := a.csrf()
		screen := a.get("/contacts/" + mine + "/merge?with=" + theirs)
		screen.want(t, "the merge screen with a colleague's contact", http.StatusNotFound)
		if strings.Contains(screen.body, "Colleague") {
			t.Error("the not-found page names the colleague's contact")
		}
		a.post("/contacts/"+mine+"/merge", url.Values{"csrf_token": {token}, "with": {theirs}}).
			want(t, "merging a colleague's contact into one's own", http.StatusNotFound)
		a.post("/contacts/"+theirs+"/merge", url.Values{"csrf_token": {token}, "with": {mine}}).
			want(t, "merging one's own into a colleague's", http.StatusNotFound)
		if _, err := a.engine.Get(ctx, "contacts", theirs, false); err != nil {
			t.Errorf("the colleague's contact is gone: %v", err)
		}
		if _, err := a.engine.Get(ctx, "contacts", mine, false); err != nil {
			t.Errorf("Sam's contact is gone: %v", err)
		}
	})
}

// values are the values of an e-mail or phone field.
func values(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, item := range list {
		if m, ok := item.(map[string]any); ok {
			out = append(out, fmt.Sprint(m["value"]))
		}
	}
	return out
}

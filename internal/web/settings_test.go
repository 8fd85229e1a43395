package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// form is a settings form's fields with the session's CSRF token.
func (a *app) form(token string, pairs ...string) url.Values {
	v := url.Values{"csrf_token": {token}}
	for i := 0; i+1 < len(pairs); i += 2 {
		v.Add(pairs[i], pairs[i+1])
	}
	return v
}

// names are the records' names in their order.
func (a *app) names(ctx context.Context, object string, filter *records.Filter) []string {
	a.t.Helper()
	page, err := a.engine.List(ctx, object, records.Query{Sort: []string{"position", "id"}, Filter: filter})
	if err != nil {
		a.t.Fatal(err)
	}
	var out []string
	for _, rec := range page.Data {
		out = append(out, rec["name"].(string))
	}
	return out
}

func (a *app) record(ctx context.Context, object, name string) records.Record {
	a.t.Helper()
	page, err := a.engine.List(ctx, object, records.Query{Filter: &records.Filter{Field: "name", Op: records.Eq, Value: name}})
	if err != nil || len(page.Data) != 1 {
		a.t.Fatalf("%s %q: %v, %d found", object, name, err, len(page.Data))
	}
	return page.Data[0]
}

func TestSettingsIndexAndWorkspace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		token := a.csrf()
		a.get("/contacts").want(t, "the frame of an administrator", http.StatusOK, `<a href="/settings"`)
		a.get("/settings").want(t, "the settings index", http.StatusOK, `href="/settings/workspace"`, `href="/settings/pipelines"`,
			`href="/settings/loss-reasons"`, `href="/settings/fields"`, `href="/settings/lists"`, `href="/settings/currencies"`,
			`href="/settings/price-lists"`, `href="/settings/stock"`)
		a.get("/settings/workspace").want(t, "the workspace", http.StatusOK, `value="Lovelace &amp; Co"`, `value="GBP"`, `value="GB"`)

		bad := a.post("/settings/workspace", a.form(token, "name", "Engines <script>", "base_currency", "POUNDS", "phone_region", "GB", "language", "ru"))
		bad.want(t, "a base currency that is none", http.StatusBadRequest, `id="ws-base_currency-error"`, "This is not a known currency code.",
			`value="POUNDS"`, `aria-invalid="true"`)
		a.post("/settings/workspace", a.form(token, "name", "Engines <script>", "base_currency", "usd", "phone_region", "de",
			"language", "ru", "allow_negative_stock", "true")).want(t, "the workspace changed", http.StatusSeeOther, "/settings/workspace?settingsSaved=1")
		page := a.get("/settings/workspace?settingsSaved=1")
		page.want(t, "the workspace after", http.StatusOK, `value="Engines &lt;script&gt;"`, `value="USD"`, `value="DE"`,
			`<option value="ru" lang="ru" selected>`, `name="allow_negative_stock" value="true" checked`)
		if strings.Contains(page.body, "Engines <script>") {
			t.Error("the workspace's name is shown unescaped")
		}
		st, err := sales.New(db, a.engine, sales.Options{}).Settings(a.admin())
		if err != nil || st.BaseCurrency != "USD" || !st.AllowNegativeStock {
			t.Errorf("sales settings after the change: %+v, %v", st, err)
		}
		ws, err := a.accounts.Workspace(a.admin())
		if err != nil || ws.Name != "Engines <script>" || ws.PhoneRegion != "DE" || ws.Language != "ru" {
			t.Errorf("the workspace after the change: %+v, %v", ws, err)
		}
	})
}

func TestSettingsPipelinesAndStages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		token := a.csrf()
		a.post("/settings/pipelines", a.form(token, "name", " ")).want(t, "a pipeline without a name", http.StatusBadRequest,
			`id="add-name-error"`, "This field is required.")
		ans := a.post("/settings/pipelines", a.form(token, "name", "New <script>"))
		ans.want(t, "a pipeline added", http.StatusSeeOther)
		pipeline := a.record(ctx, "pipelines", "New <script>")
		pid := pipeline["id"].(string)
		if ans.location != "/settings/pipelines/"+pid+"/stages" {
			t.Errorf("adding a pipeline leads to %q", ans.location)
		}
		a.post("/settings/pipelines/"+pid+"/rename", a.form(token, "name", "New business", "version", "1")).
			want(t, "a pipeline renamed", http.StatusSeeOther, "/settings/pipelines")
		a.post("/settings/pipelines/"+pid+"/rename", a.form(token, "name", "Stale", "version", "1")).
			want(t, "a stale rename", http.StatusBadRequest, "Someone changed this while you were editing it", `value="Stale"`)

		for _, name := range []string{"Sounded out", "Proposal", "Won back"} {
			a.post("/settings/pipelines/"+pid+"/stages", a.form(token, "name", name, "probability", "20")).
				want(t, "a stage added", http.StatusSeeOther, "/settings/pipelines/"+pid+"/stages")
		}
		a.post("/settings/pipelines/"+pid+"/stages", a.form(token, "name", "Odd", "probability", "lots")).
			want(t, "a probability that is no number", http.StatusBadRequest, `id="add-probability-error"`, `value="lots"`)
		byPipeline := &records.Filter{Field: "pipeline_id", Op: records.Eq, Value: pid}
		if got := a.names(ctx, "stages", byPipeline); strings.Join(got, ",") != "Sounded out,Proposal,Won back" {
			t.Fatalf("stages after adding: %v", got)
		}
		proposal := a.record(ctx, "stages", "Proposal")
		sid := proposal["id"].(string)
		a.post("/settings/stages/"+sid+"/save", a.form(token, "pipeline", pid, "version", fmt.Sprint(proposal["version"]), "name", "Proposal",
			"probability", "60", "rotting_days", "14", "required_fields", "value", "required_fields", "expected_close_date")).
			want(t, "a stage settingsSaved", http.StatusSeeOther, "/settings/pipelines/"+pid+"/stages")
		proposal = a.record(ctx, "stages", "Proposal")
		if fmt.Sprint(proposal["probability"], proposal["rotting_days"], proposal["required_fields"]) != "60 14 [value expected_close_date]" {
			t.Errorf("the stage settingsSaved: %v", proposal)
		}
		a.post("/settings/stages/"+sid+"/save", a.form(token, "pipeline", pid, "version", fmt.Sprint(proposal["version"]), "name", "Proposal",
			"required_fields", "no_such_field")).want(t, "a required field that deals lack", http.StatusBadRequest,
			fmt.Sprintf(`id="r%s-required_fields-error"`, sid), "Rapport does not recognise this name.")
		page := a.get("/settings/pipelines/" + pid + "/stages")

		page.want(t, "the stages", http.StatusOK, `data-order="/settings/pipelines/`+pid+`/order"`, `value="60"`, `value="14"`,
			fmt.Sprintf(`id="r%s-req-value" name="required_fields" value="value" checked`, sid), "Move Proposal up")

		// The arrow buttons and dragging both put the stages in order.
		a.post("/settings/stages/"+sid+"/move", a.form(token, "pipeline", pid, "dir", "up")).
			want(t, "a stage moved up", http.StatusSeeOther, "/settings/pipelines/"+pid+"/stages")
		if got := a.names(ctx, "stages", byPipeline); strings.Join(got, ",") != "Proposal,Sounded out,Won back" {
			t.Errorf("stages after moving Proposal up: %v", got)
		}
		ids := map[string]string{}
		for _, name := range []string{"Sounded out", "Proposal", "Won back"} {
			ids[name] = a.record(ctx, "stages", name)["id"].(string)
		}
		// The script sends the CSRF token in a header, as htmx does.
		order := url.Values{"id": {ids["Won back"], ids["Sounded out"], ids["Proposal"]}}
		ans = a.post("/settings/pipelines/"+pid+"/order", order, "X-Requested-With", "fetch", "X-CSRF-Token", token)
		ans.want(t, "a stage dragged", http.StatusOK, `"versions"`)
		if got := a.names(ctx, "stages", byPipeline); strings.Join(got, ",") != "Won back,Sounded out,Proposal" {
			t.Errorf("stages after dragging: %v", got)
		}
		a.post("/settings/pipelines/"+pid+"/order", a.form(token, "id", ids["Won back"]), "X-Requested-With", "fetch").
			want(t, "an order that leaves stages out", http.StatusConflict)
		page = a.get("/settings/pipelines/" + pid + "/stages")
		if strings.Index(page.body, "Won back") > strings.Index(page.body, `value="Proposal"`) {
			t.Error("the page does not show the stages in their new order")
		}

		// A stage or pipeline with open deals is not deleted, and the page
		// says why beside it.
		if _, err := a.engine.Create(ctx, "deals", map[string]any{"title": "Engine", "pipeline_id": pid, "stage_id": ids["Sounded out"]}); err != nil {
			t.Fatal(err)
		}
		sounded := a.record(ctx, "stages", "Sounded out")
		a.post("/settings/stages/"+ids["Sounded out"]+"/delete", a.form(token, "pipeline", pid, "version", fmt.Sprint(sounded["version"]))).
			want(t, "deleting a stage with deals", http.StatusBadRequest, "This stage still has open deals", fmt.Sprintf(`id="r%s-error"`, ids["Sounded out"]))
		pipeline = a.record(ctx, "pipelines", "New business")
		a.post("/settings/pipelines/"+pid+"/delete", a.form(token, "version", fmt.Sprint(pipeline["version"]))).
			want(t, "deleting a pipeline with deals", http.StatusBadRequest, "This pipeline still has open deals")
		wonBack := a.record(ctx, "stages", "Won back")
		a.post("/settings/stages/"+ids["Won back"]+"/delete", a.form(token, "pipeline", pid, "version", fmt.Sprint(wonBack["version"]))).
			want(t, "deleting a stage without deals", http.StatusSeeOther, "/settings/pipelines/"+pid+"/stages")
	})
}

func TestSettingsLossReasons(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		token := a.csrf()
		before := a.names(ctx, "loss_reasons", nil) // set-up may give a workspace some
		for _, name := range []string{"Price", "Timing", "<script>alert(1)</script>"} {
			a.post("/settings/loss-reasons", a.form(token, "name", name)).want(t, "a reason added", http.StatusSeeOther, "/settings/loss-reasons")
		}
		a.post("/settings/loss-reasons", a.form(token, "name", "")).want(t, "a reason without a name", http.StatusBadRequest,
			`id="add-name-error"`, "This field is required.")
		timing := a.record(ctx, "loss_reasons", "Timing")
		tid := timing["id"].(string)
		a.post("/settings/loss-reasons/"+tid+"/rename", a.form(token, "name", "Bad timing", "version", fmt.Sprint(timing["version"]))).
			want(t, "a reason renamed", http.StatusSeeOther, "/settings/loss-reasons")
		a.post("/settings/loss-reasons/"+tid+"/move", a.form(token, "dir", "up")).want(t, "a reason moved", http.StatusSeeOther)
		if got := a.names(ctx, "loss_reasons", nil)[len(before):]; strings.Join(got, ",") != "Bad timing,Price,<script>alert(1)</script>" {
			t.Errorf("reasons after moving: %v", got)
		}
		page := a.get("/settings/loss-reasons")
		page.want(t, "the reasons", http.StatusOK, "&lt;script&gt;alert(1)&lt;/script&gt;")
		if strings.Contains(page.body, "<script>alert") {
			t.Error("a reason's name is shown unescaped")
		}
		timing = a.record(ctx, "loss_reasons", "Bad timing")
		a.post("/settings/loss-reasons/"+tid+"/delete", a.form(token, "version", fmt.Sprint(timing["version"]))).
			want(t, "a reason deleted", http.StatusSeeOther)
		if got := a.names(ctx, "loss_reasons", nil); len(got) != len(before)+2 {
			t.Errorf("reasons after deleting one: %v", got)
		}
	})
}

func TestSettingsFieldsAndLists(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		token := a.csrf()
		a.get("/settings/fields").want(t, "the fields of contacts", http.StatusOK, `href="/settings/fields?object=contacts" aria-current="page"`)
		bad := a.post("/settings/fields?object=contacts", a.form(token, "label", "Interest", "name", "Interest!", "type", "select"))
		bad.want(t, "a field with a bad name and no options", http.StatusBadRequest, `id="add-name-error"`, `id="add-options-error"`,
			`value="Interest!"`, `<option value="select" selected>`)
		a.post("/settings/fields?object=contacts", a.form(token, "label", "Interest <b>", "name", "interest", "type", "select",
			"options", "tea\r\ncoffee\r\n", "required", "true")).want(t, "a field added", http.StatusSeeOther, "/settings/fields?object=contacts")
		fields, err := a.engine.Fields(ctx, "contacts")
		if err != nil {
			t.Fatal(err)
		}
		var added *records.Field
		for _, f := range fields {
			if f.Name == "interest" {
				added = f
			}
		}
		if added == nil || added.Label != "Interest <b>" || !added.Required || strings.Join(added.Options, ",") != "tea,coffee" {
			t.Errorf("the field added: %+v", added)
		}
		a.get("/settings/fields?object=contacts").want(t, "the field listed", http.StatusOK, "Interest &lt;b&gt;", "<code>interest</code>", "tea, coffee")
		a.get("/settings/fields?object=nothing").want(t, "fields of no object", http.StatusNotFound)

		a.post("/settings/lists", a.form(token, "label", "Suppliers", "name", "supplier", "plural", "supplier")).
			want(t, "a list whose plural is its name", http.StatusBadRequest, `id="add-plural-error"`, "This must differ from the name.")
		a.post("/settings/lists", a.form(token, "label", "Suppliers", "name", "supplier", "plural", "suppliers")).
			want(t, "a list defined", http.StatusSeeOther, "/settings/fields?object=suppliers")
		a.get("/settings/lists").want(t, "the lists", http.StatusOK, "Suppliers", `href="/settings/fields?object=suppliers"`)
		a.post("/settings/fields?object=suppliers", a.form(token, "label", "Rating", "name", "rating", "type", "integer")).
			want(t, "a field of the list", http.StatusSeeOther, "/settings/fields?object=suppliers")
		a.get("/settings/fields?object=suppliers").want(t, "the list's fields", http.StatusOK, "Rating")
	})
}

func TestSettingsMoney(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		token := a.csrf()
		a.post("/settings/currencies", a.form(token, "currency", "USD", "rate", "minus one", "date", "2026-12-01")).
			want(t, "a rate that is no number", http.StatusBadRequest, `id="add-rate-error"`, `value="minus one"`)
		a.post("/settings/currencies", a.form(token, "currency", "usd", "rate", "0,79", "date", "2026-12-01")).
			want(t, "a rate added", http.StatusSeeOther, "/settings/currencies")
		a.get("/settings/currencies").want(t, "the rates", http.StatusOK, "USD", "0.79", "The base currency is GBP.")

		a.post("/settings/price-lists", a.form(token, "name", "Wholesale", "currency", "euro")).
			want(t, "a price list in no currency", http.StatusBadRequest, `id="add-currency-error"`)
		a.post("/settings/price-lists", a.form(token, "name", "Wholesale", "currency", "eur")).want(t, "a price list added", http.StatusSeeOther)
		list := a.record(ctx, "price_lists", "Wholesale")
		lid := list["id"].(string)
		engine, err := a.engine.Create(ctx, "products", map[string]any{"name": "Engine <b>", "sku": "AE-1"})
		if err != nil {
			t.Fatal(err)
		}
		pid := engine["id"].(string)
		a.post("/settings/price-lists/"+lid+"/prices", a.form(token, "product", pid, "price."+pid, "12.345")).
			want(t, "a price with too many decimals", http.StatusBadRequest, `id="prices-price.`+pid+`-error"`, `value="12.345"`)
		a.post("/settings/price-lists/"+lid+"/prices", a.form(token, "product", pid, "price."+pid, "1234,5")).
			want(t, "a price settingsSaved", http.StatusSeeOther, "/settings/price-lists/"+lid+"/prices?settingsSaved=1")
		items, err := sales.New(db, a.engine, sales.Options{}).PriceListItems(ctx, lid)
		if err != nil || len(items) != 1 || items[0].Price.Amount != 123450 || items[0].Price.Currency != "EUR" {
			t.Errorf("the prices settingsSaved: %+v, %v", items, err)
		}
		a.get("/settings/price-lists/"+lid+"/prices").want(t, "the price list", http.StatusOK, "Engine &lt;b&gt;", `value="1234.50"`)
		// A price of a product the form did not show is kept.
		a.post("/settings/price-lists/"+lid+"/prices", a.form(token)).want(t, "a form without the product", http.StatusSeeOther)
		if items, err := sales.New(db, a.engine, sales.Options{}).PriceListItems(ctx, lid); err != nil || len(items) != 1 {
			t.Errorf("the prices after a form without the product: %+v, %v", items, err)
		}
		a.post("/settings/price-lists/"+lid+"/prices", a.form(token, "product", pid, "price."+pid, "")).want(t, "a price cleared", http.StatusSeeOther)
		if items, err := sales.New(db, a.engine, sales.Options{}).PriceListItems(ctx, lid); err != nil || len(items) != 0 {
			t.Errorf("the prices after clearing one: %+v, %v", items, err)
		}

		a.post("/settings/stock/warehouses", a.form(token, "name", "")).want(t, "a warehouse without a name", http.StatusBadRequest, `id="house-name-error"`)
		a.post("/settings/stock/warehouses", a.form(token, "name", "Docks")).want(t, "a warehouse added", http.StatusSeeOther)
		page := a.get("/settings/stock")
		page.want(t, "the stock", http.StatusOK, "Docks", "Engine &lt;b&gt;", "not tracked")
		house := regexp.MustCompile(`<option value="(\d+)">Docks</option>`).FindStringSubmatch(page.body)
		if house == nil {
			t.Fatal("no warehouse to choose")
		}
		a.post("/settings/stock/"+pid+"/adjust", a.form(token, "warehouse_id", house[1], "delta", "-2", "reason", "broken")).
			want(t, "stock below zero", http.StatusBadRequest, `<p class="error" id="p`+pid+`-delta-error">This would take the stock below zero`, `value="broken"`)
		a.post("/settings/stock/"+pid+"/adjust", a.form(token, "warehouse_id", house[1], "delta", "five")).
			want(t, "a change that is no number", http.StatusBadRequest, `id="p`+pid+`-delta-error"`)
		a.post("/settings/stock/"+pid+"/adjust", a.form(token, "warehouse_id", house[1], "delta", "7", "reason", "delivery from the works")).
			want(t, "stock adjusted", http.StatusSeeOther, "/settings/stock")
		var reason string
		if err := db.Reader().QueryRowContext(ctx, `SELECT reason FROM stock_movements WHERE product_id = ?`, pid).Scan(&reason); err != nil || reason != "delivery from the works" {
			t.Errorf("the movement's reason: %q, %v", reason, err)
		}
		a.get("/settings/stock").want(t, "the stock after", http.StatusOK, "<strong>7</strong>", "<li>Docks: 7</li>")
	})
}

// TestSettingsAreForAdministratorsOnly checks that a salesperson meets
// the not-found page at every settings address, to read or to change,
// and has no link to settings.
func TestSettingsAreForAdministratorsOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		pid, stages := a.pipeline(ctx)
		if _, err := a.accounts.CreateUser(context.Background(), 1, "sam@example.com", "Sam", "a long secret", "salesperson"); err != nil {
			t.Fatal(err)
		}
		a.client = a.newClient()
		a.post("/signin", url.Values{"email": {"sam@example.com"}, "password": {"a long secret"}}).want(t, "Sam signs in", http.StatusSeeOther)
		token := a.csrf()
		pipelines := a.names(ctx, "pipelines", nil)
		if strings.Contains(a.get("/contacts").body, `href="/settings"`) {
			t.Error("a salesperson has a link to settings")
		}
		for _, path := range []string{"/settings", "/settings/workspace", "/settings/pipelines", "/settings/pipelines/" + pid + "/stages",
			"/settings/loss-reasons", "/settings/fields", "/settings/fields?object=contacts", "/settings/lists", "/settings/currencies",
			"/settings/price-lists", "/settings/price-lists/1/prices", "/settings/stock"} {
			a.get(path).want(t, "GET "+path, http.StatusNotFound, "Not found")
		}
		for _, path := range []string{"/settings/workspace", "/settings/pipelines", "/settings/pipelines/" + pid + "/rename",
			"/settings/pipelines/" + pid + "/delete", "/settings/pipelines/" + pid + "/stages", "/settings/pipelines/" + pid + "/order",
			"/settings/stages/" + stages[0] + "/save", "/settings/stages/" + stages[0] + "/move", "/settings/stages/" + stages[0] + "/delete",
			"/settings/loss-reasons", "/settings/loss-reasons/order", "/settings/loss-reasons/1/rename", "/settings/loss-reasons/1/move",
			"/settings/loss-reasons/1/delete", "/settings/fields?object=contacts", "/settings/lists", "/settings/currencies",
			"/settings/price-lists", "/settings/price-lists/1/prices", "/settings/stock/warehouses", "/settings/stock/1/adjust"} {
			a.post(path, a.form(token, "name", "Sam's", "version", "1", "dir", "up", "pipeline", pid)).
				want(t, "POST "+path, http.StatusNotFound, "Not found")
		}
		if got := a.names(ctx, "pipelines", nil); strings.Join(got, ",") != strings.Join(pipelines, ",") {
			t.Errorf("pipelines after a salesperson's posts: %v", got)
		}
	})
}

// TestSettingsQueriesDoNotGrowWithRows checks that the stages page and
// the stock page make as many queries for many rows as for few.
func TestSettingsQueriesDoNotGrowWithRows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		pid, _ := a.pipeline(ctx)
		fill := func(n int) {
			for i := range n {
				if _, err := a.engine.Create(ctx, "stages", map[string]any{"pipeline_id": pid, "name": fmt.Sprintf("Stage %d", i)}); err != nil {
					t.Fatal(err)
				}
				if _, err := a.engine.Create(ctx, "products", map[string]any{"name": fmt.Sprintf("Product %d", i), "sku": "P"}); err != nil {
					t.Fatal(err)
				}
			}
		}
		fill(2)
		a.get("/settings/stock") // the first visit reads what later ones keep
		fewStages, fewStock := a.get("/settings/pipelines/"+pid+"/stages"), a.get("/settings/stock")
		fill(20)
		manyStages, manyStock := a.get("/settings/pipelines/"+pid+"/stages"), a.get("/settings/stock")
		manyStages.want(t, "many stages", http.StatusOK, "Stage 19")
		manyStock.want(t, "many products", http.StatusOK, "Product 19")
		if f, m := fewStages.queries(t), manyStages.queries(t); f != m {
			t.Errorf("the stages page made %d queries for 4 stages and %d for 24", f, m)
		}
		if f, m := fewStock.queries(t), manyStock.queries(t); f != m {
			t.Errorf("the stock page made %d queries for 2 products and %d for 22", f, m)
		}
	})
}

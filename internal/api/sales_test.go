package api_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// salesClock is a time source a test moves forward.
type salesClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *salesClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *salesClock) advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

// newSalesEnv is an API whose engine grants by role and carries the sales
// service's rules, with tokens in e.vars: admin (the default token), rep
// and rep2 (salespeople of workspace 1) and other (an administrator of
// workspace 2).
func newSalesEnv(t *testing.T, db *store.DB) (*env, *salesClock) {
	t.Helper()
	ctx := context.Background()
	clk := &salesClock{}
	pol := access.NewRolePolicy(db)
	engine := records.New(db, records.Options{Policy: pol, PhoneRegion: "US", Logger: slog.New(slog.DiscardHandler)})
	svc := sales.New(db, engine, sales.Options{Logger: slog.New(slog.DiscardHandler), Now: clk.now})
	accounts := account.New(db)
	s := &api.Server{Engine: engine, Sales: svc, Accounts: accounts, DB: db, Version: "test", Log: slog.New(slog.DiscardHandler)}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	accesstest.AddWorkspace(t, db, 2)
	e := &env{srv: srv, db: db, vars: map[string]string{}}
	for _, u := range []struct {
		name, role string
		ws         int64
	}{{"admin", access.RoleAdministrator, 1}, {"rep", access.RoleSalesperson, 1}, {"rep2", access.RoleSalesperson, 1},
		{"other", access.RoleAdministrator, 2}} {
		email := u.name + "@sales.example"
		id := accesstest.AddUser(t, db, u.ws, email, u.role, 0)
		tok, err := accounts.CreateToken(ctx, u.ws, email, "test", account.ScopeReadWrite, nil)
		if err != nil {
			t.Fatal(err)
		}
		e.vars[u.name] = tok
		e.vars[u.name+"_id"] = strconv.FormatInt(id, 10)
	}
	e.token = e.vars["admin"]
	return e, clk
}

// TestSalesStory walks a deal from creation to a win and back, as a
// salesperson, with the rules an administrator set up.
func TestSalesStory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, clk := newSalesEnv(t, db)
		e.run(t, setupSteps())
		e.run(t, []step{
			{name: "rep: contact", method: "POST", path: "/api/v1/contacts", token: "{rep}", body: `{"first_name":"Ada","last_name":"Byron","purchase_period_days":30}`,
				status: 201, save: map[string]string{"contact": "id"}},
			{name: "rep: company", method: "POST", path: "/api/v1/companies", token: "{rep}", body: `{"name":"Acme"}`,
				status: 201, save: map[string]string{"company": "id"}},
			{name: "rep: deal goes to the first stage of the first pipeline", method: "POST", path: "/api/v1/deals", token: "{rep}",
				body: `{"title":"Acme widgets","company_id":"{company}"}`, status: 201,
				contains: []string{`"pipeline_id":"{p1}"`, `"stage_id":"{s1}"`, `"status":"open"`, `"stage_entered_at":"20`, `"owner_id":"{rep_id}"`},
				save:     map[string]string{"deal": "id"}},
			{name: "rep: line items priced from the product", method: "PATCH", path: "/api/v1/deals/{deal}", token: "{rep}",
				body:   `{"version":1,"line_items":[{"product_id":"{widget}","quantity":3,"discount":10}]}`,
				status: 200, contains: []string{`"name":"Widget"`, `"unit_price":{"amount":1000,"currency":"EUR"}`, `"tax_rate":20`,
					`"total":{"amount":3240,"currency":"EUR"}`, `"value":{"amount":3240,"currency":"EUR"}`}},
			{name: "rep: negative quantity", method: "PATCH", path: "/api/v1/deals/{deal}", token: "{rep}",
				body: `{"version":2,"line_items":[{"product_id":"{widget}","quantity":-1}]}`, status: 400, contains: []string{`"field":"line_items[0].quantity"`}},
			{name: "rep: negative price", method: "PATCH", path: "/api/v1/deals/{deal}", token: "{rep}",
				body:   `{"version":2,"line_items":[{"name":"Fee","quantity":1,"unit_price":{"amount":-5,"currency":"EUR"}}]}`,
				status: 400, contains: []string{`"field":"line_items[0].unit_price.amount"`}},
			{name: "rep: currencies mixed", method: "PATCH", path: "/api/v1/deals/{deal}", token: "{rep}",
				body:   `{"version":2,"line_items":[{"product_id":"{widget}","quantity":1},{"name":"Setup","quantity":1,"unit_price":{"amount":500,"currency":"USD"}}]}`,
				status: 400, contains: []string{`"field":"line_items[1].unit_price.currency"`, `"code":"currency_mix"`}},
			{name: "rep: product without a price", method: "PATCH", path: "/api/v1/deals/{deal}", token: "{rep}",
				body: `{"version":2,"line_items":[{"product_id":"{gadget}","quantity":1}]}`, status: 400, contains: []string{`"field":"line_items[0].unit_price"`}},
			{name: "rep: the gate names every missing field", method: "PATCH", path: "/api/v1/deals/{deal}", token: "{rep}",
				body: `{"version":2,"stage_id":"{s2}"}`, status: 400,
				contains: []string{`"field":"expected_close_date","code":"required_by_stage"`, `"field":"contacts","code":"required_by_stage"`}},
			{name: "rep: refused move changed nothing", method: "GET", path: "/api/v1/deals/{deal}", token: "{rep}", status: 200,
				contains: []string{`"stage_id":"{s1}"`, `"version":2`}},
			{name: "rep: fill the fields and move in one write", method: "PATCH", path: "/api/v1/deals/{deal}", token: "{rep}",
				body:   `{"version":2,"stage_id":"{s2}","expected_close_date":"2030-01-31","contacts":["{contact}"]}`,
				status: 200, contains: []string{`"stage_id":"{s2}"`, `"version":3`}},
			{name: "rep: a stage of another pipeline", method: "PATCH", path: "/api/v1/deals/{deal}", token: "{rep}",
				body: `{"version":3,"stage_id":"{reorder}"}`, status: 400, contains: []string{`"field":"stage_id"`, "belongs to pipeline {p2}"}},
			{name: "rep: win", method: "PATCH", path: "/api/v1/deals/{deal}", token: "{rep}", body: `{"version":3,"status":"won"}`,
				status: 200, contains: []string{`"status":"won"`, `"closed_at":"20`}},
			{name: "admin: stock dropped by 3, from the default warehouse", method: "GET", path: "/api/v1/products/{widget}/stock", status: 200,
				contains: []string{`"total":9`, `"name":"Main","quantity":7`, `"name":"North","quantity":2`}},
			{name: "rep: the contact's last purchase is today", method: "GET", path: "/api/v1/contacts/{contact}", token: "{rep}", status: 200,
				contains: []string{`"last_purchase_on":"` + clk.now().UTC().Format(time.DateOnly) + `"`}},
			{name: "rep: the company's too", method: "GET", path: "/api/v1/companies/{company}", token: "{rep}", status: 200,
				contains: []string{`"last_purchase_on":"20`}},

			{name: "rep: a deal to lose", method: "POST", path: "/api/v1/deals", token: "{rep}", body: `{"title":"Doomed"}`,
				status: 201, save: map[string]string{"doomed": "id"}},
			{name: "rep: lost without a reason", method: "PATCH", path: "/api/v1/deals/{doomed}", token: "{rep}", body: `{"version":1,"status":"lost"}`,
				status: 400, contains: []string{`"field":"loss_reason_id"`}},
			{name: "rep: lost with an inactive reason", method: "PATCH", path: "/api/v1/deals/{doomed}", token: "{rep}",
				body: `{"version":1,"status":"lost","loss_reason_id":"{old_reason}"}`, status: 400, contains: []string{`"field":"loss_reason_id","code":"inactive"`}},
			{name: "rep: lost with a reason", method: "PATCH", path: "/api/v1/deals/{doomed}", token: "{rep}",
				body:   `{"version":1,"status":"lost","loss_reason_id":"{price}","loss_note":"Went with a rival"}`,
				status: 200, contains: []string{`"status":"lost"`, `"loss_reason_id":"{price}"`, `"closed_at":"20`}},
			{name: "rep: reopen clears the loss", method: "PATCH", path: "/api/v1/deals/{doomed}", token: "{rep}", body: `{"version":2,"status":"open"}`,
				status: 200, contains: []string{`"status":"open"`, `"loss_reason_id":null`, `"loss_note":null`, `"closed_at":null`}},

			{name: "rep: reopen the won deal", method: "PATCH", path: "/api/v1/deals/{deal}", token: "{rep}", body: `{"version":4,"status":"open"}`,
				status: 200, contains: []string{`"closed_at":null`}},
			{name: "admin: the stock is back", method: "GET", path: "/api/v1/products/{widget}/stock", status: 200,
				contains: []string{`"total":12`, `"name":"Main","quantity":10`}},

			{name: "rep: a deal too big for the stock", method: "POST", path: "/api/v1/deals", token: "{rep}",
				body: `{"title":"Huge","line_items":[{"product_id":"{widget}","quantity":100}]}`, status: 201, save: map[string]string{"huge": "id"}},
			{name: "rep: winning it is refused, naming the product", method: "PATCH", path: "/api/v1/deals/{huge}", token: "{rep}",
				body: `{"version":1,"status":"won"}`, status: 409, contains: []string{"Widget: 100 needed, 12 in stock", `"field":"line_items[0].quantity"`}},
			{name: "rep: the refused win changed nothing", method: "GET", path: "/api/v1/deals/{huge}", token: "{rep}", status: 200,
				contains: []string{`"status":"open"`, `"version":1`, `"closed_at":null`}},
			{name: "admin: nor the stock", method: "GET", path: "/api/v1/products/{widget}/stock", status: 200, contains: []string{`"total":12`}},
		})
		checkHistory(t, db, e.vars["deal"], 2)

		// A colleague's deal never shows to the salesperson.
		e.run(t, []step{
			{name: "rep2: a deal in the proposal stage", method: "POST", path: "/api/v1/deals", token: "{rep2}",
				body:   `{"title":"Secret rep2 deal","stage_id":"{s2}","expected_close_date":"2030-01-01","value":{"amount":99900,"currency":"EUR"}}`,
				status: 400, contains: []string{`"field":"contacts","code":"required_by_stage"`}},
			{name: "rep2: contact", method: "POST", path: "/api/v1/contacts", token: "{rep2}", body: `{"first_name":"Bo"}`, status: 201,
				save: map[string]string{"bo": "id"}},
			{name: "rep2: the deal with its contact", method: "POST", path: "/api/v1/deals", token: "{rep2}",
				body:   `{"title":"Secret rep2 deal","stage_id":"{s2}","expected_close_date":"2030-01-01","contacts":["{bo}"],"value":{"amount":99900,"currency":"EUR"}}`,
				status: 201, contains: []string{`"pipeline_id":"{p1}"`}, save: map[string]string{"secret": "id"}},
			{name: "rep: a USD deal", method: "POST", path: "/api/v1/deals", token: "{rep}",
				body: `{"title":"Yankee","value":{"amount":1000,"currency":"USD"}}`, status: 201},
			{name: "rep: board shows only rep's deals and counts", method: "GET", path: "/api/v1/pipelines/{p1}/board", token: "{rep}", status: 200,
				contains: []string{`"name":"New business"`, `"count":3,"total":{"amount":120900,"currency":"EUR"}`, `"count":1,"total":{"amount":3240,"currency":"EUR"}`, "Acme widgets"},
				absent:   []string{"Secret rep2 deal", "99900", `"id":"{secret}"`}},
			{name: "admin: board counts every deal", method: "GET", path: "/api/v1/pipelines/{p1}/board", status: 200,
				contains: []string{`"count":2,"total":{"amount":103140,"currency":"EUR"}`, "Secret rep2 deal"}},
			{name: "admin: board of one owner", method: "GET", path: "/api/v1/pipelines/{p1}/board?owner_id={rep2_id}", status: 200,
				contains: []string{`"count":1,"total":{"amount":99900,"currency":"EUR"}`}, absent: []string{"Acme widgets"}},
			{name: "board: bad owner", method: "GET", path: "/api/v1/pipelines/{p1}/board?owner_id=x", status: 400, contains: []string{`"field":"owner_id"`}},
			{name: "rep: nothing rots yet", method: "GET", path: "/api/v1/deals/rotting", token: "{rep}", status: 200, contains: []string{`"data":[]`}},
			{name: "rep: without a task: own open deals only", method: "GET", path: "/api/v1/deals/without-task", token: "{rep}", status: 200,
				contains: []string{`"id":"{deal}"`, `"id":"{doomed}"`}, absent: []string{"Secret rep2 deal"}},
			{name: "rep: a task on the deal", method: "POST", path: "/api/v1/tasks", token: "{rep}",
				body: `{"title":"Call Ada","record_type":"deal","record_id":"{deal}","done":false}`, status: 201},
			{name: "rep: the deal has a next step now", method: "GET", path: "/api/v1/deals/without-task?limit=1", token: "{rep}", status: 200,
				contains: []string{`"id":"{doomed}"`, `"next_cursor"`}, absent: []string{`"id":"{deal}"`}},
			{name: "without-task: unknown parameter", method: "GET", path: "/api/v1/deals/without-task?stage=1", token: "{rep}", status: 400,
				contains: []string{`"field":"stage"`}},
			{name: "admin: a stage with open deals stays", method: "DELETE", path: "/api/v1/stages/{s2}", status: 409, contains: []string{"open deals"}},
			{name: "admin: a pipeline with open deals stays", method: "DELETE", path: "/api/v1/pipelines/{p1}", status: 409},
			{name: "admin: an empty stage goes", method: "DELETE", path: "/api/v1/stages/{s3}", status: 204},
		})
		clk.advance(8 * 24 * time.Hour)
		e.run(t, []step{
			{name: "rep: the deal rots in proposal", method: "GET", path: "/api/v1/deals/rotting", token: "{rep}", status: 200,
				contains: []string{`"id":"{deal}"`}, absent: []string{"Secret rep2 deal", `"id":"{doomed}"`}},
			{name: "admin: both rot", method: "GET", path: "/api/v1/deals/rotting?owner_id={rep2_id}", status: 200,
				contains: []string{`"id":"{secret}"`}, absent: []string{`"id":"{deal}"`}},
		})
	})
}

// setupSteps are what an administrator sets up before selling.
func setupSteps() []step {
	return []step{
		{name: "admin: pipeline", method: "POST", path: "/api/v1/pipelines", body: `{"name":"New business"}`, status: 201,
			contains: []string{`"position":1`}, save: map[string]string{"p1": "id"}},
		{name: "admin: second pipeline", method: "POST", path: "/api/v1/pipelines", body: `{"name":"Repeat"}`, status: 201,
			contains: []string{`"position":2`}, save: map[string]string{"p2": "id"}},
		{name: "admin: stage", method: "POST", path: "/api/v1/stages", body: `{"pipeline_id":"{p1}","name":"Qualified","probability":10}`,
			status: 201, save: map[string]string{"s1": "id"}},
		{name: "admin: stage with a gate", method: "POST", path: "/api/v1/stages",
			body:   `{"pipeline_id":"{p1}","name":"Proposal","probability":40,"rotting_days":7,"required_fields":["expected_close_date","contacts"]}`,
			status: 201, contains: []string{`"position":2`}, save: map[string]string{"s2": "id"}},
		{name: "admin: third stage", method: "POST", path: "/api/v1/stages", body: `{"pipeline_id":"{p1}","name":"Negotiation"}`,
			status: 201, save: map[string]string{"s3": "id"}},
		{name: "admin: gate on an unknown field", method: "POST", path: "/api/v1/stages",
			body: `{"pipeline_id":"{p1}","name":"Bad","required_fields":["budget"]}`, status: 400, contains: []string{`"field":"required_fields[0]"`}},
		{name: "admin: stage of the other pipeline", method: "POST", path: "/api/v1/stages", body: `{"pipeline_id":"{p2}","name":"Reorder"}`,
			status: 201, save: map[string]string{"reorder": "id"}},
		{name: "admin: a stage keeps its pipeline", method: "PATCH", path: "/api/v1/stages/{reorder}", body: `{"version":1,"pipeline_id":"{p1}"}`,
			status: 400, contains: []string{`"field":"pipeline_id"`}},
		{name: "admin: loss reason", method: "POST", path: "/api/v1/loss_reasons", body: `{"name":"Price"}`, status: 201,
			contains: []string{`"active":true`}, save: map[string]string{"price": "id"}},
		{name: "admin: retired loss reason", method: "POST", path: "/api/v1/loss_reasons", body: `{"name":"Old","active":false}`, status: 201,
			save: map[string]string{"old_reason": "id"}},
		{name: "admin: product", method: "POST", path: "/api/v1/products",
			body: `{"name":"Widget","price":{"amount":1000,"currency":"EUR"},"tax_rate":20,"low_stock_threshold":5}`, status: 201,
			save: map[string]string{"widget": "id"}},
		{name: "admin: product without a price", method: "POST", path: "/api/v1/products", body: `{"name":"Gadget"}`, status: 201,
			save: map[string]string{"gadget": "id"}},
		{name: "admin: stock in the default warehouse", method: "PUT", path: "/api/v1/products/{widget}/stock", body: `{"quantity":10}`,
			status: 200, contains: []string{`"total":10`, `"name":"Main"`}},
		{name: "admin: second warehouse", method: "POST", path: "/api/v1/warehouses", body: `{"name":"North"}`, status: 201,
			contains: []string{`"default":false`}, save: map[string]string{"north": "id"}},
		{name: "admin: stock there", method: "PUT", path: "/api/v1/products/{widget}/stock", body: `{"warehouse_id":"{north}","quantity":2}`,
			status: 200, contains: []string{`"total":12`}},
		{name: "admin: negative stock refused", method: "POST", path: "/api/v1/products/{widget}/stock/adjustments", body: `{"delta":-11}`,
			status: 409, contains: []string{`"field":"delta"`}},
		{name: "rep: cannot set stock", method: "PUT", path: "/api/v1/products/{widget}/stock", token: "{rep}", body: `{"quantity":1}`, status: 403},
		{name: "rep: cannot change settings", method: "PATCH", path: "/api/v1/settings/sales", token: "{rep}", body: `{"base_currency":"USD"}`, status: 403},
		{name: "rep: reads settings", method: "GET", path: "/api/v1/settings/sales", token: "{rep}", status: 200, contains: []string{`"base_currency":"EUR"`}},
		{name: "admin: unknown currency", method: "POST", path: "/api/v1/exchange_rates", body: `{"currency":"XYZ","rate":"1.1","date":"2020-01-01"}`,
			status: 400, contains: []string{`"field":"currency"`}},
		{name: "admin: bad rate and date", method: "POST", path: "/api/v1/exchange_rates", body: `{"currency":"USD","rate":-1,"date":"1/1/2020"}`,
			status: 400, contains: []string{`"field":"rate"`, `"field":"date"`}},
		{name: "admin: rate", method: "POST", path: "/api/v1/exchange_rates", body: `{"currency":"usd","rate":"0.9","date":"2020-01-01"}`,
			status: 201, contains: []string{`"currency":"USD"`, `"rate":"0.9"`}},
		{name: "rep: reads rates", method: "GET", path: "/api/v1/exchange_rates?currency=USD", token: "{rep}", status: 200, contains: []string{`"rate":"0.9"`}},

		{name: "other workspace: our stage is not found", method: "POST", path: "/api/v1/deals", token: "{other}",
			body: `{"title":"Probe","stage_id":"{s1}"}`, status: 400, contains: []string{`"field":"stage_id"`, "no stage with id"}},
		{name: "other workspace: our pipeline is not found", method: "POST", path: "/api/v1/deals", token: "{other}",
			body: `{"title":"Probe","pipeline_id":"{p1}"}`, status: 400, contains: []string{`"field":"pipeline_id"`}},
		{name: "other workspace: no board of ours", method: "GET", path: "/api/v1/pipelines/{p1}/board", token: "{other}", status: 404},
		{name: "other workspace: no stock of ours", method: "GET", path: "/api/v1/products/{widget}/stock", token: "{other}", status: 404},
		{name: "other workspace: cannot set our stock", method: "PUT", path: "/api/v1/products/{widget}/stock", token: "{other}", body: `{"quantity":0}`, status: 404},
		{name: "other workspace: own pipeline", method: "POST", path: "/api/v1/pipelines", token: "{other}", body: `{"name":"Theirs"}`, status: 201,
			save: map[string]string{"theirs": "id"}},
		{name: "other workspace: own stage", method: "POST", path: "/api/v1/stages", token: "{other}", body: `{"pipeline_id":"{theirs}","name":"First"}`, status: 201},
		{name: "other workspace: our product is not found", method: "POST", path: "/api/v1/deals", token: "{other}",
			body: `{"title":"Probe","line_items":[{"product_id":"{widget}","quantity":1}]}`, status: 400,
			contains: []string{`"field":"line_items[0].product_id"`, "no product with id"}},
		{name: "other workspace: no deals left half written", method: "GET", path: "/api/v1/deals?count=true", token: "{other}", status: 200,
			contains: []string{`"total":0`}},
	}
}

// checkHistory checks that a deal has stays stays in stages, every one but
// the last closed.
func checkHistory(t *testing.T, db *store.DB, deal string, stays int) {
	t.Helper()
	rows, err := db.Reader().QueryContext(context.Background(), `SELECT left_at IS NULL, entered_by IS NOT NULL FROM deal_stage_history
		WHERE workspace_id = 1 AND deal_id = ? ORDER BY id`, deal)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var open, by bool
		if err := rows.Scan(&open, &by); err != nil {
			t.Fatal(err)
		}
		n++
		if open != (n == stays) || !by {
			t.Errorf("stay %d: open %v, entered by someone %v", n, open, by)
		}
	}
	if n != stays {
		t.Errorf("%d stays in stages, want %d", n, stays)
	}
}

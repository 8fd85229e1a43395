package main

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestSalesStory runs the sales core's "done when" against the real binary
// on each database: through the API alone a salesperson takes a deal from
// first contact to won with line items and sees stock drop, the timeline
// tells the whole story, and the caller lookup finds the contact from a
// number typed any way.
func TestSalesStory(t *testing.T) {
	for name, db := range dbArgs(t) {
		t.Run(name, func(t *testing.T) {
			rapport(t, append([]string{"migrate"}, db...)...)
			srv := startServer(t, db)
			admin := userToken(t, db, "boss@example.com", "administrator")
			sam := userToken(t, db, "sam@example.com", "salesperson")
			must := func(token, method, path, body string, want int) map[string]any {
				t.Helper()
				status, m := srv.call(t, token, method, path, body)
				if status != want {
					t.Fatalf("%s %s: %d, want %d: %v", method, path, status, want, m)
				}
				return m
			}

			// The administrator sets up a pipeline with a gated stage, a
			// loss reason and a product in stock.
			p := must(admin, "POST", "/api/v1/pipelines", `{"name": "New customers"}`, 201)
			pid := p["id"].(string)
			lead := must(admin, "POST", "/api/v1/stages", `{"pipeline_id": "`+pid+`", "name": "Lead", "position": 1, "probability": 10}`, 201)["id"].(string)
			offer := must(admin, "POST", "/api/v1/stages", `{"pipeline_id": "`+pid+`", "name": "Offer", "position": 2, "probability": 60, "required_fields": ["expected_close_date"]}`, 201)["id"].(string)
			must(admin, "POST", "/api/v1/loss_reasons", `{"name": "Price", "active": true}`, 201)
			prod := must(admin, "POST", "/api/v1/products", `{"name": "Widget", "sku": "W-1", "price": {"amount": 2500, "currency": "EUR"}, "tax_rate": 0, "active": true}`, 201)["id"].(string)
			must(admin, "PUT", "/api/v1/products/"+prod+"/stock", `{"quantity": 10}`, 200)

			// The salesperson meets a customer.
			co := must(sam, "POST", "/api/v1/companies", `{"name": "Analytical Engines Ltd"}`, 201)["id"].(string)
			ada := must(sam, "POST", "/api/v1/contacts", `{"first_name": "Ada", "last_name": "Lovelace", "phones": ["(415) 555-2671"],
				"companies": [{"id": "`+co+`", "role": "CTO"}]}`, 201)["id"].(string)
			must(sam, "POST", "/api/v1/notes", `{"body": "<p>Met at the fair; wants <b>three</b> widgets</p>", "record_type": "contact", "record_id": "`+ada+`"}`, 201)
			deal := must(sam, "POST", "/api/v1/deals", `{"title": "Widgets for AE", "company_id": "`+co+`", "contacts": [{"id": "`+ada+`", "role": "buyer"}],
				"line_items": [{"product_id": "`+prod+`", "quantity": 3}]}`, 201)
			did := deal["id"].(string)
			if deal["stage_id"] != lead || fmt.Sprint(deal["value"].(map[string]any)["amount"]) != "7500" {
				t.Fatalf("new deal: stage %v value %v", deal["stage_id"], deal["value"])
			}
			must(sam, "POST", "/api/v1/tasks", `{"title": "Send the offer", "type": "email", "due_at": "2030-01-01T09:00:00Z", "record_type": "deal", "record_id": "`+did+`"}`, 201)

			// The caller lookup finds Ada however her number is typed, once
			// the index has caught up with the outbox.
			waitFor(t, func() (bool, string) {
				m := must(sam, "GET", "/api/v1/lookup/phone?number=4155552671", "", 200)
				return strings.Contains(fmt.Sprint(m["contacts"]), ada), fmt.Sprint(m)
			})
			for _, typed := range []string{"(415) 555-2671", "415.555.2671", "+1 415 555 2671", "+14155552671", "1-415-555-2671"} {
				m := must(sam, "GET", "/api/v1/lookup/phone?number="+url.QueryEscape(typed), "", 200)
				if !strings.Contains(fmt.Sprint(m["contacts"]), ada) || !strings.Contains(fmt.Sprint(m["deals"]), did) {
					t.Fatalf("lookup %q: %v", typed, m)
				}
			}

			// The gate refuses the offer stage until a close date is set.
			status, m := srv.call(t, sam, "PATCH", "/api/v1/deals/"+did, `{"stage_id": "`+offer+`", "version": 1}`)
			if status != 400 || !strings.Contains(fmt.Sprint(m), "expected_close_date") {
				t.Fatalf("gated move: %d %v", status, m)
			}
			d := must(sam, "PATCH", "/api/v1/deals/"+did, `{"stage_id": "`+offer+`", "expected_close_date": "2030-02-01", "version": 1}`, 200)
			d = must(sam, "PATCH", "/api/v1/deals/"+did, fmt.Sprintf(`{"status": "won", "version": %v}`, d["version"]), 200)
			if d["closed_at"] == nil {
				t.Fatalf("won deal has no close time: %v", d)
			}
			stock := must(sam, "GET", "/api/v1/products/"+prod+"/stock", "", 200)
			if fmt.Sprint(stock["total"]) != "7" {
				t.Fatalf("stock after the win: %v", stock)
			}

			// The timeline of the contact tells the story: the note, the
			// deal's stage changes, and the records' creation.
			waitFor(t, func() (bool, string) {
				m := must(sam, "GET", "/api/v1/contacts/"+ada+"/timeline", "", 200)
				text := fmt.Sprint(m["data"])
				return strings.Contains(text, "note") && strings.Contains(text, "stage_change") && strings.Contains(text, "created"), text
			})
			// And search finds her as the name is typed.
			waitFor(t, func() (bool, string) {
				m := must(sam, "GET", "/api/v1/search?q=lov", "", 200)
				return strings.Contains(fmt.Sprint(m["data"]), ada), fmt.Sprint(m)
			})
		})
	}
}

// userToken creates a user with role and returns an API token of theirs.
func userToken(t *testing.T, db []string, email, role string) string {
	t.Helper()
	rapport(t, append([]string{"user", "create", "--email", email, "--password", "long-enough-secret", "--role", role}, db...)...)
	out := strings.TrimSpace(rapport(t, append([]string{"token", "create", "--email", email, "--name", "story"}, db...)...))
	return out[strings.LastIndex(out, "\n")+1:]
}

// waitFor retries cond while background work (the audit trail, the search
// index) catches up with the outbox, and fails with cond's last answer.
func waitFor(t *testing.T, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok, last := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not reached in time; last answer: %s", last)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

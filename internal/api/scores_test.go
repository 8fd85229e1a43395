package api_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestScoreRules: bad rules are refused naming what is wrong, a logged
// call that a rule counts changes the lead score, the score endpoint says
// why, and a salesperson reaches neither the rules nor the models.
func TestScoreRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFullAPI(t, db)
		admin := f.tokens["admin"]
		for _, c := range []struct{ body, names string }{
			{`{"object": "contact", "kind": "field", "field": "shoe_size", "value": "42", "points": 5}`, `"field":"field"`},
			{`{"object": "contact", "kind": "field", "field": "source", "value": "pigeon", "points": 5}`, `"field":"value"`},
			{`{"object": "deal", "kind": "activity", "activity": "call", "points": 1001}`, `"field":"points"`},
			{`{"object": "deal", "kind": "activity", "activity": "call", "points": "many"}`, `points`},
		} {
			status, text := f.call(admin, "POST", "/api/v1/scores/rules", c.body)
			if status != 400 || !strings.Contains(text, c.names) {
				t.Errorf("%s: %d %s, want 400 naming %s", c.body, status, text, c.names)
			}
		}
		f.made(admin, "POST", "/api/v1/scores/rules", `{"object": "contact", "kind": "field", "field": "source", "value": "web_form", "points": 10}`, 201)
		f.made(admin, "POST", "/api/v1/scores/rules", `{"object": "contact", "kind": "activity", "activity": "call_answered", "points": 5}`, 201)
		contact := f.made(admin, "POST", "/api/v1/contacts", `{"first_name": "Ada", "source": "web_form"}`, 201)
		if _, text := f.call(admin, "GET", "/api/v1/contacts/"+contact+"/score", ""); !strings.Contains(text, `"total":10`) {
			t.Fatalf("score before the call: %s", text)
		}
		f.made(admin, "POST", "/api/v1/calls", `{"direction": "inbound", "call_result": "answered", "record_type": "contact", "record_id": "`+contact+`"}`, 201)
		status, text := f.call(admin, "GET", "/api/v1/contacts/"+contact+"/score", "")
		if status != 200 || !strings.Contains(text, `"total":15`) || !strings.Contains(text, `"activity":"call_answered"`) {
			t.Fatalf("score after the call: %s", text)
		}
		other := f.made(admin, "POST", "/api/v1/contacts", `{"first_name": "Bob", "source": "referral"}`, 201)
		status, text = f.call(admin, "GET", "/api/v1/contacts?lead_score[gte]=15&sort=-lead_score", "")
		if status != 200 || !strings.Contains(text, `"id":"`+contact+`"`) || strings.Contains(text, `"id":"`+other+`"`) {
			t.Errorf("the list filtered by lead score: %d %s", status, text)
		}
		// A role that reads no calls, nor the source, is told neither.
		sales := access.BuiltinRoles()[2].Spec()
		grants := access.Grants{}
		for object, g := range sales.Grants {
			if object != "activity" {
				grants[object] = g
			}
		}
		f.become(access.Role{Name: "no_calls", Grants: grants, Fields: access.FieldRules{"contact": {"source": "hidden"}}})
		me := f.tokens[accesstest.Self]
		f.call(admin, "PATCH", "/api/v1/contacts/"+contact, `{"version": 1, "owner_id": "`+strconv.FormatInt(f.people.Actor(), 10)+`"}`)
		status, text = f.call(me, "GET", "/api/v1/contacts/"+contact+"/score", "")
		if status != 200 || strings.Contains(text, "call_answered") || strings.Contains(text, "web_form") {
			t.Errorf("the score as a role without calls or sources: %d %s", status, text)
		}
		f.become(access.BuiltinRoles()[2]) // salesperson
		for _, path := range []string{"/api/v1/scores/rules", "/api/v1/scores/models"} {
			if status, _ := f.call(me, "GET", path, ""); status != 403 {
				t.Errorf("a salesperson reads %s: %d", path, status)
			}
		}
		if status, _ := f.call(me, "POST", "/api/v1/scores/rules", `{"object": "contact", "kind": "activity", "activity": "call", "points": 1}`); status != 403 {
			t.Errorf("a salesperson adds a rule: %d", status)
		}
	})
}

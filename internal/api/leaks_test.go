package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/activity"
	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/assign"
	"github.com/rapport-crm/rapport/internal/audit"
	"github.com/rapport-crm/rapport/internal/duplicate"
	"github.com/rapport-crm/rapport/internal/inbox"
	"github.com/rapport-crm/rapport/internal/letter"
	"github.com/rapport-crm/rapport/internal/phone"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/scores"
	"github.com/rapport-crm/rapport/internal/search"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
	"github.com/rapport-crm/rapport/internal/value"
	"github.com/rapport-crm/rapport/internal/webhook"
)

// fullAPI is a running API with every domain service, over the people of
// accesstest.Setup, with the outbox consumers run on demand (catchUp)
// rather than by a job queue.
type fullAPI struct {
	*permAPI
	server *api.Server
	search *search.Service
	audit  *audit.Consumer
	hooks  *webhook.Consumer
}

func newFullAPI(t *testing.T, db *store.DB) *fullAPI {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	pol := access.NewRolePolicy(db)
	engine := records.New(db, records.Options{Policy: pol, PhoneRegion: "US", Logger: quiet})
	accounts := account.New(db)
	s := &api.Server{Engine: engine, Accounts: accounts, DB: db, Version: "test", Log: quiet,
		Sales:      sales.New(db, engine, sales.Options{Logger: quiet}),
		Activity:   activity.New(db, engine, activity.Options{Logger: quiet, PhoneRegion: "US"}),
		Search:     search.New(db, engine, search.Options{Logger: quiet, PhoneRegion: "US"}),
		Duplicates: duplicate.New(db, engine, duplicate.Options{Logger: quiet, PhoneRegion: "US"})}
	rules := assign.New(db, assign.Options{Logger: quiet}) // the assignment rules choose unowned records' owners
	rules.Hook(engine)
	s.Inbox = inbox.New(db, engine, inbox.Options{Logger: quiet, PhoneRegion: "US", Assign: rules})
	s.Letters = letter.New(db, engine, letter.Options{})
	s.Scores = scores.New(db, engine, scores.Options{Logger: quiet})                                    // scores
	s.Value = value.New(db, engine, s.Sales, value.Options{Logger: quiet})                              // value
	s.Phone = phone.New(db, engine, s.Search, s.Inbox, phone.Options{Logger: quiet, PhoneRegion: "US"}) // phone
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	p := &permAPI{t: t, db: db, srv: srv, pol: pol, engine: engine, accounts: accounts, tokens: map[string]string{}}
	p.people = accesstest.Setup(t, db, 1)
	for who, email := range p.people.Email {
		p.tokens[who] = p.token(1, email)
	}
	return &fullAPI{permAPI: p, server: s, search: s.Search, audit: audit.NewConsumer(db, audit.Options{Logger: quiet}),
		hooks: webhook.New(db, webhook.Options{Logger: quiet}).NewConsumer(0)}
}

// catchUp brings the search index and the audit trail up to every change
// committed so far, as their background consumers would.
func (f *fullAPI) catchUp() {
	f.t.Helper()
	ctx := context.Background()
	if err := f.search.CatchUp(ctx); err != nil {
		f.t.Fatal(err)
	}
	if err := f.audit.CatchUp(ctx); err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.hooks.Run(ctx); err != nil {
		f.t.Fatal(err)
	}
}

// pipeline creates a pipeline with stages named names and returns the ids
// of the pipeline and of the stages.
func (f *fullAPI) pipeline(names ...string) (string, []string) {
	f.t.Helper()
	admin := f.tokens["admin"]
	pipeline := f.made(admin, "POST", "/api/v1/pipelines", `{"name": "Sales"}`, 201)
	var stages []string
	for i, n := range names {
		stages = append(stages, f.made(admin, "POST", "/api/v1/stages",
			fmt.Sprintf(`{"name": %q, "pipeline_id": %q, "position": %d}`, n, pipeline, i), 201))
	}
	return pipeline, stages
}

// TestDerivedFieldsFollowTheirSources: a field computed from a hidden field
// is hidden with it, in records, filters, sorts, the fields list, search
// and the timeline.
func TestDerivedFieldsFollowTheirSources(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFullAPI(t, db)
		admin, me := f.tokens["admin"], f.tokens[accesstest.Self]
		kim := f.made(admin, "POST", "/api/v1/contacts", `{"first_name": "Kim", "last_name": "Surnamesecret"}`, 201)
		f.made(admin, "POST", "/api/v1/companies", `{"name": "Acme", "website": "https://websitesecret.example/about"}`, 201)
		f.catchUp()
		reader := access.BuiltinRoles()[3].Spec()
		f.become(access.Role{Name: "no_surnames", Grants: reader.Grants,
			Fields: access.FieldRules{"contact": {"last_name": "hidden"}, "company": {"website": "hidden"}}})
		for _, c := range []struct{ method, path, body string }{
			{"GET", "/api/v1/contacts/" + kim, ""},
			{"GET", "/api/v1/contacts", ""},
			{"POST", "/api/v1/contacts/query", `{}`},
			{"GET", "/api/v1/companies", ""},
			{"GET", "/api/v1/fields/contacts", ""},
			{"GET", "/api/v1/fields/companies", ""},
			{"GET", "/api/v1/contacts/" + kim + "/timeline", ""},
			{"GET", "/api/v1/search?q=acme", ""},
			{"GET", "/api/v1/openapi.json", ""},
		} {
			status, text := f.call(me, c.method, c.path, c.body)
			if status != 200 {
				t.Errorf("%s %s: %d %s", c.method, c.path, status, text)
			}
			for _, secret := range []string{"urnamesecret", "websitesecret", `"full_name"`, `"domain"`} {
				if strings.Contains(text, secret) {
					t.Errorf("%s %s shows %s:\n%s", c.method, c.path, secret, text)
				}
			}
		}
		// Filtering or sorting by the derived field is answered as for a
		// field that does not exist.
		for _, c := range []struct{ path, body string }{
			{"/api/v1/contacts?FIELD[contains]=secret", ""},
			{"/api/v1/contacts?sort=FIELD", ""},
			{"/api/v1/contacts/query", `{"filter": {"field": "FIELD", "op": "contains", "value": "secret"}}`},
		} {
			method := "GET"
			if c.body != "" {
				method = "POST"
			}
			s1, derived := f.call(me, method, strings.ReplaceAll(c.path, "FIELD", "full_name"), strings.ReplaceAll(c.body, "FIELD", "full_name"))
			s2, missing := f.call(me, method, strings.ReplaceAll(c.path, "FIELD", "zzfull_name"), strings.ReplaceAll(c.body, "FIELD", "zzfull_name"))
			if s1 != 400 || s1 != s2 || strip(derived, "full_name") != strip(missing, "zzfull_name") {
				t.Errorf("%s %s on full_name: %d %s\non a missing field: %d %s", method, c.path, s1, derived, s2, missing)
			}
		}
		// The fields list says what a field is derived from.
		_, text := f.call(admin, "GET", "/api/v1/fields/contacts", "")
		if !strings.Contains(text, `"derived_from":["first_name","last_name"]`) {
			t.Errorf("the fields list does not say full_name is derived: %s", text)
		}
	})
}

// TestDealValueHidden: with a deal's value hidden, neither its line items
// nor the board's totals (one owner at a time) give it away, and a stage
// gate does not tell whether a hidden field is filled in.
func TestDealValueHidden(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFullAPI(t, db)
		admin, me := f.tokens["admin"], f.tokens[accesstest.Self]
		pipeline, stages := f.pipeline("Lead", "Proposal")
		f.made(admin, "PATCH", "/api/v1/stages/"+stages[1], `{"required_fields": ["value"], "version": 1}`, 200)
		deal := f.made(admin, "POST", "/api/v1/deals", fmt.Sprintf(`{"title": "Anvils", "owner_id": "%d", "stage_id": %q,
			"line_items": [{"name": "Anvil", "quantity": 3, "unit_price": {"amount": 12345, "currency": "EUR"}}]}`, f.people.Actor(), stages[0]), 201)
		empty := f.made(admin, "POST", "/api/v1/deals", fmt.Sprintf(`{"title": "Nothing yet", "owner_id": "%d", "stage_id": %q}`,
			f.people.Actor(), stages[0]), 201)
		sales := access.BuiltinRoles()[2].Spec()
		f.become(access.Role{Name: "no_values", Grants: sales.Grants, Fields: access.FieldRules{"deal": {"value": "hidden"}}})
		for _, path := range []string{
			"/api/v1/deals/" + deal,
			"/api/v1/deals",
			"/api/v1/pipelines/" + pipeline + "/board",
			fmt.Sprintf("/api/v1/pipelines/%s/board?owner_id=%d", pipeline, f.people.Actor()),
		} {
			status, text := f.call(me, "GET", path, "")
			if status != 200 {
				t.Fatalf("GET %s: %d %s", path, status, text)
			}
			for _, secret := range []string{"12345", "37035", "line_items", `"value":`} {
				if strings.Contains(text, secret) {
					t.Errorf("GET %s shows %s:\n%s", path, secret, text)
				}
			}
			if strings.Contains(path, "board") && !strings.Contains(text, `"total":null`) {
				t.Errorf("GET %s: the totals should be null:\n%s", path, text)
			}
		}
		// Moving either deal into the stage that requires the hidden value
		// answers alike, whether the value is filled in or not.
		var answers []string
		for _, id := range []string{deal, empty} {
			status, text := f.call(me, "PATCH", "/api/v1/deals/"+id, fmt.Sprintf(`{"stage_id": %q, "version": 1}`, stages[1]))
			if status != 400 {
				t.Errorf("moving deal %s: %d %s", id, status, text)
			}
			if strings.Contains(text, `"value"`) {
				t.Errorf("moving deal %s names the hidden field: %s", id, text)
			}
			answers = append(answers, strip(text, id))
		}
		if answers[0] != answers[1] {
			t.Errorf("a filled and an empty hidden value answer differently:\n%s\n%s", answers[0], answers[1])
		}
	})
}

// TestLookupHonoursHiddenActivityFields: the caller lookup's last activity
// shows no note body or task title that the caller's role hides.
func TestLookupHonoursHiddenActivityFields(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFullAPI(t, db)
		admin, me := f.tokens["admin"], f.tokens[accesstest.Self]
		ada := f.made(admin, "POST", "/api/v1/contacts", `{"first_name": "Ada", "phones": ["+1 415 555 2671"]}`, 201)
		bob := f.made(admin, "POST", "/api/v1/contacts", `{"first_name": "Bob", "phones": ["+1 415 555 2672"]}`, 201)
		f.made(admin, "POST", "/api/v1/notes", fmt.Sprintf(`{"body": "notebodysecret", "record_type": "contact", "record_id": %q}`, ada), 201)
		f.made(admin, "POST", "/api/v1/tasks", fmt.Sprintf(`{"title": "tasktitlesecret", "due_at": "2030-01-01T00:00:00Z", "record_type": "contact", "record_id": %q}`, bob), 201)
		f.catchUp()
		reader := access.BuiltinRoles()[3].Spec()
		f.become(access.Role{Name: "no_bodies", Grants: reader.Grants,
			Fields: access.FieldRules{"activity": {"body": "hidden"}, "task": {"title": "hidden"}}})
		for _, number := range []string{"%2B14155552671", "%2B14155552672"} {
			status, text := f.call(me, "GET", "/api/v1/lookup/phone?number="+number, "")
			if status != 200 || !strings.Contains(text, `"last_activity":{`) {
				t.Errorf("lookup %s: %d %s", number, status, text)
			}
			for _, secret := range []string{"notebodysecret", "tasktitlesecret"} {
				if strings.Contains(text, secret) {
					t.Errorf("lookup %s shows %s:\n%s", number, secret, text)
				}
			}
		}
	})
}

// TestTimelineLinksStayInScope: a timeline shows no link to a record its
// reader cannot open.
func TestTimelineLinksStayInScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFullAPI(t, db)
		admin, me := f.tokens["admin"], f.tokens[accesstest.Self]
		mate := f.people.ByCls[accesstest.Outsider]
		f.pipeline("Lead")
		mine := f.made(admin, "POST", "/api/v1/companies", fmt.Sprintf(`{"name": "Mine", "owner_id": "%d"}`, f.people.Actor()), 201)
		theirs := f.made(admin, "POST", "/api/v1/companies", fmt.Sprintf(`{"name": "Theirs", "owner_id": "%d"}`, mate), 201)
		their := f.made(admin, "POST", "/api/v1/contacts", fmt.Sprintf(`{"first_name": "Other", "owner_id": "%d"}`, mate), 201)
		contact := f.made(admin, "POST", "/api/v1/contacts", fmt.Sprintf(`{"first_name": "Ada", "owner_id": "%d", "companies": [%q, %q]}`,
			f.people.Actor(), mine, theirs), 201)
		deal := f.made(admin, "POST", "/api/v1/deals", fmt.Sprintf(`{"title": "Deal", "owner_id": "%d", "company_id": %q, "contacts": [%q, %q]}`,
			f.people.Actor(), theirs, contact, their), 201)
		f.made(admin, "PATCH", "/api/v1/deals/"+deal, fmt.Sprintf(`{"company_id": %q, "version": 1}`, mine), 200)
		// A change of unreadable links only is no change to this reader.
		their2 := f.made(admin, "POST", "/api/v1/contacts", fmt.Sprintf(`{"first_name": "Another", "owner_id": "%d"}`, mate), 201)
		f.made(admin, "PATCH", "/api/v1/deals/"+deal, fmt.Sprintf(`{"contacts": [%q, %q, %q], "version": 2}`, contact, their, their2), 200)
		f.catchUp()
		f.become(access.BuiltinRoles()[2]) // salesperson
		for _, path := range []string{"/api/v1/contacts/" + contact + "/timeline", "/api/v1/deals/" + deal + "/timeline"} {
			page := f.timeline(me, path)
			if len(page.Data) == 0 {
				t.Errorf("GET %s is empty", path)
			}
			for _, it := range page.Data {
				for field, change := range it.Changes {
					raw, _ := json.Marshal(change)
					if m, ok := change.(map[string]any); ok && it.Kind == "field_change" && jsonText(m["before"]) == jsonText(m["after"]) {
						t.Errorf("GET %s: a change of %s that changes nothing the reader sees: %s", path, field, jsonText(change))
					}
					unreadable := map[string]string{"companies": theirs, "company_id": theirs, "contacts": their}[field]
					if unreadable != "" && strings.Contains(string(raw), `"`+unreadable+`"`) {
						t.Errorf("GET %s: the %s entry's %s links to %s, which the reader cannot open: %s", path, it.Kind, field, unreadable, raw)
					}
				}
			}
		}
	})
}

// TestReadOnlyTokenChangesNothing: a token that may only read is refused
// by every endpoint that changes something, and still served by those that
// only read through POST.
func TestReadOnlyTokenChangesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFullAPI(t, db)
		ro, err := f.accounts.CreateToken(context.Background(), 1, f.people.Email["admin"], "ro", account.ScopeRead, nil)
		if err != nil {
			t.Fatal(err)
		}
		addNotification(t, db, f.people.Admin, "unread")
		contact := f.made(f.tokens["admin"], "POST", "/api/v1/contacts", `{"first_name": "Ada"}`, 201)
		// The endpoints that take a POST only to read, and those open to
		// anyone without credentials.
		reads := map[string]bool{
			"POST /api/v1/contacts/duplicates/check":  true,
			"POST /api/v1/companies/duplicates/check": true,
			"POST /api/v1/sessions":                   true,
			"POST /api/v1/password-resets":            true,
			"POST /api/v1/password-resets/{token}":    true,
			"POST /api/v1/password-resets/confirm":    true,
			"POST /api/v1/reports/custom":             true, // builder
			// A phone system's events and a chat provider's messages carry
			// the integration's or channel's own token.
			"POST /api/v1/calls/events":            true,
			"POST /api/v1/chat/{channel}/messages": true,
		}
		for _, rt := range f.server.Routes() {
			route := rt.Pattern
			method, path, _ := strings.Cut(route, " ")
			if method == "GET" || method == "" || !strings.HasPrefix(path, "/api/v1/") || reads[route] {
				continue
			}
			path = strings.NewReplacer("{object}", "contacts", "{id}", contact, "{name}", "read_only",
				"{first}/{second}", "fields/contacts").Replace(path)
			status, text := f.call(ro, method, path, `{}`)
			if status != 403 || !strings.Contains(text, "may only read") {
				t.Errorf("%s %s with a read-only token: %d %s", method, path, status, text)
			}
		}
		for _, c := range []struct{ method, path string }{
			{"POST", "/api/v1/contacts/query"},
			{"POST", "/api/v1/contacts/duplicates/check"},
			{"GET", "/api/v1/notifications?unread=true"},
		} {
			if status, text := f.call(ro, c.method, c.path, `{}`); status != 200 {
				t.Errorf("%s %s with a read-only token: %d %s", c.method, c.path, status, text)
			}
		}
		// builder: a report only reads.
		if status, text := f.call(ro, "POST", "/api/v1/reports/custom", `{"object": "contacts", "measures": [{"op": "count"}]}`); status != 200 {
			t.Errorf("a report with a read-only token: %d %s", status, text)
		}
		if _, text := f.call(ro, "GET", "/api/v1/notifications?unread=true", ""); !strings.Contains(text, "unread") {
			t.Errorf("the notification was marked read: %s", text)
		}
	})
}

// TestRemindersHonourHiddenFields: a task's reminder copies into the
// assignee's notifications only what their role lets them see of it.
func TestRemindersHonourHiddenFields(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFullAPI(t, db)
		sales := access.BuiltinRoles()[2].Spec()
		f.become(access.Role{Name: "no_titles", Grants: sales.Grants, Fields: access.FieldRules{"task": {"title": "hidden", "due_at": "hidden"}}})
		due := time.Now().Add(5 * time.Minute).UTC().Truncate(time.Minute)
		f.made(f.tokens["admin"], "POST", "/api/v1/tasks", fmt.Sprintf(`{"title": "tasktitlesecret", "due_at": %q, "owner_id": "%d"}`,
			due.Format(time.RFC3339), f.people.Actor()), 201)
		if n, err := f.server.Activity.Remind(context.Background()); err != nil || n != 1 {
			t.Fatalf("remind: %d, %v", n, err)
		}
		status, text := f.call(f.tokens[accesstest.Self], "GET", "/api/v1/notifications", "")
		if status != 200 || !strings.Contains(text, `"title":"Task due soon"`) {
			t.Errorf("notifications: %d %s", status, text)
		}
		for _, secret := range []string{"tasktitlesecret", due.Format("2006-01-02 15:04")} {
			if strings.Contains(text, secret) {
				t.Errorf("the reminder shows %s: %s", secret, text)
			}
		}
	})
}

package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/activity"
	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/duplicate"
	"github.com/rapport-crm/rapport/internal/inbox"
	"github.com/rapport-crm/rapport/internal/letter"
	"github.com/rapport-crm/rapport/internal/mail"
	mailboxes "github.com/rapport-crm/rapport/internal/mailbox"
	"github.com/rapport-crm/rapport/internal/phone"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/scores"
	"github.com/rapport-crm/rapport/internal/search"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestEveryEndpointRefusesBadInput walks the server's route table, and for
// every endpoint sends a request that is valid but for one thing: a bad
// path value, a bad query parameter, or one bad string, key or JSON type
// in an otherwise valid body. Nothing may answer 5xx; NUL, invalid UTF-8,
// unpaired surrogates, controls and bidirectional overrides must answer
// 400 naming where they were; line breaks and invisible marks may be
// stored only in running text; ids have one spelling; no message names a
// Go type. An endpoint added without a valid request in validRequests
// fails the test, so the next one cannot slip by.
func TestEveryEndpointRefusesBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		w := newWalker(t, db)
		for _, rt := range w.server.Routes() {
			build, ok := validRequests[rt.Pattern]
			if !ok {
				t.Errorf("%s: no valid request in validRequests; add one so that its input is checked", rt.Pattern)
				continue
			}
			for _, c := range build(w) {
				c.route = rt
				w.walk(c)
			}
		}
	})
}

// request is a valid request to one endpoint, which the walker spoils one
// part at a time.
type validRequest struct {
	route   api.Route
	path    map[string]string // wildcard values
	query   string            // raw query
	body    string            // JSON; each {n} becomes a fresh number, for names that must be unique
	status  int               // of the valid request; 0 means any below 500, -1 means it is not sent
	object  string            // the records object a body writes, whose long text fields may take line breaks
	ifMatch bool              // send the record's current version in If-Match
	raw     string            // a body sent as it is and never spoilt: a file
	// shape tells apart requests to one route whose bodies differ in
	// shape; another request of a route and shape already walked (the
	// same endpoint for another object) has only its own body spoilt,
	// when that differs, and is sent valid.
	shape      string
	sameBodies bool // every request of the route and shape has the same body
	// text names the body paths that are running text, which may hold
	// line breaks, beside the long text fields of object.
	text []string
}

// validRequests makes, for every route pattern, valid requests to it.
var validRequests = map[string]func(w *walker) []validRequest{
	"GET /api/v1/openapi.json":    just(validRequest{status: 200}),
	"GET /api/v1/fields/{object}": eachObject(func(o string) validRequest { return validRequest{path: pathObject(o), status: 200} }),
	"GET /api/v1/contacts/{id}/personal-data": func(w *walker) []validRequest {
		return []validRequest{{path: map[string]string{"id": w.ids["contact"]}, status: 200}}
	},
	"POST /api/v1/contacts/{id}/erase": func(w *walker) []validRequest {
		id := w.ids["erased_contact"]
		return []validRequest{{path: map[string]string{"id": id}, body: `{"confirm": "` + id + `"}`, status: 200}}
	},
	"GET /api/v1/exports/{object}": eachObject(func(o string) validRequest {
		return validRequest{path: pathObject(o), query: "format=json&sort=-created_at", status: 200}
	}),
	"POST /api/v1/imports": func(w *walker) []validRequest {
		return []validRequest{{query: "object=contacts&on_duplicate=update&match=email&strict=false&dry_run=true&silent=true&dates=day" +
			"&decimal_mark=%2C&file_name=people.csv&delimiter=%3B&encoding=utf-8&sheet=&mapping=" + url.QueryEscape(`{"Kod": "external_id", "Data urodzenia": "new:date"}`),
			raw: "Kod;Imię;E-mail;Data urodzenia\nK1;Jan;jan@walk.example;31.01.1990\n", status: 200},
			{query: "object=companies&dry_run=true&mapping_id=" + w.ids["mapping"], raw: "Firma\nWalk Mapped Ltd\n", status: 200}}
	},
	// inbox: begin
	"GET /api/v1/inbox": func(w *walker) []validRequest {
		return []validRequest{{query: "status=new&channel=api&pipeline_id=" + w.ids["pipeline"] + "&limit=5&cursor=1", status: 200},
			{query: "contact_id=" + w.ids["contact"] + "&company_id=" + w.ids["company"], status: 200}}
	},
	"POST /api/v1/inbox": func(w *walker) []validRequest {
		return []validRequest{{body: `{"channel": "chat", "source": "site", "utm": {"source": "ads", "medium": "cpc", "campaign": "spring", "term": "crm",
			"content": "a"}, "referrer": "https://ref.example/", "payload": {"n": 1}, "name": "Walk {n}", "email": "w{n}@walkin.example",
			"phone": "+1 415 555 0199", "company_name": "Walkers", "pipeline_id": "` + w.ids["pipeline"] + `", "assigned_user_id": "` + w.admin + `"}`, status: 201}}
	},
	"GET /api/v1/inbox/summary": just(validRequest{query: "from=2026-01-01&to=2030-12-31", status: 200}),
	"GET /api/v1/inbox/{id}":    func(w *walker) []validRequest { return []validRequest{{path: pathID(w.ids["inbox"]), status: 200}} },
	"POST /api/v1/inbox/{id}/accept": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["inbox_accept"]), body: `{"pipeline_id": "` + w.ids["pipeline"] + `", "stage_id": "` +
			w.ids["stage"] + `", "title": "Walk deal", "owner_id": "` + w.admin + `"}`, status: 200}}
	},
	"POST /api/v1/inbox/{id}/link": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["inbox_link"]), body: `{"deal_id": "` + w.ids["deal"] + `"}`, status: 200}}
	},
	"POST /api/v1/inbox/{id}/decline": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["inbox_decline"]), body: `{"reason": "A supplier"}`, status: 200}}
	},
	"GET /api/v1/forms": just(validRequest{status: 200}),
	"POST /api/v1/forms": just(validRequest{body: `{"name": "Form {n}", "language": "pl", "fields": [{"name": "email", "label": "E-mail",
		"maps_to": "contact.email", "required": true, "type": "email"}], "allowed_origins": ["https://site.example"],
		"redirect_url": "https://site.example/thanks", "min_fill_seconds": 2, "proof_of_work": 0, "active": true}`, status: 201}),
	"GET /api/v1/forms/{id}": func(w *walker) []validRequest { return []validRequest{{path: pathID(w.ids["form"]), status: 200}} },
	"PUT /api/v1/forms/{id}": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["form"]), body: `{"name": "Walk form", "version": 1, "fields": [{"name": "email", "label": "E-mail",
			"maps_to": "contact.email"}]}`, status: 200}}
	},
	"DELETE /api/v1/forms/{id}": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["doomed_form"]), status: 204}}
	},
	// inbox: end
	"GET /api/v1/chat-channels": just(validRequest{status: 200}),
	"POST /api/v1/chat-channels": just(validRequest{body: `{"name": "Chat {n}", "field_map": {"message_id": "update_id", "sender_id": "message.from.id",
		"sender_name": "message.from.first_name", "sender_phone": "", "sender_email": "", "text": "message.text", "sent_at": "message.date"}}`, status: 201}),
	"GET /api/v1/chat-channels/{id}": func(w *walker) []validRequest { return []validRequest{{path: pathID(w.ids["chat"]), status: 200}} },
	"PUT /api/v1/chat-channels/{id}": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["chat"]), body: `{"name": "Walk chat", "version": 1}`, status: 200}}
	},
	"DELETE /api/v1/chat-channels/{id}": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["doomed_chat"]), status: 204}}
	},
	"POST /api/v1/chat-channels/{id}/replies": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["chat"]), body: `{"contact_id": "` + w.ids["chat_contact"] + `", "text": "Thank you"}`, status: 201,
			text: []string{"text"}}}
	},
	"POST /api/v1/chat/{channel}/messages": func(w *walker) []validRequest {
		return []validRequest{{path: map[string]string{"channel": w.ids["chat_public"]}, query: "token=" + w.ids["chat_token"],
			body: `{"message": {"id": "m{n}", "text": "Hello", "sent_at": "2026-01-01T10:00:00Z"}, "sender": {"id": "s{n}", "name": "Walker",
			"phone": "", "email": "chat@walk.example"}}`, status: 201, text: []string{"message.text"}}}
	},
	"GET /api/v1/mail-templates": just(validRequest{status: 200}),
	"POST /api/v1/mail-templates": just(validRequest{body: `{"name": "Welcome {n}", "object": "contact", "versions": {"en": {"subject": "Hello {{contact.first_name}}",
		"body": "Dear {{contact.full_name}},\nwelcome.\n{{user.name}}"}}}`, status: 201, text: []string{"versions.en.body"}}),
	"GET /api/v1/mail-templates/{id}": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["template"]), status: 200}}
	},
	"PATCH /api/v1/mail-templates/{id}": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["template"]), body: `{"name": "Walk letter {n}", "versions": {"ru": {"subject": "Здравствуйте",
			"body": "{{contact.first_name}}, добрый день."}}}`, status: 200, text: []string{"versions.ru.body"}}}
	},
	"DELETE /api/v1/mail-templates/{id}": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["doomed_template"]), status: 204}}
	},
	"GET /api/v1/mail-templates/{id}/letter": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["template"]), query: "record_id=" + w.ids["contact"], status: 200}}
	},
	"POST /api/v1/mail-templates/{id}/send": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["template"]), body: `{"record_ids": ["` + w.ids["contact"] + `"]}`, status: 202}}
	},
	"POST /api/v1/letters": func(w *walker) []validRequest {
		return []validRequest{{body: `{"object": "contact", "record_id": "` + w.ids["letter_contact"] + `", "subject": "Hello {{contact.first_name}}",
			"body": "Dear {{contact.first_name}},\nthank you."}`, status: 202, text: []string{"body"}}}
	},
	"GET /api/v1/mailboxes": just(validRequest{status: 200}),
	"POST /api/v1/mailboxes": just(validRequest{body: `{"address": "walk{n}@walk.example", "host": "imap.walk.example", "port": 993, "security": "tls",
		"username": "walk{n}", "password": "app password", "folders": ["INBOX", "Sent"], "smtp_host": "smtp.walk.example", "smtp_port": 587,
		"smtp_security": "starttls"}`, status: 201}),
	"DELETE /api/v1/mailboxes/{id}": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["doomed_mailbox"]), status: 204}}
	},
	"PUT /api/v1/mailboxes/{id}/outgoing": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["mailbox"]), body: `{"smtp_host": "smtp{n}.walk.example", "smtp_port": 465, "smtp_security": "tls"}`, status: 200}}
	},
	"GET /api/v1/me/signature":     just(validRequest{status: 200}),
	"PUT /api/v1/me/signature":     just(validRequest{body: `{"signature": "Ada\nWalk Ltd"}`, status: 200, text: []string{"signature"}}),
	"GET /api/v1/assignment-rules": just(validRequest{status: 200}),
	"PUT /api/v1/assignment-rules": func(w *walker) []validRequest {
		return []validRequest{{body: `{"rules": [{"name": "Rule {n}", "objects": ["inbox", "deal"], "sources": ["ads"], "territories": ["PL"],
			"languages": ["pl"], "method": "round_robin", "team_id": "` + w.ids["team"] + `", "hours": {"days": ["mon", "fri"], "from": "09:00",
			"to": "18:00"}, "cap": 20}, {"name": "Owner", "method": "user", "user_id": "` + w.admin + `"}], "fallback_user_id": "` + w.admin + `",
			"days_off": [{"user_id": "` + w.admin + `", "from": "2026-12-24", "to": "2026-12-26"}]}`, status: 200}}
	},
	"GET /api/v1/import-mappings":  just(validRequest{query: "object=companies", status: 200}),
	"POST /api/v1/import-mappings": just(validRequest{body: `{"object": "contacts", "name": "Walk CRM {n}", "mapping": {"Mobile": "phones", "Notes": ""}}`, status: 201}),
	"GET /api/v1/import-mappings/{id}": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["mapping"]), status: 200}}
	},
	"PUT /api/v1/import-mappings/{id}": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["mapping"]), body: `{"name": "Walk mapping {n}", "mapping": {"Firma": "name"}, "version": 1}`, status: 200}}
	},
	"DELETE /api/v1/import-mappings/{id}": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["doomed_mapping"]), status: 204}}
	},
	"GET /api/v1/imports":      just(validRequest{query: "limit=5", status: 200}),
	"GET /api/v1/imports/{id}": func(w *walker) []validRequest { return []validRequest{{path: pathID(w.ids["import"]), status: 200}} },
	"GET /api/v1/imports/{id}/errors": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["import"]), status: 200}}
	},
	// A committed import is no longer running: the cancel is refused.
	"POST /api/v1/imports/{id}/cancel": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["import"]), status: 409}}
	},
	// Nor is it interrupted: resuming or discarding it is refused too.
	"POST /api/v1/imports/{id}/resume": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["import"]), status: 409}}
	},
	"POST /api/v1/imports/{id}/discard": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["import"]), status: 409}}
	},
	"POST /api/v1/imports/{id}/undo": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["doomed_import"]), status: 200}}
	},
	"GET /api/v1/audit": func(w *walker) []validRequest {
		return []validRequest{{status: 200, query: "object=contact&record_id=" + w.ids["contact"] + "&user_id=" + w.admin +
			"&action=create&from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z&limit=5"}}
	},
	"GET /api/v1/jobs":             just(validRequest{query: "status=dead&limit=5", status: 200}),
	"GET /api/v1/roles":            just(validRequest{status: 200}),
	"POST /api/v1/roles":           just(validRequest{body: `{"name": "walker_{n}", "label": "Walker", "grants": {"contact": {"read": "all"}}, "fields": {"contact": {"last_name": "hidden"}}}`, status: 201}),
	"GET /api/v1/roles/{name}":     just(validRequest{path: map[string]string{"name": "walker"}, status: 200}),
	"PATCH /api/v1/roles/{name}":   just(validRequest{path: map[string]string{"name": "walker"}, body: `{"label": "Walker two", "grants": {"contact": {"update": "own"}}, "fields": {"contact": {"first_name": "read_only"}}}`, status: 200}),
	"DELETE /api/v1/roles/{name}":  just(validRequest{path: map[string]string{"name": "doomed"}, status: 204}),
	"GET /api/v1/lists":            just(validRequest{status: 200}),
	"POST /api/v1/lists":           just(validRequest{body: `{"name": "vendor", "plural": "vendors", "label": "Vendors"}`, status: 201}),
	"POST /api/v1/sessions":        just(validRequest{body: `{"email": "admin@walk.example", "password": "correct horse battery", "totp_code": "", "workspace": "1"}`, status: 201}),
	"POST /api/v1/password-resets": just(validRequest{body: `{"email": "admin@walk.example", "workspace": "1"}`, status: 202}),
	"POST /api/v1/password-resets/{token}": just(validRequest{path: map[string]string{"token": "not-a-token"},
		body: `{"password": "another horse battery"}`, status: 0}),
	"POST /api/v1/password-resets/confirm": just(validRequest{body: `{"token": "not-a-token", "password": "another horse battery"}`, status: 0}),
	"DELETE /api/v1/sessions/current":      just(validRequest{status: 404}), // a token has no session to end
	"GET /api/v1/me":                       just(validRequest{status: 200}),
	"PATCH /api/v1/me":                     just(validRequest{body: `{"name": "Ada", "language": "en", "time_zone": "Europe/Berlin"}`, status: 200}),
	"POST /api/v1/me/totp":                 just(validRequest{status: 201}),
	"POST /api/v1/me/totp/confirm":         just(validRequest{body: `{"code": "000000"}`, status: 0}),
	"DELETE /api/v1/me/totp":               just(validRequest{body: `{"password": "correct horse battery"}`, status: 0}),
	"GET /api/v1/users": func(w *walker) []validRequest {
		return []validRequest{{query: "status=active&team_id=" + w.ids["team"], status: 200}}
	},
	"POST /api/v1/users": func(w *walker) []validRequest {
		return []validRequest{{body: `{"email": "new{n}@walk.example", "name": "New", "password": "correct horse battery", "role": "salesperson",
			"language": "en", "time_zone": "UTC", "team_id": "` + w.ids["team"] + `"}`, status: 201}}
	},
	"GET /api/v1/users/{id}": func(w *walker) []validRequest { return []validRequest{{path: pathID(w.ids["member"]), status: 200}} },
	"PATCH /api/v1/users/{id}": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["member"]), body: `{"name": "Member", "language": "de", "time_zone": "UTC", "team_id": "` +
			w.ids["team"] + `", "role": "salesperson"}`, status: 200}}
	},
	"POST /api/v1/users/{id}/deactivate": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["leaver"]), body: `{"reassign_to": "` + w.admin + `"}`, status: 200}}
	},
	"POST /api/v1/users/{id}/reactivate": func(w *walker) []validRequest { return []validRequest{{path: pathID(w.ids["leaver"]), status: 200}} },
	"GET /api/v1/teams":                  just(validRequest{status: 200}),
	"POST /api/v1/teams": func(w *walker) []validRequest {
		return []validRequest{{body: `{"name": "Team {n}", "manager_id": "` + w.admin + `"}`, status: 201}}
	},
	"GET /api/v1/teams/{id}": func(w *walker) []validRequest { return []validRequest{{path: pathID(w.ids["team"]), status: 200}} },
	"PATCH /api/v1/teams/{id}": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["team"]), body: `{"name": "Team {n}", "manager_id": "` + w.admin + `"}`, status: 200}}
	},
	"DELETE /api/v1/teams/{id}": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["doomed_team"]), status: 204}}
	},
	// goals: begin
	"GET /api/v1/goals": just(validRequest{query: "period=2026-12", status: 200}),
	"POST /api/v1/goals": func(w *walker) []validRequest {
		return []validRequest{{body: `{"metric": "won_value", "subject": "team", "subject_id": "` + w.ids["team"] +
			`", "period": "2026-Q4", "target": 100000, "currency": "EUR"}`, status: 201}}
	},
	"GET /api/v1/goals/{id}": func(w *walker) []validRequest { return []validRequest{{path: pathID(w.ids["goal"]), status: 200}} },
	"PATCH /api/v1/goals/{id}": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["goal"]), body: `{"target": 7}`, status: 200}}
	},
	"DELETE /api/v1/goals/{id}": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["doomed_goal"]), status: 204}}
	},
	// goals: end
	"GET /api/v1/webhooks":  just(validRequest{status: 200}),
	"POST /api/v1/webhooks": just(validRequest{body: `{"url": "https://hooks.example.com/{n}", "events": ["created", "won"], "objects": ["deal"]}`, status: 201}),
	"GET /api/v1/webhooks/{id}": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["webhook"]), status: 200}}
	},
	"PATCH /api/v1/webhooks/{id}": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["webhook"]), body: `{"description": "CRM mirror", "enabled": true}`, status: 200}}
	},
	"DELETE /api/v1/webhooks/{id}": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["doomed_webhook"]), status: 204}}
	},
	"POST /api/v1/webhooks/{id}/rotate": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["webhook"]), status: 200}}
	},
	"GET /api/v1/webhooks/{id}/deliveries": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["webhook"]), query: "status=failed&limit=10", status: 200}}
	},
	"POST /api/v1/webhooks/{id}/deliveries/{delivery}/replay": func(w *walker) []validRequest {
		return []validRequest{{path: map[string]string{"id": w.ids["webhook"], "delivery": "1"}}}
	},
	// phone: begin
	"GET /api/v1/phone-integrations": just(validRequest{status: 200}),
	"POST /api/v1/phone-integrations": func(w *walker) []validRequest {
		return []validRequest{{body: `{"name": "PBX {n}", "extensions": {"101": "` + w.admin + `"}, "ring_groups": {"600": ["` + w.admin +
			`"]}, "originate_url": "https://pbx.example.com/originate", "originate_allow_private": ["10.0.0.0/8"]}`, status: 201}}
	},
	"GET /api/v1/phone-integrations/{id}": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["phone"]), status: 200}}
	},
	"PUT /api/v1/phone-integrations/{id}": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["phone"]), body: `{"name": "Office", "extensions": {"102": "` + w.admin + `"}}`, status: 200}}
	},
	"DELETE /api/v1/phone-integrations/{id}": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["doomed_phone"]), status: 204}}
	},
	"POST /api/v1/phone-integrations/{id}/rotate": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["phone"]), status: 200}}
	},
	"GET /api/v1/phone/report": just(validRequest{query: "from=2026-01-01&to=2026-12-31", status: 200}),
	// No phone system answers in the sweep: any answer below 500.
	"POST /api/v1/phone/originate": just(validRequest{body: `{"number": "+1 212 555 0100"}`}),
	// The walker's token is a user's, not an integration's: refused, and
	// its input still vetted on the way.
	"POST /api/v1/calls/events": just(validRequest{body: `{"event": "ringing", "call_id": "w{n}", "caller": "+1 212 555 0100", "extension": "101"}`}),
	// phone: end
	"GET /api/v1/tokens":  just(validRequest{status: 200}),
	"POST /api/v1/tokens": just(validRequest{body: `{"name": "cli {n}", "scope": "read", "expires_at": "2100-01-01T00:00:00Z"}`, status: 201}),
	"DELETE /api/v1/tokens/{id}": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["doomed_token"]), status: 204}}
	},

	"GET /api/v1/pipelines/{id}/board": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["pipeline"]), query: "owner_id=" + w.admin, status: 200}}
	},
	"GET /api/v1/deals/rotting": just(validRequest{query: "limit=5&title[contains]=Deal", status: 200}),
	"GET /api/v1/deals/without-task": func(w *walker) []validRequest {
		return []validRequest{{query: "owner_id=" + w.admin + "&limit=5", status: 200}}
	},
	"GET /api/v1/products/{id}/stock": func(w *walker) []validRequest { return []validRequest{{path: pathID(w.ids["product"]), status: 200}} },
	"PUT /api/v1/products/{id}/stock": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["product"]), body: `{"warehouse_id": "` + w.ids["warehouse"] + `", "quantity": 5}`, status: 200}}
	},
	"POST /api/v1/products/{id}/stock/adjustments": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["product"]), body: `{"warehouse_id": "` + w.ids["warehouse"] + `", "delta": 1}`, status: 200}}
	},
	"GET /api/v1/warehouses":  just(validRequest{status: 200}),
	"POST /api/v1/warehouses": just(validRequest{body: `{"name": "Store {n}"}`, status: 201}),
	"GET /api/v1/price_lists/{id}/items": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["price_list"]), status: 200}}
	},
	"PUT /api/v1/price_lists/{id}/items": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["price_list"]), body: `{"items": [{"product_id": "` + w.ids["product"] +
			`", "price": {"amount": 100, "currency": "EUR"}}]}`, status: 200}}
	},
	"GET /api/v1/settings/sales":   just(validRequest{status: 200}),
	"PATCH /api/v1/settings/sales": just(validRequest{body: `{"base_currency": "EUR", "allow_negative_stock": false}`, status: 200}),
	// reports: begin
	"GET /api/v1/reports/funnel": just(validRequest{query: "from=2026-01-01&to=2026-12-31&source=web", status: 200}),
	"GET /api/v1/reports/cycle":  just(validRequest{query: "preset=this_year", status: 200}),
	"GET /api/v1/reports/revenue": just(validRequest{query: "preset=last_month&by=product&filter=" +
		url.QueryEscape(`{"field": "status", "op": "eq", "value": "won"}`), status: 200}), // kpis: by product, filter
	"GET /api/v1/reports/summary":   just(validRequest{query: "preset=this_quarter", status: 200}),
	"GET /api/v1/reports/employees": just(validRequest{query: "from=2026-01-01&to=2026-01-31", status: 200}),
	"GET /api/v1/reports/events": func(w *walker) []validRequest {
		return []validRequest{{status: 200, query: "preset=this_year&object=deal&field=stage_id&after=1&limit=5&user=" + w.admin}}
	},
	// reports: end
	"GET /api/v1/exchange_rates":  just(validRequest{query: "currency=USD", status: 200}),
	"POST /api/v1/exchange_rates": just(validRequest{body: `{"currency": "USD", "rate": "0.9", "date": "2020-01-01"}`, status: 201}),
	// builder: the report builder
	"POST /api/v1/reports/custom": just(validRequest{query: "format=json", body: `{"object": "deals", "group_by": [{"field": "expected_close_date", "bucket": "month"}],
		"measures": [{"op": "sum", "field": "value"}], "filter": {"field": "status", "op": "eq", "value": "open"}, "chart": "bar"}`, status: 200}),
	// forecast: begin
	"GET /api/v1/reports/forecast": func(w *walker) []validRequest {
		return []validRequest{{query: "pipeline=" + w.ids["pipeline"] + "&user=" + w.admin + "&horizon=3", status: 200}}
	},
	// forecast: end

	"GET /api/v1/notifications":           just(validRequest{query: "unread=true&limit=5", status: 200}),
	"GET /api/v1/notifications/stream":    just(validRequest{status: -1}), // it streams until the client goes
	"POST /api/v1/notifications/read-all": just(validRequest{status: 200}),
	"POST /api/v1/notifications/{id}/read": func(w *walker) []validRequest {
		return []validRequest{{path: pathID(w.ids["notification"]), status: 200}}
	},
	"GET /api/v1/{object}/{id}/timeline": func(w *walker) []validRequest {
		var out []validRequest
		for _, o := range []string{"contact", "company", "deal"} {
			out = append(out, validRequest{path: map[string]string{"object": w.plural[o], "id": w.ids[o]}, query: "kind=note&kind=task&limit=5", status: 200})
		}
		return out
	},
	"GET /api/v1/search":       just(validRequest{query: "q=Ada&limit=5&objects=contact,deal", status: 200}),
	"GET /api/v1/lookup/phone": just(validRequest{query: "number=%2B14155550123", status: 200}),

	"GET /api/v1/contacts/duplicates":         just(validRequest{query: "limit=5", status: 200}),
	"GET /api/v1/companies/duplicates":        just(validRequest{query: "limit=5", status: 200}),
	"POST /api/v1/contacts/duplicates/check":  just(validRequest{body: `{"first_name": "Ada", "last_name": "Lovelace", "emails": ["ada@example.com"]}`, status: 200, object: "contact"}),
	"POST /api/v1/companies/duplicates/check": just(validRequest{body: `{"name": "Analytical Engines", "domain": "engines.example"}`, status: 200, object: "company"}),
	"POST /api/v1/contacts/merge":             func(w *walker) []validRequest { return []validRequest{w.merge("contact")} },
	"POST /api/v1/companies/merge":            func(w *walker) []validRequest { return []validRequest{w.merge("company")} },

	// dupes: begin
	"GET /api/v1/contacts/duplicates/review":  just(validRequest{query: "limit=10", status: 200}),
	"GET /api/v1/companies/duplicates/review": just(validRequest{query: "limit=10", status: 200}),
	"POST /api/v1/contacts/duplicates/decisions": func(w *walker) []validRequest {
		return []validRequest{{body: `{"a": "` + w.ids["contact"] + `", "b": "` + w.ids["merge_into_contact"] + `", "same": false}`, status: 204}}
	},
	"POST /api/v1/companies/duplicates/decisions": func(w *walker) []validRequest {
		return []validRequest{{body: `{"a": "` + w.ids["company"] + `", "b": "` + w.ids["merge_into_company"] + `", "same": false}`, status: 204}}
	},
	"GET /api/v1/contacts/duplicates/settings":  just(validRequest{status: 200}),
	"GET /api/v1/companies/duplicates/settings": just(validRequest{status: 200}),
	"PUT /api/v1/contacts/duplicates/settings": just(validRequest{
		body: `{"review_threshold": 0.5, "duplicate_threshold": 0.9, "identifying": ["website"]}`, status: 200}),
	"PUT /api/v1/companies/duplicates/settings": just(validRequest{
		body: `{"review_threshold": 0.5, "duplicate_threshold": 0.9, "identifying": ["website"]}`, status: 200}),
	"POST /api/v1/contacts/duplicates/estimate":  just(validRequest{status: 202}),
	"POST /api/v1/companies/duplicates/estimate": just(validRequest{status: 202}),
	// dupes: end

	"GET /api/v1/{object}": eachObject(func(o string) validRequest {
		return validRequest{path: pathObject(o), query: "limit=5&sort=-created_at&count=true", status: 200}
	}),
	"POST /api/v1/{object}": func(w *walker) []validRequest {
		var out []validRequest
		for _, o := range w.objects {
			out = append(out, validRequest{path: pathObject(w.plural[o]), body: w.bodies[o], status: 201, object: o})
		}
		return out
	},
	"POST /api/v1/{first}/{second}": func(w *walker) []validRequest {
		var out []validRequest
		for _, o := range w.objects {
			out = append(out,
				validRequest{path: map[string]string{"first": "fields", "second": w.plural[o]}, status: 201, shape: "fields", sameBodies: true,
					body: `{"name": "f{n}", "label": "Field", "type": "select", "options": ["gold", "silver"], "required": false}`},
				validRequest{path: map[string]string{"first": w.plural[o], "second": "query"}, status: 200, shape: "query", sameBodies: true,
					body: `{"filter": {"or": [{"field": "created_at", "op": "gt", "value": "2000-01-01T00:00:00Z"}, {"field": "id", "op": "in", "value": ["1", "2"]}]}, "sort": ["-id"], "limit": 5, "count": true, "deleted": "include"}`})
		}
		return out
	},
	"GET /api/v1/{object}/{id}": func(w *walker) []validRequest {
		var out []validRequest
		for _, o := range w.objects {
			out = append(out, validRequest{path: map[string]string{"object": w.plural[o], "id": w.ids[o]}, query: "deleted=include", status: 200})
		}
		return out
	},
	"PATCH /api/v1/{object}/{id}": func(w *walker) []validRequest {
		var out []validRequest
		for _, o := range w.objects {
			out = append(out, validRequest{path: map[string]string{"object": w.plural[o], "id": w.ids[o]}, body: w.bodies[o], status: 200,
				object: o, ifMatch: true})
		}
		return out
	},
	"DELETE /api/v1/{object}/{id}": func(w *walker) []validRequest {
		var out []validRequest
		for _, o := range w.objects {
			out = append(out, validRequest{path: map[string]string{"object": w.plural[o], "id": w.ids["doomed_"+o]}, query: "permanent=false", status: 204})
		}
		return out
	},
	"POST /api/v1/{object}/{id}/restore": func(w *walker) []validRequest {
		var out []validRequest
		for _, o := range w.objects {
			out = append(out, validRequest{path: map[string]string{"object": w.plural[o], "id": w.ids["doomed_"+o]}, status: 200})
		}
		return out
	},
	// scores: begin
	"GET /api/v1/contacts/{id}/score": func(w *walker) []validRequest { return []validRequest{{path: pathID(w.ids["contact"]), status: 200}} },
	"GET /api/v1/deals/{id}/score":    func(w *walker) []validRequest { return []validRequest{{path: pathID(w.ids["deal"]), status: 200}} },
	"GET /api/v1/scores/rules":        just(validRequest{status: 200}),
	"POST /api/v1/scores/rules": just(validRequest{body: `{"object": "contact", "kind": "field", "field": "source", "value": "web_form", "points": 10}`,
		status: 201}),
	"DELETE /api/v1/scores/rules/{id}": just(validRequest{path: map[string]string{"id": "999999"}, status: 404}),
	"GET /api/v1/scores/models":        just(validRequest{status: 200}),
	// scores: end
}

// just, pathID, pathObject and eachObject keep validRequests short.
func just(r validRequest) func(*walker) []validRequest {
	return func(*walker) []validRequest { return []validRequest{r} }
}
func pathID(v string) map[string]string          { return map[string]string{"id": v} }
func pathObject(plural string) map[string]string { return map[string]string{"object": plural} }

func eachObject(fn func(plural string) validRequest) func(*walker) []validRequest {
	return func(w *walker) []validRequest {
		var out []validRequest
		for _, o := range w.objects {
			out = append(out, fn(w.plural[o]))
		}
		return out
	}
}

// walker holds a server with every service, an administrator's token and
// the records that valid requests name.
type walker struct {
	t        *testing.T
	server   *api.Server
	srv      *httptest.Server
	token    string
	admin    string
	n        int
	ids      map[string]string          // fixtures by name; records by object name
	plural   map[string]string          // object name -> plural
	bodies   map[string]string          // object name -> a valid body to create one
	long     map[string]map[string]bool // object name -> its long text fields
	objects  []string                   // every object, the workspace's own list included
	fails    map[string]int             // failures reported per route, to keep the log readable
	versions map[string]string          // the current version of each record a PATCH goes to, by path
	walked   map[string]bool            // route patterns and shapes whose path and query were spoilt
	turn     int                        // which bad value the next spoilt string gets
}

func newWalker(t *testing.T, db *store.DB) *walker {
	ctx := context.Background()
	quiet := slog.New(slog.DiscardHandler)
	pol := access.NewRolePolicy(db)
	engine := records.New(db, records.Options{Policy: pol, PhoneRegion: "US", Logger: quiet})
	accounts := account.NewWithOptions(db, account.Options{Password: cheapPasswords, Mail: mail.LogSender{Log: quiet}})
	w := &walker{t: t, ids: map[string]string{}, plural: map[string]string{}, long: map[string]map[string]bool{}, fails: map[string]int{}, versions: map[string]string{},
		walked: map[string]bool{}}
	w.server = &api.Server{Engine: engine, Accounts: accounts, DB: db, Version: "test", Log: quiet,
		Sales:      sales.New(db, engine, sales.Options{Logger: quiet}),
		Activity:   activity.New(db, engine, activity.Options{Logger: quiet, PhoneRegion: "US"}),
		Search:     search.New(db, engine, search.Options{Logger: quiet, PhoneRegion: "US"}),
		Duplicates: duplicate.New(db, engine, duplicate.Options{Logger: quiet, PhoneRegion: "US"}),
		// Wrong passwords and many requests are the point here, not
		// something to lock out.
		Limits: api.Limits{PerSecond: 1e9, Burst: 1 << 30, EmailFailures: 1 << 30, AddressFailures: 1 << 30}}
	w.server.Scores = scores.New(db, engine, scores.Options{Logger: quiet})                 // scores
	w.server.Inbox = inbox.New(db, engine, inbox.Options{Logger: quiet, PhoneRegion: "US"}) // inbox
	// Letters are queued, never sent: nothing answers at this address.
	w.server.Letters = letter.New(db, engine, letter.Options{Outgoing: mail.NewQueue(db, mail.SMTP{Addr: "127.0.0.1:9", From: "crm@walk.example"}, quiet)})
	sealer, _ := mailboxes.NewSealer("the walker's secret key")
	w.server.Mailboxes = mailboxes.New(db, engine, mailboxes.Options{Logger: quiet, Sealer: sealer})
	w.server.Phone = phone.New(db, engine, w.server.Search, w.server.Inbox, phone.Options{Logger: quiet, PhoneRegion: "US"}) // phone
	w.srv = httptest.NewServer(w.server.Handler())
	t.Cleanup(w.srv.Close)
	admin, err := accounts.CreateUser(ctx, 1, "admin@walk.example", "Admin", "correct horse battery", access.RoleAdministrator)
	if err != nil {
		t.Fatal(err)
	}
	w.admin = admin.ID
	if w.token, err = accounts.CreateToken(ctx, 1, "admin@walk.example", "walker", account.ScopeReadWrite, nil); err != nil {
		t.Fatal(err)
	}
	w.setUp()
	return w
}

// must makes a request that has to answer status and returns its "id".
func (w *walker) must(method, path, body string, status int) string {
	w.t.Helper()
	got, text := w.send(method, path, "", []byte(body), nil)
	if got != status {
		w.t.Fatalf("set-up %s %s %s: %d, want %d\n%s", method, path, body, got, status, text)
	}
	var m map[string]any
	json.Unmarshal([]byte(text), &m)
	id, _ := m["id"].(string)
	return id
}

func (w *walker) setUp() {
	t := w.t
	w.ids["team"] = w.must("POST", "/api/v1/teams", `{"name": "Sales"}`, 201)
	w.ids["doomed_team"] = w.must("POST", "/api/v1/teams", `{"name": "Gone"}`, 201)
	w.ids["member"] = w.must("POST", "/api/v1/users", `{"email": "member@walk.example", "password": "correct horse battery", "role": "salesperson"}`, 201)
	w.ids["leaver"] = w.must("POST", "/api/v1/users", `{"email": "leaver@walk.example", "password": "correct horse battery", "role": "salesperson"}`, 201)
	w.ids["doomed_token"] = w.must("POST", "/api/v1/tokens", `{"name": "gone"}`, 201)
	w.ids["import"] = w.must("POST", "/api/v1/imports?object=companies", "Name\nWalker Import Ltd\n", 201)
	w.ids["mapping"] = w.must("POST", "/api/v1/import-mappings", `{"object": "companies", "name": "Walk mapping", "mapping": {"Firma": "name"}}`, 201)
	w.ids["doomed_mapping"] = w.must("POST", "/api/v1/import-mappings", `{"object": "companies", "name": "Gone mapping", "mapping": {"Firma": "name"}}`, 201)
	w.ids["doomed_import"] = w.must("POST", "/api/v1/imports?object=companies", "Name\nUndone Import Ltd\n", 201)
	w.must("POST", "/api/v1/roles", `{"name": "walker", "label": "Walker", "grants": {"contact": {"read": "all"}}}`, 201)
	w.must("POST", "/api/v1/roles", `{"name": "doomed", "label": "Doomed"}`, 201)
	w.must("POST", "/api/v1/lists", `{"name": "supplier", "plural": "suppliers", "label": "Suppliers"}`, 201)
	w.must("POST", "/api/v1/fields/contacts", `{"name": "tier", "type": "select", "options": ["gold", "silver"]}`, 201)
	w.must("POST", "/api/v1/fields/contacts", `{"name": "story", "type": "long_text"}`, 201)
	w.ids["warehouse"] = w.must("POST", "/api/v1/warehouses", `{"name": "North"}`, 201)
	w.ids["webhook"] = w.must("POST", "/api/v1/webhooks", `{"url": "https://hooks.example.com/walker", "events": ["created"]}`, 201)
	w.ids["phone"] = w.must("POST", "/api/v1/phone-integrations", `{"name": "Walker PBX", "extensions": {"101": "`+w.admin+`"}}`, 201) // phone
	w.ids["doomed_phone"] = w.must("POST", "/api/v1/phone-integrations", `{"name": "Doomed PBX"}`, 201)                                // phone
	w.ids["doomed_webhook"] = w.must("POST", "/api/v1/webhooks", `{"url": "https://hooks.example.com/doomed", "events": ["deleted"]}`, 201)
	// goals: begin
	w.ids["goal"] = w.must("POST", "/api/v1/goals", `{"metric": "calls", "subject": "company", "period": "2026-12", "target": 5}`, 201)
	w.ids["doomed_goal"] = w.must("POST", "/api/v1/goals", `{"metric": "calls", "subject": "company", "period": "2026-11", "target": 5}`, 201)
	// goals: end

	ids := func(o string) string { return w.ids[o] }
	w.ids["company"] = w.must("POST", "/api/v1/companies", `{"name": "Engines Ltd"}`, 201)
	w.ids["pipeline"] = w.must("POST", "/api/v1/pipelines", `{"name": "New business"}`, 201)
	w.ids["stage"] = w.must("POST", "/api/v1/stages", `{"pipeline_id": "`+ids("pipeline")+`", "name": "Lead"}`, 201)
	w.ids["loss_reason"] = w.must("POST", "/api/v1/loss_reasons", `{"name": "Price"}`, 201)
	w.ids["product"] = w.must("POST", "/api/v1/products", `{"name": "Widget", "price": {"amount": 1000, "currency": "EUR"}}`, 201)
	w.ids["contact"] = w.must("POST", "/api/v1/contacts", `{"first_name": "Ada"}`, 201)
	w.ids["letter_contact"] = w.must("POST", "/api/v1/contacts", `{"first_name": "Ada", "emails": ["ada@walk.example"]}`, 201)
	w.ids["erased_contact"] = w.must("POST", "/api/v1/contacts", `{"first_name": "Gone"}`, 201)
	w.bodies = map[string]string{
		"contact": `{"first_name": "Ada", "last_name": "Lovelace", "emails": [{"value": "ada{n}@example.com", "label": "work"}],
			"phones": ["+1 415 555 0123"], "address": {"street": "1 Main St", "city": "Springfield", "country": "US"},
			"website": "https://ada.example", "social_profiles": ["https://social.example/ada"], "job_title": "Analyst",
			"language": "en", "birthday": "1815-12-10", "source": "referral", "owner_id": "` + w.admin + `", "tags": ["vip"],
			"companies": [{"id": "` + ids("company") + `", "role": "Founder"}], "purchase_period_days": 30, "tier": "gold",
			"story": "She wrote the first program."}`,
		"company": `{"name": "Engines {n}", "domain": "engines.example", "website": "engines.example", "phones": ["+1 415 555 0124"],
			"emails": ["info@engines.example"], "industry": "Machinery", "size": "11-50", "owner_id": "` + w.admin + `",
			"tags": ["partner"], "contacts": ["` + ids("contact") + `"], "purchase_period_days": 90}`,
		"pipeline":    `{"name": "Pipeline {n}"}`,
		"stage":       `{"pipeline_id": "` + ids("pipeline") + `", "name": "Stage {n}", "probability": 20, "rotting_days": 7, "required_fields": ["expected_close_date"]}`,
		"loss_reason": `{"name": "Reason {n}", "active": true}`,
		"deal": `{"title": "Deal {n}", "value": {"amount": 5000, "currency": "EUR"}, "pipeline_id": "` + ids("pipeline") + `",
			"stage_id": "` + ids("stage") + `", "owner_id": "` + w.admin + `", "company_id": "` + ids("company") + `",
			"contacts": ["` + ids("contact") + `"], "expected_close_date": "2030-01-31", "source": "web_form",
			"line_items": [{"product_id": "` + ids("product") + `", "name": "Widget", "quantity": 2, "discount": 10, "tax_rate": 20}],
			"tags": ["q1"]}`,
		"product":    `{"name": "Gadget {n}", "sku": "G-{n}", "unit": "piece", "price": {"amount": 250, "currency": "EUR"}, "tax_rate": 20, "active": true, "low_stock_threshold": 3, "description": "A small gadget."}`,
		"price_list": `{"name": "Retail {n}", "currency": "EUR", "active": true}`,
		"task": `{"title": "Call back", "type": "call", "due_at": "2030-01-31T09:30:00Z", "result": "Left a message.",
			"record_type": "contact", "record_id": "` + ids("contact") + `", "owner_id": "` + w.admin + `"}`,
		"note": `{"body": "Met at the fair.", "record_type": "contact", "record_id": "` + ids("contact") + `", "owner_id": "` + w.admin + `"}`,
		"call": `{"direction": "outbound", "phone": "+1 415 555 0125", "duration_seconds": 60, "call_result": "answered",
			"recording_url": "https://calls.example/1", "started_at": "2026-01-31T09:30:00Z", "body": "Talked prices.",
			"record_type": "contact", "record_id": "` + ids("contact") + `", "owner_id": "` + w.admin + `"}`,
		"meeting": `{"title": "Demo", "starts_at": "2030-01-31T09:30:00Z", "ends_at": "2030-01-31T10:30:00Z", "place": "Office",
			"attendees": ["` + ids("contact") + `"], "body": "Bring the widget.", "record_type": "contact", "record_id": "` + ids("contact") + `",
			"owner_id": "` + w.admin + `"}`,
		"supplier": `{"name": "Supplier {n}", "owner_id": "` + w.admin + `"}`,
	}
	for _, o := range w.server.Engine.Objects() {
		w.objects = append(w.objects, o.Name)
		w.plural[o.Name] = o.Plural
	}
	w.objects = append(w.objects, "supplier")
	w.plural["supplier"] = "suppliers"
	for _, o := range w.objects {
		body, ok := w.bodies[o]
		if !ok {
			t.Errorf("%s: no valid body to create one; add it to the walker's bodies", o)
			continue
		}
		for _, name := range []string{o, "doomed_" + o} {
			if w.ids[name] == "" {
				w.ids[name] = w.must("POST", "/api/v1/"+w.plural[o], w.fill(body), 201)
			}
		}
		_, text := w.send("GET", "/api/v1/fields/"+w.plural[o], "", nil, nil)
		var fields struct{ Data []records.Field }
		json.Unmarshal([]byte(text), &fields)
		w.long[o] = map[string]bool{}
		for _, f := range fields.Data {
			if f.Type == records.LongText {
				w.long[o][f.Name] = true
			}
		}
	}
	// inbox: begin
	for _, name := range []string{"inbox", "inbox_accept", "inbox_link", "inbox_decline"} {
		w.ids[name] = w.must("POST", "/api/v1/inbox", `{"name": "Walk In", "email": "walk@walkin.example"}`, 201)
	}
	w.ids["form"] = w.must("POST", "/api/v1/forms", `{"name": "Walk form", "fields": [{"name": "email", "label": "E-mail", "maps_to": "contact.email"}]}`, 201)
	w.chatSetUp()
	w.ids["doomed_form"] = w.must("POST", "/api/v1/forms", `{"name": "Gone form", "fields": [{"name": "email", "label": "E-mail", "maps_to": "contact.email"}]}`, 201)
	// inbox: end
	template := `{"name": "%s", "object": "contact", "versions": {"en": {"subject": "Hi", "body": "Hello {{contact.first_name}}"}}}`
	w.ids["template"] = w.must("POST", "/api/v1/mail-templates", fmt.Sprintf(template, "Walk letter"), 201)
	w.ids["doomed_template"] = w.must("POST", "/api/v1/mail-templates", fmt.Sprintf(template, "Gone letter"), 201)
	for _, name := range []string{"mailbox", "doomed_mailbox"} {
		w.ids[name] = w.must("POST", "/api/v1/mailboxes", `{"address": "`+name+`@walk.example", "host": "imap.walk.example", "username": "`+name+`",
			"password": "app password"}`, 201)
	}
	for _, o := range []string{"contact", "company"} {
		w.ids["merge_into_"+o] = w.must("POST", "/api/v1/"+w.plural[o], w.fill(w.bodies[o]), 201)
		w.ids["merge_from_"+o] = w.must("POST", "/api/v1/"+w.plural[o], w.fill(w.bodies[o]), 201)
	}
	uid, _ := strconv.ParseInt(w.admin, 10, 64)
	addNotification(t, w.server.DB, uid, "Walk")
	_, text := w.send("GET", "/api/v1/notifications", "", nil, nil)
	var page struct{ Data []struct{ ID string } }
	json.Unmarshal([]byte(text), &page)
	if len(page.Data) == 0 {
		t.Fatalf("no notification: %s", text)
	}
	w.ids["notification"] = page.Data[0].ID
}

func (w *walker) merge(o string) validRequest {
	into, from := w.ids["merge_into_"+o], w.ids["merge_from_"+o]
	field := "first_name"
	if o == "company" {
		field = "name"
	}
	return validRequest{body: `{"into": "` + into + `", "from": ["` + from + `"], "fields": {"` + field + `": "` + from + `"}}`, status: 200}
}

// fill gives each {n} of a body a fresh number.
func (w *walker) fill(body string) string {
	for strings.Contains(body, "{n}") {
		w.n++
		body = strings.Replace(body, "{n}", strconv.Itoa(w.n), 1)
	}
	return body
}

func (w *walker) send(method, path, query string, body []byte, header map[string]string) (int, string) {
	w.t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	u := w.srv.URL + path
	if query != "" {
		u += "?" + query
	}
	req, err := http.NewRequest(method, u, r)
	if err != nil {
		w.t.Fatalf("%s %s: %v", method, u, err)
	}
	req.Header.Set("Authorization", "Bearer "+w.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Type") == "text/event-stream" {
		return resp.StatusCode, "" // a stream that opened: it would never end
	}
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

// answer is what one spoilt request got back.
type spoiltAnswer struct {
	status int
	text   string
	fields []string // the fields its problem names
	detail string   // every message of the problem
}

// do sends c with path values, query and body in place of c's own.
func (w *walker) do(c validRequest, path map[string]string, query string, body []byte) spoiltAnswer {
	w.t.Helper()
	method, pattern, _ := strings.Cut(c.route.Pattern, " ")
	for k, v := range path {
		pattern = strings.Replace(pattern, "{"+k+"}", url.PathEscape(v), 1)
	}
	record := c.route.Pattern // the record the valid request changes, whose version If-Match names
	_, record, _ = strings.Cut(record, " ")
	for k, v := range c.path {
		record = strings.Replace(record, "{"+k+"}", url.PathEscape(v), 1)
	}
	status, text := w.send(method, pattern, query, body, w.ifMatch(c, record, false))
	if c.ifMatch && status == http.StatusConflict { // changed by another endpoint's request
		status, text = w.send(method, pattern, query, body, w.ifMatch(c, record, true))
	}
	if c.ifMatch && status < 300 {
		var rec struct{ Version json.Number }
		json.Unmarshal([]byte(text), &rec)
		w.versions[record] = rec.Version.String()
	}
	a := spoiltAnswer{status: status, text: text}
	var p api.Problem
	if status >= 400 && json.Unmarshal([]byte(text), &p) == nil {
		a.detail = p.Detail
		for _, f := range p.Errors {
			a.fields = append(a.fields, f.Field)
			a.detail += " | " + f.Message
		}
	}
	return a
}

// ifMatch is the If-Match header of a request that names the version it
// changes, read afresh when asked or not yet known.
func (w *walker) ifMatch(c validRequest, path string, fresh bool) map[string]string {
	if !c.ifMatch {
		return nil
	}
	if w.versions[path] == "" || fresh {
		_, text := w.send("GET", path, "", nil, nil)
		var rec struct{ Version json.Number }
		json.Unmarshal([]byte(text), &rec)
		w.versions[path] = rec.Version.String()
	}
	return map[string]string{"If-Match": `"` + w.versions[path] + `"`}
}

func (w *walker) fail(c validRequest, format string, args ...any) {
	w.t.Helper()
	key := c.route.Pattern
	w.fails[key]++
	if w.fails[key] <= 8 {
		w.t.Errorf("%s %v: %s", key, c.path, fmt.Sprintf(format, args...))
	}
}

// goTypeName matches the names of Go types in a message: []string, map[…],
// int64, *float64, access.Grants, struct, Go value.
var goTypeName = regexp.MustCompile(`\[\]|map\[|\*[a-z]|\b(u?int(8|16|32|64)?|float(32|64)|struct|interface)\b|\b[a-z]+\.[A-Z][A-Za-z]*\b|\bGo (value|struct)`)

// check applies what holds for every spoilt request: no 5xx, no Go type.
func (w *walker) check(c validRequest, what string, a spoiltAnswer) bool {
	w.t.Helper()
	if a.status >= 500 {
		w.fail(c, "%s: %d\n%s", what, a.status, a.text)
		return false
	}
	if m := goTypeName.FindString(a.detail); m != "" {
		w.fail(c, "%s: the message names a Go type (%q): %s", what, m, a.detail)
		return false
	}
	return true
}

// walk sends every spoilt form of c, then c itself.
func (w *walker) walk(c validRequest) {
	w.t.Helper()
	key := c.route.Pattern + " " + c.shape
	again := w.walked[key]
	w.walked[key] = true
	if !again {
		w.walkPath(c)
		w.walkQuery(c)
	}
	if c.body != "" && !(again && c.sameBodies) {
		w.walkBody(c)
	}
	if c.status >= 0 {
		a := w.do(c, c.path, c.query, w.bodyOf(c))
		if (c.status == 0 && a.status >= 500) || (c.status > 0 && a.status != c.status) {
			w.fail(c, "the valid request answered %d, want %d\n%s", a.status, c.status, a.text)
		}
	}
}

// neverText are strings no input may hold anywhere; each must be neverText
// with 400 naming where it was.
var neverText = []struct{ name, json string }{
	{"NUL", `"a\u0000b"`},
	{"a control character", `"a\u0007b"`},
	{"a right-to-left override", `"abc\u202egpj.exe"`},
	{"a right-to-left isolate", `"a\u2067b"`},
	{"invalid UTF-8", "\"a\xffb\""},
	{"an unpaired surrogate", `"a\ud800b"`},
}

// notInNames are strings that running text may hold but a name may not.
var notInNames = []struct{ name, value string }{
	{"a line break", "Ada\nLovelace"},
	{"a right-to-left mark", "Ada\u200fLovelace"},
	{"a byte order mark", "\ufeffAda Lovelace"},
}

func (w *walker) walkPath(c validRequest) {
	w.t.Helper()
	for name, good := range c.path {
		spoil := func(v string) map[string]string {
			p := map[string]string{}
			for k, x := range c.path {
				p[k] = x
			}
			p[name] = v
			return p
		}
		for _, bad := range []string{good + "\x00", "\u202e" + good, good + "\xff", good + "\u0001", good + "\t"} {
			a := w.do(c, spoil(bad), c.query, w.bodyOf(c))
			if w.check(c, fmt.Sprintf("path %s=%q", name, bad), a) && (a.status != 400 || !slices.Contains(a.fields, name)) {
				w.fail(c, "path %s=%q: %d naming %v, want 400 naming %s\n%s", name, bad, a.status, a.fields, name, a.text)
			}
		}
		if name != "id" {
			continue
		}
		for _, other := range []string{"0" + good, "+" + good, " " + good, good + " ", "-" + good, good + ".0", "0x" + good} {
			a := w.do(c, spoil(other), c.query, w.bodyOf(c))
			if w.check(c, fmt.Sprintf("id %q", other), a) && a.status != 404 {
				w.fail(c, "id %q for %q: %d, want 404: an id has one spelling\n%s", other, good, a.status, a.text)
			}
		}
	}
}

func (w *walker) bodyOf(c validRequest) []byte {
	if c.raw != "" {
		return []byte(c.raw)
	}
	if c.body == "" {
		return nil
	}
	return []byte(w.fill(c.body))
}

func (w *walker) walkQuery(c validRequest) {
	w.t.Helper()
	params := map[string]bool{}
	for _, p := range c.route.Params {
		if p != api.Filters {
			params[strings.TrimSuffix(p, "*")] = true
		}
	}
	valid, _ := url.ParseQuery(c.query)
	for k := range valid {
		params[k] = true
	}
	names := make([]string, 0, len(params))
	for k := range params {
		names = append(names, k)
	}
	slices.Sort(names)
	with := func(name, raw string) string {
		v, _ := url.ParseQuery(c.query)
		v.Del(name)
		q := v.Encode()
		if q != "" {
			q += "&"
		}
		return q + url.QueryEscape(name) + "=" + raw
	}
	expect400 := func(what, query, field string) {
		a := w.do(c, c.path, query, w.bodyOf(c))
		if w.check(c, what, a) && (a.status != 400 || !slices.Contains(a.fields, field)) {
			w.fail(c, "%s (?%s): %d naming %v, want 400 naming %s\n%s", what, query, a.status, a.fields, field, a.text)
		}
	}
	for _, name := range names {
		for _, raw := range []string{"a%00b", "a%E2%80%AEb", "a%FFb", "Vic1%ZZ", "%%%garbage", "a%0Ab", "a%E2%80%8Fb"} {
			expect400(fmt.Sprintf("%s=%s", name, raw), with(name, raw), name)
		}
		if name == "cursor" {
			expect400("a cursor it never gave out", with(name, "garbage"), "cursor")
		}
		if !slices.Contains(c.route.Params, name+"*") && !strings.Contains(name, "[") {
			expect400(name+" twice", with(name, "1")+"&"+url.QueryEscape(name)+"=2", name)
		}
	}
	expect400("an unknown parameter", with("zz_unknown", "1"), "zz_unknown")
	if len(names) > 0 {
		expect400("a ; separator", with(names[0], "1")+";zz=1", names[0])
	}
}

// walkBody spoils each value of c's body in turn: a string with one bad
// character that no input may hold, then with one that only running text
// may hold, and every value with a JSON type it does not have. Which bad
// character or type a value gets turns from one value to the next, so
// that every kind is sent without sending every kind to every field.
func (w *walker) walkBody(c validRequest) {
	w.t.Helper()
	doc := decodeNumbers(w.t, w.fill(c.body))
	for _, at := range jsonNodes(doc, nil) {
		w.turn++
		path := jsonPath(at)
		node := jsonAt(doc, at)
		if _, isString := node.(string); isString {
			bad := neverText[w.turn%len(neverText)]
			a := w.do(c, c.path, c.query, spoil(w.t, decodeNumbers(w.t, w.fill(c.body)), at, bad.json))
			if w.check(c, "body "+path+" with "+bad.name, a) && (a.status != 400 || !slices.Contains(a.fields, path)) {
				w.fail(c, "body %s with %s: %d naming %v, want 400 naming %s\n%s", path, bad.name, a.status, a.fields, path, a.text)
			}
			odd := notInNames[w.turn%len(notInNames)]
			value, _ := json.Marshal(odd.value)
			a = w.do(c, c.path, c.query, spoil(w.t, decodeNumbers(w.t, w.fill(c.body)), at, string(value)))
			if w.check(c, "body "+path+" with "+odd.name, a) && a.status < 300 && strings.Contains(answerStrings(a.text), odd.value) &&
				!w.multiline(c, at) {
				w.fail(c, "body %s with %s: stored it (%d), but only running text may hold it\n%s", path, odd.name, a.status, a.text)
			}
		}
		var wrong []string
		for _, v := range []string{`"s"`, `1.5`, `true`, `{}`, `[]`} {
			if jsonKindOf(node) != jsonKindOf(decodeNumbers(w.t, v)) {
				wrong = append(wrong, v)
			}
		}
		as := wrong[w.turn%len(wrong)]
		a := w.do(c, c.path, c.query, spoil(w.t, decodeNumbers(w.t, w.fill(c.body)), at, as))
		w.check(c, "body "+path+" as "+as, a)
	}
	if m, ok := doc.(map[string]any); ok && len(m) > 0 {
		keys := []struct{ json, shown string }{{`"na\u0000me"`, `na\x00me`}, {`"na\u202eme"`, `na\u202eme`}, {"\"na\xffme\"", `na\xffme`}}
		key := keys[w.turn%len(keys)]
		body := []byte(strings.Replace(w.fill(c.body), "{", "{"+key.json+": 1, ", 1))
		a := w.do(c, c.path, c.query, body)
		if w.check(c, "key "+key.shown, a) && (a.status != 400 || !slices.Contains(a.fields, key.shown)) {
			w.fail(c, "key %s: %d naming %v, want 400 naming it\n%s", key.shown, a.status, a.fields, a.text)
		}
	}
}

// multiline reports whether the body path at is running text: a long
// text field of the object written, or the street of an address.
func (w *walker) multiline(c validRequest, at []any) bool {
	if slices.Contains(c.text, jsonPath(at)) {
		return true
	}
	if c.object == "" || len(at) == 0 {
		return false
	}
	top, _ := at[0].(string)
	last, _ := at[len(at)-1].(string)
	return (len(at) == 1 && w.long[c.object][top]) || last == "street"
}

func decodeNumbers(t *testing.T, s string) any {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return v
}

// nodes lists the paths of every value below the root, each a list of
// keys and indexes.
func jsonNodes(v any, at []any) [][]any {
	var out [][]any
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			p := append(slices.Clone(at), any(k))
			out = append(append(out, p), jsonNodes(x[k], p)...)
		}
	case []any:
		for i, e := range x {
			p := append(slices.Clone(at), any(i))
			out = append(append(out, p), jsonNodes(e, p)...)
		}
	}
	return out
}

func jsonAt(v any, at []any) any {
	for _, step := range at {
		switch s := step.(type) {
		case string:
			v = v.(map[string]any)[s]
		case int:
			v = v.([]any)[s]
		}
	}
	return v
}

// pathText writes a path as field errors name it: a.b[2].c.
func jsonPath(at []any) string {
	var b strings.Builder
	for _, step := range at {
		switch s := step.(type) {
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s)
		case int:
			b.WriteString("[" + strconv.Itoa(s) + "]")
		}
	}
	return b.String()
}

// spoilt returns doc with the value at at replaced by raw JSON, which may
// hold bytes that encoding/json would never write.
func spoil(t *testing.T, doc any, at []any, raw string) []byte {
	const mark = "\x01spoilt\x01"
	parent := jsonAt(doc, at[:len(at)-1])
	switch s := at[len(at)-1].(type) {
	case string:
		parent.(map[string]any)[s] = mark
	case int:
		parent.([]any)[s] = mark
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		t.Fatal(err)
	}
	return bytes.Replace(buf.Bytes(), []byte(`"\u0001spoilt\u0001"`), []byte(raw), 1)
}

func jsonKindOf(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	}
	return "null"
}

// unescaped is an answer with its JSON strings decoded, so that a stored
// value can be looked for as it was sent.
func answerStrings(text string) string {
	var v any
	if json.Unmarshal([]byte(text), &v) != nil {
		return text
	}
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			b.WriteString(x + "\x00")
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return b.String()
}

// TestBadInputIsRefused shows, request by request, the bad input that
// used to be absorbed: dropped filters, ids with several spellings,
// invisible characters in names, invalid UTF-8 quietly replaced, Go types
// in messages, custom fields named after the engine's own columns.
func TestBadInputIsRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		w := newWalker(t, db)
		vic := w.must("POST", "/api/v1/contacts", `{"first_name": "Vic1"}`, 201)
		c := w.ids["contact"]
		for _, s := range []struct {
			name, method, path, query, body string
			status                          int
			contains                        []string
		}{
			{"a filter with a broken escape is not dropped", "GET", "/api/v1/contacts", "first_name=Vic1%ZZ", "", 400,
				[]string{`"field":"first_name"`, `%ZZ is not a %-escape`}},
			{"the same filter, well written, finds one", "GET", "/api/v1/contacts", "first_name=Vic1&count=true", "", 200,
				[]string{`"total":1`, `"id":"` + vic + `"`}},
			{"a broken cursor is not page one", "GET", "/api/v1/contacts", "cursor=%%%garbage", "", 400, []string{`"field":"cursor"`}},
			{"a cursor never given out", "GET", "/api/v1/contacts", "cursor=garbage", "", 400, []string{`"field":"cursor"`}},
			{"nor in a query body", "POST", "/api/v1/contacts/query", "", `{"cursor": "garbage"}`, 400, []string{`"field":"cursor"`}},
			{"a ; does not swallow the next parameter", "GET", "/api/v1/contacts", "limit=1;first_name=Vic1", "", 400,
				[]string{`"field":"limit"`, `separate parameters with \"\u0026\"`}},
			{"a parameter a record does not take", "GET", "/api/v1/contacts/" + c, "foo=bar", "", 400,
				[]string{`"field":"foo","code":"unknown"`, "which takes deleted"}},
			{"a misspelt parameter of search", "GET", "/api/v1/search", "q=x&limt=5", "", 400, []string{`"field":"limt","code":"unknown"`}},
			{"a misspelt list parameter names itself", "GET", "/api/v1/contacts", "limt=5", "", 400,
				[]string{`"field":"limt"`, `\"limt\" is not a field of contacts`}},
			{"a parameter given twice", "GET", "/api/v1/contacts", "limit=1&limit=50", "", 400, []string{`"field":"limit","code":"repeated"`}},
			{"NUL in a query value", "GET", "/api/v1/contacts", "first_name=a%00", "", 400, []string{`"field":"first_name"`, "U+0000 NUL"}},
			{"NUL in a path", "GET", "/api/v1/users/1%00", "", "", 400, []string{`"field":"id"`, "(in the path)"}},
			{"a leading zero is another record", "GET", "/api/v1/contacts/0" + c, "", "", 404, nil},
			{"a sign is another record", "GET", "/api/v1/contacts/+" + c, "", "", 404, nil},
			{"a space is another record", "GET", "/api/v1/contacts/%20" + c, "", "", 404, nil},
			{"a user id has one spelling too", "GET", "/api/v1/users/0" + w.admin, "", "", 404, nil},
			{"so has a relation value", "POST", "/api/v1/deals", "", `{"title": "T", "company_id": "0` + w.ids["company"] + `"}`, 400,
				[]string{`"field":"company_id"`}},
			{"and an owner", "POST", "/api/v1/contacts", "", `{"first_name": "T", "owner_id": "+` + w.admin + `"}`, 400,
				[]string{`"field":"owner_id"`}},
			{"and the record a note is about", "POST", "/api/v1/notes", "", `{"body": "x", "record_type": "contact", "record_id": "0` + c + `"}`, 400,
				[]string{`"field":"record_id"`}},
			{"and a board's owner filter", "GET", "/api/v1/pipelines/" + w.ids["pipeline"] + "/board", "owner_id=0" + w.admin, "", 400,
				[]string{`"field":"owner_id"`}},
			{"NUL in a sign-in e-mail", "POST", "/api/v1/sessions", "", `{"email": "admin@walk.example\u0000", "password": "x"}`, 400,
				[]string{`"field":"email"`}},
			{"NUL in a warehouse name", "POST", "/api/v1/warehouses", "", `{"name": "North\u0000"}`, 400, []string{`"field":"name"`}},
			{"NUL in a field option", "POST", "/api/v1/fields/contacts", "", `{"name": "grade", "type": "select", "options": ["a", "b\u0000"]}`, 400,
				[]string{`"field":"options[1]"`}},
			{"invalid UTF-8 is not replaced", "POST", "/api/v1/contacts", "", "{\"first_name\": \"Vic\xe9\"}", 400,
				[]string{`"field":"first_name","code":"encoding"`}},
			{"nor is half a surrogate pair", "POST", "/api/v1/contacts", "", `{"tags": ["ok", "\ud83d"]}`, 400,
				[]string{`"field":"tags[1]","code":"encoding"`}},
			{"a right-to-left override in a name", "POST", "/api/v1/companies", "", `{"name": "Invoice\u202efdp.exe"}`, 400,
				[]string{`"field":"name","code":"character"`, "U+202E RIGHT-TO-LEFT OVERRIDE, found at character 8"}},
			{"a right-to-left mark in a team name", "POST", "/api/v1/teams", "", `{"name": "North\u200f"}`, 400,
				[]string{`"field":"name"`, "U+200F RIGHT-TO-LEFT MARK"}},
			{"a line break in a user's name", "PATCH", "/api/v1/me", "", `{"name": "Ada\nLovelace"}`, 400, []string{`"field":"name"`}},
			{"but a note may take lines and marks", "POST", "/api/v1/notes", "", `{"body": "שלום\u200f\nsecond line"}`, 201, nil},
			{"grants of the wrong type, in JSON's words", "POST", "/api/v1/roles", "", `{"name": "typo", "grants": "all"}`, 400,
				[]string{`"field":"grants","code":"type","message":"must be an object, not string"`}},
			{"a list where an object is due", "POST", "/api/v1/roles", "", `{"name": "typo", "fields": {"contact": ["a"]}}`, 400,
				[]string{`must be an object, not array`}},
			{"a number where strings are due", "POST", "/api/v1/contacts/merge", "", `{"into": "1", "from": 5}`, 400,
				[]string{`"field":"from","code":"type","message":"must be an array of strings, not number"`}},
			{"a time that is not one", "POST", "/api/v1/tokens", "", `{"name": "t", "expires_at": "tomorrow"}`, 400,
				[]string{`"field":"expires_at"`, "must be a date and time such as"}},
			{"a custom field called workspace_id", "POST", "/api/v1/fields/contacts", "", `{"name": "workspace_id", "type": "text"}`, 400,
				[]string{`"field":"name","code":"reserved"`}},
			{"called kind", "POST", "/api/v1/fields/tasks", "", `{"name": "kind", "type": "text"}`, 400, []string{`"code":"reserved"`}},
			{"called custom", "POST", "/api/v1/fields/deals", "", `{"name": "custom", "type": "text"}`, 400, []string{`"code":"reserved"`}},
			{"called after a column of the shared table", "POST", "/api/v1/fields/notes", "", `{"name": "due_at", "type": "text"}`, 400,
				[]string{`"code":"reserved"`, "column"}},
			{"called after a list parameter", "POST", "/api/v1/fields/contacts", "", `{"name": "cursor", "type": "text"}`, 400,
				[]string{`"code":"reserved"`}},
		} {
			var body []byte
			if s.body != "" {
				body = []byte(s.body)
			}
			status, text := w.send(s.method, s.path, s.query, body, nil)
			if status != s.status {
				t.Errorf("%s: %d, want %d\n%s", s.name, status, s.status, text)
				continue
			}
			for _, want := range s.contains {
				if !strings.Contains(text, want) {
					t.Errorf("%s: the answer lacks %s\n%s", s.name, want, text)
				}
			}
		}
	})
}

// chatSetUp makes a chat channel, and a contact known on it by a first
// message, so that replies have someone to go to.
func (w *walker) chatSetUp() {
	w.ids["doomed_chat"] = w.must("POST", "/api/v1/chat-channels", `{"name": "Gone chat"}`, 201)
	got, text := w.send("POST", "/api/v1/chat-channels", "", []byte(`{"name": "Walk chat"}`), nil)
	var ch struct{ ID, PublicID, Token string }
	if got != 201 || json.Unmarshal([]byte(text), &struct {
		ID       *string `json:"id"`
		PublicID *string `json:"public_id"`
		Token    *string `json:"token"`
	}{&ch.ID, &ch.PublicID, &ch.Token}) != nil {
		w.t.Fatalf("set-up chat channel: %d %s", got, text)
	}
	w.ids["chat"], w.ids["chat_public"], w.ids["chat_token"] = ch.ID, ch.PublicID, ch.Token
	w.ids["chat_contact"] = w.must("POST", "/api/v1/contacts", `{"first_name": "Chatty", "emails": ["chat@walk.example"]}`, 201)
	if got, text := w.send("POST", "/api/v1/chat/"+ch.PublicID+"/messages", "token="+ch.Token,
		[]byte(`{"message": {"id": "first", "text": "Hi"}, "sender": {"id": "known", "email": "chat@walk.example"}}`), nil); got != 201 {
		w.t.Fatalf("set-up chat message: %d %s", got, text)
	}
}

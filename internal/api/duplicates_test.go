package api_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/duplicate"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// newDupAPI is newPermAPI with the duplicate service on the engine.
func newDupAPI(t *testing.T, db *store.DB) *permAPI {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	pol := access.NewRolePolicy(db)
	engine := records.New(db, records.Options{Policy: pol, PhoneRegion: "US", Logger: quiet})
	dups := duplicate.New(db, engine, duplicate.Options{PhoneRegion: "US", Logger: quiet})
	accounts := account.New(db)
	s := &api.Server{Engine: engine, Accounts: accounts, DB: db, Duplicates: dups, Version: "test", Log: quiet}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	p := &permAPI{t: t, db: db, srv: srv, pol: pol, engine: engine, accounts: accounts, tokens: map[string]string{}}
	p.people = accesstest.Setup(t, db, 1)
	for who, email := range p.people.Email {
		p.tokens[who] = p.token(1, email)
	}
	return p
}

// request makes one request and returns the status, the duplicates
// header and the body.
func (p *permAPI) request(token, method, path, body string) (int, string, string) {
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
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 400 && resp.Header.Get("Content-Type") != "application/problem+json" {
		p.t.Errorf("%s %s: error content type %q", method, path, resp.Header.Get("Content-Type"))
	}
	return resp.StatusCode, resp.Header.Get(api.DuplicatesHeader), string(raw)
}

// mustCreate creates a record and returns its id and duplicates header.
func (p *permAPI) mustCreate(token, object, body string) (string, string) {
	p.t.Helper()
	status, header, text := p.request(token, "POST", "/api/v1/"+object, body)
	if status != 201 {
		p.t.Fatalf("create %s: %d %s", body, status, text)
	}
	return idOf(p.t, text), header
}

func TestDuplicatesAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newDupAPI(t, db)
		startAuditTrail(t, db)
		admin := p.tokens["admin"]
		ann, header := p.mustCreate(admin, "contacts", `{"first_name": "Ann", "last_name": "Lee", "emails": ["ann@x.example"], "phones": ["(312) 555-0100"]}`)
		if header != "" {
			t.Errorf("the first record has duplicates: %q", header)
		}
		twin, header := p.mustCreate(admin, "contacts", `{"first_name": "Anne", "last_name": "Lee", "emails": ["ANN@x.example"]}`)
		if header != "contact "+ann {
			t.Errorf("header %q, want contact %s", header, ann)
		}
		third, header := p.mustCreate(admin, "contacts", `{"first_name": "A.", "last_name": "Lee", "phones": ["+1 312 555 0100"]}`)
		if header != "contact "+ann {
			t.Errorf("header %q, want contact %s", header, ann)
		}
		// A namesake with nothing else alike is one to review.
		namesake, header := p.mustCreate(admin, "contacts", `{"first_name": "Ann", "last_name": "Lee"}`)
		if header != "contact "+ann {
			t.Errorf("namesake's header %q, want contact %s", header, ann)
		}
		if _, header = p.mustCreate(admin, "contacts", `{"first_name": "Zed"}`); header != "" {
			t.Errorf("an unrelated record has duplicates: %q", header)
		}
		acme, _ := p.mustCreate(admin, "companies", `{"name": "Acme, Inc.", "website": "acme.example"}`)
		if _, header = p.mustCreate(admin, "companies", `{"name": "Globex", "phones": ["+1 312 555 0100"]}`); header != "" {
			t.Errorf("a company matched a contact: %q", header)
		}
		var stray string // a company id that no contact has
		for range 6 {
			stray, _ = p.mustCreate(admin, "companies", `{"name": "Stray"}`)
		}
		deal, _ := p.mustCreate(admin, "deals", fmt.Sprintf(`{"title": "Big one", "contacts": [%q]}`, twin))
		note, _ := p.mustCreate(admin, "notes", fmt.Sprintf(`{"body": "called", "record_type": "contact", "record_id": %q}`, twin))
		if status, _, text := p.request(admin, "PATCH", "/api/v1/contacts/"+twin, fmt.Sprintf(`{"version": 1, "companies": [%q]}`, acme)); status != 200 {
			t.Fatalf("link: %d %s", status, text)
		}
		steps := []struct {
			name, method, path, body string
			status                   int
			contains                 []string
		}{
			{"check a draft", "POST", "/api/v1/contacts/duplicates/check", `{"first_name": "Ann", "last_name": "Lee", "emails": [{"value": "Ann@X.example"}]}`, 200,
				[]string{`"id":"` + ann + `"`, `"id":"` + twin + `"`, `"reasons":["name","email"]`, `"score":`,
					`{"field":"email","level":"exact","weight":`}},
			{"check finds nothing", "POST", "/api/v1/companies/duplicates/check", `{"name": "Initech"}`, 200, []string{`"data":[]`}},
			{"check an unknown field", "POST", "/api/v1/contacts/duplicates/check", `{"shoe_size": 4}`, 400, []string{`"field":"shoe_size"`}},
			{"check a wrong type", "POST", "/api/v1/contacts/duplicates/check", `{"phones": 4}`, 400, []string{`"field":"phones"`}},
			{"check without a body", "POST", "/api/v1/contacts/duplicates/check", ``, 400, nil},
			{"groups", "GET", "/api/v1/contacts/duplicates", "", 200,
				[]string{`{"records":["` + ann + `","` + twin + `","` + third + `"],"reasons":[]}`}},
			{"the review queue", "GET", "/api/v1/contacts/duplicates/review", "", 200,
				[]string{`"a":"` + ann + `","b":"` + namesake + `"`, `{"field":"name","level":"exact","weight":`}},
			{"review with a bad cursor", "GET", "/api/v1/contacts/duplicates/review?cursor=nope", "", 400, []string{`"field":"cursor"`}},
			{"decide on a bad id", "POST", "/api/v1/contacts/duplicates/decisions", `{"a": "x", "b": "` + ann + `", "same": false}`, 400, []string{`"field":"a"`}},
			{"decide on a pair of one", "POST", "/api/v1/contacts/duplicates/decisions", `{"a": "` + ann + `", "b": "` + ann + `", "same": false}`, 400, []string{`"field":"b"`}},
			{"decide on a missing record", "POST", "/api/v1/contacts/duplicates/decisions", `{"a": "99999999", "b": "` + ann + `", "same": false}`, 404, nil},
			{"decide different", "POST", "/api/v1/contacts/duplicates/decisions", `{"a": "` + namesake + `", "b": "` + ann + `", "same": false}`, 204, nil},
			{"the queue is empty", "GET", "/api/v1/contacts/duplicates/review", "", 200, []string{`"data":[]`}},
			{"settings", "GET", "/api/v1/contacts/duplicates/settings", "", 200, []string{`"review_threshold":0.5`, `"histogram":[`}},
			{"settings out of range", "PUT", "/api/v1/contacts/duplicates/settings", `{"review_threshold": 0.95, "duplicate_threshold": 0.9, "identifying": []}`, 400,
				[]string{`"field":"duplicate_threshold"`}},
			{"settings with a built-in field", "PUT", "/api/v1/contacts/duplicates/settings", `{"review_threshold": 0.5, "duplicate_threshold": 0.9, "identifying": ["emails"]}`, 400,
				[]string{`"field":"identifying[0]"`}},
			{"save settings", "PUT", "/api/v1/contacts/duplicates/settings", `{"review_threshold": 0.6, "duplicate_threshold": 0.95, "identifying": ["website"]}`, 200,
				[]string{`"review_threshold":0.6`, `"identifying":["website"]`}},
			{"estimate", "POST", "/api/v1/contacts/duplicates/estimate", "", 202, nil},
			{"no company groups", "GET", "/api/v1/companies/duplicates", "", 200, []string{`"data":[]`}},
			{"bad limit", "GET", "/api/v1/contacts/duplicates?limit=many", "", 400, []string{`"field":"limit"`}},
			{"limit too large", "GET", "/api/v1/contacts/duplicates?limit=1000", "", 400, []string{`"field":"limit"`}},
			{"bad cursor", "GET", "/api/v1/contacts/duplicates?cursor=nope", "", 400, []string{`"field":"cursor"`}},
			{"deals have no duplicates", "GET", "/api/v1/deals/duplicates", "", 404, nil},
			{"merge with an unknown key", "POST", "/api/v1/contacts/merge", `{"into": "1", "form": []}`, 400, []string{"form"}},
			{"merge into itself", "POST", "/api/v1/contacts/merge", `{"into": "` + ann + `", "from": ["` + ann + `"]}`, 400, []string{`"field":"from[0]"`}},
			{"merge nothing", "POST", "/api/v1/contacts/merge", `{"into": "` + ann + `", "from": []}`, 400, []string{`"field":"from"`}},
			{"merge an unknown field", "POST", "/api/v1/contacts/merge", `{"into": "` + ann + `", "from": ["` + twin + `"], "fields": {"colour": "` + twin + `"}}`,
				400, []string{`"field":"fields.colour"`}},
			{"merge a value from outside", "POST", "/api/v1/contacts/merge", `{"into": "` + ann + `", "from": ["` + twin + `"], "fields": {"first_name": "` + third + `"}}`,
				400, []string{`"field":"fields.first_name"`}},
			{"merge a missing record", "POST", "/api/v1/contacts/merge", `{"into": "` + ann + `", "from": ["99999999"]}`, 404, []string{`"field":"from[0]"`}},
			{"merge a company into a contact", "POST", "/api/v1/contacts/merge", `{"into": "` + ann + `", "from": ["` + stray + `"]}`, 404,
				[]string{`"field":"from[0]"`}},
			{"merge with a read-only token", "POST", "/api/v1/contacts/merge", `{"into": "` + ann + `", "from": ["` + twin + `"]}`, 403, nil},
			{"merge", "POST", "/api/v1/contacts/merge", `{"into": "` + ann + `", "from": ["` + twin + `", "` + third + `"], "fields": {"first_name": "` + twin + `"}}`,
				200, []string{`"first_name":"Anne"`, `"id":"` + acme + `"`}},
			{"the merged are gone", "GET", "/api/v1/contacts/" + twin, "", 404, nil},
			{"merge into a merged one", "POST", "/api/v1/contacts/merge", `{"into": "` + twin + `", "from": ["` + ann + `"]}`, 409,
				[]string{`"field":"into"`, "is in the trash: it was deleted, or merged into another record"}},
			{"the note moved", "GET", "/api/v1/notes/" + note, "", 200, []string{`"record_id":"` + ann + `"`}},
			{"the deal link moved", "GET", "/api/v1/deals/" + deal, "", 200, []string{`"id":"` + ann + `"`}},
			{"no group is left", "GET", "/api/v1/contacts/duplicates", "", 200, []string{`"data":[]`}},
		}
		for _, st := range steps {
			token := admin
			if st.name == "merge with a read-only token" {
				token = readOnlyToken(t, p)
			}
			status, _, text := p.request(token, st.method, st.path, st.body)
			if status != st.status {
				t.Fatalf("%s: %d, want %d\n%s", st.name, status, st.status, text)
			}
			for _, c := range st.contains {
				if !strings.Contains(text, c) {
					t.Errorf("%s: answer lacks %s\n%s", st.name, c, text)
				}
			}
		}
		// The merge reaches the audit trail once the consumer has run.
		deadline := time.Now().Add(10 * time.Second)
		for {
			_, _, text := p.request(admin, "GET", "/api/v1/audit?object=contact&record_id="+ann+"&action=merge", "")
			if strings.Contains(text, fmt.Sprintf(`"merged":{"before":null,"after":[%q,%q]}`, twin, third)) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the merge never reached the audit trail: %s", text)
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

func readOnlyToken(t *testing.T, p *permAPI) string {
	t.Helper()
	tok, err := p.accounts.CreateToken(t.Context(), 1, p.people.Email["admin"], "read", account.ScopeRead, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestDuplicatesStayInReach checks that a salesperson sees and merges only
// their own records, and that another workspace reaches nothing.
func TestDuplicatesStayInReach(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newDupAPI(t, db)
		admin, me := p.tokens["admin"], p.tokens[accesstest.Self]
		mate := p.people.ByCls[accesstest.Teammate]
		p.become(access.BuiltinRoles()[2]) // salesperson
		mine, _ := p.mustCreate(me, "contacts", `{"first_name": "Maria", "last_name": "Lopez", "emails": ["shared@x.example"]}`)
		theirs, header := p.mustCreate(admin, "contacts", fmt.Sprintf(`{"first_name": "Maria", "last_name": "Lopez", "emails": ["shared@x.example"], "owner_id": "%d"}`, mate))
		if header != "contact "+mine {
			t.Errorf("the administrator's header %q, want contact %s", header, mine)
		}
		// A namesake of the colleague's, to review: never shown to the
		// salesperson.
		hidden, _ := p.mustCreate(admin, "contacts", fmt.Sprintf(`{"first_name": "Maria", "last_name": "Lopez", "owner_id": "%d"}`, mate))
		if _, header := p.mustCreate(me, "contacts", `{"first_name": "Maria", "last_name": "Lopez", "emails": ["shared@x.example"]}`); header != "contact "+mine {
			t.Errorf("the salesperson's header %q names what they cannot see", header)
		}
		accesstest.AddWorkspace(t, db, 2)
		accesstest.AddUser(t, db, 2, "two@x.example", access.RoleAdministrator, 0)
		other := p.token(2, "two@x.example")
		for _, c := range []struct {
			name, token, method, path, body string
			status                          int
		}{
			{"salesperson's groups", me, "GET", "/api/v1/contacts/duplicates", "", 200},
			{"salesperson's check", me, "POST", "/api/v1/contacts/duplicates/check", `{"first_name": "Maria", "last_name": "Lopez", "emails": ["shared@x.example"]}`, 200},
			{"salesperson's review queue", me, "GET", "/api/v1/contacts/duplicates/review", "", 200},
			{"salesperson decides on the colleague's", me, "POST", "/api/v1/contacts/duplicates/decisions", `{"a": "` + mine + `", "b": "` + theirs + `", "same": false}`, 404},
			{"salesperson's settings", me, "GET", "/api/v1/contacts/duplicates/settings", "", 403},
			{"salesperson re-estimates", me, "POST", "/api/v1/contacts/duplicates/estimate", "", 403},
			{"merge the colleague's into mine", me, "POST", "/api/v1/contacts/merge", `{"into": "` + mine + `", "from": ["` + theirs + `"]}`, 404},
			{"merge mine into the colleague's", me, "POST", "/api/v1/contacts/merge", `{"into": "` + theirs + `", "from": ["` + mine + `"]}`, 404},
			{"other workspace's groups", other, "GET", "/api/v1/contacts/duplicates", "", 200},
			{"other workspace's check", other, "POST", "/api/v1/contacts/duplicates/check", `{"emails": ["shared@x.example"]}`, 200},
			{"other workspace merges", other, "POST", "/api/v1/contacts/merge", `{"into": "` + mine + `", "from": ["` + theirs + `"]}`, 404},
		} {
			status, _, text := p.request(c.token, c.method, c.path, c.body)
			if status != c.status {
				t.Errorf("%s: %d, want %d\n%s", c.name, status, c.status, text)
			}
			if strings.Contains(text, `"`+theirs+`"`) || strings.Contains(text, `"`+hidden+`"`) {
				t.Errorf("%s shows the colleague's contact\n%s", c.name, text)
			}
			if c.token == other && strings.Contains(text, `"`+mine+`"`) {
				t.Errorf("%s shows workspace 1's contact\n%s", c.name, text)
			}
		}
		if status, _, _ := p.request(admin, "GET", "/api/v1/contacts/"+theirs, ""); status != 200 {
			t.Errorf("the colleague's contact after the refused merges: %d", status)
		}
	})
}

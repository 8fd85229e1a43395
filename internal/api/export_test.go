package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/audit"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
	"github.com/rapport-crm/rapport/internal/vcard"
	"github.com/xuri/excelize/v2"
)

// TestExport exports contacts in each format and checks what each role
// gets: every record it may export and no other, no field its role hides,
// a formula kept as text, the filter and sort of the list, and a 4xx
// naming the parameter for bad input.
func TestExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPermAPI(t, db)
		admin := p.tokens["admin"]
		own := fmt.Sprint(p.people.Actor())
		other := fmt.Sprint(p.people.ByCls["outsider"])
		for i, c := range []struct{ first, owner string }{
			{"=HYPERLINK(\"http://evil.example\")", own}, {"Ada", own}, {"Mallory", other}} {
			status, text := p.call(admin, "POST", "/api/v1/contacts", fmt.Sprintf(`{"first_name": %q, "last_name": "Export%d",
				"emails": ["person%d@rapport.example"], "phones": ["+1 202 555 01%02d"], "birthday": "1990-01-0%d", "owner_id": %q}`,
				c.first, i, i, i, i+1, c.owner))
			if status != http.StatusCreated {
				t.Fatalf("create: %d %s", status, text)
			}
		}
		get := func(token, query string) (int, http.Header, []byte) {
			t.Helper()
			req, _ := http.NewRequest("GET", p.srv.URL+"/api/v1/exports/contacts"+query, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, resp.Header, b
		}
		readCSV := func(b []byte) [][]string {
			t.Helper()
			rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
			if err != nil {
				t.Fatalf("%v\n%s", err, b)
			}
			return rows
		}
		column := func(rows [][]string, name string) []string {
			t.Helper()
			i := slices.Index(rows[0], name)
			if i < 0 {
				t.Fatalf("no column %s in %v", name, rows[0])
			}
			var out []string
			for _, r := range rows[1:] {
				out = append(out, r[i])
			}
			return out
		}

		// The administrator: every contact, the list's sort, the formula
		// made text, lists joined.
		status, h, b := get(admin, "?format=csv&sort=-last_name")
		if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") {
			t.Fatalf("csv: %d %s\n%s", status, h.Get("Content-Type"), b)
		}
		rows := readCSV(b)
		if got := column(rows, "last_name"); !slices.Equal(got, []string{"Export2", "Export1", "Export0"}) {
			t.Errorf("sorted by -last_name: %v", got)
		}
		if got := column(rows, "first_name"); got[2] != `'=HYPERLINK("http://evil.example")` {
			t.Errorf("the formula reads %q", got[2])
		}
		if got := column(rows, "emails"); got[0] != "person2@rapport.example" {
			t.Errorf("emails read %q", got[0])
		}

		// Columns and a filter.
		status, _, b = get(admin, "?format=csv&columns=last_name,birthday&last_name=Export1")
		if rows := readCSV(b); status != 200 || !slices.Equal(rows[0], []string{"id", "last_name", "birthday"}) || len(rows) != 2 || rows[1][2] != "1990-01-02" {
			t.Errorf("columns and filter: %d %v", status, rows)
		}

		// JSON and XLSX hold the same records.
		status, _, b = get(admin, "?format=json&columns=first_name")
		var list []map[string]any
		if err := json.Unmarshal(b, &list); status != 200 || err != nil || len(list) != 3 {
			t.Errorf("json: %d %v %s", status, err, b)
		}
		status, _, b = get(admin, "?format=xlsx&columns=first_name,last_name&sort=last_name")
		f, err := excelize.OpenReader(bytes.NewReader(b))
		if status != 200 || err != nil {
			t.Fatalf("xlsx: %d %v", status, err)
		}
		xrows, _ := f.GetRows(f.GetSheetName(0))
		if len(xrows) != 4 || xrows[1][1] != `'=HYPERLINK("http://evil.example")` || xrows[3][2] != "Export2" {
			t.Errorf("xlsx rows %v", xrows)
		}
		if formula, _ := f.GetCellFormula(f.GetSheetName(0), "B2"); formula != "" {
			t.Errorf("B2 holds a formula %q", formula)
		}

		// vCards: one per contact, the company as its organisation.
		company := p.made(admin, "POST", "/api/v1/companies", `{"name": "Analytical Engines"}`, 201)
		ada := column(readCSV(func() []byte { _, _, b := get(admin, "?first_name=Ada"); return b }()), "id")[0]
		if status, _, text := p.request(admin, "PATCH", "/api/v1/contacts/"+ada, fmt.Sprintf(`{"version": 1, "companies": [%q]}`, company)); status != 200 {
			t.Fatalf("link: %d %s", status, text)
		}
		status, h, b = get(admin, "?format=vcf&sort=last_name")
		cards, err := vcard.Read(b)
		if status != 200 || h.Get("Content-Type") != "text/vcard; charset=utf-8" || err != nil || len(cards) != 3 {
			t.Fatalf("vcf: %d %s %v %s", status, h.Get("Content-Type"), err, b)
		}
		if c := cards[1]; c.FirstName != "Ada" || c.Organization != "Analytical Engines" || c.Birthday != "1990-01-02" ||
			len(c.Emails) != 1 || c.Emails[0].Value != "person1@rapport.example" || len(c.Phones) != 1 {
			t.Errorf("Ada's vCard: %+v", c)
		}

		// The export is in the audit trail.
		if status, text := p.call(admin, "GET", "/api/v1/audit?action=export", ""); status != 200 || !strings.Contains(text, `"records":{"before":null,"after":3}`) {
			t.Errorf("audit: %d %s", status, text)
		}

		// Bad input names its parameter.
		for _, c := range []struct{ query, field string }{
			{"?format=pdf", "format"}, {"?columns=last_name,nope", "columns"}, {"?columns=last_name,last_name", "columns"},
			{"?limit=5", "limit"}, {"?nope[eq]=1", "nope[eq]"}, {"?sort=nope", "sort[0]"},
			{"?format=vcf&columns=first_name", "columns"},
		} {
			status, _, b := get(admin, c.query)
			if status != 400 || !strings.Contains(string(b), `"field":"`+c.field+`"`) {
				t.Errorf("%s: %d %s", c.query, status, b)
			}
		}

		// A salesperson exports their own contacts only.
		p.become(access.Role{Name: access.RoleSalesperson, Builtin: true})
		status, _, b = get(p.tokens["self"], "?format=csv")
		if rows := readCSV(b); status != 200 || len(rows) != 3 || strings.Contains(string(b), "Mallory") {
			t.Errorf("salesperson: %d %v", status, rows)
		}
		// A role that reads everything but exports its own: the same.
		p.become(access.Role{Name: "reader", Grants: access.Grants{"contact": {"read": "all", "export": "own"}},
			Fields: access.FieldRules{"contact": {"birthday": "hidden"}}})
		status, _, b = get(p.tokens["self"], "?format=csv")
		if rows := readCSV(b); status != 200 || len(rows) != 3 || strings.Contains(string(b), "Mallory") || strings.Contains(string(b), "1990-01-0") {
			t.Errorf("reads all, exports own, birthday hidden: %d %s", status, b)
		}
		if status, _, b := get(p.tokens["self"], "?format=vcf"); status != 200 || strings.Count(string(b), "BEGIN:VCARD") != 2 || strings.Contains(string(b), "BDAY") || strings.Contains(string(b), "Mallory") {
			t.Errorf("reads all, exports own, birthday hidden, as vCards: %d %s", status, b)
		}
		if status, _, b := get(p.tokens["self"], "?columns=birthday"); status != 400 || !strings.Contains(string(b), `"field":"columns"`) {
			t.Errorf("a hidden column: %d %s", status, b)
		}
		// Only contacts are vCards.
		req, _ := http.NewRequest("GET", p.srv.URL+"/api/v1/exports/companies?format=vcf", nil)
		req.Header.Set("Authorization", "Bearer "+admin)
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 400 {
			t.Errorf("companies as vCards: %v %v", resp, err)
		} else {
			resp.Body.Close()
		}
		// A role that may not export is refused.
		p.become(access.Role{Name: access.RoleReadOnly, Builtin: true})
		if status, _, b := get(p.tokens["self"], "?format=csv"); status != 403 {
			t.Errorf("read only: %d %s", status, b)
		}
	})
}

// TestPersonalData gathers one person's data: their record, the
// activities about them, the meetings they attended, their deals and
// their record's audit entries, and nobody else's; only an administrator
// may ask, and the asking is audited.
func TestPersonalData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPermAPI(t, db)
		admin := p.tokens["admin"]
		made := func(path, body string) string {
			t.Helper()
			status, text := p.call(admin, "POST", path, body)
			if status != http.StatusCreated {
				t.Fatalf("POST %s: %d %s", path, status, text)
			}
			return idOf(t, text)
		}
		grace := made("/api/v1/contacts", `{"first_name": "Grace", "last_name": "Hopper", "emails": ["grace@navy.example"]}`)
		other := made("/api/v1/contacts", `{"first_name": "Other", "last_name": "Person"}`)
		if status, text := p.call(admin, "PATCH", "/api/v1/contacts/"+grace, `{"job_title": "Rear admiral", "version": 1}`); status != 200 {
			t.Fatalf("update: %d %s", status, text)
		}
		made("/api/v1/notes", `{"body": "Called about COBOL", "record_type": "contact", "record_id": "`+grace+`"}`)
		made("/api/v1/notes", `{"body": "Someone else's note", "record_type": "contact", "record_id": "`+other+`"}`)
		made("/api/v1/meetings", `{"title": "Compiler review", "starts_at": "2030-01-02T10:00:00Z", "attendees": [{"id": "`+grace+`"}]}`)
		made("/api/v1/deals", `{"title": "Navy contract", "contacts": [{"id": "`+grace+`"}]}`)
		made("/api/v1/deals", `{"title": "Unrelated deal", "contacts": [{"id": "`+other+`"}]}`)

		// The audit trail is written from the outbox by its consumer.
		if _, err := audit.NewConsumer(db, audit.Options{Logger: slog.New(slog.DiscardHandler)}).Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		status, text := p.call(admin, "GET", "/api/v1/contacts/"+grace+"/personal-data", "")
		if status != 200 {
			t.Fatalf("personal data: %d %s", status, text)
		}
		var got struct {
			Contact    map[string]any              `json:"contact"`
			Activities map[string][]map[string]any `json:"activities"`
			Attended   []map[string]any            `json:"meetings_attended"`
			Deals      []map[string]any            `json:"deals"`
			Audit      []map[string]any            `json:"audit"`
		}
		if err := json.Unmarshal([]byte(text), &got); err != nil {
			t.Fatal(err)
		}
		if got.Contact["last_name"] != "Hopper" || len(got.Activities["notes"]) != 1 || got.Activities["notes"][0]["body"] != "Called about COBOL" ||
			len(got.Attended) != 1 || len(got.Deals) != 1 || got.Deals[0]["title"] != "Navy contract" {
			t.Errorf("the personal data: %s", text)
		}
		if strings.Contains(text, "Someone else") || strings.Contains(text, "Unrelated deal") {
			t.Errorf("another person's data in the answer: %s", text)
		}
		if len(got.Audit) == 0 || !strings.Contains(text, "Rear admiral") {
			t.Errorf("the record's audit entries are missing: %v", got.Audit)
		}
		if status, text := p.call(admin, "GET", "/api/v1/audit?action=export&record_id="+grace, ""); status != 200 || !strings.Contains(text, `"personal_data"`) {
			t.Errorf("the export is not in the audit trail: %d %s", status, text)
		}
		// Nobody but an administrator.
		p.become(access.Role{Name: access.RoleManager, Builtin: true})
		if status, _ := p.call(p.tokens["self"], "GET", "/api/v1/contacts/"+grace+"/personal-data", ""); status != 403 {
			t.Errorf("a manager asking: %d", status)
		}
		if status, _ := p.call(admin, "GET", "/api/v1/contacts/999999/personal-data", ""); status != 404 {
			t.Errorf("no such contact: %d", status)
		}
	})
}

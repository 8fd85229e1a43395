package api_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// sendFile makes one request with a raw body and returns the status and body.
func sendFile(t *testing.T, base, token, method, path, contentType, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// idsOf returns the ids of the records an import created.
func idsOf(t *testing.T, text string) []string {
	t.Helper()
	var page struct {
		Data []struct{ ID string } `json:"data"`
	}
	if err := json.Unmarshal([]byte(text), &page); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range page.Data {
		ids = append(ids, r.ID)
	}
	return ids
}

const twoCards = "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Lovelace;Ada=\r\n\r\nFN:Ada Lovelace\r\n" +
	"ORG:Analytical Engines;Research\r\nTEL;WORK;VOICE:+44 20 7946 0958\r\nEMAIL;PREF;INTERNET:ada@example.com\r\n" +
	"NOTE;ENCODING=QUOTED-PRINTABLE:First line=0D=0ASecond line\r\nBDAY:18151210\r\nEND:VCARD\r\n" +
	"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Babbage;Charles\r\nFN:Charles Babbage\r\nEMAIL;TYPE=home:charles@example.com\r\n" +
	"ADR;TYPE=work:;;1 Dorset St;London;;W1U 4EG;United Kingdom\r\nEND:VCARD\r\n"

func TestVCardAndICal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		base, tok := e.srv.URL, e.token
		status, text := sendFile(t, base, tok, "POST", "/api/v1/contacts/vcard", "text/vcard", twoCards)
		if status != 201 || !strings.Contains(text, `"full_name":"Ada Lovelace"`) || !strings.Contains(text, `"full_name":"Charles Babbage"`) {
			t.Fatalf("import: %d %s", status, text)
		}
		ada := idsOf(t, text)[0]
		for _, c := range []struct {
			path, want string
		}{
			{"/api/v1/contacts/" + ada + "/vcard?version=3.0", "VERSION:3.0|N:Lovelace;Ada;;;|ORG:Analytical Engines|TEL;TYPE=work:+442079460958|" +
				"EMAIL:ada@example.com|NOTE:First line\\nSecond line|BDAY:1815-12-10"},
			{"/api/v1/contacts/" + ada + "/vcard", "VERSION:4.0|TEL;TYPE=work;VALUE=uri:tel:+442079460958|BDAY:18151210"},
		} {
			status, text := sendFile(t, base, tok, "GET", c.path, "", "")
			if status != 200 {
				t.Fatalf("%s: %d %s", c.path, status, text)
			}
			for _, want := range strings.Split(c.want, "|") {
				if !strings.Contains(text, want+"\r\n") {
					t.Errorf("%s lacks %q:\n%s", c.path, want, text)
				}
			}
		}
		if status, text := sendFile(t, base, tok, "GET", "/api/v1/contacts?full_name=Charles%20Babbage", "", ""); !strings.Contains(text, `"country":"GB"`) {
			t.Errorf("Babbage's address: %d %s", status, text)
		}

		// One bad card and nothing is written; bad files get a 4xx naming the problem.
		bad := twoCards + "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Nobody\r\nEMAIL:not-an-address\r\nEND:VCARD\r\n"
		for _, c := range []struct {
			name, path, ctype, body string
			status                  int
			want                    string
		}{
			{"bad e-mail in the third card", "/api/v1/contacts/vcard", "text/vcard", bad, 422, `"field":"cards[2].emails[0].value"`},
			{"not a vCard", "/api/v1/contacts/vcard", "text/vcard", "hello, world\n", 422, `"field":"cards","code":"required","message":"the file holds no vCard"`},
			{"a binary file", "/api/v1/contacts/vcard", "application/octet-stream", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", 422, `"field":"cards"`},
			{"an empty file", "/api/v1/contacts/vcard", "text/vcard", "", 422, `"field":"cards"`},
			{"JSON instead of a file", "/api/v1/contacts/vcard", "application/json", `{"first_name":"X"}`, 400, `"code":"content_type"`},
			{"a version we do not write", "/api/v1/contacts/" + ada + "/vcard?version=2.1", "", "", 400, `"field":"version"`},
			{"a meeting without a start", "/api/v1/activities/ical", "text/calendar",
				"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VTODO\r\nUID:1\r\nSUMMARY:Fine\r\nEND:VTODO\r\n" +
					"BEGIN:VEVENT\r\nUID:2\r\nSUMMARY:No start\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", 422, `"field":"items[1].starts_at"`},
			{"an empty calendar", "/api/v1/activities/ical", "text/calendar", "", 422, `"field":"items"`},
			{"not a calendar", "/api/v1/activities/ical", "text/calendar", "\x00\x01\x02binary", 422, `"field":"items"`},
		} {
			status, text := sendFile(t, base, tok, "POST", c.path, c.ctype, c.body)
			if c.path == "/api/v1/contacts/"+ada+"/vcard?version=2.1" {
				status, text = sendFile(t, base, tok, "GET", c.path, "", "")
			}
			if status != c.status || !strings.Contains(text, c.want) {
				t.Errorf("%s: %d %s, want %d with %s", c.name, status, text, c.status, c.want)
			}
		}
		for _, list := range []string{"contacts", "companies", "tasks", "notes"} {
			_, text := sendFile(t, base, tok, "GET", "/api/v1/"+list+"?count=true", "", "")
			want := map[string]string{"contacts": `"total":2`, "companies": `"total":1`, "tasks": `"total":0`, "notes": `"total":1`}[list]
			if !strings.Contains(text, want) {
				t.Errorf("%s after refused imports: %s, want %s", list, text, want)
			}
		}

		cal := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VTODO\r\nUID:t1\r\nSUMMARY:Call Ada\r\nDUE:20270110T090000Z\r\n" +
			"STATUS:COMPLETED\r\nDESCRIPTION:About <engines>\r\nEND:VTODO\r\nBEGIN:VEVENT\r\nUID:m1\r\nSUMMARY:Demo\r\n" +
			"DTSTART;TZID=Europe/London:20270601T100000\r\nDURATION:PT1H\r\nLOCATION:Dorset St\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
		status, text = sendFile(t, base, tok, "POST", "/api/v1/activities/ical", "text/calendar", cal)
		if status != 201 || !strings.Contains(text, `"due_at":"2027-01-10T09:00:00.000000Z"`) || !strings.Contains(text, `"starts_at":"2027-06-01T09:00:00.000000Z"`) ||
			!strings.Contains(text, `"ends_at":"2027-06-01T10:00:00.000000Z"`) || !strings.Contains(text, `"done":true`) {
			t.Fatalf("calendar import: %d %s", status, text)
		}
		task, meeting := idsOf(t, text)[0], idsOf(t, text)[1]
		for path, want := range map[string]string{
			"/api/v1/tasks/" + task + "/ical":       "BEGIN:VTODO|SUMMARY:Call Ada|DUE:20270110T090000Z|STATUS:COMPLETED|DESCRIPTION:About <engines>",
			"/api/v1/meetings/" + meeting + "/ical": "BEGIN:VEVENT|SUMMARY:Demo|DTSTART:20270601T090000Z|DTEND:20270601T100000Z|LOCATION:Dorset St",
		} {
			status, text := sendFile(t, base, tok, "GET", path, "", "")
			for _, w := range strings.Split(want, "|") {
				if status != 200 || !strings.Contains(text, w+"\r\n") {
					t.Errorf("%s: %d lacks %q\n%s", path, status, w, text)
				}
			}
		}
		if status, _ := sendFile(t, base, tok, "GET", "/api/v1/tasks/"+meeting+"/ical", "", ""); status != 404 {
			t.Errorf("a meeting as a task: %d", status)
		}
		if status, _ := sendFile(t, base, e.rotoken, "POST", "/api/v1/contacts/vcard", "text/vcard", twoCards); status != 403 {
			t.Errorf("import with a read-only token: %d", status)
		}
	})
}

// TestVCardOfColleague: a salesperson who may not read a colleague's
// contact gets 404 for its vCard, as for the contact itself.
func TestVCardOfColleague(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPermAPI(t, db)
		p.become(access.BuiltinRoles()[2]) // salesperson
		admin, me := p.tokens["admin"], p.tokens[accesstest.Self]
		_, text := p.call(admin, "POST", "/api/v1/contacts", fmt.Sprintf(`{"first_name": "Secretia", "owner_id": "%d"}`, p.people.ByCls[accesstest.Teammate]))
		theirs := idOf(t, text)
		_, text = p.call(me, "POST", "/api/v1/contacts", `{"first_name": "Mine"}`)
		mine := idOf(t, text)
		if status, text := p.call(me, "GET", "/api/v1/contacts/"+theirs+"/vcard", ""); status != 404 || strings.Contains(text, "Secretia") {
			t.Errorf("colleague's vCard: %d %s", status, text)
		}
		if status, text := p.call(me, "GET", "/api/v1/contacts/"+mine+"/vcard", ""); status != 200 || !strings.Contains(text, "FN:Mine") {
			t.Errorf("own vCard: %d %s", status, text)
		}
	})
}

// The input walker checks the exports' paths and parameters; the imports
// take a file, not JSON, and TestVCardAndICal sends them bad files.
func init() {
	byID := func(object, query string) func(w *walker) []validRequest {
		return func(w *walker) []validRequest {
			return []validRequest{{path: pathID(w.ids[object]), query: query, status: 200}}
		}
	}
	validRequests["GET /api/v1/contacts/{id}/vcard"] = byID("contact", "version=3.0")
	validRequests["GET /api/v1/tasks/{id}/ical"] = byID("task", "")
	validRequests["GET /api/v1/meetings/{id}/ical"] = byID("meeting", "")
	validRequests["POST /api/v1/contacts/vcard"] = just(validRequest{status: -1})
	validRequests["POST /api/v1/activities/ical"] = just(validRequest{status: -1})
}

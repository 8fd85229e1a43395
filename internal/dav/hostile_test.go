package dav_test

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// contacts counts the contacts of the workspace, the trashed among them.
func (w *world) contacts(t *testing.T) int {
	t.Helper()
	var n int
	if err := w.db.Reader().QueryRowContext(context.Background(), `SELECT count(*) FROM contacts`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestWithoutCredentials: every path of the DAV tree asks for credentials
// (401 with a Basic challenge) and shows nothing of what is behind it;
// discovery only points at the tree.
func TestWithoutCredentials(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := setup(t, db)
		sam := "/dav/" + itoa(w.sam.UserID) + "/"
		noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		for _, p := range []string{"/.well-known/carddav", "/.well-known/caldav"} {
			req, _ := http.NewRequest("PROPFIND", w.url+p, nil)
			res, err := noRedirect.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode/100 != 3 || res.Header.Get("Location") != "/dav/" {
				t.Errorf("%s without credentials: %d to %q, want a redirect to /dav/ alone", p, res.StatusCode, res.Header.Get("Location"))
			}
		}
		card := "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Anon;Anna;;;\r\nFN:Anna Anon\r\nEND:VCARD\r\n"
		before := w.contacts(t)
		for _, c := range []struct{ method, path, body string }{
			{"PROPFIND", "/dav/", ""},
			{"OPTIONS", "/dav/", ""},
			{"PROPFIND", sam, ""},
			{"PROPFIND", sam + "addressbooks/", ""},
			{"PROPFIND", sam + "addressbooks/contacts/", ""},
			{"REPORT", sam + "addressbooks/contacts/", strings.Replace(syncBody, "%s", "", 1)},
			{"GET", sam + "addressbooks/contacts/" + w.ids[0] + ".vcf", ""},
			{"PUT", sam + "addressbooks/contacts/anon.vcf", card},
			{"DELETE", sam + "addressbooks/contacts/" + w.ids[0] + ".vcf", ""},
			{"PROPFIND", sam + "calendars/", ""},
			{"PROPFIND", sam + "calendars/default/", ""},
			{"GET", sam + "calendars/default/", ""},
			{"GET", "/dav/calendar.ics", ""},
			{"GET", sam + "calendars/default/meeting-1.ics", ""},
		} {
			req, _ := http.NewRequest(c.method, w.url+c.path, strings.NewReader(c.body))
			req.Header.Set("Depth", "1")
			res, err := noRedirect.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body := make([]byte, 4096)
			n, _ := res.Body.Read(body)
			res.Body.Close()
			if res.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Basic ") {
				t.Errorf("%s %s without credentials: %d %q", c.method, c.path, res.StatusCode, res.Header.Get("WWW-Authenticate"))
			}
			if s := string(body[:n]); strings.Contains(s, "Lovelace") || strings.Contains(s, ".vcf") || strings.Contains(s, marker) {
				t.Errorf("%s %s without credentials shows %q", c.method, c.path, s)
			}
		}
		if w.contacts(t) != before {
			t.Error("a request without credentials wrote a contact")
		}
		if rec, err := w.engine.Get(as(w.sam), "contact", w.ids[0], false); err != nil || rec["version"] != int64(1) {
			t.Errorf("a request without credentials changed a contact: %v %v", rec, err)
		}
	})
}

// TestPutIntoAnotherUsersBook: Sam cannot write into Cole's address book
// or calendar, nor over Cole's contact through his own: each PUT is
// refused and writes nothing.
func TestPutIntoAnotherUsersBook(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := setup(t, db)
		cole := "/dav/" + itoa(w.cole.UserID) + "/"
		card := "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:intruder\r\nN:Intruder;Ivan;;;\r\nFN:Ivan Intruder\r\nEMAIL:ivan@intruder.example\r\nEND:VCARD\r\n"
		event := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:intruder\r\nDTSTAMP:20261201T000000Z\r\n" +
			"DTSTART:20261224T090000Z\r\nSUMMARY:Intruder\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
		before := w.contacts(t)
		for _, c := range []struct{ path, body, ctype string }{
			{cole + "addressbooks/contacts/intruder.vcf", card, "text/vcard"},
			{cole + "addressbooks/contacts/" + w.private + ".vcf", card, "text/vcard"},
			{cole + "addressbooks/contacts/", card, "text/vcard"},
			{cole + "addressbooks/intruder.vcf", card, "text/vcard"},
			{w.book() + w.private + ".vcf", card, "text/vcard"},
			{cole + "calendars/default/intruder.ics", event, "text/calendar"},
		} {
			for _, h := range [][]string{{"If-None-Match", "*"}, {"If-Match", `"1"`}, {}} {
				code, _, body := w.do(t, "PUT", c.path, c.body, append([]string{"Content-Type", c.ctype}, h...)...)
				if code != http.StatusForbidden && code != http.StatusNotFound && code != http.StatusPreconditionFailed {
					t.Errorf("PUT %s %v: %d %s, want 403, 404 or 412", c.path, h, code, body)
				}
				if strings.Contains(body, marker) {
					t.Errorf("PUT %s shows the colleague's contact: %s", c.path, body)
				}
			}
		}
		if w.contacts(t) != before {
			t.Error("a PUT into a colleague's tree made a contact")
		}
		if rec, err := w.engine.Get(as(w.cole), "contact", w.private, false); err != nil || rec["version"] != int64(1) {
			t.Errorf("the colleague's contact changed: %v %v", rec, err)
		}
		var n int
		w.db.Reader().QueryRowContext(context.Background(), `SELECT count(*) FROM meetings`).Scan(&n)
		if n != 0 {
			t.Errorf("a PUT into a colleague's calendar made %d meetings", n)
		}
	})
}

// photoCard is a vCard carrying an inline photo of size bytes, base64 and
// folded at 75 characters as programs write it.
func photoCard(uid string, size int) string {
	photo := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("\xff\xd8photo-bytes", size/12+1)[:size]))
	var folded strings.Builder
	line := "PHOTO;ENCODING=b;TYPE=JPEG:" + photo
	for len(line) > 75 {
		folded.WriteString(line[:75] + "\r\n ")
		line = line[75:]
	}
	folded.WriteString(line + "\r\n")
	return "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:" + uid + "\r\nN:Photo;Pia;;;\r\nFN:Pia Photo\r\nEMAIL:pia@example.com\r\n" +
		folded.String() + "TEL:+14155550199\r\nEND:VCARD\r\n"
}

// TestOversizedPhoto: a vCard with a 10 MB photo, new or over an existing
// contact, is kept without the photo (Rapport keeps no photos); a card
// whose other properties are too large is refused with 413 and writes
// nothing.
func TestOversizedPhoto(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := setup(t, db)
		code, h, body := w.do(t, "PUT", w.book()+"pia.vcf", photoCard("pia", 10<<20), "Content-Type", "text/vcard", "If-None-Match", "*")
		if code != http.StatusCreated {
			t.Fatalf("PUT of a card with a 10 MB photo: %d %s", code, body)
		}
		code, _, body = w.do(t, "GET", w.book()+"pia.vcf", "")
		if code != http.StatusOK || !strings.Contains(body, "pia@example.com") || !strings.Contains(body, "+14155550199") || strings.Contains(body, "PHOTO") {
			t.Fatalf("GET of the card kept: %d %s", code, body)
		}
		etag := h.Get("ETag")
		edited := strings.Replace(photoCard("pia", 12<<20), "FN:Pia Photo", "FN:Pia Photo\r\nTITLE:Photographer", 1)
		code, _, body = w.do(t, "PUT", w.book()+"pia.vcf", edited, "Content-Type", "text/vcard", "If-Match", etag)
		if code/100 != 2 {
			t.Fatalf("PUT of an edit with a 12 MB photo: %d %s", code, body)
		}
		page, err := w.engine.List(as(w.sam), "contact", records.Query{Filter: &records.Filter{Field: "emails", Op: records.Eq, Value: "pia@example.com"}})
		if err != nil || len(page.Data) != 1 || page.Data[0]["job_title"] != "Photographer" {
			t.Fatalf("after the edit: %v %v", page.Data, err)
		}

		// A card that is large for what it says, not for a photo.
		before := w.contacts(t)
		huge := "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:huge\r\nN:Huge;Hugo;;;\r\nFN:Hugo Huge\r\nNOTE:" + strings.Repeat("x", 2<<20) + "\r\nEND:VCARD\r\n"
		code, _, body = w.do(t, "PUT", w.book()+"huge.vcf", huge, "Content-Type", "text/vcard")
		if code != http.StatusRequestEntityTooLarge || !strings.Contains(body, "1 MB") {
			t.Errorf("PUT of a 2 MB note: %d %q, want 413 naming the limit", code, body)
		}
		if w.contacts(t) != before {
			t.Error("the refused card was written")
		}
		// Beyond what is read at all, even of a photo.
		code, _, body = w.do(t, "PUT", w.book()+"huger.vcf", photoCard("huger", 40<<20), "Content-Type", "text/vcard")
		if code != http.StatusRequestEntityTooLarge {
			t.Errorf("PUT of a 40 MB photo: %d %q, want 413", code, body)
		}
		if w.contacts(t) != before {
			t.Error("the refused card was written")
		}
		// Other bodies are held to 1 MB: a REPORT, an iCalendar item.
		big := `<?xml version="1.0"?><d:sync-collection xmlns:d="DAV:"><d:sync-token></d:sync-token><d:sync-level>1</d:sync-level>` +
			`<d:prop><d:getetag/></d:prop><!--` + strings.Repeat("x", 2<<20) + `--></d:sync-collection>`
		if code, _, body := w.do(t, "REPORT", w.book(), big, "Depth", "1"); code != http.StatusRequestEntityTooLarge || !strings.Contains(body, "1 MB") {
			t.Errorf("a REPORT of 2 MB: %d %q", code, body)
		}
		event := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:big\r\nDTSTAMP:20261201T000000Z\r\n" +
			"DTSTART:20261224T090000Z\r\nSUMMARY:Big\r\nDESCRIPTION:" + strings.Repeat("y", 2<<20) + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
		if code, _, body := w.do(t, "PUT", "/dav/"+itoa(w.sam.UserID)+"/calendars/default/big.ics", event, "Content-Type", "text/calendar"); code != http.StatusRequestEntityTooLarge {
			t.Errorf("a PUT of a 2 MB event: %d %q", code, body)
		}
		// The server still answers Sam and others at once.
		if code, _, _ := w.do(t, "GET", w.book()+w.ids[0]+".vcf", ""); code != http.StatusOK {
			t.Errorf("GET after the large PUTs: %d", code)
		}
	})
}

// TestRecurrence: a repeating meeting or task (RRULE, RDATE), however
// long it repeats, is refused with a clear 403 and nothing is written, as
// is one whose RRULE cannot be read (400); a single meeting is kept, and
// the calendar's queries answer.
func TestRecurrence(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := setup(t, db)
		calendar := "/dav/" + itoa(w.sam.UserID) + "/calendars/default/"
		item := func(comp, uid, extra string) string {
			when := "DTSTART:20261224T090000Z\r\nDTEND:20261224T100000Z\r\n"
			if comp == "VTODO" {
				when = "DTSTART:20261224T090000Z\r\nDUE:20261224T100000Z\r\n"
			}
			return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:" + comp + "\r\nUID:" + uid + "\r\nDTSTAMP:20261201T000000Z\r\n" +
				when + "SUMMARY:" + uid + "\r\n" + extra + "END:" + comp + "\r\nEND:VCALENDAR\r\n"
		}
		for _, c := range []struct {
			name, body string
			want       int
			says       string
		}{
			{"never ends", item("VEVENT", "daily", "RRULE:FREQ=DAILY\r\n"), http.StatusForbidden, "repeat"},
			{"every second", item("VEVENT", "secondly", "RRULE:FREQ=SECONDLY;INTERVAL=1\r\n"), http.StatusForbidden, "repeat"},
			{"task", item("VTODO", "weekly-task", "RRULE:FREQ=WEEKLY;BYDAY=MO\r\n"), http.StatusForbidden, "repeat"},
			{"dates", item("VEVENT", "rdate", "RDATE:20261225T090000Z,20261226T090000Z\r\n"), http.StatusForbidden, "repeat"},
			{"malformed", item("VEVENT", "bad-rule", "RRULE:FREQ=SOMETIMES;COUNT=x\r\n"), http.StatusBadRequest, "RRULE"},
			{"malformed task", item("VTODO", "bad-task", "RRULE:BYDAY=XX\r\n"), http.StatusBadRequest, "RRULE"},
		} {
			code, _, body := w.do(t, "PUT", calendar+c.name+".ics", c.body, "Content-Type", "text/calendar", "If-None-Match", "*")
			if code != c.want || !strings.Contains(body, c.says) {
				t.Errorf("%s: %d %q, want %d saying %q", c.name, code, body, c.want, c.says)
			}
		}
		var n int
		w.db.Reader().QueryRowContext(context.Background(), `SELECT (SELECT count(*) FROM meetings) + (SELECT count(*) FROM tasks)`).Scan(&n)
		if n != 0 {
			t.Fatalf("%d meetings and tasks written from refused items", n)
		}
		// An existing meeting edited into a repeating one is refused too,
		// and stays as it was.
		code, h, body := w.do(t, "PUT", calendar+"single.ics", item("VEVENT", "single", ""), "Content-Type", "text/calendar", "If-None-Match", "*")
		if code != http.StatusCreated {
			t.Fatalf("PUT of a single meeting: %d %s", code, body)
		}
		code, _, body = w.do(t, "PUT", calendar+"single.ics", item("VEVENT", "single", "RRULE:FREQ=DAILY\r\n"), "Content-Type", "text/calendar",
			"If-Match", h.Get("ETag"))
		if code != http.StatusForbidden {
			t.Errorf("an edit into a repeating meeting: %d %s", code, body)
		}
		// The queries of a client: a time range over the next ten years.
		query := `<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/></d:prop>
<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="20260101T000000Z" end="20360101T000000Z"/>
</c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`
		code, _, body = w.do(t, "REPORT", calendar, query, "Depth", "1")
		if code != http.StatusMultiStatus || strings.Count(body, "<response") != 1 || !strings.Contains(body, "single.ics") {
			t.Errorf("calendar-query over ten years: %d %s", code, body)
		}
	})
}

// TestSlowUploadBlocksNoOne: while Sam's phone is still sending a card
// with a large photo, Sam and Cole are served; the card is kept once it
// has all come.
func TestSlowUploadBlocksNoOne(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := setup(t, db)
		card := photoCard("slow", 5<<20)
		pr, pw := io.Pipe()
		req, _ := http.NewRequest("PUT", w.url+w.book()+"slow.vcf", pr)
		req.SetBasicAuth("sam@example.com", password)
		req.Header.Set("Content-Type", "text/vcard")
		done := make(chan int, 1)
		go func() {
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				done <- 0
				return
			}
			res.Body.Close()
			done <- res.StatusCode
		}()
		half := len(card) / 2
		if _, err := io.WriteString(pw, card[:half]); err != nil {
			t.Fatal(err)
		}
		// Half the card is sent: others are served meanwhile.
		if code, _, body := w.doAs(t, "cole@example.com", password, "GET", "/dav/"+itoa(w.cole.UserID)+"/addressbooks/contacts/"+w.private+".vcf", ""); code != http.StatusOK {
			t.Errorf("Cole during Sam's upload: %d %s", code, body)
		}
		if code, _, _ := w.do(t, "GET", w.book()+w.ids[0]+".vcf", ""); code != http.StatusOK {
			t.Errorf("Sam during his own upload: %d", code)
		}
		if _, err := w.engine.Create(as(w.cole), "contact", map[string]any{"first_name": "Written", "last_name": "Meanwhile"}); err != nil {
			t.Errorf("a write during the upload: %v", err)
		}
		io.WriteString(pw, card[half:])
		pw.Close()
		if code := <-done; code != http.StatusCreated {
			t.Fatalf("the slow PUT: %d", code)
		}
		if code, _, body := w.do(t, "GET", w.book()+"slow.vcf", ""); code != http.StatusOK || !strings.Contains(body, "pia@example.com") {
			t.Errorf("the slow card: %d %s", code, body)
		}
	})
}

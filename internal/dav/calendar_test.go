package dav_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/activity"
	"github.com/rapport-crm/rapport/internal/dav"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestVdirsyncerAndKhal syncs Sam's calendar with vdirsyncer both ways:
// his meeting and task arrive as VEVENT and VTODO (his colleague's
// meeting does not), khal shows the meeting, a task completed in the
// files is done in Rapport, a meeting moved in Rapport moves in the
// files, and a meeting created in the files with Ada among its attendees
// is on Ada's timeline.
func TestVdirsyncerAndKhal(t *testing.T) {
	needClients(t, "vdirsyncer", "khal")
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := setup(t, db)
		tomorrow := time.Now().UTC().Truncate(24 * time.Hour).Add(24*time.Hour + 10*time.Hour)
		meeting, err := w.engine.Create(as(w.sam), "meeting", map[string]any{"title": "Quarterly review",
			"starts_at": tomorrow.Format(time.RFC3339), "ends_at": tomorrow.Add(time.Hour).Format(time.RFC3339), "place": "Room 1"})
		if err != nil {
			t.Fatal(err)
		}
		task, err := w.engine.Create(as(w.sam), "task", map[string]any{"title": "Send the proposal",
			"due_at": tomorrow.Format(time.RFC3339)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.engine.Create(as(w.cole), "meeting", map[string]any{"title": marker,
			"starts_at": tomorrow.Format(time.RFC3339)}); err != nil {
			t.Fatal(err)
		}

		dir := t.TempDir()
		local := filepath.Join(dir, "calendars")
		config := filepath.Join(dir, "vdirsyncer.conf")
		err = os.WriteFile(config, []byte(`[general]
status_path = "`+filepath.Join(dir, "status")+`/"

[pair rapport]
a = "local"
b = "remote"
collections = ["from b"]
conflict_resolution = "b wins"

[storage local]
type = "filesystem"
path = "`+local+`/"
fileext = ".ics"

[storage remote]
type = "caldav"
url = "`+w.url+`/"
username = "sam@example.com"
password = "`+password+`"
`), 0o600)
		if err != nil {
			t.Fatal(err)
		}
		run(t, dir, "vdirsyncer", "-c", config, "discover")
		run(t, dir, "vdirsyncer", "-c", config, "sync")
		got := cards(t, local) // the .ics files, by name
		var meetingFile, taskFile string
		for f, c := range got {
			switch {
			case strings.Contains(c, marker):
				t.Fatalf("the colleague's meeting reached Sam's calendar: %s", f)
			case strings.Contains(c, "BEGIN:VEVENT") && strings.Contains(c, "Quarterly review"):
				meetingFile = f
			case strings.Contains(c, "BEGIN:VTODO") && strings.Contains(c, "Send the proposal"):
				taskFile = f
			}
		}
		if len(got) != 2 || meetingFile == "" || taskFile == "" {
			t.Fatalf("after the first sync: %v", got)
		}

		// khal shows the meeting from the synced folder.
		cals, err := filepath.Glob(filepath.Join(local, "*"))
		if err != nil || len(cals) != 1 {
			t.Fatalf("vdirsyncer made %v", cals)
		}
		khalConfig := filepath.Join(dir, "khal.conf")
		err = os.WriteFile(khalConfig, []byte("[calendars]\n[[rapport]]\npath = "+cals[0]+"\ntype = calendar\n\n"+
			"[locale]\ntimeformat = %H:%M\ndateformat = %Y-%m-%d\nlongdateformat = %Y-%m-%d\n"+
			"datetimeformat = %Y-%m-%d %H:%M\nlongdatetimeformat = %Y-%m-%d %H:%M\nlocal_timezone = UTC\ndefault_timezone = UTC\n"), 0o600)
		if err != nil {
			t.Fatal(err)
		}
		day := tomorrow.Format("2006-01-02")
		out := run(t, dir, "khal", "-c", khalConfig, "list", day, day)
		if !strings.Contains(out, "Quarterly review") || strings.Contains(out, marker) {
			t.Fatalf("khal list %s:\n%s", day, out)
		}

		// The task completed in the file is done in Rapport.
		done := strings.Replace(got[taskFile], "STATUS:NEEDS-ACTION", "STATUS:COMPLETED", 1)
		if done == got[taskFile] {
			t.Fatalf("the task has no status to change:\n%s", got[taskFile])
		}
		if err := os.WriteFile(taskFile, []byte(done), 0o600); err != nil {
			t.Fatal(err)
		}
		// The meeting moved in Rapport.
		if _, err := w.engine.Update(as(w.sam), "meeting", meeting["id"].(string), meeting["version"].(int64),
			map[string]any{"place": "Room 42"}); err != nil {
			t.Fatal(err)
		}
		// A meeting made in the calendar program, with Ada invited.
		invite := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:made-in-khal-1\r\n" +
			"DTSTAMP:20261201T000000Z\r\nDTSTART:" + tomorrow.Add(3*time.Hour).Format("20060102T150405Z") + "\r\n" +
			"DTEND:" + tomorrow.Add(4*time.Hour).Format("20060102T150405Z") + "\r\nSUMMARY:Lunch with Ada\r\n" +
			"ATTENDEE;CN=Ada Lovelace:mailto:ADA@example.com\r\nATTENDEE:mailto:someone@elsewhere.example\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
		if err := os.WriteFile(filepath.Join(cals[0], "made-in-khal-1.ics"), []byte(invite), 0o600); err != nil {
			t.Fatal(err)
		}
		run(t, dir, "vdirsyncer", "-c", config, "sync")

		rec, err := w.engine.Get(as(w.sam), "task", task["id"].(string), false)
		if err != nil || rec["done"] != true {
			t.Fatalf("the task after syncing its completion: %v %v", rec, err)
		}
		after := cards(t, local)
		if !strings.Contains(after[meetingFile], "LOCATION:Room 42") {
			t.Errorf("the meeting's new place did not reach the file:\n%s", after[meetingFile])
		}
		timeline, err := w.activity.Timeline(as(w.sam), "contact", w.ids[0], activity.TimelineQuery{})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, it := range timeline.Data {
			found = found || strings.Contains(fmt.Sprint(it), "Lunch with Ada")
		}
		if !found {
			t.Errorf("the meeting made in the calendar is not on Ada's timeline: %+v", timeline.Data)
		}
		if n := len(after); n != 3 {
			t.Errorf("after syncing both ways, %d files", n)
		}
	})
}

// TestFeed: the read-only iCalendar feed holds the user's meetings and
// tasks and none of a colleague's, also when there are none.
func TestFeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := setup(t, db)
		code, h, body := w.do(t, "GET", dav.FeedPath, "")
		if code != http.StatusOK || !strings.Contains(h.Get("Content-Type"), "text/calendar") || !strings.Contains(body, "BEGIN:VCALENDAR") {
			t.Fatalf("an empty feed: %d %s %s", code, h.Get("Content-Type"), body)
		}
		at := time.Date(2026, 12, 24, 9, 0, 0, 0, time.UTC).Format(time.RFC3339)
		if _, err := w.engine.Create(as(w.sam), "meeting", map[string]any{"title": "Planning", "starts_at": at}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.engine.Create(as(w.sam), "task", map[string]any{"title": "Call back", "due_at": at}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.engine.Create(as(w.cole), "meeting", map[string]any{"title": marker, "starts_at": at}); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{dav.FeedPath, "/dav/" + itoa(w.sam.UserID) + "/calendars/default/"} {
			code, _, body = w.do(t, "GET", p, "")
			if code != http.StatusOK || !strings.Contains(body, "SUMMARY:Planning") || !strings.Contains(body, "SUMMARY:Call back") ||
				strings.Contains(body, marker) || strings.Count(body, "BEGIN:VCALENDAR") != 1 {
				t.Errorf("GET %s: %d %s", p, code, body)
			}
		}
		if code, _, _ := w.doAs(t, "sam@example.com", "wrong", "GET", dav.FeedPath, ""); code != http.StatusUnauthorized {
			t.Errorf("the feed with a wrong password: %d", code)
		}
	})
}

// TestCalendarSync: the calendar answers sync-collection like the address
// book: every item first, then only what changed, a deleted task as 404,
// and nothing for a colleague's meeting; its own properties carry the
// token.
func TestCalendarSync(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := setup(t, db)
		at := time.Date(2026, 12, 24, 9, 0, 0, 0, time.UTC).Format(time.RFC3339)
		meeting, err := w.engine.Create(as(w.sam), "meeting", map[string]any{"title": "Planning", "starts_at": at})
		if err != nil {
			t.Fatal(err)
		}
		task, err := w.engine.Create(as(w.sam), "task", map[string]any{"title": "Call back", "due_at": at})
		if err != nil {
			t.Fatal(err)
		}
		other, err := w.engine.Create(as(w.cole), "meeting", map[string]any{"title": marker, "starts_at": at})
		if err != nil {
			t.Fatal(err)
		}
		calendar := "/dav/" + itoa(w.sam.UserID) + "/calendars/default/"
		sync := func(token string) (int, string, string) {
			t.Helper()
			body := `<?xml version="1.0"?><d:sync-collection xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:sync-token>` +
				token + `</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/><c:calendar-data/></d:prop></d:sync-collection>`
			code, _, out := w.do(t, "REPORT", calendar, body, "Depth", "1")
			m := tokenRE.FindStringSubmatch(out)
			if code != http.StatusMultiStatus || m == nil {
				t.Fatalf("sync-collection from %q: %d %s", token, code, out)
			}
			return strings.Count(out, "<d:response>"), out, m[1]
		}
		n, body, token := sync("")
		if n != 2 || !strings.Contains(body, "SUMMARY:Planning") || !strings.Contains(body, "BEGIN:VTODO") || strings.Contains(body, marker) {
			t.Fatalf("first calendar sync: %d %s", n, body)
		}
		if _, err := w.engine.Update(as(w.sam), "meeting", meeting["id"].(string), 1, map[string]any{"place": "Room 7"}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.engine.Update(as(w.cole), "meeting", other["id"].(string), 1, map[string]any{"place": marker}); err != nil {
			t.Fatal(err)
		}
		n, body, token = sync(token)
		if n != 1 || !strings.Contains(body, "LOCATION:Room 7") || strings.Contains(body, marker) {
			t.Fatalf("calendar sync after one change: %d %s", n, body)
		}
		if err := w.engine.Delete(as(w.sam), "task", task["id"].(string), 1); err != nil {
			t.Fatal(err)
		}
		n, body, _ = sync(token)
		if n != 1 || !strings.Contains(body, "task-"+task["id"].(string)+".ics") || !strings.Contains(body, "404 Not Found") {
			t.Fatalf("calendar sync after a delete: %d %s", n, body)
		}
		code, _, body := w.do(t, "PROPFIND", calendar, `<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
<d:prop><d:sync-token/><d:resourcetype/><c:supported-calendar-component-set/><d:supported-report-set/></d:prop></d:propfind>`, "Depth", "0")
		if code != http.StatusMultiStatus || !strings.Contains(body, "urn:x-rapport:sync:") || !strings.Contains(body, "<cal:calendar/>") ||
			!strings.Contains(body, `name="VTODO"`) || !strings.Contains(body, "sync-collection") {
			t.Errorf("PROPFIND of the calendar: %d %s", code, body)
		}
	})
}

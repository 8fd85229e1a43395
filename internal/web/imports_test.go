package web_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/importer"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestImportScreen uploads a file to the import screen, which shows it
// read and mapped; a dry run writes nothing; the upload is its
// uploader's alone; the import runs in the background to its page.
func TestImportScreen(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		token := a.csrf()
		file := "First name;E-mail\nAda;ada@example.com\nBad;not-an-address\n"
		a.upload("/imports/new?object=contacts", "", "people.csv", file).want(t, "an upload without the CSRF token", http.StatusForbidden)
		up := a.upload("/imports/new?object=contacts", token, "people.csv", file)
		up.want(t, "the upload", http.StatusSeeOther)
		u, err := url.Parse(up.location)
		if err != nil || u.Path != "/imports/new" || u.Query().Get("upload") == "" {
			t.Fatalf("the upload leads to %q", up.location)
		}
		a.get(up.location).want(t, "the screen", http.StatusOK, `id="import-preview"`, "<td>Ada</td>",
			`<option value="first_name" selected>`, `<option value="emails" selected>`, "Detected: Semicolon (;)")
		form := url.Values{"csrf_token": {token}, "upload": {u.Query().Get("upload")}, "object": {"contacts"}}
		a.post("/imports/dry-run", form).want(t, "a dry run", http.StatusOK, "created: 1", "failed: 1", `class="outcome-failed"`)
		a.get("/contacts").want(t, "the contacts after the dry run", http.StatusOK, "No contacts yet")

		// A colleague cannot use the upload.
		a.signInAs("sam@example.com", "administrator")
		a.get(up.location).want(t, "a colleague's look", http.StatusOK, "no longer here")
		a.post("/imports/start", url.Values{"csrf_token": {a.csrf()}, "upload": {u.Query().Get("upload")}, "object": {"contacts"}}).
			want(t, "a colleague's import", http.StatusConflict, "no longer here")
		a.switchTo("ada@example.com")
		form.Set("csrf_token", a.csrf())

		started := a.post("/imports/start", form)
		started.want(t, "the import", http.StatusSeeOther)
		if !strings.HasPrefix(started.location, "/imports/") {
			t.Fatalf("the import leads to %q", started.location)
		}
		var page answer
		for range 200 {
			if page = a.get(started.location); !strings.Contains(page.body, `hx-trigger="every 1s"`) {
				break
			}
			time.Sleep(25 * time.Millisecond)
		}
		page.want(t, "the import's page", http.StatusOK, "Imported", "created: 1", "Undo this import")
		a.get(started.location+"/errors").want(t, "the error report", http.StatusOK, "3,E-mail,not-an-address,")
		a.get("/imports").want(t, "the log", http.StatusOK, "people.csv", "Imported")

		a.get(up.location).want(t, "the upload once imported", http.StatusOK, "no longer here")

		// Dates that could be either order are asked about beside the
		// option, before any dry run.
		token = a.csrf()
		up = a.upload("/imports/new?object=contacts", token, "dates.csv", "First name,Birthday\nAda,03/04/1990\n")
		a.get(up.location).want(t, "ambiguous dates", http.StatusOK, `aria-describedby="dates-error"`, "could be day-first or month-first")
		a.get(up.location+"&dates=day").want(t, "dates day-first", http.StatusOK, `<option value="day" selected>`)
		if strings.Contains(a.get(up.location+"&dates=day").body, `id="dates-error"`) {
			t.Error("the dates are still ambiguous once their order is given")
		}
	})
}

// TestImportScreenOtherObjects imports activities and products from the
// screen: the kind and SKU columns are guessed and named in the user's
// words, a dry run says what each row would do, and the lists of tasks
// and products lead to their imports.
func TestImportScreenOtherObjects(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		a.get("/tasks").want(t, "the tasks", http.StatusOK, `href="/imports/new?object=activities"`)
		a.get("/products").want(t, "the products", http.StatusOK, `href="/imports/new?object=products"`)
		a.get("/imports").want(t, "the log", http.StatusOK, "Activities (tasks, calls, meetings, notes)", `/imports/new?object=products`)

		token := a.csrf()
		file := "Type,Subject,Due date,Owner\nTask,Send the offer,2026-03-01 10:00,ada@example.com\nFax,Old school,2026-03-01,\n"
		up := a.upload("/imports/new?object=activities", token, "activities.csv", file)
		up.want(t, "the upload", http.StatusSeeOther)
		u, _ := url.Parse(up.location)
		a.get(up.location).want(t, "the screen", http.StatusOK, `<option value="kind" selected>Kind (task, call, meeting or note)</option>`,
			`<option value="due_at" selected>`, `<option value="owner_id" selected>`, `<option value="deal">Deal (ID or title)</option>`)
		form := url.Values{"csrf_token": {token}, "upload": {u.Query().Get("upload")}, "object": {"activities"}}
		a.post("/imports/dry-run", form).want(t, "a dry run", http.StatusOK, "created: 1", "failed: 1", "is no kind of activity")

		up = a.upload("/imports/new?object=products", token, "prices.csv", "Name,SKU,Price\nChair,CH-1,12.50\n")
		screen := a.get(up.location)
		screen.want(t, "the products' screen", http.StatusOK, `<option value="sku" selected>`, `<option value="sku">SKU</option>`, "SKU, when a column holds them")
		if strings.Contains(screen.body, `<option value="phone">`) {
			t.Error("products are offered to match on phones")
		}
	})
}

// TestImportScreenSilentNewField maps a column to a new field on the
// screen, which says what it makes, and imports silently: the import's
// page says both, and the field holds the column's values.
func TestImportScreenSilentNewField(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		token := a.csrf()
		up := a.upload("/imports/new?object=contacts", token, "points.csv", "First name,Punkty\nAda,12\nBea,7\n")
		screen := a.get(up.location)
		screen.want(t, "the screen", http.StatusOK, `<option value="new:number">New field: number</option>`, `id="import-silent"`)
		layout := regexp.MustCompile(`name="layout" value="([^"]+)"`).FindStringSubmatch(screen.body)
		if layout == nil {
			t.Fatal("no layout")
		}
		a.get(up.location+"&layout="+layout[1]+"&col.0=first_name&col.1=new").
			want(t, "a column mapped to a new field", http.StatusOK, "Makes the field punkty (Decimal number)")
		loc, _ := url.Parse(up.location)
		form := url.Values{"csrf_token": {token}, "upload": {loc.Query().Get("upload")}, "object": {"contacts"}, "layout": {layout[1]},
			"col.0": {"first_name"}, "col.1": {"new"}, "silent": {"on"}}
		started := a.post("/imports/start", form)
		started.want(t, "the import", http.StatusSeeOther)
		var page answer
		for range 200 {
			if page = a.get(started.location); !strings.Contains(page.body, `hx-trigger="every 1s"`) {
				break
			}
			time.Sleep(25 * time.Millisecond)
		}
		page.want(t, "the import's page", http.StatusOK, "created: 2", `id="import-silent"`, "New fields: Punkty")
		a.get("/settings/fields?object=contacts").want(t, "the fields", http.StatusOK, "Punkty")
	})
}

// TestImportUploadsRemoved uploads two files to the import screen and
// imports one: nothing is written to the temporary directory, the
// imported file is removed when its import ends, and the one left
// waiting goes at the next start on SQLite, whose one server process is
// then starting (on PostgreSQL another process may be using it).
func TestImportUploadsRemoved(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		tmp := t.TempDir()
		t.Setenv("TMPDIR", tmp)
		token := a.csrf()
		a.upload("/imports/new?object=contacts", token, "left.csv", "First name\nAda\n").want(t, "an upload left waiting", http.StatusSeeOther)
		up := a.upload("/imports/new?object=contacts", token, "people.csv", "First name\nGrace\n")
		u, _ := url.Parse(up.location)
		started := a.post("/imports/start", url.Values{"csrf_token": {token}, "upload": {u.Query().Get("upload")}, "object": {"contacts"}})
		started.want(t, "the import", http.StatusSeeOther)
		for range 200 {
			if !strings.Contains(a.get(started.location).body, `hx-trigger="every 1s"`) {
				break
			}
			time.Sleep(25 * time.Millisecond)
		}
		if left, _ := os.ReadDir(tmp); len(left) != 0 {
			t.Errorf("files in the temporary directory: %v", left)
		}
		if left, _ := os.ReadDir(a.files); len(left) != 1 || !strings.HasPrefix(left[0].Name(), "upload-") {
			t.Fatalf("the importer's files: %v, want the upload left waiting", left)
		}
		restarted := importer.New(db, a.engine, nil)
		if err := restarted.KeepFiles(a.files); err != nil {
			t.Fatal(err)
		}
		if _, err := restarted.Recover(context.Background()); err != nil {
			t.Fatal(err)
		}
		want := 0
		if db.Dialect == store.Postgres {
			want = 1
		}
		if left, _ := os.ReadDir(a.files); len(left) != want {
			t.Errorf("after a restart the importer keeps %v", left)
		}
	})
}

// TestImportDiscard shows an interrupted import whose file is kept with
// Resume and Discard; discarded, the page says so, the file is gone and
// a resume is refused in words.
func TestImportDiscard(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		token := a.csrf()
		file := "First name\nGrace\n"
		up := a.upload("/imports/new?object=contacts", token, "people.csv", file)
		u, _ := url.Parse(up.location)
		form := url.Values{"csrf_token": {token}, "upload": {u.Query().Get("upload")}, "object": {"contacts"}}
		a.post("/imports/dry-run", form).want(t, "a dry run", http.StatusOK, "created: 1")
		// The dry run's log entry, as a killed server would have left it
		// had it run in the background: interrupted, its file kept.
		var id int64
		if err := db.Reader().QueryRowContext(context.Background(), `SELECT id FROM imports`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		kept := filepath.Join(a.files, "import-"+strconv.FormatInt(id, 10))
		if err := os.WriteFile(kept, []byte(file), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := db.Tx(context.Background(), func(q store.Querier) error {
			_, err := q.ExecContext(context.Background(), `UPDATE imports SET status = 'interrupted', options = `+db.Dialect.JSONIn()+` WHERE id = ?`,
				`{"again": {"file_name": "people.csv", "on_duplicate": "skip", "dry_run": true, "read": {}}}`, id)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		page := "/imports/" + strconv.FormatInt(id, 10)
		a.get(page).want(t, "the interrupted import", http.StatusOK, `id="import-resume"`, `id="import-discard"`, "Its file was kept")
		a.post(page+"/discard", url.Values{"csrf_token": {a.csrf()}}).want(t, "the discard", http.StatusSeeOther)
		a.get(page).want(t, "the discarded import", http.StatusOK, "Discarded", "its file was removed")
		if _, err := os.Stat(kept); !os.IsNotExist(err) {
			t.Errorf("the discarded import's file: %v", err)
		}
		a.post(page+"/resume", url.Values{"csrf_token": {a.csrf()}}).want(t, "a resume of a discarded import", http.StatusConflict,
			"could not be resumed")
	})
}

package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/activity"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestImports imports through the API: a dry run, the file as the body
// and as a form's part, the error report, the log as each role sees it,
// the undo, and bad options refused naming the parameter.
func TestImports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPermAPI(t, db)
		admin := p.tokens["admin"]
		accesstest.SetRole(t, db, 1, p.people.Actor(), access.RoleSalesperson)
		seller := p.tokens[accesstest.Self]
		file := "First name,Last name,Email,Phone,Company\n" +
			"Ada,Lovelace,ada@example.com,+1 202 555 0100,Engines Ltd\n" +
			"Bad,Row,nope,,\n" +
			"Charles,Babbage,charles@example.com,,Engines Ltd\n"
		post := func(token, query, body string, header ...string) (int, map[string]any) {
			t.Helper()
			status, text := p.call(token, "POST", "/api/v1/imports"+query, body, header...)
			var m map[string]any
			json.Unmarshal([]byte(text), &m)
			if m == nil {
				t.Fatalf("%d %s", status, text)
			}
			return status, m
		}
		summary := func(m map[string]any) string {
			return fmt.Sprintf("%v %v/%v/%v/%v", m["status"], m["created"], m["updated"], m["skipped"], m["failed"])
		}

		status, dry := post(admin, "?dry_run=true", file, "Content-Type", "text/csv")
		rows, _ := dry["row_results"].([]any)
		if status != 200 || summary(dry) != "dry_run 2/0/0/1" || len(rows) != 3 {
			t.Fatalf("dry run: %d %v", status, dry)
		}
		if status, text := p.call(admin, "GET", "/api/v1/contacts", ""); status != 200 || strings.Contains(text, "Ada") {
			t.Fatalf("the dry run left records: %s", text)
		}

		status, done := post(admin, "?file_name=people.csv", file, "Content-Type", "text/csv")
		if status != 201 || summary(done) != "committed 2/0/0/1" || done["file_name"] != "people.csv" {
			t.Fatalf("import: %d %v", status, done)
		}
		id := done["id"].(string)
		status, text := p.call(admin, "GET", "/api/v1/imports/"+id+"/errors", "")
		if status != 200 || !strings.HasPrefix(text, "row,column,value,reason\n3,Email,nope,") {
			t.Errorf("errors: %d %s", status, text)
		}

		// In the background: 202 at once, then the log says how it went.
		status, text = p.call(admin, "POST", "/api/v1/imports?background=true&on_duplicate=update&object=companies", "Name,Website\nBackground Ltd,background.example\nNo Name,\n,nameless.example\n",
			"Content-Type", "text/csv")
		var started struct{ ID, Status string }
		json.Unmarshal([]byte(text), &started)
		if status != http.StatusAccepted || started.Status != "running" {
			t.Fatalf("background: %d %s", status, text)
		}
		var bg map[string]any
		for range 200 {
			_, text := p.call(admin, "GET", "/api/v1/imports/"+started.ID, "")
			json.Unmarshal([]byte(text), &bg)
			if bg["status"] != "running" {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if summary(bg) != "committed 2/0/0/1" {
			t.Errorf("background: %v", bg)
		}

		// A form's part; the same rows now match by e-mail.
		var form bytes.Buffer
		mw := multipart.NewWriter(&form)
		part, _ := mw.CreateFormFile("file", "again.csv")
		part.Write([]byte(file))
		mw.Close()
		status, again := post(seller, "?on_duplicate=skip", form.String(), "Content-Type", mw.FormDataContentType())
		if status != 201 || summary(again) != "committed 0/0/2/1" || again["file_name"] != "again.csv" {
			t.Fatalf("form: %d %v", status, again)
		}

		// The log: the administrator's is everyone's, the seller's their own.
		list := func(token string) string {
			_, text := p.call(token, "GET", "/api/v1/imports", "")
			var m struct{ Data []struct{ ID, Status string } }
			json.Unmarshal([]byte(text), &m)
			return fmt.Sprint(m.Data)
		}
		if got := list(admin); strings.Count(got, "{") != 4 {
			t.Errorf("admin's log: %s", got)
		}
		if got := list(seller); got != fmt.Sprintf("[{%s committed}]", again["id"]) {
			t.Errorf("seller's log: %s", got)
		}
		if status, _ := p.call(seller, "GET", "/api/v1/imports/"+id, ""); status != 404 {
			t.Errorf("the seller reads the admin's import: %d", status)
		}

		status, text = p.call(admin, "POST", "/api/v1/imports/"+id+"/undo", "")
		if status != 200 || !strings.Contains(text, `"status":"undone"`) {
			t.Fatalf("undo: %d %s", status, text)
		}
		if status, text := p.call(admin, "GET", "/api/v1/contacts", ""); status != 200 || strings.Contains(text, "Ada") {
			t.Errorf("after the undo: %s", text)
		}
		if status, _ := p.call(admin, "POST", "/api/v1/imports/"+id+"/undo", ""); status != 409 {
			t.Errorf("second undo: %d", status)
		}

		// Anyone who may import may import silently; making a field takes
		// a role that may add fields.
		if status, m := post(seller, "?dry_run=true&silent=true", file, "Content-Type", "text/csv"); status != 200 || m["silent"] != true {
			t.Errorf("a seller's silent dry run: %d %v", status, m)
		}
		if status, m := post(seller, "?dry_run=true&mapping="+url.QueryEscape(`{"Company": "new"}`), file, "Content-Type", "text/csv"); status != 403 ||
			!strings.Contains(fmt.Sprint(m["detail"]), "new field") {
			t.Errorf("a seller's new field: %d %v", status, m)
		}
		status, made := post(admin, "?dry_run=true&mapping="+url.QueryEscape(`{"Company": "new"}`), file, "Content-Type", "text/csv")
		if fields, _ := made["new_fields"].([]any); status != 200 || len(fields) != 1 || fields[0].(map[string]any)["name"] != "company" {
			t.Errorf("an administrator's new field: %d %v", status, made)
		}

		for _, c := range []struct{ query, body, field string }{
			{"?object=invoices", file, "object"},
			{"?on_duplicate=merge", file, "on_duplicate"},
			{"?strict=maybe", file, "strict"},
			{"?silent=quietly", file, "silent"},
			{"?mapping=" + url.QueryEscape(`{"Company": "new:text:Bad Name"}`), file, "mapping"},
			{"?mapping=" + url.QueryEscape(`{"Company": "new:text:first_name"}`), file, "mapping"},
			{"?mapping=" + url.QueryEscape(`{"Company": "new:colour"}`), file, "mapping"},
			{"?mapping=" + url.QueryEscape("[1]"), file, "mapping"},
			{"?mapping=" + url.QueryEscape(`{"Nope": "first_name"}`), file, "mapping"},
			{"?match=external_id", file, "match"},
			{"?delimiter=x", file, "delimiter"},
			{"", "", "file"},
			{"", "Name,Birthday\nAda,03/04/1990\n", "dates"},
			{"", "\x00\x01\x02binary", "file"},
		} {
			status, m := post(admin, c.query, c.body, "Content-Type", "text/csv")
			if status != 400 || !strings.Contains(fmt.Sprint(m["errors"]), "field:"+c.field) {
				t.Errorf("%s %q: %d %v, want 400 naming %s", c.query, c.body, status, m, c.field)
			}
		}
		if status, _ := p.call(admin, "GET", "/api/v1/imports/123456", ""); status != http.StatusNotFound {
			t.Errorf("unknown import: %d", status)
		}
	})
}

// TestCancelImport stops an import running in the background once it has
// written rows: it rolls back whole, leaving no contact, and the log says
// cancelled; a colleague cannot see it to cancel it, and a second cancel
// is a conflict.
func TestCancelImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPermAPI(t, db)
		admin := p.tokens["admin"]
		accesstest.SetRole(t, db, 1, p.people.Actor(), access.RoleSalesperson)
		seller := p.tokens[accesstest.Self]
		var file strings.Builder
		file.WriteString("First name,Email\n")
		for i := range 20000 {
			fmt.Fprintf(&file, "Person%d,person%d@example.com\n", i, i)
		}
		status, text := p.call(admin, "POST", "/api/v1/imports?background=true", file.String(), "Content-Type", "text/csv")
		var started struct{ ID string }
		json.Unmarshal([]byte(text), &started)
		if status != http.StatusAccepted {
			t.Fatalf("background: %d %s", status, text)
		}
		var log struct {
			Status   string
			Progress *struct{ Rows, Total int64 }
		}
		for range 400 {
			_, text := p.call(admin, "GET", "/api/v1/imports/"+started.ID, "")
			json.Unmarshal([]byte(text), &log)
			if log.Status != "running" || log.Progress != nil && log.Progress.Rows > 0 {
				break
			}
			time.Sleep(25 * time.Millisecond)
		}
		if log.Status != "running" {
			t.Fatalf("the import ended before it could be cancelled: %s", log.Status)
		}
		status, text = p.call(admin, "POST", "/api/v1/imports/"+started.ID+"/cancel", "")
		if status != 200 || !strings.Contains(text, `"status":"cancelled"`) {
			t.Fatalf("cancel: %d %s", status, text)
		}
		if _, text := p.call(admin, "GET", "/api/v1/contacts?limit=1", ""); strings.Contains(text, "Person") {
			t.Errorf("a cancelled import left contacts: %s", text)
		}
		if status, _ := p.call(admin, "POST", "/api/v1/imports/"+started.ID+"/cancel", ""); status != http.StatusConflict {
			t.Errorf("a second cancel: %d", status)
		}
		if status, _ := p.call(seller, "POST", "/api/v1/imports/"+started.ID+"/cancel", ""); status != http.StatusNotFound {
			t.Errorf("a colleague's cancel: %d", status)
		}
	})
}

// TestImportProductsAndActivities imports a price list and a file of
// activities through the API: a dry run that does what the import then
// does, the error report naming the bad rows, and the undo.
func TestImportProductsAndActivities(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPermAPI(t, db)
		activity.New(db, p.engine, activity.Options{Logger: slog.New(slog.DiscardHandler), PhoneRegion: "US"})
		admin := p.tokens["admin"]
		post := func(query, body string) (int, map[string]any) {
			t.Helper()
			status, text := p.call(admin, "POST", "/api/v1/imports"+query, body, "Content-Type", "text/csv")
			var m map[string]any
			json.Unmarshal([]byte(text), &m)
			if m == nil {
				t.Fatalf("%d %s", status, text)
			}
			return status, m
		}
		summary := func(m map[string]any) string {
			return fmt.Sprintf("%v %v/%v/%v/%v", m["status"], m["created"], m["updated"], m["skipped"], m["failed"])
		}

		prices := "Product Name,Product Code,List Price,Currency\nChair,CH-1,12.50,USD\nTable,TB-1,abc,\nChair again,ch-1,13,\n"
		status, done := post("?object=products", prices)
		if status != 201 || summary(done) != "committed 1/0/1/1" || done["match"] != "sku" {
			t.Fatalf("products: %d %v", status, done)
		}
		if status, text := p.call(admin, "GET", "/api/v1/products", ""); status != 200 || !strings.Contains(text, `"amount":1250`) {
			t.Errorf("products: %s", text)
		}
		if status, m := post("?object=contacts&match=sku", "Email\na@example.com\n"); status != 400 || !strings.Contains(fmt.Sprint(m["errors"]), "field:match") {
			t.Errorf("contacts by SKU: %d %v", status, m)
		}

		if status, text := p.call(admin, "POST", "/api/v1/contacts", `{"first_name": "Ada", "emails": ["ada@example.com"]}`); status != 201 {
			t.Fatalf("contact: %d %s", status, text)
		}
		acts := "Activity type,Subject,Due date,Activity owner,Associated contact\n" +
			"Task,Send the offer,2026-03-01 10:00,admin@example.com,ada@example.com\n" +
			"Note,Met at the fair,,,ada@example.com\n" +
			"Task,Who?,2026-03-01,nobody@example.com,\n" +
			"Fax,Old school,2026-03-01,,\n" +
			"Task,Never,2026-02-30,,\n" +
			"Meeting,Ghost,2026-03-02 09:00,,ghost@example.com\n"
		acts = strings.ReplaceAll(acts, "admin@example.com", p.people.Email["admin"])
		status, dry := post("?object=activities&dry_run=true", acts)
		if status != 200 || summary(dry) != "dry_run 2/0/0/4" {
			t.Fatalf("dry run: %d %v", status, dry)
		}
		status, real := post("?object=activities", acts)
		if status != 201 || summary(real) != "committed 2/0/0/4" || real["object"] != "activities" {
			t.Fatalf("activities: %d %v", status, real)
		}
		id := real["id"].(string)
		status, text := p.call(admin, "GET", "/api/v1/imports/"+id+"/errors", "")
		for _, want := range []string{"4,Activity owner,nobody@example.com,", "5,Activity type,Fax,", "6,Due date,2026-02-30,", "7,Associated contact,ghost@example.com,"} {
			if status != 200 || !strings.Contains(text, want) {
				t.Errorf("errors: no %q in %d %s", want, status, text)
			}
		}
		if status, text := p.call(admin, "GET", "/api/v1/tasks", ""); status != 200 || !strings.Contains(text, "Send the offer") {
			t.Errorf("tasks: %s", text)
		}
		if status, text := p.call(admin, "POST", "/api/v1/imports/"+id+"/undo", ""); status != 200 || !strings.Contains(text, `"status":"undone"`) {
			t.Fatalf("undo: %d %s", status, text)
		}
		for _, plural := range []string{"tasks", "notes"} {
			if status, text := p.call(admin, "GET", "/api/v1/"+plural, ""); status != 200 || !strings.Contains(text, `"data":[]`) {
				t.Errorf("%s after the undo: %s", plural, text)
			}
		}
	})
}

// TestImportFilesRemoved sends files every way an import takes them and
// finds none left afterwards, in the importer's directory or the
// temporary one: a committed import, a refused file, an empty body, a
// form without its file, and a background import. An interrupted import
// whose file was not kept is refused a resume saying so, a colleague's is
// not found, and a discard logs it discarded.
func TestImportFilesRemoved(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPermAPI(t, db)
		admin := p.tokens["admin"]
		accesstest.SetRole(t, db, 1, p.people.Actor(), access.RoleSalesperson)
		seller := p.tokens[accesstest.Self]
		tmp := t.TempDir()
		t.Setenv("TMPDIR", tmp)
		file := "First name,Email\nAda,ada@example.com\n"
		for _, c := range []struct {
			query, body, contentType string
			status                   int
		}{
			{"", file, "text/csv", http.StatusCreated},
			{"", "not a spreadsheet", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", http.StatusBadRequest},
			{"", "", "text/csv", http.StatusBadRequest},
			{"", "--x\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--x--\r\n", "multipart/form-data; boundary=x", http.StatusBadRequest},
		} {
			if status, text := p.call(admin, "POST", "/api/v1/imports"+c.query, c.body, "Content-Type", c.contentType); status != c.status {
				t.Fatalf("%s %q: %d %s", c.query, c.contentType, status, text)
			}
		}
		id := p.background(admin, "", file)
		for _, dir := range []string{tmp, p.files} {
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Errorf("files left in %s: %v", dir, left)
			}
		}

		// As a killed server leaves it when its file is gone too.
		p.interrupt(id, "")
		if status, text := p.call(admin, "POST", "/api/v1/imports/"+id+"/resume", ""); status != http.StatusConflict || !strings.Contains(text, "not kept") {
			t.Errorf("resuming an import whose file was not kept: %d %s", status, text)
		}
		if status, _ := p.call(seller, "POST", "/api/v1/imports/"+id+"/resume", ""); status != http.StatusNotFound {
			t.Errorf("a colleague's resume: %d", status)
		}
		if status, text := p.call(admin, "POST", "/api/v1/imports/"+id+"/discard", ""); status != http.StatusOK || !strings.Contains(text, `"status":"discarded"`) {
			t.Errorf("discard: %d %s", status, text)
		}
	})
}

// TestResumeImportAsNow resumes a salesperson's interrupted import only
// while they may still create contacts: read-only, they are refused and
// the import stays interrupted with its file; given their role back, it
// runs again to its end and its file is removed.
func TestResumeImportAsNow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPermAPI(t, db)
		accesstest.SetRole(t, db, 1, p.people.Actor(), access.RoleSalesperson)
		seller := p.tokens[accesstest.Self]
		file := "First name,Email\nAda,ada@example.com\n"
		// A dry run, so that its first run, which ended, left nothing.
		id := p.background(seller, "&dry_run=true", file)
		p.interrupt(id, file)

		accesstest.SetRole(t, db, 1, p.people.Actor(), access.RoleReadOnly)
		p.pol.Invalidate(1) // as the change of a role through the API does
		if status, text := p.call(seller, "POST", "/api/v1/imports/"+id+"/resume", ""); status != http.StatusForbidden {
			t.Errorf("a read-only user's resume: %d %s", status, text)
		}
		if _, text := p.call(seller, "GET", "/api/v1/imports/"+id, ""); !strings.Contains(text, `"status":"interrupted"`) || !strings.Contains(text, `"resumable":true`) {
			t.Errorf("after a refused resume: %s", text)
		}
		accesstest.SetRole(t, db, 1, p.people.Actor(), access.RoleSalesperson)
		p.pol.Invalidate(1)
		if status, text := p.call(seller, "POST", "/api/v1/imports/"+id+"/resume", ""); status != http.StatusAccepted {
			t.Fatalf("resume: %d %s", status, text)
		}
		if status := p.await(seller, id); status != "dry_run" {
			t.Errorf("the resumed import ended %s", status)
		}
		if left, _ := os.ReadDir(p.files); len(left) != 0 {
			t.Errorf("files left: %v", left)
		}
	})
}

// background imports file in the background as token's user and waits
// for its end; it returns the import's id.
func (p *permAPI) background(token, query, file string) string {
	p.t.Helper()
	status, text := p.call(token, "POST", "/api/v1/imports?background=true"+query, file, "Content-Type", "text/csv")
	var started struct{ ID string }
	if json.Unmarshal([]byte(text), &started); status != http.StatusAccepted {
		p.t.Fatalf("background import: %d %s", status, text)
	}
	p.await(token, started.ID)
	return started.ID
}

// await waits for import id to end and returns its status.
func (p *permAPI) await(token, id string) string {
	p.t.Helper()
	var log struct{ Status string }
	for range 400 {
		_, text := p.call(token, "GET", "/api/v1/imports/"+id, "")
		if json.Unmarshal([]byte(text), &log); log.Status != "running" {
			return log.Status
		}
		time.Sleep(25 * time.Millisecond)
	}
	p.t.Fatalf("import %s did not end", id)
	return ""
}

// interrupt makes import id interrupted, as a killed server leaves it,
// with file kept for it (none when empty).
func (p *permAPI) interrupt(id, file string) {
	p.t.Helper()
	if file != "" {
		if err := os.WriteFile(filepath.Join(p.files, "import-"+id), []byte(file), 0o600); err != nil {
			p.t.Fatal(err)
		}
	}
	n, _ := strconv.ParseInt(id, 10, 64)
	if err := p.db.Tx(context.Background(), func(q store.Querier) error {
		_, err := q.ExecContext(context.Background(), `UPDATE imports SET status = 'interrupted' WHERE id = ?`, n)
		return err
	}); err != nil {
		p.t.Fatal(err)
	}
}

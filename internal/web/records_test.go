package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// told are the notifications of user as "kind: title" lines, oldest
// first.
func (a *app) told(user string) []string {
	a.t.Helper()
	rows, err := a.db.Reader().QueryContext(context.Background(),
		`SELECT kind, title FROM notifications WHERE workspace_id = 1 AND user_id = ? ORDER BY id`, user)
	if err != nil {
		a.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var kind, title string
		if err := rows.Scan(&kind, &title); err != nil {
			a.t.Fatal(err)
		}
		out = append(out, kind+": "+title)
	}
	return out
}

// stageName is the name of a stage.
func (a *app) stageName(ctx context.Context, id string) string {
	a.t.Helper()
	rec, err := a.engine.Get(ctx, "stages", id, false)
	if err != nil {
		a.t.Fatal(err)
	}
	return rec["name"].(string)
}

// made creates a record and returns its id.
func (a *app) made(ctx context.Context, object string, in map[string]any) string {
	a.t.Helper()
	rec, err := a.engine.Create(ctx, object, in)
	if err != nil {
		a.t.Fatalf("create %s: %v", object, err)
	}
	return rec["id"].(string)
}

var htmxHeaders = func(token string) []string { return []string{"X-CSRF-Token", token, "HX-Request", "true"} }

func TestComposerAddsToTheTimeline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		me := a.userID(ctx)
		sam := a.colleague("sam@example.com", "Sam <Smith>", "administrator").ID
		contact := a.made(ctx, "contacts", map[string]any{"first_name": "Bob", "last_name": "Byron"})
		path := "/contacts/" + contact
		page := a.get(path)
		page.want(t, "a contact's page", http.StatusOK, "Timeline", `id="composer"`, `role="tablist"`,
			`hx-post="`+path+`/timeline"`, `data-mentions="/mentions"`, "Added", `aria-pressed="true"`, "Following")
		token := a.csrf()
		h := htmxHeaders(token)

		// A note that mentions Sam, picked from the picker, and says
		// something that looks like markup.
		note := url.Values{"kind": {"note"}, "body": {"Ask @Sam <Smith> about <script>alert(1)</script>\n\nThanks"}, "mention": {sam}}
		ans := a.post(path+"/timeline", note, h...)
		ans.want(t, "a note", http.StatusOK, `id="composer"`, `hx-swap-oob="true"`, "Added to the timeline.",
			`<a href="mailto:sam@example.com" rel="nofollow noreferrer">@Sam &lt;Smith&gt;</a>`,
			"&lt;script&gt;alert(1)&lt;/script&gt;", "<p>Thanks</p>")
		if strings.Contains(ans.body, "<script>alert") {
			t.Error("the timeline shows a note's script as HTML")
		}
		if got := a.told(sam); len(got) != 1 || !strings.HasPrefix(got[0], "mentioned: Ada Lovelace mentioned you") {
			t.Errorf("Sam was told %v", got)
		}

		// A call, a task given to Sam and a meeting.
		a.post(path+"/timeline", url.Values{"kind": {"call"}, "direction": {"inbound"}, "call_result": {"answered"},
			"minutes": {"5"}, "body": {"Wants a quote"}}, h...).
			want(t, "a call", http.StatusOK, "Inbound", "Answered", "5 min", "Wants a quote")
		a.post(path+"/timeline", url.Values{"kind": {"task"}, "title": {"Send the quote"}, "due": {"2030-01-02T09:30"}, "owner_id": {sam}}, h...).
			want(t, "a task", http.StatusOK, "Send the quote", "Due ")
		a.post(path+"/timeline", url.Values{"kind": {"task"}, "title": {"My own"}, "owner_id": {me}}, h...).
			want(t, "a task of my own", http.StatusOK, "My own")
		a.post(path+"/timeline", url.Values{"kind": {"meeting"}, "title": {"Visit"}, "starts": {"2030-01-03T10:00"},
			"ends": {"2030-01-03T11:00"}, "place": {"Their office"}}, h...).
			want(t, "a meeting", http.StatusOK, "Visit", "Their office")
		if got := a.told(sam); len(got) != 2 || got[1] != "assigned: A task was assigned to you" {
			t.Errorf("Sam was told %v", got)
		}
		if got := a.told(me); len(got) != 0 {
			t.Errorf("I was told of my own doing: %v", got)
		}
		// The meeting, in 2030, is the newest entry.
		page = a.get(path)
		if i, j := strings.Index(page.body, "Visit"), strings.Index(page.body, "Wants a quote"); i < 0 || j < 0 || i > j {
			t.Error("the timeline is not newest first")
		}

		// Refusals keep what was typed, each error beside its input.
		for _, c := range []struct {
			name string
			form url.Values
			want []string
		}{
			{"an empty note", url.Values{"kind": {"note"}, "body": {"  "}}, []string{`id="c-note-body-error"`, "This field is required."}},
			{"a task without a title", url.Values{"kind": {"task"}, "due": {"2030-01-02T09:30"}},
				[]string{`id="c-task-title-error"`, `value="2030-01-02T09:30"`}},
			{"a due time that does not read", url.Values{"kind": {"task"}, "title": {"Later <b>"}, "due": {"soon"}},
				[]string{`id="c-task-due-error"`, "This is not in the expected format.", `value="Later &lt;b&gt;"`}},
			{"a meeting that ends first", url.Values{"kind": {"meeting"}, "title": {"Visit"}, "starts": {"2030-01-03T10:00"}, "ends": {"2030-01-03T09:00"}},
				[]string{`id="c-meeting-ends-error"`, "outside the allowed range"}},
			{"minutes that are no number", url.Values{"kind": {"call"}, "direction": {"outbound"}, "minutes": {"five"}},
				[]string{`id="c-call-minutes-error"`, `value="five"`}},
		} {
			ans := a.post(path+"/timeline", c.form, h...)
			ans.want(t, c.name, http.StatusUnprocessableEntity, c.want...)
			if strings.Contains(ans.body, "hx-swap-oob") {
				t.Errorf("%s: the timeline is drawn again", c.name)
			}
		}
		// Without JavaScript: the page again, or back to it.
		a.post(path+"/timeline", url.Values{"kind": {"note"}, "body": {""}, "csrf_token": {token}}).
			want(t, "an empty note from a plain form", http.StatusBadRequest, "Bob Byron", `id="c-note-body-error"`)
		a.post(path+"/timeline", url.Values{"kind": {"note"}, "body": {"Plain"}, "csrf_token": {token}}).
			want(t, "a note from a plain form", http.StatusSeeOther, path)
		a.post(path+"/timeline", url.Values{"kind": {"note"}, "body": {"Forged"}}).
			want(t, "a note without the CSRF token", http.StatusForbidden)
		a.post("/contacts/99999/timeline", url.Values{"kind": {"note"}, "body": {"x"}}, h...).
			want(t, "a note on a missing contact", http.StatusNotFound)
		a.post("/products/1/timeline", url.Values{"kind": {"note"}, "body": {"x"}}, h...).
			want(t, "a note on a product", http.StatusNotFound)

		// A role that only reads is told so in the composer.
		a.colleague("reader@example.com", "Reader", "read_only")
		a.switchTo("reader@example.com")
		a.post(path+"/timeline", url.Values{"kind": {"note"}, "body": {"Mine"}}, htmxHeaders(a.csrf())...).
			want(t, "a note by a reader", http.StatusUnprocessableEntity, "you may not do this", "Mine")
	})
}

func TestTimelinePagesAndEscapes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		company := a.made(ctx, "companies", map[string]any{"name": "Acme"})
		contact := a.made(ctx, "contacts", map[string]any{"first_name": "Bob", "companies": []any{map[string]any{"id": company}}})
		a.made(ctx, "notes", map[string]any{"record_type": "contact", "record_id": contact,
			"body": `<p onclick="x()">Hi <img src="https://evil.example/p.png"> <a href="javascript:alert(1)">click</a><script>alert(2)</script></p>`})
		page := a.get("/companies/" + company)
		page.want(t, "a company's page shows its contact's note", http.StatusOK, "<p>Hi", ">Bob</a>", "click")
		for _, bad := range []string{"onclick", "evil.example", "javascript:", "<script>alert(2)"} {
			if strings.Contains(page.body, bad) {
				t.Errorf("the timeline shows %q", bad)
			}
		}

		few := a.get("/contacts/" + contact)
		for i := range 24 {
			a.made(ctx, "notes", map[string]any{"record_type": "contact", "record_id": contact, "body": fmt.Sprintf("Note %02d", i)})
		}
		many := a.get("/contacts/" + contact)
		many.want(t, "the first page", http.StatusOK, "Note 23", `hx-trigger="revealed"`)
		if strings.Contains(many.body, "Note 03") {
			t.Error("the first page shows more than a page")
		}
		if f, m := few.queries(t), many.queries(t); f != m {
			t.Errorf("the record page made %d queries for one entry and %d for a page of them", f, m)
		}
		more := regexp.MustCompile(`hx-get="([^"]+/timeline\?cursor=[^"]+)"`).FindStringSubmatch(many.body)
		if more == nil {
			t.Fatal("no next page")
		}
		next := a.get(strings.ReplaceAll(more[1], "&amp;", "&"), "HX-Request", "true")
		next.want(t, "the next page", http.StatusOK, "Note 03", "Note 00", "Hi")
		if strings.Contains(next.body, "Note 23") || strings.Contains(next.body, "<html") || strings.Contains(next.body, "hx-trigger") {
			t.Error("the next page repeats the first, the layout, or promises more")
		}
		a.get("/contacts/"+contact+"/timeline?cursor=nonsense", "HX-Request", "true").want(t, "a bad cursor", http.StatusNotFound)
	})
}

func TestRelatedRecordsAndStageHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		pipeline, stages := a.pipeline(ctx)
		company := a.made(ctx, "companies", map[string]any{"name": "Acme <Ltd>"})
		var contacts []any
		for i := range 7 {
			id := a.made(ctx, "contacts", map[string]any{"first_name": fmt.Sprintf("Person %d", i),
				"companies": []any{map[string]any{"id": company}}})
			contacts = append(contacts, map[string]any{"id": id})
		}
		deal := a.made(ctx, "deals", map[string]any{"title": "Engine <order>", "pipeline_id": pipeline, "company_id": company, "contacts": contacts,
			"value": map[string]any{"amount": json.Number("100000"), "currency": "GBP"}})
		rec, _ := a.engine.Get(ctx, "deals", deal, false)
		if _, err := a.engine.Update(ctx, "deals", deal, rec["version"].(int64), map[string]any{"stage_id": stages[1]}); err != nil {
			t.Fatal(err)
		}
		a.made(ctx, "notes", map[string]any{"record_type": "contact", "record_id": contacts[0].(map[string]any)["id"], "body": "First"})
		a.get("/companies/" + company) // the first visit reads what later ones keep
		few := a.get("/companies/" + company)
		few.want(t, "a company's related records", http.StatusOK, "Contacts", "Deals",
			`href="/deals/`+deal+`">Engine &lt;order&gt;</a>`, "£1,000.00", `href="/contacts?f0=companies&amp;o0=eq&amp;v0=`+company+`"`, "See all")
		// More related records, each with a note of its own, cost no
		// more queries: the names of the records an entry belongs to are
		// read once per kind of record.
		for i := range 8 {
			id := a.made(ctx, "contacts", map[string]any{"first_name": fmt.Sprintf("Later %d", i), "companies": []any{map[string]any{"id": company}}})
			a.made(ctx, "notes", map[string]any{"record_type": "contact", "record_id": id, "body": "Hello"})
			a.made(ctx, "deals", map[string]any{"title": fmt.Sprintf("Deal %d", i), "pipeline_id": pipeline, "company_id": company})
		}
		if f, m := few.queries(t), a.get("/companies/"+company).queries(t); f != m {
			t.Errorf("a company's page made %d queries, and %d with more related records", f, m)
		}
		first, second := a.stageName(ctx, stages[0]), a.stageName(ctx, stages[1])
		a.get("/deals/"+deal).want(t, "a deal's contacts and stages", http.StatusOK, "Stage history", first, second, "since", "and 2 more",
			"Moved to "+second)
		a.get("/contacts/"+contacts[0].(map[string]any)["id"].(string)).want(t, "a contact's companies and deals", http.StatusOK,
			`>Acme &lt;Ltd&gt;</a>`, `>Engine &lt;order&gt;</a>`)

		// A salesperson who owns the company sees none of the admin's
		// deal on its page: not in the related records, not in the
		// timeline.
		sam := a.colleague("sam@example.com", "Sam", "salesperson").ID
		rec, _ = a.engine.Get(ctx, "companies", company, false)
		if _, err := a.engine.Update(ctx, "companies", company, rec["version"].(int64), map[string]any{"owner_id": sam}); err != nil {
			t.Fatal(err)
		}
		a.made(ctx, "notes", map[string]any{"record_type": "deal", "record_id": deal, "body": "Secret terms"})
		a.switchTo("sam@example.com")
		page := a.get("/companies/" + company)
		page.want(t, "Sam's company", http.StatusOK, "Acme &lt;Ltd&gt;", "None yet.")
		for _, secret := range []string{"Engine &lt;order&gt;", "Secret terms", "Moved to", "£1,000.00", "Person 0"} {
			if strings.Contains(page.body, secret) {
				t.Errorf("a salesperson's company page shows %q", secret)
			}
		}
	})
}

func TestFollowingAndWhoIsTold(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		me := a.userID(ctx)
		pipeline, stages := a.pipeline(ctx)
		sam := a.colleague("sam@example.com", "Sam", "salesperson").ID
		kim := a.colleague("kim@example.com", "Kim", "administrator").ID
		deal := a.made(ctx, "deals", map[string]any{"title": "Engine order", "pipeline_id": pipeline})
		path := "/deals/" + deal

		a.switchTo("kim@example.com")
		h := htmxHeaders(a.csrf())
		a.get(path).want(t, "Kim's view of a deal", http.StatusOK, `aria-pressed="false"`)
		a.post(path+"/follow", url.Values{"follow": {"true"}}, h...).want(t, "Kim follows", http.StatusOK, `aria-pressed="true"`, "Following", `value="false"`)
		a.get(path).want(t, "the deal, followed", http.StatusOK, `aria-pressed="true"`)

		// Sam, a salesperson, may not see the deal: no following, and no
		// word of it when mentioned in a note on it.
		a.switchTo("sam@example.com")
		a.post(path+"/follow", url.Values{"follow": {"true"}}, htmxHeaders(a.csrf())...).want(t, "Sam follows a deal out of reach", http.StatusNotFound)
		a.get("/mentions?q=kim", "HX-Request", "true").want(t, "Sam's picker", http.StatusOK, `data-name="Kim"`, "kim@example.com")

		// I (the admin, who made the deal and so follow it) mention Sam
		// and Kim in a note on the deal, and move it.
		a.switchTo("kim@example.com")
		a.client = a.newClient()
		a.post("/signin", url.Values{"email": {"ada@example.com"}, "password": {"analytical-engine"}}).want(t, "Ada signs in", http.StatusSeeOther)
		h = htmxHeaders(a.csrf())
		a.post(path+"/timeline", url.Values{"kind": {"note"}, "body": {"@Sam and @Kim, look"}, "mention": {sam, kim}}, h...).
			want(t, "a note mentioning Sam and Kim", http.StatusOK)
		rec, _ := a.engine.Get(ctx, "deals", deal, false)
		if _, err := a.engine.Update(ctx, "deals", deal, rec["version"].(int64), map[string]any{"stage_id": stages[1]}); err != nil {
			t.Fatal(err)
		}
		if got := a.told(sam); len(got) != 0 {
			t.Errorf("Sam was told of a deal out of reach: %v", got)
		}
		want := []string{"mentioned: Ada Lovelace mentioned you", "stage_changed: A deal you follow moved to " + a.stageName(ctx, stages[1])}
		if got := a.told(kim); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("Kim was told %v, want %v", got, want)
		}
		if got := a.told(me); len(got) != 0 {
			t.Errorf("I was told of my own doing: %v", got)
		}

		// The bell words each in Kim's language and names the deal as
		// Kim may see it now.
		a.switchTo("kim@example.com")
		a.get("/notifications").want(t, "Kim's notifications", http.StatusOK, "You were mentioned in a note",
			"Moved to another stage", `href="/deals/`+deal+`"`, "Engine order")

		// Kim stops following, without JavaScript.
		a.post(path+"/follow", url.Values{"follow": {"false"}, "csrf_token": {a.csrf()}}).want(t, "Kim stops following", http.StatusSeeOther, path)
		a.get(path).want(t, "the deal, no longer followed", http.StatusOK, `aria-pressed="false"`)
	})
}

func TestMentionPickerAndMailSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		a.colleague("sam@example.com", "Sam <script>", "salesperson")
		gone := a.colleague("gone@example.com", "Samantha Gone", "salesperson").ID
		if _, err := db.Raw().Exec(db.Dialect.Rebind(`UPDATE users SET status = 'deactivated' WHERE id = ?`), gone); err != nil {
			t.Fatal(err)
		}
		ans := a.get("/mentions?q=SAM", "HX-Request", "true")
		ans.want(t, "the picker", http.StatusOK, `role="option"`, `data-name="Sam &lt;script&gt;"`)
		if strings.Contains(ans.body, "Samantha") || strings.Contains(ans.body, "<script>") || strings.Contains(ans.body, "Ada") {
			t.Errorf("the picker offers %s", ans.body)
		}
		a.get("/mentions?q=nobody", "HX-Request", "true").want(t, "no match", http.StatusOK, "No colleague by that name")

		a.get("/me/notifications").want(t, "mail settings", http.StatusOK, `name="mail" value="mentioned" checked`,
			"a colleague mentions me in a note")
		token := a.csrf()
		a.post("/me/notifications", url.Values{"mail": {"assigned"}}).want(t, "settings without the token", http.StatusForbidden)
		page := a.post("/me/notifications", url.Values{"mail": {"assigned"}, "csrf_token": {token}})
		page.want(t, "settings saved", http.StatusOK, "Your choices are saved.", `name="mail" value="assigned" checked`)
		if strings.Contains(page.body, `value="mentioned" checked`) {
			t.Error("a kind left unticked still comes by mail")
		}
		a.post("/me/notifications", url.Values{"mail": {"nonsense"}, "csrf_token": {token}}).want(t, "a kind that is none", http.StatusNotFound)
	})
}

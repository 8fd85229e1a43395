package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// task makes an open task as ctx's actor, due at due.
func (a *app) task(ctx context.Context, owner, title string, due time.Time, about ...string) records.Record {
	a.t.Helper()
	in := map[string]any{"title": title, "owner_id": owner, "done": false, "due_at": records.FormatTime(due)}
	if len(about) == 2 {
		in["record_type"], in["record_id"] = about[0], about[1]
	}
	rec, err := a.engine.Create(ctx, "tasks", in)
	if err != nil {
		a.t.Fatal(err)
	}
	return rec
}

func TestMyDayShowsTheUsersOverdueAndTodaysTasks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		me := a.userID(ctx)
		// Far east of UTC, so that the user's day and the UTC day end
		// hours apart.
		zone := "Pacific/Kiritimati"
		if _, _, err := a.accounts.UpdateMe(ctx, account.MyChange{TimeZone: &zone}, ""); err != nil {
			t.Fatal(err)
		}
		a.get("/").want(t, "My day without tasks", http.StatusOK, "My day", "Nothing due today", `href="/" aria-current="page"`)

		sam, err := a.accounts.CreateUser(context.Background(), 1, "sam@example.com", "Sam", "correct horse battery", "administrator")
		if err != nil {
			t.Fatal(err)
		}
		loc, _ := time.LoadLocation(zone)
		now := time.Now()
		y, m, d := now.In(loc).Date()
		endOfDay := time.Date(y, m, d+1, 0, 0, 0, 0, loc)
		contact, err := a.engine.Create(ctx, "contacts", map[string]any{"first_name": "Ada <b>", "last_name": "Byron"})
		if err != nil {
			t.Fatal(err)
		}
		a.pipeline(ctx)
		deal, err := a.engine.Create(ctx, "deals", map[string]any{"title": "Engine <i>order</i>"})
		if err != nil {
			t.Fatal(err)
		}
		overdue := a.task(ctx, me, "Call <script>x</script>", now.Add(-48*time.Hour), "contact", contact["id"].(string))
		today := a.task(ctx, me, "Send the offer", now.Add(endOfDay.Sub(now)/2), "deal", deal["id"].(string))
		a.task(ctx, me, "Tomorrow's task", endOfDay.Add(time.Minute))
		a.task(ctx, sam.ID, "Sam's task", now.Add(-time.Hour))
		done := a.task(ctx, me, "Finished task", now.Add(-time.Hour))
		if _, err := a.engine.Update(ctx, "tasks", done["id"].(string), 1, map[string]any{"done": true}); err != nil {
			t.Fatal(err)
		}

		home := a.get("/")
		home.want(t, "My day", http.StatusOK, "Overdue", "Today",
			"Call &lt;script&gt;x&lt;/script&gt;", `<a href="/contacts/`+contact["id"].(string)+`">Ada &lt;b&gt; Byron</a>`,
			"Send the offer", `<a href="/deals/`+deal["id"].(string)+`">Engine &lt;i&gt;order&lt;/i&gt;</a>`,
			`hx-post="/tasks/`+today["id"].(string)+`/done" hx-target="closest tr"`, `<input type="hidden" name="version" value="1">`)
		for _, absent := range []string{"Tomorrow", "Sam&#39;s task", "Finished task", "Nothing due today", "<script>x"} {
			if strings.Contains(home.body, absent) {
				t.Errorf("My day shows %q", absent)
			}
		}
		if strings.Index(home.body, "Call &lt;script") > strings.Index(home.body, "Send the offer") {
			t.Error("My day shows today's task before the overdue one")
		}

		path := "/tasks/" + today["id"].(string) + "/done"
		form := url.Values{"version": {"1"}}
		a.post(path, form).want(t, "Done without the CSRF token", http.StatusForbidden)
		if rec, _ := a.engine.Get(ctx, "tasks", today["id"].(string), false); rec["done"] != false {
			t.Errorf("a task refused done is done: %v", rec["done"])
		}
		token := a.csrf()
		ans := a.post(path, form, "X-CSRF-Token", token, "HX-Request", "true")
		ans.want(t, "Done through htmx", http.StatusOK)
		if ans.body != "" {
			t.Errorf("Done through htmx answers %q, want nothing to swap in", ans.body)
		}
		if rec, _ := a.engine.Get(ctx, "tasks", today["id"].(string), false); rec["done"] != true {
			t.Errorf("the task is not done: %v", rec["done"])
		}
		if strings.Contains(a.get("/").body, "Send the offer") {
			t.Error("My day still shows a task that is done")
		}

		// A plain form comes back to My day; a page drawn before the task
		// changed reloads it rather than overwrite the change.
		form = url.Values{"version": {"1"}, "csrf_token": {token}}
		a.post("/tasks/"+overdue["id"].(string)+"/done", url.Values{"version": {"7"}, "csrf_token": {token}}, "HX-Request", "true").
			want(t, "Done on a stale page", http.StatusOK)
		if rec, _ := a.engine.Get(ctx, "tasks", overdue["id"].(string), false); rec["done"] != false {
			t.Error("Done on a stale page completed the task")
		}
		a.post("/tasks/"+overdue["id"].(string)+"/done", form).want(t, "Done from a plain form", http.StatusSeeOther, "/")
		a.get("/").want(t, "My day with every task done", http.StatusOK, "Nothing due today")

	})
}

package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// create makes a record as the actor of ctx, failing the test if the
// engine refuses it.
func (a *app) create(ctx context.Context, object string, in map[string]any) records.Record {
	a.t.Helper()
	rec, err := a.engine.Create(ctx, object, in)
	if err != nil {
		a.t.Fatalf("create %s: %v", object, err)
	}
	return rec
}

// signInAs makes a user with the role and signs the app's client in as
// them; it returns the user.
func (a *app) signInAs(email, role string) account.User {
	a.t.Helper()
	u, err := a.accounts.CreateUser(context.Background(), 1, email, strings.Split(email, "@")[0], "a long secret", role)
	if err != nil {
		a.t.Fatal(err)
	}
	a.switchTo(email)
	return u
}

// switchTo signs the app's client in as an existing user.
func (a *app) switchTo(email string) {
	a.t.Helper()
	a.client = a.newClient()
	password := "a long secret"
	if email == "ada@example.com" {
		password = "analytical-engine"
	}
	a.post("/signin", url.Values{"email": {email}, "password": {password}}).want(a.t, "sign in as "+email, http.StatusSeeOther)
}

func actorOf(u account.User, role string) context.Context {
	id, _ := strconv.ParseInt(u.ID, 10, 64)
	return access.WithActor(context.Background(), access.Actor{WorkspaceID: 1, UserID: id, Role: role})
}

func TestListFilterBuilder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		a.create(ctx, "contacts", map[string]any{"first_name": "Ada", "last_name": "Alpha", "source": "referral"})
		a.create(ctx, "contacts", map[string]any{"first_name": "Bob", "last_name": "Beta", "source": "event"})
		a.create(ctx, "contacts", map[string]any{"first_name": "Cy", "last_name": "Gamma", "source": "web_form", "job_title": "<script>x</script>"})
		a.create(ctx, "contacts", map[string]any{"first_name": "Cy", "last_name": "Delta", "source": "event"})

		// source in (referral, event) and (first name starts with Ada or last name is Delta)
		q := "f0=source&o0=in&v0=referral&v0=event&f1=first_name&o1=starts_with&v1=Ada&g1=1&m1=or&f2=last_name&o2=eq&v2=Delta&g2=1"
		page := a.get("/contacts?" + q + "&col=full_name&col=job_title&col=source")
		page.want(t, "a filter with an or group", http.StatusOK, "Ada Alpha", "Cy Delta",
			`<option value="referral" selected>`, `<option value="event" selected>`, `name="v1" type="text" value="Ada"`,
			`name="m1"`, `<option value="or" selected>`)
		for _, out := range []string{"Bob Beta", "Cy Gamma"} {
			if strings.Contains(page.body, out) {
				t.Errorf("the filtered list shows %s", out)
			}
		}
		heading := regexp.MustCompile(`<a href="(/contacts\?[^"]*sort=-full_name[^"]*)"`).FindStringSubmatch(page.body)
		if heading == nil || !strings.Contains(html.UnescapeString(heading[1]), "f0=source") || !strings.Contains(heading[1], "col=job_title") {
			t.Errorf("the heading's sort link drops the filter or the columns: %v", heading)
		}

		body := a.get("/contacts?"+q, "HX-Request", "true", "HX-Target", "list-body")
		body.want(t, "the list's body for htmx", http.StatusOK, `id="list-body"`, "Cy Delta")
		if strings.Contains(body.body, "<html") {
			t.Error("htmx's answer repeats the layout")
		}

		all := a.get("/contacts?col=full_name&col=job_title&f0=job_title&o0=contains&v0=script")
		all.want(t, "a value with markup", http.StatusOK, "&lt;script&gt;x&lt;/script&gt;", `value="script"`)
		if strings.Contains(all.body, "<script>x") {
			t.Error("the list shows a job title as HTML")
		}

		refused := a.get("/contacts?f0=emails&o0=lt&v0=x")
		refused.want(t, "an operator the engine does not serve", http.StatusBadRequest, `class="error" id="filter-0-error"`)
		a.get("/contacts?f0=emails&o0=lt&v0=x", "HX-Request", "true", "HX-Target", "list-body").
			want(t, "the refusal for htmx, which swaps 2xx only", http.StatusOK, `id="filter-0-error"`)

		added := a.get("/contacts?" + q + "&add_group=1")
		added.want(t, "adding a group without script", http.StatusSeeOther)
		a.get(added.location).want(t, "the list with a new group", http.StatusOK, `name="g3" value="2"`, `name="g4" value="2"`, "Cy Delta")
		if strings.Contains(added.location, "add_group") {
			t.Errorf("the list's address after adding a group presses the button again: %s", added.location)
		}
		a.get("/contacts?f0=source&o0=eq&v0=referral&del=0", "HX-Request", "true", "HX-Target", "list-body").
			want(t, "removing a row", http.StatusOK, "Bob Beta")
		a.get("/contacts?count=1&f0=source&o0=eq&v0=event", "HX-Request", "true", "HX-Target", "list-count").
			want(t, "a count", http.StatusOK, "2 records")
		a.get("/contacts?count=1").want(t, "a count without script", http.StatusOK, "4 records")
	})
}

// valueFor is a value of the field's type for op, as a user would type
// or pick it.
func valueFor(f *records.Field, op records.Op, owner string) string {
	switch {
	case op == records.Empty:
		return "true"
	case f.Type == records.Integer:
		return "3"
	case f.Type == records.Decimal:
		return "2,5"
	case f.Type == records.Date:
		return "2026-01-31"
	case f.Type == records.DateTime:
		return "2026-01-31T09:30"
	case f.Type == records.Boolean:
		return "true"
	case f.Type == records.User:
		return owner
	case len(f.Options) > 0:
		return f.Options[0]
	}
	return "ab"
}

var (
	offeredFields = regexp.MustCompile(`(?s)name="f0"[^>]*>(.*?)</select>`)
	offeredOps    = regexp.MustCompile(`(?s)name="o0"[^>]*>(.*?)</select>`)
	optionValue   = regexp.MustCompile(`<option value="([^"]+)"`)
)

// TestEveryOfferedOperatorIsServed asks each list for every operator its
// builder offers on every field, with a value of the field's type, and
// checks that the engine serves it.
func TestEveryOfferedOperatorIsServed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		for _, spec := range []records.FieldSpec{{Name: "score", Type: records.Integer}, {Name: "rating", Type: records.Decimal},
			{Name: "met_on", Type: records.Date}, {Name: "vip", Type: records.Boolean}, {Name: "tier", Type: records.Select, Options: []string{"gold", "silver"}},
			{Name: "notes", Type: records.LongText}, {Name: "buddy", Type: records.User}, {Name: "seen_at", Type: records.DateTime}} {
			if _, err := a.engine.AddField(ctx, "contacts", spec); err != nil {
				t.Fatal(err)
			}
		}
		if err := a.engine.IndexAllFields(ctx); err != nil {
			t.Fatal(err)
		}
		owner := a.userID(ctx)
		for _, plural := range []string{"contacts", "companies", "deals", "tasks", "products"} {
			fields, err := a.engine.Fields(ctx, plural)
			if err != nil {
				t.Fatal(err)
			}
			byName := map[string]*records.Field{}
			for _, f := range fields {
				byName[f.Name] = f
			}
			list := offeredFields.FindStringSubmatch(a.get("/" + plural + "?f0=").body)
			if list == nil {
				t.Fatalf("%s: no field picker", plural)
			}
			served := 0
			for _, m := range optionValue.FindAllStringSubmatch(list[1], -1) {
				f := byName[m[1]]
				row := offeredOps.FindStringSubmatch(a.get("/" + plural + "?f0=" + m[1]).body)
				if f == nil || row == nil {
					t.Errorf("%s: %s is offered without operators", plural, m[1])
					continue
				}
				for _, op := range optionValue.FindAllStringSubmatch(row[1], -1) {
					if !slices.Contains(f.Filters, records.Op(op[1])) {
						t.Errorf("%s: %s %s is offered but the engine does not list it", plural, m[1], op[1])
					}
					val := valueFor(f, records.Op(op[1]), owner)
					ans := a.get("/" + plural + "?" + url.Values{"f0": {m[1]}, "o0": {op[1]}, "v0": {val}}.Encode())
					if ans.status != http.StatusOK || strings.Contains(ans.body, `id="filter-0-error"`) {
						t.Errorf("%s: %s %s %q: %d", plural, m[1], op[1], val, ans.status)
					}
					served++
				}
			}
			if served < 5 {
				t.Errorf("%s: only %d operators offered", plural, served)
			}
		}
	})
}

var viewID = regexp.MustCompile(`view=(\d+)`)

// saveView saves the list of query as a view and returns its id.
func (a *app) saveView(name, visibility, query string) string {
	a.t.Helper()
	ans := a.post("/contacts/views", url.Values{"csrf_token": {a.csrf()}, "name": {name}, "visibility": {visibility}, "query": {query}})
	ans.want(a.t, "save "+name, http.StatusSeeOther)
	m := viewID.FindStringSubmatch(ans.location)
	if m == nil {
		a.t.Fatalf("saving %s went to %q", name, ans.location)
	}
	return m[1]
}

func TestSavedViews(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		teamOf := map[string]string{}
		for _, name := range []string{"North", "South"} {
			team, err := a.accounts.CreateTeam(ctx, account.TeamInput{Name: &name})
			if err != nil {
				t.Fatal(err)
			}
			teamOf[name] = team.ID
		}
		for email, team := range map[string]string{"sam@example.com": "North", "tim@example.com": "North", "una@example.com": "South"} {
			u, err := a.accounts.CreateUser(context.Background(), 1, email, strings.Split(email, "@")[0], "a long secret", "salesperson")
			if err != nil {
				t.Fatal(err)
			}
			id := teamOf[team]
			if _, err := a.accounts.UpdateUser(ctx, u.ID, account.UserChange{TeamID: &id}); err != nil {
				t.Fatal(err)
			}
			a.create(ctx, "contacts", map[string]any{"first_name": "Client of", "last_name": u.Name, "source": "referral", "owner_id": u.ID})
		}
		a.switchTo("sam@example.com")
		query := "f0=source&o0=eq&v0=referral&col=full_name&col=source&sort=-full_name"
		private := a.saveView("Sam <private>", "private", query)
		team := a.saveView("Sam's team", "team", query)
		all := a.saveView("Sam's all", "workspace", query)
		a.post("/contacts/views", url.Values{"csrf_token": {a.csrf()}, "name": {"  "}, "query": {query}}).
			want(t, "a view without a name", http.StatusBadRequest, `id="view-name-error"`, "Client of sam")
		opened := a.get("/contacts?view=" + private)
		opened.want(t, "Sam opens his view", http.StatusOK, "View: Sam &lt;private&gt;", "Client of sam", `aria-sort="descending"`,
			`<option value="referral" selected>`)

		for _, c := range []struct {
			email      string
			see, unsee []string
		}{
			{"tim@example.com", []string{"Sam&#39;s team", "Sam&#39;s all"}, []string{"Sam &lt;private&gt;"}},
			{"una@example.com", []string{"Sam&#39;s all"}, []string{"Sam &lt;private&gt;", "Sam&#39;s team"}},
			{"ada@example.com", []string{"Sam&#39;s all"}, []string{"Sam &lt;private&gt;", "Sam&#39;s team"}},
		} {
			a.switchTo(c.email)
			menu := a.get("/contacts")
			menu.want(t, c.email+"'s menu", http.StatusOK, c.see...)
			for _, s := range c.unsee {
				if strings.Contains(menu.body, s) {
					t.Errorf("%s sees the view %s", c.email, s)
				}
			}
			a.get("/contacts?view="+private).want(t, c.email+" opens Sam's private view", http.StatusNotFound)
		}
		a.switchTo("tim@example.com")
		a.get("/contacts?view="+team).want(t, "Tim opens his team's view", http.StatusOK, "View: Sam&#39;s team")
		a.post("/list-views/"+team+"/rename", url.Values{"csrf_token": {a.csrf()}, "name": {"Tim's now"}}).
			want(t, "Tim renames Sam's view", http.StatusForbidden)
		a.switchTo("ada@example.com")
		a.post("/list-views/"+all+"/delete", url.Values{"csrf_token": {a.csrf()}, "back": {"/contacts"}}).
			want(t, "an administrator deletes a shared view", http.StatusSeeOther, "/contacts")
		a.post("/list-views/"+team+"/delete", url.Values{"csrf_token": {a.csrf()}}).
			want(t, "an administrator deletes a view they do not see", http.StatusNotFound)
		a.switchTo("sam@example.com")
		a.post("/list-views/"+private+"/rename", url.Values{"csrf_token": {a.csrf()}, "name": {"Mine"}, "back": {"/contacts?view=" + private}}).
			want(t, "Sam renames his view", http.StatusSeeOther, "/contacts?view="+private)
		menu := a.get("/contacts")
		menu.want(t, "Sam's menu after", http.StatusOK, ">Mine</a>", "Sam&#39;s team")
		if strings.Contains(menu.body, "Sam&#39;s all") {
			t.Error("the deleted view is still in the menu")
		}
	})
}

// TestAViewKeepsHiddenFieldsHidden checks that a view holds field names
// only: opened by a role that hides one of its fields, neither the
// column nor the filter shows anything of it.
func TestAViewKeepsHiddenFieldsHidden(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		if _, err := a.engine.AddField(ctx, "contacts", records.FieldSpec{Name: "secret_score", Label: "Secret score", Type: records.Integer}); err != nil {
			t.Fatal(err)
		}
		if _, err := access.NewRolePolicy(db).CreateRole(ctx, access.RoleSpec{Name: "clerk", Label: "Clerk",
			Grants: access.Grants{"contact": {"read": "all", "update": "all"}},
			Fields: access.FieldRules{"contact": {"secret_score": "hidden"}}}); err != nil {
			t.Fatal(err)
		}
		a.create(ctx, "contacts", map[string]any{"first_name": "Kept", "last_name": "Secret", "secret_score": json.Number("98765")})
		a.switchTo("ada@example.com")
		id := a.saveView("Scores", "workspace", "col=full_name&col=secret_score&f0=secret_score&o0=gt&v0=5")
		a.get("/contacts?view="+id).want(t, "the administrator's view", http.StatusOK, "Secret score", "98765")
		a.signInAs("kim@example.com", "clerk")
		page := a.get("/contacts?view=" + id)
		page.want(t, "the clerk opens the view", http.StatusOK, "View: Scores", "Kept Secret")
		for _, hidden := range []string{"Secret score", "secret_score", "98765"} {
			if strings.Contains(page.body, hidden) {
				t.Errorf("the clerk's list shows %q", hidden)
			}
		}
	})
}

var versionInput = regexp.MustCompile(`name="version" value="(\d+)"`)

func TestInlineEdit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		if _, err := a.engine.AddField(ctx, "contacts", records.FieldSpec{Name: "score", Label: "Score", Type: records.Integer}); err != nil {
			t.Fatal(err)
		}
		rec := a.create(ctx, "contacts", map[string]any{"first_name": "Ada", "job_title": "CEO"})
		id := rec["id"].(string)
		cell := "/contacts/" + id + "/cell?field="
		a.get("/contacts?col=job_title&col=score").want(t, "editable cells", http.StatusOK, `data-cell="`+html.EscapeString(cell)+`job_title"`, `class="cell-edit"`)

		editor := a.get(cell+"job_title", "HX-Request", "true")
		editor.want(t, "the editor", http.StatusOK, `name="job_title" value="CEO"`, "autofocus", `data-cell-cancel`)
		version := versionInput.FindStringSubmatch(editor.body)[1]
		token := a.csrf()
		a.post(cell+"job_title", url.Values{"job_title": {"CTO"}, "version": {version}}, "X-CSRF-Token", token, "HX-Request", "true").
			want(t, "saving a cell", http.StatusOK, "CTO", `class="cell-edit"`)
		a.get(cell+"job_title&show=1", "HX-Request", "true").want(t, "Escape shows the value", http.StatusOK, "CTO")

		a.post(cell+"job_title", url.Values{"job_title": {"CFO"}, "version": {version}}, "X-CSRF-Token", token, "HX-Request", "true").
			want(t, "a stale save", http.StatusOK, "Someone else changed this", `value="CFO"`, `<span class="value">CTO</span>`, `name="version" value="2"`)
		if now, _ := a.engine.Get(ctx, "contacts", id, false); now["job_title"] != "CTO" {
			t.Errorf("a stale save overwrote the title: %v", now["job_title"])
		}
		bad := a.post(cell+"score", url.Values{"score": {"many"}, "version": {"2"}}, "X-CSRF-Token", token, "HX-Request", "true")
		bad.want(t, "a value the engine refuses", http.StatusOK, `class="error"`, `value="many"`, `aria-invalid="true"`)
		a.post(cell+"job_title", url.Values{"job_title": {"CTO"}, "version": {"2"}}).want(t, "a save without the CSRF token", http.StatusForbidden)
		a.get(cell+"full_name").want(t, "a field the engine computes", http.StatusNotFound)

		a.signInAs("sam@example.com", "salesperson")
		a.get(cell+"job_title", "HX-Request", "true").want(t, "a colleague's cell", http.StatusNotFound)
	})
}

func TestBulkActions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		_, stages := a.pipeline(ctx)
		sam := a.signInAs("sam@example.com", "salesperson")
		samCtx := actorOf(sam, "salesperson")
		own1 := a.create(samCtx, "contacts", map[string]any{"first_name": "Own", "last_name": "One"})
		own2 := a.create(samCtx, "contacts", map[string]any{"first_name": "Own", "last_name": "Two"})
		theirs := a.create(ctx, "contacts", map[string]any{"first_name": "Colleague's", "last_name": "Secret"})
		deal := a.create(samCtx, "deals", map[string]any{"title": "Sam's deal", "stage_id": stages[0]})
		token := a.csrf()
		pick := url.Values{"csrf_token": {token}, "action": {"tag"}, "tag": {"vip"},
			"pick": {own1["id"].(string), own2["id"].(string), theirs["id"].(string)}}
		a.post("/contacts/bulk", url.Values{"action": {"tag"}, "pick": pick["pick"]}).want(t, "bulk without the CSRF token", http.StatusForbidden)
		ans := a.post("/contacts/bulk", pick, "HX-Request", "true", "HX-Target", "list-body")
		ans.want(t, "tagging two own contacts and a colleague's", http.StatusOK, "2 records changed.", "1 record was not changed:",
			"Record "+theirs["id"].(string), "it is not there, or out of your reach.")
		if strings.Contains(ans.body, "Colleague") || strings.Contains(ans.body, "Secret") {
			t.Error("the result names a colleague's contact")
		}
		for _, rec := range []records.Record{own1, own2} {
			now, _ := a.engine.Get(ctx, "contacts", rec["id"].(string), false)
			if tags, _ := now["tags"].([]any); !slices.Contains(tags, any("vip")) {
				t.Errorf("%v not tagged: %v", rec["id"], now["tags"])
			}
		}
		a.post("/deals/bulk", url.Values{"csrf_token": {token}, "action": {"delete"}, "pick": {deal["id"].(string)}}).
			want(t, "a salesperson deletes a deal", http.StatusOK, "0 records changed.", `Sam&#39;s deal</span>: you may not change it.`)
		a.post("/contacts/bulk", url.Values{"csrf_token": {token}, "action": {"tag"}, "tag": {"vip"}}).
			want(t, "nothing selected", http.StatusOK, "Select rows first")

		a.switchTo("ada@example.com")
		token = a.csrf()
		a.post("/contacts/bulk", url.Values{"csrf_token": {token}, "action": {"owner"}, "owner": {sam.ID},
			"pick": {theirs["id"].(string), own1["id"].(string)}}).want(t, "assigning two contacts", http.StatusOK, "2 records changed.")
		if now, _ := a.engine.Get(ctx, "contacts", theirs["id"].(string), false); now["owner_id"] != sam.ID {
			t.Errorf("owner %v, want Sam", now["owner_id"])
		}
		a.post("/deals/bulk", url.Values{"csrf_token": {token}, "action": {"stage"}, "stage": {stages[1]}, "pick": {deal["id"].(string)}}).
			want(t, "moving a deal", http.StatusOK, "1 record changed.")
		a.get("/deals").want(t, "the deals' bulk form", http.StatusOK, `name="stage"`, "Sales · Proposal")
		a.post("/contacts/bulk", url.Values{"csrf_token": {token}, "action": {"delete"}, "pick": {own2["id"].(string)}}).
			want(t, "moving a contact to the trash", http.StatusOK, "1 record changed.")
		if _, err := a.engine.Get(ctx, "contacts", own2["id"].(string), false); err == nil {
			t.Error("the deleted contact is still there")
		}
	})
}

func TestListQueriesDoNotGrowWithChosenColumnsAndFilter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		if _, err := a.engine.AddField(ctx, "contacts", records.FieldSpec{Name: "score", Label: "Score", Type: records.Integer}); err != nil {
			t.Fatal(err)
		}
		_, stages := a.pipeline(ctx)
		fill := func(from, to int) {
			for i := from; i < to; i++ {
				co := a.create(ctx, "companies", map[string]any{"name": fmt.Sprintf("Company %d", i)})
				a.create(ctx, "contacts", map[string]any{"first_name": fmt.Sprintf("Person %d", i), "source": "referral", "score": json.Number(strconv.Itoa(i)),
					"companies": []any{map[string]any{"id": co["id"]}}, "owner_id": a.userID(ctx)})
				a.create(ctx, "deals", map[string]any{"title": fmt.Sprintf("Deal %d", i), "stage_id": stages[i%2], "company_id": co["id"]})
			}
		}
		paths := []string{
			"/contacts?col=full_name&col=companies&col=owner_id&col=score&col=updated_at&m=or&f0=source&o0=eq&v0=referral&f1=score&o1=gt&v1=1000",
			"/deals?col=title&col=stage_id&col=company_id&col=owner_id&f0=title&o0=starts_with&v0=Deal",
		}
		fill(0, 2)
		for _, p := range paths {
			a.get(p)
		}
		var few []int
		for _, p := range paths {
			few = append(few, a.get(p).queries(t))
		}
		fill(2, 30)
		for i, p := range paths {
			many := a.get(p)
			many.want(t, p, http.StatusOK, "29")
			if n := many.queries(t); n != few[i] {
				t.Errorf("%s made %d queries for 2 rows and %d for 30", p, few[i], n)
			}
		}
	})
}

func TestUserDefinedLists(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		a.get("/lists").want(t, "no lists yet", http.StatusOK, "Administrators can define lists", `href="/contacts"`)
		if _, err := a.engine.DefineList(ctx, records.ListSpec{Name: "supplier", Plural: "suppliers", Label: "Suppliers <Ltd>"}); err != nil {
			t.Fatal(err)
		}
		rec := a.create(ctx, "suppliers", map[string]any{"name": "<b>Acme</b>", "owner_id": a.userID(ctx)})
		a.get("/lists").want(t, "the lists", http.StatusOK, `href="/suppliers"`, "Suppliers &lt;Ltd&gt;")
		a.get("/suppliers").want(t, "a list's records", http.StatusOK, "Suppliers &lt;Ltd&gt;", "&lt;b&gt;Acme&lt;/b&gt;", "Ada Lovelace", `name="add_group"`)
		a.get("/suppliers/"+rec["id"].(string)).want(t, "a list's record", http.StatusOK, "&lt;b&gt;Acme&lt;/b&gt;", `href="/suppliers"`)
		a.get("/suppliers?f0=name&o0=starts_with&v0=zzz").want(t, "no match", http.StatusOK, "No matches")
		a.get("/nothings").want(t, "a list nobody defined", http.StatusNotFound)
	})
}

package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/activity"
	"github.com/rapport-crm/rapport/internal/notify"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/search"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
	"github.com/rapport-crm/rapport/internal/web"
)

// headerApp is the web app with every service the header uses: search
// for the command menu and the caller screen, activity for the bell,
// sales for My day. The bell's streams are bounded by limits.
type headerApp struct {
	*app
	finder   *search.Service
	activity *activity.Service
}

func newHeaderApp(t *testing.T, db *store.DB, limits notify.Limits) *headerApp {
	t.Helper()
	clk := &clock{t: time.Now()}
	quiet := slog.New(slog.DiscardHandler)
	engine := records.New(db, records.Options{Policy: access.NewRolePolicy(db), PhoneRegion: "GB"})
	finder := search.New(db, engine, search.Options{Logger: quiet, PhoneRegion: "GB"})
	act := activity.New(db, engine, activity.Options{Logger: quiet, PhoneRegion: "GB", Streams: limits})
	box := &outbox{}
	accounts := account.NewWithOptions(db, account.Options{Password: account.PasswordParams{Memory: 64, Time: 1, Threads: 1},
		Now: clk.now, Mail: box})
	s, err := web.New(web.Options{Engine: engine, Accounts: accounts, Log: quiet, DB: db, Search: finder, Activity: act,
		Sales: sales.New(db, engine, sales.Options{Logger: quiet})})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(s.Handler())
	t.Cleanup(srv.Close)
	a := &app{t: t, srv: srv, db: db, engine: engine, accounts: accounts, clock: clk, mail: box}
	a.client = a.newClient()
	a.setUp()
	return &headerApp{app: a, finder: finder, activity: act}
}

// colleague adds a user with role and signs the app's client in as them.
func (h *headerApp) colleague(email, role string) context.Context {
	h.t.Helper()
	u, err := h.accounts.CreateUser(context.Background(), 1, email, "Sam <i>Smith</i>", "correct horse battery", role)
	if err != nil {
		h.t.Fatal(err)
	}
	h.client = h.newClient()
	h.post("/signin", url.Values{"email": {email}, "password": {"correct horse battery"}}).want(h.t, "sign in as "+email, http.StatusSeeOther, "/")
	return h.actor(u.ID, role)
}

func (h *headerApp) actor(id, role string) context.Context {
	n, _ := json.Number(id).Int64()
	return access.WithActor(context.Background(), access.Actor{WorkspaceID: 1, UserID: n, Role: role})
}

// notifyUser writes a notification for user as a service would.
func (h *headerApp) notifyUser(user, kind, recordType, recordID string) {
	h.t.Helper()
	id, _ := json.Number(user).Int64()
	err := h.db.Tx(context.Background(), func(q store.Querier) error {
		_, err := notify.Add(context.Background(), q, h.db.Dialect, 1, notify.Notification{UserID: id, Kind: kind,
			Title: "English title of " + kind, RecordType: recordType, RecordID: recordID})
		return err
	})
	if err != nil {
		h.t.Fatal(err)
	}
}

var notificationIDs = regexp.MustCompile(`action="/notifications/(\d+)/read"`)

func TestTheBellListsAndCountsTheUsersOwnNotifications(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHeaderApp(t, db, notify.Limits{})
		ctx := h.admin()
		me := h.userID(ctx)
		sam, err := h.accounts.CreateUser(context.Background(), 1, "sam@example.com", "Sam", "correct horse battery", "administrator")
		if err != nil {
			t.Fatal(err)
		}
		task := h.task(ctx, me, "Call <script>alert(1)</script>", time.Now().Add(time.Hour))
		h.get("/notifications").want(t, "no notifications", http.StatusOK, "No notifications yet", "All read", `aria-current="page"`)
		h.notifyUser(me, "task_overdue", "task", task["id"].(string))
		h.notifyUser(me, "something_new", "", "")
		h.notifyUser(sam.ID, "task_due", "", "")

		page := h.get("/notifications")
		page.want(t, "the notifications", http.StatusOK, "2 unread", "Task overdue", "English title of something_new",
			`<a href="/tasks/`+task["id"].(string)+`">Call &lt;script&gt;alert(1)&lt;/script&gt;</a>`, "just now", "Mark all read")
		for _, absent := range []string{"Task due soon", "<script>alert", `hx-swap-oob`} {
			if strings.Contains(page.body, absent) {
				t.Errorf("the notifications page shows %q", absent)
			}
		}
		panel := h.get("/notifications/panel", "HX-Request", "true")
		panel.want(t, "the bell's panel", http.StatusOK, `<span id="bell-count" class="bell-count" hx-swap-oob="true"><span aria-hidden="true">2</span><span class="sr-only">2 unread</span></span>`,
			`href="/notifications">All notifications`)
		if strings.Contains(panel.body, "<html") {
			t.Error("the panel is a whole page")
		}

		ids := notificationIDs.FindAllStringSubmatch(panel.body, -1)
		if len(ids) != 2 {
			t.Fatalf("the panel offers %d mark-read buttons, want 2", len(ids))
		}
		token := h.csrf()
		h.post("/notifications/"+ids[0][1]+"/read", url.Values{}, "HX-Request", "true").want(t, "mark read without the token", http.StatusForbidden)
		h.post("/notifications/"+ids[0][1]+"/read", url.Values{"csrf_token": {token}}, "HX-Request", "true").
			want(t, "mark one read", http.StatusOK, `<span aria-hidden="true">1</span><span class="sr-only">1 unread</span>`)
		// Sam's notification is not Ada's to read.
		samsPage, err := h.activity.Inbox().List(h.actor(sam.ID, "administrator"), notify.Query{})
		if err != nil || len(samsPage.Data) != 1 {
			t.Fatalf("Sam's inbox: %v %v", samsPage, err)
		}
		h.post("/notifications/"+samsPage.Data[0].ID+"/read", url.Values{"csrf_token": {token}}).want(t, "mark a colleague's read", http.StatusNotFound)
		// A mailed notification's link opens its record, or the list when
		// it is about none; a colleague's is not found.
		h.get("/notifications/"+ids[1][1]+"/open").want(t, "open a notification", http.StatusSeeOther)
		h.get("/notifications/"+samsPage.Data[0].ID+"/open").want(t, "open a colleague's", http.StatusNotFound)
		mine, err := h.activity.Inbox().List(ctx, notify.Query{})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range mine.Data {
			want := "/notifications"
			if n.RecordType == "task" {
				want = "/tasks/" + n.RecordID
			}
			h.get("/notifications/"+n.ID+"/open").want(t, "open "+n.Kind, http.StatusSeeOther, want)
		}
		h.post("/notifications/read-all", url.Values{"csrf_token": {token}}).want(t, "mark all read without htmx", http.StatusSeeOther, "/notifications")
		h.get("/notifications").want(t, "all read", http.StatusOK, "All read")
		if n, _ := h.activity.Inbox().Unread(h.actor(sam.ID, "administrator"), 10); n != 1 {
			t.Errorf("Sam has %d unread after Ada read all hers", n)
		}
		// The names of the records are read in one query per object.
		few := h.get("/notifications")
		for i := range 5 {
			other := h.task(ctx, me, "Task "+string(rune('A'+i)), time.Now().Add(time.Hour))
			h.notifyUser(me, "task_due", "task", other["id"].(string))
		}
		many := h.get("/notifications")
		many.want(t, "more notifications", http.StatusOK, "Task E")
		if f, m := few.queries(t), many.queries(t); m > f {
			t.Errorf("the notifications made %d queries for 2 and %d for 7", f, m)
		}
		h.get("/notifications?cursor=nonsense").want(t, "a hand-made cursor", http.StatusNotFound)
	})
}

// event is one Server-Sent Event.
type event struct{ id, kind, data string }

// events reads the events of a stream as they come.
func events(sc *bufio.Scanner) <-chan event {
	out := make(chan event, 16)
	go func() {
		defer close(out)
		var e event
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if e.kind != "" {
					out <- e
				}
				e = event{}
			case strings.HasPrefix(line, "id: "):
				e.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				e.kind = line[7:]
			case strings.HasPrefix(line, "data: "):
				e.data = line[6:]
			}
		}
	}()
	return out
}

// stream opens the bell's stream with the app's client.
func (h *headerApp) stream(t *testing.T) (*http.Response, <-chan event) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", h.srv.URL+"/notifications/stream", nil)
	res, err := h.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res, events(bufio.NewScanner(res.Body))
}

func next(t *testing.T, c <-chan event) event {
	t.Helper()
	select {
	case e, ok := <-c:
		if !ok {
			t.Fatal("the stream ended")
		}
		return e
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10 seconds")
	}
	return event{}
}

func TestTheBellsStreamSendsTheUsersRemindersAsTheyCome(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHeaderApp(t, db, notify.Limits{})
		ctx := h.admin()
		me := h.userID(ctx)
		sam, err := h.accounts.CreateUser(context.Background(), 1, "sam@example.com", "Sam", "correct horse battery", "administrator")
		if err != nil {
			t.Fatal(err)
		}
		h.notifyUser(me, "something_old", "", "")

		res, stream := h.stream(t)
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" {
			t.Fatalf("the stream answered %d %q", res.StatusCode, res.Header.Get("Content-Type"))
		}
		first := next(t, stream)
		if first.kind != "unread" || !strings.Contains(first.data, `"count":1`) || !strings.Contains(first.data, `"label":"1 unread"`) {
			t.Errorf("the stream begins with %+v, want the badge of 1 unread", first)
		}

		// Sam's reminder comes first and never reaches Ada; hers follows.
		h.task(h.actor(sam.ID, "administrator"), sam.ID, "Sam's task", time.Now().Add(-time.Minute))
		task := h.task(ctx, me, "Call <b>Ada</b>", time.Now().Add(-time.Minute))
		if n, err := h.activity.Remind(context.Background()); err != nil || n != 2 {
			t.Fatalf("Remind made %d notifications (%v), want 2", n, err)
		}
		e := next(t, stream)
		var got struct {
			ID, Label, About, Href string
			Unread                 struct{ Count int }
		}
		if err := json.Unmarshal([]byte(e.data), &got); err != nil {
			t.Fatal(err)
		}
		if e.kind != "notification" || e.id != got.ID || got.Label != "Task overdue" || got.About != "Call <b>Ada</b>" ||
			got.Href != "/tasks/"+task["id"].(string) || got.Unread.Count != 2 {
			t.Errorf("the reminder came as %+v: %+v", e, got)
		}
		if strings.Contains(e.data, "Sam") {
			t.Error("Sam's reminder reached Ada's stream")
		}
	})
}

func TestTheBellsStreamsAreBoundedPerUserAndInAll(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHeaderApp(t, db, notify.Limits{PerUser: 1, Total: 1})
		_, older := h.stream(t)
		if e := next(t, older); e.kind != "unread" {
			t.Fatalf("the first stream begins with %+v", e)
		}
		// Ada's newer stream takes the place of her older one.
		_, newer := h.stream(t)
		if e := next(t, newer); e.kind != "unread" {
			t.Fatalf("the second stream begins with %+v", e)
		}
		if e := next(t, older); e.kind != "superseded" {
			t.Errorf("the older stream got %+v, want it superseded by the newer", e)
		}
		// The server holds as many streams as it may: Sam waits.
		h.colleague("sam@example.com", "salesperson")
		if res, _ := h.stream(t); res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
			t.Errorf("a stream beyond the server's limit answered %d, Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
		}
	})
}

func TestTheCallerScreenShowsWhoIsCallingWithinReach(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHeaderApp(t, db, notify.Limits{})
		ctx := h.admin()
		acme, err := h.engine.Create(ctx, "companies", map[string]any{"name": "Acme <Ltd>"})
		if err != nil {
			t.Fatal(err)
		}
		ada, err := h.engine.Create(ctx, "contacts", map[string]any{"first_name": "Ada <script>", "last_name": "Byron",
			"phones": []any{map[string]any{"value": "+44 20 7946 0958"}}, "companies": []any{map[string]any{"id": acme["id"]}}})
		if err != nil {
			t.Fatal(err)
		}
		h.pipeline(ctx)
		deal, err := h.engine.Create(ctx, "deals", map[string]any{"title": "Engine <i>order</i>", "company_id": acme["id"]})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.engine.Create(ctx, "notes", map[string]any{"body": "Asked about <b>prices</b>",
			"record_type": "contact", "record_id": ada["id"]}); err != nil {
			t.Fatal(err)
		}
		caughtUp(t, h.finder)

		known := h.get("/call?number=" + url.QueryEscape("020 7946 0958"))
		known.want(t, "a known number", http.StatusOK, "Call from &#43;44 20 7946 0958",
			`<a class="caller-name" href="/contacts/`+ada["id"].(string)+`">Ada &lt;script&gt; Byron</a>`,
			`<a class="caller-link" href="/companies/`+acme["id"].(string)+`">Acme &lt;Ltd&gt;</a>`,
			`href="/deals/`+deal["id"].(string)+`">Engine &lt;i&gt;order&lt;/i&gt;</a>`,
			"Last activity", "Note", "Asked about prices")
		if strings.Contains(known.body, "Create contact") || strings.Contains(known.body, "<script>") {
			t.Error("the screen of a known number offers a new contact, or shows a name as HTML")
		}

		unknown := h.get("/call?number=" + url.QueryEscape("+44 161 496 0000"))
		unknown.want(t, "an unknown number", http.StatusOK, "Nobody you know has this number",
			`href="/contacts/new?phone=%2B441614960000">Create contact`)
		h.get("/contacts/new?phone=%2B441614960000").want(t, "the new contact's form", http.StatusOK, `value="&#43;441614960000"`)
		h.get("/call?number=not+a+number").want(t, "not a number", http.StatusOK, "This is not a phone number.")
		h.get("/call?number="+strings.Repeat("1", 80)).want(t, "a number too long", http.StatusBadRequest, `aria-invalid="true"`)
		h.get("/call").want(t, "no number", http.StatusOK, `name="number"`, "Type a phone number")

		// To a salesperson, Ada's contact is a colleague's: the number is
		// unknown to them, and nothing of hers shows.
		h.colleague("sam@example.com", "salesperson")
		theirs := h.get("/call?number=" + url.QueryEscape("020 7946 0958"))
		theirs.want(t, "a colleague's contact's number", http.StatusOK, "Nobody you know has this number")
		for _, leak := range []string{"Byron", "Acme", "Engine", "prices"} {
			if strings.Contains(theirs.body, leak) {
				t.Errorf("a salesperson's caller screen shows %q", leak)
			}
		}
	})
}

func TestTheManifestAndIconsAreServed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHeaderApp(t, db, notify.Limits{})
		res, err := h.client.Get(h.srv.URL + "/manifest.webmanifest")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var raw struct {
			Name       string
			StartURL   string `json:"start_url"`
			Display    string
			ThemeColor string `json:"theme_color"`
			Icons      []struct{ Src, Sizes, Type string }
		}
		if err := json.NewDecoder(res.Body).Decode(&raw); err != nil {
			t.Fatal(err)
		}
		if res.Header.Get("Content-Type") != "application/manifest+json" || raw.StartURL != "/" || raw.Display != "standalone" ||
			raw.Name != "Rapport" || raw.ThemeColor == "" {
			t.Errorf("the manifest: %q %+v", res.Header.Get("Content-Type"), raw)
		}
		sizes := map[string]bool{}
		for _, icon := range raw.Icons {
			sizes[icon.Sizes] = true
			r, err := h.client.Get(h.srv.URL + icon.Src)
			if err == nil {
				r.Body.Close()
			}
			if err == nil && (r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") != icon.Type ||
				!strings.Contains(r.Header.Get("Cache-Control"), "max-age")) {
				err = &url.Error{Op: r.Status, URL: icon.Src, Err: http.ErrNotSupported}
			}
			if err != nil {
				t.Errorf("icon %s: %v", icon.Src, err)
			}
		}
		if !sizes["192x192"] || !sizes["512x512"] || !sizes["any"] {
			t.Errorf("the manifest's icons are %v", raw.Icons)
		}
		h.get("/").want(t, "the head of a page", http.StatusOK, `<link rel="manifest" href="/manifest.webmanifest">`,
			`<meta name="theme-color"`, `<link rel="apple-touch-icon" href="/icons/apple-touch-icon.png">`, `<link rel="icon" href="/icons/icon.svg"`)
		h.get("/icons/nothing.png").want(t, "an icon that is not there", http.StatusNotFound)
	})
}

func TestTheCommandMenuFindsCommandsAndRecords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHeaderApp(t, db, notify.Limits{})
		ctx := h.admin()
		if _, err := h.engine.Create(ctx, "contacts", map[string]any{"first_name": "Contessa <b>", "last_name": "Lovelace"}); err != nil {
			t.Fatal(err)
		}
		caughtUp(t, h.finder)
		menu := h.get("/commands?q=cont&back=/deals", "HX-Request", "true")
		menu.want(t, "the menu's results", http.StatusOK, `role="option"`, "Go to Contacts", "New contact", "Contessa &lt;b&gt; Lovelace")
		if strings.Contains(menu.body, "Go to Deals") || strings.Contains(menu.body, "<html") {
			t.Error("the menu shows commands that do not match, or a whole page")
		}
		all := h.get("/commands?back=/deals", "HX-Request", "true")
		all.want(t, "every command", http.StatusOK, `data-post="/signout"`, `data-post="/language" data-name="lang" data-value="ru" data-back="/deals"`,
			"Switch language to Русский", `href="/board"`, `href="/tasks/new"`)
		h.get("/commands?q=sign").want(t, "the menu as a page", http.StatusOK, `<form method="post" action="/signout" class="command-form">`,
			`name="csrf_token"`)
		h.get("/commands?q=%3Cscript%3E").want(t, "a typed script", http.StatusOK, "Nothing found for “&lt;script&gt;”")
		h.get("/commands?back=//evil.example", "HX-Request", "true").want(t, "a foreign back", http.StatusOK, `data-back="/"`)
		h.get("/shortcuts").want(t, "the shortcuts", http.StatusOK, "Keyboard shortcuts", "<kbd>Ctrl</kbd>", "Open the command menu")
		h.get("/").want(t, "the header's tools", http.StatusOK, `id="bell" class="tool bell" href="/notifications"`,
			`<a href="/deals/new" aria-keyshortcuts="n d">`, `id="command-menu"`, `id="shortcuts-dialog"`, `role="status"`)
	})
}

func TestMyDayListsTheUsersDealsWithoutANextStepAndIdleOnes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHeaderApp(t, db, notify.Limits{})
		ctx := h.admin()
		me := h.userID(ctx)
		pipeline, err := h.engine.Create(ctx, "pipelines", map[string]any{"name": "Sales"})
		if err != nil {
			t.Fatal(err)
		}
		stage, err := h.engine.Create(ctx, "stages", map[string]any{"pipeline_id": pipeline["id"], "name": "Proposal <x>", "rotting_days": json.Number("3")})
		if err != nil {
			t.Fatal(err)
		}
		deal := func(title string) string {
			d, err := h.engine.Create(ctx, "deals", map[string]any{"title": title, "pipeline_id": pipeline["id"], "stage_id": stage["id"],
				"value": map[string]any{"amount": json.Number("120000"), "currency": "GBP"}})
			if err != nil {
				t.Fatal(err)
			}
			return d["id"].(string)
		}
		planned := deal("Planned deal")
		h.task(ctx, me, "Next step", time.Now().Add(72*time.Hour), "deal", planned)
		idle := deal("Idle <b>deal</b>")
		if err := db.Tx(ctx, func(q store.Querier) error {
			_, err := q.ExecContext(ctx, `UPDATE deals SET stage_entered_at = ? WHERE id = ?`, db.Dialect.Time(time.Now().Add(-10*24*time.Hour)), idle)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		few := h.get("/")
		few.want(t, "My day with deals", http.StatusOK, "Deals without a next step", "Idle deals", "Proposal &lt;x&gt;", "£1,200.00",
			`<a href="/deals/`+idle+`">Idle &lt;b&gt;deal&lt;/b&gt;</a>`, "In stage since")
		if strings.Contains(few.body, "Planned deal") && !strings.Contains(few.body, "Idle deals") {
			t.Error("My day lists a deal with an open task as without a next step")
		}
		for range 7 {
			deal("Another deal")
		}
		many := h.get("/")
		many.want(t, "My day with more deals than it shows", http.StatusOK, `href="/myday/deals?list=without-task&amp;cursor=`)
		if f, m := few.queries(t), many.queries(t); m > f {
			t.Errorf("My day made %d queries with 2 deals and %d with 9", f, m)
		}
		more := regexp.MustCompile(`href="(/myday/deals\?list=without-task&amp;cursor=[^"]+)"`).FindStringSubmatch(many.body)
		if more == nil {
			t.Fatal("no link to the rest")
		}
		h.get(strings.ReplaceAll(more[1], "&amp;", "&")).want(t, "the rest of the deals", http.StatusOK, "Another deal")
		h.get("/myday/deals?list=without-task").want(t, "the whole list", http.StatusOK, "Idle &lt;b&gt;deal&lt;/b&gt;", "Another deal")
		h.get("/myday/deals?list=nonsense").want(t, "a list that is not there", http.StatusNotFound)

		// A salesperson's My day shows none of Ada's deals.
		h.colleague("sam@example.com", "salesperson")
		theirs := h.get("/")
		theirs.want(t, "a salesperson's My day", http.StatusOK, "Nothing due today")
		for _, leak := range []string{"Idle", "Another deal", "Planned deal", "Proposal", "without a next step"} {
			if strings.Contains(theirs.body, leak) {
				t.Errorf("a salesperson's My day shows %q of a colleague's deals", leak)
			}
		}
	})
}

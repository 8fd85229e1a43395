package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/activity"
	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/duplicate"
	"github.com/rapport-crm/rapport/internal/importer"
	"github.com/rapport-crm/rapport/internal/inbox"
	"github.com/rapport-crm/rapport/internal/letter"
	"github.com/rapport-crm/rapport/internal/mail"
	"github.com/rapport-crm/rapport/internal/mailbox"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
	"github.com/rapport-crm/rapport/internal/web"
)

// app is the web app over a fresh database, reached through a browser-like
// client that keeps cookies and does not follow redirects.
type app struct {
	t        *testing.T
	srv      *httptest.Server
	client   *http.Client
	db       *store.DB
	engine   *records.Engine
	accounts *account.Service
	clock    *clock
	mail     *outbox
	files    string // where the importer keeps its files
}

// outbox keeps the mail the account service sends.
type outbox struct {
	mu   sync.Mutex
	sent []mail.Message
}

func (o *outbox) Send(_ context.Context, m mail.Message) error {
	o.mu.Lock()
	o.sent = append(o.sent, m)
	o.mu.Unlock()
	return nil
}

func (o *outbox) last() mail.Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.sent) == 0 {
		return mail.Message{}
	}
	return o.sent[len(o.sent)-1]
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) pass(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newApp(t *testing.T, db *store.DB) *app { return newAppGuarded(t, db, nil) }

// newAppGuarded is newApp with the counters of failed sign-ins given.
func newAppGuarded(t *testing.T, db *store.DB, guard *api.SignInLimits) *app {
	t.Helper()
	clk := &clock{t: time.Now()}
	engine := records.New(db, records.Options{Policy: access.NewRolePolicy(db), PhoneRegion: "GB"})
	box := &outbox{}
	accounts := account.NewWithOptions(db, account.Options{Password: account.PasswordParams{Memory: 64, Time: 1, Threads: 1},
		Now: clk.now, Mail: box})
	quiet := slog.New(slog.DiscardHandler)
	sealer, _ := mailbox.NewSealer("the web tests' secret key")
	// The uploads wait in the test's own directory, removed after it.
	imports, files := importer.New(db, engine, quiet), t.TempDir()
	if err := imports.KeepFiles(files); err != nil {
		t.Fatal(err)
	}
	mailboxes := mailbox.New(db, engine, mailbox.Options{Logger: quiet, Sealer: sealer,
		Administers: func(ctx context.Context, a access.Actor) bool {
			ok, err := access.NewRolePolicy(db).Administers(ctx, a)
			return err == nil && ok
		}})
	s, err := web.New(web.Options{Engine: engine, Accounts: accounts, Log: quiet, SignIn: guard, DB: db,
		Mailboxes:  mailboxes,
		Sales:      sales.New(db, engine, sales.Options{Logger: quiet}),
		Activity:   activity.New(db, engine, activity.Options{Logger: quiet, PhoneRegion: "GB"}),
		Duplicates: duplicate.New(db, engine, duplicate.Options{Logger: quiet, PhoneRegion: "GB"}),
		Imports:    imports,
		// No system mail server: letters go only through a mailbox
		// that sends, and stay queued, since no job queue runs here.
		Letters: letter.New(db, engine, letter.Options{Personal: mailboxes, Originals: mailboxes}),
		Inbox:   inbox.New(db, engine, inbox.Options{Logger: quiet, PhoneRegion: "GB"})})
	if err != nil {
		t.Fatal(err)
	}
	// TLS, because the session cookie is Secure and a client keeps such
	// cookies for https only.
	srv := httptest.NewTLSServer(s.Handler())
	t.Cleanup(srv.Close)
	a := &app{t: t, srv: srv, db: db, engine: engine, accounts: accounts, clock: clk, mail: box, files: files}
	a.client = a.newClient()
	return a
}

func (a *app) newClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	c := a.srv.Client()
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c
}

// answer is a response with its body read.
type answer struct {
	status   int
	location string
	body     string
	timing   string // the Server-Timing header
}

var queriesTiming = regexp.MustCompile(`db;desc="(\d+) queries"`)

// queries is how many database queries the server made for the answer,
// as its Server-Timing header says.
func (ans answer) queries(t *testing.T) int {
	t.Helper()
	m := queriesTiming.FindStringSubmatch(ans.timing)
	if m == nil {
		t.Fatalf("no query count in Server-Timing %q", ans.timing)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func (a *app) do(method, path string, form url.Values, header ...string) answer {
	a.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, a.srv.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := a.client.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return answer{status: res.StatusCode, location: res.Header.Get("Location"), body: string(b), timing: res.Header.Get("Server-Timing")}
}

func (a *app) get(path string, header ...string) answer { return a.do("GET", path, nil, header...) }
func (a *app) post(path string, form url.Values, header ...string) answer {
	return a.do("POST", path, form, header...)
}

var csrfMeta = regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`)

// csrf reads the session's CSRF token from a page.
func (a *app) csrf() string {
	a.t.Helper()
	m := csrfMeta.FindStringSubmatch(a.get("/contacts").body)
	if m == nil {
		a.t.Fatal("no CSRF token on the contacts page")
	}
	return m[1]
}

func (ans answer) want(t *testing.T, what string, status int, contains ...string) {
	t.Helper()
	if ans.status != status {
		t.Errorf("%s: status %d, want %d; body %.300s", what, ans.status, status, ans.body)
	}
	for _, c := range contains {
		if !strings.Contains(ans.body, c) && ans.location != c {
			t.Errorf("%s: no %q in the answer (location %q)", what, c, ans.location)
		}
	}
}

var setUpForm = url.Values{"workspace": {"Lovelace & Co"}, "base_currency": {"GBP"}, "phone_region": {"GB"},
	"language": {"en"}, "name": {"Ada Lovelace"}, "email": {"ada@example.com"}, "password": {"analytical-engine"}}

func (a *app) setUp() {
	a.t.Helper()
	a.post("/setup", setUpForm).want(a.t, "set-up", http.StatusSeeOther, "/")
}

// admin is the acting administrator, for filling the database past the
// web app.
func (a *app) admin() context.Context {
	a.t.Helper()
	u, err := a.accounts.UserByEmail(context.Background(), 1, "ada@example.com")
	if err != nil {
		a.t.Fatal(err)
	}
	id, _ := strconv.ParseInt(u.ID, 10, 64)
	return access.WithActor(context.Background(), access.Actor{WorkspaceID: 1, UserID: id, Role: account.Administrator})
}

func TestFirstRunSetsUpAndSignsIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.get("/").want(t, "home before set-up", http.StatusOK, "Set up Rapport", `name="workspace"`)
		a.get("/contacts").want(t, "a page before sign-in", http.StatusSeeOther, "/signin?next=%2Fcontacts")

		bad := url.Values{"workspace": {""}, "base_currency": {"EURO"}, "phone_region": {"GB"}, "language": {"en"},
			"name": {"Ada <script>"}, "email": {"not-an-address"}, "password": {"short"}}
		ans := a.post("/setup", bad)
		ans.want(t, "bad set-up", http.StatusBadRequest, "Enter an e-mail address", "This is too short", "not-an-address", "Ada &lt;script&gt;",
			`<p class="error" id="email-error">`, `aria-describedby="email-error" type="email" value="not-an-address" required autocomplete="email" aria-invalid="true"`)
		if strings.Contains(ans.body, "Ada <script>") {
			t.Error("the set-up form echoes a name unescaped")
		}

		a.setUp()
		a.get("/contacts").want(t, "contacts after set-up", http.StatusOK, "No contacts yet", "Ada Lovelace")
		a.get("/").want(t, "home when signed in", http.StatusOK, "My day", "Nothing due today")

		other := a.newClient()
		a.client, other = other, a.client
		a.post("/setup", setUpForm).want(t, "a second set-up", http.StatusSeeOther, "/signin")
		a.get("/").want(t, "home for a stranger after set-up", http.StatusSeeOther, "/signin")
		a.client = other
	})
}

func TestSignInAndOut(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		token := a.csrf()
		a.post("/signout", url.Values{}).want(t, "sign-out without the CSRF token", http.StatusForbidden, "Not allowed")
		a.post("/signout", url.Values{"csrf_token": {"forged"}}).want(t, "sign-out with a wrong token", http.StatusForbidden)
		a.post("/signout", url.Values{"csrf_token": {token}}).want(t, "sign-out, the token in the form", http.StatusSeeOther, "/signin")
		a.get("/contacts/1").want(t, "a page after sign-out", http.StatusSeeOther, "/signin?next=%2Fcontacts%2F1")

		a.get("/signin?next=/contacts").want(t, "sign-in page", http.StatusOK, `name="password"`, `value="/contacts"`)
		a.post("/signin", url.Values{"email": {"ada@example.com"}, "password": {"analytical-engine"}}, "Sec-Fetch-Site", "cross-site").
			want(t, "a sign-in posted from another site", http.StatusForbidden)
		a.post("/signin", url.Values{"email": {"ada@example.com"}, "password": {"wrong password"}, "next": {"/contacts"}}).
			want(t, "a wrong password", http.StatusUnauthorized, "The e-mail address or the password is wrong.", `value="ada@example.com"`)
		a.post("/signin", url.Values{"email": {"ada@example.com"}, "password": {"analytical-engine"}, "next": {"//evil.example/"}}).
			want(t, "sign-in with a foreign next", http.StatusSeeOther, "/")
		a.get("/contacts").want(t, "contacts after sign-in", http.StatusOK, "Ada Lovelace")

		// htmx gets a header to follow instead of a redirect it would swap in.
		a.client = a.newClient()
		ans := a.do("GET", "/contacts?cursor=x", nil, "HX-Request", "true")
		if ans.status != http.StatusUnauthorized {
			t.Errorf("an htmx request without a session: %d, want 401", ans.status)
		}
	})
}

func TestTwoFactorSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		enrol, err := a.accounts.BeginTOTP(ctx)
		if err != nil {
			t.Fatal(err)
		}
		code, _ := account.TOTPCode(enrol.Secret, a.clock.now())
		if err := a.accounts.ConfirmTOTP(ctx, code); err != nil {
			t.Fatal(err)
		}
		a.client = a.newClient()
		ans := a.post("/signin", url.Values{"email": {"ada@example.com"}, "password": {"analytical-engine"}, "next": {"/contacts/7"}})
		ans.want(t, "a good password", http.StatusOK, "Two-factor code", `name="code"`)
		if strings.Contains(ans.body, "analytical-engine") {
			t.Error("the code step carries the password back to the browser")
		}
		pending := regexp.MustCompile(`name="token" value="([^"]+)"`).FindStringSubmatch(ans.body)
		if pending == nil {
			t.Fatal("no token on the code step")
		}
		a.post("/signin/code", url.Values{"token": {pending[1]}, "code": {"000000"}, "next": {"/contacts/7"}}).
			want(t, "a wrong code", http.StatusUnauthorized, "That code is not right")
		a.clock.pass(time.Minute) // the code of enrolment may not be used again
		code, _ = account.TOTPCode(enrol.Secret, a.clock.now())
		a.post("/signin/code", url.Values{"token": {pending[1]}, "code": {code[:3] + " " + code[3:]}, "next": {"/contacts/7"}}).
			want(t, "the right code", http.StatusSeeOther, "/contacts/7")
		a.get("/contacts").want(t, "contacts after two-factor sign-in", http.StatusOK, "Ada Lovelace")
	})
}

func TestContactsList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		acme, err := a.engine.Create(ctx, "companies", map[string]any{"name": "Acme <Ltd>"})
		if err != nil {
			t.Fatal(err)
		}
		evil, err := a.engine.Create(ctx, "contacts", map[string]any{"first_name": "<script>alert(1)</script>", "last_name": "Zed",
			"emails": []any{map[string]any{"value": "zed@example.com"}}, "phones": []any{"020 7946 0958"},
			"companies": []any{map[string]any{"id": acme["id"]}}, "owner_id": a.userID(ctx), "source": "referral"})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 60 {
			if _, err := a.engine.Create(ctx, "contacts", map[string]any{"first_name": fmt.Sprintf("Person %02d", i)}); err != nil {
				t.Fatal(err)
			}
		}
		page := a.get("/contacts")
		page.want(t, "contacts by name", http.StatusOK, `aria-sort="ascending"`,
			"&lt;script&gt;alert(1)&lt;/script&gt; Zed", "zed@example.com", "&#43;44 20 7946 0958", "Acme &lt;Ltd&gt;", "Ada Lovelace",
			`href="/contacts?sort=-full_name"`, `href="/contacts?sort=updated_at"`, `hx-trigger="revealed"`)
		if strings.Contains(page.body, "<script>alert") {
			t.Error("the list shows a name as HTML")
		}
		if strings.Index(page.body, "alert(1)") > strings.Index(page.body, "Person 00") {
			t.Error("sorted by name, the name starting with < comes after Person 00")
		}
		down := a.get("/contacts?sort=-full_name")
		down.want(t, "contacts by name, descending", http.StatusOK, `aria-sort="descending"`, "Person 59", `href="/contacts?sort=full_name"`)
		if strings.Index(down.body, "Person 59") > strings.Index(down.body, "Person 58") {
			t.Error("sorted by name descending, Person 59 comes after Person 58")
		}
		more := regexp.MustCompile(`class="more" hx-get="(/contacts\?[^"]+)"`).FindStringSubmatch(page.body)
		if more == nil {
			t.Fatal("no next page")
		}
		next := a.get(strings.ReplaceAll(more[1], "&amp;", "&"), "HX-Request", "true")
		next.want(t, "the next page as a fragment", http.StatusOK, "Person 59")
		if strings.Contains(next.body, "<html") || strings.Contains(next.body, "Person 00") {
			t.Error("the next page repeats the layout or the first page")
		}
		a.get("/contacts?sort=emails").want(t, "a sort the engine does not offer", http.StatusOK, `aria-sort="ascending"`)
		a.get("/contacts?sort=-updated_at").want(t, "newest first", http.StatusOK, `aria-sort="descending"`)

		a.get("/contacts/"+evil["id"].(string)).want(t, "the contact page", http.StatusOK,
			"&lt;script&gt;alert(1)&lt;/script&gt; Zed", "Acme &lt;Ltd&gt;", "How to reach", "&#43;44 20 7946 0958", "<span class=\"value\">Referral</span>")
		a.get("/companies").want(t, "the companies", http.StatusOK, "Acme &lt;Ltd&gt;", `aria-sort="ascending"`)
		a.get("/companies/"+acme["id"].(string)).want(t, "a company's page", http.StatusOK,
			"Acme &lt;Ltd&gt;", "&lt;script&gt;alert(1)&lt;/script&gt; Zed", `href="/companies"`)
		a.get("/widgets").want(t, "a list the web app does not have", http.StatusNotFound, "Not found")
		a.get("/contacts/99999").want(t, "a missing contact", http.StatusNotFound, "Not found")
		a.get("/contacts/nonsense").want(t, "a malformed id", http.StatusNotFound, "Not found")
		if err := a.engine.Delete(ctx, "contacts", evil["id"].(string), 1); err != nil {
			t.Fatal(err)
		}
		a.get("/contacts/"+evil["id"].(string)).want(t, "a deleted contact", http.StatusNotFound, "Not found")
		a.get("/no/such/page").want(t, "an unknown path", http.StatusNotFound, "Not found")
	})
}

func (a *app) userID(ctx context.Context) string {
	actor, _ := access.ActorFrom(ctx)
	return strconv.FormatInt(actor.UserID, 10)
}

func TestLanguage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		a.client = a.newClient()
		a.get("/signin", "Accept-Language", "pl-PL,pl;q=0.9").want(t, "sign-in in the browser's language", http.StatusOK, "Logowanie", `lang="pl"`)
		a.post("/language", url.Values{"lang": {"ru"}, "back": {"/signin"}}).want(t, "picking Russian", http.StatusSeeOther, "/signin")
		a.get("/signin", "Accept-Language", "pl").want(t, "sign-in after picking Russian", http.StatusOK, "Вход")

		a.post("/signin", url.Values{"email": {"ada@example.com"}, "password": {"analytical-engine"}}).want(t, "sign-in", http.StatusSeeOther)
		a.get("/contacts").want(t, "contacts in the account's language", http.StatusOK, "Ada Lovelace", "Contacts")
		token := a.csrf()
		a.post("/language", url.Values{"lang": {"ru"}, "back": {"/contacts"}}).want(t, "picking without the CSRF token", http.StatusForbidden)
		a.post("/language", url.Values{"lang": {"ru"}, "back": {"/contacts"}}, "X-CSRF-Token", token, "HX-Request", "true").
			want(t, "picking Russian when signed in, the token in htmx's header", http.StatusSeeOther, "/contacts")
		a.get("/contacts").want(t, "contacts in Russian", http.StatusOK, "Контакты", "Выйти")
		if u, _ := a.accounts.UserByEmail(context.Background(), 1, "ada@example.com"); u.Language != "ru" {
			t.Errorf("the account's language is %q, want ru", u.Language)
		}
	})
}

func TestSecurityHeadersAndAssets(t *testing.T) {
	a := newApp(t, storetest.SQLite(t))
	res, err := a.client.Get(a.srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	csp := res.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
	for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Cache-Control": "no-store"} {
		if got := res.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	if regexp.MustCompile(`<script>|<script [^>]*>[^<]`).Match(body) || strings.Contains(string(body), "style=") {
		t.Error("a page has an inline script or style, which the policy refuses")
	}
	js := regexp.MustCompile(`<script src="(/static/app-[^"]+\.js)"`).FindSubmatch(body)
	if js == nil {
		t.Skip("assets not built: run npm ci && go run ./tools/assets")
	}
	res, err = a.client.Get(a.srv.URL + string(js[1]))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" ||
		!strings.HasPrefix(res.Header.Get("Content-Type"), "text/javascript") {
		t.Errorf("the script: %d, %q, %q", res.StatusCode, res.Header.Get("Cache-Control"), res.Header.Get("Content-Type"))
	}
	req, _ := http.NewRequest("GET", a.srv.URL+string(js[1]), nil)
	req.Header.Set("Accept-Encoding", "gzip")
	res, err = a.srv.Client().Transport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("the script is not gzipped for a browser that takes gzip")
	}
	a.get("/static/app.js").want(t, "an unhashed asset name", http.StatusNotFound)
}

func TestASalespersonSeesOnlyTheirOwnContacts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		ctx := a.admin()
		theirs, err := a.engine.Create(ctx, "contacts", map[string]any{"first_name": "Colleague's", "last_name": "Client",
			"owner_id": a.userID(ctx)})
		if err != nil {
			t.Fatal(err)
		}
		sam, err := a.accounts.CreateUser(context.Background(), 1, "sam@example.com", "Sam", "a long secret", "salesperson")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.engine.Create(ctx, "contacts", map[string]any{"first_name": "Sam's", "last_name": "Client", "owner_id": sam.ID}); err != nil {
			t.Fatal(err)
		}
		a.client = a.newClient()
		a.post("/signin", url.Values{"email": {"sam@example.com"}, "password": {"a long secret"}}).want(t, "Sam signs in", http.StatusSeeOther)
		list := a.get("/contacts")
		list.want(t, "Sam's contacts", http.StatusOK, "Sam&#39;s Client")
		if strings.Contains(list.body, "Colleague") {
			t.Error("a salesperson's list shows a colleague's contact")
		}
		page := a.get("/contacts/" + theirs["id"].(string))
		page.want(t, "a colleague's contact", http.StatusNotFound, "Not found")
		if strings.Contains(page.body, "Colleague") {
			t.Error("the not-found page names the colleague's contact")
		}
	})
}

// TestFailedSignInsCountWithTheAPIs checks that guesses through the API
// and through the web app count together towards the lock-out.
func TestFailedSignInsCountWithTheAPIs(t *testing.T) {
	db := storetest.SQLite(t)
	guard := api.NewSignInLimits(api.Limits{EmailFailures: 3})
	a := newAppGuarded(t, db, guard)
	a.setUp()
	rest := httptest.NewServer((&api.Server{Engine: a.engine, Accounts: a.accounts, DB: db, SignIn: guard,
		Log: slog.New(slog.DiscardHandler)}).Handler())
	t.Cleanup(rest.Close)
	for range 2 {
		res, err := http.Post(rest.URL+"/api/v1/sessions", "application/json",
			strings.NewReader(`{"email":"ada@example.com","password":"a wrong guess"}`))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("a wrong password through the API: %d", res.StatusCode)
		}
	}
	a.client = a.newClient()
	a.post("/signin", url.Values{"email": {"ada@example.com"}, "password": {"another guess"}}).
		want(t, "the third wrong password, through the web app", http.StatusUnauthorized, "The e-mail address or the password is wrong.")
	a.post("/signin", url.Values{"email": {"ada@example.com"}, "password": {"analytical-engine"}}).
		want(t, "the right password while locked out", http.StatusTooManyRequests, "Too many failed attempts")
}

func TestPasswordReset(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		a.client = a.newClient()
		a.get("/signin").want(t, "sign-in links to a reset", http.StatusOK, `href="/forgot"`)
		a.post("/forgot", url.Values{"email": {"nobody@example.com"}}).want(t, "a reset for an unknown address", http.StatusOK, "a link to reset its password is on its way")
		if a.mail.last().To != "" {
			t.Fatal("a reset link went to an address without an account")
		}
		a.post("/forgot", url.Values{"email": {"ada@example.com"}}).want(t, "a reset for Ada", http.StatusOK, "a link to reset its password is on its way")
		link := regexp.MustCompile(`/password-reset#token=(\S+)`).FindStringSubmatch(a.mail.last().Text)
		if link == nil {
			t.Fatalf("no reset link in %q", a.mail.last().Text)
		}
		token, _ := url.QueryUnescape(link[1])
		a.get("/password-reset").want(t, "the reset page", http.StatusOK, "data-reset-token", `name="password"`)
		a.post("/password-reset", url.Values{"token": {token}, "password": {"short"}}).
			want(t, "a short new password", http.StatusBadRequest, "This is too short")
		a.post("/password-reset", url.Values{"token": {token}, "password": {"difference-engine"}}).
			want(t, "the new password", http.StatusOK, "Your password is changed", `value="ada@example.com"`)
		a.post("/password-reset", url.Values{"token": {token}, "password": {"difference-engine-2"}}).
			want(t, "the same link again", http.StatusBadRequest, "This link has expired or has already been used.", `href="/forgot"`)
		a.post("/signin", url.Values{"email": {"ada@example.com"}, "password": {"analytical-engine"}}).
			want(t, "the old password", http.StatusUnauthorized)
		a.post("/signin", url.Values{"email": {"ada@example.com"}, "password": {"difference-engine"}}).
			want(t, "the new password", http.StatusSeeOther, "/")
	})
}

// pipeline returns the ids of the pipeline that set-up made (Sales: Lead
// in, Qualified, Proposal, Negotiation) and of its stages in order.
func (a *app) pipeline(ctx context.Context) (string, []string) {
	a.t.Helper()
	ps, err := a.engine.List(ctx, "pipelines", records.Query{Sort: []string{"position"}, Limit: 1})
	if err != nil || len(ps.Data) == 0 {
		a.t.Fatalf("set-up made no pipeline: %v", err)
	}
	id := ps.Data[0]["id"].(string)
	st, err := a.engine.List(ctx, "stages", records.Query{Filter: &records.Filter{Field: "pipeline_id", Op: records.Eq, Value: id},
		Sort: []string{"position"}})
	if err != nil {
		a.t.Fatal(err)
	}
	var stages []string
	for _, rec := range st.Data {
		stages = append(stages, rec["id"].(string))
	}
	return id, stages
}

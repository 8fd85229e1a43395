package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/mail"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// cheapPasswords keeps the many sign-ins of these scenarios quick; the
// default cost is what production uses.
var cheapPasswords = account.PasswordParams{Memory: 64, Time: 1, Threads: 1}

// testClock is the accounts' clock, which scenarios move forward to expire
// links and move past used TOTP codes.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) pass(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// mailbox keeps the mail the server sends.
type mailbox struct {
	mu   sync.Mutex
	sent []mail.Message
}

func (m *mailbox) Send(_ context.Context, msg mail.Message) error {
	m.mu.Lock()
	m.sent = append(m.sent, msg)
	m.mu.Unlock()
	return nil
}

func (m *mailbox) count() int { m.mu.Lock(); defer m.mu.Unlock(); return len(m.sent) }

// last returns the reset token of the last mail.
func (m *mailbox) lastResetToken(t *testing.T) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.sent) == 0 {
		t.Fatal("no mail sent")
	}
	text := m.sent[len(m.sent)-1].Text
	i := strings.Index(text, account.ResetPath+account.ResetFragment)
	if i < 0 {
		t.Fatalf("no reset link in %q", text)
	}
	token, err := url.QueryUnescape(strings.Fields(text[i+len(account.ResetPath+account.ResetFragment):])[0])
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// authEnv is a running API whose accounts run on a test clock and cheap
// password hashes, with an administrator (admin@example.com) and a
// salesperson (sam@example.com) and a read-write token of each in vars
// "admin_token" and "sam_token".
type authEnv struct {
	t        *testing.T
	srv      *httptest.Server
	db       *store.DB
	accounts *account.Service
	clock    *testClock
	mail     *mailbox
	logs     *logBuffer // everything the server logged
	vars     map[string]string
}

const (
	adminPassword = "correct horse battery"
	samPassword   = "sales sales sales"
)

func newAuthEnv(t *testing.T, db *store.DB, limits api.Limits) *authEnv {
	t.Helper()
	e := &authEnv{t: t, db: db, clock: &testClock{t: time.Now().UTC()}, mail: &mailbox{}, logs: &logBuffer{}, vars: map[string]string{}}
	// Users and records are governed by the role policy, as in production.
	policy := access.NewRolePolicy(db)
	e.accounts = account.NewWithOptions(db, account.Options{Password: cheapPasswords, Now: e.clock.Now, Mail: e.mail,
		BaseURL: "https://crm.example.com", Policy: policy})
	ctx := context.Background()
	for _, u := range []struct{ email, name, password, role, key string }{
		{"admin@example.com", "Admin", adminPassword, "administrator", "admin"},
		{"sam@example.com", "Sam", samPassword, "salesperson", "sam"},
	} {
		created, err := e.accounts.CreateUser(ctx, 1, u.email, u.name, u.password, u.role)
		if err != nil {
			t.Fatal(err)
		}
		token, err := e.accounts.CreateToken(ctx, 1, u.email, "test", account.ScopeReadWrite, nil)
		if err != nil {
			t.Fatal(err)
		}
		e.vars[u.key+"_id"], e.vars[u.key+"_token"] = created.ID, token
	}
	s := &api.Server{Engine: records.New(db, records.Options{PhoneRegion: "US", Policy: policy}), Accounts: e.accounts, DB: db, Version: "test",
		Log: slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})), Limits: limits, ClientIPHeader: "X-Forwarded-For"}
	e.srv = httptest.NewServer(s.Handler())
	t.Cleanup(e.srv.Close)
	return e
}

// call is one request of a scenario and what its answer must show.
type call struct {
	name   string
	method string
	path   string
	body   string
	token  string // a bearer token, after expansion; "" sends none
	cookie string // a session cookie, after expansion; "" sends none
	csrf   string // an X-CSRF-Token, after expansion; "" sends none
	from   string // the client's address; "" means 203.0.113.1
	header map[string]string

	status     int
	contains   []string
	absent     []string
	wantHeader map[string]string // header -> a part it must hold ("" for any value)
	noHeader   []string          // headers it must not have
	save       map[string]string // variable -> dotted JSON path of the answer
	saveCookie string            // variable that receives the session cookie set
	before     func(e *authEnv)  // runs before the request, e.g. to move the clock
}

func (e *authEnv) expand(s string) string {
	for k, v := range e.vars {
		s = strings.ReplaceAll(s, "{"+k+"}", v)
	}
	return s
}

func (e *authEnv) run(calls []call) {
	e.t.Helper()
	for _, c := range calls {
		if c.before != nil {
			c.before(e)
		}
		resp, text := e.do(c)
		if resp.StatusCode != c.status {
			e.t.Fatalf("%s: status %d, want %d\n%s", c.name, resp.StatusCode, c.status, text)
		}
		if resp.StatusCode >= 400 && resp.Header.Get("Content-Type") != "application/problem+json" {
			e.t.Errorf("%s: error content type %q", c.name, resp.Header.Get("Content-Type"))
		}
		for _, s := range c.contains {
			if !strings.Contains(text, e.expand(s)) {
				e.t.Errorf("%s: answer lacks %q\n%s", c.name, e.expand(s), text)
			}
		}
		for _, s := range c.absent {
			if strings.Contains(text, e.expand(s)) {
				e.t.Errorf("%s: answer holds %q\n%s", c.name, e.expand(s), text)
			}
		}
		for h, part := range c.wantHeader {
			if got := strings.Join(resp.Header.Values(h), "\n"); got == "" || !strings.Contains(got, part) {
				e.t.Errorf("%s: header %s is %q, want it to hold %q", c.name, h, got, part)
			}
		}
		for _, h := range c.noHeader {
			if v := resp.Header.Get(h); v != "" {
				e.t.Errorf("%s: header %s is %q, want none", c.name, h, v)
			}
		}
		e.saveAnswer(c, resp, text)
	}
}

func (e *authEnv) do(c call) (*http.Response, string) {
	e.t.Helper()
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(e.expand(c.body))
	}
	req, _ := http.NewRequest(c.method, e.srv.URL+e.expand(c.path), body)
	if c.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+e.expand(c.token))
	}
	if c.cookie != "" {
		req.AddCookie(&http.Cookie{Name: api.SessionCookie, Value: e.expand(c.cookie)})
	}
	if c.csrf != "" {
		req.Header.Set(api.CSRFHeader, e.expand(c.csrf))
	}
	from := c.from
	if from == "" {
		from = "203.0.113.1"
	}
	req.Header.Set("X-Forwarded-For", from)
	for k, v := range c.header {
		req.Header.Set(k, e.expand(v))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s: %v", c.name, err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(raw)
}

func (e *authEnv) saveAnswer(c call, resp *http.Response, text string) {
	e.t.Helper()
	if c.saveCookie != "" {
		for _, ck := range resp.Cookies() {
			if ck.Name == api.SessionCookie {
				e.vars[c.saveCookie] = ck.Value
			}
		}
	}
	if len(c.save) == 0 {
		return
	}
	var m any
	if err := json.Unmarshal([]byte(text), &m); err != nil {
		e.t.Fatalf("%s: %v", c.name, err)
	}
	for v, path := range c.save {
		x := m
		for _, key := range strings.Split(path, ".") {
			obj, _ := x.(map[string]any)
			x = obj[key]
		}
		s, ok := x.(string)
		if !ok {
			b, _ := json.Marshal(x)
			s = string(b)
		}
		e.vars[v] = s
	}
}

// signIn is the call that signs in as email from address 203.0.113.1 and
// keeps the cookie and CSRF token in prefix+"_cookie" and prefix+"_csrf".
func signIn(prefix, email, password string) call {
	return call{name: "sign in as " + email, method: "POST", path: "/api/v1/sessions", status: 201,
		body:       `{"email":"` + email + `","password":"` + password + `"}`,
		saveCookie: prefix + "_cookie", save: map[string]string{prefix + "_csrf": "csrf_token"}}
}

func TestSignInSessionsAndCSRF(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAuthEnv(t, db, api.Limits{})
		in := signIn("a", "admin@example.com", adminPassword)
		in.wantHeader = map[string]string{"Set-Cookie": "rapport_session=rps_1_"}
		in.contains = []string{`"email":"admin@example.com"`, `"csrf_token":"`, `"expires_at":"`}
		e.run([]call{
			{name: "wrong password", method: "POST", path: "/api/v1/sessions", body: `{"email":"admin@example.com","password":"wrong password!"}`,
				status: 401, contains: []string{"e-mail address or the password is wrong"}, noHeader: []string{"Set-Cookie"}},
			{name: "unknown e-mail, same answer", method: "POST", path: "/api/v1/sessions", body: `{"email":"ghost@example.com","password":"wrong password!"}`,
				status: 401, contains: []string{"e-mail address or the password is wrong"}},
			{name: "missing body", method: "POST", path: "/api/v1/sessions", status: 400},
			{name: "unknown field", method: "POST", path: "/api/v1/sessions", body: `{"email":"a@b.c","pasword":"x"}`, status: 400,
				contains: []string{`"field":"pasword"`}},
			in,
			{name: "the cookie is locked down", method: "POST", path: "/api/v1/sessions", body: `{"email":"admin@example.com","password":"` + adminPassword + `"}`,
				status: 201, wantHeader: map[string]string{"Set-Cookie": "; Path=/; Expires="}},
			{name: "cookie flags", method: "POST", path: "/api/v1/sessions", body: `{"email":"admin@example.com","password":"` + adminPassword + `"}`,
				status: 201, wantHeader: map[string]string{"Set-Cookie": "; HttpOnly; Secure; SameSite=Lax"}},
			{name: "me with the cookie", method: "GET", path: "/api/v1/me", cookie: "{a_cookie}", status: 200,
				contains: []string{`"email":"admin@example.com"`, `"role":"administrator"`, `"csrf_token":"{a_csrf}"`, `"team":null`},
				absent:   []string{"password", "totp_secret"}},
			{name: "a read needs no CSRF token", method: "GET", path: "/api/v1/contacts", cookie: "{a_cookie}", status: 200},
			{name: "a write without CSRF token", method: "POST", path: "/api/v1/contacts", cookie: "{a_cookie}", body: `{"first_name":"A"}`,
				status: 403, contains: []string{"X-CSRF-Token"}},
			{name: "a write with a forged CSRF token", method: "POST", path: "/api/v1/contacts", cookie: "{a_cookie}", csrf: "forged",
				body: `{"first_name":"A"}`, status: 403},
			{name: "a write with the CSRF token", method: "POST", path: "/api/v1/contacts", cookie: "{a_cookie}", csrf: "{a_csrf}",
				body: `{"first_name":"A"}`, status: 201},
			{name: "cross-site fetch with the cookie", method: "POST", path: "/api/v1/contacts", cookie: "{a_cookie}", csrf: "{a_csrf}",
				body: `{"first_name":"A"}`, header: map[string]string{"Sec-Fetch-Site": "cross-site"}, status: 403},
			{name: "old browser posting from another origin", method: "POST", path: "/api/v1/contacts", cookie: "{a_cookie}", csrf: "{a_csrf}",
				body: `{"first_name":"A"}`, header: map[string]string{"Origin": "https://evil.example"}, status: 403},
			{name: "cross-origin form post to sign in", method: "POST", path: "/api/v1/sessions", body: `email=a&password=b`,
				header: map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "cross-site"}, status: 403},
			{name: "cross-origin form post with the cookie", method: "POST", path: "/api/v1/contacts", cookie: "{a_cookie}", body: `first_name=A`,
				header: map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Origin": "https://evil.example"}, status: 403},
			{name: "a bearer token needs no CSRF token", method: "POST", path: "/api/v1/contacts", token: "{admin_token}",
				body: `{"first_name":"B"}`, status: 201},
			{name: "a token wins over a cookie", method: "GET", path: "/api/v1/me", token: "{sam_token}", cookie: "{a_cookie}", status: 200,
				contains: []string{"sam@example.com"}, absent: []string{"csrf_token"}},
			{name: "sign out without CSRF token", method: "DELETE", path: "/api/v1/sessions/current", cookie: "{a_cookie}", status: 403},
			{name: "sign out with a token", method: "DELETE", path: "/api/v1/sessions/current", token: "{admin_token}", status: 404},
			{name: "sign out", method: "DELETE", path: "/api/v1/sessions/current", cookie: "{a_cookie}", csrf: "{a_csrf}", status: 204,
				wantHeader: map[string]string{"Set-Cookie": "rapport_session=; Path=/; Max-Age=0"}},
			{name: "the cookie after sign-out", method: "GET", path: "/api/v1/me", cookie: "{a_cookie}", status: 401,
				wantHeader: map[string]string{"Set-Cookie": "Max-Age=0"}},
			{name: "a made-up cookie", method: "GET", path: "/api/v1/me", cookie: "rps_1_madeup", status: 401},
			{name: "no credentials", method: "GET", path: "/api/v1/me", status: 401, contains: []string{"POST /api/v1/sessions"}},
		})
		assertAudited(t, db, map[string]int{"sign_in": 3, "sign_in_failed": 2, "sign_out": 1})
	})
}

// assertAudited checks how many audit entries of each action carry a
// client address, as every entry made through the API does.
func assertAudited(t *testing.T, db *store.DB, want map[string]int) {
	t.Helper()
	for action, n := range want {
		var got int
		err := db.Reader().QueryRowContext(context.Background(), `SELECT count(*) FROM audit_log
			WHERE workspace_id = 1 AND action = ? AND actor_address <> ''`, action).Scan(&got)
		if err != nil {
			t.Fatal(err)
		}
		if got != n {
			t.Errorf("audit %s: %d entries with an address, want %d", action, got, n)
		}
	}
}

func TestSignInLockOut(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAuthEnv(t, db, api.Limits{EmailFailures: 3, AddressFailures: 5, Lockout: time.Minute})
		wrong := func(name, email, from string, status int) call {
			return call{name: name, method: "POST", path: "/api/v1/sessions", from: from, status: status,
				body: `{"email":"` + email + `","password":"not the password"}`}
		}
		locked := map[string]string{"Retry-After": "60"}
		right := signIn("a", "admin@example.com", adminPassword)
		right.name, right.status, right.from, right.wantHeader = "the right password while locked", 429, "198.51.100.1", locked
		right.contains = []string{`"type":"/problems/rate_limited"`, `"status":429`}
		e.run([]call{
			wrong("first failure", "admin@example.com", "198.51.100.1", 401),
			wrong("second failure, from elsewhere", "admin@example.com", "198.51.100.2", 401),
			wrong("third failure locks the e-mail", "admin@example.com", "198.51.100.3", 401),
			right,
			{name: "another account is not locked", method: "POST", path: "/api/v1/sessions", from: "198.51.100.1", status: 201,
				body: `{"email":"sam@example.com","password":"` + samPassword + `"}`},
			wrong("spraying from one address: 1", "a@example.com", "192.0.2.66", 401),
			wrong("spraying: 2", "b@example.com", "192.0.2.66", 401),
			wrong("spraying: 3", "c@example.com", "192.0.2.66", 401),
			wrong("spraying: 4", "d@example.com", "192.0.2.66", 401),
			wrong("spraying: 5 locks the address", "e@example.com", "192.0.2.66", 401),
			{name: "the locked address", method: "POST", path: "/api/v1/sessions", from: "192.0.2.66", status: 429, wantHeader: locked,
				body: `{"email":"sam@example.com","password":"` + samPassword + `"}`},
			{name: "a wrong password through PATCH /me counts too", method: "PATCH", path: "/api/v1/me", token: "{sam_token}", status: 400,
				body: `{"password":"a new password!","current_password":"wrong"}`, contains: []string{`"field":"current_password"`}},
		})
	})
}

func TestUnauthenticatedRequestsAreThrottled(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAuthEnv(t, db, api.Limits{PerSecond: 0.01, Burst: 3})
		e.run([]call{
			{name: "no credentials 1", method: "GET", path: "/api/v1/contacts", status: 401},
			{name: "bad token", method: "GET", path: "/api/v1/contacts", token: "rpt_1_guess", status: 401},
			{name: "no credentials", method: "GET", path: "/api/v1/contacts", status: 401},
			{name: "bucket empty", method: "GET", path: "/api/v1/contacts", status: 429, wantHeader: map[string]string{"Retry-After": ""},
				contains: []string{`"type":"/problems/rate_limited"`, "try again in"}},
			{name: "a guess with an empty bucket", method: "GET", path: "/api/v1/contacts", token: "rpt_1_guess2", status: 429},
			{name: "a valid token is not throttled", method: "GET", path: "/api/v1/contacts", token: "{admin_token}", status: 200},
			{name: "nor is health", method: "GET", path: "/healthz", status: 200},
			{name: "nor readiness", method: "GET", path: "/readyz", status: 200},
			{name: "another address has its own bucket", method: "POST", path: "/api/v1/password-resets", from: "192.0.2.200",
				body: `{"email":"x@example.com"}`, status: 202},
			{name: "IPv6 neighbours share a /64", method: "GET", path: "/api/v1/contacts", from: "2001:db8::1", status: 401},
			{name: "2", method: "GET", path: "/api/v1/contacts", from: "2001:db8::2", status: 401},
			{name: "3", method: "GET", path: "/api/v1/contacts", from: "2001:db8::3", status: 401},
			{name: "4 is throttled", method: "GET", path: "/api/v1/contacts", from: "2001:db8::4", status: 429},
		})
	})
}

func TestPasswordResetThroughTheAPI(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAuthEnv(t, db, api.Limits{})
		grab := func(e *authEnv) { e.vars["reset"] = e.mail.lastResetToken(e.t) }
		e.run([]call{
			signIn("s", "sam@example.com", samPassword),
			{name: "unknown address", method: "POST", path: "/api/v1/password-resets", body: `{"email":"ghost@example.com"}`, status: 202,
				contains: []string{"if an active account"}},
			{name: "bad workspace", method: "POST", path: "/api/v1/password-resets", body: `{"email":"a@b.c","workspace":"x"}`, status: 400},
			{name: "known address, same answer", method: "POST", path: "/api/v1/password-resets", body: `{"email":"sam@example.com"}`, status: 202,
				contains: []string{"if an active account"}},
			{name: "too short", method: "POST", path: "/api/v1/password-resets/confirm", body: `{"token":"{reset}","password":"short"}`, status: 400,
				contains: []string{`"field":"password"`}, before: grab},
			{name: "no token", method: "POST", path: "/api/v1/password-resets/confirm", body: `{"password":"a long new password"}`,
				status: 400, contains: []string{`"field":"token"`}},
			{name: "the token in the URL", method: "POST", path: "/api/v1/password-resets/{reset}", body: `{"password":"a long new password"}`,
				status: 404, contains: []string{"never goes in a URL", "/api/v1/password-resets/confirm"}},
			{name: "a made-up link", method: "POST", path: "/api/v1/password-resets/confirm", body: `{"token":"rpr_1_madeup","password":"a long new password"}`,
				status: 400, contains: []string{"expired or was already used"}},
			{name: "reset", method: "POST", path: "/api/v1/password-resets/confirm", body: `{"token":"{reset}","password":"a long new password"}`, status: 200,
				contains: []string{`"signed_out":{"sessions":1,"tokens":1,"tokens_kept":false,`, "1 API token was revoked"}},
			{name: "the token was revoked", method: "GET", path: "/api/v1/me", token: "{sam_token}", status: 401},
			{name: "the link again", method: "POST", path: "/api/v1/password-resets/confirm", body: `{"token":"{reset}","password":"another new password"}`,
				status: 400, contains: []string{"expired or was already used"}},
			{name: "the old session ended", method: "GET", path: "/api/v1/me", cookie: "{s_cookie}", status: 401},
			{name: "the old password", method: "POST", path: "/api/v1/sessions", body: `{"email":"sam@example.com","password":"` + samPassword + `"}`,
				status: 401},
			signIn("n", "sam@example.com", "a long new password"),
			{name: "ask again", method: "POST", path: "/api/v1/password-resets", body: `{"email":"sam@example.com"}`, status: 202},
			{name: "an hour later", method: "POST", path: "/api/v1/password-resets/confirm", body: `{"token":"{reset}","password":"a late new password"}`, status: 400,
				before: func(e *authEnv) { grab(e); e.clock.pass(account.ResetLifetime + time.Second) }},
		})
		if n := e.mail.count(); n != 2 {
			t.Errorf("%d mails sent, want 2 (none for the unknown address)", n)
		}
		assertAudited(t, db, map[string]int{"password_reset_request": 2, "password_reset": 1})
	})
}

// TestAccessLogKeepsNoSecrets resets a password, signs in, works with the
// session and a token, and sends secrets in URLs as a careless client
// would; then it looks for each secret in everything the server logged.
func TestAccessLogKeepsNoSecrets(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAuthEnv(t, db, api.Limits{})
		const password = "a secret new password"
		grab := func(name string) func(e *authEnv) {
			return func(e *authEnv) { e.vars[name] = e.mail.lastResetToken(e.t) }
		}
		e.run([]call{
			{name: "ask for a link", method: "POST", path: "/api/v1/password-resets", body: `{"email":"sam@example.com"}`, status: 202},
			{name: "reset", method: "POST", path: "/api/v1/password-resets/confirm", status: 200,
				body: `{"token":"{reset}","password":"` + password + `"}`, before: grab("reset")},
			{name: "ask again", method: "POST", path: "/api/v1/password-resets", body: `{"email":"sam@example.com"}`, status: 202},
			{name: "the token in the URL", method: "POST", path: "/api/v1/password-resets/{again}", status: 404,
				body: `{"password":"` + password + `"}`, before: grab("again")},
			signIn("s", "sam@example.com", password),
			{name: "read with the session", method: "GET", path: "/api/v1/me", cookie: "{s_cookie}", status: 200},
			{name: "write with the session", method: "PATCH", path: "/api/v1/me", cookie: "{s_cookie}", csrf: "{s_csrf}",
				body: `{"name":"Sam S"}`, status: 200},
			{name: "a session id in a URL", method: "GET", path: "/api/v1/contacts/{s_cookie}", cookie: "{s_cookie}", status: 404},
			{name: "read with a token", method: "GET", path: "/api/v1/contacts", token: "{admin_token}", status: 200},
			{name: "a token in a URL", method: "GET", path: "/api/v1/{admin_token}", status: 401},
			{name: "sign out", method: "DELETE", path: "/api/v1/sessions/current", cookie: "{s_cookie}", csrf: "{s_csrf}", status: 204},
		})
		logged := e.logs.String()
		if !strings.Contains(logged, `"path":"/api/v1/password-resets/confirm"`) || !strings.Contains(logged, `"path":"/api/v1/password-resets/[secret]"`) {
			t.Fatalf("the access log does not show the resets:\n%s", logged)
		}
		for name, secret := range map[string]string{"the reset token": e.vars["reset"], "the reset token sent in a URL": e.vars["again"],
			"the password": password, "the session": e.vars["s_cookie"], "its CSRF token": e.vars["s_csrf"], "the API token": e.vars["admin_token"]} {
			// The random part alone, in case a prefix was cut off.
			if parts := strings.SplitN(secret, "_", 3); len(parts) == 3 && strings.HasPrefix(secret, "rp") {
				secret = parts[2]
			}
			if len(secret) < 16 {
				t.Fatalf("%s is %q, too short to look for", name, secret)
			}
			if strings.Contains(logged, secret) {
				t.Errorf("the log holds %s", name)
			}
		}
	})
}

func TestTwoFactorSignIn(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAuthEnv(t, db, api.Limits{})
		code := func(e *authEnv) {
			c, err := account.TOTPCode(e.vars["secret"], e.clock.Now())
			if err != nil {
				e.t.Fatal(err)
			}
			e.vars["code"] = c
		}
		next := func(e *authEnv) { e.clock.pass(30 * time.Second); code(e) }
		withCode := `{"email":"sam@example.com","password":"` + samPassword + `","totp_code":"{code}"}`
		e.run([]call{
			signIn("s", "sam@example.com", samPassword),
			{name: "enrol", method: "POST", path: "/api/v1/me/totp", cookie: "{s_cookie}", csrf: "{s_csrf}", status: 201,
				contains: []string{`"otpauth_url":"otpauth://totp/Rapport:sam@example.com?`}, save: map[string]string{"secret": "secret"}},
			{name: "a read-only token cannot enrol", method: "POST", path: "/api/v1/me/totp", token: "{ro}", status: 403,
				before: func(e *authEnv) {
					e.vars["ro"], _ = e.accounts.CreateToken(context.Background(), 1, "sam@example.com", "ro", account.ScopeRead, nil)
				}},
			{name: "confirm with a wrong code", method: "POST", path: "/api/v1/me/totp/confirm", cookie: "{s_cookie}", csrf: "{s_csrf}",
				body: `{"code":"000000"}`, status: 400},
			{name: "confirm", method: "POST", path: "/api/v1/me/totp/confirm", cookie: "{s_cookie}", csrf: "{s_csrf}",
				body: `{"code":"{code}"}`, status: 204, before: code},
			{name: "me shows two-factor", method: "GET", path: "/api/v1/me", cookie: "{s_cookie}", status: 200,
				contains: []string{`"two_factor":true`}, absent: []string{"{secret}"}},
			{name: "sign in without the code", method: "POST", path: "/api/v1/sessions", status: 401,
				body: `{"email":"sam@example.com","password":"` + samPassword + `"}`, contains: []string{`"field":"totp_code"`, `"code":"required"`}},
			{name: "with a wrong code", method: "POST", path: "/api/v1/sessions", status: 401,
				body: `{"email":"sam@example.com","password":"` + samPassword + `","totp_code":"123456"}`, contains: []string{`"code":"invalid"`}},
			{name: "the code that confirmed enrolment", method: "POST", path: "/api/v1/sessions", status: 401, body: withCode},
			{name: "a fresh code", method: "POST", path: "/api/v1/sessions", status: 201, body: withCode, before: next},
			{name: "the same code again", method: "POST", path: "/api/v1/sessions", status: 401, body: withCode},
			{name: "disable with a wrong password", method: "DELETE", path: "/api/v1/me/totp", cookie: "{s_cookie}", csrf: "{s_csrf}",
				body: `{"password":"not it at all"}`, status: 400, contains: []string{`"field":"current_password"`}},
			{name: "disable", method: "DELETE", path: "/api/v1/me/totp", cookie: "{s_cookie}", csrf: "{s_csrf}",
				body: `{"password":"` + samPassword + `"}`, status: 204},
			signIn("t", "sam@example.com", samPassword),
		})
		assertAudited(t, db, map[string]int{"totp_enable": 1, "totp_disable": 1})
	})
}

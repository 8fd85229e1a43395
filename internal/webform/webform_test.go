package webform_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/duplicate"
	"github.com/rapport-crm/rapport/internal/inbox"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
	"github.com/rapport-crm/rapport/internal/webform"
)

type fixture struct {
	t      *testing.T
	db     *store.DB
	in     *inbox.Service
	e      *records.Engine
	admin  context.Context
	rapp   *httptest.Server // Rapport's form routes
	site   *httptest.Server // a plain HTML page on another port
	form   inbox.Form
	mu     sync.Mutex
	now    time.Time
	client *http.Client
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fixture) wait(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

func setup(t *testing.T, db *store.DB, perMinute float64, burst int) *fixture {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	e := records.New(db, records.Options{PhoneRegion: "PL", Logger: log, Policy: access.NewRolePolicy(db)})
	sales.New(db, e, sales.Options{Logger: log})
	duplicate.New(db, e, duplicate.Options{Logger: log, PhoneRegion: "PL"})
	f := &fixture{t: t, db: db, now: time.Now(), e: e}
	f.in = inbox.New(db, e, inbox.Options{Logger: log, PhoneRegion: "PL", Now: f.clock})
	admin := accesstest.AddUser(t, db, 1, "admin@example.com", access.RoleAdministrator, 0)
	f.admin = access.WithActor(context.Background(), access.Actor{WorkspaceID: 1, UserID: admin, Role: access.RoleAdministrator})
	f.rapp = httptest.NewServer(webform.New(webform.Options{Inbox: f.in, Log: log, PerMinute: perMinute, Burst: burst, Now: f.clock}))
	t.Cleanup(f.rapp.Close)
	f.site = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, "<!doctype html><title>Our site</title><h1>Write to us</h1>\n"+webform.Snippet(f.form, f.rapp.URL))
	}))
	t.Cleanup(f.site.Close)
	form, err := f.in.CreateForm(f.admin, inbox.FormInput{Name: "Write to us", AllowedOrigins: []string{f.site.URL},
		ConsentText: "I agree.", AssignedUserID: strconv.FormatInt(admin, 10), ThankYou: "Thanks, we will call you.",
		Fields: []inbox.Field{{Name: "name", Label: "Name", MapsTo: "contact.name", Required: true},
			{Name: "email", Label: "E-mail", MapsTo: "contact.email", Type: "email"},
			{Name: "msg", Label: "Message", MapsTo: "message", Type: "textarea"}}})
	if err != nil {
		t.Fatal(err)
	}
	f.form, _ = f.in.PublicForm(context.Background(), form.PublicID)
	f.client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return f
}

// post sends vals to the form as a browser on origin would.
func (f *fixture) post(origin string, vals url.Values, header ...string) (*http.Response, string) {
	f.t.Helper()
	req, _ := http.NewRequest("POST", f.rapp.URL+"/f/"+f.form.PublicID, strings.NewReader(vals.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := f.client.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func (f *fixture) count(status string) int {
	f.t.Helper()
	var n int
	if err := f.db.Reader().QueryRowContext(context.Background(), `SELECT count(*) FROM inbox_requests WHERE status = ?`, status).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// fresh returns the token of a page opened long enough ago.
func (f *fixture) fresh() string {
	tok := f.form.Token(f.clock())
	f.wait(10 * time.Second)
	return tok
}

var tokenIn = regexp.MustCompile(`name="_t" value="([^"]+)"`)

func TestFormFromAnotherSite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db, 600, 100)
		// The page on the other port embeds a plain form that posts to
		// Rapport, and the optional script.
		res, err := http.Get(f.site.URL)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		page := string(b)
		if !strings.Contains(page, `action="`+f.rapp.URL+`/f/`+f.form.PublicID+`"`) || !strings.Contains(page, `/f/embed.js`) ||
			!strings.Contains(page, `name="_hp"`) {
			t.Fatalf("the snippet:\n%s", page)
		}
		// Without the script there is no token: the lead lands all the
		// same, and the visitor gets the thank-you page.
		vals := url.Values{"name": {"Ada <script>alert(1)</script>"}, "email": {"ada@lovelace.org"}, "msg": {"Call me\nplease"},
			"_consent": {"yes"}, "utm_source": {"newsletter"}, "utm_campaign": {"winter"}}
		res, body := f.post(f.site.URL, vals)
		if res.StatusCode != 200 || !strings.Contains(body, "Thanks, we will call you.") {
			t.Fatalf("%d %s", res.StatusCode, body)
		}
		if f.count("new") != 1 {
			t.Fatal("the lead is not in the inbox")
		}
		p, err := f.in.List(f.admin, inbox.Filter{})
		if err != nil || len(p.Data) != 1 {
			t.Fatal(p, err)
		}
		r := p.Data[0]
		if r.Name != "Ada <script>alert(1)</script>" || r.UTM.Campaign != "winter" || r.Message != "Call me\nplease" ||
			r.Consent == nil || *r.Consent != "I agree." || r.Channel != "web_form" {
			t.Fatalf("stored %+v", r)
		}
		// Posted with fetch, the answer is JSON and the site may read it.
		vals.Set("_t", f.fresh())
		res, body = f.post(f.site.URL, vals, "Accept", "application/json")
		if res.StatusCode != 200 || res.Header.Get("Access-Control-Allow-Origin") != f.site.URL || !strings.Contains(body, `"status":"ok"`) {
			t.Fatalf("%d %v %s", res.StatusCode, res.Header, body)
		}
		// A site the form does not list is refused, and nothing lands.
		before := f.count("new") + f.count("spam")
		res, _ = f.post("https://evil.example", vals)
		if res.StatusCode != 403 || f.count("new")+f.count("spam") != before {
			t.Fatalf("forged origin: %d", res.StatusCode)
		}
		// The same submission again lands once.
		res, _ = f.post(f.site.URL, vals)
		if res.StatusCode != 200 || f.count("new")+f.count("spam") != before {
			t.Fatalf("replayed: %d, %d requests", res.StatusCode, f.count("new")+f.count("spam"))
		}
		// A missing required field and a script in a value: 400, the page
		// again with the value escaped and the field named.
		res, body = f.post(f.site.URL, url.Values{"email": {`"><script>alert(2)</script>`}, "_consent": {"yes"}})
		if res.StatusCode != 400 || strings.Contains(body, "<script>alert(2)") || !strings.Contains(body, `&#34;&gt;&lt;script&gt;alert(2)`) ||
			!strings.Contains(body, `aria-invalid="true"`) {
			t.Fatalf("%d %s", res.StatusCode, body)
		}
		// Oversized values are refused naming the field.
		res, body = f.post(f.site.URL, url.Values{"name": {strings.Repeat("x", 2000)}, "_consent": {"yes"}}, "Accept", "application/json")
		if res.StatusCode != 400 || !strings.Contains(body, `"field":"name"`) || !strings.Contains(body, "too_long") {
			t.Fatalf("%d %s", res.StatusCode, body)
		}
		res, _ = f.post(f.site.URL, url.Values{"name": {strings.Repeat("x", 200<<10)}})
		if res.StatusCode != 413 {
			t.Fatalf("a huge body: %d", res.StatusCode)
		}
	})
}

func TestSpamIsKept(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db, 600, 100)
		// The hosted page carries a fresh token; sent at once, it is too
		// fast for a person.
		res, err := http.Get(f.rapp.URL + "/f/" + f.form.PublicID + "?utm_source=ads")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		m := tokenIn.FindStringSubmatch(string(b))
		if m == nil || !strings.Contains(string(b), `name="utm_source" value="ads"`) {
			t.Fatalf("hosted page:\n%s", b)
		}
		vals := url.Values{"name": {"Quick"}, "_consent": {"yes"}, "_t": {m[1]}}
		if res, body := f.post("", vals); res.StatusCode != 200 || !strings.Contains(body, "Thanks") {
			t.Fatalf("spam is answered as a success: %d %s", res.StatusCode, body)
		}
		hp := url.Values{"name": {"Bot"}, "_consent": {"yes"}, "_hp": {"http://buy.example"}}
		f.post(f.rapp.URL, hp)
		p, err := f.in.List(f.admin, inbox.Filter{Status: "spam"})
		if err != nil || len(p.Data) != 2 || p.Data[0].SpamReason != inbox.SpamTooFast || p.Data[1].SpamReason != inbox.SpamHoneypot {
			t.Fatalf("spam folder %+v %v", p, err)
		}
		if f.count("new") != 0 {
			t.Fatal("spam in the inbox")
		}
	})
}

func TestFloodIsRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db, 6, 3)
		var codes []int
		for i := 0; i < 5; i++ {
			res, _ := f.post(f.site.URL, url.Values{"name": {"Flood " + strconv.Itoa(i)}, "_consent": {"yes"}}, "Accept", "application/json")
			codes = append(codes, res.StatusCode)
			if res.StatusCode == 429 {
				if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || s < 1 {
					t.Fatalf("Retry-After %q", res.Header.Get("Retry-After"))
				}
			}
		}
		if codes[0] != 200 || codes[2] != 200 || codes[3] != 429 || codes[4] != 429 {
			t.Fatalf("codes %v", codes)
		}
		if n := f.count("new"); n != 3 {
			t.Fatalf("%d leads landed", n)
		}
		var answer map[string]any
		res, body := f.post(f.site.URL, url.Values{"name": {"x"}}, "Accept", "application/json")
		if json.Unmarshal([]byte(body), &answer) != nil || res.StatusCode != 429 {
			t.Fatalf("%d %s", res.StatusCode, body)
		}
	})
}

func TestTokenForAllowedSitesOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db, 600, 100)
		get := func(origin string) *http.Response {
			req, _ := http.NewRequest("GET", f.rapp.URL+"/f/"+f.form.PublicID+"/token", nil)
			req.Header.Set("Origin", origin)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return res
		}
		if res := get(f.site.URL); res.StatusCode != 200 || res.Header.Get("Access-Control-Allow-Origin") != f.site.URL {
			t.Fatalf("%d %v", res.StatusCode, res.Header)
		}
		if res := get("https://evil.example"); res.StatusCode != 403 {
			t.Fatalf("%d", res.StatusCode)
		}
		res, err := http.Get(f.rapp.URL + "/f/1-nosuchform")
		if err != nil || res.StatusCode != 404 {
			t.Fatalf("%v %v", res, err)
		}
	})
}

package api_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/activity"
	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// hostileHTML are inputs that try to run script, fetch remote content when
// shown, or pose as part of the page, each with what must survive.
var hostileHTML = []struct {
	name, in string
	keep     []string
}{
	{"script", `<script>alert(1)</script>ok`, []string{"ok"}},
	{"event handlers", `<p onclick="steal()" onmouseover="steal()">hi <b onerror="x()">there</b></p>`, []string{"<p>hi <b>there</b></p>"}},
	{"remote image", `<img src="https://evil.example/pixel.png">seen`, []string{"seen"}},
	{"protocol-relative image", `<img src="//evil.example/pixel.png" alt="x">`, nil},
	{"relative image", `<img src="/api/v1/notifications/read-all">`, nil},
	{"entity-encoded image source", `<IMG SRC="&#104;ttps://evil.example/p.png">`, nil},
	{"srcset beside an inline image", `<img srcset="https://evil.example/a.png 2x" src="data:image/png;base64,iVBORw0KGgo=" alt="chart">`,
		[]string{`src="data:image/png;base64,iVBORw0KGgo="`, `alt="chart"`}},
	{"svg as an inline image", `<img src="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=">`, nil},
	{"ids, names, classes, styles", `<p id="login" name="user" class="btn btn-primary" style="background:url(https://evil.example/b)">text</p>`,
		[]string{"<p>text</p>"}},
	{"form", `<form action="https://evil.example/post"><input name="password" type="password"><button formaction="https://evil.example">Go</button></form>`,
		[]string{"Go"}},
	{"iframe", `<iframe src="https://evil.example/frame"></iframe>after`, []string{"after"}},
	{"object and embed", `<object data="https://evil.example/x"></object><embed src="https://evil.example/y">`, nil},
	{"stylesheet", `<link rel="stylesheet" href="https://evil.example/s.css"><style>@import url(https://evil.example/i.css);</style>plain`,
		[]string{"plain"}},
	{"meta refresh and base", `<meta http-equiv="refresh" content="0;url=https://evil.example"><base href="https://evil.example/">x`, nil},
	{"media", `<video poster="https://evil.example/p.png"><source src="https://evil.example/v.mp4"></video><audio src="https://evil.example/a.mp3"></audio>`, nil},
	{"svg", `<svg><image href="https://evil.example/i.png"/><script>alert(1)</script></svg>`, nil},
	{"table background", `<table background="https://evil.example/bg.png"><tr><td colspan="2" style="x">cell</td></tr></table>`,
		[]string{`<td colspan="2">cell</td>`}},
	{"htmx and data attributes", `<div hx-post="/api/v1/notifications/read-all" hx-trigger="load" data-hx-get="/x" data-id="1">x</div>`,
		[]string{"<div>x</div>"}},
	{"script links", `<a href="javascript:alert(1)">a</a><a href=" javascript:alert(1)">b</a><a href="data:text/html;base64,PHNjcmlwdD4=">c</a><a href="vbscript:x">d</a>`, nil},
	{"link with ping", `<a href="https://example.com/page" ping="https://evil.example/ping" id="x">page</a>`,
		[]string{`href="https://example.com/page"`, `rel="nofollow noreferrer noopener"`, `target="_blank"`, ">page</a>"}},
	{"formatting", `<h2>Plan</h2><p><strong>bold</strong> <em>it</em> <a href="mailto:a@example.com">mail</a></p><ul><li>one</li></ul><blockquote>q</blockquote><pre><code>x := 1</code></pre>`,
		[]string{"<h2>Plan</h2>", "<strong>bold</strong>", "<em>it</em>", `href="mailto:a@example.com"`, "<li>one</li>", "<blockquote>q</blockquote>", "<pre><code>x := 1</code></pre>"}},
}

// fetchesOrClobbers are what no stored long text may hold.
var fetchesOrClobbers = []string{"evil.example", "<script", "javascript:", "vbscript:", "data:text", "svg",
	" id=", " name=", " class=", " style=", " on", "hx-", "data-", "srcset", "<form", "<input", "<button",
	"<iframe", "<object", "<embed", "<link", "<style", "<meta", "<base", "<video", "<audio", "<source",
	"background=", "poster=", "ping=", "/api/v1/notifications"}

// TestEveryLongTextIsSanitized writes each hostile input into every
// long-text field of every object, the standard ones, a custom field added
// to each object and a user-defined list, through the API with every
// service's rules in place, and reads the stored value back.
func TestEveryLongTextIsSanitized(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, engine := newRichTextEnv(t, db)
		e.must("POST", "/api/v1/lists", `{"name":"supplier","plural":"suppliers","label":"Supplier"}`, 201)
		objects := []string{"suppliers"}
		for _, o := range engine.Objects() {
			objects = append(objects, o.Plural)
		}
		fields := map[string][]string{}
		for _, object := range objects {
			e.must("POST", "/api/v1/fields/"+object, `{"name":"memo","label":"Memo","type":"long_text"}`, 201)
			fields[object] = e.longTexts(object)
		}
		// The fields are found through the API, so a new one is covered
		// by itself; these must be among them.
		for object, name := range map[string]string{"deals": "loss_note", "products": "description", "tasks": "result",
			"notes": "body", "calls": "body", "meetings": "body", "contacts": "memo", "suppliers": "memo"} {
			if !slices.Contains(fields[object], name) {
				t.Fatalf("the long-text fields of %s are %v", object, fields[object])
			}
		}
		e.reference("stage") // a deal needs a pipeline with a stage
		for _, object := range objects {
			base := e.minimal(object)
			for _, c := range hostileHTML {
				in := map[string]any{}
				for k, v := range base {
					in[k] = v
				}
				for _, f := range fields[object] {
					in[f] = c.in + "<p>end</p>" // so that a required field keeps some text
				}
				id := e.create(object, in)
				rec := e.get(object, id)
				for _, f := range fields[object] {
					v, _ := rec[f].(string)
					for _, bad := range fetchesOrClobbers {
						if strings.Contains(strings.ToLower(v), bad) {
							t.Errorf("%s.%s after %s holds %q: %s", object, f, c.name, bad, v)
						}
					}
					for _, want := range append(c.keep, "<p>end</p>") {
						if !strings.Contains(v, want) {
							t.Errorf("%s.%s after %s lost %q: %s", object, f, c.name, want, v)
						}
					}
				}
			}
		}
		// An update goes the same way, and a required text that holds only
		// markup is refused rather than stored empty.
		note := e.create("notes", map[string]any{"body": "first"})
		e.must("PATCH", "/api/v1/notes/"+note, `{"version":1,"memo":"<img src=https://evil.example/x>","body":"<p id=x>second</p>"}`, 200)
		if rec := e.get("notes", note); rec["body"] != "<p>second</p>" || rec["memo"] != nil {
			t.Errorf("updated note is %v", rec)
		}
		e.must("POST", "/api/v1/notes", `{"body":"<script>alert(1)</script>"}`, 400, `"field":"body"`, "unsafe markup")
	})
}

// richTextEnv is an API with the sales and activity services' rules and an
// administrator's token.
type richTextEnv struct {
	*permAPI
	token string
	made  map[string]string // object -> id of a record made for reference
}

func newRichTextEnv(t *testing.T, db *store.DB) (*richTextEnv, *records.Engine) {
	quiet := slog.New(slog.DiscardHandler)
	pol := access.NewRolePolicy(db)
	engine := records.New(db, records.Options{Policy: pol, PhoneRegion: "US", Logger: quiet})
	accounts := account.New(db)
	s := &api.Server{Engine: engine, Accounts: accounts, DB: db, Version: "test", Log: quiet,
		Sales:    sales.New(db, engine, sales.Options{Logger: quiet}),
		Activity: activity.New(db, engine, activity.Options{Logger: quiet, PhoneRegion: "US"})}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	accesstest.AddUser(t, db, 1, "admin@rich.example", access.RoleAdministrator, 0)
	token, err := accounts.CreateToken(context.Background(), 1, "admin@rich.example", "test", account.ScopeReadWrite, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := &permAPI{t: t, db: db, srv: srv, pol: pol, engine: engine, accounts: accounts}
	return &richTextEnv{permAPI: p, token: token, made: map[string]string{}}, engine
}

func (e *richTextEnv) must(method, path, body string, status int, contains ...string) string {
	e.t.Helper()
	got, text := e.call(e.token, method, path, body)
	if got != status {
		e.t.Fatalf("%s %s: %d, want %d\n%s", method, path, got, status, text)
	}
	for _, c := range contains {
		if !strings.Contains(text, c) {
			e.t.Errorf("%s %s: answer lacks %q\n%s", method, path, c, text)
		}
	}
	return text
}

func (e *richTextEnv) create(object string, in map[string]any) string {
	e.t.Helper()
	body, _ := json.Marshal(in)
	var rec map[string]any
	json.Unmarshal([]byte(e.must("POST", "/api/v1/"+object, string(body), 201)), &rec)
	return rec["id"].(string)
}

func (e *richTextEnv) get(object, id string) map[string]any {
	e.t.Helper()
	var rec map[string]any
	json.Unmarshal([]byte(e.must("GET", "/api/v1/"+object+"/"+id, "", 200)), &rec)
	return rec
}

func (e *richTextEnv) fields(object string) []records.Field {
	e.t.Helper()
	var page struct{ Data []records.Field }
	json.Unmarshal([]byte(e.must("GET", "/api/v1/fields/"+object, "", 200)), &page)
	return page.Data
}

// longTexts names object's long-text fields as the API describes them.
func (e *richTextEnv) longTexts(object string) []string {
	var names []string
	for _, f := range e.fields(object) {
		if f.Type == records.LongText {
			names = append(names, f.Name)
		}
	}
	return names
}

// minimal returns values for every required field of object, making the
// records they refer to.
func (e *richTextEnv) minimal(object string) map[string]any {
	e.t.Helper()
	in := map[string]any{}
	for _, f := range e.fields(object) {
		if !f.Required || f.ReadOnly {
			continue
		}
		switch {
		case f.Name == "currency":
			in[f.Name] = "EUR"
		case f.Type == records.Select:
			in[f.Name] = f.Options[0]
		case f.Type == records.DateTime:
			in[f.Name] = "2026-03-02T10:00:00Z"
		case f.Type == records.Relation:
			in[f.Name] = e.reference(f.Target)
		default:
			in[f.Name] = "x"
		}
	}
	return in
}

func (e *richTextEnv) reference(object string) string {
	if id, ok := e.made[object]; ok {
		return id
	}
	plural := e.engine.Object(object).Plural
	id := e.create(plural, e.minimal(plural))
	e.made[object] = id
	return id
}

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// chromium is Debian's Chromium, which scripts/test installs.
const chromium = "/usr/bin/chromium"

// TestBrowser drives headless Chromium through the web app of the real
// binary: first-run set-up, a task done on My day, the contacts list (a name with a script tag
// shown as text), paging as the list scrolls, the companies, sorting by a
// header, a contact's page, Russian, sign-out, a password reset through
// the mailed link, and sign-in. It saves screenshots at
// desktop and phone widths into $RAPPORT_SCREENSHOTS, or the test's
// temporary directory.
func TestBrowser(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("RAPPORT_REQUIRE_BROWSER") != "" {
			t.Fatalf("%s is missing: apt-get install chromium", chromium)
		}
		t.Skipf("%s is missing: apt-get install chromium (scripts/test does)", chromium)
	}
	shots := os.Getenv("RAPPORT_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	for name, db := range dbArgs(t) {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(shots, name)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			t.Logf("screenshots in %s", dir)
			browse(t, startServer(t, db), db, dir)
		})
	}
}

// signedIn runs f once per database (SQLite, and PostgreSQL when the
// tests have one) against a fresh server whose workspace the command line
// set up with an administrator, Ada Lovelace (ada@example.com, password
// analytical-engine), with Chromium signed in as her and an API
// token of hers for filling the workspace. Each part of the app has its own
// browser test built on it; screenshots go to $RAPPORT_SCREENSHOTS/<db>.
func signedIn(t *testing.T, f func(t *testing.T, s *server, b *browser, token string, db []string)) {
	signedInWith(t, nil, f)
}

// signedInWith is signedIn with the server's environment extended by env.
func signedInWith(t *testing.T, env []string, f func(t *testing.T, s *server, b *browser, token string, db []string)) {
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("RAPPORT_REQUIRE_BROWSER") != "" {
			t.Fatalf("%s is missing: apt-get install chromium", chromium)
		}
		t.Skipf("%s is missing: apt-get install chromium (scripts/test does)", chromium)
	}
	shots := os.Getenv("RAPPORT_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	for name, db := range dbArgs(t) {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(shots, name)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			rapport(t, append([]string{"user", "create", "--email", "ada@example.com", "--name", "Ada Lovelace",
				"--role", "administrator", "--password", "analytical-engine"}, db...)...)
			token := strings.TrimSpace(lastLine(rapport(t, append([]string{"token", "create", "--email", "ada@example.com", "--name", "browser"}, db...)...)))
			s := startServer(t, db, env...)
			b := newBrowser(t, s.base, dir)
			b.signIn("ada@example.com", "analytical-engine")
			f(t, s, b, token, db)
		})
	}
}

// signIn signs in through the sign-in page and waits for the page it
// leads to.
func (b *browser) signIn(email, password string) {
	b.t.Helper()
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	b.do("sign in as "+email, chromedp.Navigate(b.base+"/signin"), chromedp.WaitVisible(css(`#password`)),
		chromedp.SendKeys(css(`#email`), email), chromedp.SendKeys(css(`#password`), password),
		chromedp.Click(css(`button[type="submit"].primary`)), chromedp.WaitVisible(css(`#main`)),
		chromedp.WaitNotPresent(css(`#password`)))
}

// browser is one headless Chromium tab on a running server.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
	dir  string
}

// newBrowser opens a tab in a browser context of its own (cookies,
// storage and cache apart from every other test's) in the test binary's
// one Chromium.
func newBrowser(t *testing.T, base, dir string) *browser {
	parent, err := chromium1()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := chromedp.NewContext(parent, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // opens the tab, with no deadline of its own
		t.Fatal(err)
	}
	return &browser{t: t, ctx: ctx, base: base, dir: dir}
}

// chromium1 starts Chromium the first time a test asks for a browser;
// stopChromium, after the last test, stops it. Starting Chromium takes
// seconds, a browser context in a running one a fraction of that.
var chromium1 = sync.OnceValues(func() (context.Context, error) {
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.Flag("disable-background-networking", true), chromedp.Flag("lang", "en-GB"),
		chromedp.WindowSize(1280, 860))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	stopChromium = func() { cancel(); cancelAlloc() }
	return ctx, chromedp.Do(ctx) // starts the browser, with no deadline of its own
})

var stopChromium = func() {}

// do runs steps, each page given 15 seconds to answer.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		loc, _ := chromedp.Run(b.ctx, chromedp.Location())
		html, _ := chromedp.Run(b.ctx, chromedp.OuterHTML(chromedp.CSS("body")))
		b.t.Fatalf("%s: %v (at %s)\n%.2000s", what, err, loc, html)
	}
}

// text is the visible text of the first element sel matches.
func (b *browser) text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func (b *browser) eval(js string) bool {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](js))
	if err != nil {
		b.t.Fatalf("%s: %v", js, err)
	}
	return v
}

// shoot saves the whole page at desktop width and at 375 px, as
// <name>-desktop.png and <name>-375.png.
func (b *browser) shoot(name string) {
	b.t.Helper()
	for _, size := range []struct {
		suffix string
		w, h   int64
	}{{"desktop", 1280, 860}, {"375", 375, 812}} {
		b.do("resize for "+name, chromedp.EmulateViewport(size.w, size.h))
		png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			b.t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(b.dir, name+"-"+size.suffix+".png"), png, 0o644); err != nil {
			b.t.Fatal(err)
		}
	}
	b.do("back to desktop width", chromedp.EmulateViewport(1280, 860))
}

func browse(t *testing.T, s *server, db []string, dir string) {
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	b := newBrowser(t, s.base, dir)

	b.do("open the set-up page", chromedp.Navigate(s.base+"/"), chromedp.WaitVisible(css(`input[name="workspace"]`)))
	if !b.eval(`typeof window.htmx === "object"`) {
		t.Fatal("htmx did not load: are the assets built (npm ci && go run ./tools/assets)? Or does the page's policy refuse them?")
	}
	b.shoot("setup")
	b.do("set up the workspace",
		chromedp.SendKeys(css(`#workspace`), "Lovelace & Co"),
		chromedp.Clear(css(`#base_currency`)), chromedp.SendKeys(css(`#base_currency`), "GBP"),
		chromedp.SendKeys(css(`#name`), "Ada Lovelace"),
		chromedp.SendKeys(css(`#email`), "ada@example.com"),
		chromedp.SendKeys(css(`#password`), "analytical-engine"),
		chromedp.Click(css(`button[type="submit"].primary`)),
		chromedp.WaitVisible(css(`.empty`)))
	if got := b.text(".empty h2"); got != "Nothing due today" {
		t.Errorf("set-up lands on a page that says %q; want an empty My day", got)
	}
	b.do("open the empty contacts", chromedp.Navigate(s.base+"/contacts"), chromedp.WaitVisible(css(`.empty`)))
	if got := b.text(".empty h2"); got != "No contacts yet" {
		t.Errorf("the empty list says %q", got)
	}
	b.shoot("contacts-empty")

	// Contacts come through the API, with a token made by the command line.
	token := strings.TrimSpace(lastLine(rapport(t, append([]string{"token", "create", "--email", "ada@example.com", "--name", "browser"}, db...)...)))
	status, acme := s.call(t, token, "POST", "/api/v1/companies", `{"name":"Analytical Engines <Ltd>"}`)
	if status != 201 {
		t.Fatalf("create company: %d %v", status, acme)
	}
	contacts := []string{
		`{"first_name":"<script>window.pwned=1</script>","last_name":"Babbage","emails":[{"value":"charles@example.com"}],` +
			`"phones":["+44 20 7946 0001"],"companies":[{"id":"` + acme["id"].(string) + `"}]}`,
		`{"first_name":"Mary","last_name":"Somerville","emails":[{"value":"mary@example.com","label":"work"}],"phones":["+44 131 496 0000"]}`,
		`{"first_name":"Алексей","last_name":"Ляпунов","emails":[{"value":"aleksei@example.ru"}],"phones":["+7 495 123-45-67"],"job_title":"Математик"}`,
	}
	for i := range 60 {
		contacts = append(contacts, fmt.Sprintf(`{"first_name":"Person","last_name":"%02d"}`, i))
	}
	for _, c := range contacts {
		if status, body := s.call(t, token, "POST", "/api/v1/contacts", c); status != 201 {
			t.Fatalf("create contact: %d %v", status, body)
		}
	}

	// My day: a task of the user's, due an hour ago, done with one click.
	due := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	if status, body := s.call(t, token, "POST", "/api/v1/tasks",
		`{"title":"Call <b>Charles</b>","due_at":"`+due+`","record_type":"company","record_id":"`+acme["id"].(string)+`"}`); status != 201 {
		t.Fatalf("create task: %d %v", status, body)
	}
	b.do("open My day", chromedp.Navigate(s.base+"/"), chromedp.WaitVisible(css(`table.tasks`)))
	if got, about := b.text(`table.tasks tr[id^="task-"] td:first-child`), b.text(`table.tasks tr[id^="task-"] td a`); got != "Call <b>Charles</b>" || about != "Analytical Engines <Ltd>" {
		t.Errorf("My day shows the task %q about %q", got, about)
	}
	b.shoot("myday")
	b.do("mark the task done", chromedp.Click(css(`table.tasks tr[id^="task-"] button`)),
		chromedp.WaitNotPresent(css(`table.tasks tr[id^="task-"]`)))
	b.do("My day again", chromedp.Reload(), chromedp.WaitVisible(css(`.empty`)))

	b.do("open the contacts", chromedp.Navigate(s.base+"/contacts"), chromedp.WaitVisible(css(`table.list`)))
	if got := b.text("table.list tbody tr:first-child td:first-child"); got != "<script>window.pwned=1</script> Babbage" {
		t.Errorf("the first name in the list reads %q; want the script tag as text", got)
	}
	if b.eval(`window.pwned === 1`) {
		t.Error("a contact's name ran as a script")
	}
	b.shoot("contacts")
	b.do("the dark scheme", darkScheme(true))
	b.shoot("contacts-dark")
	b.do("the light scheme", darkScheme(false))
	b.do("scroll to the end of the first page",
		chromedp.Evaluate[chromedp.Void](`document.querySelector("tr.more").scrollIntoView()`),
		chromedp.WaitVisible(css(`tbody tr:nth-child(63)`)))
	if got := b.eval(`document.querySelectorAll("tbody tr").length === 63 && !document.querySelector("tr.more")`); !got {
		t.Error("scrolling did not load the second page in place of the loader")
	}

	b.do("open the companies", chromedp.Navigate(s.base+"/companies"), chromedp.WaitVisible(css(`table.list`)))
	if got := b.text("table.list tbody tr:first-child td:first-child"); got != "Analytical Engines <Ltd>" {
		t.Errorf("the companies list starts with %q", got)
	}
	b.shoot("companies")
	searchFor(t, s, b, token)
	b.do("back to the contacts", chromedp.Navigate(s.base+"/contacts"), chromedp.WaitVisible(css(`table.list`)))

	b.do("sort by name, descending", chromedp.Click(css(`thead th:first-child a`)),
		chromedp.WaitVisible(css(`th[aria-sort="descending"]`)))
	if got := b.text("table.list tbody tr:first-child td:first-child"); got != "Алексей Ляпунов" {
		t.Errorf("sorted by name descending, the list starts with %q", got)
	}
	b.do("open a contact", chromedp.Click(css(`table.list tbody tr:first-child td:first-child a`)),
		chromedp.WaitVisible(css(`.groups`)))
	if got := b.text("h1"); got != "Алексей Ляпунов" {
		t.Errorf("the contact page is titled %q", got)
	}
	b.shoot("contact")

	// A contact made through the form, with a custom field.
	if status, body := s.call(t, token, "POST", "/api/v1/fields/contacts", `{"name":"interest","label":"Interest","type":"select","options":["tea","coffee"]}`); status != 201 {
		t.Fatalf("add a custom field: %d %v", status, body)
	}
	b.do("open the new contact form", chromedp.Navigate(s.base+"/contacts"), chromedp.Click(css(`.page-head a[href="/contacts/new"]`)),
		chromedp.WaitVisible(css(`form[action="/contacts/new"] input[name="first_name"]`)),
		chromedp.SendKeys(css(`input[name="first_name"]`), "Grace"),
		chromedp.SendKeys(css(`input[name="last_name"]`), "Hopper"),
		chromedp.SendKeys(css(`input[name="emails[0].value"]`), "not an address"),
		chromedp.SetValue(css(`select[name="interest"]`), "coffee"))
	b.shoot("contact-new")
	b.do("save a wrong e-mail", chromedp.Click(css(`form[action="/contacts/new"] button[type="submit"]`)),
		chromedp.WaitVisible(css(`p.error[id="emails[0].value-error"]`)))
	b.shoot("contact-new-error")
	b.do("correct it and save", chromedp.Clear(css(`input[name="emails[0].value"]`)),
		chromedp.SendKeys(css(`input[name="emails[0].value"]`), "grace@example.com"),
		chromedp.Click(css(`form[action="/contacts/new"] button[type="submit"]`)), chromedp.WaitVisible(css(`.groups`)))
	if got, page := b.text("h1"), b.text(".groups"); got != "Grace Hopper" || !strings.Contains(page, "coffee") || !strings.Contains(page, "grace@example.com") {
		t.Errorf("the new contact's page is titled %q and shows %q", got, page)
	}
	b.shoot("contact-created")

	// SetValue fires the change event, on which our script submits the
	// picker.
	b.do("switch to Russian", chromedp.SetValue(css(`#lang-pick`), "ru"),
		chromedp.WaitVisible(css(`html[lang="ru"] .groups`)))
	for sel, want := range map[string]string{`.nav a[href="/contacts"]`: "Контакты", ".group h2": "Человек", `.me form[action="/signout"] button`: "Выйти"} {
		if got := b.text(sel); got != want {
			t.Errorf("in Russian, %s reads %q, want %q", sel, got, want)
		}
	}
	b.shoot("contact-ru")
	b.do("the list in Russian", chromedp.Navigate(s.base+"/contacts"), chromedp.WaitVisible(css(`table.list`)))
	if got := b.text("h1"); got != "Контакты" {
		t.Errorf("the Russian list is titled %q", got)
	}
	b.shoot("contacts-ru")

	b.do("sign out", chromedp.Click(css(`.me form[action="/signout"] button`)), chromedp.WaitVisible(css(`input[name="password"]`)))
	if got := b.text("h1"); got != "Вход" {
		t.Errorf("after sign-out in Russian, the page is titled %q", got)
	}
	b.shoot("signin-ru")

	// A forgotten password: the link comes by mail, which the server
	// writes to its log, with the token in the fragment that our script
	// copies into the form.
	b.do("ask for a reset link", chromedp.Click(css(`a[href="/forgot"]`)), chromedp.WaitVisible(css(`form[action="/forgot"] #email`)),
		chromedp.SendKeys(css(`#email`), "ada@example.com"), chromedp.Click(css(`button[type="submit"].primary`)),
		chromedp.WaitVisible(css(`.notice-ok`)))
	link := regexp.MustCompile(`http://[^\s"]+/password-reset#token=rpr_[A-Za-z0-9_-]+`).FindString(s.log.String())
	if link == "" {
		t.Fatalf("no reset link in the server's log:\n%s", s.log.String())
	}
	b.do("open the reset link", chromedp.Navigate(link), chromedp.WaitVisible(css(`#password`)))
	if !b.eval(`document.querySelector("input[data-reset-token]").value.startsWith("rpr_") && location.hash === ""`) {
		t.Error("the reset page did not take the token out of the address into its form")
	}
	b.shoot("reset-ru")
	b.do("choose a new password", chromedp.SendKeys(css(`#password`), "difference-engine"),
		chromedp.Click(css(`button[type="submit"].primary`)), chromedp.WaitVisible(css(`.notice-ok`)))

	b.do("sign in again",
		chromedp.SendKeys(css(`#password`), "difference-engine"),
		chromedp.Click(css(`button[type="submit"].primary`)),
		chromedp.WaitVisible(css(`.nav a[href="/"][aria-current="page"]`)))
	if got := b.text(`.nav a[href="/contacts"]`); got != "Контакты" {
		t.Errorf("signed in again, the navigation reads %q", got)
	}
}

// searchFor goes to the header's search box with "/", types part of a
// name, closes the results with Escape, opens them again and moves to
// the first with the arrow key, and opens it with Enter; then the page of
// all results. The index follows the records through the outbox, so it first
// waits until the API's search finds the contact; and it waits for the
// results of all four letters, as those of the first few may come first
// when the keys are typed slowly.
func searchFor(t *testing.T, s *server, b *browser, token string) {
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	for i := 0; ; i++ {
		_, found := s.call(t, token, "GET", "/api/v1/search?q=babb", "")
		if hits, _ := found["data"].([]any); len(hits) > 0 {
			break
		}
		if i == 100 {
			t.Fatal("the search index did not take in the contacts")
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.do("the / key", shortcutKey("/"))
	if !b.eval(`document.activeElement && document.activeElement.id === "search-box"`) {
		t.Error("the / key did not go to the search box")
	}
	b.do("type in the search box", chromedp.SendKeys(css(`#search-box`), "babb"),
		chromedp.WaitVisible(css(`#search-results a[href="/search?q=babb"]`)))
	if got := b.text(`#search-results a[role="option"] .search-title`); got != "<script>window.pwned=1</script> Babbage" {
		t.Errorf("the first result reads %q", got)
	}
	b.do("Escape closes the results", chromedp.KeyEvent(kb.Escape))
	if !b.eval(`document.getElementById("search-results").hidden && document.getElementById("search-box").getAttribute("aria-expanded") === "false"`) {
		t.Error("Escape did not close the results")
	}
	b.do("the arrow key opens them and chooses the first result", chromedp.KeyEvent(kb.ArrowDown))
	if !b.eval(`(() => { const box = document.getElementById("search-box"), first = document.querySelector('#search-results [role="option"]');
		return box.getAttribute("aria-expanded") === "true" && box.getAttribute("aria-activedescendant") === first.id &&
			first.getAttribute("aria-selected") === "true" && document.activeElement === box })()`) {
		t.Error("the arrow key did not mark the first result as chosen in the box")
	}
	b.shoot("search")
	b.do("Enter opens it", chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(css(`.groups`)))
	if got := b.text("h1"); got != "<script>window.pwned=1</script> Babbage" {
		t.Errorf("Enter opened %q", got)
	}
	b.do("the page of all results", chromedp.Navigate(b.base+"/search?q=babb"), chromedp.WaitVisible(css(`.search-found`)))
	if got := b.text(".search-found a"); got != "<script>window.pwned=1</script> Babbage" {
		t.Errorf("the page of all results starts with %q", got)
	}
	if b.eval(`window.pwned === 1`) {
		t.Error("a contact's name ran as a script in the search results")
	}
	b.shoot("search-page")
}

// darkScheme makes the page see the system's colour scheme as dark, or
// as it was.
func darkScheme(on bool) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		var features []*emulation.MediaFeature
		if on {
			features = []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}
		}
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: features})
		return err
	})
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

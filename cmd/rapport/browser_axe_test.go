package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// axeScript is axe-core as npm installed it, relative to the repository's
// root (scripts/test runs npm ci first).
const axeScript = "node_modules/axe-core/axe.min.js"

// axeSource is axe-core's script, read once.
var axeSource string

// axeTags are the rules axe runs: WCAG 2.0 and 2.1, levels A and AA.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

// loadAxe reads axe-core, or skips the test with what to run when it is
// missing (fails, when RAPPORT_REQUIRE_BROWSER says the browser tests must
// run).
func loadAxe(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
	src, err := os.ReadFile(filepath.Join(dir, axeScript))
	if err != nil {
		if os.Getenv("RAPPORT_REQUIRE_BROWSER") != "" {
			t.Fatalf("%s is missing: run npm ci in the repository's root", axeScript)
		}
		t.Skipf("%s is missing: run npm ci in the repository's root (scripts/test does)", axeScript)
	}
	return string(src)
}

// axeViolation is one rule the page breaks, as axe reports it.
type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
	Why     string   `json:"why"` // axe's words on the first element
}

// axe checks the current page with axe-core against WCAG 2.x A and AA
// and fails the test on every serious or critical violation, naming the
// rule, its impact, the elements and the help; lesser ones are logged.
// The script goes in through the DevTools protocol (Runtime.evaluate),
// which the page's Content-Security-Policy does not govern: the page
// itself still runs no inline script. page names the page in messages.
func (b *browser) axe(page string) {
	b.t.Helper()
	if axeSource == "" {
		axeSource = loadAxe(b.t)
	}
	loaded, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`typeof window.axe === "object"`))
	if err == nil && !loaded {
		loaded, err = chromedp.Run(b.ctx, chromedp.Evaluate[bool](axeSource+"\n;typeof window.axe === \"object\""))
	}
	if err != nil || !loaded {
		b.t.Fatalf("axe-core did not load into %s: %v", page, err)
	}
	tags, _ := json.Marshal(axeTags)
	run := `(async () => {
		const found = v => ({id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target.join(" ")),
			why: v.nodes.length ? v.nodes[0].any.concat(v.nodes[0].all, v.nodes[0].none).map(c => c.message).join("; ") : ""});
		const r = await axe.run(document, {runOnly: {type: "tag", values: ` + string(tags) + `}, resultTypes: ["violations"]});
		return JSON.stringify({passed: r.passes.length, unsure: r.incomplete.map(found), violations: r.violations.map(found)});
	})()`
	out, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](run, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("axe on %s: %v", page, err)
	}
	var found struct {
		Passed     int            `json:"passed"`
		Unsure     []axeViolation `json:"unsure"` // rules axe could not decide, for a person to look at
		Violations []axeViolation `json:"violations"`
	}
	if err := json.Unmarshal([]byte(out), &found); err != nil {
		b.t.Fatalf("axe on %s: %v", page, err)
	}
	b.t.Logf("axe on %s: %d rules passed, %d broken, %d undecided", page, found.Passed, len(found.Violations), len(found.Unsure))
	for _, v := range found.Unsure {
		b.t.Logf("axe on %s: undecided %s at %s: %s", page, v.ID, strings.Join(v.Targets[:min(3, len(v.Targets))], ", "), v.Why)
	}
	for _, v := range found.Violations {
		line := fmt.Sprintf("axe on %s: %s (%s) at %s: %s", page, v.ID, v.Impact, strings.Join(v.Targets, ", "), v.Help)
		if v.Impact == "serious" || v.Impact == "critical" {
			b.t.Error(line)
		} else {
			b.t.Log(line)
		}
	}
}

// axePages are the pages TestBrowserAccessibility checks signed in, in
// each language and at each width; {contact} stands for a contact's id.
// Add a page here to check it.
var axePages = []struct{ name, path string }{
	{"myday", "/"},
	{"contacts", "/contacts"},
	{"contacts-sorted", "/contacts?sort=-updated_at"},
	{"companies", "/companies"},
	{"deals", "/deals"},
	{"tasks", "/tasks"},
	{"products", "/products"},
	{"contact", "/contacts/{contact}"},
	{"contact-edit", "/contacts/{contact}/edit"},
	{"contact-new", "/contacts/new"},
	{"search", "/search?q=babbage"},
	{"board", "/board"},
	{"dashboard", "/dashboard"},
	{"deal-new", "/deals/new"},
	{"task-new", "/tasks/new"},
	{"product-new", "/products/new"},
	{"lists", "/lists"},
	{"notifications", "/notifications"},
	{"shortcuts", "/shortcuts"},
	{"caller", "/call?number=%2B442079460000"},
	{"me", "/me"},
	{"me-notifications", "/me/notifications"},
	{"settings", "/settings"},
	{"settings-workspace", "/settings/workspace"},
	{"settings-pipelines", "/settings/pipelines"},
	{"settings-fields", "/settings/fields?object=contacts"},
	{"settings-users", "/settings/users"},
	{"settings-roles", "/settings/roles"},
	{"settings-audit", "/settings/audit"},
	{"settings-jobs", "/settings/jobs"},
	{"settings-webhooks", "/settings/webhooks"},
	// goals: begin
	{"goals", "/goals"},
	{"settings-spend", "/settings/spend"},
	{"me-digest", "/me/digest"},
	// goals: end
}

// TestBrowserAccessibility runs axe-core (WCAG 2.x A and AA) on the main
// pages in English and Russian, at desktop width (and in the dark scheme) and at 375 px: the
// pages of axePages signed in, the header's search results open, a form
// refused with an error beside its field, the sign-in page after signing
// out, and the set-up page of a fresh server. A serious or critical
// violation fails the test.
func TestBrowserAccessibility(t *testing.T) {
	signedIn(t, func(t *testing.T, s *server, b *browser, token string, db []string) {
		loadAxe(t)
		css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
		contact := fillWorkday(t, s, token)
		waitForSearch(t, s, token, "babb")
		for _, lang := range []string{"en", "ru"} {
			b.language(lang)
			for _, p := range axePages {
				b.do("open "+p.path, chromedp.Navigate(b.base+strings.ReplaceAll(p.path, "{contact}", contact)),
					chromedp.WaitVisible(css(`#main`)))
				b.axeAtWidths(p.name+"-"+lang, lang == "en")
			}
			b.do("search as you type", chromedp.Navigate(b.base+"/contacts"), chromedp.WaitVisible(css(`#search-box`)),
				chromedp.SendKeys(css(`#search-box`), "babb"), chromedp.WaitVisible(css(`#search-results [role="option"]`)))
			b.axe("search-open-" + lang)
			b.do("a refused form", chromedp.Navigate(b.base+"/contacts/new"),
				chromedp.SendKeys(css(`input[name="emails[0].value"]`), "not an address"),
				chromedp.Click(css(`form[action="/contacts/new"] button[type="submit"]`)),
				chromedp.WaitVisible(css(`p.error[id="emails[0].value-error"]`)))
			b.axeAtWidths("contact-new-error-"+lang, false)
		}
		b.do("sign out", chromedp.Click(css(`.me form[action="/signout"] button`)), chromedp.WaitVisible(css(`#password`)))
		for _, lang := range []string{"en", "ru"} {
			b.language(lang)
			b.axeAtWidths("signin-"+lang, lang == "en")
		}
		// The set-up page shows only while there is no user: a server of
		// its own, on SQLite (the page is the same on either database).
		fresh := startServer(t, []string{"--data-dir", t.TempDir()})
		fb := newBrowser(t, fresh.base, b.dir)
		fb.do("open the set-up page", chromedp.Navigate(fresh.base+"/"), chromedp.WaitVisible(css(`input[name="workspace"]`)))
		for _, lang := range []string{"en", "ru"} {
			fb.language(lang)
			fb.axeAtWidths("setup-"+lang, lang == "en")
		}
	})
}

// axeAtWidths runs axe on the current page at desktop width, in the dark
// scheme as well when asked (its colours must keep their contrast; once
// per page is enough, the colours do not change with the language), and
// at 375 px, where the layout changes.
func (b *browser) axeAtWidths(page string, dark bool) {
	b.t.Helper()
	b.axe(page + "-desktop")
	if dark {
		b.do("the dark scheme", darkScheme(true))
		b.axe(page + "-desktop-dark")
		b.do("the light scheme", darkScheme(false))
	}
	b.do("375 px for "+page, chromedp.EmulateViewport(375, 812))
	b.axe(page + "-375")
	b.do("back to desktop width", chromedp.EmulateViewport(1280, 860))
}

// language picks lang in the page's language picker, which reloads the
// page in it.
func (b *browser) language(lang string) {
	b.t.Helper()
	b.do("switch to "+lang, chromedp.SetValue(chromedp.CSS(`#lang-pick`), lang),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="`+lang+`"] #main`)))
}

// waitForSearch waits until the search index, which follows the records
// through the outbox, finds q.
func waitForSearch(t *testing.T, s *server, token, q string) {
	t.Helper()
	for i := 0; ; i++ {
		_, found := s.call(t, token, "GET", "/api/v1/search?q="+q, "")
		if hits, _ := found["data"].([]any); len(hits) > 0 {
			return
		}
		if i == 100 {
			t.Fatalf("the search index did not take in %q", q)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

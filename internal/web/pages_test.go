package web

import (
	"html"
	"io/fs"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/locale"
)

// untranslated finds a catalogue key in a page: the catalogue shows a
// missing key as the key itself.
var untranslated = regexp.MustCompile(`\b(web|object|error|format|language)\.[a-z_]+(\.[a-z_]+)*\b`)

// TestEveryPageRendersInEveryLanguage draws each declared page with its
// example data, signed out and signed in, in every language: no template
// error, no missing key, and user content escaped.
func TestEveryPageRendersInEveryLanguage(t *testing.T) {
	tmpl, err := embeddedPages()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{pages: tmpl, assets: &assets{names: assetNames{JS: "/static/app.js", CSS: "/static/app.css"}}}
	user := &account.User{Name: "Ada <script>", Email: "ada@example.com", TimeZone: "Europe/London"}
	for _, lang := range locale.Languages {
		for name, example := range pages {
			for _, v := range []*visit{
				{lang: lang, p: locale.For(lang)},
				{lang: lang, p: locale.For(lang), user: user, session: &account.Session{CSRFToken: "tok"}},
			} {
				w := httptest.NewRecorder()
				s.render(w, httptest.NewRequest("GET", "/x?a=<b>", nil), v, 200, name, example(v.p))
				body := w.Body.String()
				if w.Code != 200 || !strings.Contains(body, "</html>") {
					t.Errorf("%s in %s: status %d, body %.200q", name, lang, w.Code, body)
					continue
				}
				if m := untranslated.FindString(body); m != "" {
					t.Errorf("%s in %s shows the key %q", name, lang, m)
				}
				if strings.Contains(body, "<script>\"") || strings.Contains(body, "Ada <script>") || strings.Contains(body, "<b>Lovelace") {
					t.Errorf("%s in %s does not escape user content", name, lang)
				}
				if !strings.Contains(body, `<html lang="`+lang+`">`) {
					t.Errorf("%s in %s does not say its language", name, lang)
				}
			}
		}
	}
}

// TestPagesSayWhenAssetsAreMissing renders a page of a binary built
// without its bundles: it links none and says what to run.
func TestPagesSayWhenAssetsAreMissing(t *testing.T) {
	tmpl, err := embeddedPages()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{pages: tmpl, assets: &assets{names: assetNames{Missing: true}}}
	p := locale.For("en")
	w := httptest.NewRecorder()
	s.render(w, httptest.NewRequest("GET", "/signin", nil), &visit{lang: "en", p: p}, 200, "signin", pages["signin"](p))
	body := w.Body.String()
	if !strings.Contains(body, html.EscapeString(p.T("web.assets.missing"))) || strings.Contains(body, "<script") || strings.Contains(body, "stylesheet") {
		t.Errorf("a page without bundles: %s", body)
	}
}

// TestPagesMustBeDeclared checks that start-up fails for a page template
// nobody declared, for a declared page without a template, and for a page
// that does not parse (though pages are kept parsed only once shown).
func TestPagesMustBeDeclared(t *testing.T) {
	files := fstest.MapFS{}
	err := fs.WalkDir(templateFiles, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templateFiles, path)
		files[path] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parsePages(files); err != nil {
		t.Fatalf("the real templates: %v", err)
	}
	extra := fstest.MapFS{}
	for k, v := range files {
		extra[k] = v
	}
	extra["templates/pages/stray.html"] = &fstest.MapFile{Data: []byte(`{{define "content"}}x{{end}}`)}
	if _, err := parsePages(extra); err == nil || !strings.Contains(err.Error(), "stray") {
		t.Errorf("an undeclared page: %v; want an error naming it", err)
	}
	broken := fstest.MapFS{}
	for k, v := range files {
		broken[k] = v
	}
	broken["templates/pages/list.html"] = &fstest.MapFile{Data: []byte(`{{define "content"}}{{if}}{{end}}`)}
	if _, err := parsePages(broken); err == nil || !strings.Contains(err.Error(), "list") {
		t.Errorf("a page that does not parse: %v; want an error naming it", err)
	}
	delete(files, "templates/pages/list.html")
	if _, err := parsePages(files); err == nil || !strings.Contains(err.Error(), "list") {
		t.Errorf("a declared page without its template: %v; want an error naming it", err)
	}
}

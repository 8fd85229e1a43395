package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserImportNewField maps a column the guess leaves out to a new
// field on the import screen, which says what it makes, and imports
// silently: the import's page says both.
func TestBrowserImportNewField(t *testing.T) {
	signedIn(t, func(t *testing.T, s *server, b *browser, token string, db []string) {
		css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
		file := filepath.Join(t.TempDir(), "points.csv")
		text := "First name,E-mail,Loyalty points\nAda,ada@example.com,120\nGrace,grace@example.com,75\n"
		if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		b.do("open the import screen", chromedp.Navigate(b.base+"/imports/new?object=contacts"), chromedp.WaitVisible(css(`#import-file`)))
		b.do("upload the file", chromedp.SetUploadFiles(css(`#import-file`), []string{file}),
			chromedp.Click(css(`#import-upload button[type="submit"]`)), chromedp.WaitVisible(css(`#import-preview`)))
		// The language picker reloads the screen as uploaded: the
		// column is mapped again in each language.
		mapNew := func() {
			b.do("map the points to a new field", chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById("col-2"); s.value = "new";
				s.dispatchEvent(new Event("change", {bubbles: true})); })()`), chromedp.WaitVisible(css(`#col-2-makes`)))
			b.do("scroll to the mapping", chromedp.ScrollIntoView(css(`#import-mapping-title`)))
		}
		b.language("ru")
		b.do("the screen in Russian", chromedp.WaitVisible(css(`#import-preview`)))
		mapNew()
		b.shoot("import-new-field-ru")
		b.language("en")
		b.do("the screen in English", chromedp.WaitVisible(css(`#import-preview`)))
		mapNew()
		if got := b.text(`#col-2-makes`); !strings.Contains(got, "loyalty_points") {
			t.Errorf("the new field's hint reads %q", got)
		}
		b.do("import silently", chromedp.Click(css(`#import-silent`)))
		b.shoot("import-new-field")
		b.axeAtWidths("import-new-field", true)
		b.do("import", chromedp.Click(css(`#import-run`)), chromedp.WaitVisible(css(`#import-state`)))
		b.do("see it end", chromedp.Poll[chromedp.Void](`document.getElementById("import-status").textContent.trim() === "Imported"`))
		if got := b.text(`#import-new-fields`); !strings.Contains(got, "Loyalty points") {
			t.Errorf("the page says %q of the new fields", got)
		}
		if got := b.text(`#import-silent`); !strings.Contains(got, "silently") {
			t.Errorf("the page says %q of silence", got)
		}
		b.shoot("import-done-silent")
		if status, c := s.call(t, token, "GET", "/api/v1/contacts?sort=first_name", ""); status != 200 ||
			c["data"].([]any)[0].(map[string]any)["loyalty_points"] == nil {
			t.Fatalf("the contacts: %d %v", status, c)
		}
	})
}

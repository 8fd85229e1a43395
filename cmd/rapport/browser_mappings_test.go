package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserSavedMapping chooses a saved mapping on the import screen:
// the columns whose headers no guess knows take its fields, without a
// reload. It saves the screenshots import-saved-mapping (en and ru).
func TestBrowserSavedMapping(t *testing.T) {
	signedIn(t, func(t *testing.T, s *server, b *browser, token string, db []string) {
		css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
		status, m := s.call(t, token, "POST", "/api/v1/import-mappings",
			`{"object": "contacts", "name": "Old CRM", "mapping": {"Xq1": "first_name", "Xq2": "emails", "Xq3": ""}}`)
		if status != 201 {
			t.Fatalf("saving a mapping: %d %v", status, m)
		}
		file := filepath.Join(t.TempDir(), "old.csv")
		if err := os.WriteFile(file, []byte("Xq1,Xq2,Xq3\nJan,jan@example.com,x\nOla,ola@example.com,y\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		b.do("open the import screen", chromedp.Navigate(b.base+"/imports/new?object=contacts"), chromedp.WaitVisible(css(`#import-file`)))
		b.do("upload the file", chromedp.SetUploadFiles(css(`#import-file`), []string{file}),
			chromedp.Click(css(`#import-upload button[type="submit"]`)), chromedp.WaitVisible(css(`#import-saved`)))
		b.do("choose the saved mapping", chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById("import-saved");
			s.value = "`+m["id"].(string)+`"; s.dispatchEvent(new Event("change", {bubbles: true})); })()`),
			chromedp.Poll[chromedp.Void](`document.getElementById("col-0").value === "first_name"`))
		for sel, want := range map[string]string{`#col-0`: "first_name", `#col-1`: "emails", `#col-2`: ""} {
			if got, _ := chromedp.Run(b.ctx, chromedp.Value(css(sel))); got != want {
				t.Errorf("%s is mapped to %q, want %q", sel, got, want)
			}
		}
		b.do("name a mapping to save", chromedp.SetValue(css(`#import-save-as`), "Old CRM, March"))
		b.shoot("import-saved-mapping")
		b.axeAtWidths("import-saved-mapping", true)
		b.language("ru")
		b.do("the screen in Russian", chromedp.WaitVisible(css(`#import-saved`)))
		b.shoot("import-saved-mapping-ru")
		b.language("en")
	})
}

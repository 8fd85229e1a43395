package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserImportResume kills the server while an import of 20,000
// contacts runs in the background and starts it again: the import's page
// says it was interrupted with its file kept, in English and Russian, and
// *Resume the import* runs it again to its end, from the file, which is
// then removed.
func TestBrowserImportResume(t *testing.T) {
	signedIn(t, func(t *testing.T, s *server, b *browser, token string, db []string) {
		css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
		const rows = 20000
		id := killMidImport(t, s, token, rows)
		kept := filepath.Join(dataDir(t, db), "imports", "import-"+id)
		if _, err := os.Stat(kept); err != nil {
			t.Fatalf("the killed import's file is not kept: %v", err)
		}

		s = startServer(t, db)
		b = newBrowser(t, s.base, b.dir)
		b.signIn("ada@example.com", "analytical-engine")
		b.do("open the interrupted import", chromedp.Navigate(s.base+"/imports/"+id), chromedp.WaitVisible(css(`#import-resume`)))
		if got := b.text(`#import-status`); got != "Interrupted" {
			t.Errorf("the status reads %q", got)
		}
		if got := b.text(`#import-interrupted`); !strings.Contains(got, "Its file was kept") {
			t.Errorf("the page says %q", got)
		}
		b.shoot("import-interrupted")
		b.axeAtWidths("import-interrupted", true)
		b.language("ru")
		b.do("the page in Russian", chromedp.WaitVisible(css(`#import-resume`)))
		b.shoot("import-interrupted-ru")
		b.axeAtWidths("import-interrupted-ru", false)
		b.language("en")
		b.do("the page in English", chromedp.WaitVisible(css(`#import-resume`)))

		b.do("resume it", chromedp.Click(css(`#import-resume`)), chromedp.WaitVisible(css(`#import-state`)))
		// A 15-second step is short for 20,000 rows on a loaded machine:
		// the page is read until it says the import ended.
		for i := 0; !b.eval(`document.getElementById("import-status")?.textContent.trim() === "Imported"`); i++ {
			if i == 600 {
				t.Fatalf("the resumed import did not end: %s", b.text(`#import-state`))
			}
			time.Sleep(200 * time.Millisecond)
		}
		if got := b.text(`#import-summary`); !strings.Contains(got, "created: 20,000") {
			t.Errorf("the summary says %q", got)
		}
		b.shoot("import-resumed")
		if _, err := os.Stat(kept); !os.IsNotExist(err) {
			t.Errorf("the resumed import's file is still kept: %v", err)
		}
		if status, _ := s.call(t, token, "POST", "/api/v1/imports/"+id+"/resume", ""); status != http.StatusConflict {
			t.Errorf("resuming a committed import: %d", status)
		}
	})
}

// killMidImport starts an import of n contacts in the background and
// kills the server once the import has written rows, as a crash would.
// It returns the import's id.
func killMidImport(t *testing.T, s *server, token string, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("First name,Last name,Email\n")
	for i := range n {
		fmt.Fprintf(&b, "Person%d,Resumed,person%d@example.com\n", i, i)
	}
	req, _ := http.NewRequest("POST", s.base+"/api/v1/imports?background=true&file_name=people.csv", strings.NewReader(b.String()))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "text/csv")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var started struct{ ID string }
	if json.Unmarshal(raw, &started); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("background import: %d %s", resp.StatusCode, raw)
	}
	for i := 0; ; i++ {
		_, log := s.call(t, token, "GET", "/api/v1/imports/"+started.ID, "")
		if log["status"] != "running" {
			t.Fatalf("the import ended before the server could be killed: %v", log["status"])
		}
		if p, _ := log["progress"].(map[string]any); p != nil && p["rows"].(float64) > 0 {
			break
		}
		if i == 2000 {
			t.Fatal("the import wrote no rows")
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.cmd.Process.Kill()
	s.cmd.Wait()
	return started.ID
}

// dataDir is the data directory the database flags db name.
func dataDir(t *testing.T, db []string) string {
	t.Helper()
	i := slices.Index(db, "--data-dir")
	if i < 0 || i+1 == len(db) {
		t.Fatalf("no --data-dir in %v", db)
	}
	return db[i+1]
}

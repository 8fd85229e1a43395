package dav_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// needClients skips when the DAV programs are missing, unless the run
// must test everything (RAPPORT_REQUIRE_BROWSER, set by scripts/test,
// which installs them).
func needClients(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			if os.Getenv("RAPPORT_REQUIRE_BROWSER") != "" {
				t.Fatalf("%s is missing: apt-get install vdirsyncer khard khal", n)
			}
			t.Skipf("%s is missing: apt-get install vdirsyncer khard khal (scripts/test does)", n)
		}
	}
}

// run runs a program with HOME in dir, answering yes to vdirsyncer's
// questions; khard gets no input, since it reads a contact from a stdin
// that is not a terminal.
func run(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_CONFIG_HOME="+filepath.Join(dir, "config"),
		"XDG_DATA_HOME="+filepath.Join(dir, "data"), "LANG=C.UTF-8", "LC_ALL=C.UTF-8")
	if name == "vdirsyncer" {
		cmd.Stdin = strings.NewReader(strings.Repeat("y\n", 20))
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// cards reads the .vcf and .ics files vdirsyncer keeps, by file name.
func cards(t *testing.T, dir string) map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*", "*.vcf"))
	if err != nil {
		t.Fatal(err)
	}
	ics, err := filepath.Glob(filepath.Join(dir, "*", "*.ics"))
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, ics...)
	out := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[f] = string(b)
	}
	return out
}

// TestVdirsyncerAndKhard syncs Sam's address book with vdirsyncer both
// ways, from discovery at the server's root: the files hold his contacts
// and never his colleague's; a file edited locally changes the contact in
// Rapport; a contact changed in Rapport changes the file; khard lists the
// contacts from the synced folder.
func TestVdirsyncerAndKhard(t *testing.T) {
	needClients(t, "vdirsyncer", "khard")
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := setup(t, db)
		dir := t.TempDir()
		local := filepath.Join(dir, "contacts")
		config := filepath.Join(dir, "vdirsyncer.conf")
		err := os.WriteFile(config, []byte(`[general]
status_path = "`+filepath.Join(dir, "status")+`/"

[pair rapport]
a = "local"
b = "remote"
collections = ["from b"]
conflict_resolution = "b wins"

[storage local]
type = "filesystem"
path = "`+local+`/"
fileext = ".vcf"

[storage remote]
type = "carddav"
url = "`+w.url+`/"
username = "sam@example.com"
password = "`+password+`"
`), 0o600)
		if err != nil {
			t.Fatal(err)
		}
		run(t, dir, "vdirsyncer", "-c", config, "discover")
		run(t, dir, "vdirsyncer", "-c", config, "sync")
		got := cards(t, local)
		if len(got) != 3 {
			t.Fatalf("after the first sync, %d cards: %v", len(got), got)
		}
		var ada string
		for f, c := range got {
			if strings.Contains(c, marker) {
				t.Fatalf("the colleague's private contact reached the salesperson's address book: %s", f)
			}
			if strings.Contains(c, "Lovelace") {
				ada = f
			}
		}
		if ada == "" || !strings.Contains(got[ada], "TITLE:Analyst") {
			t.Fatalf("no card for Ada with her title: %v", got)
		}

		// An edit on the phone's side comes back as an edit of the contact.
		edited := strings.Replace(got[ada], "TITLE:Analyst", "TITLE:Head of Analysis", 1)
		if err := os.WriteFile(ada, []byte(edited), 0o600); err != nil {
			t.Fatal(err)
		}
		run(t, dir, "vdirsyncer", "-c", config, "sync")
		rec, err := w.engine.Get(as(w.sam), "contact", w.ids[0], false)
		if err != nil || rec["job_title"] != "Head of Analysis" || rec["version"] != int64(2) {
			t.Fatalf("after syncing a local edit: %v %v", rec, err)
		}

		// A change in Rapport reaches the file.
		rec, _ = w.engine.Get(as(w.sam), "contact", w.ids[1], false)
		if _, err := w.engine.Update(as(w.sam), "contact", w.ids[1], rec["version"].(int64),
			map[string]any{"job_title": "Rear Admiral"}); err != nil {
			t.Fatal(err)
		}
		run(t, dir, "vdirsyncer", "-c", config, "sync")
		found := false
		for _, c := range cards(t, local) {
			found = found || (strings.Contains(c, "Hopper") && strings.Contains(c, "TITLE:Rear Admiral"))
		}
		if !found {
			t.Fatalf("the change made in Rapport did not reach the files: %v", cards(t, local))
		}
		if n := len(cards(t, local)); n != 3 {
			t.Fatalf("after syncing both ways, %d cards", n)
		}

		// khard reads the synced folder.
		books, err := filepath.Glob(filepath.Join(local, "*"))
		if err != nil || len(books) != 1 {
			t.Fatalf("vdirsyncer made %v", books)
		}
		khardConfig := filepath.Join(dir, "khard.conf")
		err = os.WriteFile(khardConfig, []byte("[addressbooks]\n[[rapport]]\npath = "+books[0]+"\n\n[general]\ndefault_action = list\n"), 0o600)
		if err != nil {
			t.Fatal(err)
		}
		out := run(t, dir, "khard", "-c", khardConfig, "list")
		for _, name := range []string{"Lovelace", "Hopper", "Turing"} {
			if !strings.Contains(out, name) {
				t.Errorf("khard list lacks %s:\n%s", name, out)
			}
		}
		if strings.Contains(out, marker) {
			t.Errorf("khard lists the colleague's contact:\n%s", out)
		}

		// An edit made with khard (its editor is a script that changes
		// the title in khard's form) reaches Rapport at the next sync.
		editor := filepath.Join(dir, "editor.sh")
		if err := os.WriteFile(editor, []byte("#!/bin/sh\nsed -i 's/Rear Admiral/Fleet Admiral/' \"$1\"\n"), 0o700); err != nil {
			t.Fatal(err)
		}
		err = os.WriteFile(khardConfig, []byte("[addressbooks]\n[[rapport]]\npath = "+books[0]+"\n\n[general]\neditor = "+editor+"\n"), 0o600)
		if err != nil {
			t.Fatal(err)
		}
		run(t, dir, "khard", "-c", khardConfig, "edit", "Hopper")
		run(t, dir, "vdirsyncer", "-c", config, "sync")
		rec, err = w.engine.Get(as(w.sam), "contact", w.ids[1], false)
		if err != nil || rec["job_title"] != "Fleet Admiral" || !strings.Contains(fmt.Sprint(rec["phones"]), "+14155550100") ||
			rec["birthday"] != "1906-12-09" {
			t.Fatalf("after syncing khard's edit: %v %v", rec, err)
		}
	})
}

package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/importer"
	"github.com/rapport-crm/rapport/internal/records"
)

// TestImportCommand imports a file dry and for real through the command,
// with a mapping file, writes the error report, and undoes the import.
func TestImportCommand(t *testing.T) {
	for name, db := range dbArgs(t) {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "people.csv")
			os.WriteFile(file, []byte("Code;First name;Last name;E-mail;Phone;Company\n"+
				"A1;Ada;Lovelace;ada@example.com;+44 20 7946 0958;Analytical Engines\n"+
				"A2;Bad;Mail;not-an-address;;\n"+
				"A3;Charles;Babbage;charles@example.com;;Analytical Engines\n"), 0o600)
			mapping := filepath.Join(dir, "mapping.json")
			os.WriteFile(mapping, []byte(`{"Code": "external_id"}`), 0o600)
			cli := func(args ...string) (string, string, error) {
				var out, errOut bytes.Buffer
				err := run(context.Background(), append(append([]string{"import"}, args...), db...), &out, &errOut, func(string) string { return "" })
				return out.String(), errOut.String(), err
			}
			if _, _, err := run0(db, "user", "create", "--email", "ada@example.com", "--password", "analytical-engine", "--role", "administrator"); err != nil {
				t.Fatal(err)
			}

			out, errOut, err := cli("--dry-run", "--mapping", mapping, file)
			if err != nil || !strings.HasPrefix(out, "row,action,record_id,reason\n2,created,") || !strings.Contains(out, "\n3,failed,,") ||
				!strings.Contains(errOut, "dry_run: 2 created, 0 updated, 0 skipped, 1 failed of 3 rows") {
				t.Fatalf("dry run: %v\n%s\n%s", err, out, errOut)
			}
			if _, _, err := cli("--strict", file); err == nil || !strings.Contains(err.Error(), "--strict") {
				t.Errorf("strict: %v", err)
			}
			report := filepath.Join(dir, "errors.csv")
			out, errOut, err = cli(file, "--mapping", mapping, "--errors", report, "--as", "ada@example.com")
			m := regexp.MustCompile(`import (\d+) committed: 2 created, 0 updated, 0 skipped, 1 failed of 3 rows`).FindStringSubmatch(out)
			if err != nil || m == nil || !strings.Contains(errOut, "rows/s") || !strings.Contains(errOut, `row 3, E-mail "not-an-address"`) {
				t.Fatalf("import: %v\n%s\n%s", err, out, errOut)
			}
			// The command ends with the records searchable: a small import
			// indexes its events.
			if !strings.Contains(errOut, "searchable (events)") || searchDocs(t, db) < 2 {
				t.Errorf("search after the import: %d documents\n%s", searchDocs(t, db), errOut)
			}
			if b, _ := os.ReadFile(report); !strings.HasPrefix(string(b), "row,column,value,reason\n3,E-mail,not-an-address,") {
				t.Errorf("report: %s", b)
			}
			out, _, err = cli("--undo", m[1])
			if err != nil || !strings.Contains(out, "removed the 2 contacts it created") {
				t.Errorf("undo: %v %s", err, out)
			}
			if _, _, err := cli("--undo", m[1]); err == nil || !strings.Contains(err.Error(), "nothing to undo") {
				t.Errorf("second undo: %v", err)
			}
			// A value that is no file is the name of a saved mapping.
			saveMapping(t, db, "Old CRM", `{"Code": "external_id"}`)
			out, _, err = cli("--dry-run", "--mapping", "old crm", file)
			if err != nil || !strings.Contains(out, "\n2,created,") {
				t.Errorf("saved mapping: %v\n%s", err, out)
			}
			if _, _, err := cli("--mapping", "New CRM", file); err == nil || !strings.Contains(err.Error(), "no saved mapping of contacts") {
				t.Errorf("unknown mapping: %v", err)
			}
			if _, _, err := cli("--object", "invoices", file); err == nil || !strings.Contains(err.Error(), "object") {
				t.Errorf("invoices: %v", err)
			}
			// A mapping file can make a field of a column; --silent is
			// kept in the log.
			fresh := filepath.Join(dir, "fresh.json")
			os.WriteFile(fresh, []byte(`{"Code": "new:text:old_code"}`), 0o600)
			// A large import into a small workspace rebuilds the index.
			bulk := searchBulk
			searchBulk = 2
			out, errOut, err = cli("--silent", "--mapping", fresh, file)
			searchBulk = bulk
			m = regexp.MustCompile(`import (\d+) committed: 2 created`).FindStringSubmatch(out)
			if err != nil || m == nil || !strings.Contains(errOut, `column "Code": new field old_code (text)`) {
				t.Fatalf("a new field: %v\n%s\n%s", err, out, errOut)
			}
			if !strings.Contains(errOut, "searchable (rebuilt)") || searchDocs(t, db) < 2 {
				t.Errorf("search after a large import: %d documents\n%s", searchDocs(t, db), errOut)
			}
			if out, _, err = cli("--undo", m[1]); err != nil || !strings.Contains(out, "removed the field old_code it made") {
				t.Errorf("undo of a new field: %v %s", err, out)
			}
		})
	}
}

// searchDocs counts the documents of the search index.
func searchDocs(t *testing.T, db []string) int {
	t.Helper()
	c := newCommand("test", io.Discard)
	if err := c.fs.Parse(db); err != nil {
		t.Fatal(err)
	}
	d, err := c.open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var n int
	if err := d.Reader().QueryRowContext(context.Background(), `SELECT count(*) FROM search_docs`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// saveMapping saves a mapping of contacts as the first administrator,
// as the web and the API do.
func saveMapping(t *testing.T, db []string, name, mapping string) {
	t.Helper()
	ctx := context.Background()
	c := newCommand("test", io.Discard)
	if err := c.fs.Parse(db); err != nil {
		t.Fatal(err)
	}
	d, err := c.open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx, err = importActor(ctx, d, "")
	if err != nil {
		t.Fatal(err)
	}
	engine := records.New(d, records.Options{Policy: access.NewRolePolicy(d)})
	m, err := importer.ParseMapping([]byte(mapping))
	if err != nil {
		t.Fatal(err)
	}
	object := "contacts"
	if _, err := importer.New(d, engine, nil).SaveMapping(ctx, importer.MappingInput{Object: &object, Name: &name, Mapping: &m}); err != nil {
		t.Fatal(err)
	}
}

func run0(db []string, args ...string) (string, string, error) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), append(args, db...), &out, &errOut, func(string) string { return "" })
	return out.String(), errOut.String(), err
}

// TestProgressLine draws the command's progress bar: half the rows done
// at 500 a second leave three seconds.
func TestProgressLine(t *testing.T) {
	got := progressLine(1500, 3000, 3*time.Second)
	if want := "[###############---------------] 1500/3000 rows, 500 rows/s, 3s left "; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := progressLine(10, 0, 2*time.Second); got != "10 rows, 5 rows/s, 2s" {
		t.Errorf("without a total: %q", got)
	}
}

package importer_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/importer"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// peopleFile is a file of n contacts of a few companies; one row has a
// broken e-mail and one repeats an earlier row's, so that the import
// fails one and skips one.
func peopleFile(n int) string {
	var b strings.Builder
	b.WriteString("First name,Last name,Email,Company\n")
	for i := range n {
		email := fmt.Sprintf("person%d@example.com", i)
		switch i {
		case 7:
			email = "not-an-address"
		case 9:
			email = "person3@example.com"
		}
		fmt.Fprintf(&b, "Name%d,Surname%d,%s,Company %d\n", i, i, email, i%50)
	}
	return b.String()
}

// where is a database as a process opens it: a URL, or SQLite's data
// directory.
type where struct{ url, dir string }

// databases makes a fresh migrated database of each kind the tests run
// on, by name.
func databases(t *testing.T) map[string]func() where {
	out := map[string]func() where{"sqlite": func() where { return where{dir: storetest.SQLiteDir(t)} }}
	if os.Getenv(storetest.EnvPostgres) != "" {
		out["postgres"] = func() where { return where{url: storetest.PostgresURL(t)} }
	}
	return out
}

// TestResumeAfterKill starts an import in the background in a child
// process and kills that process once the import has written rows. The
// next start marks the import interrupted with its file kept; resumed,
// it leaves the database exactly as the same import run without a stop
// does, its file is removed, and its error report and undo work.
func TestResumeAfterKill(t *testing.T) {
	file := peopleFile(3000)
	for name, fresh := range databases(t) {
		t.Run(name, func(t *testing.T) {
			at := fresh()
			v := newEnv(t, storetest.Open(t, at.url, at.dir))
			v.killedImport(at, file)

			// A new process starts.
			after := envOf(t, v.db, v.user(), v.dir)
			if n, err := after.im.Recover(after.ctx); err != nil || n != 1 {
				t.Fatalf("recovered %d, %v", n, err)
			}
			list, err := after.im.List(after.ctx, 10)
			if err != nil || len(list) != 1 || list[0].Status != importer.StatusInterrupted || !list[0].Resumable {
				t.Fatalf("after the restart: %+v %v", list, err)
			}
			if n := after.count("contacts"); n != 0 {
				t.Fatalf("the killed import left %d contacts", n)
			}
			id := list[0].ID
			done := make(chan struct{})
			s, err := after.im.Resume(after.ctx, id, func() { close(done) })
			if err != nil || s.Status != importer.StatusRunning {
				t.Fatalf("resume: %+v %v", s, err)
			}
			<-done
			if s, err = after.im.Get(after.ctx, id); err != nil || s.Status != importer.StatusCommitted || s.Resumable {
				t.Fatalf("resumed: %+v %v", s, err)
			}
			if left := files(t, v.dir); len(left) != 0 {
				t.Errorf("files left after the resumed import: %v", left)
			}

			other := fresh()
			ref := newEnv(t, storetest.Open(t, other.url, other.dir))
			want := ref.run(file, importer.Options{FileName: "people.csv"})
			if want.Created != 2998 || want.Skipped != 1 || want.Failed != 1 {
				t.Errorf("uninterrupted: %s", counts(want))
			}
			if counts(s) != counts(want) {
				t.Errorf("resumed: %s; uninterrupted: %s", counts(s), counts(want))
			}
			if got, want := after.state(), ref.state(); got != want {
				t.Errorf("the database after the resumed import:\n%s\nafter the same import uninterrupted:\n%s", got, want)
			}
			var report strings.Builder
			if err := after.im.WriteErrors(after.ctx, id, &report); err != nil || !strings.Contains(report.String(), "not-an-address") {
				t.Errorf("error report %q, %v", report.String(), err)
			}
			if _, err := after.im.Undo(after.ctx, id); err != nil {
				t.Fatal(err)
			}
			if n := after.count("contacts"); n != 0 {
				t.Errorf("the undo of the resumed import left %d contacts", n)
			}
		})
	}
}

// killedImport runs a child process that starts file's import in the
// background on database at and kills itself once rows are written.
func (v *env) killedImport(at where, file string) {
	v.t.Helper()
	path := filepath.Join(v.t.TempDir(), "people.csv")
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		v.t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledImportChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "IMPORT_CHILD_URL="+at.url, "IMPORT_CHILD_DIR="+at.dir, "IMPORT_CHILD_FILES="+v.dir,
		"IMPORT_CHILD_USER="+strconv.FormatInt(v.user(), 10), "IMPORT_CHILD_FILE="+path)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		v.t.Fatalf("the child was not killed: %v\n%s", err, out)
	}
}

// TestKilledImportChild is the child process of killedImport.
func TestKilledImportChild(t *testing.T) {
	if os.Getenv("IMPORT_CHILD_FILE") == "" {
		t.Skip("run by TestResumeAfterKill")
	}
	user, _ := strconv.ParseInt(os.Getenv("IMPORT_CHILD_USER"), 10, 64)
	v := envOf(t, storetest.Open(t, os.Getenv("IMPORT_CHILD_URL"), os.Getenv("IMPORT_CHILD_DIR")), user, os.Getenv("IMPORT_CHILD_FILES"))
	src, err := os.Open(os.Getenv("IMPORT_CHILD_FILE"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := v.im.Spool(src)
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.im.Start(v.ctx, f, importer.Options{Object: "contacts", FileName: "people.csv", Progress: func(rows int, _ time.Duration) {
		if rows > 0 {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
		}
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Minute)
	t.Fatal("the import ended before the process could be killed")
}

// user is the env's user.
func (v *env) user() int64 {
	v.t.Helper()
	var id int64
	if err := v.db.Reader().QueryRowContext(v.ctx, `SELECT id FROM users WHERE email = 'ada@example.com'`).Scan(&id); err != nil {
		v.t.Fatal(err)
	}
	return id
}

// state is what an import leaves in the database, in words: the rows of
// the tables it writes, and each contact with its company.
func (v *env) state() string {
	v.t.Helper()
	var b strings.Builder
	for _, table := range []string{"contacts", "companies", "contact_companies", "import_records", "import_errors", "external_ids",
		"duplicate_keys", "duplicate_pairs", "search_docs", "outbox", "audit_log"} {
		fmt.Fprintf(&b, "%s %d\n", table, v.count(table))
	}
	rows, err := v.db.Reader().QueryContext(v.ctx, `SELECT c.first_name, c.last_name, COALESCE(`+v.db.Dialect.JSONOut("c.emails")+`, ''), COALESCE(co.name, '')
		FROM contacts c LEFT JOIN contact_companies cc ON cc.workspace_id = c.workspace_id AND cc.contact_id = c.id
		LEFT JOIN companies co ON co.workspace_id = cc.workspace_id AND co.id = cc.company_id ORDER BY c.first_name, c.last_name`)
	if err != nil {
		v.t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var first, last, emails, company string
		if err := rows.Scan(&first, &last, &emails, &company); err != nil {
			v.t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s %s %s %s\n", first, last, emails, company)
	}
	if err := rows.Err(); err != nil {
		v.t.Fatal(err)
	}
	return b.String()
}

// files are the names of the files in dir.
func files(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// TestResumeRefused refuses to resume or discard an import that is not
// interrupted, and to resume one whose file is gone; a discarded import
// says so, and its file is removed.
func TestResumeRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		done := v.run("First name\nAda\n", importer.Options{})
		for _, try := range []func(string) (*importer.Summary, error){
			func(id string) (*importer.Summary, error) { return v.im.Resume(v.ctx, id, nil) },
			v.discard,
		} {
			if _, err := try(done.ID); !fault.Is(err, fault.ECONFLICT) || !strings.Contains(err.Error(), "committed") {
				t.Errorf("a committed import resumed or discarded: %v", err)
			}
		}
		lost, kept := v.interrupted("lost.csv"), v.interrupted("kept.csv")
		if err := os.Remove(filepath.Join(v.dir, "import-"+lost)); err != nil {
			t.Fatal(err)
		}
		if s, _ := v.im.Get(v.ctx, lost); s.Resumable {
			t.Error("an import whose file is gone is resumable")
		}
		if _, err := v.im.Resume(v.ctx, lost, nil); !fault.Is(err, fault.ECONFLICT) || !strings.Contains(err.Error(), "file") {
			t.Errorf("resuming an import whose file is gone: %v", err)
		}
		s, err := v.discard(kept)
		if err != nil || s.Status != importer.StatusDiscarded || !strings.Contains(s.Error, "discarded") {
			t.Fatalf("discard: %+v %v", s, err)
		}
		if _, err := v.im.Resume(v.ctx, kept, nil); !fault.Is(err, fault.ECONFLICT) {
			t.Errorf("resuming a discarded import: %v", err)
		}
		if left := files(t, v.dir); len(left) != 0 {
			t.Errorf("files left: %v", left)
		}
	})
}

func (v *env) discard(id string) (*importer.Summary, error) { return v.im.Discard(v.ctx, id) }

// interrupted makes an import interrupted with its file kept, as a
// killed process leaves it and Recover marks it: started, then made
// running again in the log after it ended.
func (v *env) interrupted(name string) string {
	v.t.Helper()
	file := "First name\nAda\n"
	done := make(chan struct{})
	id, err := v.im.Start(v.ctx, v.spool(file), importer.Options{Object: "contacts", FileName: name, DryRun: true}, func() { close(done) })
	if err != nil {
		v.t.Fatal(err)
	}
	<-done
	if err := os.WriteFile(filepath.Join(v.dir, "import-"+id), []byte(file), 0o600); err != nil {
		v.t.Fatal(err)
	}
	n, _ := strconv.ParseInt(id, 10, 64)
	err = v.db.Tx(v.ctx, func(q store.Querier) error {
		_, err := q.ExecContext(v.ctx, `UPDATE imports SET status = 'running' WHERE id = ?`, n)
		return err
	})
	if err != nil {
		v.t.Fatal(err)
	}
	if _, err := importer.New(v.db, v.e, nil).Recover(v.ctx); err != nil {
		v.t.Fatal(err)
	}
	return id
}

// TestSweep removes, at a start, the files that no import needs: a kept
// file whose import ended, and on SQLite a spooled file of a process
// that stopped. An interrupted import's file stays.
func TestSweep(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		id := v.interrupted("kept.csv")
		for _, name := range []string{"import-999999", "upload-123", "notes.txt"} {
			if err := os.WriteFile(filepath.Join(v.dir, name), []byte("x"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := v.im.Recover(v.ctx); err != nil {
			t.Fatal(err)
		}
		want := []string{"import-" + id, "notes.txt", "upload-123"}
		if db.Dialect == store.SQLite {
			want = slices.DeleteFunc(want, func(s string) bool { return s == "upload-123" })
		}
		if got := files(t, v.dir); !slices.Equal(got, want) {
			t.Errorf("after the sweep: %v, want %v", got, want)
		}
	})
}

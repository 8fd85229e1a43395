package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestBackupServesTheSameAnswers backs up a demo workspace on SQLite while
// its server runs, restores the file into PostgreSQL (when the suite has
// it) and into a fresh SQLite, and asks the restored servers what the
// original answers: lists, a record, search, duplicates and reports must
// come back the same, but for what each database computes its own way:
// the encoding of a page cursor (opaque; each database's cursor works on
// it) and the relevance score of a search hit (SQLite's FTS5 and
// PostgreSQL's full-text search weigh terms differently; the hits and
// their order must still agree).
func TestBackupServesTheSameAnswers(t *testing.T) {
	src := []string{"--data-dir", t.TempDir()}
	rapport(t, append([]string{"demo", "--contacts", "300", "--seed", "7"}, src...)...)
	rapport(t, append([]string{"user", "create", "--email", "ada@example.com", "--password", "analytical-engine", "--role", "administrator"}, src...)...)
	out := strings.TrimSpace(rapport(t, append([]string{"token", "create", "--email", "ada@example.com", "--name", "backup"}, src...)...))
	token := out[strings.LastIndex(out, "\n")+1:]

	original := startServer(t, src)
	file := filepath.Join(t.TempDir(), "rapport.backup")
	if out := rapport(t, append([]string{"backup"}, append(src, file)...)...); !strings.Contains(out, "backed up") {
		t.Fatalf("rapport backup: %q", out)
	}
	paths := answerPaths(t, original, token)
	want := map[string][]byte{}
	for _, p := range paths {
		want[p] = comparable(t, p, get(t, original, token, p))
	}

	targets := map[string][]string{"sqlite": {"--data-dir", t.TempDir()}}
	if pg, ok := dbArgs(t)["postgres"]; ok {
		targets["postgres"] = pg
	}
	for name, db := range targets {
		t.Run(name, func(t *testing.T) {
			if out := rapport(t, append([]string{"restore"}, append(db, file)...)...); !strings.Contains(out, "restored") {
				t.Fatalf("rapport restore: %q", out)
			}
			restored := startServer(t, db)
			for _, p := range paths {
				if got := comparable(t, p, get(t, restored, token, p)); !bytes.Equal(got, want[p]) {
					i := 0
					for i < len(got) && i < len(want[p]) && got[i] == want[p][i] {
						i++
					}
					from := max(i-300, 0)
					t.Errorf("GET %s differs after restore into %s, at byte %d:\nwant …%.400s\ngot  …%.400s", p, name, i, want[p][from:], got[from:])
				}
			}
		})
	}
}

// TestRestoreErasesAgain restores a backup taken before a contact was
// erased: with the erasures of a newer backup, the person does not come
// back.
func TestRestoreErasesAgain(t *testing.T) {
	src := []string{"--data-dir", t.TempDir()}
	rapport(t, append([]string{"user", "create", "--email", "ada@example.com", "--password", "analytical-engine", "--role", "administrator"}, src...)...)
	out := strings.TrimSpace(rapport(t, append([]string{"token", "create", "--email", "ada@example.com", "--name", "backup"}, src...)...))
	token := out[strings.LastIndex(out, "\n")+1:]
	srv := startServer(t, src)
	status, rec := srv.call(t, token, "POST", "/api/v1/contacts", `{"first_name": "Quintessa", "last_name": "Marker", "emails": ["quintessa@example.com"]}`)
	if status != 201 {
		t.Fatalf("create: %d %v", status, rec)
	}
	id := rec["id"].(string)
	dir := t.TempDir()
	before, after := filepath.Join(dir, "before.backup"), filepath.Join(dir, "after.backup")
	rapport(t, append([]string{"backup"}, append(src, before)...)...)
	rapport(t, append([]string{"erase", "--contact", id, "--as", "ada@example.com"}, src...)...)
	rapport(t, append([]string{"backup"}, append(src, after)...)...)

	db := []string{"--data-dir", t.TempDir()}
	if out := rapport(t, append([]string{"restore", "--erasures-from", after}, append(db, before)...)...); !strings.Contains(out, "erased 1 contacts again") {
		t.Fatalf("rapport restore --erasures-from: %q", out)
	}
	restored := startServer(t, db)
	body := string(get(t, restored, token, "/api/v1/contacts/"+id))
	if strings.Contains(body, "Quintessa") || strings.Contains(body, "quintessa@") || !strings.Contains(body, "Erased contact") {
		t.Errorf("the restored contact: %s", body)
	}
	if hits := string(get(t, restored, token, "/api/v1/search?q=Quintessa")); strings.Contains(hits, id) {
		t.Errorf("search finds the erased contact: %s", hits)
	}
}

// answerPaths are the requests compared: the lists in two sorts, one
// contact, a deal, search, duplicates and every standard report.
func answerPaths(t *testing.T, s *server, token string) []string {
	t.Helper()
	var contacts struct {
		Data []struct {
			ID        string `json:"id"`
			FirstName string `json:"first_name"`
		} `json:"data"`
	}
	if err := json.Unmarshal(get(t, s, token, "/api/v1/contacts?sort=last_name&limit=5"), &contacts); err != nil || len(contacts.Data) == 0 {
		t.Fatalf("contacts: %v %+v", err, contacts)
	}
	c := contacts.Data[0]
	return []string{
		"/api/v1/contacts?sort=last_name&limit=100",
		"/api/v1/contacts?sort=-created_at&limit=100",
		"/api/v1/companies?sort=name&limit=100",
		"/api/v1/deals?sort=-value.amount&limit=100",
		"/api/v1/tasks?sort=due_at&limit=100",
		"/api/v1/calls?limit=100",
		"/api/v1/contacts/" + c.ID,
		"/api/v1/contacts/" + c.ID + "/timeline",
		"/api/v1/search?q=" + c.FirstName,
		"/api/v1/contacts/duplicates",
		"/api/v1/reports/summary?from=2020-01-01&to=2029-12-31",
		"/api/v1/reports/revenue?from=2020-01-01&to=2029-12-31&by=month",
		"/api/v1/reports/employees?from=2020-01-01&to=2029-12-31",
		"/api/v1/reports/cycle?from=2020-01-01&to=2029-12-31",
	}
}

// comparable is an answer without its page cursor and search scores.
func comparable(t *testing.T, path string, body []byte) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "next_cursor")
	if data, ok := m["data"].([]any); ok && strings.HasPrefix(path, "/api/v1/search") {
		for _, d := range data {
			if hit, ok := d.(map[string]any); ok {
				delete(hit, "score")
			}
		}
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// get answers the body of a GET that must succeed.
func get(t *testing.T, s *server, token, path string) []byte {
	t.Helper()
	req, _ := http.NewRequest("GET", s.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	return body
}

// TestScheduledBackups runs a server that backs up every second and keeps
// two: the directory ends with the two newest, and each restores.
func TestScheduledBackups(t *testing.T) {
	data := t.TempDir()
	dir := filepath.Join(t.TempDir(), "backups")
	srv := startServer(t, []string{"--data-dir", data, "--backup-every", "1s", "--backup-keep", "2", "--backup-dir", dir})
	deadline := time.Now().Add(60 * time.Second)
	for strings.Count(srv.log.String(), "backup written") < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("no three scheduled backups in a minute:\n%s", srv.log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	srv.cmd.Process.Signal(syscall.SIGTERM)
	srv.cmd.Wait()
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil || len(files) != 2 {
		t.Fatalf("the backup directory holds %v (%v), not the two newest backups", files, err)
	}
	for _, f := range files {
		if !strings.HasPrefix(filepath.Base(f), "rapport-") || !strings.HasSuffix(f, ".backup") {
			t.Errorf("a scheduled backup is named %s", f)
		}
		rapport(t, "restore", "--data-dir", t.TempDir(), f)
	}
}

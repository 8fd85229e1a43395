package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// binary is the rapport command built once for the end-to-end tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "rapport-e2e")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "rapport")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		panic(err)
	}
	code := m.Run()
	stopChromium()
	os.RemoveAll(dir)
	os.Exit(code)
}

// rapport runs one command of the binary to completion and returns its
// standard output.
func rapport(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := exec.Command(binary, args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("rapport %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errOut.String())
	}
	return out.String()
}

// syncBuffer collects a server's log while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// server is a running `rapport serve`.
type server struct {
	cmd  *exec.Cmd
	base string
	log  *syncBuffer
}

func startServer(t *testing.T, db []string, env ...string) *server {
	t.Helper()
	addr := freeAddr(t)
	s := &server{base: "http://" + addr, log: &syncBuffer{}}
	s.cmd = exec.Command(binary, append([]string{"serve", "--addr", addr}, db...)...)
	s.cmd.Env = append(os.Environ(), env...)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.cmd.Process.Kill(); s.cmd.Wait() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not become ready:\n%s", s.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *server) call(t *testing.T, token, method, path, body string) (int, map[string]any) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, s.base+path, r)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
	return resp.StatusCode, m
}

// dbArgs returns the database flags of each database the suite runs on,
// each naming a fresh database that is already migrated (a copy of one
// migrated once, which is much quicker than migrating each).
func dbArgs(t *testing.T) map[string][]string {
	out := map[string][]string{"sqlite": {"--data-dir", storetest.SQLiteDir(t)}}
	if os.Getenv(storetest.EnvPostgres) != "" {
		// A data directory of its own too: the server keeps the files
		// of imports there.
		out["postgres"] = []string{"--db", storetest.PostgresURL(t), "--data-dir", t.TempDir()}
	}
	return out
}

// emptyDBArgs is dbArgs with databases that have no tables yet, for the
// tests of the binary's own migrations.
func emptyDBArgs(t *testing.T) map[string][]string {
	out := map[string][]string{"sqlite": {"--data-dir", t.TempDir()}}
	if os.Getenv(storetest.EnvPostgres) != "" {
		out["postgres"] = []string{"--db", storetest.EmptyPostgresURL(t), "--data-dir", t.TempDir()}
	}
	return out
}

// TestEndToEnd runs a first story against the real binary: create a user
// and a token, add a custom field, create a contact that uses it, filter
// on it, find it in the OpenAPI document, and shut down gracefully. (The
// README's own commands are run by TestReadme.)
func TestEndToEnd(t *testing.T) {
	for name, db := range emptyDBArgs(t) {
		t.Run(name, func(t *testing.T) {
			rapport(t, append([]string{"migrate"}, db...)...)
			srv := startServer(t, db)
			if !strings.Contains(srv.log.String(), "rapport user create") {
				t.Errorf("a first start without users does not say how to create one:\n%s", srv.log.String())
			}
			rapport(t, append([]string{"user", "create", "--email", "ada@example.com", "--password", "analytical-engine", "--role", "administrator"}, db...)...)
			out := strings.TrimSpace(rapport(t, append([]string{"token", "create", "--email", "ada@example.com", "--name", "e2e"}, db...)...))
			token := out[strings.LastIndex(out, "\n")+1:]

			status, _ := srv.call(t, token, "POST", "/api/v1/fields/contacts", `{"name":"tier","label":"Tier","type":"select","options":["gold","silver"]}`)
			if status != 201 {
				t.Fatalf("add field: %d", status)
			}
			status, rec := srv.call(t, token, "POST", "/api/v1/contacts", `{"first_name":"Ada","last_name":"Lovelace","tier":"gold"}`)
			if status != 201 || rec["tier"] != "gold" {
				t.Fatalf("create: %d %v", status, rec)
			}
			status, page := srv.call(t, token, "GET", "/api/v1/contacts?tier=gold&sort=last_name", "")
			if data, _ := page["data"].([]any); status != 200 || len(data) != 1 {
				t.Fatalf("filter: %d %v", status, page)
			}
			// The same list from the command line, as Ada may export it.
			csv := rapport(t, append([]string{"export", "--as", "ada@example.com", "--query", "tier=gold&sort=last_name", "--columns", "first_name,tier"}, db...)...)
			if lines := strings.Split(strings.TrimSpace(csv), "\n"); len(lines) != 2 || lines[0] != "id,first_name,tier" || !strings.HasSuffix(lines[1], ",Ada,gold") {
				t.Errorf("rapport export: %q", csv)
			}
			// A person's erasure from the command line, while the server runs.
			_, eve := srv.call(t, token, "POST", "/api/v1/contacts", `{"first_name":"Eve","last_name":"Gone","emails":["eve@example.com"]}`)
			eveID, _ := eve["id"].(string)
			if status, _ := srv.call(t, token, "POST", "/api/v1/notes", `{"body":"Eve asked to be forgotten","record_type":"contact","record_id":"`+eveID+`"}`); status != 201 {
				t.Fatalf("note: %d", status)
			}
			if out := rapport(t, append([]string{"erase", "--contact", eveID, "--as", "ada@example.com"}, db...)...); !strings.Contains(out, "erased contact "+eveID+": 1 activities") {
				t.Errorf("rapport erase: %q", out)
			}
			if _, rec := srv.call(t, token, "GET", "/api/v1/contacts/"+eveID, ""); rec["full_name"] != "Erased contact" || rec["emails"] != nil {
				t.Errorf("the erased contact: %v", rec)
			}
			_, doc := srv.call(t, token, "GET", "/api/v1/openapi.json", "")
			schema := doc["components"].(map[string]any)["schemas"].(map[string]any)["Contact"].(map[string]any)
			if _, ok := schema["properties"].(map[string]any)["tier"]; !ok {
				t.Fatal("the custom field is not in the OpenAPI document")
			}
			if !strings.Contains(srv.log.String(), "request_id=") {
				t.Error("request log lines carry no request id")
			}

			srv.cmd.Process.Signal(syscall.SIGTERM)
			if err := srv.cmd.Wait(); err != nil {
				t.Fatalf("shutdown: %v\n%s", err, srv.log.String())
			}
			if !strings.Contains(srv.log.String(), "stopped") {
				t.Errorf("no clean stop in the log:\n%s", srv.log.String())
			}
		})
	}
}

func TestAdminFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	srv := startServer(t, []string{"--data-dir", dir}, "RAPPORT_ADMIN_EMAIL=boss@example.com", "RAPPORT_ADMIN_PASSWORD=very-secret-pass")
	if !strings.Contains(srv.log.String(), "created the first administrator") {
		t.Fatalf("no administrator created:\n%s", srv.log.String())
	}
	out := rapport(t, "token", "create", "--data-dir", dir, "--email", "boss@example.com", "--name", "x")
	if !strings.HasPrefix(strings.TrimSpace(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:]), "rpt_") {
		t.Fatalf("token create printed %q", out)
	}
}

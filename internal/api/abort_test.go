package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// logBuffer collects a server's JSON log lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything logged so far.
func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) lines() []map[string]any {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(b.buf.String()), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// abortEnv is an API whose log and metrics a test reads, behind a server
// that gives a request half a second to arrive.
type abortEnv struct {
	srv   *httptest.Server
	db    *store.DB
	log   *logBuffer
	reg   *prometheus.Registry
	token string
}

func newAbortEnv(t *testing.T, db *store.DB) *abortEnv {
	t.Helper()
	ctx := context.Background()
	accounts := account.New(db)
	if _, err := accounts.CreateUser(ctx, 1, "admin@example.com", "Admin", "correct horse battery", "administrator"); err != nil {
		t.Fatal(err)
	}
	token, err := accounts.CreateToken(ctx, 1, "admin@example.com", "test", account.ScopeReadWrite, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := &abortEnv{db: db, log: &logBuffer{}, reg: prometheus.NewRegistry(), token: token}
	s := &api.Server{Engine: records.New(db, records.Options{}), Accounts: accounts, DB: db, Registry: e.reg,
		Log: slog.New(slog.NewJSONHandler(e.log, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	e.srv = httptest.NewUnstartedServer(s.Handler())
	e.srv.Config.ReadTimeout = 500 * time.Millisecond
	e.srv.Start()
	t.Cleanup(e.srv.Close)
	return e
}

// accessLine waits for the access log line of a request to path.
func (e *abortEnv) accessLine(t *testing.T, method, path string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, l := range e.log.lines() {
			if l["msg"] == "request" && l["method"] == method && l["path"] == path {
				return l
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no access log line for %s %s:\n%v", method, path, e.log.lines())
	return nil
}

// noErrors fails when anything was logged as an error, and returns the
// messages logged at level.
func (e *abortEnv) noErrors(t *testing.T, level string) []string {
	t.Helper()
	var msgs []string
	for _, l := range e.log.lines() {
		if l["level"] == "ERROR" {
			t.Errorf("logged as an error: %v", l)
		}
		if l["level"] == level {
			msgs = append(msgs, fmt.Sprint(l["msg"]))
		}
	}
	return msgs
}

// counted reports whether the metrics counted a request to route with
// status.
func (e *abortEnv) counted(t *testing.T, route string, status int) bool {
	t.Helper()
	want := fmt.Sprintf(`method="POST" route=%q status="%d"`, route, status)
	return slices.Contains(series(t, e.reg), want)
}

// send opens a connection and writes the head of a request whose body is
// to be 1000 bytes long, and its first bytes.
func (e *abortEnv) send(t *testing.T, path string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", e.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: rapport.test\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"first_name\": \"", path, e.token)
	return conn
}

// TestClientThatHangsUpMidBody is a client that closes its connection
// half way through the body: logged as a closed request (499) at INFO,
// never as a server error.
func TestClientThatHangsUpMidBody(t *testing.T) {
	t.Parallel()
	e := newAbortEnv(t, storetest.SQLite(t))
	e.send(t, "/api/v1/contacts").Close()
	if line := e.accessLine(t, "POST", "/api/v1/contacts"); line["status"] != float64(api.StatusClientClosed) {
		t.Errorf("access log: %v", line)
	}
	if infos := e.noErrors(t, "INFO"); !slices.Contains(infos, "the client closed the request") {
		t.Errorf("no INFO line about the closed request: %v", infos)
	}
	if !e.counted(t, "POST /api/v1/{object}", 499) {
		t.Errorf("metrics do not count a 499: %v", series(t, e.reg))
	}
}

// TestClientThatTricklesItsBody sends a byte now and then, slower than
// the server's read deadline: it is answered 408 and the connection is
// closed, logged as a warning.
func TestClientThatTricklesItsBody(t *testing.T) {
	t.Parallel()
	e := newAbortEnv(t, storetest.SQLite(t))
	conn := e.send(t, "/api/v1/contacts")
	go func() {
		for i := 0; i < 100; i++ {
			if _, err := conn.Write([]byte("a")); err != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a trickling body: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestTimeout || !resp.Close {
		t.Errorf("answer %d (close %v), want 408 and the connection closed", resp.StatusCode, resp.Close)
	}
	if line := e.accessLine(t, "POST", "/api/v1/contacts"); line["status"] != float64(408) {
		t.Errorf("access log: %v", line)
	}
	if warns := e.noErrors(t, "WARN"); !slices.Contains(warns, "the request body stopped arriving") {
		t.Errorf("no WARN line about the body: %v", warns)
	}
	if !e.counted(t, "POST /api/v1/{object}", 408) {
		t.Errorf("metrics do not count a 408: %v", series(t, e.reg))
	}
}

// TestClientThatHangsUpWhileItsQueryRuns holds the table a delete writes
// to, so that the delete waits in the database, and hangs up: the
// cancelled query is the client's doing, logged as a closed request. (A
// request without a body, since the server notices a client hanging up
// only once the body is read.)
func TestClientThatHangsUpWhileItsQueryRuns(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAbortEnv(t, db)
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/contacts", strings.NewReader(`{"first_name":"Ada"}`))
		req.Header.Set("Authorization", "Bearer "+e.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 201 {
			t.Fatalf("create: %v %v", resp, err)
		}
		var rec map[string]any
		json.NewDecoder(resp.Body).Decode(&rec)
		resp.Body.Close()
		path := "/api/v1/contacts/" + rec["id"].(string)

		held, release, done := make(chan struct{}), make(chan struct{}), make(chan error)
		go func() {
			done <- db.Tx(context.Background(), func(q store.Querier) error {
				if db.Dialect == store.Postgres { // SQLite's one writer is held by the transaction itself
					if _, err := q.ExecContext(context.Background(), `LOCK TABLE contacts IN EXCLUSIVE MODE`); err != nil {
						return err
					}
				}
				close(held)
				<-release
				return nil
			})
		}()
		<-held
		defer func() {
			close(release)
			if err := <-done; err != nil {
				t.Error(err)
			}
		}()
		ctx, hangUp := context.WithCancel(context.Background())
		req, _ = http.NewRequestWithContext(ctx, "DELETE", e.srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+e.token)
		answered := make(chan struct{})
		go func() {
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
			}
			close(answered)
		}()
		time.Sleep(200 * time.Millisecond) // let the delete reach the database
		hangUp()
		<-answered
		if line := e.accessLine(t, "DELETE", path); line["status"] != float64(api.StatusClientClosed) {
			t.Errorf("access log: %v", line)
		}
		if infos := e.noErrors(t, "INFO"); !slices.Contains(infos, "the client closed the request") {
			t.Errorf("no INFO line about the closed request: %v", infos)
		}
	})
}

package jobs_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/jobs"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// logBuffer collects JSON log lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// at returns the lines logged at level.
func (b *logBuffer) at(level string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, l := range strings.Split(b.buf.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["level"] == level {
			out = append(out, l)
		}
	}
	return out
}

// namedURL returns url with the connections' application_name set, so
// that a test can find its own backends among everyone's.
func namedURL(t *testing.T, raw, name string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("application_name", name)
	u.RawQuery = q.Encode()
	return u.String()
}

// TestQueueRecoversFromLostConnections runs a queue on PostgreSQL while
// queries on its pool are cancelled mid-flight and its backends are
// terminated, and checks that jobs enqueued afterwards (by another
// process, whose connections are left alone) still run, and that the
// failed claims were retried and logged as warnings, not errors.
func TestQueueRecoversFromLostConnections(t *testing.T) {
	t.Parallel()
	base := os.Getenv(storetest.EnvPostgres)
	if base == "" {
		t.Skip(storetest.EnvPostgres + " is not set")
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "rapport_jobs_" + hex.EncodeToString(b)
	shared := storetest.PostgresURL(t)
	db := storetest.Open(t, namedURL(t, shared, name), "")
	other := storetest.Open(t, namedURL(t, shared, name+"_other"), "")
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })

	logs := &logBuffer{}
	q := jobs.New(db, jobs.Options{Workers: 2, Poll: 5 * time.Millisecond,
		Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	var ran atomic.Int64
	q.Register("x", func(context.Context, jobs.Job) error { ran.Add(1); return nil })
	start(t, q)

	// cancel runs queries on the queue's pool, as requests would, and
	// cancels them while the database works on them.
	cancel := func() {
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx, cancel := context.WithTimeout(context.Background(), time.Duration(1+i%5)*5*time.Millisecond)
				defer cancel()
				if i%2 == 0 {
					db.Reader().ExecContext(ctx, `SELECT pg_sleep(0.2)`)
					return
				}
				db.Tx(ctx, func(tx store.Querier) error {
					_, err := tx.ExecContext(ctx, `SELECT pg_sleep(0.2)`)
					return err
				})
			}()
		}
		wg.Wait()
	}
	kill := func() {
		if _, err := admin.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, name); err != nil {
			t.Fatal(err)
		}
	}
	want := int64(0)
	for round := range 3 {
		cancel()
		kill()
		for range 10 {
			enqueue(t, other, jobs.Job{Kind: "x"})
		}
		want += 10
		eventually(t, "the jobs enqueued after round "+string(rune('1'+round))+" ran", func() bool { return ran.Load() == want })
	}
	for _, l := range logs.at("ERROR") {
		t.Errorf("logged as an error: %s", l)
	}
	t.Logf("%d warnings, e.g. %v", len(logs.at("WARN")), first(logs.at("WARN")))
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// TestClaimsBackOffWhileTheDatabaseFails takes the jobs table away under a
// running queue: each worker's claims fail, are logged as warnings and
// are retried after a growing delay; once the table is back, the queue
// says so and runs what is enqueued.
func TestClaimsBackOffWhileTheDatabaseFails(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		logs := &logBuffer{}
		poll := 5 * time.Millisecond
		q := jobs.New(db, jobs.Options{Workers: 1, Poll: poll, KeepDone: -1, // no prune task to fail while the table is away
			Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
		var ran atomic.Int64
		q.Register("x", func(context.Context, jobs.Job) error { ran.Add(1); return nil })
		start(t, q)
		rename := func(from, to string) {
			if err := db.Tx(ctx, func(tx store.Querier) error {
				_, err := tx.ExecContext(ctx, `ALTER TABLE `+from+` RENAME TO `+to)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		rename("jobs", "jobs_away")
		var failed []map[string]any
		eventually(t, "five claims failed", func() bool {
			failed = nil
			for _, l := range logs.at("WARN") {
				var m map[string]any
				json.Unmarshal([]byte(l), &m)
				if m["msg"] == "claim a job failed; retrying" {
					failed = append(failed, m)
				}
			}
			return len(failed) >= 5
		})
		rename("jobs_away", "jobs")
		var last time.Duration
		for i, m := range failed[:5] {
			in, err := time.ParseDuration(m["in"].(string))
			if err != nil || m["failures"] != float64(i+1) {
				t.Fatalf("failure %d logged as %v", i+1, m)
			}
			if in < last {
				t.Errorf("the delay after failure %d (%s) is shorter than the one before (%s)", i+1, in, last)
			}
			last = in
		}
		if last < 8*poll {
			t.Errorf("after five failures the worker waits %s, no more than a poll of %s doubled thrice", last, poll)
		}
		enqueue(t, db, jobs.Job{Kind: "x"})
		eventually(t, "a job enqueued after the table is back ran", func() bool { return ran.Load() == 1 })
		eventually(t, "the queue said it works again", func() bool {
			return strings.Contains(strings.Join(logs.at("INFO"), "\n"), "claiming jobs works again")
		})
		for _, l := range logs.at("ERROR") {
			t.Errorf("logged as an error: %s", l)
		}
	})
}

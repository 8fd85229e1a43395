package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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

var quiet = slog.New(slog.DiscardHandler)

// clock is a time source the test moves by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().UTC().Truncate(time.Millisecond)} }

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// eachPair runs fn on each database with two handles on it, standing for
// two processes.
func eachPair(t *testing.T, fn func(t *testing.T, a, b *store.DB)) {
	t.Run("sqlite", func(t *testing.T) {
		dir := storetest.SQLiteDir(t)
		a := storetest.Open(t, "", dir)
		fn(t, a, storetest.Open(t, "", dir))
	})
	if os.Getenv(storetest.EnvPostgres) != "" {
		t.Run("postgres", func(t *testing.T) {
			url := storetest.PostgresURL(t)
			a := storetest.Open(t, url, "")
			fn(t, a, storetest.Open(t, url, ""))
		})
	}
}

func start(t *testing.T, q *jobs.Queue) {
	t.Helper()
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Stop(context.Background()) })
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type jobRow struct {
	status, lastError, lockedBy string
	attempts                    int
	runAt                       time.Time
}

func row(t *testing.T, db *store.DB, id int64) jobRow {
	t.Helper()
	var r jobRow
	var lastError, lockedBy *string
	var runAt any
	err := db.Reader().QueryRowContext(context.Background(), `SELECT status, attempts, last_error, locked_by, run_at FROM jobs WHERE id = ?`, id).
		Scan(&r.status, &r.attempts, &lastError, &lockedBy, &runAt)
	if err != nil {
		t.Fatal(err)
	}
	if lastError != nil {
		r.lastError = *lastError
	}
	if lockedBy != nil {
		r.lockedBy = *lockedBy
	}
	r.runAt, _ = store.ParseTime(runAt)
	return r
}

func enqueue(t *testing.T, db *store.DB, j jobs.Job) int64 {
	t.Helper()
	var id int64
	err := db.Tx(context.Background(), func(q store.Querier) (err error) {
		id, err = jobs.Enqueue(context.Background(), q, db.Dialect, j)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestEnqueueRollsBackWithTheChange(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		boom := errors.New("the change failed")
		err := db.Tx(ctx, func(q store.Querier) error {
			if _, err := jobs.Enqueue(ctx, q, db.Dialect, jobs.Job{Kind: "mail"}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		var n int
		if err := db.Reader().QueryRowContext(ctx, `SELECT count(*) FROM jobs`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d jobs after a rollback, %v", n, err)
		}
		if id := enqueue(t, db, jobs.Job{Kind: "mail", Payload: []byte(`{"to":"a@example.com"}`)}); row(t, db, id).status != "queued" {
			t.Fatal("a committed job is not queued")
		}
	})
}

func TestEachJobRunsOnceAcrossWorkersAndProcesses(t *testing.T) {
	t.Parallel()
	eachPair(t, func(t *testing.T, a, b *store.DB) {
		const n = 200
		var mu sync.Mutex
		runs := map[int64]int{}
		handler := func(ctx context.Context, j jobs.Job) error {
			mu.Lock()
			runs[j.ID]++
			mu.Unlock()
			return nil
		}
		for i := 0; i < n; i++ {
			enqueue(t, a, jobs.Job{Kind: "count"})
		}
		for _, db := range []*store.DB{a, b} {
			q := jobs.New(db, jobs.Options{Workers: 4, Poll: 5 * time.Millisecond, Logger: quiet})
			q.Register("count", handler)
			start(t, q)
		}
		eventually(t, "every job is done", func() bool {
			var done int
			a.Reader().QueryRowContext(context.Background(), `SELECT count(*) FROM jobs WHERE status = 'done'`).Scan(&done)
			return done == n
		})
		mu.Lock()
		defer mu.Unlock()
		if len(runs) != n {
			t.Fatalf("%d jobs ran, want %d", len(runs), n)
		}
		for id, c := range runs {
			if c != 1 {
				t.Errorf("job %d ran %d times", id, c)
			}
		}
	})
}

func TestFailingJobBacksOffThenDies(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clk := newClock()
		const base = time.Minute
		q := jobs.New(db, jobs.Options{Workers: 2, Poll: 2 * time.Millisecond, BackoffBase: base, Now: clk.Now, Logger: quiet})
		var calls atomic.Int32
		q.Register("flaky", func(ctx context.Context, j jobs.Job) error {
			calls.Add(1)
			return fmt.Errorf("attempt %d: the mail server said no", j.Attempts)
		})
		id := enqueue(t, db, jobs.Job{Kind: "flaky", MaxAttempts: 4, RunAt: clk.Now()})
		start(t, q)
		var last time.Duration
		for attempt := 1; attempt < 4; attempt++ {
			eventually(t, fmt.Sprintf("attempt %d is scheduled for a retry", attempt), func() bool {
				r := row(t, db, id)
				return r.status == "queued" && r.attempts == attempt
			})
			r := row(t, db, id)
			delay := r.runAt.Sub(clk.Now())
			want := base << (attempt - 1)
			if delay < want/2 || delay > want || delay < last {
				t.Errorf("attempt %d: retry in %s, want between %s and %s and not less than %s", attempt, delay, want/2, want, last)
			}
			if !strings.Contains(r.lastError, fmt.Sprintf("attempt %d:", attempt)) {
				t.Errorf("attempt %d: last error %q", attempt, r.lastError)
			}
			last = delay
			clk.Set(r.runAt)
		}
		eventually(t, "the job is dead", func() bool { return row(t, db, id).status == "dead" })
		if r := row(t, db, id); r.attempts != 4 || !strings.Contains(r.lastError, "attempt 4: the mail server said no") || r.lockedBy != "" {
			t.Errorf("dead job: %+v", r)
		}
		if calls.Load() != 4 {
			t.Errorf("%d calls, want 4", calls.Load())
		}
	})
}

func TestPermanentErrorDiesAtOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		q := jobs.New(db, jobs.Options{Workers: 1, Poll: 2 * time.Millisecond, Logger: quiet})
		q.Register("bad", func(context.Context, jobs.Job) error { return jobs.Permanent(errors.New("payload has no address")) })
		id := enqueue(t, db, jobs.Job{Kind: "bad"})
		start(t, q)
		eventually(t, "the job is dead", func() bool { return row(t, db, id).status == "dead" })
		if r := row(t, db, id); r.attempts != 1 || r.lastError != "payload has no address" {
			t.Errorf("%+v", r)
		}
	})
}

func TestExpiredLockIsTakenBack(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := newClock()
		id := enqueue(t, db, jobs.Job{Kind: "sync", RunAt: clk.Now()})
		// A worker of another process claimed the job and died: its lock
		// ran out a second ago.
		err := db.Tx(ctx, func(q store.Querier) error {
			_, err := q.ExecContext(ctx, `UPDATE jobs SET status = 'running', attempts = 1, locked_by = 'crashed', locked_until = ? WHERE id = ?`,
				db.Dialect.Time(clk.Now().Add(-time.Second)), id)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var ran atomic.Int32
		q := jobs.New(db, jobs.Options{Workers: 1, Poll: 2 * time.Millisecond, Now: clk.Now, Logger: quiet})
		q.Register("sync", func(context.Context, jobs.Job) error { ran.Add(1); return nil })
		start(t, q)
		eventually(t, "the job is done", func() bool { return row(t, db, id).status == "done" })
		if r := row(t, db, id); r.attempts != 2 || ran.Load() != 1 || !strings.Contains(r.lastError, "lock expired") {
			t.Errorf("%+v, ran %d times", r, ran.Load())
		}
	})
}

func TestHeartbeatKeepsALongJob(t *testing.T) {
	t.Parallel()
	eachPair(t, func(t *testing.T, a, b *store.DB) {
		var runs atomic.Int32
		slow := func(ctx context.Context, j jobs.Job) error {
			runs.Add(1)
			select {
			case <-time.After(time.Second):
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		id := enqueue(t, a, jobs.Job{Kind: "slow"})
		for _, db := range []*store.DB{a, b} {
			q := jobs.New(db, jobs.Options{Workers: 2, Poll: 5 * time.Millisecond, LockTTL: 600 * time.Millisecond, Logger: quiet})
			q.Register("slow", slow)
			start(t, q)
		}
		eventually(t, "the job is done", func() bool { return row(t, a, id).status == "done" })
		if runs.Load() != 1 {
			t.Errorf("a job that outlived its lock TTL ran %d times", runs.Load())
		}
	})
}

func TestStopFinishesRunningJobs(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		started := make(chan struct{})
		q := jobs.New(db, jobs.Options{Workers: 1, Poll: 2 * time.Millisecond, Logger: quiet})
		q.Register("short", func(ctx context.Context, j jobs.Job) error {
			close(started)
			time.Sleep(100 * time.Millisecond)
			return nil
		})
		id := enqueue(t, db, jobs.Job{Kind: "short"})
		start(t, q)
		<-started
		if err := q.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		if r := row(t, db, id); r.status != "done" {
			t.Errorf("after a graceful stop: %+v", r)
		}
	})
}

func TestStopReleasesJobsThatDoNotFinishInTime(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		started := make(chan struct{})
		q := jobs.New(db, jobs.Options{Workers: 1, Poll: 2 * time.Millisecond, Logger: quiet})
		q.Register("endless", func(ctx context.Context, j jobs.Job) error {
			close(started)
			<-ctx.Done()
			return ctx.Err()
		})
		id := enqueue(t, db, jobs.Job{Kind: "endless"})
		start(t, q)
		<-started
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		if err := q.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		if r := row(t, db, id); r.status != "queued" || r.attempts != 0 || r.lockedBy != "" {
			t.Errorf("after a hard stop: %+v", r)
		}
	})
}

func TestRecurringTaskRunsOnOneWorkerAtATime(t *testing.T) {
	t.Parallel()
	eachPair(t, func(t *testing.T, a, b *store.DB) {
		var runs, running, overlap atomic.Int32
		tick := func(ctx context.Context, j jobs.Job) error {
			if running.Add(1) > 1 {
				overlap.Add(1)
			}
			defer running.Add(-1)
			runs.Add(1)
			time.Sleep(5 * time.Millisecond)
			return nil
		}
		for _, db := range []*store.DB{a, b} {
			q := jobs.New(db, jobs.Options{Workers: 3, Poll: 5 * time.Millisecond, Logger: quiet})
			q.Every("tick", 10*time.Millisecond, tick)
			start(t, q)
		}
		eventually(t, "the task has run 5 times", func() bool { return runs.Load() >= 5 })
		if overlap.Load() > 0 {
			t.Errorf("the recurring task ran concurrently %d times", overlap.Load())
		}
		var rows int
		a.Reader().QueryRowContext(context.Background(), `SELECT count(*) FROM jobs WHERE kind = 'tick'`).Scan(&rows)
		if rows != 1 {
			t.Errorf("%d rows for one recurring task", rows)
		}
	})
}

func TestListShowsDeadJobsOfTheWorkspace(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		mine := enqueue(t, db, jobs.Job{Kind: "a", WorkspaceID: 1})
		system := enqueue(t, db, jobs.Job{Kind: "b", WorkspaceID: jobs.System})
		enqueue(t, db, jobs.Job{Kind: "c", WorkspaceID: 2}) // another tenant's: never listed
		err := db.Tx(ctx, func(q store.Querier) error {
			_, err := q.ExecContext(ctx, `UPDATE jobs SET status = 'dead', last_error = 'gave up'`)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		page, err := jobs.List(ctx, db, jobs.Filter{WorkspaceID: 1, Status: jobs.Dead, Limit: 1})
		if err != nil || len(page.Data) != 1 || page.Data[0].ID != system || page.NextCursor == "" {
			t.Fatalf("first page %+v, %v", page, err)
		}
		page, err = jobs.List(ctx, db, jobs.Filter{WorkspaceID: 1, Status: jobs.Dead, Cursor: page.NextCursor})
		if err != nil || len(page.Data) != 1 || page.Data[0].ID != mine || page.Data[0].LastError != "gave up" || page.NextCursor != "" {
			t.Fatalf("second page %+v, %v", page, err)
		}
		if _, err := jobs.List(ctx, db, jobs.Filter{WorkspaceID: 1, Status: "lost"}); err == nil {
			t.Error("an unknown status was accepted")
		}
	})
}

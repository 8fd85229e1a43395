package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/rapport-crm/rapport/internal/store"
)

// Handler does the work of one job. An error makes the job run again after
// a back-off, unless it is Permanent or the job has no attempts left. The
// context is cancelled when the queue stops hard or the job's lock is lost.
type Handler func(ctx context.Context, j Job) error

// Options configure a Queue. Zero values take the defaults.
type Options struct {
	Workers     int           // concurrent jobs per process; default 4
	Poll        time.Duration // how often an idle worker looks for work; default 1s
	LockTTL     time.Duration // how long a claim lasts without a heartbeat; default 1m
	BackoffBase time.Duration // delay before the first retry; default 5s
	BackoffMax  time.Duration // longest delay between retries; default 1h
	KeepDone    time.Duration // how long done jobs are kept; default 7 days, negative keeps them
	Logger      *slog.Logger
	Now         func() time.Time // the clock; tests move it
}

func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	def(&o.Poll, time.Second)
	def(&o.LockTTL, time.Minute)
	def(&o.BackoffBase, 5*time.Second)
	def(&o.BackoffMax, time.Hour)
	def(&o.KeepDone, 7*24*time.Hour)
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Queue runs the jobs of the kinds registered on it with a pool of
// workers. Several queues, in one process or many, may serve the same
// database: a job is claimed by one worker at a time.
type Queue struct {
	db       *store.DB
	opts     Options
	log      *slog.Logger
	id       string // names this queue's claims in locked_by
	handlers map[string]Handler
	every    map[string]time.Duration

	claimSQL string
	kinds    []any

	wake    chan struct{}
	quit    chan struct{}
	runCtx  context.Context // cancelled only when Stop runs out of time
	cancel  context.CancelFunc
	workers sync.WaitGroup

	mu       sync.Mutex
	started  bool
	held     map[int64]claimed // the jobs being run, by id
	nextReap time.Time
}

// New returns a queue over db. Register handlers, then Start it.
func New(db *store.DB, opts Options) *Queue {
	opts = opts.withDefaults()
	b := make([]byte, 4)
	rand.Read(b)
	host, _ := os.Hostname()
	q := &Queue{db: db, opts: opts, log: opts.Logger.With("component", "jobs"),
		id:       fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b)),
		handlers: map[string]Handler{}, every: map[string]time.Duration{},
		wake: make(chan struct{}, opts.Workers), quit: make(chan struct{}),
		held: map[int64]claimed{}}
	q.runCtx, q.cancel = context.WithCancel(context.Background())
	return q
}

// Register makes this queue run jobs of kind with h. It must be called
// before Start.
func (q *Queue) Register(kind string, h Handler) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.started {
		panic("jobs: Register after Start")
	}
	q.handlers[kind] = h
}

// Every registers a recurring task: h runs about every period, on one
// worker of all the processes that register kind. A run that fails is
// retried with back-off like any job, but a recurring task never goes dead:
// after its last attempt it keeps the error and waits for its next period.
func (q *Queue) Every(kind string, period time.Duration, h Handler) {
	if period <= 0 {
		panic("jobs: Every needs a positive period")
	}
	q.Register(kind, h)
	q.mu.Lock()
	q.every[kind] = period
	q.mu.Unlock()
}

// Enqueue adds a job in a transaction of its own and wakes a worker of this
// queue. To enqueue with a change, call the package's Enqueue inside the
// change's transaction instead.
func (q *Queue) Enqueue(ctx context.Context, j Job) (int64, error) {
	var id int64
	err := q.db.Tx(ctx, func(tx store.Querier) error {
		var err error
		id, err = Enqueue(ctx, tx, q.db.Dialect, j)
		return err
	})
	if err == nil {
		select {
		case q.wake <- struct{}{}:
		default:
		}
	}
	return id, err
}

// Start schedules the recurring tasks and starts the workers.
func (q *Queue) Start(ctx context.Context) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.started {
		return errors.New("jobs: the queue is already started")
	}
	if q.opts.KeepDone > 0 {
		q.handlers[pruneKind], q.every[pruneKind] = q.prune, time.Hour
	}
	if err := q.schedule(ctx); err != nil {
		return err
	}
	kinds := make([]string, 0, len(q.handlers))
	for k := range q.handlers {
		kinds = append(kinds, k)
	}
	if len(kinds) == 0 {
		return errors.New("jobs: no handlers registered")
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		q.kinds = append(q.kinds, k)
	}
	q.claimSQL = claimSQL(q.db.Dialect, len(kinds))
	q.started = true
	for i := range q.opts.Workers {
		q.workers.Add(1)
		go q.work(fmt.Sprintf("%s#%d", q.id, i))
	}
	q.log.Info("job queue started", "workers", q.opts.Workers, "kinds", len(kinds))
	return nil
}

// schedule makes sure every recurring task has its row, and brings its
// period up to date: the row is shared by every process that registers the
// kind, so it is inserted only when missing.
func (q *Queue) schedule(ctx context.Context) error {
	now := q.opts.Now()
	d := q.db.Dialect
	return q.db.Tx(ctx, func(tx store.Querier) error {
		for kind, period := range q.every {
			ms, next := period.Milliseconds(), d.Time(now.Add(period))
			if _, err := tx.ExecContext(ctx, `INSERT INTO jobs (workspace_id, kind, payload, status, attempts, max_attempts,
				every_ms, run_at, created_at, updated_at) VALUES (?, ?, '{}', 'queued', 0, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
				System, kind, DefaultMaxAttempts, ms, d.Time(now), d.Time(now), d.Time(now)); err != nil {
				return fmt.Errorf("jobs: schedule %s: %w", kind, err)
			}
			// A shortened period takes effect now rather than after the
			// old, longer wait.
			if _, err := tx.ExecContext(ctx, `UPDATE jobs SET every_ms = ?, run_at = CASE WHEN run_at > ? THEN ? ELSE run_at END
				WHERE workspace_id = ? AND kind = ? AND every_ms IS NOT NULL`, ms, next, next, System, kind); err != nil {
				return fmt.Errorf("jobs: schedule %s: %w", kind, err)
			}
		}
		return nil
	})
}

// Stop stops claiming jobs and waits for the running ones to finish. When
// ctx ends first, it cancels their handlers and puts their jobs back in the
// queue, without counting the interrupted attempt, before it returns. A
// stopped queue cannot be started again.
func (q *Queue) Stop(ctx context.Context) error {
	q.mu.Lock()
	if !q.started {
		q.mu.Unlock()
		return nil
	}
	q.started = false
	q.mu.Unlock()
	close(q.quit)
	done := make(chan struct{})
	go func() { q.workers.Wait(); close(done) }()
	select {
	case <-done:
		q.log.Info("job queue stopped")
		return nil
	case <-ctx.Done():
	}
	q.cancel()
	// Handlers that heed their context return at once and their workers
	// release the jobs; a short grace lets them, then the rest are
	// released here so that another process can take them.
	select {
	case <-done:
	case <-time.After(2 * time.Second):
	}
	return q.releaseHeld()
}

// releaseHeld puts every job still held by this queue back in the queue.
func (q *Queue) releaseHeld() error {
	q.mu.Lock()
	held := make([]claimed, 0, len(q.held))
	for _, c := range q.held {
		held = append(held, c)
	}
	q.mu.Unlock()
	var errs []error
	for _, c := range held {
		errs = append(errs, q.release(c.worker, c.job))
	}
	if len(held) > 0 {
		q.log.Warn("job queue stopped with jobs interrupted; they were put back in the queue", "jobs", len(held))
	}
	return errors.Join(errs...)
}

// backoff is the delay before retrying a job that has failed attempt times.
func (q *Queue) backoff(attempt int) time.Duration {
	return backoffDelay(q.opts.BackoffBase, q.opts.BackoffMax, attempt)
}

// backoffDelay is the delay before the next try after attempt failed ones. It
// doubles from base with every attempt up to limit; half of it is random
// ("equal jitter"), so what failed together does not retry together,
// while the delay still never shrinks from one attempt to the next.
func backoffDelay(base, limit time.Duration, attempt int) time.Duration {
	d := base
	for i := 1; i < attempt && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	return d/2 + mrand.N(d/2+1)
}

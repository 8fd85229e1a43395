package audit

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/rapport-crm/rapport/internal/jobs"
	"github.com/rapport-crm/rapport/internal/store"
)

// Kinds of the audit trail's recurring jobs.
const (
	ConsumeKind = "audit.consume"
	PurgeKind   = "audit.purge"
)

// consumerName is the consumer's row in outbox_positions.
const consumerName = "audit"

// maxBatches bounds one run of the consumer, so that a large backlog is
// worked off over several runs and a stopping process is not held up.
const maxBatches = 100

// Options configure the audit trail's background work.
type Options struct {
	Retention    time.Duration // how long entries are kept; 0 keeps them forever
	ConsumeEvery time.Duration // how often the outbox is read; default 2s
	PurgeEvery   time.Duration // how often old entries are purged; default 6h
	BatchSize    int           // outbox events copied per transaction; default 100
	Logger       *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.ConsumeEvery <= 0 {
		o.ConsumeEvery = 2 * time.Second
	}
	if o.PurgeEvery <= 0 {
		o.PurgeEvery = 6 * time.Hour
	}
	// Small batches hold SQLite's single writer for a few milliseconds at
	// a time, so the consumer never stalls the requests writing beside it.
	if o.BatchSize <= 0 {
		o.BatchSize = 100
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Register adds the audit trail's recurring tasks to q: the outbox
// consumer, and the retention that purges entries older than o.Retention.
func Register(q *jobs.Queue, db *store.DB, o Options) {
	o = o.withDefaults()
	c := NewConsumer(db, o)
	q.Every(ConsumeKind, o.ConsumeEvery, func(ctx context.Context, _ jobs.Job) error {
		_, err := c.Run(ctx)
		return err
	})
	// The task is registered even when entries are kept forever, so that
	// its row does not sit in the queue unclaimed after a change of mind.
	q.Every(PurgeKind, o.PurgeEvery, func(ctx context.Context, _ jobs.Job) error {
		n, err := Purge(ctx, db, o.Retention)
		if n > 0 {
			o.Logger.Info("purged old audit entries", "entries", n, "older_than", o.Retention.String())
		}
		return err
	})
}

// Consumer copies outbox events into the audit log in id order, each
// exactly once: the entries of a batch and the consumer's new position
// commit in one transaction, so a process that dies mid-batch leaves
// nothing behind and the next run starts where the last commit ended.
//
// On PostgreSQL, ids come from a sequence and are drawn before commit, so
// id 11 can be visible while id 10 is still being written; reading past 10
// would lose it for good. A gap therefore stops the batch until it fills
// or is known to be permanent (its transaction rolled back). Waiting a
// fixed time would lose the event of any transaction slower than the wait,
// and waiting for the snapshot's xmin would stall the trail behind any long
// transaction on the server, a bulk load of contacts say. The rule is
// exact instead, and waits only for writers of the outbox: an INSERT locks
// its table (RowExclusiveLock) before it draws an id and holds the lock
// until its transaction ends (an id drawn with nextval() apart from an
// INSERT would escape this; nothing in Rapport does that). When a gap is
// first seen, every id below the visible one has been drawn, so the
// transaction that holds the missing id is among the outbox's lock holders
// noted right after that read, unless it has already ended. Once none of those holders is left, checked at the
// start of a later batch before its read, the missing id is visible to
// that read if it committed; if it is still missing, it never will be.
// The memory of a gap is per process: a restart waits afresh, which is
// safe. SQLite needs none of this: its single writer commits ids in order,
// so a gap there is a rollback and is skipped at once.
type Consumer struct {
	db    *store.DB
	log   *slog.Logger
	batch int

	mu  sync.Mutex // one run at a time; guards gap
	gap *gap
}

// gap is the first missing outbox id the consumer is waiting for.
type gap struct {
	id      int64
	seen    time.Time
	writers map[string]bool // the outbox's writers just after the gap was seen
	closed  bool            // none of them was left when this batch began
	warned  bool
}

// event is one outbox row.
type event struct {
	id      int64
	entry   Entry
	changes string
}

// NewConsumer returns the audit trail's outbox consumer.
func NewConsumer(db *store.DB, o Options) *Consumer {
	o = o.withDefaults()
	return &Consumer{db: db, log: o.Logger.With("component", "audit"), batch: o.BatchSize}
}

// Run copies events until it has caught up or meets a gap that may still
// fill, and returns how many it copied.
func (c *Consumer) Run(ctx context.Context) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	total := 0
	for range maxBatches {
		n, more, err := c.step(ctx)
		total += n
		if err != nil || !more {
			return total, err
		}
	}
	return total, nil
}

// errMoved reports that another consumer advanced the position meanwhile;
// the batch is rolled back rather than copied twice.
var errMoved = errors.New("audit: the outbox position moved under this consumer")

// step copies one batch in one transaction. more reports a full batch
// copied with no gap, so that another may follow at once.
func (c *Consumer) step(ctx context.Context) (n int, more bool, err error) {
	d, now := c.db.Dialect, time.Now()
	err = c.db.Tx(ctx, func(q store.Querier) error {
		if err := c.checkGap(ctx, q); err != nil { // before the read: see Consumer
			return err
		}
		last, err := position(ctx, q)
		if err != nil {
			return err
		}
		evs, err := readEvents(ctx, q, d, last, c.batch)
		if err != nil {
			return err
		}
		ready, err := c.contiguous(ctx, q, last, evs, now)
		if err != nil {
			return err
		}
		n, more = len(ready), len(evs) == c.batch && len(ready) == len(evs)
		return copyEvents(ctx, q, d, last, ready, now)
	})
	if err != nil {
		return 0, false, err
	}
	return n, more, nil
}

// checkGap notes, before the batch reads the outbox, whether every writer
// seen with the pending gap has ended.
func (c *Consumer) checkGap(ctx context.Context, q store.Querier) error {
	if c.gap == nil {
		return nil
	}
	now, err := outboxWriters(ctx, q)
	if err != nil {
		return err
	}
	c.gap.closed = true
	for w := range c.gap.writers {
		if now[w] {
			c.gap.closed = false
		}
	}
	return nil
}

// outboxWriters returns the transactions of other sessions that hold or
// await a write lock on the outbox, by virtual transaction id (which a
// session never reuses for its next transaction).
func outboxWriters(ctx context.Context, q store.Querier) (map[string]bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT virtualtransaction FROM pg_locks WHERE locktype = 'relation'
		AND relation = 'outbox'::regclass AND mode = 'RowExclusiveLock' AND pid <> pg_backend_pid()`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	writers := map[string]bool{}
	for rows.Next() {
		var vxid string
		if err := rows.Scan(&vxid); err != nil {
			return nil, err
		}
		writers[vxid] = true
	}
	return writers, rows.Err()
}

// contiguous returns the leading events of evs that can be copied without
// stepping over an id that may still commit.
func (c *Consumer) contiguous(ctx context.Context, q store.Querier, last int64, evs []event, now time.Time) ([]event, error) {
	if c.db.Dialect != store.Postgres {
		return evs, nil
	}
	next := last + 1
	for i, ev := range evs {
		if ev.id != next {
			ok, err := c.settled(ctx, q, next, now)
			if err != nil || !ok {
				return evs[:i], err
			}
		}
		next = ev.id + 1
	}
	return evs, nil
}

// settled reports whether the ids from id up to the next visible event are
// gone for good. A gap seen for the first time never is: its writers are
// noted, and a later batch decides.
func (c *Consumer) settled(ctx context.Context, q store.Querier, id int64, now time.Time) (bool, error) {
	if g := c.gap; g != nil && g.id == id {
		if g.closed {
			c.log.Info("stepped over outbox ids that were never committed", "from", id)
			c.gap = nil
			return true, nil
		}
		if !g.warned && now.Sub(g.seen) > time.Minute {
			c.log.Warn("the audit trail waits for a long transaction that writes to the outbox", "outbox_id", id)
			g.warned = true
		}
		return false, nil
	}
	writers, err := outboxWriters(ctx, q)
	if err != nil {
		return false, err
	}
	c.gap = &gap{id: id, seen: now, writers: writers}
	return false, nil
}

// copyEvents writes evs to the audit log and moves the position from last
// past them.
func copyEvents(ctx context.Context, q store.Querier, d store.Dialect, last int64, evs []event, now time.Time) error {
	if len(evs) == 0 {
		return nil
	}
	for _, ev := range evs {
		if err := insert(ctx, q, d, ev.entry, ev.changes, ev.id); err != nil {
			return err
		}
	}
	return savePosition(ctx, q, d, last, evs[len(evs)-1].id, now)
}

func position(ctx context.Context, q store.Querier) (int64, error) {
	var last int64
	err := q.QueryRowContext(ctx, `SELECT last_id FROM outbox_positions WHERE consumer = ?`, consumerName).Scan(&last)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return last, err
}

// savePosition moves the position from from to to, and fails if it was no
// longer at from.
func savePosition(ctx context.Context, q store.Querier, d store.Dialect, from, to int64, now time.Time) error {
	res, err := q.ExecContext(ctx, `INSERT INTO outbox_positions (consumer, last_id, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (consumer) DO UPDATE SET last_id = excluded.last_id, updated_at = excluded.updated_at
		WHERE outbox_positions.last_id = ?`, consumerName, to, d.Time(now), from)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return errors.Join(errMoved, err)
	}
	return nil
}

func readEvents(ctx context.Context, q store.Querier, d store.Dialect, after int64, limit int) ([]event, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, workspace_id, object, record_id, action, actor_id, `+d.JSONOut("changes")+`, created_at
		FROM outbox WHERE id > ? ORDER BY id LIMIT `+strconv.Itoa(limit), after)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var evs []event
	for rows.Next() {
		var ev event
		var actor *int64
		var at any
		e := &ev.entry
		if err := rows.Scan(&ev.id, &e.WorkspaceID, &e.Object, &e.RecordID, &e.Action, &actor, &ev.changes, &at); err != nil {
			return nil, err
		}
		e.At, _ = store.ParseTime(at)
		if actor != nil {
			e.ActorID = *actor
		}
		evs = append(evs, ev)
	}
	return evs, rows.Err()
}

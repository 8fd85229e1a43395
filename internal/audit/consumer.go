package audit

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/rapport-crm/rapport/internal/jobs"
	"github.com/rapport-crm/rapport/internal/outbox"
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
// exactly once, following the outbox as outbox.Follower describes: the
// entries of a batch and the consumer's new position commit together, and
// on PostgreSQL a gap in the ids holds the batch up until it is known to
// be filled or permanent.
type Consumer struct {
	db     *store.DB
	log    *slog.Logger
	batch  int
	follow *outbox.Follower

	mu sync.Mutex // one run at a time; guards follow
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
	log := o.Logger.With("component", "audit")
	return &Consumer{db: db, log: log, batch: o.BatchSize, follow: outbox.NewFollower(consumerName, db.Dialect, log)}
}

// Run copies events until it has caught up or meets a gap that may still
// fill, and returns how many it copied.
func (c *Consumer) Run(ctx context.Context) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return outbox.Drain(ctx, maxBatches, c.step)
}

// CatchUp copies the outbox's backlog now, waiting for gaps to settle, and
// returns once the trail holds every change committed before the call.
func (c *Consumer) CatchUp(ctx context.Context) error {
	end, err := outbox.SettledEnd(ctx, c.db)
	if err != nil {
		return err
	}
	for {
		if _, err := c.Run(ctx); err != nil {
			return err
		}
		last, err := c.follow.Position(ctx, c.db.Reader())
		if err != nil || last >= end {
			return err
		}
		// A gap is stepped over only by a batch after the one that saw it.
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// step copies one batch in one transaction. more reports a full batch
// copied with no gap, so that another may follow at once.
func (c *Consumer) step(ctx context.Context) (n int, more bool, err error) {
	d, now := c.db.Dialect, time.Now()
	err = c.db.Tx(ctx, func(q store.Querier) error {
		if err := c.follow.Begin(ctx, q); err != nil { // before the read: see outbox.Follower
			return err
		}
		last, err := c.follow.Position(ctx, q)
		if err != nil {
			return err
		}
		evs, err := readEvents(ctx, q, d, last, c.batch)
		if err != nil {
			return err
		}
		ids := make([]int64, len(evs))
		for i, ev := range evs {
			ids[i] = ev.id
		}
		k, err := c.follow.Ready(ctx, q, last, ids, now)
		if err != nil {
			return err
		}
		ready := evs[:k]
		n, more = len(ready), len(evs) == c.batch && len(ready) == len(evs)
		return c.copyEvents(ctx, q, d, last, ready, now)
	})
	if err != nil {
		return 0, false, err
	}
	return n, more, nil
}

// copyEvents writes evs to the audit log and moves the position from last
// past them.
func (c *Consumer) copyEvents(ctx context.Context, q store.Querier, d store.Dialect, last int64, evs []event, now time.Time) error {
	if len(evs) == 0 {
		return nil
	}
	for _, ev := range evs {
		if err := insert(ctx, q, d, ev.entry, ev.changes, ev.id); err != nil {
			return err
		}
	}
	return c.follow.Save(ctx, q, last, evs[len(evs)-1].id, now)
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

package outbox

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"time"

	"github.com/rapport-crm/rapport/internal/store"
)

// ErrMoved reports that another consumer advanced a position meanwhile;
// the batch is rolled back rather than applied twice.
var ErrMoved = errors.New("outbox: the position moved under this consumer")

// Follower is one consumer's place in the outbox: its row in
// outbox_positions, and the gap in the ids it is waiting on. Its
// consumer reads events in id order, each exactly once: a batch's effects
// and the new position commit in one transaction, so a process that dies
// mid-batch leaves nothing behind and the next run starts where the last
// commit ended.
//
// On PostgreSQL, ids come from a sequence and are drawn before commit, so
// id 11 can be visible while id 10 is still being written; reading past 10
// would lose it for good. A gap therefore stops the batch until it fills
// or is known to be permanent (its transaction rolled back). Waiting a
// fixed time would lose the event of any transaction slower than the wait,
// and waiting for the snapshot's xmin would stall the consumer behind any
// long transaction on the server, a bulk load of contacts say. The rule is
// exact instead, and waits only for writers of the outbox: an INSERT locks
// its table (RowExclusiveLock) before it draws an id and holds the lock
// until its transaction ends (an id drawn with nextval() apart from an
// INSERT would escape this; nothing in Rapport does that). When a gap is
// first seen, every id below the visible one has been drawn, so the
// transaction that holds the missing id is among the outbox's lock holders
// noted right after that read, unless it has already ended. Once none of
// those holders is left, checked at the start of a later batch before its
// read, the missing id is visible to that read if it committed; if it is
// still missing, it never will be. The memory of a gap is per process: a
// restart waits afresh, which is safe. SQLite needs none of this: its
// single writer commits ids in order, so a gap there is a rollback and is
// skipped at once.
//
// A Follower is not safe for concurrent use: its consumer runs one batch
// at a time.
type Follower struct {
	name string
	d    store.Dialect
	log  *slog.Logger
	gap  *gap
}

// gap is the first missing outbox id the consumer is waiting for.
type gap struct {
	id      int64
	seen    time.Time
	writers map[string]bool // the outbox's writers just after the gap was seen
	closed  bool            // none of them was left when this batch began
	warned  bool
}

// NewFollower returns the follower of the consumer called name.
func NewFollower(name string, d store.Dialect, log *slog.Logger) *Follower {
	return &Follower{name: name, d: d, log: log}
}

// Begin notes, before a batch reads the outbox, whether every writer seen
// with the pending gap has ended, and takes the lock that Hold waits on.
// Call it first in each batch's transaction.
func (f *Follower) Begin(ctx context.Context, q store.Querier) error {
	if err := share(ctx, q, f.d); err != nil {
		return err
	}
	if f.gap == nil {
		return nil
	}
	now, err := writers(ctx, q)
	if err != nil {
		return err
	}
	f.gap.closed = true
	for w := range f.gap.writers {
		if now[w] {
			f.gap.closed = false
		}
	}
	return nil
}

// copyLock is the key of the PostgreSQL advisory lock that each batch of
// a consumer holds shared and Hold holds alone.
const copyLock = 0x72617070_6f727400 // "rapport\0"

// share takes copyLock shared for the rest of the transaction.
func share(ctx context.Context, q store.Querier, d store.Dialect) error {
	if d != store.Postgres {
		return nil
	}
	_, err := q.ExecContext(ctx, `SELECT pg_advisory_xact_lock_shared(?)`, int64(copyLock))
	return err
}

// Hold keeps every consumer's batch out until the caller's transaction
// ends: it waits for the batches under way to commit, and a batch that
// begins meanwhile waits for it. A transaction that rewrites events
// already in the outbox (an erasure scrubs them) calls it first, so that
// no consumer copies an event as it was read before the rewrite and
// writes that copy after it. SQLite needs no lock: its single writer runs
// one transaction at a time, batches included.
func Hold(ctx context.Context, q store.Querier, d store.Dialect) error {
	if d != store.Postgres {
		return nil
	}
	_, err := q.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, int64(copyLock))
	return err
}

// Ready returns how many of the leading ids (read after last, in order)
// can be applied without stepping over an id that may still commit.
func (f *Follower) Ready(ctx context.Context, q store.Querier, last int64, ids []int64, now time.Time) (int, error) {
	if f.d != store.Postgres {
		return len(ids), nil
	}
	if f.gap != nil && f.gap.id <= last {
		f.gap = nil // stepped over, and the position past it committed
	}
	next := last + 1
	for i, id := range ids {
		if id != next {
			ok, err := f.settled(ctx, q, next, now)
			if err != nil || !ok {
				return i, err
			}
		}
		next = id + 1
	}
	return len(ids), nil
}

// settled reports whether the ids from id up to the next visible event are
// gone for good. A gap seen for the first time never is: its writers are
// noted, and a later batch decides. A closed gap is kept until a batch
// reads a position past it (Ready): the batch that stepped over it may
// roll back, and store.DB.Tx runs a batch that collided again, which
// must find the gap as closed as the first attempt did, not see it anew.
func (f *Follower) settled(ctx context.Context, q store.Querier, id int64, now time.Time) (bool, error) {
	if g := f.gap; g != nil && g.id == id {
		if g.closed {
			f.log.Info("stepped over outbox ids that were never committed", "consumer", f.name, "from", id)
			return true, nil
		}
		if !g.warned && now.Sub(g.seen) > time.Minute {
			f.log.Warn("waiting for a long transaction that writes to the outbox", "consumer", f.name, "outbox_id", id)
			g.warned = true
		}
		return false, nil
	}
	w, err := writers(ctx, q)
	if err != nil {
		return false, err
	}
	f.gap = &gap{id: id, seen: now, writers: w}
	return false, nil
}

// Forget drops the pending gap, for a consumer whose position jumped past
// it.
func (f *Follower) Forget() { f.gap = nil }

// SettledEnd returns the last outbox id once every id up to it is
// settled: on PostgreSQL a transaction may hold an id below the last one
// visible, so it waits for the outbox's writers of the moment to end. A
// consumer that rebuilds its state from the tables uses it to know which
// events the rebuild already covers.
func SettledEnd(ctx context.Context, db *store.DB) (int64, error) {
	var end int64
	var open map[string]bool
	err := db.Tx(ctx, func(q store.Querier) error {
		if err := q.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM outbox`).Scan(&end); err != nil {
			return err
		}
		if db.Dialect != store.Postgres {
			return nil
		}
		var err error
		open, err = writers(ctx, q)
		return err
	})
	for err == nil && len(open) > 0 {
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		var now map[string]bool
		now, err = writers(ctx, db.Reader())
		for w := range open {
			if !now[w] {
				delete(open, w)
			}
		}
	}
	return end, err
}

// writers returns the transactions of other sessions that hold or await a
// write lock on the outbox, by virtual transaction id (which a session
// never reuses for its next transaction). pg_locks lists every database's
// locks, and databases made from one template give their outbox the same
// object id: the database is part of the match, or a writer of another
// database's outbox would hold a gap here open.
func writers(ctx context.Context, q store.Querier) (map[string]bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT virtualtransaction FROM pg_locks WHERE locktype = 'relation'
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
		AND relation = 'outbox'::regclass AND mode = 'RowExclusiveLock' AND pid <> pg_backend_pid()`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var vxid string
		if err := rows.Scan(&vxid); err != nil {
			return nil, err
		}
		out[vxid] = true
	}
	return out, rows.Err()
}

// Position returns the id of the last event the consumer applied, 0 before
// its first.
func (f *Follower) Position(ctx context.Context, q store.Querier) (int64, error) {
	var last int64
	err := q.QueryRowContext(ctx, `SELECT last_id FROM outbox_positions WHERE consumer = ?`, f.name).Scan(&last)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return last, err
}

// Save moves the position from from to to, and fails with ErrMoved if it
// was no longer at from.
func (f *Follower) Save(ctx context.Context, q store.Querier, from, to int64, now time.Time) error {
	res, err := q.ExecContext(ctx, `INSERT INTO outbox_positions (consumer, last_id, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (consumer) DO UPDATE SET last_id = excluded.last_id, updated_at = excluded.updated_at
		WHERE outbox_positions.last_id = ?`, f.name, to, f.d.Time(now), from)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return errors.Join(ErrMoved, err)
	}
	return nil
}

// Drain runs step, one batch of a consumer at a time, until it reports
// nothing more to read, fails, or has run batches times (so that a large
// backlog is worked off over several runs and a stopping process is not
// held up), and returns how many events the batches read in all.
func Drain(ctx context.Context, batches int, step func(context.Context) (n int, more bool, err error)) (int, error) {
	total := 0
	for range batches {
		n, more, err := step(ctx)
		total += n
		if err != nil || !more {
			return total, err
		}
	}
	return total, nil
}

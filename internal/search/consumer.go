package search

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// consumerName is the index's row in outbox_positions.
const consumerName = "search"

// consumer keeps the index in step with the outbox. A batch of events,
// the documents it rewrites and the new position commit together, as the
// audit trail's consumer does (internal/audit), and for the same reason a
// gap in the outbox ids on PostgreSQL holds the batch up until the
// transactions that were writing to the outbox when the gap was seen have
// all ended: the missing id is then visible if it ever will be. Events
// are not copied but name records to reindex from their current state,
// which makes a batch replayed after a crash harmless.
type consumer struct {
	db    *store.DB
	log   *slog.Logger
	batch int

	mu   sync.Mutex // one batch or rebuild at a time; guards gap and skip
	gap  *gap
	skip map[int64]int64 // workspace -> outbox id up to which a rebuild covered it
}

// gap is the first missing outbox id the consumer waits for.
type gap struct {
	id      int64
	writers map[string]bool // the outbox's writers just after the gap was seen
	closed  bool            // none of them was left when this batch began
	seen    time.Time
	warned  bool
}

// event is the part of an outbox row the index needs.
type event struct {
	id       int64
	ws       int64
	object   string
	recordID string
	action   string
	changes  *string // companies' only
}

// errMoved reports that another consumer advanced the position meanwhile.
var errMoved = errors.New("search: the outbox position moved under this consumer")

// step indexes one batch. more reports a full batch done with no gap, so
// that another may follow at once; waiting reports a gap that may fill.
func (c *consumer) step(ctx context.Context) (n int, more, waiting bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	err = c.db.Tx(ctx, func(q store.Querier) error {
		if err := c.checkGap(ctx, q); err != nil {
			return err
		}
		last, err := position(ctx, q)
		if err != nil {
			return err
		}
		evs, err := readEvents(ctx, q, c.db.Dialect, last, c.batch)
		if err != nil {
			return err
		}
		ready, err := c.contiguous(ctx, q, last, evs)
		if err != nil {
			return err
		}
		n, more, waiting = len(ready), len(evs) == c.batch && len(ready) == len(evs), len(ready) < len(evs)
		if len(ready) == 0 {
			return nil
		}
		if err := c.apply(ctx, q, ready); err != nil {
			return err
		}
		return savePosition(ctx, q, c.db.Dialect, last, ready[len(ready)-1].id)
	})
	return n, more, waiting, err
}

// checkGap notes, before the batch reads the outbox, whether every writer
// seen with the pending gap has ended.
func (c *consumer) checkGap(ctx context.Context, q store.Querier) error {
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

// contiguous returns the leading events of evs that follow last without
// stepping over an id that may still commit.
func (c *consumer) contiguous(ctx context.Context, q store.Querier, last int64, evs []event) ([]event, error) {
	if c.db.Dialect != store.Postgres {
		return evs, nil // SQLite's single writer commits ids in order
	}
	next := last + 1
	for i, ev := range evs {
		if ev.id != next {
			ok, err := c.settled(ctx, q, next)
			if err != nil || !ok {
				return evs[:i], err
			}
		}
		next = ev.id + 1
	}
	return evs, nil
}

// settled reports whether the ids from id on up to the next visible event
// are gone for good; a gap seen for the first time never is.
func (c *consumer) settled(ctx context.Context, q store.Querier, id int64) (bool, error) {
	if g := c.gap; g != nil && g.id == id {
		if g.closed {
			c.gap = nil
			return true, nil
		}
		if !g.warned && time.Since(g.seen) > time.Minute {
			c.log.Warn("the search index waits for a long transaction that writes to the outbox", "outbox_id", id)
			g.warned = true
		}
		return false, nil
	}
	writers, err := outboxWriters(ctx, q)
	if err != nil {
		return false, err
	}
	c.gap = &gap{id: id, writers: writers, seen: time.Now()}
	return false, nil
}

// outboxWriters returns the transactions of other sessions holding or
// awaiting a write lock on the outbox (PostgreSQL only).
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

// target is one object of one workspace whose records a batch reindexes.
type target struct {
	ws     int64
	object string
}

// apply reindexes the records that evs name, and the records whose
// documents show a company that changed: its contacts and deals carry its
// name.
func (c *consumer) apply(ctx context.Context, q store.Querier, evs []event) error {
	todo := map[target]map[int64]bool{}
	add := func(ws int64, object string, id int64) {
		t := target{ws, object}
		if todo[t] == nil {
			todo[t] = map[int64]bool{}
		}
		todo[t][id] = true
	}
	var renamed []event
	for _, ev := range evs {
		if _, ok := objectCodes[ev.object]; !ok || ev.id <= c.skip[ev.ws] {
			continue
		}
		id, err := strconv.ParseInt(ev.recordID, 10, 64)
		if err != nil {
			continue
		}
		add(ev.ws, ev.object, id)
		if ev.object == "company" {
			renamed = append(renamed, ev)
			for _, contact := range linkedContacts(ev) {
				add(ev.ws, "contact", contact)
			}
		}
	}
	if err := c.addDependents(ctx, q, renamed, add); err != nil {
		return err
	}
	for t, set := range todo {
		ids := make([]int64, 0, len(set))
		for id := range set {
			ids = append(ids, id)
		}
		docs, err := load(ctx, q, c.db.Dialect, t.ws, t.object, selection{ids: ids})
		if err != nil {
			return err
		}
		if err := replace(ctx, q, c.db.Dialect, t.ws, t.object, ids, docs); err != nil {
			return err
		}
	}
	return nil
}

// linkedContacts returns the contacts a company event links or unlinks,
// from the before and after of its contacts field.
func linkedContacts(ev event) []int64 {
	if ev.changes == nil {
		return nil
	}
	var changes map[string]struct {
		Before []records.LinkRef `json:"before"`
		After  []records.LinkRef `json:"after"`
	}
	if json.Unmarshal([]byte(*ev.changes), &changes) != nil {
		return nil
	}
	var ids []int64
	ch := changes["contacts"]
	for _, l := range append(ch.Before, ch.After...) {
		if id, err := strconv.ParseInt(l.ID, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	return ids
}

// addDependents adds the contacts and deals of the companies whose name
// or visibility changed.
func (c *consumer) addDependents(ctx context.Context, q store.Querier, evs []event, add func(int64, string, int64)) error {
	for _, ev := range evs {
		id, err := strconv.ParseInt(ev.recordID, 10, 64)
		if err != nil || (ev.action == "update" && !changesName(ev)) {
			continue
		}
		for _, dep := range []struct{ object, query string }{
			{"contact", `SELECT contact_id FROM contact_companies WHERE workspace_id = ? AND company_id = ?`},
			{"deal", `SELECT id FROM deals WHERE workspace_id = ? AND company_id = ? AND deleted_at IS NULL`},
		} {
			ids, err := int64s(ctx, q, dep.query, ev.ws, id)
			if err != nil {
				return err
			}
			for _, id := range ids {
				add(ev.ws, dep.object, id)
			}
		}
	}
	return nil
}

func changesName(ev event) bool {
	if ev.changes == nil {
		return false
	}
	var changes map[string]json.RawMessage
	if json.Unmarshal([]byte(*ev.changes), &changes) != nil {
		return false
	}
	_, ok := changes["name"]
	return ok
}

func int64s(ctx context.Context, q store.Querier, query string, args ...any) ([]int64, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

func position(ctx context.Context, q store.Querier) (int64, error) {
	var last int64
	err := q.QueryRowContext(ctx, `SELECT last_id FROM outbox_positions WHERE consumer = ?`, consumerName).Scan(&last)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return last, err
}

// savePosition moves the position from from to to, and fails if it was
// no longer at from.
func savePosition(ctx context.Context, q store.Querier, d store.Dialect, from, to int64) error {
	res, err := q.ExecContext(ctx, `INSERT INTO outbox_positions (consumer, last_id, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (consumer) DO UPDATE SET last_id = excluded.last_id, updated_at = excluded.updated_at
		WHERE outbox_positions.last_id = ?`, consumerName, to, d.Time(time.Now()), from)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return errors.Join(errMoved, err)
	}
	return nil
}

func readEvents(ctx context.Context, q store.Querier, d store.Dialect, after int64, limit int) ([]event, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, workspace_id, object, record_id, action,
		CASE WHEN object = 'company' THEN `+d.JSONOut("changes")+` END
		FROM outbox WHERE id > ? ORDER BY id LIMIT `+strconv.Itoa(limit), after)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var evs []event
	for rows.Next() {
		var ev event
		if err := rows.Scan(&ev.id, &ev.ws, &ev.object, &ev.recordID, &ev.action, &ev.changes); err != nil {
			return nil, err
		}
		evs = append(evs, ev)
	}
	return evs, rows.Err()
}

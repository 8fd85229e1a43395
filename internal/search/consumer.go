package search

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/rapport-crm/rapport/internal/outbox"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// consumerName is the index's row in outbox_positions.
const consumerName = "search"

// consumer keeps the index in step with the outbox. A batch of events,
// the documents it rewrites and the new position commit together, and a
// gap in the outbox ids on PostgreSQL holds the batch up, as
// outbox.Follower describes. Events are not copied but name records to
// reindex from their current state, which makes a batch replayed after a
// crash harmless.
type consumer struct {
	db     *store.DB
	log    *slog.Logger
	batch  int
	follow *outbox.Follower

	mu   sync.Mutex      // one batch or rebuild at a time; guards follow and skip
	skip map[int64]int64 // workspace -> outbox id up to which a rebuild covered it
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

// step indexes one batch. more reports a full batch done with no gap, so
// that another may follow at once; waiting reports a gap that may fill.
func (c *consumer) step(ctx context.Context) (n int, more, waiting bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	err = c.db.Tx(ctx, func(q store.Querier) error {
		if err := c.follow.Begin(ctx, q); err != nil { // before the read: see outbox.Follower
			return err
		}
		last, err := c.follow.Position(ctx, q)
		if err != nil {
			return err
		}
		evs, err := readEvents(ctx, q, c.db.Dialect, last, c.batch)
		if err != nil {
			return err
		}
		ids := make([]int64, len(evs))
		for i, ev := range evs {
			ids[i] = ev.id
		}
		k, err := c.follow.Ready(ctx, q, last, ids, time.Now())
		if err != nil {
			return err
		}
		ready := evs[:k]
		n, more, waiting = len(ready), len(evs) == c.batch && len(ready) == len(evs), len(ready) < len(evs)
		if len(ready) == 0 {
			return nil
		}
		if err := c.apply(ctx, q, ready); err != nil {
			return err
		}
		return c.follow.Save(ctx, q, last, ready[len(ready)-1].id, time.Now())
	})
	return n, more, waiting, err
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

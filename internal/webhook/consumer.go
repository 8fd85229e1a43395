package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rapport-crm/rapport/internal/outbox"
	"github.com/rapport-crm/rapport/internal/store"
)

// consumerName is the consumer's row in outbox_positions.
const consumerName = "webhook"

// Consumer turns outbox events into deliveries, following the outbox as
// outbox.Follower describes: the deliveries of a batch and the new
// position commit together, so each event is turned into its deliveries
// exactly once, and in id order, which is the order the worker keeps per
// record.
type Consumer struct {
	s      *Service
	batch  int
	follow *outbox.Follower
	mu     sync.Mutex // one run at a time; guards follow
}

// NewConsumer returns the outbox consumer of s's endpoints, batch events
// per transaction (0 means 200).
func (s *Service) NewConsumer(batch int) *Consumer {
	if batch <= 0 {
		batch = 200
	}
	log := s.o.Logger.With("component", "webhook")
	return &Consumer{s: s, batch: batch, follow: outbox.NewFollower(consumerName, s.db.Dialect, log)}
}

// maxBatches bounds one run, so that a backlog is worked off over several
// runs and a stopping process is not held up.
const maxBatches = 50

// Run turns events into deliveries until it has caught up or meets a gap
// that may still fill, and returns how many events it read.
func (c *Consumer) Run(ctx context.Context) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return outbox.Drain(ctx, maxBatches, c.step)
}

// event is one outbox row.
type event struct {
	id       int64
	ws       int64
	object   string
	recordID string
	action   string
	actor    *int64
	changes  string
	at       time.Time
	silent   bool // written by a silent import: no delivery
}

func (c *Consumer) step(ctx context.Context) (n int, more bool, err error) {
	db := c.s.db
	now := c.s.o.Now()
	err = db.Tx(ctx, func(q store.Querier) error {
		if err := c.follow.Begin(ctx, q); err != nil { // before the read: see outbox.Follower
			return err
		}
		last, err := c.follow.Position(ctx, q)
		if err != nil {
			return err
		}
		evs, err := readEvents(ctx, q, db.Dialect, last, c.batch)
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
		n, more = len(ready), len(evs) == c.batch && k == len(evs)
		if len(ready) == 0 {
			return nil
		}
		if err := c.fanOut(ctx, q, ready, now); err != nil {
			return err
		}
		return c.follow.Save(ctx, q, last, ready[len(ready)-1].id, now)
	})
	return n, more, err
}

// chain names the deliveries of one record to one endpoint, which go out
// in id order.
type chain struct {
	ws, endpoint     int64
	object, recordID string
}

// row is one delivery to write.
type row struct {
	chain
	msgID, typ string
	outboxID   int64
	body       string
}

// fanOut writes one delivery per event, kind and endpoint that wants it:
// pending when it is the first open one of its chain, queued behind it
// otherwise.
func (c *Consumer) fanOut(ctx context.Context, q store.Querier, evs []event, now time.Time) error {
	endpoints := map[int64][]Endpoint{}
	var rows []row
	for _, ev := range evs {
		kinds := c.s.kinds(ev)
		if len(kinds) == 0 {
			continue
		}
		eps, ok := endpoints[ev.ws]
		if !ok {
			var err error
			if eps, err = enabledEndpoints(ctx, q, ev.ws); err != nil {
				return err
			}
			endpoints[ev.ws] = eps
		}
		for _, kind := range kinds {
			msgID := "msg_" + strconv.FormatInt(ev.id, 10) + "_" + kind
			var body string
			for _, e := range eps {
				if ev.id <= e.fromOutbox || !slices.Contains(e.Events, kind) ||
					(len(e.Objects) > 0 && !slices.Contains(e.Objects, ev.object)) {
					continue
				}
				if body == "" {
					body = string(payload(ev, kind))
				}
				rows = append(rows, row{chain{ev.ws, e.n, ev.object, ev.recordID}, msgID, ev.object + "." + kind, ev.id, body})
			}
		}
	}
	if len(rows) == 0 {
		return nil
	}
	open, err := c.s.openChains(ctx, q, rows)
	if err != nil {
		return err
	}
	d := c.s.db.Dialect
	var args []any
	flush := func() error {
		n := len(args) / 11
		_, err := q.ExecContext(ctx, `INSERT INTO webhook_deliveries (workspace_id, endpoint_id, message_id, event_type,
			object, record_id, outbox_id, payload, status, next_at, created_at)
			VALUES `+strings.TrimSuffix(strings.Repeat(`(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?), `, n), ", ")+`
			ON CONFLICT DO NOTHING`, args...)
		args = args[:0]
		return err
	}
	for _, r := range rows {
		status := "pending"
		if open[r.chain] {
			status = "queued"
		}
		open[r.chain] = true
		args = append(args, r.ws, r.endpoint, r.msgID, r.typ, r.object, r.recordID, r.outboxID, r.body, status, d.Time(now), d.Time(now))
		// By the hundred: one statement each, well under either
		// database's limit of parameters.
		if len(args) >= 1100 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if len(args) == 0 {
		return nil
	}
	return flush()
}

// chainLock is the key of the PostgreSQL advisory lock that serialises
// the writers of chains: the consumer and a replay, which queue a delivery
// behind an open one, and the worker, which settles a delivery and makes
// the next one pending. Without it, a worker could settle the open one
// and look for the next while the row queued behind it is not yet
// committed, and leave that row queued for ever. SQLite's single writer
// runs one such transaction at a time anyway.
const chainLock = 0x72617070_77686b00 // "rappwhk\0"

// lockChains takes chainLock for the rest of the transaction.
func lockChains(ctx context.Context, q store.Querier, d store.Dialect) error {
	if d != store.Postgres {
		return nil
	}
	_, err := q.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, int64(chainLock))
	return err
}

// openChains returns which of the rows' chains have an open delivery
// already. It takes chainLock first.
func (s *Service) openChains(ctx context.Context, q store.Querier, rows []row) (map[chain]bool, error) {
	if err := lockChains(ctx, q, s.db.Dialect); err != nil {
		return nil, err
	}
	byWS := map[int64][]string{}
	for _, r := range rows {
		byWS[r.ws] = append(byWS[r.ws], r.recordID)
	}
	open := map[chain]bool{}
	for ws, ids := range byWS {
		slices.Sort(ids)
		marks, args := store.List(slices.Compact(ids))
		rs, err := q.QueryContext(ctx, `SELECT endpoint_id, object, record_id FROM webhook_deliveries
			WHERE workspace_id = ? AND status IN ('queued', 'pending') AND record_id IN (`+marks+`)`,
			append([]any{ws}, args...)...)
		if err != nil {
			return nil, err
		}
		for rs.Next() {
			k := chain{ws: ws}
			if err := rs.Scan(&k.endpoint, &k.object, &k.recordID); err != nil {
				rs.Close()
				return nil, err
			}
			open[k] = true
		}
		if err := errors.Join(rs.Err(), rs.Close()); err != nil {
			return nil, err
		}
	}
	return open, nil
}

// payload is a message's body: the Standard Webhooks shape of type,
// timestamp and data.
func payload(ev event, kind string) []byte {
	data := map[string]any{"object": ev.object, "id": ev.recordID, "action": ev.action, "event_id": strconv.FormatInt(ev.id, 10)}
	if ev.actor != nil {
		data["actor_id"] = strconv.FormatInt(*ev.actor, 10)
	}
	if json.Valid([]byte(ev.changes)) && ev.changes != "null" {
		data["changes"] = json.RawMessage(ev.changes)
	}
	b, _ := json.Marshal(map[string]any{"type": ev.object + "." + kind, "timestamp": ev.at.UTC().Format(time.RFC3339Nano), "data": data})
	return b
}

// kinds returns the kinds of event ev is, none when webhooks do not carry
// it or it is silent (a silent import's: its records reach no outside
// system).
func (s *Service) kinds(ev event) []string {
	if ev.silent {
		return nil
	}
	switch ev.action {
	case "create", "update", "delete", "restore":
		if !s.o.Objects(ev.object) {
			return nil
		}
	default:
		if slices.Contains(Kinds, ev.action) {
			return []string{ev.action}
		}
		return nil
	}
	out := []string{map[string]string{"create": "created", "update": "updated", "delete": "deleted", "restore": "restored"}[ev.action]}
	if ev.object != "deal" || ev.action != "update" {
		return out
	}
	var changes map[string]struct {
		After any `json:"after"`
	}
	if json.Unmarshal([]byte(ev.changes), &changes) != nil {
		return out
	}
	if _, ok := changes["stage_id"]; ok {
		out = append(out, "stage_changed")
	}
	if st, ok := changes["status"]; ok && (st.After == "won" || st.After == "lost") {
		out = append(out, st.After.(string))
	}
	return out
}

func enabledEndpoints(ctx context.Context, q store.Querier, ws int64) ([]Endpoint, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints
		WHERE workspace_id = ? AND status = 'enabled' ORDER BY id`, ws)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Endpoint
	for rows.Next() {
		e, err := scanEndpoint(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func readEvents(ctx context.Context, q store.Querier, d store.Dialect, after int64, limit int) ([]event, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, workspace_id, object, record_id, action, actor_id, `+d.JSONOut("changes")+`, created_at, silent
		FROM outbox WHERE id > ? ORDER BY id LIMIT `+strconv.Itoa(limit), after)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var evs []event
	for rows.Next() {
		var ev event
		var at any
		var changes *string
		if err := rows.Scan(&ev.id, &ev.ws, &ev.object, &ev.recordID, &ev.action, &ev.actor, &changes, &at, &ev.silent); err != nil {
			return nil, err
		}
		if changes != nil {
			ev.changes = *changes
		}
		ev.at, _ = store.ParseTime(at)
		evs = append(evs, ev)
	}
	return evs, rows.Err()
}

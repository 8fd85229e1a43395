package scores

import (
	"context"
	"database/sql"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/rapport-crm/rapport/internal/store"
)

// history is what a workspace's models learn from and score: its deals,
// their stage moves, the activities on deals and customers, and the
// customers themselves.
type history struct {
	deals     map[int64]*deal
	acts      map[ref][]act // by the record they are on
	positions map[int64]int // stage id → position
	people    []*customer
}

// ref names a deal, contact or company. A history holds an entry for
// every activity and customer of a workspace (4 million at a million
// contacts): a string key such as "deal:12" took a third of its memory.
type ref struct {
	object byte // refDeal, refContact, refCompany
	id     int64
}

const (
	refDeal byte = iota + 1
	refContact
	refCompany
)

// refObject is the object of an activity's record_type, 0 for another.
func refObject(recordType []byte) byte {
	switch string(recordType) {
	case "deal":
		return refDeal
	case "contact":
		return refContact
	case "company":
		return refCompany
	}
	return 0
}

type deal struct {
	id                    int64
	status                string
	value                 float64
	stageEntered, created time.Time
	closed                time.Time
	companyID             int64
	moves                 []move
}

type move struct {
	at    time.Time
	stage int64
}

// act is an activity, kept small: 16 bytes against 40 for a kind's name
// and a time.Time.
type act struct {
	at   int64 // Unix nanoseconds
	kind int8  // kindIndex of call, meeting, note, task (a done task); -1 for others
}

func newAct(kind string, at time.Time) act {
	return act{at: at.UnixNano(), kind: int8(kindIndex(kind))}
}

func (a act) time() time.Time { return time.Unix(0, a.at).UTC() }

type customer struct {
	table   string
	id      int64
	owner   int64
	created time.Time
	won     []*deal
	acts    []act
}

func (s *Service) load(ctx context.Context, ws int64) (*history, error) {
	q := s.db.Reader()
	h := &history{deals: map[int64]*deal{}, acts: map[ref][]act{}, positions: map[int64]int{}}
	err := each(ctx, q, `SELECT id, position FROM stages WHERE workspace_id = ?`, []any{ws}, func(r *sql.Rows) error {
		var id int64
		var pos sql.NullInt64
		err := r.Scan(&id, &pos)
		h.positions[id] = int(pos.Int64)
		return err
	})
	if err != nil {
		return nil, err
	}
	err = each(ctx, q, `SELECT id, status, value_amount, stage_entered_at, created_at, closed_at, company_id FROM deals
		WHERE workspace_id = ? AND deleted_at IS NULL`, []any{ws}, func(r *sql.Rows) error {
		d := &deal{}
		var status sql.NullString
		var value, company sql.NullInt64
		var entered, created, closed any
		if err := r.Scan(&d.id, &status, &value, &entered, &created, &closed, &company); err != nil {
			return err
		}
		d.status, d.value, d.companyID = status.String, float64(value.Int64)/100, company.Int64
		d.stageEntered, _ = store.ParseTime(entered)
		d.created, _ = store.ParseTime(created)
		d.closed, _ = store.ParseTime(closed)
		h.deals[d.id] = d
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = each(ctx, q, `SELECT deal_id, stage_id, entered_at FROM deal_stage_history WHERE workspace_id = ? ORDER BY deal_id, entered_at`, []any{ws}, func(r *sql.Rows) error {
		var id, stage int64
		var at any
		if err := r.Scan(&id, &stage, &at); err != nil {
			return err
		}
		if d := h.deals[id]; d != nil {
			t, _ := store.ParseTime(at)
			d.moves = append(d.moves, move{at: t, stage: stage})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = each(ctx, q, `SELECT record_type, record_id, kind, done, occurred_at, done_at FROM activities
		WHERE workspace_id = ? AND deleted_at IS NULL AND record_type IN ('deal', 'contact', 'company')`, []any{ws}, func(r *sql.Rows) error {
		// Raw bytes for the texts: no string kept or made for 3 million rows.
		var rt, rid, kind sql.RawBytes
		var done sql.NullBool
		var occurred, doneAt any
		if err := r.Scan(&rt, &rid, &kind, &done, &occurred, &doneAt); err != nil {
			return err
		}
		id, err := strconv.ParseInt(string(rid), 10, 64)
		if err != nil {
			return nil // not the id of a deal, contact or company
		}
		at, ok := store.ParseTime(occurred)
		if string(kind) == "task" {
			if !done.Bool {
				return nil
			}
			if t, ok2 := store.ParseTime(doneAt); ok2 {
				at, ok = t, true
			}
		}
		if ok {
			k := ref{refObject(rt), id}
			h.acts[k] = append(h.acts[k], newAct(string(kind), at))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	byKey := map[ref]*customer{}
	for _, t := range []string{"contacts", "companies"} {
		err = each(ctx, q, `SELECT id, owner_id, created_at FROM `+t+` WHERE workspace_id = ? AND deleted_at IS NULL`, []any{ws}, func(r *sql.Rows) error {
			c := &customer{table: t}
			var owner sql.NullInt64
			var created any
			if err := r.Scan(&c.id, &owner, &created); err != nil {
				return err
			}
			c.owner = owner.Int64
			c.created, _ = store.ParseTime(created)
			byKey[c.ref()] = c
			h.people = append(h.people, c)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	for _, c := range h.people {
		c.acts = h.acts[c.ref()]
	}
	for _, d := range h.deals {
		if d.status == "won" && d.companyID != 0 && !d.closed.IsZero() {
			if c := byKey[ref{refCompany, d.companyID}]; c != nil {
				c.won = append(c.won, d)
			}
		}
	}
	err = each(ctx, q, `SELECT deal_id, contact_id FROM deal_contacts WHERE workspace_id = ?`, []any{ws}, func(r *sql.Rows) error {
		var did, cid int64
		if err := r.Scan(&did, &cid); err != nil {
			return err
		}
		if d := h.deals[did]; d != nil && d.status == "won" && !d.closed.IsZero() {
			if c := byKey[ref{refContact, cid}]; c != nil {
				c.won = append(c.won, d)
			}
		}
		return nil
	})
	return h, err
}

// ref names the customer c.
func (c *customer) ref() ref {
	if c.table == "companies" {
		return ref{refCompany, c.id}
	}
	return ref{refContact, c.id}
}

func each(ctx context.Context, q store.Querier, query string, args []any, fn func(*sql.Rows) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

const day = 24 * time.Hour

func days(d time.Duration) float64 { return math.Max(0, d.Hours()/24) }

// activityFeatures are the counts of calls, meetings, notes and done tasks
// in the 30 and then the 90 days before t, and the days since the last
// activity (or since from, when none), capped at a year.
func activityFeatures(acts []act, t, from time.Time) []float64 {
	f := make([]float64, 9)
	last := from
	for _, a := range acts {
		at := a.time()
		if at.After(t) {
			continue
		}
		if at.After(last) {
			last = at
		}
		i := int(a.kind)
		if i < 0 {
			continue
		}
		age := t.Sub(at)
		if age <= 30*day {
			f[i]++
		}
		if age <= 90*day {
			f[4+i]++
		}
	}
	f[8] = math.Min(days(t.Sub(last)), 365)
	return f
}

// kindIndex is the place of an activity's kind among the counts.
func kindIndex(kind string) int {
	switch kind {
	case "call":
		return 0
	case "meeting":
		return 1
	case "note":
		return 2
	case "task":
		return 3
	}
	return -1
}

// features of a deal as it stood at t (WinFeatures).
func (h *history) dealFeatures(d *deal, t time.Time) []float64 {
	x := []float64{math.Log1p(math.Max(d.value, 0))}
	x = append(x, activityFeatures(h.acts[ref{refDeal, d.id}], t, d.created)...)
	entered := d.stageEntered
	if entered.IsZero() || entered.After(t) {
		entered = d.created
	}
	back, prev := 0.0, -1
	for _, m := range d.moves {
		if m.at.After(t) {
			break
		}
		p := h.positions[m.stage]
		if prev >= 0 && p < prev {
			back++
		}
		prev = p
	}
	return append(x, days(t.Sub(entered)), back, days(t.Sub(d.created)))
}

// winData: closed deals, older three quarters to fit, newest quarter to
// test; open deals to score.
func (h *history) winData(now time.Time) dataset {
	var closed, open []*deal
	for _, d := range h.deals {
		switch {
		case (d.status == "won" || d.status == "lost") && !d.closed.IsZero():
			closed = append(closed, d)
		case d.status == "open" || d.status == "":
			open = append(open, d)
		}
	}
	slices.SortFunc(closed, func(a, b *deal) int {
		if c := a.closed.Compare(b.closed); c != 0 {
			return c
		}
		return int(a.id - b.id)
	})
	var ds dataset
	cut := len(closed) * 3 / 4
	for i, d := range closed {
		x, y := h.dealFeatures(d, d.closed), 0.0
		if d.status == "won" {
			y = 1
			ds.positives++
		} else {
			ds.negs++
		}
		if i < cut {
			ds.trainX, ds.trainY = append(ds.trainX, x), append(ds.trainY, y)
		} else {
			ds.testX, ds.testY = append(ds.testX, x), append(ds.testY, y)
		}
	}
	for _, d := range open {
		ds.score = append(ds.score, scored{table: "deals", id: d.id, x: h.dealFeatures(d, now)})
	}
	return ds
}

func (c *customer) firstWon() (time.Time, bool) {
	var first time.Time
	for _, d := range c.won {
		if first.IsZero() || d.closed.Before(first) {
			first = d.closed
		}
	}
	return first, !first.IsZero()
}

// activeBetween reports whether c won a deal or had an activity in (a, b].
func (c *customer) activeBetween(a, b time.Time) bool {
	for _, d := range c.won {
		if d.closed.After(a) && !d.closed.After(b) {
			return true
		}
	}
	for _, x := range c.acts {
		if at := x.time(); at.After(a) && !at.After(b) {
			return true
		}
	}
	return false
}

// customerFeatures of c as it stood at t (ChurnFeatures).
func (c *customer) features(t time.Time) []float64 {
	var lastWon, first time.Time
	n, value := 0.0, 0.0
	for _, d := range c.won {
		if d.closed.After(t) {
			continue
		}
		n++
		value += math.Max(d.value, 0)
		if d.closed.After(lastWon) {
			lastWon = d.closed
		}
		if first.IsZero() || d.closed.Before(first) {
			first = d.closed
		}
	}
	x := make([]float64, 0, len(ChurnFeatures))
	x = append(x, days(t.Sub(lastWon)), n, math.Log1p(value))
	x = append(x, activityFeatures(c.acts, t, lastWon)...)
	return append(x, days(t.Sub(first)))
}

// churnData: customers as they stood one window before the window that
// tells whether they churned; the snapshot two windows ago fits, the one a
// window ago tests; today's customers are scored.
func (h *history) churnData(now time.Time) dataset {
	var ds dataset
	fitAt, testAt := now.Add(-2*ChurnWindow), now.Add(-ChurnWindow)
	for _, c := range h.people {
		first, ok := c.firstWon()
		if !ok {
			continue
		}
		for _, snap := range []time.Time{fitAt, testAt} {
			if first.After(snap) {
				continue
			}
			y := 0.0
			if !c.activeBetween(snap, snap.Add(ChurnWindow)) {
				y = 1
				ds.positives++
			} else {
				ds.negs++
			}
			if snap == fitAt {
				ds.trainX, ds.trainY = append(ds.trainX, c.features(snap)), append(ds.trainY, y)
			} else {
				ds.testX, ds.testY = append(ds.testX, c.features(snap)), append(ds.testY, y)
			}
		}
		ds.score = append(ds.score, scored{table: c.table, id: c.id, x: c.features(now)})
	}
	return ds
}

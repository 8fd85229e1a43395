package report

import (
	"context"
	"database/sql"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/store"
)

// Employees is the period's work of each user whose deals or activities
// the actor may read.
type Employees struct {
	Currency    string     `json:"currency"`
	Rows        []Employee `json:"rows"`
	Unconverted []string   `json:"unconverted"`
}

// Employee is one user's figures. Moved counts the stays in a stage the
// user ended by moving a deal on; ResponseHours is the mean time from the
// creation of the user's deals created in the period to the user's first
// activity on each (nil when none has one yet), over Responded deals.
type Employee struct {
	Ref
	Created       int64        `json:"created"`
	Moved         int64        `json:"moved"`
	Won           int64        `json:"won"`
	Lost          int64        `json:"lost"`
	WonSum        *sales.Money `json:"won_sum"`
	TasksDone     int64        `json:"tasks_done"`
	TasksOverdue  int64        `json:"tasks_overdue"`
	CallsMade     int64        `json:"calls_made"`
	CallsReceived int64        `json:"calls_received"`
	Notes         int64        `json:"notes"`
	Responded     int64        `json:"responded"`
	ResponseHours *float64     `json:"response_hours"`
}

// Employees computes the report by employee.
func (s *Service) Employees(ctx context.Context, f Filter) (Employees, error) {
	sc, err := s.scopeOf(ctx, f)
	if err != nil {
		return Employees{}, err
	}
	ad, err := s.adder(ctx, sc)
	if err != nil {
		return Employees{}, err
	}
	out := Employees{Currency: ad.base(), Rows: []Employee{}}
	if sc.hidden["owner_id"] {
		out.Unconverted = []string{}
		return out, nil
	}
	names, err := s.names(ctx, "users", "name", sc.a.WorkspaceID)
	if err != nil {
		return out, err
	}
	byUser := map[int64]*Employee{}
	// The queries below run at once (each reads its own index); mu guards
	// byUser and what the rows add to it.
	var mu sync.Mutex
	row := func(id int64) *Employee {
		e := byUser[id]
		if e == nil {
			e = &Employee{Ref: Ref{ID: strconv.FormatInt(id, 10), Name: names[id]}, WonSum: ad.zero()}
			byUser[id] = e
		}
		return e
	}
	d := s.db.Dialect
	q := s.db.Reader()
	from, to := d.Time(f.From), d.Time(f.To)
	// grouped runs a query whose rows are (user, n) and hands each on.
	grouped := func(query string, args []any, fn func(e *Employee, n int64)) func() error {
		return func() error {
			rows, err := q.QueryContext(ctx, query, args...)
			if err != nil {
				return err
			}
			return eachRow(rows, func(r *sql.Rows) error {
				var id sql.NullInt64
				var n int64
				if err := r.Scan(&id, &n); err != nil {
					return err
				}
				if id.Valid {
					mu.Lock()
					fn(row(id.Int64), n)
					mu.Unlock()
				}
				return nil
			})
		}
	}
	// On SQLite every query names the workspace's users (owner IN …): it
	// then reads each user's range of the period from an index by user and
	// time, in the grouping's order, instead of sorting the period's rows
	// by user, which cost three times the reading. Rows of no user count
	// for no one either way. PostgreSQL groups by hashing and reads the
	// period alone.
	var users []int64
	if d == store.SQLite {
		users = slices.Sorted(maps.Keys(names))
	}
	stays, sargs := sc.staysBy(d, 0, users)
	tasks := []func() error{
		func() error { return s.responses(ctx, sc, users, &mu, row) },
		grouped(`SELECT h.left_by, count(*) FROM `+stays+` GROUP BY h.left_by`, sargs,
			func(e *Employee, n int64) { e.Moved = n }),
		func() error { return s.closedBy(ctx, sc, ad, &mu, row) },
	}
	acts := []struct {
		kind, index, byUser, cond string
		args                      []any
		set                       func(*Employee, int64)
	}{
		{"task", "activities_report_done", "activities_owner_done", "a.done_at >= ? AND a.done_at < ?", []any{from, to}, func(e *Employee, n int64) { e.TasksDone = n }},
		{"task", "activities_report_overdue", "activities_report_overdue", "a.done = " + falseLit(d) + " AND a.due_at < ?", []any{d.Time(s.now())}, func(e *Employee, n int64) { e.TasksOverdue = n }},
		{"call", "activities_report_calls", "activities_owner_calls", "a.direction = 'outbound' AND a.occurred_at >= ? AND a.occurred_at < ?", []any{from, to}, func(e *Employee, n int64) { e.CallsMade = n }},
		{"call", "activities_report_calls", "activities_owner_calls", "a.direction = 'inbound' AND a.occurred_at >= ? AND a.occurred_at < ?", []any{from, to}, func(e *Employee, n int64) { e.CallsReceived = n }},
		{"note", "activities_report_notes", "activities_owner_notes", "a.occurred_at >= ? AND a.occurred_at < ?", []any{from, to}, func(e *Employee, n int64) { e.Notes = n }},
	}
	for _, x := range acts {
		w, a := sc.activities(x.kind)
		a = append(a, x.args...)
		index, cond := x.index, x.cond
		if users != nil {
			index, cond = x.byUser, cond+" AND "+inInts("a.owner_id", users, &a)
		}
		tasks = append(tasks, grouped(`SELECT a.owner_id, count(*) FROM `+activityTable(d, index)+` WHERE `+w+` AND `+cond+` GROUP BY a.owner_id`,
			a, x.set))
	}
	if err := together(tasks); err != nil {
		return out, err
	}
	for _, e := range byUser {
		out.Rows = append(out.Rows, *e)
	}
	slices.SortFunc(out.Rows, func(a, b Employee) int {
		if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	out.Unconverted = append([]string{}, ad.unconverted...)
	return out, nil
}

// closedBy adds each owner's deals won and lost in the period, and the
// sum won.
func (s *Service) closedBy(ctx context.Context, sc *scope, ad *adder, mu *sync.Mutex, row func(int64) *Employee) error {
	d := s.db.Dialect
	where, args := sc.deals(d, "closed_at")
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT d.owner_id, `+d.Day("d.closed_at")+`, d.status, COALESCE(d.value_currency, ''), count(*), COALESCE(SUM(d.value_amount), 0)
		FROM `+table(d, "closed_at")+` WHERE `+where+` AND d.status IN ('won', 'lost') AND d.owner_id IS NOT NULL
		GROUP BY d.owner_id, `+d.Day("d.closed_at")+`, d.status, d.value_currency`, args...)
	if err != nil {
		return err
	}
	return eachRow(rows, func(r *sql.Rows) error {
		var id, n, amount int64
		var day, status, cur string
		if err := r.Scan(&id, &day, &status, &cur, &n, &amount); err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		e := row(id)
		if status == "lost" {
			e.Lost += n
			return nil
		}
		e.Won += n
		return ad.add(ctx, cur, day, amount, e.WonSum)
	})
}

// responses sets each owner's deals created in the period and the mean
// time to the first response on them: the owner's first activity about
// the deal from its creation on, which the sales service keeps on the
// deal. A first response the actor may not read (the role hides the
// owner's activities) does not count.
func (s *Service) responses(ctx context.Context, sc *scope, users []int64, mu *sync.Mutex, row func(int64) *Employee) error {
	d := s.db.Dialect
	where, args := sc.deals(d, "created_at")
	deals := table(d, "created_at")
	if users != nil {
		deals, where = "deals d"+d.IndexedBy("deals_owner_created"), where+" AND "+inInts("d.owner_id", users, &args)
	}
	first, fargs := "d.first_response_at", []any(nil)
	if sc.respCond != "" {
		first, fargs = "CASE WHEN "+sc.respCond+" THEN d.first_response_at END", sc.respArgs
	}
	// The first response is read once, in a subquery, so that its
	// condition's arguments are bound once.
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT owner_id, count(*), count(first_at), SUM(`+d.Days("first_at", "created_at")+`) FROM (
		SELECT d.owner_id AS owner_id, d.created_at AS created_at, `+first+` AS first_at FROM `+deals+` WHERE `+where+` AND d.owner_id IS NOT NULL) x
		GROUP BY owner_id`, append(fargs, args...)...)
	if err != nil {
		return err
	}
	return eachRow(rows, func(r *sql.Rows) error {
		var id, created, n int64
		var days sql.NullFloat64
		if err := r.Scan(&id, &created, &n, &days); err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		e := row(id)
		e.Created = created
		if n > 0 {
			e.Responded = n
			h := round1(days.Float64 * 24 / float64(n))
			e.ResponseHours = &h
		}
		return nil
	})
}

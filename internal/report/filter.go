// Package report computes the standard reports from the recorded history:
// the stays of deals in stages, the deals created and closed, the
// activities and the audit trail. Every figure counts only what the actor
// may read: the role's owner condition narrows every query, and a field
// the role hides can neither be grouped nor filtered by (it is refused as
// unknown) nor summed. The definitions are in docs/decisions/0027-reports.md.
package report

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/input"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/store"
)

// Service computes the reports.
type Service struct {
	db     *store.DB
	engine *records.Engine
	sales  *sales.Service
	now    func() time.Time
}

// New returns the reports over db, as engine's policy lets each actor see
// them; sales converts sums into the base currency. now is the clock (nil
// means time.Now): overdue tasks are those due before it.
func New(db *store.DB, engine *records.Engine, s *sales.Service, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, engine: engine, sales: s, now: now}
}

// Filter narrows a report. From and To bound the period (To exclusive);
// the other fields, when not empty, keep the deals of one pipeline, of
// some owners, of the members of a team, or from one source.
type Filter struct {
	From, To time.Time
	Pipeline string
	Users    []string
	Team     string
	Source   string
	// Deals, when not nil, keeps the deals it matches: a filter in the
	// lists' language (records.Filter) over deals, with the engine's
	// checks (a hidden field is unknown).
	Deals *records.Filter
}

// Periods a filter may name instead of dates.
var Presets = []string{"this_month", "last_month", "this_quarter", "this_year", "last_year"}

// ParseFilter reads a filter from a query string: from and to as dates
// (to inclusive), or preset, in loc; pipeline, user (repeatable), team and
// source. Without a period it is this month. Each parameter at fault is
// named.
func ParseFilter(v url.Values, loc *time.Location, now time.Time) (Filter, error) {
	var c fault.Collector
	f := Filter{Pipeline: v.Get("pipeline"), Team: v.Get("team"), Source: strings.TrimSpace(v.Get("source"))}
	for _, u := range v["user"] {
		if u != "" {
			f.Users = append(f.Users, u)
		}
	}
	if js := strings.TrimSpace(v.Get("filter")); js != "" {
		var err error
		if f.Deals, err = records.ParseFilterJSON([]byte(js), "filter"); err != nil {
			return f, err
		}
	}
	now = now.In(loc)
	y, m, _ := now.Date()
	month := time.Date(y, m, 1, 0, 0, 0, 0, loc)
	quarter := time.Date(y, m-(m-1)%3, 1, 0, 0, 0, 0, loc)
	year := time.Date(y, 1, 1, 0, 0, 0, 0, loc)
	switch v.Get("preset") {
	case "", "this_month":
		f.From, f.To = month, month.AddDate(0, 1, 0)
	case "last_month":
		f.From, f.To = month.AddDate(0, -1, 0), month
	case "this_quarter":
		f.From, f.To = quarter, quarter.AddDate(0, 3, 0)
	case "this_year":
		f.From, f.To = year, year.AddDate(1, 0, 0)
	case "last_year":
		f.From, f.To = year.AddDate(-1, 0, 0), year
	default:
		c.Add("preset", "option", "must be one of %s", strings.Join(Presets, ", "))
	}
	if s := v.Get("from"); s != "" {
		d, err := time.ParseInLocation(time.DateOnly, s, loc)
		if err != nil {
			c.Add("from", "format", "must be a date as YYYY-MM-DD")
		}
		f.From = d
	}
	if s := v.Get("to"); s != "" {
		d, err := time.ParseInLocation(time.DateOnly, s, loc)
		if err != nil {
			c.Add("to", "format", "must be a date as YYYY-MM-DD")
		}
		f.To = d.AddDate(0, 0, 1)
	}
	if err := c.Err(); err != nil {
		return f, err
	}
	if !f.To.After(f.From) {
		return f, fault.Field("to", "range", "must not be before from")
	}
	if f.To.Sub(f.From) > 366*10*24*time.Hour {
		return f, fault.Field("from", "range", "the period may be at most ten years")
	}
	return f, nil
}

// scope is a filter checked against the workspace and the actor's role,
// ready to narrow SQL.
type scope struct {
	a        access.Actor
	f        Filter
	hidden   map[string]bool // fields of deals the role hides
	pipeline int64
	owners   []int64 // the users asked for (by user or team); nil for all
	dealCond string  // the role's owner condition on deals (column owner_id), or ""
	dealArgs []any
	actCond  string // the same for activities
	actArgs  []any
	// respCond is actCond on the deals' owner (d.owner_id): the first
	// response stored on a deal is an activity of its owner's, readable
	// when the role may read that owner's activities.
	respCond string
	respArgs []any
	// filterCond is the filter's condition on the deals' ids (d.id), or "".
	filterCond string
	filterArgs []any
}

// scopeOf checks f for the actor in ctx: it must be allowed to read deals,
// the pipeline, users and team must exist, and the role may not hide a
// field that f filters on.
func (s *Service) scopeOf(ctx context.Context, f Filter) (*scope, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	p := s.engine.Policy()
	if err := p.Authorize(ctx, a, "deal", access.Read, nil); err != nil {
		return nil, err
	}
	sc := &scope{a: a, f: f, hidden: map[string]bool{}}
	rules, err := p.Fields(ctx, a, s.engine.Object("deal").Grant())
	if err != nil {
		return nil, err
	}
	for name, r := range rules {
		sc.hidden[name] = r == access.FieldHidden
	}
	var c fault.Collector
	if f.Pipeline != "" {
		if sc.hidden["pipeline_id"] {
			c.Add("pipeline", "unknown", "is not a field of deals")
		} else if id, ok := input.ID(f.Pipeline); !ok || !s.exists(ctx, "pipelines", a.WorkspaceID, id) {
			c.Add("pipeline", "reference", "is not a pipeline of this workspace")
		} else {
			sc.pipeline = id
		}
	}
	if (len(f.Users) > 0 || f.Team != "") && sc.hidden["owner_id"] {
		c.Add("user", "unknown", "owner_id is not a field of deals")
	} else {
		sc.owners = s.owners(ctx, a.WorkspaceID, f, &c)
	}
	if f.Source != "" && sc.hidden["source"] {
		c.Add("source", "unknown", "is not a field of deals")
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	if f.Deals != nil {
		if sc.filterCond, sc.filterArgs, err = s.engine.Condition(ctx, "deal", f.Deals, "d.id"); err != nil {
			return nil, err
		}
	}
	rs, err := p.Restrict(ctx, a, "deal")
	if err != nil {
		return nil, err
	}
	sc.dealCond, sc.dealArgs = access.OwnerCondition(rs, "d.owner_id")
	if err := p.Authorize(ctx, a, "activity", access.Read, nil); err != nil {
		if !fault.Is(err, fault.EFORBIDDEN) {
			return nil, err
		}
		sc.actCond, sc.respCond = "1=0", "1=0"
	} else {
		ars, err := p.Restrict(ctx, a, "activity")
		if err != nil {
			return nil, err
		}
		sc.actCond, sc.actArgs = access.OwnerCondition(ars, "a.owner_id")
		sc.respCond, sc.respArgs = access.OwnerCondition(ars, "d.owner_id")
	}
	return sc, nil
}

// owners resolves the users and team of f to user ids, adding an error
// for each that is not of the workspace. nil means no narrowing.
func (s *Service) owners(ctx context.Context, ws int64, f Filter, c *fault.Collector) []int64 {
	var out []int64
	for _, u := range f.Users {
		id, ok := input.ID(u)
		if !ok || !s.exists(ctx, "users", ws, id) {
			c.Add("user", "reference", "is not a user of this workspace")
			return nil
		}
		out = append(out, id)
	}
	if f.Team == "" {
		return out
	}
	id, ok := input.ID(f.Team)
	if !ok || !s.exists(ctx, "teams", ws, id) {
		c.Add("team", "reference", "is not a team of this workspace")
		return nil
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id FROM users WHERE workspace_id = ? AND team_id = ?`, ws, id)
	if err != nil {
		c.Add("team", "reference", "could not be read")
		return nil
	}
	defer rows.Close()
	members := []int64{}
	for rows.Next() {
		var m int64
		if rows.Scan(&m) == nil {
			members = append(members, m)
		}
	}
	if len(f.Users) == 0 {
		return members
	}
	// Both: the users asked for who are in the team.
	var both []int64
	for _, u := range out {
		for _, m := range members {
			if u == m {
				both = append(both, u)
			}
		}
	}
	if both == nil {
		both = []int64{}
	}
	return both
}

// exists says whether table has a live row id in workspace ws.
func (s *Service) exists(ctx context.Context, table string, ws, id int64) bool {
	q := `SELECT 1 FROM ` + table + ` WHERE workspace_id = ? AND id = ?`
	if table == "pipelines" {
		q += ` AND deleted_at IS NULL`
	}
	var one int
	err := s.db.Reader().QueryRowContext(ctx, q, ws, id).Scan(&one)
	return err == nil
}

// deals is the WHERE clause over deals d for the scope: the workspace, not
// deleted, the role's owner condition, the owners, pipeline and source of
// the filter. timeCol, when not "", is bounded by the period.
func (sc *scope) deals(d store.Dialect, timeCol string) (string, []any) {
	where := []string{"d.workspace_id = ?", "d.deleted_at IS NULL"}
	args := []any{sc.a.WorkspaceID}
	if timeCol != "" {
		where = append(where, "d."+timeCol+" >= ?", "d."+timeCol+" < ?")
		args = append(args, d.Time(sc.f.From), d.Time(sc.f.To))
	}
	if sc.dealCond != "" {
		where, args = append(where, sc.dealCond), append(args, sc.dealArgs...)
	}
	if sc.owners != nil {
		where = append(where, inInts("d.owner_id", sc.owners, &args))
	}
	if sc.pipeline != 0 {
		where, args = append(where, "d.pipeline_id = ?"), append(args, sc.pipeline)
	}
	if sc.f.Source != "" {
		where, args = append(where, "d.source = ?"), append(args, sc.f.Source)
	}
	if sc.filterCond != "" {
		where, args = append(where, sc.filterCond), append(args, sc.filterArgs...)
	}
	return strings.Join(where, " AND "), args
}

// atOnce is how many of a report's queries run at the same time: enough
// to use both cores of a small server for one report, few enough that a
// report does not take every reader of the pool.
const atOnce = 3

// together runs the independent queries of a report, atOnce at a time,
// and returns their errors joined.
func together(fns []func() error) error {
	errs := make([]error, len(fns))
	slots := make(chan struct{}, atOnce)
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer func() { <-slots; wg.Done() }()
			errs[i] = fn()
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// stays is the FROM and WHERE clause over the stays h in stages that
// ended in the period, of the deals of the scope, with its args; pipeline,
// when not 0, keeps the stays in that pipeline. When the scope narrows
// deals by no more than their pipeline and source, the stays are read
// alone: each carries its deal's pipeline while the deal is not deleted,
// and its source, kept by the sales service, which saves a look-up of the
// deal per stay.
func (sc *scope) stays(d store.Dialect, pipeline int64) (string, []any) {
	return sc.staysBy(d, pipeline, nil)
}

// staysAlone says whether the scope's stays are read without their deals.
func (sc *scope) staysAlone() bool {
	return sc.dealCond == "" && sc.owners == nil && sc.filterCond == ""
}

// staysBy is stays, with byUsers, when not nil, the users who ended the
// stays: on SQLite the stays read alone are then read from the index by
// user (see byUser).
func (sc *scope) staysBy(d store.Dialect, pipeline int64, byUsers []int64) (string, []any) {
	from := `deal_stage_history h`
	where := []string{"h.workspace_id = ?", "h.left_at >= ?", "h.left_at < ?"}
	args := []any{sc.a.WorkspaceID, d.Time(sc.f.From), d.Time(sc.f.To)}
	if pipeline != 0 {
		where, args = append(where, "h.pipeline_id = ?"), append(args, pipeline)
	}
	if sc.staysAlone() {
		if sc.pipeline != 0 {
			where, args = append(where, "h.deal_pipeline_id = ?"), append(args, sc.pipeline)
		} else {
			where = append(where, "h.deal_pipeline_id IS NOT NULL")
		}
		if sc.f.Source != "" {
			where, args = append(where, "h.deal_source = ?"), append(args, sc.f.Source)
		}
		index := "deal_stage_history_left"
		if byUsers != nil {
			index = "deal_stage_history_moved"
			where = append(where, inInts("h.left_by", byUsers, &args))
		}
		return from + d.IndexedBy(index) + ` WHERE ` + strings.Join(where, " AND "), args
	}
	dw, dargs := sc.deals(d, "")
	return from + ` JOIN deals d ON d.workspace_id = h.workspace_id AND d.id = h.deal_id WHERE ` +
		strings.Join(where, " AND ") + " AND " + dw, append(args, dargs...)
}

// table is deals d read, on SQLite, through the reports' index of timeCol:
// its planner, without statistics of value ranges, would otherwise take an
// index of one column (the pipeline, the period's start) and read each deal.
// The partial index of closes needs the query to say status IN ('won',
// 'lost') literally.
func table(d store.Dialect, timeCol string) string {
	switch timeCol {
	case "created_at":
		return "deals d" + d.IndexedBy("deals_report_created")
	case "closed_at":
		return "deals d" + d.IndexedBy("deals_report_closed")
	}
	return "deals d"
}

// activityTable is activities a read, on SQLite, through index when one is
// named: the covering indexes of tasks done, calls and notes by day, which
// the planner passes over for the one-column index of the same day.
func activityTable(d store.Dialect, index string) string {
	return "activities a" + d.IndexedBy(index)
}

// overdueIndex is the index of open tasks by due time to read: each
// owner's when the scope names owners, else the workspace's.
func (sc *scope) overdueIndex() string {
	if sc.actCond != "" || sc.owners != nil {
		return "activities_report_overdue"
	}
	return "activities_open_tasks"
}

// activities is the WHERE clause over activities a of one kind for the
// scope: the role's owner condition on activities and the owners asked.
func (sc *scope) activities(kind string) (string, []any) {
	// The kind is written into the SQL, not bound: the indexes of
	// activities are partial, one per kind, and SQLite uses a partial
	// index only when the query names its condition literally.
	if !slices.Contains([]string{"task", "call", "note", "meeting"}, kind) {
		kind = ""
	}
	where := []string{"a.workspace_id = ?", "a.kind = '" + kind + "'", "a.deleted_at IS NULL"}
	args := []any{sc.a.WorkspaceID}
	if sc.actCond != "" {
		where, args = append(where, sc.actCond), append(args, sc.actArgs...)
	}
	if sc.owners != nil {
		where = append(where, inInts("a.owner_id", sc.owners, &args))
	}
	return strings.Join(where, " AND "), args
}

// inInts is "col IN (…)" over ids, appending them to args; no ids match
// nothing.
func inInts(col string, ids []int64, args *[]any) string {
	if len(ids) == 0 {
		return "1=0"
	}
	for _, id := range ids {
		*args = append(*args, id)
	}
	return col + " IN (" + store.Marks(len(ids)) + ")"
}

// Ref names a record a report shows: its id and name.
type Ref struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// stage is a pipeline's stage in order.
type stage struct {
	id   int64
	name string
}

// pipelineOf returns the pipeline of the scope, or the first one when the
// filter names none, and its stages in order. ok is false when the
// workspace has no pipeline.
func (s *Service) pipelineOf(ctx context.Context, sc *scope) (Ref, []stage, bool, error) {
	q := s.db.Reader()
	var id int64
	var name sql.NullString
	err := q.QueryRowContext(ctx, `SELECT id, name FROM pipelines WHERE workspace_id = ? AND deleted_at IS NULL
		AND (? = 0 OR id = ?) ORDER BY position, id LIMIT 1`, sc.a.WorkspaceID, sc.pipeline, sc.pipeline).Scan(&id, &name)
	if errors.Is(err, sql.ErrNoRows) {
		return Ref{}, nil, false, nil
	}
	if err != nil {
		return Ref{}, nil, false, err
	}
	sc.pipeline = id
	rows, err := q.QueryContext(ctx, `SELECT id, name FROM stages WHERE workspace_id = ? AND pipeline_id = ? AND deleted_at IS NULL
		ORDER BY position, id`, sc.a.WorkspaceID, id)
	if err != nil {
		return Ref{}, nil, false, err
	}
	defer rows.Close()
	var stages []stage
	for rows.Next() {
		var st stage
		var n sql.NullString
		if err := rows.Scan(&st.id, &n); err != nil {
			return Ref{}, nil, false, err
		}
		st.name = n.String
		stages = append(stages, st)
	}
	return Ref{ID: strconv.FormatInt(id, 10), Name: name.String}, stages, true, rows.Err()
}

// names reads the names of rows of table by id.
func (s *Service) names(ctx context.Context, table, col string, ws int64) (map[int64]string, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, `+col+` FROM `+table+` WHERE workspace_id = ?`, ws)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var n sql.NullString
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n.String
	}
	return out, rows.Err()
}

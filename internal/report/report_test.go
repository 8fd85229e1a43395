package report_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/report"
	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// The history every test reads, in November 2026 (times UTC):
//
//	D1 (admin) S1 11-01 → S2 11-03 → S3 11-06 → S4 11-10, won 11-20, €1,000, company C1
//	D2 (admin) S1 11-02 → S3 11-04 (skips S2) → S2 11-05 (back) → S3 11-07, lost 11-25 for Price, $500
//	D3 (admin) S1 11-10, open, £200
//	D4 (rep)   S1 11-12 → S2 11-14, won 11-15, £300 (no rate), company C1, contact K1
//	D5 (admin) created 10-15: S1 → S2 11-02, won 11-18, €200, contact K1
//	D6 (admin) S1 11-05 → S3 11-06 (skips S2), won 11-08 and reopened: open
//
// The dollar is worth €0.90 from 11-01 and €0.50 from 11-26, so D2's loss
// counts at 0.90.
type fixture struct {
	db         *store.DB
	svc        *report.Service
	admin, rep context.Context
	adminID    int64
	repID      int64
}

var (
	nov   = report.Filter{From: day(2026, 11, 1), To: day(2026, 12, 1)}
	today = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func at(m time.Month, d, h int) time.Time { return time.Date(2026, m, d, h, 0, 0, 0, time.UTC) }

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	f := &fixture{db: db}
	pol := access.NewRolePolicy(db)
	engine := records.New(db, records.Options{Policy: pol, Logger: slog.New(slog.DiscardHandler)})
	now := func() time.Time { return today }
	sl := sales.New(db, engine, sales.Options{Logger: slog.New(slog.DiscardHandler), Now: now})
	f.svc = report.New(db, engine, sl, now)
	f.adminID = accesstest.AddUser(t, db, 1, "admin@report.example", access.RoleAdministrator, 0)
	f.repID = accesstest.AddUser(t, db, 1, "rep@report.example", access.RoleSalesperson, 0)
	f.admin = access.WithActor(context.Background(), access.Actor{WorkspaceID: 1, UserID: f.adminID, Role: access.RoleAdministrator})
	f.rep = access.WithActor(context.Background(), access.Actor{WorkspaceID: 1, UserID: f.repID, Role: access.RoleSalesperson})
	f.history(t)
	return f
}

func (f *fixture) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	err := f.db.Tx(context.Background(), func(tx store.Querier) error {
		_, err := tx.ExecContext(context.Background(), q, args...)
		return err
	})
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func (f *fixture) history(t *testing.T) {
	d := f.db.Dialect
	ts := func(x time.Time) any { return d.Time(x) }
	created := ts(day(2026, 1, 1))
	f.exec(t, `INSERT INTO pipelines (workspace_id, id, name, position, created_at, updated_at) VALUES (1, 1, 'Sales', 1, ?, ?), (1, 2, 'Solo', 2, ?, ?)`,
		created, created, created, created)
	for i, name := range []string{"S1", "S2", "S3", "S4"} {
		f.exec(t, `INSERT INTO stages (workspace_id, id, pipeline_id, name, position, created_at, updated_at) VALUES (1, ?, 1, ?, ?, ?, ?)`,
			11+i, name, i+1, created, created)
	}
	f.exec(t, `INSERT INTO stages (workspace_id, id, pipeline_id, name, position, created_at, updated_at) VALUES (1, 21, 2, 'Only', 1, ?, ?)`, created, created)
	f.exec(t, `INSERT INTO loss_reasons (workspace_id, id, name, position, active, created_at, updated_at) VALUES (1, 31, 'Price', 1, ?, ?, ?)`,
		true, created, created)
	f.exec(t, `INSERT INTO companies (workspace_id, id, name, created_at, updated_at) VALUES (1, 41, 'C1', ?, ?)`, created, created)
	f.exec(t, `INSERT INTO contacts (workspace_id, id, first_name, created_at, updated_at) VALUES (1, 51, 'K1', ?, ?)`, created, created)
	for _, r := range []struct{ on, rate string }{{"2026-11-01", "0.9"}, {"2026-11-26", "0.5"}} {
		f.exec(t, `INSERT INTO exchange_rates (workspace_id, currency, valid_on, rate, created_at) VALUES (1, 'USD', ?, ?, ?)`, r.on, r.rate, created)
	}
	type deal struct {
		id       int64
		owner    int64
		status   string
		value    string
		company  any
		closed   any
		reason   any
		stays    []int64
		entered  []time.Time
		contacts []int64
	}
	A, R := f.adminID, f.repID
	deals := []deal{
		{1, A, "won", `{"amount": 100000, "currency": "EUR"}`, 41, at(11, 20, 0), nil, []int64{11, 12, 13, 14},
			[]time.Time{at(11, 1, 0), at(11, 3, 0), at(11, 6, 0), at(11, 10, 0)}, nil},
		{2, A, "lost", `{"amount": 50000, "currency": "USD"}`, nil, at(11, 25, 0), 31, []int64{11, 13, 12, 13},
			[]time.Time{at(11, 2, 0), at(11, 4, 0), at(11, 5, 0), at(11, 7, 0)}, nil},
		{3, A, "open", `{"amount": 20000, "currency": "GBP"}`, nil, nil, nil, []int64{11}, []time.Time{at(11, 10, 0)}, nil},
		{4, R, "won", `{"amount": 30000, "currency": "GBP"}`, 41, at(11, 15, 0), nil, []int64{11, 12},
			[]time.Time{at(11, 12, 0), at(11, 14, 0)}, []int64{51}},
		{5, A, "won", `{"amount": 20000, "currency": "EUR"}`, nil, at(11, 18, 0), nil, []int64{11, 12},
			[]time.Time{at(10, 15, 0), at(11, 2, 0)}, []int64{51}},
		{6, A, "open", `null`, nil, nil, nil, []int64{11, 13}, []time.Time{at(11, 5, 0), at(11, 6, 0)}, nil},
	}
	for _, x := range deals {
		last := len(x.stays) - 1
		closed := x.closed
		if c, ok := closed.(time.Time); ok {
			closed = ts(c)
		}
		f.exec(t, `INSERT INTO deals (workspace_id, id, title, value, pipeline_id, stage_id, status, owner_id, company_id, closed_at,
			loss_reason_id, stage_entered_at, created_at, updated_at) VALUES (1, ?, ?, `+d.JSONIn()+`, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			x.id, "D"+strconv.FormatInt(x.id, 10), x.value, x.stays[last], x.status, x.owner, x.company, closed, x.reason,
			ts(x.entered[last]), ts(x.entered[0]), ts(x.entered[last]))
		for i, st := range x.stays {
			var left, by any
			if i < last {
				left, by = ts(x.entered[i+1]), x.owner
			}
			f.exec(t, `INSERT INTO deal_stage_history (workspace_id, deal_id, pipeline_id, stage_id, entered_at, left_at, entered_by, left_by)
				VALUES (1, ?, 1, ?, ?, ?, ?, ?)`, x.id, st, ts(x.entered[i]), left, x.owner, by)
		}
		err := f.db.Tx(context.Background(), func(q store.Querier) error {
			return sales.SummarizeStays(context.Background(), q, d, 1, x.id)
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range x.contacts {
			f.exec(t, `INSERT INTO deal_contacts (workspace_id, deal_id, contact_id) VALUES (1, ?, ?)`, x.id, c)
		}
	}
	// The open deals' totals per stage, as the sales service's hook keeps them.
	f.exec(t, `INSERT INTO stage_totals (workspace_id, stage_id, currency, deals, amount)
		SELECT workspace_id, stage_id, COALESCE(value_currency, ''), count(*), COALESCE(SUM(value_amount), 0)
		FROM deals WHERE status = 'open' AND deleted_at IS NULL GROUP BY workspace_id, stage_id, COALESCE(value_currency, '')`)
	type act struct {
		kind, direction string
		owner           int64
		deal            string
		occurred        time.Time
		done            bool
		doneAt, due     any
	}
	acts := []act{
		{"task", "", A, "3", at(11, 11, 0), true, ts(at(11, 11, 9)), ts(at(11, 11, 0))},
		{"task", "", R, "4", at(11, 1, 0), false, nil, ts(at(11, 1, 0))},
		{"task", "", A, "3", time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), false, nil, ts(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))},
		{"call", "outbound", A, "3", at(11, 10, 6), false, nil, nil},
		{"call", "inbound", R, "4", at(11, 13, 0), false, nil, nil},
		{"note", "", A, "1", at(11, 1, 12), false, nil, nil},
		{"note", "", A, "1", at(10, 31, 0), false, nil, nil},
	}
	for _, x := range acts {
		var dir any
		if x.direction != "" {
			dir = x.direction
		}
		var done any
		if x.kind == "task" {
			done = x.done
		}
		f.exec(t, `INSERT INTO activities (workspace_id, kind, title, direction, owner_id, record_type, record_id, occurred_at, done, done_at, due_at,
			created_at, updated_at) VALUES (1, ?, 'x', ?, ?, 'deal', ?, ?, ?, ?, ?, ?, ?)`,
			x.kind, dir, x.owner, x.deal, ts(x.occurred), done, x.doneAt, x.due, ts(x.occurred), ts(x.occurred))
	}
	// The deals' first responses, as the sales service keeps them.
	err := f.db.Tx(context.Background(), func(q store.Querier) error {
		return sales.RefreshFirstResponses(context.Background(), q, 1, 0, 1000)
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, ch := range []string{
		`{"stage_id": {"before": "11", "after": "12"}}`,
		`{"owner_id": {"before": "` + strconv.FormatInt(A, 10) + `", "after": "` + strconv.FormatInt(R, 10) + `"}}`,
		`{"value": {"before": {"amount": 100, "currency": "EUR"}, "after": {"amount": 100000, "currency": "EUR"}}}`,
		`{"stage_id": {"before": "12", "after": "13"}}`,
	} {
		f.exec(t, `INSERT INTO audit_log (workspace_id, at, actor_id, action, object, record_id, changes) VALUES (1, ?, ?, 'update', 'deal', '1', `+d.JSONIn()+`)`,
			ts(at(11, 3+i, 0)), A, ch)
	}
}

// fieldOf is the first field an error names, or "".
func fieldOf(err error) string {
	var fe *fault.Error
	if errors.As(err, &fe) && len(fe.Fields) > 0 {
		return fe.Fields[0].Field
	}
	return ""
}

// js renders v as JSON, so that a whole report compares in one line.
func js(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestReports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		t.Run("funnel", func(t *testing.T) { f.funnel(t) })
		t.Run("cycle", func(t *testing.T) { f.cycle(t) })
		t.Run("revenue", func(t *testing.T) { f.revenue(t) })
		t.Run("summary", func(t *testing.T) { f.summary(t) })
		t.Run("employees", func(t *testing.T) { f.employees(t) })
		t.Run("events", func(t *testing.T) { f.events(t) })
		t.Run("bad input", func(t *testing.T) { f.badInput(t) })
		t.Run("hidden fields", func(t *testing.T) { f.hiddenFields(t, db) })
	})
}

func (f *fixture) funnel(t *testing.T) {
	fu, err := f.svc.Funnel(f.admin, nov)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Name                string
		Passed, Cumulative  int64
		PassedRate, CumRate float64
		Lost                int64
	}
	var got []row
	for _, s := range fu.Stages {
		r := row{Name: s.Name, Passed: s.Passed, Cumulative: s.Cumulative, Lost: s.Lost}
		if s.PassedRate != nil {
			r.PassedRate = *s.PassedRate
		}
		if s.CumulativeRate != nil {
			r.CumRate = *s.CumulativeRate
		}
		got = append(got, r)
	}
	want := []row{{"S1", 5, 5, 100, 100, 0}, {"S2", 3, 4, 60, 80, 0}, {"S3", 3, 3, 100, 75, 1}, {"S4", 1, 1, 33.3, 33.3, 0}}
	if js(t, got) != js(t, want) {
		t.Errorf("funnel stages\n got %s\nwant %s", js(t, got), js(t, want))
	}
	if fu.Deals != 5 || fu.Won != 2 || fu.Lost != 1 || fu.Open != 2 {
		t.Errorf("funnel deals %d won %d lost %d open %d, want 5 2 1 2", fu.Deals, fu.Won, fu.Lost, fu.Open)
	}
	if r := fu.Stages[2].LossReasons; len(r) != 1 || r[0].Name != "Price" || r[0].Count != 1 {
		t.Errorf("S3's loss reasons are %+v", r)
	}
	// The salesperson sees their own deal only.
	fu, err = f.svc.Funnel(f.rep, nov)
	if err != nil {
		t.Fatal(err)
	}
	if fu.Deals != 1 || fu.Won != 1 || fu.Stages[0].Passed != 1 || fu.Stages[1].Passed != 1 || fu.Stages[2].Passed != 0 || fu.Stages[2].Lost != 0 {
		t.Errorf("the salesperson's funnel is %s", js(t, fu))
	}
	// A pipeline of one stage, and an empty period.
	solo := nov
	solo.Pipeline = "2"
	fu, err = f.svc.Funnel(f.admin, solo)
	if err != nil || len(fu.Stages) != 1 || fu.Deals != 0 || fu.Stages[0].PassedRate != nil {
		t.Errorf("one stage: %s, %v", js(t, fu), err)
	}
	empty := report.Filter{From: day(2020, 1, 1), To: day(2020, 2, 1)}
	fu, err = f.svc.Funnel(f.admin, empty)
	if err != nil || fu.Deals != 0 || fu.Stages[0].Passed != 0 {
		t.Errorf("empty period: %s, %v", js(t, fu), err)
	}
}

func (f *fixture) cycle(t *testing.T) {
	c, err := f.svc.Cycle(f.admin, nov)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"id":"11","name":"S1","count":5,"mean_days":5,"median_days":2},` +
		`{"id":"12","name":"S2","count":2,"mean_days":2.5,"median_days":2.5},` +
		`{"id":"13","name":"S3","count":2,"mean_days":2.5,"median_days":2.5},` +
		`{"id":"14","name":"S4","count":0,"mean_days":0,"median_days":0}]`
	if got := js(t, c.Stages); got != want {
		t.Errorf("time in stage\n got %s\nwant %s", got, want)
	}
	if got, want := js(t, []report.Durations{c.Won, c.Lost}), `[{"count":3,"mean_days":18.7,"median_days":19},{"count":1,"mean_days":23,"median_days":23}]`; got != want {
		t.Errorf("sales cycle\n got %s\nwant %s", got, want)
	}
	c, err = f.svc.Cycle(f.rep, nov)
	if err != nil {
		t.Fatal(err)
	}
	if c.Stages[0].Count != 1 || c.Stages[0].MeanDays != 2 || c.Won.Count != 1 || c.Won.MeanDays != 3 || c.Lost.Count != 0 {
		t.Errorf("the salesperson's cycle is %s", js(t, c))
	}
}

func (f *fixture) revenue(t *testing.T) {
	r, err := f.svc.Revenue(f.admin, nov, "month")
	if err != nil {
		t.Fatal(err)
	}
	want := `{"key":"2026-11","label":"2026-11","won":3,"lost":1,"win_rate":75,` +
		`"won_sum":{"amount":120000,"currency":"EUR"},"lost_sum":{"amount":45000,"currency":"EUR"},` +
		`"new_won":1,"repeat_won":2,"new_sum":{"amount":0,"currency":"EUR"},"repeat_sum":{"amount":120000,"currency":"EUR"}}`
	if len(r.Rows) != 1 || js(t, r.Rows[0]) != want {
		t.Errorf("revenue by month\n got %s\nwant [%s]", js(t, r.Rows), want)
	}
	if js(t, r.Unconverted) != `["GBP"]` || len(r.LossReasons) != 1 || r.LossReasons[0].Name != "Price" {
		t.Errorf("unconverted %v, loss reasons %+v", r.Unconverted, r.LossReasons)
	}
	r, err = f.svc.Revenue(f.admin, nov, "user")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Rows) != 2 || r.Rows[0].Key != strconv.FormatInt(f.adminID, 10) || r.Rows[0].Won != 2 || r.Rows[0].Lost != 1 ||
		r.Rows[1].Won != 1 || r.Rows[1].WonSum.Amount != 0 {
		t.Errorf("revenue by user: %s", js(t, r.Rows))
	}
	r, err = f.svc.Revenue(f.admin, nov, "week")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, row := range r.Rows {
		keys = append(keys, row.Key)
	}
	if js(t, keys) != `["2026-11-09","2026-11-16","2026-11-23"]` {
		t.Errorf("weeks %v", keys)
	}
	r, err = f.svc.Revenue(f.rep, nov, "quarter")
	if err != nil {
		t.Fatal(err)
	}
	if r.Total.Won != 1 || r.Total.Lost != 0 || r.Total.WonSum.Amount != 0 || js(t, r.Unconverted) != `["GBP"]` || r.Rows[0].Key != "2026-Q4" {
		t.Errorf("the salesperson's revenue: %s", js(t, r))
	}
}

func (f *fixture) summary(t *testing.T) {
	s, err := f.svc.Summary(f.admin, nov)
	if err != nil {
		t.Fatal(err)
	}
	if s.NewDeals != 5 || s.Won.Count != 3 || s.Won.Sum.Amount != 120000 || s.Lost.Count != 1 || s.Lost.Sum.Amount != 45000 ||
		s.TasksDone != 1 || s.TasksOverdue != 1 || s.Calls != 2 || s.Notes != 1 {
		t.Errorf("summary: %s", js(t, s))
	}
	var open []int64
	for _, o := range s.Open {
		open = append(open, o.Count)
	}
	if js(t, open) != `[1,0,1,0,0]` {
		t.Errorf("open by stage %v", open)
	}
	web := nov
	web.Source = "web"
	if s, err := f.svc.Summary(f.admin, web); err != nil || s.NewDeals != 0 || s.Won.Count != 0 || len(s.Open) != 5 || s.Open[0].Count != 0 {
		t.Errorf("the summary of a source no deal came from: %s, %v", js(t, s), err)
	}
	s, err = f.svc.Summary(f.rep, nov)
	if err != nil {
		t.Fatal(err)
	}
	if s.NewDeals != 1 || s.Won.Count != 1 || s.Won.Sum.Amount != 0 || s.Lost.Count != 0 || s.Open[0].Count != 0 || s.Open[2].Count != 0 ||
		s.TasksDone != 0 || s.TasksOverdue != 1 || s.Calls != 1 || s.Notes != 0 {
		t.Errorf("the salesperson's summary: %s", js(t, s))
	}
}

func (f *fixture) employees(t *testing.T) {
	e, err := f.svc.Employees(f.admin, nov)
	if err != nil {
		t.Fatal(err)
	}
	A, R := strconv.FormatInt(f.adminID, 10), strconv.FormatInt(f.repID, 10)
	want := `[{"id":"` + A + `","name":"admin@report.example","created":4,"moved":8,"won":2,"lost":1,"won_sum":{"amount":120000,"currency":"EUR"},` +
		`"tasks_done":1,"tasks_overdue":0,"calls_made":1,"calls_received":0,"notes":1,"responded":2,"response_hours":9},` +
		`{"id":"` + R + `","name":"rep@report.example","created":1,"moved":1,"won":1,"lost":0,"won_sum":{"amount":0,"currency":"EUR"},` +
		`"tasks_done":0,"tasks_overdue":1,"calls_made":0,"calls_received":1,"notes":0,"responded":1,"response_hours":24}]`
	if got := js(t, e.Rows); got != want {
		t.Errorf("by employee\n got %s\nwant %s", got, want)
	}
	e, err = f.svc.Employees(f.rep, nov)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Rows) != 1 || e.Rows[0].ID != R {
		t.Errorf("the salesperson sees %s", js(t, e.Rows))
	}
}

func (f *fixture) events(t *testing.T) {
	ev := func(q string) (int, error) {
		v, _ := url.ParseQuery(q)
		ef, err := report.ParseEvents(v, nov)
		if err != nil {
			return 0, err
		}
		p, err := f.svc.Events(f.admin, ef)
		return len(p.Data), err
	}
	for q, want := range map[string]int{"": 4, "field=stage_id": 2, "field=stage_id&after=13": 1, "field=stage_id&before=11": 1,
		"field=owner_id&after=" + strconv.FormatInt(f.repID, 10): 1, "field=value&after=100000": 1, "field=value&before=5": 0} {
		if n, err := ev(q); err != nil || n != want {
			t.Errorf("events %q: %d, %v; want %d", q, n, err, want)
		}
	}
	v, _ := url.ParseQuery("limit=1")
	ef, _ := report.ParseEvents(v, nov)
	p, err := f.svc.Events(f.admin, ef)
	if err != nil || len(p.Data) != 1 || p.NextCursor == "" {
		t.Fatalf("first page: %+v, %v", p, err)
	}
	ef.Cursor = p.NextCursor
	if p2, err := f.svc.Events(f.admin, ef); err != nil || len(p2.Data) != 1 || p2.Data[0].ID == p.Data[0].ID {
		t.Errorf("second page: %+v, %v", p2, err)
	}
	if _, err := f.svc.Events(f.rep, ef); !fault.Is(err, fault.EFORBIDDEN) {
		t.Errorf("a salesperson reads the events: %v", err)
	}
	if _, err := ev("field=value&after=ten"); fieldOf(err) != "after" {
		t.Errorf("a bad amount: %v", err)
	}
}

func (f *fixture) badInput(t *testing.T) {
	now := today
	for q, field := range map[string]string{"from=2026-11-10&to=2026-11-01": "to", "from=11/10/2026": "from", "preset=decade": "preset"} {
		v, _ := url.ParseQuery(q)
		if _, err := report.ParseFilter(v, time.UTC, now); fieldOf(err) != field {
			t.Errorf("%s: %v, want an error on %s", q, err, field)
		}
	}
	for _, c := range []struct {
		f     report.Filter
		field string
	}{
		{report.Filter{From: nov.From, To: nov.To, Pipeline: "999"}, "pipeline"},
		{report.Filter{From: nov.From, To: nov.To, Pipeline: "x"}, "pipeline"},
		{report.Filter{From: nov.From, To: nov.To, Users: []string{"999"}}, "user"},
		{report.Filter{From: nov.From, To: nov.To, Team: "999"}, "team"},
	} {
		if _, err := f.svc.Summary(f.admin, c.f); fieldOf(err) != c.field {
			t.Errorf("%+v: %v, want an error on %s", c.f, err, c.field)
		}
	}
	if _, err := f.svc.Revenue(f.admin, nov, "galaxy"); fieldOf(err) != "by" {
		t.Errorf("an unknown grouping: %v", err)
	}
	v, _ := url.ParseQuery("preset=this_quarter")
	fl, err := report.ParseFilter(v, time.UTC, now)
	if err != nil || !fl.From.Equal(day(2026, 10, 1)) || !fl.To.Equal(day(2027, 1, 1)) {
		t.Errorf("this quarter: %v – %v, %v", fl.From, fl.To, err)
	}
}

// A role that hides the deals' value, source and owner: no sums, and no
// filtering or grouping by what it hides.
func (f *fixture) hiddenFields(t *testing.T, db *store.DB) {
	roles := access.NewRolePolicy(db)
	sales, err := roles.Role(f.admin, access.RoleSalesperson)
	if err != nil {
		t.Fatal(err)
	}
	spec := sales.Spec()
	spec.Name, spec.Label = "clerk", "Clerk"
	spec.Fields = access.FieldRules{"deal": {"value": access.FieldHidden, "source": access.FieldHidden, "owner_id": access.FieldHidden}}
	if _, err := roles.CreateRole(f.admin, spec); err != nil {
		t.Fatal(err)
	}
	id := accesstest.AddUser(t, db, 1, "clerk@report.example", "clerk", 0)
	f.exec(t, `UPDATE deals SET owner_id = ? WHERE id = 1`, id)
	defer f.exec(t, `UPDATE deals SET owner_id = ? WHERE id = 1`, f.adminID)
	clerk := access.WithActor(context.Background(), access.Actor{WorkspaceID: 1, UserID: id, Role: "clerk"})
	r, err := f.svc.Revenue(clerk, nov, "month")
	if err != nil || r.Total.Won != 1 || r.Total.WonSum != nil || len(r.Rows) != 1 || r.Rows[0].WonSum != nil {
		t.Errorf("the clerk's revenue: %s, %v", js(t, r), err)
	}
	s, err := f.svc.Summary(clerk, nov)
	if err != nil || s.Won.Sum != nil || s.Won.Count != 1 {
		t.Errorf("the clerk's summary: %s, %v", js(t, s), err)
	}
	for _, c := range []struct {
		by    string
		f     report.Filter
		field string
	}{
		{"source", nov, "by"},
		{"user", nov, "by"},
		{"month", report.Filter{From: nov.From, To: nov.To, Source: "web"}, "source"},
		{"month", report.Filter{From: nov.From, To: nov.To, Users: []string{strconv.FormatInt(id, 10)}}, "user"},
	} {
		if _, err := f.svc.Revenue(clerk, c.f, c.by); fieldOf(err) != c.field {
			t.Errorf("the clerk groups by %s with %+v: %v, want an error on %s", c.by, c.f, err, c.field)
		}
	}
	if e, err := f.svc.Employees(clerk, nov); err != nil || len(e.Rows) != 0 {
		t.Errorf("the clerk's report by employee: %s, %v", js(t, e), err)
	}
}

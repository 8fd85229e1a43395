package goals_test

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/goals"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// today is the clock of every test: Friday 11 December 2026.
var today = time.Date(2026, 12, 11, 10, 0, 0, 0, time.UTC)

type fixture struct {
	t      *testing.T
	db     *store.DB
	svc    *goals.Service
	sales  *sales.Service
	people accesstest.People
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	pol := access.NewRolePolicy(db)
	engine := records.New(db, records.Options{Policy: pol, Logger: slog.New(slog.DiscardHandler)})
	sl := sales.New(db, engine, sales.Options{Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return today }})
	f := &fixture{t: t, db: db, sales: sl, svc: goals.New(db, engine, sl), people: accesstest.Setup(t, db, 1)}
	f.svc.SetClock(func() time.Time { return today })
	// The actor manages team B; everyone else sells.
	for _, cls := range []string{accesstest.Self, accesstest.Teammate, accesstest.Managed, accesstest.Outsider} {
		accesstest.SetRole(t, db, 1, f.people.ByCls[cls], access.RoleSalesperson)
	}
	return f
}

func (f *fixture) as(id int64) context.Context {
	return access.WithActor(context.Background(), access.Actor{WorkspaceID: 1, UserID: id})
}

func (f *fixture) exec(query string, args ...any) {
	f.t.Helper()
	if _, err := f.db.Raw().ExecContext(context.Background(), f.db.Dialect.Rebind(query), args...); err != nil {
		f.t.Fatalf("%s: %v", query, err)
	}
}

// deal writes a deal as history would have left it.
func (f *fixture) deal(owner int64, status string, created, closed time.Time, value string) {
	d := f.db.Dialect
	var c any
	if !closed.IsZero() {
		c = d.Time(closed)
	}
	var v any
	if value != "" {
		v = value
	}
	f.exec(`INSERT INTO deals (workspace_id, title, status, owner_id, created_at, updated_at, closed_at, value)
		VALUES (1, 'd', ?, ?, ?, ?, ?, `+d.JSONIn()+`)`, status, owner, d.Time(created), d.Time(created), c, v)
}

func (f *fixture) activity(owner int64, kind string, at time.Time, done bool) {
	d := f.db.Dialect
	var doneAt any
	if done {
		doneAt = d.Time(at)
	}
	f.exec(`INSERT INTO activities (workspace_id, kind, title, owner_id, occurred_at, done, done_at, created_at, updated_at)
		VALUES (1, ?, 'a', ?, ?, ?, ?, ?, ?)`, kind, owner, d.Time(at), d.Bool(done), doneAt, d.Time(at), d.Time(at))
}

func day(m time.Month, d int) time.Time { return time.Date(2026, m, d, 12, 0, 0, 0, time.UTC) }

func id(n int64) string { return strconv.FormatInt(n, 10) }

func ptr[T any](v T) *T { return &v }

func TestProgressIsExact(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		self, mate, out := f.people.ByCls[accesstest.Self], f.people.ByCls[accesstest.Teammate], f.people.ByCls[accesstest.Outsider]
		admin := f.as(f.people.Admin)
		if _, err := f.sales.SetExchangeRate(admin, sales.ExchangeRate{Currency: "USD", Rate: "0.5", Date: "2026-01-01"}); err != nil {
			t.Fatal(err)
		}
		// December: self wins 1000.00 EUR and 400.00 USD (= 200.00 EUR),
		// the teammate 300.00 EUR; the outsider's win, November's win and
		// a lost deal do not count toward the team.
		f.deal(self, "won", day(11, 2), day(12, 1), `{"amount": 100000, "currency": "EUR"}`)
		f.deal(self, "won", day(11, 3), day(12, 3), `{"amount": 40000, "currency": "USD"}`)
		f.deal(mate, "won", day(12, 2), day(12, 4), `{"amount": 30000, "currency": "EUR"}`)
		f.deal(out, "won", day(12, 2), day(12, 4), `{"amount": 99900, "currency": "EUR"}`)
		f.deal(self, "won", day(10, 2), day(11, 30), `{"amount": 50000, "currency": "EUR"}`)
		f.deal(self, "lost", day(12, 2), day(12, 5), `{"amount": 70000, "currency": "EUR"}`)
		f.deal(self, "open", day(12, 7), time.Time{}, "")
		f.activity(self, "call", day(12, 1), false)
		f.activity(self, "call", day(12, 9), false)
		f.activity(mate, "call", day(11, 9), false)
		f.activity(self, "task", day(12, 8), true)
		f.activity(self, "task", day(12, 8), false)

		team := id(accesstest.AddTeam(t, db, 1, "unused")) // a team without members counts nothing
		a := f.people.Admin
		var selfTeam string
		if err := db.Raw().QueryRowContext(context.Background(), db.Dialect.Rebind(`SELECT team_id FROM users WHERE id = ?`), self).Scan(&selfTeam); err != nil {
			t.Fatal(err)
		}
		set := []goals.Input{
			{Metric: ptr(goals.WonValue), Subject: ptr(goals.Team), SubjectID: &selfTeam, Period: ptr("2026-12"), Target: ptr(int64(300000)), Currency: ptr("EUR")},
			{Metric: ptr(goals.WonValue), Subject: ptr(goals.User), SubjectID: ptr(id(self)), Period: ptr("2026-12"), Target: ptr(int64(100000)), Currency: ptr("USD")},
			{Metric: ptr(goals.WonCount), Subject: ptr(goals.Company), Period: ptr("2026-Q4"), Target: ptr(int64(10))},
			{Metric: ptr(goals.NewDeals), Subject: ptr(goals.User), SubjectID: ptr(id(self)), Period: ptr("2026-12"), Target: ptr(int64(3))},
			{Metric: ptr(goals.Calls), Subject: ptr(goals.User), SubjectID: ptr(id(self)), Period: ptr("2026-12"), Target: ptr(int64(12))},
			{Metric: ptr(goals.TasksDone), Subject: ptr(goals.Team), SubjectID: &team, Period: ptr("2026-12"), Target: ptr(int64(5))},
		}
		var made []goals.Goal
		for _, in := range set {
			g, err := f.svc.Create(f.as(a), in)
			if err != nil {
				t.Fatal(err)
			}
			made = append(made, g)
		}
		got, err := f.svc.ProgressOf(f.as(a), made, today)
		if err != nil {
			t.Fatal(err)
		}
		// 11 December 2026 is a Friday: 11, 14–18, 21–25, 28–31 are 15
		// working days of December; the quarter's are the same.
		want := []struct {
			done, gap, perDay int64
			days              int
		}{
			{150000, 150000, 10000, 15}, // 1000 + 200 + 300 EUR of 3000
			{240000, 0, 0, 15},          // 1000 EUR = 2000 USD, and 400 USD: past 1000 USD
			{5, 5, 1, 15},               // five wins in Q4, everyone's
			{2, 1, 1, 15},               // the lost and the open deal were made in December
			{2, 10, 1, 15},              // two calls
			{0, 5, 1, 15},               // a team without members
		}
		if len(got) != len(want) {
			t.Fatalf("got %d progresses, want %d", len(got), len(want))
		}
		for i, w := range want {
			p := got[i]
			if p.Done == nil || *p.Done != w.done || *p.Gap != w.gap || *p.PerDay != w.perDay || p.DaysLeft != w.days {
				t.Errorf("goal %d (%s %s): done %v gap %v per day %v days %d, want %+v", i, p.Goal.Metric, p.Goal.Subject,
					deref(p.Done), deref(p.Gap), deref(p.PerDay), p.DaysLeft, w)
			}
		}
	})
}

func deref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestWhoSeesWhichGoal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		p := f.people
		teamOf := func(u int64) string {
			var s string
			if err := db.Raw().QueryRowContext(context.Background(), db.Dialect.Rebind(`SELECT team_id FROM users WHERE id = ?`), u).Scan(&s); err != nil {
				t.Fatal(err)
			}
			return s
		}
		admin := f.as(p.Admin)
		mk := func(subject, subjectID string) goals.Goal {
			in := goals.Input{Metric: ptr(goals.WonCount), Subject: &subject, Period: ptr("2026-12"), Target: ptr(int64(4))}
			if subjectID != "" {
				in.SubjectID = &subjectID
			}
			g, err := f.svc.Create(admin, in)
			if err != nil {
				t.Fatal(err)
			}
			return g
		}
		self, mate, managed, out := p.ByCls[accesstest.Self], p.ByCls[accesstest.Teammate], p.ByCls[accesstest.Managed], p.ByCls[accesstest.Outsider]
		gs := map[string]goals.Goal{
			"self": mk(goals.User, id(self)), "mate": mk(goals.User, id(mate)), "managed": mk(goals.User, id(managed)),
			"out": mk(goals.User, id(out)), "teamA": mk(goals.Team, teamOf(self)), "teamB": mk(goals.Team, teamOf(managed)),
			"teamC": mk(goals.Team, teamOf(out)), "company": mk(goals.Company, ""),
		}
		cases := []struct {
			who  int64
			sees []string
		}{
			// The actor (a salesperson who manages team B): their own, their
			// team's, and team B's with its member's.
			{self, []string{"self", "teamA", "managed", "teamB"}},
			{mate, []string{"mate", "teamA"}},
			{out, []string{"out", "teamC"}},
			{p.Admin, []string{"self", "mate", "managed", "out", "teamA", "teamB", "teamC", "company"}},
		}
		for _, c := range cases {
			list, err := f.svc.List(f.as(c.who), "")
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for _, g := range list {
				seen[g.ID] = true
			}
			want := map[string]bool{}
			for _, name := range c.sees {
				want[gs[name].ID] = true
			}
			for name, g := range gs {
				if seen[g.ID] != want[g.ID] {
					t.Errorf("user %d: sees goal %s = %v, want %v", c.who, name, seen[g.ID], want[g.ID])
				}
				_, err := f.svc.Get(f.as(c.who), g.ID)
				if want[g.ID] != (err == nil) {
					t.Errorf("user %d: get goal %s: %v", c.who, name, err)
				}
			}
		}
		// A salesperson sets no goal; a team's manager sets their team's,
		// not another's.
		_, err := f.svc.Create(f.as(mate), goals.Input{Metric: ptr(goals.Calls), Subject: ptr(goals.User), SubjectID: ptr(id(mate)),
			Period: ptr("2026-12"), Target: ptr(int64(3))})
		if fault.Code(err) != fault.EFORBIDDEN {
			t.Errorf("a salesperson set a goal: %v", err)
		}
		if _, err := f.svc.Create(f.as(self), goals.Input{Metric: ptr(goals.Calls), Subject: ptr(goals.User), SubjectID: ptr(id(managed)),
			Period: ptr("2026-12"), Target: ptr(int64(3))}); err != nil {
			t.Errorf("the manager could not set a goal of their team's member: %v", err)
		}
		if err := f.svc.Delete(f.as(self), gs["teamC"].ID); fault.Code(err) != fault.ENOTFOUND {
			t.Errorf("the manager deleted another team's goal: %v", err)
		}
		if _, err := f.svc.Update(f.as(mate), gs["teamA"].ID, goals.Input{Target: ptr(int64(1))}); fault.Code(err) != fault.EFORBIDDEN {
			t.Errorf("a salesperson changed their team's goal: %v", err)
		}
	})
}

func TestBadGoalsNameTheirFields(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		_, err := f.svc.Create(f.as(f.people.Admin), goals.Input{Metric: ptr("revenue"), Subject: ptr(goals.Company), Period: ptr("2026-13"),
			Target: ptr(int64(-1))})
		var fe *fault.Error
		if !errors.As(err, &fe) || fault.Code(err) != fault.EINVALID {
			t.Fatalf("got %v", err)
		}
		fields := map[string]bool{}
		for _, x := range fe.Fields {
			fields[x.Field] = true
		}
		for _, name := range []string{"metric", "period", "target"} {
			if !fields[name] {
				t.Errorf("no error on %s: %v", name, fe.Fields)
			}
		}
		_, err = f.svc.Create(f.as(f.people.Admin), goals.Input{Metric: ptr(goals.WonValue), Subject: ptr(goals.Company), Period: ptr("2026-12"),
			Target: ptr(int64(5))})
		if !errors.As(err, &fe) || len(fe.Fields) != 1 || fe.Fields[0].Field != "currency" {
			t.Errorf("a money goal without a currency: %v", err)
		}
	})
}

func (f *fixture) company(name string) int64 {
	f.t.Helper()
	d := f.db.Dialect
	var id int64
	err := f.db.Raw().QueryRowContext(context.Background(), d.Rebind(`INSERT INTO companies (workspace_id, name, created_at, updated_at)
		VALUES (1, ?, ?, ?) RETURNING id`), name, d.Time(today), d.Time(today)).Scan(&id)
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

func (f *fixture) closed(owner int64, status string, company any, source string, created, closed time.Time, value string) {
	d := f.db.Dialect
	f.exec(`INSERT INTO deals (workspace_id, title, status, owner_id, company_id, source, created_at, updated_at, closed_at, value)
		VALUES (1, 'd', ?, ?, ?, ?, ?, ?, ?, `+d.JSONIn()+`)`, status, owner, company, source, d.Time(created), d.Time(created), d.Time(closed), value)
}

func TestKPIsAreExact(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		admin, rep := f.people.Admin, f.people.ByCls[accesstest.Outsider]
		a, b := f.company("A"), f.company("B")
		eur := func(n int) string { return `{"amount": ` + strconv.Itoa(n) + `, "currency": "EUR"}` }
		f.closed(admin, "won", a, "referral", day(10, 1), day(11, 1), eur(500))        // before the period: makes A a customer
		f.closed(admin, "won", a, "referral", day(11, 21), day(12, 1), eur(100000))    // a repeat purchase, 10 days
		f.closed(admin, "won", b, "advertising", day(11, 12), day(12, 2), eur(200000)) // new, 20 days
		f.closed(rep, "won", nil, "advertising", day(11, 3), day(12, 3), eur(300000))  // new, 30 days
		f.closed(admin, "lost", b, "advertising", day(11, 3), day(12, 4), eur(900000)) // lost
		if err := f.svc.SetSpend(f.as(admin), goals.Spend{Source: "advertising", Month: "2026-12",
			Amount: sales.Money{Amount: 60000, Currency: "EUR"}}); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.SetSpend(f.as(rep), goals.Spend{Source: "advertising", Month: "2026-12"}); fault.Code(err) != fault.EFORBIDDEN {
			t.Errorf("a salesperson entered spend: %v", err)
		}
		from, to, _ := goals.Bounds("2026-12")
		k, err := f.svc.KPIsOf(f.as(admin), from, to, nil, today)
		if err != nil {
			t.Fatal(err)
		}
		if k.Won != 3 || k.Lost != 1 || *k.CloseRate != 0.75 || k.AverageDeal.Amount != 200000 || *k.CycleDays != 20 ||
			k.LifetimeValue.Amount != 200000 || *k.UpsellRate != 1.0/3 || k.ChurnRate != nil {
			t.Errorf("admin's KPIs: %+v", k)
		}
		if len(k.Channels) != 1 || k.Channels[0].NewCustomers != 2 || k.Channels[0].Cost.Amount != 30000 {
			t.Errorf("channels: %+v", k.Channels)
		}
		// The outsider reads their own deal only, and no spend.
		k, err = f.svc.KPIsOf(f.as(rep), from, to, nil, today)
		if err != nil {
			t.Fatal(err)
		}
		if k.Won != 1 || k.Lost != 0 || k.AverageDeal.Amount != 300000 || k.Channels != nil {
			t.Errorf("salesperson's KPIs: %+v", k)
		}
	})
}

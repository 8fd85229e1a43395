package scores_test

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/scores"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

type fixture struct {
	// at is the service's clock when set; the time otherwise.
	at     time.Time
	t      testing.TB
	db     *store.DB
	engine *records.Engine
	svc    *scores.Service
	admin  context.Context
	rep    context.Context
}

func newFixture(t testing.TB, db *store.DB) *fixture {
	t.Helper()
	f := &fixture{t: t, db: db}
	pol := access.NewRolePolicy(db)
	log := slog.New(slog.DiscardHandler)
	f.engine = records.New(db, records.Options{Policy: pol, Logger: log})
	sales.New(db, f.engine, sales.Options{Logger: log})
	clock := func() time.Time {
		if f.at.IsZero() {
			return time.Now()
		}
		return f.at
	}
	f.svc = scores.New(db, f.engine, scores.Options{Logger: log, Now: clock, IsAdmin: func(ctx context.Context, a access.Actor) bool {
		ok, _ := pol.Administers(ctx, a)
		return ok
	}})
	admin := accesstest.AddUser(t, db, 1, "admin@scores.example", access.RoleAdministrator, 0)
	rep := accesstest.AddUser(t, db, 1, "rep@scores.example", access.RoleSalesperson, 0)
	f.admin = access.WithActor(context.Background(), access.Actor{WorkspaceID: 1, UserID: admin, Role: access.RoleAdministrator})
	f.rep = access.WithActor(context.Background(), access.Actor{WorkspaceID: 1, UserID: rep, Role: access.RoleSalesperson})
	p := f.create(f.admin, "pipeline", `{"name": "Sales"}`)
	f.create(f.admin, "stage", `{"pipeline_id": "`+p["id"].(string)+`", "name": "Lead"}`)
	return f
}

func (f *fixture) create(ctx context.Context, object, body string) records.Record {
	f.t.Helper()
	in, err := records.DecodeInput([]byte(body))
	if err != nil {
		f.t.Fatal(err)
	}
	rec, err := f.engine.Create(ctx, object, in)
	if err != nil {
		f.t.Fatalf("create %s: %v", object, err)
	}
	return rec
}

func (f *fixture) exec(query string, args ...any) {
	f.t.Helper()
	err := f.db.Tx(context.Background(), func(q store.Querier) error {
		_, err := q.ExecContext(context.Background(), query, args...)
		return err
	})
	if err != nil {
		f.t.Fatalf("%s: %v", query, err)
	}
}

func TestRulesRefuseBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		cases := []struct {
			rule  scores.Rule
			field string
		}{
			{scores.Rule{Object: "contact", Kind: "field", Field: "shoe_size", Value: "42", Points: 5}, "field"},
			{scores.Rule{Object: "contact", Kind: "field", Field: "source", Value: "carrier_pigeon", Points: 5}, "value"},
			{scores.Rule{Object: "deal", Kind: "field", Field: "company.size", Value: "7", Points: 5}, "value"},
			{scores.Rule{Object: "contact", Kind: "field", Field: "source", Value: "web_form", Points: 5000}, "points"},
			{scores.Rule{Object: "contact", Kind: "activity", Activity: "telepathy", Points: 1}, "activity"},
			{scores.Rule{Object: "ticket", Kind: "activity", Activity: "call", Points: 1}, "object"},
		}
		for _, c := range cases {
			_, err := f.svc.AddRule(f.admin, c.rule)
			var fe *fault.Error
			if !fault.Is(err, fault.EINVALID) || !errorsAs(err, &fe) || fe.Fields[0].Field != c.field {
				t.Errorf("%+v: %v, want invalid %s", c.rule, err, c.field)
			} else if c.field == "field" && !strings.Contains(fe.Fields[0].Message, "shoe_size") {
				t.Errorf("message %q does not name the field", fe.Fields[0].Message)
			}
		}
		if _, err := f.svc.AddRule(f.rep, scores.Rule{Object: "contact", Kind: "activity", Activity: "call", Points: 1}); !fault.Is(err, fault.EFORBIDDEN) {
			t.Errorf("a salesperson adds a rule: %v", err)
		}
	})
}

func errorsAs(err error, fe **fault.Error) bool {
	e, ok := err.(*fault.Error)
	*fe = e
	return ok
}

func TestLeadScoreFollowsValuesAndActivities(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for _, r := range []scores.Rule{
			{Object: "contact", Kind: "field", Field: "source", Value: "web_form", Points: 10},
			{Object: "contact", Kind: "field", Field: "company.size", Value: "201-1000", Points: 5},
			{Object: "contact", Kind: "activity", Activity: "call_answered", Points: 7},
		} {
			if _, err := f.svc.AddRule(f.admin, r); err != nil {
				t.Fatal(err)
			}
		}
		co := f.create(f.admin, "company", `{"name": "Acme", "size": "201-1000"}`)
		c := f.create(f.admin, "contact", `{"first_name": "Ada", "source": "web_form", "companies": [{"id": "`+co["id"].(string)+`"}]}`)
		if got, _ := records.Int(c["lead_score"]); got != 15 {
			t.Fatalf("lead score on create = %v, want 15", c["lead_score"])
		}
		other := f.create(f.admin, "contact", `{"first_name": "Bob", "source": "referral"}`)
		f.create(f.admin, "call", `{"direction": "outbound", "call_result": "answered", "record_type": "contact", "record_id": "`+c["id"].(string)+`"}`)
		f.create(f.admin, "call", `{"direction": "outbound", "call_result": "no_answer", "record_type": "contact", "record_id": "`+c["id"].(string)+`"}`)
		sc, err := f.svc.Explain(f.admin, "contact", c["id"].(string))
		if err != nil {
			t.Fatal(err)
		}
		if sc.Total != 22 || len(sc.Reasons) != 3 {
			t.Fatalf("score %+v, want 22 from 3 reasons", sc)
		}
		// The score is a field lists filter and sort by.
		page, err := f.engine.List(f.admin, "contact", records.Query{
			Filter: &records.Filter{Field: "lead_score", Op: records.Gte, Value: int64(20)}, Sort: []string{"-lead_score"}, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Data) != 1 || page.Data[0]["id"] != c["id"] {
			t.Fatalf("filtered list %v", page.Data)
		}
		if got, _ := f.svc.Explain(f.admin, "contact", other["id"].(string)); got.Total != 0 {
			t.Errorf("other contact scores %d", got.Total)
		}
	})
}

// history makes n won and m lost deals closed over the last two years; the
// won ones had calls shortly before they closed.
func (f *fixture) history(won, lost int) {
	now := time.Now().UTC()
	for i := 0; i < won+lost; i++ {
		status := "lost"
		if i < won {
			status = "won"
		}
		d := f.create(f.admin, "deal", `{"title": "D`+strconv.Itoa(i)+`", "value": {"amount": 100000, "currency": "EUR"}}`)
		id, _ := strconv.ParseInt(d["id"].(string), 10, 64)
		closed := now.Add(-time.Duration((i*7919)%700+1) * 24 * time.Hour)
		f.exec(`UPDATE deals SET status = ?, closed_at = ?, created_at = ? WHERE workspace_id = 1 AND id = ?`,
			status, f.db.Dialect.Time(closed), f.db.Dialect.Time(closed.Add(-60*24*time.Hour)), id)
		calls := 0
		if status == "won" {
			calls = 3 + i%3
		} else if i%4 == 0 {
			calls = 3 // noise: some lost deals were busy too
		}
		for k := 0; k < calls; k++ {
			at := f.db.Dialect.Time(closed.Add(-time.Duration(k+1) * 24 * time.Hour))
			f.exec(`INSERT INTO activities (workspace_id, kind, direction, record_type, record_id, occurred_at, created_at, updated_at)
				VALUES (1, 'call', 'outbound', 'deal', ?, ?, ?, ?)`, d["id"], at, at, at)
		}
	}
}

func TestModelRefusesTooLittleHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.history(20, 20)
		open := f.create(f.admin, "deal", `{"title": "Open"}`)
		if err := f.svc.Train(context.Background(), 1); err != nil {
			t.Fatal(err)
		}
		models, err := f.svc.Models(f.admin)
		if err != nil {
			t.Fatal(err)
		}
		if len(models) != 2 || models[0].Ready || models[1].Ready || models[0].AUC != nil {
			t.Fatalf("models %+v, want two not ready", models)
		}
		d, _ := f.engine.Get(f.admin, "deal", open["id"].(string), false)
		if d["win_probability"] != nil {
			t.Fatalf("win probability %v shown without a model", d["win_probability"])
		}
	})
}

func TestModelScoresOpenDeals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.history(60, 60)
		quiet := f.create(f.admin, "deal", `{"title": "Quiet"}`)
		busy := f.create(f.admin, "deal", `{"title": "Busy"}`)
		for k := 0; k < 4; k++ {
			f.create(f.admin, "call", `{"direction": "outbound", "record_type": "deal", "record_id": "`+busy["id"].(string)+`"}`)
		}
		if err := f.svc.Train(context.Background(), 1); err != nil {
			t.Fatal(err)
		}
		models, err := f.svc.Models(f.admin)
		if err != nil {
			t.Fatal(err)
		}
		win := models[0]
		if win.Kind != "win" || !win.Ready || win.AUC == nil || *win.AUC < 0.7 || len(win.Factors) != len(scores.WinFeatures) {
			t.Fatalf("win model %+v", win)
		}
		page, err := f.engine.List(f.admin, "deal", records.Query{
			Filter: &records.Filter{Field: "win_probability", Op: records.Gte, Value: int64(0)}, Sort: []string{"-win_probability"}, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Data) != 2 || page.Data[0]["id"] != busy["id"] || page.Data[1]["id"] != quiet["id"] {
			t.Fatalf("open deals by win probability: %v", page.Data)
		}
		// A deal that closes keeps no probability after the next fit.
		f.exec(`UPDATE deals SET status = 'won', closed_at = ? WHERE workspace_id = 1 AND id = ?`, f.db.Dialect.Time(time.Now()), quiet["id"])
		if err := f.svc.Train(context.Background(), 1); err != nil {
			t.Fatal(err)
		}
		if d, _ := f.engine.Get(f.admin, "deal", quiet["id"].(string), false); d["win_probability"] != nil {
			t.Errorf("a closed deal keeps its win probability %v", d["win_probability"])
		}
		if d, _ := f.engine.Get(f.admin, "deal", busy["id"].(string), false); d["win_probability"] == nil {
			t.Error("an open deal lost its win probability on a refit")
		}
	})
}

func TestChurnRate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		now := time.Now().UTC()
		long := f.db.Dialect.Time(now.Add(-400 * 24 * time.Hour))
		var contacts []string
		for _, name := range []string{"Gone", "Active", "New"} {
			c := f.create(f.admin, "contact", `{"first_name": "`+name+`"}`)
			contacts = append(contacts, c["id"].(string))
			d := f.create(f.admin, "deal", `{"title": "`+name+`", "contacts": [{"id": "`+c["id"].(string)+`"}]}`)
			closed := long
			if name == "New" { // a customer for less than a window: not counted
				closed = f.db.Dialect.Time(now.Add(-10 * 24 * time.Hour))
			}
			f.exec(`UPDATE deals SET status = 'won', closed_at = ? WHERE workspace_id = 1 AND id = ?`, closed, d["id"])
		}
		recent := f.db.Dialect.Time(now.Add(-10 * 24 * time.Hour))
		f.exec(`INSERT INTO activities (workspace_id, kind, body, record_type, record_id, occurred_at, created_at, updated_at)
			VALUES (1, 'note', 'hello', 'contact', ?, ?, ?, ?)`, contacts[1], recent, recent, recent)
		churned, customers, err := f.svc.ChurnRate(context.Background(), 1, now, nil)
		if err != nil || churned != 1 || customers != 2 {
			t.Fatalf("churn rate %d of %d (%v), want 1 of 2", churned, customers, err)
		}
		if churned, customers, _ := f.svc.ChurnRate(context.Background(), 1, now, []int64{987654}); churned != 0 || customers != 0 {
			t.Errorf("another owner's churn rate %d of %d, want none", churned, customers)
		}
	})
}

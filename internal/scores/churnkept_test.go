package scores_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestKeptChurnRate: the churn rate the training keeps per owner is, for
// every viewer and scope, exactly what ChurnRateFor counts live on the
// same data at the same time; it says when it was counted, that it never
// was, or that there is too little history; a customer only an
// administrator reads does not move a salesperson's rate.
func TestKeptChurnRate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Second)
		f.at = now
		if fig, err := f.svc.KeptChurnRate(f.admin, nil); err != nil || fig == nil || !fig.AsOf.IsZero() || fig.Rate != nil {
			t.Fatalf("before any training: %+v (%v), want a figure never counted", fig, err)
		}
		id := func(ctx context.Context) int64 { a, _ := access.ActorFrom(ctx); return a.UserID }
		admin, rep := id(f.admin), id(f.rep)
		team := accesstest.AddTeam(t, db, 1, "North")
		boss := accesstest.AddUser(t, db, 1, "boss@scores.example", access.RoleManager, team)
		rep2 := accesstest.AddUser(t, db, 1, "rep2@scores.example", access.RoleSalesperson, team)
		reader := accesstest.AddUser(t, db, 1, "reader@scores.example", access.RoleReadOnly, 0)
		as := func(user int64, role string) context.Context {
			return access.WithActor(ctx, access.Actor{WorkspaceID: 1, UserID: user, Role: role})
		}
		at := func(days int) any { return f.db.Dialect.Time(now.Add(-time.Duration(days) * 24 * time.Hour)) }
		n := 0
		// customer makes a contact or company owned by owner (0: nobody)
		// with deals won the given days ago, and an activity: a note 5
		// days ago, a task done 3 days ago, or a task still open.
		customer := func(object string, owner int64, act string, won ...int) string {
			n++
			name := "C" + strconv.Itoa(n)
			var cid string
			deal := `{"title": "` + name + `"`
			if object == "contact" {
				cid = f.create(f.admin, "contact", `{"first_name": "`+name+`"}`)["id"].(string)
				deal += `, "contacts": [{"id": "` + cid + `"}]}`
			} else {
				cid = f.create(f.admin, "company", `{"name": "`+name+`"}`)["id"].(string)
				deal += `, "company_id": "` + cid + `"}`
			}
			var o any
			if owner != 0 {
				o = owner
			}
			f.exec(`UPDATE `+map[string]string{"contact": "contacts", "company": "companies"}[object]+` SET owner_id = ? WHERE workspace_id = 1 AND id = ?`, o, cid)
			for _, days := range won {
				d := f.create(f.admin, "deal", deal)
				f.exec(`UPDATE deals SET status = 'won', closed_at = ? WHERE workspace_id = 1 AND id = ?`, at(days), d["id"])
			}
			ins := `INSERT INTO activities (workspace_id, kind, body, done, record_type, record_id, occurred_at, done_at, created_at, updated_at)
				VALUES (1, ?, 'x', ?, ?, ?, ?, ?, ?, ?)`
			switch act {
			case "note":
				f.exec(ins, "note", false, object, cid, at(5), nil, at(5), at(5))
			case "done-task": // due long ago, done lately
				f.exec(ins, "task", true, object, cid, at(300), at(3), at(300), at(300))
			case "open-task": // open: no activity, however recent
				f.exec(ins, "task", false, object, cid, at(5), nil, at(5), at(5))
			}
			return cid
		}

		// Too little history: the only customer bought a month ago.
		customer("contact", rep, "", 30)
		if err := f.svc.Train(ctx, 1); err != nil {
			t.Fatal(err)
		}
		fig, err := f.svc.KeptChurnRate(f.admin, nil)
		if err != nil || fig == nil || !fig.AsOf.Equal(now) || fig.Customers != 0 || fig.Rate != nil {
			t.Fatalf("too little history: %+v (%v), want counted at %s with no customer and no rate", fig, err, now)
		}

		customer("contact", admin, "", 400)        // churned
		customer("contact", admin, "", 400, 20)    // bought again
		customer("company", admin, "note", 300)    // a note lately
		customer("contact", rep, "", 400)          // churned
		customer("contact", rep, "done-task", 400) // a task done lately
		customer("contact", rep, "open-task", 400) // churned: the task is open
		customer("company", rep, "", 300)          // churned
		customer("contact", rep2, "note", 400)     // a note lately
		customer("company", rep2, "", 300, 10)     // bought again
		customer("company", rep2, "", 250)         // churned
		customer("contact", 0, "", 400)            // churned, nobody's
		gone := customer("contact", rep, "", 400)  // churned, but deleted
		f.exec(`UPDATE contacts SET deleted_at = ? WHERE workspace_id = 1 AND id = ?`, at(1), gone)

		riskless := f.riskless(t)
		cases := []struct {
			name      string
			ctx       context.Context
			owners    []int64
			churned   int64
			customers int64 // 0: no rate; -1: no figure at all (hidden)
		}{
			{"administrator, workspace", f.admin, nil, 6, 11},
			{"administrator, one salesperson", f.admin, []int64{rep}, 3, 4},
			{"administrator, two salespeople", f.admin, []int64{rep, rep2}, 4, 7},
			{"administrator, nobody's owner", f.admin, []int64{987654}, 0, 0},
			{"salesperson, own records", f.rep, nil, 3, 4},
			{"salesperson, asking for another's", f.rep, []int64{admin}, 0, 0},
			{"manager, the team's", as(boss, access.RoleManager), nil, 1, 3},
			{"manager, one member", as(boss, access.RoleManager), []int64{rep2}, 1, 3},
			{"salesperson in a team, own records", as(rep2, access.RoleSalesperson), nil, 1, 3},
			{"read only, workspace", as(reader, access.RoleReadOnly), nil, 6, 11},
			{"a role that hides the churn risk", riskless, nil, 0, -1},
		}
		check := func(when string) {
			t.Helper()
			for _, c := range cases {
				fig, err := f.svc.KeptChurnRate(c.ctx, c.owners)
				if err != nil {
					t.Fatalf("%s, %s: %v", when, c.name, err)
				}
				live, err := f.svc.ChurnRateFor(c.ctx, now, c.owners)
				if err != nil {
					t.Fatalf("%s, %s, live: %v", when, c.name, err)
				}
				if c.customers < 0 {
					if fig != nil || live != nil {
						t.Errorf("%s, %s: kept %+v, live %v, want none", when, c.name, fig, show(live))
					}
					continue
				}
				if fig == nil || !fig.AsOf.Equal(now) {
					t.Errorf("%s, %s: kept %+v, want one counted at %s", when, c.name, fig, now)
					continue
				}
				if fig.Churned != c.churned || fig.Customers != c.customers {
					t.Errorf("%s, %s: kept %d of %d churned, want %d of %d", when, c.name, fig.Churned, fig.Customers, c.churned, c.customers)
				}
				if show(fig.Rate) != show(live) {
					t.Errorf("%s, %s: kept rate %s, live %s", when, c.name, show(fig.Rate), show(live))
				}
			}
		}
		if err := f.svc.Train(ctx, 1); err != nil {
			t.Fatal(err)
		}
		check("first count")
		// The marker: a churned customer of the administrator's counts in
		// the workspace's rate and in no salesperson's or team's.
		customer("company", admin, "", 500)
		cases[0].churned, cases[0].customers = 7, 12
		cases[9].churned, cases[9].customers = 7, 12
		if err := f.svc.Train(ctx, 1); err != nil {
			t.Fatal(err)
		}
		check("with the administrator's marker")
		if churned, customers, err := f.svc.ChurnRate(ctx, 1, now, nil); err != nil || churned != 7 || customers != 12 {
			t.Errorf("the history's churn rate %d of %d (%v), want 7 of 12", churned, customers, err)
		}
	})
}

func show(r *float64) string {
	if r == nil {
		return "none"
	}
	return fmt.Sprintf("%.12f", *r)
}

// riskless is the actor of a salesperson's role that hides the companies'
// churn risk.
func (f *fixture) riskless(t *testing.T) context.Context {
	t.Helper()
	roles := access.NewRolePolicy(f.db)
	sales, err := roles.Role(f.admin, access.RoleSalesperson)
	if err != nil {
		t.Fatal(err)
	}
	spec := sales.Spec()
	spec.Name, spec.Label = "riskless", "Riskless"
	spec.Fields = access.FieldRules{"company": {"churn_risk": access.FieldHidden}}
	if _, err := roles.CreateRole(f.admin, spec); err != nil {
		t.Fatal(err)
	}
	id := accesstest.AddUser(t, f.db, 1, "riskless@scores.example", "riskless", 0)
	return access.WithActor(context.Background(), access.Actor{WorkspaceID: 1, UserID: id, Role: "riskless"})
}

package scores_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestChurnRateForMatchesChurnRate: the dashboard's one-aggregate churn
// rate counts what the history's ChurnRate counts (contacts through their
// deals, companies through theirs, a done task by when it was done, an
// open one not at all), over what the viewer may read.
func TestChurnRateForMatchesChurnRate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		now := time.Now().UTC()
		if r, err := f.svc.ChurnRateFor(f.admin, now, nil); err != nil || r != nil {
			t.Fatalf("churn rate without customers %v (%v), want none", r, err)
		}
		at := func(days int) any { return f.db.Dialect.Time(now.Add(-time.Duration(days) * 24 * time.Hour)) }
		act := func(object, id, kind string, done bool, occurred, doneAt any) {
			f.exec(`INSERT INTO activities (workspace_id, kind, body, done, record_type, record_id, occurred_at, done_at, created_at, updated_at)
				VALUES (1, ?, 'x', ?, ?, ?, ?, ?, ?, ?)`, kind, done, object, id, occurred, doneAt, occurred, occurred)
		}
		// name → days since the first won deal, since a later one (0: none)
		for i, c := range []struct {
			object string
			first  int
			again  int
			act    string // note, done-task, open-task
		}{
			{"contact", 400, 0, ""}, {"contact", 400, 20, ""}, {"contact", 400, 0, "note"}, {"contact", 30, 0, ""},
			{"contact", 400, 0, "open-task"}, {"contact", 400, 0, "done-task"}, {"company", 300, 0, ""},
			{"company", 300, 10, ""}, {"company", 300, 0, "note"}, {"company", 10, 0, ""},
		} {
			name := "C" + strconv.Itoa(i)
			var id string
			deal := `{"title": "` + name + `"`
			if c.object == "contact" {
				id = f.create(f.admin, "contact", `{"first_name": "`+name+`"}`)["id"].(string)
				deal += `, "contacts": [{"id": "` + id + `"}]}`
			} else {
				id = f.create(f.admin, "company", `{"name": "`+name+`"}`)["id"].(string)
				deal += `, "company_id": "` + id + `"}`
			}
			for _, days := range []int{c.first, c.again} {
				if days == 0 {
					continue
				}
				d := f.create(f.admin, "deal", deal)
				f.exec(`UPDATE deals SET status = 'won', closed_at = ? WHERE workspace_id = 1 AND id = ?`, at(days), d["id"])
			}
			switch c.act {
			case "note":
				act(c.object, id, "note", false, at(5), nil)
			case "open-task": // open: not an activity, however recent
				act(c.object, id, "task", false, at(5), nil)
			case "done-task": // due long ago, done lately
				act(c.object, id, "task", true, at(300), at(3))
			}
		}
		churned, customers, err := f.svc.ChurnRate(ctx, 1, now, nil)
		if err != nil || churned != 3 || customers != 8 {
			t.Fatalf("history churn rate %d of %d (%v), want 3 of 8", churned, customers, err)
		}
		r, err := f.svc.ChurnRateFor(f.admin, now, nil)
		if err != nil || r == nil || *r != 0.375 {
			t.Fatalf("dashboard churn rate %v (%v), want 0.375", r, err)
		}
		// Another owner's customers: none to measure.
		if r, err := f.svc.ChurnRateFor(f.admin, now, []int64{987654}); err != nil || r != nil {
			t.Errorf("another owner's churn rate %v (%v), want none", r, err)
		}
		// The salesperson reads what their role lets them: everything, or
		// the history's rate over their own records.
		a, _ := access.ActorFrom(f.rep)
		c2, n2, _ := f.svc.ChurnRate(ctx, 1, now, []int64{a.UserID})
		r, err = f.svc.ChurnRateFor(f.rep, now, nil)
		if err != nil {
			t.Fatal(err)
		}
		all := r != nil && *r == 0.375
		own := n2 == 0 && r == nil || n2 > 0 && r != nil && *r == float64(c2)/float64(n2)
		if !all && !own {
			t.Errorf("salesperson's churn rate %v, history's %d of %d", r, c2, n2)
		}
		// A role that hides the churn risk gets no rate.
		roles := access.NewRolePolicy(db)
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
		id := accesstest.AddUser(t, db, 1, "riskless@scores.example", "riskless", 0)
		riskless := access.WithActor(context.Background(), access.Actor{WorkspaceID: 1, UserID: id, Role: "riskless"})
		if r, err := f.svc.ChurnRateFor(riskless, now, nil); err != nil || r != nil {
			t.Errorf("a role that hides the churn risk gets a churn rate %v (%v)", r, err)
		}
	})
}

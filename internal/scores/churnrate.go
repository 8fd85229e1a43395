package scores

import (
	"context"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/store"
)

// ChurnRateFor is the dashboard's churn rate for the acting user: the
// definition of ChurnRate (a customer is a contact or company with a won
// deal; one churned has had no won deal and no activity in the last
// ChurnWindow at now, among those that were customers a whole window
// before), counted by one aggregate per object over the contacts and
// companies the actor may read (and, when owners is not empty, that those
// users own) instead of a load of the whole history. The customers come
// from the deals won before the window (a range of an index by close
// date), each then a few index lookups: its won deals by company
// (goals_won_by_company) or through deal_contacts, its activities by
// record (activities_record).
// It returns nil when there is no customer to measure, or when the role
// hides either object or its churn-risk field.
func (s *Service) ChurnRateFor(ctx context.Context, now time.Time, owners []int64) (*float64, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	pol := s.engine.Policy()
	from := now.Add(-ChurnWindow)
	d := s.db.Dialect
	var churned, customers int64
	for _, object := range []string{"contact", "company"} {
		rs, ok, err := churnScope(ctx, pol, a, object, len(owners) > 0)
		if err != nil || !ok {
			return nil, err
		}
		// The customers are read from the deals won before the window
		// (an index range by close date), not by walking every record.
		table, won := "companies", func(cond string) string {
			return `EXISTS (SELECT 1 FROM deals w` + d.IndexedBy("goals_won_by_company") + ` WHERE w.workspace_id = c.workspace_id
				AND w.company_id = c.id AND w.status = 'won' AND w.deleted_at IS NULL AND ` + cond + `)`
		}
		customer := `c.id IN (SELECT w.company_id FROM deals w WHERE w.workspace_id = ? AND w.status = 'won'
			AND w.deleted_at IS NULL AND w.closed_at <= ? AND w.company_id IS NOT NULL)`
		if object == "contact" {
			table, won = "contacts", func(cond string) string {
				return `EXISTS (SELECT 1 FROM deal_contacts dc JOIN deals w ON w.workspace_id = dc.workspace_id AND w.id = dc.deal_id
					WHERE dc.workspace_id = c.workspace_id AND dc.contact_id = c.id AND w.status = 'won' AND w.deleted_at IS NULL AND ` + cond + `)`
			}
			customer = `c.id IN (SELECT dc.contact_id FROM deals w JOIN deal_contacts dc ON dc.workspace_id = w.workspace_id AND dc.deal_id = w.id
				WHERE w.workspace_id = ? AND w.status = 'won' AND w.deleted_at IS NULL AND w.closed_at <= ?)`
		}
		where := `c.workspace_id = ? AND c.deleted_at IS NULL AND ` + customer
		args := []any{d.Time(from), d.Time(now), d.Time(from), d.Time(now), d.Bool(true), d.Time(from), d.Time(now),
			a.WorkspaceID, a.WorkspaceID, d.Time(from)}
		if cond, cargs := access.OwnerCondition(rs, "c.owner_id"); cond != "" {
			where, args = where+" AND "+cond, append(args, cargs...)
		}
		if len(owners) > 0 {
			where += " AND c.owner_id IN (" + store.Marks(len(owners)) + ")"
			for _, o := range owners {
				args = append(args, o)
			}
		}
		// An activity counts when it happened in the window (a task when
		// it was done: done_at, else its date), as in the history's load.
		active := won(`w.closed_at > ? AND w.closed_at <= ?`) + ` OR EXISTS (SELECT 1 FROM activities x
			WHERE x.workspace_id = c.workspace_id AND x.record_type = '` + object + `' AND x.record_id = CAST(c.id AS TEXT)
			AND x.deleted_at IS NULL AND ((x.kind <> 'task' AND x.occurred_at > ? AND x.occurred_at <= ?)
				OR (x.kind = 'task' AND x.done = ? AND COALESCE(x.done_at, x.occurred_at) > ? AND COALESCE(x.done_at, x.occurred_at) <= ?)))`
		var c, n int64
		err = s.db.Read(ctx).QueryRowContext(ctx, `SELECT COALESCE(SUM(CASE WHEN `+active+` THEN 0 ELSE 1 END), 0), count(*)
			FROM `+table+` c WHERE `+where, args...).Scan(&c, &n)
		if err != nil {
			return nil, err
		}
		churned, customers = churned+c, customers+n
	}
	if customers == 0 {
		return nil, nil
	}
	r := float64(churned) / float64(customers)
	return &r, nil
}

// churnScope says whether the actor may see the churn rate of object, and
// under which owner restriction: not when the role cannot read the object
// or hides its churn risk, nor, when the rate is asked for some owners
// (byOwner), when it hides the owner. ChurnRateFor and KeptChurnRate ask
// it alike, so the live and the kept figure are refused alike.
func churnScope(ctx context.Context, pol access.Policy, a access.Actor, object string, byOwner bool) ([]access.Restriction, bool, error) {
	if err := pol.Authorize(ctx, a, object, access.Read, nil); err != nil {
		if fault.Code(err) == fault.EFORBIDDEN {
			return nil, false, nil
		}
		return nil, false, err
	}
	rules, err := pol.Fields(ctx, a, object)
	if err != nil {
		return nil, false, err
	}
	if rules["churn_risk"] == access.FieldHidden || (byOwner && rules["owner_id"] == access.FieldHidden) {
		return nil, false, nil
	}
	rs, err := pol.Restrict(ctx, a, object)
	return rs, err == nil, err
}

package scores

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/store"
)

// The dashboard's churn rate is kept rather than computed for each page:
// counting it live is linear in the customers (seconds at a million
// contacts), while the training, which reads the whole history anyway,
// can count it per owner in passing. The dashboard then sums a few rows
// (docs/decisions/0036-churn-rate-kept.md).

// churnTally is the customers of a whole window of one object and owner,
// and how many of them churned.
type churnTally struct {
	customers, churned int64
}

// churnKey is an object (contact or company) and an owner (0: none).
type churnKey struct {
	object string
	owner  int64
}

// churnCounts counts h's customers at now per object and owner, by the
// definition of ChurnRate: a customer is a contact or company whose first
// won deal closed at least ChurnWindow before now; it has churned when it
// won no deal and had no activity in the ChurnWindow up to now.
func (h *history) churnCounts(now time.Time) map[churnKey]churnTally {
	out := map[churnKey]churnTally{}
	from := now.Add(-ChurnWindow)
	for _, c := range h.people {
		first, ok := c.firstWon()
		if !ok || first.After(from) {
			continue // not yet a customer for a whole window
		}
		k := churnKey{object: "contact", owner: c.owner}
		if c.table == "companies" {
			k.object = "company"
		}
		t := out[k]
		t.customers++
		if !c.activeBetween(from, now) {
			t.churned++
		}
		out[k] = t
	}
	return out
}

// keepChurn replaces workspace ws's kept churn counts with those of h at
// now, in one transaction, so the dashboard never sums half of a run. The
// rows are upserted: two trainings of one workspace at once (the nightly
// job and an administrator's) wait for each other instead of colliding on
// a key.
func (s *Service) keepChurn(ctx context.Context, ws int64, h *history, now time.Time) error {
	start := time.Now()
	// Both databases keep microseconds: the counts are made at the time
	// stored, so that ChurnRateFor at AsOf counts the same.
	now = now.Truncate(time.Microsecond)
	counts := h.churnCounts(now)
	d := s.db.Dialect
	err := s.db.Tx(ctx, func(q store.Querier) error {
		if _, err := q.ExecContext(ctx, `DELETE FROM churn_counts WHERE workspace_id = ?`, ws); err != nil {
			return err
		}
		for k, t := range counts {
			if _, err := q.ExecContext(ctx, `INSERT INTO churn_counts (workspace_id, object, owner_id, customers, churned)
				VALUES (?, ?, ?, ?, ?) ON CONFLICT (workspace_id, object, owner_id)
				DO UPDATE SET customers = excluded.customers, churned = excluded.churned`,
				ws, k.object, k.owner, t.customers, t.churned); err != nil {
				return err
			}
		}
		_, err := q.ExecContext(ctx, `INSERT INTO churn_snapshots (workspace_id, as_of, window_days) VALUES (?, ?, ?)
			ON CONFLICT (workspace_id) DO UPDATE SET as_of = excluded.as_of, window_days = excluded.window_days`,
			ws, d.Time(now), int(ChurnWindow/day))
		return err
	})
	if err != nil {
		return err
	}
	s.log.Info("scores: churn counts kept", "workspace", ws, "rows", len(counts), "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// ChurnFigure is the dashboard's churn rate as the last training counted
// it.
type ChurnFigure struct {
	// AsOf is when the counts were made; zero when they never were (the
	// training has not run in this workspace yet).
	AsOf time.Time
	// Customers were customers for a whole window at AsOf, among those
	// the viewer may read; Churned of them had churned.
	Customers, Churned int64
	// Rate is Churned of Customers, nil without a customer: too little
	// history to measure, never an invented 0.
	Rate *float64
}

// KeptChurnRate is the churn rate of ChurnRateFor as of the last training,
// from the counts it kept per owner: over the contacts and companies the
// actor may read (the same owner restriction, applied to the owners of the
// counts) and, when owners is not empty, that those users own. It sums a
// few rows whatever the number of customers. It returns nil, as
// ChurnRateFor does, when the role cannot read contacts or companies or
// hides their churn risk (or their owner, when owners are asked for).
func (s *Service) KeptChurnRate(ctx context.Context, owners []int64) (*ChurnFigure, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	pol := s.engine.Policy()
	var conds []string
	args := []any{}
	for _, object := range []string{"contact", "company"} {
		rs, ok, err := churnScope(ctx, pol, a, object, len(owners) > 0)
		if err != nil || !ok {
			return nil, err
		}
		// A count of no owner is stored under 0, which no restriction and
		// no owner asked for names: such customers count only for a
		// viewer who reads every record, as in ChurnRateFor.
		cond := "k.object = '" + object + "'"
		if c, cargs := access.OwnerCondition(rs, "k.owner_id"); c != "" {
			cond, args = cond+" AND "+c, append(args, cargs...)
		}
		conds = append(conds, "("+cond+")")
	}
	where := conds[0] + " OR " + conds[1]
	if len(owners) > 0 {
		where = "(" + where + ") AND k.owner_id IN (" + store.Marks(len(owners)) + ")"
		for _, o := range owners {
			args = append(args, o)
		}
	}
	var f ChurnFigure
	var at any
	err = s.db.Read(ctx).QueryRowContext(ctx, `SELECT s.as_of, COALESCE(SUM(k.customers), 0), COALESCE(SUM(k.churned), 0)
		FROM churn_snapshots s LEFT JOIN churn_counts k ON k.workspace_id = s.workspace_id AND (`+where+`)
		WHERE s.workspace_id = ? GROUP BY s.as_of`, append(args, a.WorkspaceID)...).Scan(&at, &f.Customers, &f.Churned)
	if errors.Is(err, sql.ErrNoRows) {
		return &f, nil
	}
	if err != nil {
		return nil, err
	}
	f.AsOf, _ = store.ParseTime(at)
	if f.Customers > 0 {
		r := float64(f.Churned) / float64(f.Customers)
		f.Rate = &r
	}
	return &f, nil
}

package sales

import (
	"context"
	"errors"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/store"
)

// Outcome is how many deals were won, or lost, and their value in the
// base currency at today's rates. Total is nil for a reader whose role
// hides the deals' value; Unconverted lists currencies left out of it for
// want of a rate.
type Outcome struct {
	Count       int64    `json:"count"`
	Total       *Money   `json:"total"`
	Unconverted []string `json:"unconverted,omitempty"`
}

// Outcomes counts and sums the deals won and the deals lost since since,
// as the actor may see them; owners, when not empty, narrows them to
// those users' deals. It reads the deals_by_closed_at index's range, not
// the deals themselves through the engine: a month of a large workspace
// is thousands of deals, summed in the database.
func (s *Service) Outcomes(ctx context.Context, since time.Time, owners []string) (won, lost Outcome, err error) {
	a, err := s.authorize(ctx, "deal", access.Read)
	if err != nil {
		return won, lost, err
	}
	hidden, err := s.hiddenDealFields(ctx, a)
	if err != nil {
		return won, lost, err
	}
	ids, err := ownerIDs(owners, hidden)
	if err != nil {
		return won, lost, err
	}
	rs, err := s.engine.Policy().Restrict(ctx, a, "deal")
	if err != nil {
		return won, lost, err
	}
	where := `workspace_id = ? AND closed_at >= ? AND deleted_at IS NULL AND status IN ('won', 'lost')`
	args := []any{a.WorkspaceID, s.db.Dialect.Time(since)}
	if cond, cargs := access.OwnerCondition(rs, "owner_id"); cond != "" {
		where, args = where+" AND "+cond, append(args, cargs...)
	}
	if len(ids) > 0 {
		where += " AND owner_id IN (" + store.Marks(len(ids)) + ")"
		for _, id := range ids {
			args = append(args, id)
		}
	}
	// The range of closed_at is read in a subquery that SQLite does not
	// merge into the grouping (a LIMIT keeps it apart): merged, its
	// planner prefers the (workspace, status) index for the order of the
	// groups and reads every deal ever won or lost.
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT status, currency, count(*), COALESCE(SUM(amount), 0)
		FROM (SELECT status, COALESCE(value_currency, '') AS currency, value_amount AS amount
			FROM deals WHERE `+where+` LIMIT 1000000000) closed
		GROUP BY status, currency`, args...)
	if err != nil {
		return won, lost, err
	}
	type sum struct {
		status string
		stageSum
	}
	var sums []sum
	for rows.Next() {
		var x sum
		if err := rows.Scan(&x.status, &x.currency, &x.count, &x.amount); err != nil {
			rows.Close()
			return won, lost, err
		}
		sums = append(sums, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return won, lost, err
	}
	conv, err := s.converter(ctx, s.db.Reader(), a.WorkspaceID)
	if err != nil {
		return won, lost, err
	}
	won, lost = Outcome{Total: &Money{Currency: conv.Base}}, Outcome{Total: &Money{Currency: conv.Base}}
	if hidden["value"] {
		won.Total, lost.Total = nil, nil
	}
	for _, x := range sums {
		o := &won
		if x.status == statusLost {
			o = &lost
		}
		o.Count += x.count
		if x.currency == "" || o.Total == nil {
			continue
		}
		m, err := conv.Convert(ctx, Money{Amount: x.amount, Currency: x.currency}, s.now())
		if errors.Is(err, ErrNoRate) {
			o.Unconverted = append(o.Unconverted, x.currency)
			continue
		}
		if err != nil {
			return won, lost, err
		}
		o.Total.Amount += m.Amount
	}
	return won, lost, nil
}

package goals

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/store"
)

// Progress is how far a goal has come: what was done in its period so far,
// what is left, and how much a working day that leaves to do.
type Progress struct {
	Goal // its fields first, flat

	// Done is the measure so far, a count or an amount in minor units of
	// the goal's currency; nil when the viewer's role hides deals' value.
	Done *int64 `json:"done"`
	// Gap is what is left to reach the target (0 once reached).
	Gap *int64 `json:"gap"`
	// Percent is Done of the target, in whole percent (may pass 100).
	Percent int `json:"percent"`
	// DaysLeft counts the working days (Monday to Friday) left in the
	// period, today included; PerDay is the gap shared among them, rounded
	// up (the whole gap once none is left).
	DaysLeft int    `json:"days_left"`
	PerDay   *int64 `json:"per_day"`
	// Unconverted lists currencies of won deals left out for want of a
	// rate to the goal's currency.
	Unconverted []string `json:"unconverted,omitempty"`
}

// ProgressOf measures the goals, which the caller read through List or
// Get (so the actor may see them), as of the day today (the viewer's
// date).
func (s *Service) ProgressOf(ctx context.Context, goals []Goal, today time.Time) ([]Progress, error) {
	v, err := s.viewerOf(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Progress, 0, len(goals))
	var conv *sales.Converter
	for _, g := range goals {
		if !v.sees(g) {
			continue
		}
		p := Progress{Goal: g}
		from, to, err := Bounds(g.Period)
		if err != nil {
			return nil, err
		}
		owners, err := s.owners(ctx, v.actor.WorkspaceID, g)
		if err != nil {
			return nil, err
		}
		var done int64
		if g.Metric == WonValue {
			if conv == nil && s.sales != nil {
				if conv, err = s.sales.Converter(ctx); err != nil {
					return nil, err
				}
			}
			done, p.Unconverted, err = s.wonValue(ctx, conv, v.actor.WorkspaceID, g.Currency, from, to, owners, today)
		} else {
			done, err = s.count(ctx, v.actor.WorkspaceID, g.Metric, from, to, owners)
		}
		if err != nil {
			return nil, err
		}
		p.DaysLeft = workingDays(today, from, to)
		if g.Metric != WonValue || v.valueSeen {
			gap := max(g.Target-done, 0)
			per := gap
			if p.DaysLeft > 0 {
				per = (gap + int64(p.DaysLeft) - 1) / int64(p.DaysLeft)
			}
			p.Done, p.Gap, p.PerDay = &done, &gap, &per
			p.Percent = int(done * 100 / g.Target)
		}
		out = append(out, p)
	}
	return out, nil
}

// owners are the users whose work counts toward g: its user, its team's
// members, or (nil) everyone.
func (s *Service) owners(ctx context.Context, ws int64, g Goal) ([]any, error) {
	switch g.Subject {
	case User:
		n, _ := strconv.ParseInt(g.SubjectID, 10, 64)
		return []any{n}, nil
	case Team:
		rows, err := s.db.Read(ctx).QueryContext(ctx, `SELECT id FROM users WHERE workspace_id = ? AND team_id = ?`, ws, g.SubjectID)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		out := []any{}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return nil, err
			}
			out = append(out, id)
		}
		return out, rows.Err()
	}
	return nil, nil
}

// ownerCond narrows a query to owners (nil: everyone; empty: no one).
func ownerCond(owners []any) (string, []any) {
	switch {
	case owners == nil:
		return "", nil
	case len(owners) == 0:
		return " AND 1 = 0", nil
	}
	return " AND owner_id IN (" + store.Marks(len(owners)) + ")", owners
}

// count measures a goal on a count. Each reads the range of one index on
// the period's dates: deals won by closed_at, deals made by created_at,
// calls by occurred_at, tasks done by done_at. The LIMIT keeps SQLite
// from folding the subquery into the count and choosing another index.
func (s *Service) count(ctx context.Context, ws int64, metric string, from, to time.Time, owners []any) (int64, error) {
	d := s.db.Dialect
	var table, where string
	switch metric {
	case WonCount:
		table, where = "deals", `status = 'won' AND closed_at >= ? AND closed_at < ?`
	case NewDeals:
		table, where = "deals", `created_at >= ? AND created_at < ?`
	case Calls:
		table, where = "activities", `kind = 'call' AND occurred_at >= ? AND occurred_at < ?`
	case TasksDone:
		table, where = "activities", `kind = 'task' AND done_at >= ? AND done_at < ? AND done = ?`
	default:
		return 0, errors.New("goals: unknown metric " + metric)
	}
	args := []any{ws, d.Time(from), d.Time(to)}
	if metric == TasksDone {
		args = append(args, d.Bool(true))
	}
	cond, oargs := ownerCond(owners)
	var n int64
	err := s.db.Read(ctx).QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM `+table+` WHERE workspace_id = ? AND `+where+
		` AND deleted_at IS NULL`+cond+` LIMIT 1000000000) x`, append(args, oargs...)...).Scan(&n)
	return n, err
}

// wonValue sums the value of the deals won in the period in currency, at
// the rates in force on the period's last day, or today while it runs.
func (s *Service) wonValue(ctx context.Context, conv *sales.Converter, ws int64, currency string, from, to time.Time,
	owners []any, today time.Time) (int64, []string, error) {
	d := s.db.Dialect
	cond, oargs := ownerCond(owners)
	rows, err := s.db.Read(ctx).QueryContext(ctx, `SELECT currency, COALESCE(SUM(amount), 0) FROM (SELECT COALESCE(value_currency, '') AS currency,
		value_amount AS amount FROM deals WHERE workspace_id = ? AND status = 'won' AND closed_at >= ? AND closed_at < ?
		AND deleted_at IS NULL`+cond+` LIMIT 1000000000) won GROUP BY currency`, append([]any{ws, d.Time(from), d.Time(to)}, oargs...)...)
	if err != nil {
		return 0, nil, err
	}
	type sum struct {
		currency string
		amount   int64
	}
	var sums []sum
	for rows.Next() {
		var x sum
		if err := rows.Scan(&x.currency, &x.amount); err != nil {
			rows.Close()
			return 0, nil, err
		}
		sums = append(sums, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, nil, err
	}
	day := to.AddDate(0, 0, -1)
	if today.Before(day) {
		day = today
	}
	var total int64
	var unconverted []string
	for _, x := range sums {
		if x.currency == "" {
			continue
		}
		if conv == nil {
			if x.currency != currency {
				unconverted = append(unconverted, x.currency)
			} else {
				total += x.amount
			}
			continue
		}
		m, err := conv.ConvertTo(ctx, sales.Money{Amount: x.amount, Currency: x.currency}, currency, day)
		if errors.Is(err, sales.ErrNoRate) {
			unconverted = append(unconverted, x.currency)
			continue
		}
		if err != nil {
			return 0, nil, err
		}
		total += m.Amount
	}
	return total, unconverted, nil
}

// workingDays counts Monday to Friday from today (or the period's start,
// if later) to the period's end.
func workingDays(today, from, to time.Time) int {
	day := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	if day.Before(from) {
		day = from
	}
	n := 0
	for ; day.Before(to); day = day.AddDate(0, 0, 1) {
		if wd := day.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n++
		}
	}
	return n
}

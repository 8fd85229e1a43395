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
// date). Goals on the same measure and period share one query, grouped
// by owner, so a page of a hundred goals costs a few queries.
func (s *Service) ProgressOf(ctx context.Context, goals []Goal, today time.Time) ([]Progress, error) {
	v, err := s.viewerOf(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Progress, 0, len(goals))
	var conv *sales.Converter
	measured := map[string]sums{}
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
		m, ok := measured[g.Metric+"@"+g.Period]
		if !ok {
			if m, err = s.measure(ctx, v.actor.WorkspaceID, g.Metric, from, to); err != nil {
				return nil, err
			}
			measured[g.Metric+"@"+g.Period] = m
		}
		byCurrency := m.of(owners)
		var done int64
		if g.Metric == WonValue {
			if conv == nil && s.sales != nil {
				if conv, err = s.sales.Converter(ctx); err != nil {
					return nil, err
				}
			}
			done, p.Unconverted, err = convertSums(ctx, conv, byCurrency, g.Currency, to, today)
			if err != nil {
				return nil, err
			}
		} else {
			done = byCurrency[""]
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
func (s *Service) owners(ctx context.Context, ws int64, g Goal) ([]int64, error) {
	switch g.Subject {
	case User:
		n, _ := strconv.ParseInt(g.SubjectID, 10, 64)
		return []int64{n}, nil
	case Team:
		rows, err := s.db.Read(ctx).QueryContext(ctx, `SELECT id FROM users WHERE workspace_id = ? AND team_id = ?`, ws, g.SubjectID)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		out := []int64{}
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

// sums are a measure of a period by owner (0 for none) and currency (""
// for a count).
type sums map[int64]map[string]int64

// of adds up the sums of owners, or of everyone when owners is nil.
func (m sums) of(owners []int64) map[string]int64 {
	out := map[string]int64{}
	add := func(byCur map[string]int64) {
		for cur, n := range byCur {
			out[cur] += n
		}
	}
	if owners == nil {
		for _, byCur := range m {
			add(byCur)
		}
		return out
	}
	for _, o := range owners {
		add(m[o])
	}
	return out
}

// measure reads one measure of a period for every owner. Each reads the
// range of an index of migration 00027 that covers it: deals won by
// closed_at, deals made by created_at, calls by occurred_at, tasks done
// by done_at, each with the owner (and a won deal's value) in the index.
// The LIMIT keeps SQLite from folding the subquery into the grouping and
// choosing another index.
func (s *Service) measure(ctx context.Context, ws int64, metric string, from, to time.Time) (sums, error) {
	d := s.db.Dialect
	done := "done = 1"
	if d == store.Postgres {
		done = "done = true"
	}
	var inner string
	switch metric {
	case WonValue:
		inner = `SELECT owner_id, COALESCE(value_currency, '') AS cur, value_amount AS n FROM deals
			WHERE workspace_id = ? AND closed_at >= ? AND closed_at < ? AND status = 'won' AND deleted_at IS NULL`
	case WonCount:
		inner = `SELECT owner_id, '' AS cur, 1 AS n FROM deals
			WHERE workspace_id = ? AND closed_at >= ? AND closed_at < ? AND status = 'won' AND deleted_at IS NULL`
	case NewDeals:
		inner = `SELECT owner_id, '' AS cur, 1 AS n FROM deals WHERE workspace_id = ? AND created_at >= ? AND created_at < ? AND deleted_at IS NULL`
	case Calls:
		inner = `SELECT owner_id, '' AS cur, 1 AS n FROM activities
			WHERE workspace_id = ? AND occurred_at >= ? AND occurred_at < ? AND kind = 'call' AND deleted_at IS NULL`
	case TasksDone:
		inner = `SELECT owner_id, '' AS cur, 1 AS n FROM activities
			WHERE workspace_id = ? AND done_at >= ? AND done_at < ? AND kind = 'task' AND ` + done + ` AND deleted_at IS NULL`
	default:
		return nil, errors.New("goals: unknown metric " + metric)
	}
	rows, err := s.db.Read(ctx).QueryContext(ctx, `SELECT COALESCE(owner_id, 0), cur, COALESCE(SUM(n), 0) FROM (`+inner+
		` LIMIT 1000000000) x GROUP BY owner_id, cur`, ws, d.Time(from), d.Time(to))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := sums{}
	for rows.Next() {
		var owner, n int64
		var cur string
		if err := rows.Scan(&owner, &cur, &n); err != nil {
			return nil, err
		}
		if out[owner] == nil {
			out[owner] = map[string]int64{}
		}
		out[owner][cur] += n
	}
	return out, rows.Err()
}

// convertSums adds up won values in currency, at the rates in force on
// the period's last day, or today while it runs.
func convertSums(ctx context.Context, conv *sales.Converter, byCurrency map[string]int64, currency string, to, today time.Time) (int64, []string, error) {
	day := to.AddDate(0, 0, -1)
	if today.Before(day) {
		day = today
	}
	var total int64
	var unconverted []string
	for _, cur := range sortedKeys(byCurrency) {
		amount := byCurrency[cur]
		if cur == "" || amount == 0 && cur != currency {
			continue
		}
		if conv == nil {
			if cur != currency {
				unconverted = append(unconverted, cur)
			} else {
				total += amount
			}
			continue
		}
		m, err := conv.ConvertTo(ctx, sales.Money{Amount: amount, Currency: cur}, currency, day)
		if errors.Is(err, sales.ErrNoRate) {
			unconverted = append(unconverted, cur)
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

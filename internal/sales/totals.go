package sales

import (
	"context"
	"strconv"

	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// A stage's totals are what its open deals add up to, per currency. The
// deal hook moves a deal's share between them in the write's transaction,
// so the table always agrees with the deals; RebuildTotals recomputes it
// for data loaded in bulk past the engine.

// share is what one deal adds to its stage's totals.
type share struct {
	stage    int64
	currency string
	amount   int64
}

// shareOf returns the deal's share, or false when it counts nowhere: it
// is not open, is deleted, has no stage, or no longer exists.
func shareOf(rec records.Record) (share, bool) {
	if rec == nil || rec["status"] != statusOpen || rec["deleted_at"] != nil {
		return share{}, false
	}
	id, _ := rec["stage_id"].(string)
	st, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return share{}, false
	}
	sh := share{stage: st}
	if m, ok := rec["value"].(map[string]any); ok {
		sh.currency, _ = m["currency"].(string)
		sh.amount, _ = records.Int(m["amount"])
	}
	return sh, true
}

// moveTotals takes the deal's old share out of the totals and puts its new
// one in.
func (s *Service) moveTotals(ctx context.Context, w *records.Write) error {
	if err := s.moveForecast(ctx, w.Q, w.Actor.WorkspaceID, w.Old, w.Rec); err != nil {
		return err
	}
	before, had := shareOf(w.Old)
	after, has := shareOf(w.Rec)
	if had == has && before == after {
		return nil
	}
	if had {
		if err := s.addTotal(ctx, w.Q, w.Actor.WorkspaceID, before, -1); err != nil {
			return err
		}
	}
	if has {
		return s.addTotal(ctx, w.Q, w.Actor.WorkspaceID, after, 1)
	}
	return nil
}

func (s *Service) addTotal(ctx context.Context, q store.Querier, ws int64, sh share, sign int64) error {
	_, err := q.ExecContext(ctx, `INSERT INTO stage_totals (workspace_id, stage_id, currency, deals, amount) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (workspace_id, stage_id, currency)
		DO UPDATE SET deals = stage_totals.deals + excluded.deals, amount = stage_totals.amount + excluded.amount`,
		ws, sh.stage, sh.currency, sign, sign*sh.amount)
	return err
}

// RebuildTotals recomputes workspace ws's stage totals and forecast totals
// from its deals.
func (s *Service) RebuildTotals(ctx context.Context, ws int64) error {
	return s.db.Tx(ctx, func(q store.Querier) error {
		if err := rebuildForecast(ctx, q, ws); err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, `DELETE FROM stage_totals WHERE workspace_id = ?`, ws); err != nil {
			return err
		}
		_, err := q.ExecContext(ctx, `INSERT INTO stage_totals (workspace_id, stage_id, currency, deals, amount)
			SELECT workspace_id, stage_id, COALESCE(value_currency, ''), count(*), COALESCE(SUM(value_amount), 0)
			FROM deals WHERE workspace_id = ? AND status = 'open' AND deleted_at IS NULL AND stage_id IS NOT NULL
			GROUP BY workspace_id, stage_id, COALESCE(value_currency, '')`, ws)
		return err
	})
}

// storedSums reads the totals of the stages.
func (s *Service) storedSums(ctx context.Context, ws int64, stages []records.Record) (map[string][]stageSum, error) {
	args := []any{ws}
	for _, st := range stages {
		n, _ := strconv.ParseInt(st["id"].(string), 10, 64)
		args = append(args, n)
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT stage_id, currency, deals, amount FROM stage_totals
		WHERE workspace_id = ? AND deals <> 0 AND stage_id IN (`+store.Marks(len(stages))+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]stageSum{}
	for rows.Next() {
		var st int64
		var sum stageSum
		if err := rows.Scan(&st, &sum.currency, &sum.count, &sum.amount); err != nil {
			return nil, err
		}
		key := strconv.FormatInt(st, 10)
		out[key] = append(out[key], sum)
	}
	return out, rows.Err()
}

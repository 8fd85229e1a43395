package sales

import (
	"context"
	"strconv"

	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// A deal's place in the forecast totals: what one open deal adds to the
// sums the weighted pipeline reads. The deal hook moves it in the write's
// transaction, as it moves a deal's share of its stage's totals.
type forecastShare struct {
	owner, pipeline, stage int64
	month, category        string
	own                    int // 1 when the deal has a probability of its own
	currency               string
	amount, weighted       int64
}

// forecastShareOf returns the deal's share, or false when it is not an
// open deal.
func forecastShareOf(rec records.Record) (forecastShare, bool) {
	if rec == nil || rec["status"] != statusOpen || rec["deleted_at"] != nil {
		return forecastShare{}, false
	}
	id := func(name string) int64 {
		s, _ := rec[name].(string)
		n, _ := strconv.ParseInt(s, 10, 64)
		return n
	}
	sh := forecastShare{owner: id("owner_id"), pipeline: id("pipeline_id"), stage: id("stage_id")}
	if d, ok := rec["expected_close_date"].(string); ok && len(d) >= 7 {
		sh.month = d[:7]
	}
	sh.category, _ = rec["forecast_category"].(string)
	if m, ok := rec["value"].(map[string]any); ok {
		sh.currency, _ = m["currency"].(string)
		sh.amount, _ = records.Int(m["amount"])
	}
	if p, ok := records.Int(rec["probability"]); ok && rec["probability"] != nil {
		sh.own, sh.weighted = 1, sh.amount*p
	}
	return sh, true
}

// moveForecast takes the deal's old share out of the forecast totals and
// puts its new one in.
func (s *Service) moveForecast(ctx context.Context, q store.Querier, ws int64, old, rec records.Record) error {
	before, had := forecastShareOf(old)
	after, has := forecastShareOf(rec)
	if had == has && before == after {
		return nil
	}
	if had {
		if err := s.addForecast(ctx, q, ws, before, -1); err != nil {
			return err
		}
	}
	if has {
		return s.addForecast(ctx, q, ws, after, 1)
	}
	return nil
}

func (s *Service) addForecast(ctx context.Context, q store.Querier, ws int64, sh forecastShare, sign int64) error {
	_, err := q.ExecContext(ctx, `INSERT INTO forecast_totals (workspace_id, owner_id, pipeline_id, stage_id, month, category, own, currency,
		deals, amount, weighted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (workspace_id, owner_id, pipeline_id, stage_id, month, category, own, currency)
		DO UPDATE SET deals = forecast_totals.deals + excluded.deals, amount = forecast_totals.amount + excluded.amount,
			weighted = forecast_totals.weighted + excluded.weighted`,
		ws, sh.owner, sh.pipeline, sh.stage, sh.month, sh.category, sh.own, sh.currency, sign, sign*sh.amount, sign*sh.weighted)
	return err
}

// rebuildForecast recomputes workspace ws's forecast totals from its deals,
// inside the caller's transaction.
func rebuildForecast(ctx context.Context, q store.Querier, ws int64) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM forecast_totals WHERE workspace_id = ?`, ws); err != nil {
		return err
	}
	_, err := q.ExecContext(ctx, `INSERT INTO forecast_totals (workspace_id, owner_id, pipeline_id, stage_id, month, category, own, currency,
			deals, amount, weighted)
		SELECT workspace_id, COALESCE(owner_id, 0), COALESCE(pipeline_id, 0), COALESCE(stage_id, 0),
			COALESCE(substr(expected_close_date, 1, 7), ''), COALESCE(forecast_category, ''),
			CASE WHEN probability IS NULL THEN 0 ELSE 1 END, COALESCE(value_currency, ''),
			count(*), COALESCE(SUM(value_amount), 0), COALESCE(SUM(value_amount * COALESCE(probability, 0)), 0)
		FROM deals WHERE workspace_id = ? AND status = 'open' AND deleted_at IS NULL
		GROUP BY 1, 2, 3, 4, 5, 6, 7, 8`, ws)
	return err
}

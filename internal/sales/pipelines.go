package sales

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// stage is what the deal rules need to know of a stage.
type stage struct {
	id          string
	pipelineID  string
	name        string
	required    []string
	rottingDays *int64
}

// beforePipeline numbers a new pipeline after the last one and refuses to
// delete a pipeline that still has open deals.
func (s *Service) beforePipeline(ctx context.Context, w *records.Write) error {
	switch w.Action {
	case "create":
		if w.Vals["position"] == nil {
			n, err := s.nextPosition(ctx, w.Q, `SELECT MAX(position) FROM pipelines WHERE workspace_id = ? AND deleted_at IS NULL`, w.Actor.WorkspaceID)
			if err != nil {
				return err
			}
			w.Vals["position"] = n
		}
	case "delete":
		return s.refuseWithDeals(ctx, w, "pipeline_id", "pipeline")
	case "purge":
		if err := s.refuseWithDeals(ctx, w, "pipeline_id", "pipeline"); err != nil {
			return err
		}
		// Its stages, deleted or not, point at it; purging them first is
		// the administrator's explicit choice, not a side effect.
		id, _ := strconv.ParseInt(w.ID, 10, 64)
		var n int64
		if err := w.Q.QueryRowContext(ctx, `SELECT count(*) FROM stages WHERE workspace_id = ? AND pipeline_id = ?`,
			w.Actor.WorkspaceID, id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fault.Errorf(fault.ECONFLICT, "the pipeline still has %d stages (some perhaps in the trash); purge them first", n)
		}
	}
	return nil
}

// beforeStage numbers a new stage after the last of its pipeline, keeps a
// stage in its pipeline, checks that the fields it requires exist on
// deals, and refuses to delete a stage that still has open deals.
func (s *Service) beforeStage(ctx context.Context, w *records.Write) error {
	switch w.Action {
	case "delete", "purge":
		return s.refuseWithDeals(ctx, w, "stage_id", "stage")
	case "update":
		if w.Changes("pipeline_id") {
			return fault.Field("pipeline_id", "immutable", "a stage belongs to one pipeline for good; create the stage in the other pipeline instead")
		}
	case "create":
		if w.Vals["position"] == nil && w.Vals["pipeline_id"] != nil {
			pid, _ := strconv.ParseInt(w.Vals["pipeline_id"].(string), 10, 64)
			n, err := s.nextPosition(ctx, w.Q, `SELECT MAX(position) FROM stages WHERE workspace_id = ? AND pipeline_id = ? AND deleted_at IS NULL`,
				w.Actor.WorkspaceID, pid)
			if err != nil {
				return err
			}
			w.Vals["position"] = n
		}
	}
	if names, ok := w.Vals["required_fields"]; ok && names != nil {
		return s.checkDealFields(ctx, names.([]string))
	}
	return nil
}

// checkDealFields reports every name that is not a field a deal can be
// given: a gate on a field no one can fill would close the stage for good.
func (s *Service) checkDealFields(ctx context.Context, names []string) error {
	fields, err := s.engine.Fields(ctx, "deal")
	if err != nil {
		return err
	}
	writable := map[string]bool{}
	for _, f := range fields {
		writable[f.Name] = !f.ReadOnly
	}
	var c fault.Collector
	for i, name := range names {
		if !writable[name] {
			c.Add("required_fields["+strconv.Itoa(i)+"]", "unknown", "%q is not a field of deals that can be filled in", name)
		}
	}
	return c.Err()
}

func (s *Service) nextPosition(ctx context.Context, q store.Querier, query string, args ...any) (int64, error) {
	var max sql.NullInt64
	if err := q.QueryRowContext(ctx, query, args...).Scan(&max); err != nil {
		return 0, err
	}
	return max.Int64 + 1, nil
}

// refuseWithDeals refuses to delete a pipeline or stage while open deals
// are in it, and to purge one that any deal still names.
func (s *Service) refuseWithDeals(ctx context.Context, w *records.Write, column, noun string) error {
	id, _ := strconv.ParseInt(w.ID, 10, 64)
	cond := ` AND status = 'open' AND deleted_at IS NULL`
	if w.Action == "purge" {
		cond = ""
	}
	var n int64
	err := w.Q.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM deals WHERE workspace_id = ? AND `+column+` = ?`+cond+` LIMIT 1000) d`,
		w.Actor.WorkspaceID, id).Scan(&n)
	if err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	what := "open deals"
	if w.Action == "purge" {
		what = "deals"
	}
	if n == 1000 {
		return fault.Errorf(fault.ECONFLICT, "the %s still has 1000 or more %s; move or close them first", noun, what)
	}
	return fault.Errorf(fault.ECONFLICT, "the %s still has %d %s; move or close them first", noun, n, what)
}

// beforeActiveDefault makes a new loss reason or product active unless
// told otherwise, so that "active" is never unknown.
func (s *Service) beforeActiveDefault(_ context.Context, w *records.Write) error {
	if w.Action == "create" && w.Vals["active"] == nil {
		w.Vals["active"] = true
	}
	return nil
}

// beforeLossReason makes a new loss reason active unless told otherwise,
// and keeps one that lost deals name from being purged (deleting it only
// retires it).
func (s *Service) beforeLossReason(ctx context.Context, w *records.Write) error {
	if w.Action == "purge" {
		return s.refuseWithDeals(ctx, w, "loss_reason_id", "loss reason")
	}
	return s.beforeActiveDefault(ctx, w)
}

// beforePriceList checks a price list's currency and makes it active
// unless told otherwise.
func (s *Service) beforePriceList(ctx context.Context, w *records.Write) error {
	if w.Action == "update" && w.Changes("currency") {
		return fault.Field("currency", "immutable", "a price list keeps its currency; create another list for another currency")
	}
	if c, ok := w.Vals["currency"].(string); ok {
		code, err := currencyCode(c)
		if err != nil {
			return fault.Field("currency", "currency", "%s", err.Error())
		}
		w.Vals["currency"] = code
	}
	return s.beforeActiveDefault(ctx, w)
}

// loadStage reads a live stage of the workspace; ok is false when there
// is none with the id.
func (s *Service) loadStage(ctx context.Context, q store.Querier, ws int64, id string) (stage, bool, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return stage{}, false, nil
	}
	st := stage{id: id}
	var pid int64
	var required sql.NullString
	var rotting sql.NullInt64
	err = q.QueryRowContext(ctx, `SELECT pipeline_id, name, `+s.db.Dialect.JSONOut("required_fields")+`, rotting_days
		FROM stages WHERE workspace_id = ? AND id = ? AND deleted_at IS NULL`, ws, n).Scan(&pid, &st.name, &required, &rotting)
	if errors.Is(err, sql.ErrNoRows) {
		return stage{}, false, nil
	}
	if err != nil {
		return stage{}, false, err
	}
	st.pipelineID = strconv.FormatInt(pid, 10)
	if required.Valid {
		if err := json.Unmarshal([]byte(required.String), &st.required); err != nil {
			return stage{}, false, err
		}
	}
	if rotting.Valid {
		st.rottingDays = &rotting.Int64
	}
	return st, true, nil
}

// firstPipeline returns the workspace's first live pipeline by position,
// or "" when it has none.
func (s *Service) firstPipeline(ctx context.Context, q store.Querier, ws int64) (string, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT id FROM pipelines WHERE workspace_id = ? AND deleted_at IS NULL
		ORDER BY position, id LIMIT 1`, ws).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return strconv.FormatInt(id, 10), err
}

// firstStage returns the first live stage of a pipeline by position, or ""
// when it has none.
func (s *Service) firstStage(ctx context.Context, q store.Querier, ws int64, pipeline string) (string, error) {
	pid, err := strconv.ParseInt(pipeline, 10, 64)
	if err != nil {
		return "", nil
	}
	var id int64
	err = q.QueryRowContext(ctx, `SELECT id FROM stages WHERE workspace_id = ? AND pipeline_id = ? AND deleted_at IS NULL
		ORDER BY position, id LIMIT 1`, ws, pid).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return strconv.FormatInt(id, 10), err
}

package sales

import (
	"context"
	"database/sql"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// The states of a deal.
const (
	statusOpen = "open"
	statusWon  = "won"
	statusLost = "lost"
)

// beforeDeal applies the rules of a deal being created or changed, in the
// order they depend on each other: where the deal sits (pipeline and
// stage), its status, its line items and value, and last the gate of the
// stage it enters, which judges the deal as the write leaves it.
func (s *Service) beforeDeal(ctx context.Context, w *records.Write) error {
	if w.Action == "delete" || w.Action == "restore" {
		deal, _ := strconv.ParseInt(w.ID, 10, 64)
		return SummarizeStays(ctx, w.Q, s.db.Dialect, w.Actor.WorkspaceID, deal)
	}
	if w.Action != "create" && w.Action != "update" {
		return nil
	}
	if w.Action == "create" && w.Vals["status"] == nil {
		w.Vals["status"] = statusOpen
	}
	st, entering, err := s.place(ctx, w)
	if err != nil {
		return err
	}
	if err := s.checkStatus(ctx, w); err != nil {
		return err
	}
	if _, ok := w.Vals["line_items"]; ok {
		if err := s.priceLineItems(ctx, w); err != nil {
			return err
		}
	} else if w.Changes("value") && !empty(w.Old["line_items"]) {
		return fault.Field("value", "derived", "is the sum of the deal's line items; change the items instead")
	}
	if !entering {
		return nil
	}
	rules, err := s.engine.Policy().Fields(ctx, w.Actor, w.Object.Grant())
	if err != nil {
		return err
	}
	if err := gate(w, st, rules); err != nil {
		return err
	}
	w.Vals["stage_entered_at"] = records.FormatTime(s.now())
	return nil
}

// place settles the deal's pipeline and stage: a new deal goes to the
// first stage of the first pipeline unless told otherwise, a deal moved to
// another pipeline without a stage goes to its first stage, and a stage
// must belong to the deal's pipeline. It returns the stage and whether the
// deal enters it with this write.
func (s *Service) place(ctx context.Context, w *records.Write) (stage, bool, error) {
	ws := w.Actor.WorkspaceID
	_, stageGiven := w.Vals["stage_id"]
	_, pipelineGiven := w.Vals["pipeline_id"]
	if (stageGiven && w.Vals["stage_id"] == nil) || (pipelineGiven && w.Vals["pipeline_id"] == nil) {
		field := "stage_id"
		if !stageGiven || w.Vals["stage_id"] != nil {
			field = "pipeline_id"
		}
		return stage{}, false, fault.Field(field, "required", "a deal is always in a pipeline and one of its stages")
	}
	if w.Action == "update" && !w.Changes("stage_id") && !w.Changes("pipeline_id") {
		return stage{}, false, nil
	}
	pipeline, _ := w.Value("pipeline_id").(string)
	stageID, _ := w.Value("stage_id").(string)
	switch {
	case w.Action == "create" && !stageGiven && pipeline == "":
		first, err := s.firstPipeline(ctx, w.Q, ws)
		if err != nil {
			return stage{}, false, err
		}
		if first == "" {
			return stage{}, false, fault.Field("pipeline_id", "required", "the workspace has no pipeline yet; an administrator creates one first")
		}
		pipeline = first
		fallthrough
	case !stageGiven:
		first, err := s.firstStage(ctx, w.Q, ws, pipeline)
		if err != nil {
			return stage{}, false, err
		}
		if first == "" {
			return stage{}, false, fault.Field("pipeline_id", "no_stages", "pipeline %s has no stages (or does not exist); add a stage first", pipeline)
		}
		stageID = first
		w.Vals["stage_id"] = first
	}
	st, ok, err := s.loadStage(ctx, w.Q, ws, stageID)
	if err != nil {
		return stage{}, false, err
	}
	if !ok {
		return stage{}, false, fault.Field("stage_id", "reference", "no stage with id %q", stageID)
	}
	if pipeline == "" || (w.Action == "create" && !pipelineGiven) {
		pipeline = st.pipelineID
	}
	if st.pipelineID != pipeline {
		return stage{}, false, fault.Field("stage_id", "other_pipeline",
			"stage %q (%s) belongs to pipeline %s, not to the deal's pipeline %s; pick a stage of pipeline %s, or change pipeline_id as well",
			st.id, st.name, st.pipelineID, pipeline, pipeline)
	}
	w.Vals["pipeline_id"] = pipeline
	entering := w.Action == "create" || w.Changes("stage_id")
	return st, entering, nil
}

// checkStatus applies what winning, losing and reopening mean: a lost deal
// names an active loss reason; closing stamps closed_at; reopening clears
// it and the loss.
func (s *Service) checkStatus(ctx context.Context, w *records.Write) error {
	status, _ := w.Value("status").(string)
	old, _ := w.Old["status"].(string)
	changing := w.Action == "create" || w.Changes("status")
	switch {
	case status == statusLost:
		reason, _ := w.Value("loss_reason_id").(string)
		if reason == "" {
			return fault.Field("loss_reason_id", "required", "a lost deal needs a loss reason; loss_note may add free text")
		}
		if _, given := w.Vals["loss_reason_id"]; given || changing {
			if err := s.checkLossReason(ctx, w, reason); err != nil {
				return err
			}
		}
	case w.Vals["loss_reason_id"] != nil:
		return fault.Field("loss_reason_id", "not_lost", "only a lost deal has a loss reason; set status to lost with it")
	case changing && old == statusLost:
		w.Vals["loss_reason_id"], w.Vals["loss_note"] = nil, nil
	}
	if !changing {
		return nil
	}
	if status == statusOpen {
		w.Vals["closed_at"] = nil
	} else if old != status {
		w.Vals["closed_at"] = records.FormatTime(s.now())
	}
	return nil
}

func (s *Service) checkLossReason(ctx context.Context, w *records.Write, id string) error {
	n, _ := strconv.ParseInt(id, 10, 64)
	var active sql.NullBool
	err := w.Q.QueryRowContext(ctx, `SELECT active FROM loss_reasons WHERE workspace_id = ? AND id = ? AND deleted_at IS NULL`,
		w.Actor.WorkspaceID, n).Scan(&active)
	if errors.Is(err, sql.ErrNoRows) {
		return fault.Field("loss_reason_id", "reference", "no loss reason with id %q", id)
	}
	if err != nil {
		return err
	}
	if active.Valid && !active.Bool {
		return fault.Field("loss_reason_id", "inactive", "loss reason %s is no longer in use; pick an active one", id)
	}
	return nil
}

// gate refuses to let a deal into a stage while a field the stage requires
// is empty, naming every such field at once. A stage that requires a field
// the actor's role hides refuses them whatever the deal holds: an answer
// that depended on the hidden value would tell whether it is filled in.
func gate(w *records.Write, st stage, rules map[string]access.FieldRule) error {
	for _, name := range st.required {
		if rules[name] == access.FieldHidden {
			return fault.Field("stage_id", "hidden_requirement",
				"stage %q requires fields that your role does not show; someone who can see them moves the deal there", st.name)
		}
	}
	var c fault.Collector
	for _, name := range st.required {
		if empty(w.Value(name)) {
			c.Add(name, "required_by_stage", "stage %q requires this field to be filled in", st.name)
		}
	}
	if err := c.Err(); err != nil {
		fe := err.(*fault.Error)
		fe.Message = "the deal cannot enter stage " + strconv.Quote(st.name) + " until " + names(fe.Fields) + " filled in"
		return fe
	}
	return nil
}

func names(fields []fault.FieldError) string {
	list := make([]string, len(fields))
	for i, f := range fields {
		list[i] = f.Field
	}
	if len(list) == 1 {
		return list[0] + " is"
	}
	return strings.Join(list, ", ") + " are"
}

// empty reports whether a value counts as not filled in: null, blank text,
// an empty list or object.
func empty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(x) == ""
	}
	r := reflect.ValueOf(v)
	switch r.Kind() {
	case reflect.Slice, reflect.Map:
		return r.Len() == 0
	}
	return false
}

// afterDeal records what the stored deal now means elsewhere: a stay in a
// stage, stock taken or given back, a customer's last purchase.
func (s *Service) afterDeal(ctx context.Context, w *records.Write) error {
	if err := s.moveTotals(ctx, w); err != nil {
		return err
	}
	if err := s.refreshResponse(ctx, w); err != nil {
		return err
	}
	if w.Action == "delete" || w.Action == "restore" {
		deal, _ := strconv.ParseInt(w.ID, 10, 64)
		return SummarizeStays(ctx, w.Q, s.db.Dialect, w.Actor.WorkspaceID, deal)
	}
	if w.Action != "create" && w.Action != "update" {
		return nil
	}
	if w.Action == "create" || w.Rec["stage_id"] != w.Old["stage_id"] {
		if err := s.enterStage(ctx, w); err != nil {
			return err
		}
	} else if w.Changes("source") {
		deal, _ := strconv.ParseInt(w.ID, 10, 64)
		if err := SummarizeStays(ctx, w.Q, s.db.Dialect, w.Actor.WorkspaceID, deal); err != nil {
			return err
		}
	}
	was, _ := w.Old["status"].(string)
	is, _ := w.Rec["status"].(string)
	if was == is {
		return nil
	}
	if was == statusWon {
		if err := s.returnStock(ctx, w); err != nil {
			return err
		}
	}
	if is == statusWon {
		if err := s.takeStock(ctx, w); err != nil {
			return err
		}
		return s.markPurchase(ctx, w)
	}
	return nil
}

// enterStage closes the deal's open stay in a stage and opens the next.
func (s *Service) enterStage(ctx context.Context, w *records.Write) error {
	d := s.db.Dialect
	at, err := time.Parse(time.RFC3339Nano, w.Rec["stage_entered_at"].(string))
	if err != nil {
		return err
	}
	deal, _ := strconv.ParseInt(w.ID, 10, 64)
	pipeline, _ := strconv.ParseInt(w.Rec["pipeline_id"].(string), 10, 64)
	st, _ := strconv.ParseInt(w.Rec["stage_id"].(string), 10, 64)
	var by any
	if w.Actor.UserID != 0 {
		by = w.Actor.UserID
	}
	if _, err := w.Q.ExecContext(ctx, `UPDATE deal_stage_history SET left_at = ?, left_by = ?
		WHERE workspace_id = ? AND deal_id = ? AND left_at IS NULL`, d.Time(at), by, w.Actor.WorkspaceID, deal); err != nil {
		return err
	}
	_, err = w.Q.ExecContext(ctx, `INSERT INTO deal_stage_history (workspace_id, deal_id, pipeline_id, stage_id, entered_at, entered_by)
		VALUES (?, ?, ?, ?, ?, ?)`, w.Actor.WorkspaceID, deal, pipeline, st, d.Time(at), by)
	if err != nil {
		return err
	}
	return SummarizeStays(ctx, w.Q, d, w.Actor.WorkspaceID, deal)
}

// SummarizeStays stores what the reports read of a deal's stays without
// reading each of them: on every stay its length in days once it ended
// and the deal's pipeline while the deal is not deleted (deal_pipeline_id,
// so that the time in stage of a whole pipeline needs no join to deals)
// and its source (deal_source, likewise for the filter by source),
// and on the deal the stages it was ever in (StagesPassed), so that the
// funnel is one pass over the deals of its period. It is called in the
// transaction that writes the stays or deletes or restores the deal;
// whatever else writes stays (an import of history) calls it too.
func SummarizeStays(ctx context.Context, q store.Querier, d store.Dialect, ws, deal int64) error {
	if _, err := q.ExecContext(ctx, `UPDATE deal_stage_history SET days = `+d.Days("left_at", "entered_at")+`
		WHERE workspace_id = ? AND deal_id = ? AND left_at IS NOT NULL AND days IS NULL`, ws, deal); err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `UPDATE deal_stage_history SET deal_pipeline_id = (SELECT CASE WHEN d.deleted_at IS NULL THEN d.pipeline_id END
		FROM deals d WHERE d.workspace_id = ? AND d.id = ?), deal_source = (SELECT d.source FROM deals d WHERE d.workspace_id = ? AND d.id = ?)
		WHERE workspace_id = ? AND deal_id = ?`, ws, deal, ws, deal, ws, deal); err != nil {
		return err
	}
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT stage_id FROM deal_stage_history WHERE workspace_id = ? AND deal_id = ?`, ws, deal)
	if err != nil {
		return err
	}
	var stages []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		stages = append(stages, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	_, err = q.ExecContext(ctx, `UPDATE deals SET stages_passed = ? WHERE workspace_id = ? AND id = ?`, StagesPassed(stages), ws, deal)
	return err
}

// StagesPassed is the stored form of the stages a deal was in: their ids
// in increasing order, joined by commas; nil when there are none. The
// demo loader writes it too.
func StagesPassed(stages []int64) any {
	if len(stages) == 0 {
		return nil
	}
	s := slices.Clone(stages)
	slices.Sort(s)
	s = slices.Compact(s)
	parts := make([]string, len(s))
	for i, id := range s {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}

package sales

import (
	"context"
	"strconv"

	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// A deal's first response is the time of its owner's earliest live
// activity about it from its creation on; the report by employee averages
// it per owner. It is kept on the deal (first_response_at) in the
// transaction of every write that can change it: an activity about a deal
// made, moved, re-timed, given to someone else, deleted or restored, and a
// deal given to another owner or re-dated. Reading it from the deal saves
// the report a seek into the activities per deal.

// activityObjects are the objects stored as activities.
var activityObjects = []string{"task", "note", "call", "meeting"}

// firstResponse is the SQL of the first response of the deals in the
// outer UPDATE.
const firstResponse = `(SELECT min(a.occurred_at) FROM activities a
	WHERE a.workspace_id = deals.workspace_id AND a.owner_id = deals.owner_id AND a.record_type = 'deal'
	AND a.record_id = CAST(deals.id AS TEXT) AND a.occurred_at >= deals.created_at AND a.deleted_at IS NULL)`

// RefreshFirstResponses works out again the first response of workspace
// ws's deals with ids from (exclusive) to (inclusive): one deal after a
// write, or every deal a bulk load wrote past the engine.
func RefreshFirstResponses(ctx context.Context, q store.Querier, ws, from, to int64) error {
	_, err := q.ExecContext(ctx, `UPDATE deals SET first_response_at = `+firstResponse+`
		WHERE workspace_id = ? AND id > ? AND id <= ?`, ws, from, to)
	return err
}

// afterActivity refreshes the first response of the deals an activity
// was and is about, when the write can change it.
func (s *Service) afterActivity(ctx context.Context, w *records.Write) error {
	if w.Action == "update" && !w.Changes("record_type") && !w.Changes("record_id") &&
		!w.Changes("owner_id") && !w.Changes("occurred_at") {
		return nil
	}
	var deals []int64
	for _, r := range []records.Record{w.Old, w.Rec} {
		if r == nil || r["record_type"] != "deal" {
			continue
		}
		id, err := strconv.ParseInt(text(r["record_id"]), 10, 64)
		if err == nil && (len(deals) == 0 || deals[0] != id) {
			deals = append(deals, id)
		}
	}
	for _, id := range deals {
		if err := RefreshFirstResponses(ctx, w.Q, w.Actor.WorkspaceID, id-1, id); err != nil {
			return err
		}
	}
	return nil
}

// refreshResponse refreshes a deal's first response when a write gives
// it another owner or creation time.
func (s *Service) refreshResponse(ctx context.Context, w *records.Write) error {
	if w.Action != "update" || !(w.Changes("owner_id") || w.Changes("created_at")) {
		return nil
	}
	id, err := strconv.ParseInt(w.ID, 10, 64)
	if err != nil {
		return err
	}
	return RefreshFirstResponses(ctx, w.Q, w.Actor.WorkspaceID, id-1, id)
}

func text(v any) string {
	s, _ := v.(string)
	return s
}

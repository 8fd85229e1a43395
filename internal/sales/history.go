package sales

import (
	"context"
	"strconv"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/store"
)

// StageStay is one stay of a deal in a stage. Left is zero while the deal
// is still there.
type StageStay struct {
	StageID   string
	StageName string
	Entered   time.Time
	Left      time.Time
}

// StageHistory returns the latest stays of a deal the actor may read in
// its stages, newest first, at most limit of them. A role that hides a
// deal's stage, or may not read the pipelines, sees no history.
func (s *Service) StageHistory(ctx context.Context, deal string, limit int) ([]StageStay, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.engine.Get(ctx, "deal", deal, false); err != nil {
		return nil, err
	}
	p := s.engine.Policy()
	rules, err := p.Fields(ctx, a, s.engine.Object("deal").Grant())
	if err != nil || rules["stage_id"] == access.FieldHidden {
		return nil, err
	}
	if err := p.Authorize(ctx, a, s.engine.Object("stage").Grant(), access.Read, nil); err != nil {
		if fault.Is(err, fault.EFORBIDDEN) {
			err = nil
		}
		return nil, err
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT h.stage_id, s.name, h.entered_at, h.left_at
		FROM deal_stage_history h LEFT JOIN stages s ON s.workspace_id = h.workspace_id AND s.id = h.stage_id
		WHERE h.workspace_id = ? AND h.deal_id = ? ORDER BY h.entered_at DESC, h.id DESC LIMIT `+strconv.Itoa(max(limit, 1)),
		a.WorkspaceID, deal)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []StageStay
	for rows.Next() {
		var st StageStay
		var id int64
		var name *string
		var entered, left any
		if err := rows.Scan(&id, &name, &entered, &left); err != nil {
			return nil, err
		}
		st.StageID = strconv.FormatInt(id, 10)
		if name != nil {
			st.StageName = *name
		}
		st.Entered, _ = store.ParseTime(entered)
		if left != nil {
			st.Left, _ = store.ParseTime(left)
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

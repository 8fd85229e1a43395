package web

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/locale"
)

// firstPipeline gives a workspace just set up a pipeline of four stages
// and a few reasons to lose a deal, named in the set-up's language, so
// that the board has columns and a deal a place from the first minute.
// They are created through the engine as the new administrator, as if
// they had typed them in the settings.
func (s *Server) firstPipeline(ctx context.Context, admin account.User, p *locale.Printer) error {
	id, err := strconv.ParseInt(admin.ID, 10, 64)
	if err != nil {
		return err
	}
	ctx = access.WithActor(ctx, access.Actor{WorkspaceID: admin.WorkspaceID, UserID: id, Role: admin.Role})
	pipeline, err := s.engine.Create(ctx, "pipelines", map[string]any{"name": p.T("web.board.default.pipeline"), "position": num(1)})
	if err != nil {
		return err
	}
	stages := []struct {
		name              string
		probability, idle int
	}{
		{p.T("web.board.default.lead_in"), 10, 7},
		{p.T("web.board.default.qualified"), 25, 14},
		{p.T("web.board.default.proposal"), 50, 10},
		{p.T("web.board.default.negotiation"), 75, 10},
	}
	for i, st := range stages {
		if _, err := s.engine.Create(ctx, "stages", map[string]any{"pipeline_id": pipeline["id"], "name": st.name,
			"position": num(i + 1), "probability": num(st.probability), "rotting_days": num(st.idle)}); err != nil {
			return err
		}
	}
	for i, reason := range []string{p.T("web.board.default.price"), p.T("web.board.default.competitor"),
		p.T("web.board.default.budget"), p.T("web.board.default.silent")} {
		if _, err := s.engine.Create(ctx, "loss_reasons", map[string]any{"name": reason, "position": num(i + 1), "active": true}); err != nil {
			return err
		}
	}
	return nil
}

// num is a whole number as the engine reads numbers from input.
func num(n int) json.Number { return json.Number(strconv.Itoa(n)) }

package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
)

// moveAnswer is what a move answers: the card as it is now (nil when it
// left the board, won or lost) and the headings of the pipeline's
// columns, redrawn; or the small form that asks for what the move
// lacks; or why it was refused.
type moveAnswer struct {
	frame
	Card    *boardCard
	Heads   []stageHead
	Ask     *moveAsk
	Refusal string
}

// moveAsk is the dialog that asks for the fields a stage requires, or for
// the reason a deal was lost.
type moveAsk struct {
	Deal, Title string
	To          string // the stage's id, "won" or "lost"
	Version     int64
	Fields      []formField
	Asked       []string // the names of the deal's fields the form asks for
}

// moveDeal moves a deal to another stage, or marks it won or lost,
// through the engine at the version the board showed, as PATCH
// /api/v1/deals/{id} does: the stage's gate, the loss reason rule and the
// user's permissions apply unchanged. What the engine refuses for want of
// a field comes back as a form asking for it; anything else as the
// reason, and the card goes back.
func (s *Server) moveDeal(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.sales == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	ctx := r.Context()
	id, to := r.PathValue("id"), r.PostFormValue("to")
	version, err := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if err != nil || version < 1 || to == "" {
		s.refuseMove(w, r, v, http.StatusBadRequest, v.p.T("web.board.refused"))
		return
	}
	fields, err := s.engine.Fields(ctx, "deals")
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	ask := &moveAsk{Deal: id, To: to, Version: version}
	in := moveInput(r, to)
	// The fields a stage's form asked for come back with their values.
	ask.Asked = askable(fieldsByName(fields), r.PostForm["ask"])
	ask.Fields = askFields(v, fields, ask.Asked)
	readForm(ask.Fields, r)
	typed, paths := input(ask.Fields, false, v.location())
	for k, val := range typed {
		in[k] = val
	}
	rec, err := s.engine.Update(ctx, "deals", id, version, in)
	if err != nil {
		s.moveRefused(w, r, v, ask, fields, paths, err)
		return
	}
	s.moved(w, r, v, rec)
}

// moveInput is the change a move makes: the stage, or the status with
// the loss reason and note of a lost deal.
func moveInput(r *http.Request, to string) map[string]any {
	switch to {
	case "won":
		return map[string]any{"status": "won"}
	case "lost":
		in := map[string]any{"status": "lost", "loss_reason_id": nil, "loss_note": nil}
		if reason := r.PostFormValue("loss_reason_id"); reason != "" {
			in["loss_reason_id"] = reason
		}
		if note := strings.TrimSpace(r.PostFormValue("loss_note")); note != "" {
			in["loss_note"] = note
		}
		return in
	}
	return map[string]any{"stage_id": to}
}

// moved answers a move that saved with the card as it is now, unless it
// left the board, and the headings of every column of its pipeline.
func (s *Server) moved(w http.ResponseWriter, r *http.Request, v *visit, rec records.Record) {
	ctx := r.Context()
	f := boardFilter{Text: strings.TrimSpace(r.PostFormValue("q"))}
	if r.PostFormValue("owner") == "mine" {
		f.Owner = "mine"
	}
	b, err := s.sales.BoardOf(ctx, str(rec["pipeline_id"]), withTotalsOnly(f.query(v)))
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data := &moveAnswer{}
	for _, st := range b.Stages {
		data.Heads = append(data.Heads, headOf(v, st))
		if str(rec["status"]) == "open" && str(st.Stage["id"]) == str(rec["stage_id"]) {
			facts, err := s.cards(r, v, []records.Record{rec})
			if err != nil {
				s.fail(w, r, v, err)
				return
			}
			card := facts.card(v, rec, st.Stage)
			data.Card = &card
		}
	}
	s.fragment(w, r, v, "board", "moved", data)
}

// moveRefused answers a move the engine refused: with a form when all it
// lacks is fields the form can ask for, else with the reason.
func (s *Server) moveRefused(w http.ResponseWriter, r *http.Request, v *visit, ask *moveAsk, fields []*records.Field,
	paths map[string]string, err error) {
	var fe *fault.Error
	switch {
	case errors.As(err, &fe) && fe.Code == fault.EINVALID:
		if s.ask(r, v, ask, fields, fe) {
			ask.Fields = s.askFieldsKeeping(v, fields, ask, r)
			showAskErrors(v, r, ask, paths, fe)
			s.write(w, r, v, http.StatusUnprocessableEntity, "board", "ask", &moveAnswer{Ask: ask})
			return
		}
		var reasons []string
		for _, e := range fe.Fields {
			reasons = append(reasons, fieldLabel(v.p, e.Field)+": "+v.p.FieldError(e))
		}
		if len(reasons) == 0 {
			reasons = append(reasons, v.p.T("web.board.refused"))
		}
		s.refuseMove(w, r, v, http.StatusUnprocessableEntity, strings.Join(reasons, " "))
	case fault.Is(err, fault.ECONFLICT):
		s.refuseMove(w, r, v, http.StatusConflict, v.p.T("web.board.conflict"))
	case fault.Is(err, fault.ENOTFOUND), fault.Is(err, fault.EFORBIDDEN):
		s.refuseMove(w, r, v, http.StatusForbidden, v.p.T("web.board.forbidden"))
	default:
		s.logger(r).Error("board move not saved", "deal", ask.Deal, "err", err)
		s.refuseMove(w, r, v, http.StatusInternalServerError, v.p.T("web.board.refused"))
	}
}

// ask fills the dialog for a refusal that names only fields the dialog
// can ask for: the loss reason and note of a lost deal, or the deal's
// fields a stage requires that a form edits. It reports whether it can.
func (s *Server) ask(r *http.Request, v *visit, ask *moveAsk, fields []*records.Field, fe *fault.Error) bool {
	if len(fe.Fields) == 0 {
		return false
	}
	byName := fieldsByName(fields)
	var names []string
	for _, e := range fe.Fields {
		name, _, _ := strings.Cut(e.Field, "[")
		switch {
		case ask.To == "lost" && (name == "loss_reason_id" || name == "loss_note"):
		case len(askable(byName, []string{name})) == 1:
			if !slices.Contains(names, name) {
				names = append(names, name)
			}
		default:
			return false
		}
	}
	for _, name := range ask.Asked {
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	ask.Asked = names
	deal, err := s.engine.Get(r.Context(), "deals", ask.Deal, false)
	if err != nil {
		return false
	}
	name := str(deal["title"])
	switch ask.To {
	case "lost":
		ask.Title = v.p.T("web.board.lost_title", "deal", name)
	default:
		stage, err := s.engine.Get(r.Context(), "stages", ask.To, false)
		if err != nil {
			return false
		}
		ask.Title = v.p.T("web.board.gate_title", "deal", name, "stage", str(stage["name"]))
	}
	return true
}

// askable keeps the names of deal fields that a form edits.
func askable(fields map[string]*records.Field, names []string) []string {
	var out []string
	for _, name := range names {
		f := fields[name]
		if f == nil || f.ReadOnly || len(f.DerivedFrom) > 0 || slices.Contains(out, name) {
			continue
		}
		if _, ok := kinds[f.Type]; ok && name != "loss_reason_id" && name != "loss_note" {
			out = append(out, name)
		}
	}
	return out
}

// askFields are the inputs of the named deal fields, in the order of the
// deal's page.
func askFields(v *visit, fields []*records.Field, names []string) []formField {
	var picked []*records.Field
	var standard []string
	for _, f := range fields {
		if slices.Contains(names, f.Name) {
			picked = append(picked, f)
			if !f.Custom {
				standard = append(standard, f.Name)
			}
		}
	}
	return formFields(v.p, &objectView{groups: []fieldGroupView{{fields: standard}}}, picked)
}

// askFieldsKeeping are the dialog's inputs: the lost deal's reason and
// note, or the fields the stage asks for, with what was typed.
func (s *Server) askFieldsKeeping(v *visit, fields []*records.Field, ask *moveAsk, r *http.Request) []formField {
	out := askFields(v, fields, ask.Asked)
	if ask.To == "lost" {
		byName := fieldsByName(fields)
		reason := formField{Label: v.p.T("web.board.loss_reason"), Kind: "select", Required: true,
			field: &records.Field{Name: "loss_reason_id", Type: records.Relation}}
		reason.Options = s.lossReasons(r)
		out = append(out, reason)
		if f := byName["loss_note"]; f != nil && !f.ReadOnly {
			out = append(out, formField{Label: v.p.T("web.board.loss_note"), Kind: "textarea", field: f})
		}
	}
	readForm(out, r)
	return out
}

// showAskErrors puts the engine's errors beside the dialog's inputs; a
// field the move did not send yet is a question, not a mistake, so its
// error is left out.
func showAskErrors(v *visit, r *http.Request, ask *moveAsk, paths map[string]string, fe *fault.Error) {
	for _, e := range fe.Fields {
		path := inputPath(e.Field, paths)
		name, _, _ := strings.Cut(path, "[")
		if _, sent := r.PostForm[name]; !sent {
			continue
		}
		placeError(ask.Fields, path, v.p.FieldError(e))
	}
}

// lossReasons are the workspace's active loss reasons, in their order.
// None to choose from leaves the select empty, and the engine's refusal
// says why.
func (s *Server) lossReasons(r *http.Request) []formOption {
	page, err := s.engine.List(r.Context(), "loss_reasons", records.Query{Sort: []string{"position"}, Limit: 100,
		Filter: &records.Filter{Field: "active", Op: records.Eq, Value: true}})
	if err != nil {
		s.logger(r).Error("loss reasons", "err", err)
		return nil
	}
	out := make([]formOption, 0, len(page.Data))
	for _, rec := range page.Data {
		out = append(out, formOption{Value: str(rec["id"]), Label: str(rec["name"])})
	}
	return out
}

// refuseMove answers with why a move did not save, which the board shows
// while the card goes back.
func (s *Server) refuseMove(w http.ResponseWriter, r *http.Request, v *visit, status int, reason string) {
	s.write(w, r, v, status, "board", "refusal", &moveAnswer{Refusal: reason})
}

// withTotalsOnly is q for the headings alone.
func withTotalsOnly(q sales.BoardQuery) sales.BoardQuery {
	q.TotalsOnly = true
	return q
}

// Action is where the dialog's form posts.
func (a *moveAsk) Action() string { return "/board/deals/" + url.PathEscape(a.Deal) + "/move" }

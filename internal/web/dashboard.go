package web

import (
	"net/http"
	"slices"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/locale"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
)

// dashboardPage is where the sales stand: each pipeline's open deals by
// stage, the deals won and lost this month, and the tasks done, for the
// user, their team or the workspace, as far as the user may see.
type dashboardPage struct {
	frame
	Scopes    []choice
	Pipelines []dashPipeline
	Won, Lost outcomeView
	TasksDone string
	// goals: begin
	Goals    []goalView
	KPIs     []kpiTile
	Channels []channelRow
	// goals: end
}

// dashPipeline is one pipeline's chart: a bar per stage.
type dashPipeline struct {
	ID, Name string
	Stages   []dashStage
}

// dashStage is a stage's row of the chart. SumWidth and WeightedWidth are
// the bars' lengths in percent of the pipeline's largest sum; the table
// beside them holds the numbers.
type dashStage struct {
	Name                    string
	Count                   int
	Sum, Weighted           string // "" when the role hides the deals' value
	SumWidth, WeightedWidth int64
}

// outcomeView is a count of deals and their value.
type outcomeView struct {
	Count int
	Sum   string
}

// maxDoneCounted caps the count of tasks done: past it the page says
// "500+" rather than count every row.
const maxDoneCounted = records.MaxLimit

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.sales == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	ctx := r.Context()
	owners, scopes, err := s.dashboardScope(r, v)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data := &dashboardPage{frame: frame{Nav: "dashboard"}, Scopes: scopes}
	pipelines, err := s.engine.List(ctx, "pipelines", records.Query{Sort: []string{"position"}, Limit: 20})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	for _, p := range pipelines.Data {
		b, err := s.sales.BoardOf(ctx, str(p["id"]), sales.BoardQuery{Owners: owners, TotalsOnly: true})
		if err != nil {
			s.fail(w, r, v, err)
			return
		}
		data.Pipelines = append(data.Pipelines, chartOf(v, b))
	}
	y, m, _ := time.Now().In(v.location()).Date()
	month := time.Date(y, m, 1, 0, 0, 0, 0, v.location())
	won, lost, err := s.sales.Outcomes(ctx, month, owners)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data.Won, data.Lost = outcomeOf(v, won), outcomeOf(v, lost)
	if data.TasksDone, err = s.tasksDone(r, v, month, owners); err != nil {
		s.fail(w, r, v, err)
		return
	}
	// goals: begin
	if err := s.dashboardGoals(r, v, data, month, owners); err != nil {
		s.fail(w, r, v, err)
		return
	}
	// goals: end
	s.render(w, r, v, http.StatusOK, "dashboard", data)
}

// dashboardScope reads the scope the user chose among those their role
// allows: their own deals always, their team's when they are in one, the
// workspace's when their role reads every deal. owners are the users the
// figures cover, none for the whole workspace.
func (s *Server) dashboardScope(r *http.Request, v *visit) ([]string, []choice, error) {
	ctx := r.Context()
	actor, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, nil, err
	}
	rs, err := s.engine.Policy().Restrict(ctx, actor, "deal")
	if err != nil {
		return nil, nil, err
	}
	allowed := []string{"mine"}
	if v.user.TeamID != nil {
		allowed = append(allowed, "team")
	}
	if len(rs) == 0 {
		allowed = append(allowed, "all")
	}
	scope := r.URL.Query().Get("scope")
	if !slices.Contains(allowed, scope) {
		scope = allowed[len(allowed)-1]
	}
	labels := map[string]string{"mine": v.p.T("web.dashboard.scope_mine"), "team": v.p.T("web.dashboard.scope_team"),
		"all": v.p.T("web.dashboard.scope_all")}
	var scopes []choice
	for _, a := range allowed {
		scopes = append(scopes, choice{Value: a, Label: labels[a], Current: a == scope})
	}
	var owners []string
	switch scope {
	case "mine":
		owners = []string{v.user.ID}
	case "team":
		users, err := s.accounts.ListUsers(ctx, account.UserFilter{TeamID: *v.user.TeamID})
		if err != nil {
			return nil, nil, err
		}
		for _, u := range users {
			owners = append(owners, u.ID)
		}
	}
	return owners, scopes, nil
}

// chartOf is a pipeline's chart, its bars scaled to its largest sum.
func chartOf(v *visit, b sales.Board) dashPipeline {
	out := dashPipeline{ID: str(b.Pipeline["id"]), Name: str(b.Pipeline["name"])}
	var max int64
	for _, st := range b.Stages {
		if st.Total != nil && st.Total.Amount > max {
			max = st.Total.Amount
		}
	}
	for _, st := range b.Stages {
		h := headOf(v, st)
		row := dashStage{Name: h.Name, Count: h.Count, Sum: h.Sum, Weighted: h.Weighted}
		if st.Total != nil && max > 0 {
			prob, _ := records.Int(st.Stage["probability"])
			row.SumWidth = st.Total.Amount * 100 / max
			row.WeightedWidth = st.Total.Amount * prob / max
		}
		out.Stages = append(out.Stages, row)
	}
	return out
}

func outcomeOf(v *visit, o sales.Outcome) outcomeView {
	out := outcomeView{Count: int(o.Count)}
	if o.Total != nil {
		out.Sum = v.p.Money(locale.Decimal(o.Total.Amount, o.Total.Currency), o.Total.Currency)
	}
	return out
}

// tasksDone counts the tasks done since since, through the engine, up to
// maxDoneCounted.
func (s *Server) tasksDone(r *http.Request, v *visit, since time.Time, owners []string) (string, error) {
	conds := []records.Filter{
		{Field: "done", Op: records.Eq, Value: true},
		{Field: "done_at", Op: records.Gte, Value: records.FormatTime(since)},
	}
	if len(owners) > 0 {
		ids := make([]any, len(owners))
		for i, o := range owners {
			ids[i] = o
		}
		conds = append(conds, records.Filter{Field: "owner_id", Op: records.In, Value: ids})
	}
	page, err := s.engine.List(r.Context(), "tasks", records.Query{Limit: 1, Bare: true, Count: true, CountLimit: maxDoneCounted,
		Filter: &records.Filter{And: conds}})
	if err != nil {
		return "", err
	}
	var done int64 // no count: the user's scope admits no task
	if page.Total != nil {
		done = *page.Total
	}
	if done > maxDoneCounted {
		return v.p.T("web.dashboard.at_least", "count", maxDoneCounted), nil
	}
	return v.p.Number(float64(done), 0), nil
}

package web

import (
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/currency"

	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/goals"
	"github.com/rapport-crm/rapport/internal/locale"
)

// goalsPage lists the goals the user may see with their progress, and,
// for administrators and team managers, a form to set one
// (docs/decisions/0032-goals-and-digest.md).
type goalsPage struct {
	frame
	settingsForm
	Period  string
	Periods []choice
	Goals   []goalView
	// Form is nil for a user who sets no goal.
	Form *goalForm
}

// goalForm is the new goal's form: what to measure, for whom, when.
type goalForm struct {
	Metrics, Subjects []formOption
	Currency, Period  string
}

// goalView is one goal with its progress, as the goals page, the
// dashboard and My day show it.
type goalView struct {
	ID, Title, For, Period string
	Target, Done, Gap      string
	PerDay                 string // "" once the target is reached
	Percent                int
	Meter                  int // Percent capped at 100, for the bar
	DaysLeft               int
	Reached, Hidden        bool
	Unconverted            string
	Editable               bool
}

func (s *Server) goalsService() *goals.Service {
	if s.db == nil {
		return nil
	}
	return goals.New(s.db, s.engine, s.sales)
}

func (s *Server) goalsList(w http.ResponseWriter, r *http.Request, v *visit) {
	s.showGoals(w, r, v, http.StatusOK, &goalsPage{})
}

func (s *Server) showGoals(w http.ResponseWriter, r *http.Request, v *visit, status int, data *goalsPage) {
	svc := s.goalsService()
	if svc == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	ctx := r.Context()
	now := time.Now().In(v.location())
	data.frame = frame{Nav: "goals"}
	data.Period = r.URL.Query().Get("period")
	if _, _, err := goals.Bounds(data.Period); err != nil {
		data.Period = goals.Month(now)
	}
	for _, p := range []string{goals.Month(now), goals.Month(now.AddDate(0, 1, 0)), goals.Quarter(now), goals.Quarter(now.AddDate(0, 3, 0)),
		goals.Month(now.AddDate(0, -1, 0)), goals.Quarter(now.AddDate(0, -3, 0))} {
		data.Periods = append(data.Periods, choice{Value: p, Label: periodLabel(v, p), Current: p == data.Period})
	}
	list, err := svc.List(ctx, data.Period)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	if data.Goals, err = s.goalViews(r, v, svc, list); err != nil {
		s.fail(w, r, v, err)
		return
	}
	sets, err := svc.Sets(ctx)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	if sets {
		if data.Form, err = s.goalForm(r, v, data.Period); err != nil {
			s.fail(w, r, v, err)
			return
		}
	}
	s.render(w, r, v, status, "goals", data)
}

// goalForm offers every metric and every subject; the service refuses a
// subject the user may not set, and the page says so beside the input.
func (s *Server) goalForm(r *http.Request, v *visit, period string) (*goalForm, error) {
	f := &goalForm{Period: period, Currency: "EUR"}
	if s.sales != nil {
		st, err := s.sales.Settings(r.Context())
		if err != nil {
			return nil, err
		}
		f.Currency = st.BaseCurrency
	}
	for _, m := range goals.Metrics {
		f.Metrics = append(f.Metrics, formOption{Value: m, Label: metricLabel(v, m)})
	}
	f.Subjects = append(f.Subjects, formOption{Value: goals.Company, Label: v.p.T("web.goals.company")})
	teams, err := s.accounts.ListTeams(r.Context())
	if err != nil {
		return nil, err
	}
	for _, t := range teams {
		f.Subjects = append(f.Subjects, formOption{Value: "team:" + t.ID, Label: v.p.T("web.goals.team", "name", t.Name)})
	}
	users, err := s.accounts.ListUsers(r.Context(), account.UserFilter{})
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		f.Subjects = append(f.Subjects, formOption{Value: "user:" + u.ID, Label: u.Name})
	}
	return f, nil
}

// goalViews measures the goals and words them for the page.
func (s *Server) goalViews(r *http.Request, v *visit, svc *goals.Service, list []goals.Goal) ([]goalView, error) {
	if len(list) == 0 {
		return nil, nil
	}
	progress, err := svc.ProgressOf(r.Context(), list, time.Now().In(v.location()))
	if err != nil {
		return nil, err
	}
	names, err := s.subjectNames(r, v)
	if err != nil {
		return nil, err
	}
	out := make([]goalView, 0, len(progress))
	for _, p := range progress {
		g := p.Goal
		gv := goalView{ID: g.ID, Title: metricLabel(v, g.Metric), Period: periodLabel(v, g.Period),
			DaysLeft: p.DaysLeft, Editable: g.Editable, Unconverted: strings.Join(p.Unconverted, ", ")}
		gv.For = names[g.Subject+":"+g.SubjectID]
		if g.Subject == goals.Company {
			gv.For = v.p.T("web.goals.company")
		}
		amount := func(n int64) string {
			if g.Metric == goals.WonValue {
				return v.p.Money(locale.Decimal(n, g.Currency), g.Currency)
			}
			return v.p.Number(float64(n), 0)
		}
		gv.Target = amount(g.Target)
		if p.Done == nil {
			gv.Hidden = true
		} else {
			gv.Done, gv.Gap, gv.Percent = amount(*p.Done), amount(*p.Gap), p.Percent
			gv.Meter, gv.Reached = min(p.Percent, 100), *p.Gap == 0
			if !gv.Reached {
				gv.PerDay = amount(*p.PerDay)
			}
		}
		out = append(out, gv)
	}
	return out, nil
}

// subjectNames names users ("user:<id>") and teams ("team:<id>").
func (s *Server) subjectNames(r *http.Request, v *visit) (map[string]string, error) {
	names := map[string]string{}
	teams, err := s.accounts.ListTeams(r.Context())
	if err != nil {
		return nil, err
	}
	for _, t := range teams {
		names["team:"+t.ID] = v.p.T("web.goals.team", "name", t.Name)
	}
	users, err := s.accounts.ListUsers(r.Context(), account.UserFilter{})
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		names["user:"+u.ID] = u.Name
	}
	return names, nil
}

// metricLabel names a goal's measure.
func metricLabel(v *visit, metric string) string {
	switch metric {
	case goals.WonValue:
		return v.p.T("web.goals.metric.won_value")
	case goals.WonCount:
		return v.p.T("web.goals.metric.won_count")
	case goals.NewDeals:
		return v.p.T("web.goals.metric.new_deals")
	case goals.Calls:
		return v.p.T("web.goals.metric.calls")
	case goals.TasksDone:
		return v.p.T("web.goals.metric.tasks_done")
	}
	return metric
}

// periodLabel words a period: "December 2026", "Q4 2026".
func periodLabel(v *visit, period string) string {
	from, _, err := goals.Bounds(period)
	if err != nil {
		return period
	}
	year := strconv.Itoa(from.Year())
	if strings.Contains(period, "Q") {
		return v.p.T("web.goals.quarter", "n", (int(from.Month())+2)/3, "year", year)
	}
	months := strings.Split(v.p.T("web.goals.months"), ",")
	if len(months) != 12 {
		return period
	}
	return v.p.T("web.goals.month", "month", strings.TrimSpace(months[from.Month()-1]), "year", year)
}

// goalsCreate sets a goal through the goals service, as the API does.
func (s *Server) goalsCreate(w http.ResponseWriter, r *http.Request, v *visit) {
	svc := s.goalsService()
	if svc == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	in := goals.Input{}
	metric, period := strings.TrimSpace(r.PostFormValue("metric")), strings.TrimSpace(r.PostFormValue("period"))
	in.Metric, in.Period = &metric, &period
	subject, id, _ := strings.Cut(r.PostFormValue("for"), ":")
	in.Subject, in.SubjectID = &subject, &id
	cur := strings.ToUpper(strings.TrimSpace(r.PostFormValue("currency")))
	if metric == goals.WonValue {
		in.Currency = &cur
	}
	// A target that is no number goes to the service as 0, which it
	// refuses with every other field at fault.
	target, _ := targetOf(r.PostFormValue("target"), metric, cur)
	in.Target = &target
	_, err := svc.Create(r.Context(), in)
	if err != nil {
		data := &goalsPage{}
		if !data.refuse(v, r, "add", err, v.p.T("web.settings.changed")) {
			// A manager who chose a subject not theirs is told beside the
			// choice; anyone else may set no goal at all.
			sets, serr := svc.Sets(r.Context())
			if !fault.Is(err, fault.EFORBIDDEN) || serr != nil || !sets {
				s.fail(w, r, v, err)
				return
			}
			data.Failed, data.typed = "add", r.PostForm
			data.Errors = map[string]string{"add.for": v.p.T("web.goals.not_yours")}
		}
		// Errors on the subject show beside the one input that chose it.
		for _, k := range []string{"add.subject", "add.subject_id"} {
			if msg, ok := data.Errors[k]; ok {
				data.Errors["add.for"] = msg
			}
		}
		s.showGoals(w, r, v, http.StatusBadRequest, data)
		return
	}
	http.Redirect(w, r, "/goals?period="+period, http.StatusSeeOther)
}

// targetOf reads a target: a whole count, or an amount in the currency's
// units (a decimal comma read as a point) turned into minor units.
func targetOf(s, metric, code string) (int64, bool) {
	s = strings.Replace(strings.TrimSpace(s), ",", ".", 1)
	r, ok := new(big.Rat).SetString(s)
	if !ok || r.Sign() <= 0 || len(s) > 20 {
		return 0, false
	}
	if metric == goals.WonValue {
		digits := 2
		if u, err := currency.ParseISO(code); err == nil {
			digits, _ = currency.Standard.Rounding(u)
		}
		r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(digits)), nil)))
	}
	if !r.IsInt() || !r.Num().IsInt64() {
		return 0, false
	}
	return r.Num().Int64(), true
}

// goalsDelete deletes a goal the user may set.
func (s *Server) goalsDelete(w http.ResponseWriter, r *http.Request, v *visit) {
	svc := s.goalsService()
	if svc == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	if err := svc.Delete(r.Context(), r.PathValue("id")); err != nil {
		s.fail(w, r, v, err)
		return
	}
	back := "/goals"
	if p := r.PostFormValue("period"); p != "" {
		if _, _, err := goals.Bounds(p); err == nil {
			back += "?period=" + p
		}
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// currentGoals are the goals of the running month and quarter that the
// user may see, with their progress: the dashboard's and My day's block.
// mine narrows them to the user's own and their team's.
func (s *Server) currentGoals(r *http.Request, v *visit, mine bool) ([]goalView, error) {
	svc := s.goalsService()
	if svc == nil {
		return nil, nil
	}
	now := time.Now().In(v.location())
	var list []goals.Goal
	for _, p := range []string{goals.Month(now), goals.Quarter(now)} {
		gs, err := svc.List(r.Context(), p)
		if err != nil {
			return nil, err
		}
		for _, g := range gs {
			if !mine || g.Subject == goals.User && g.SubjectID == v.user.ID ||
				g.Subject == goals.Team && v.user.TeamID != nil && g.SubjectID == *v.user.TeamID {
				list = append(list, g)
			}
		}
	}
	if len(list) > maxShownGoals {
		list = list[:maxShownGoals]
	}
	return s.goalViews(r, v, svc, list)
}

// maxShownGoals bounds the goals the dashboard and My day show; the goals
// page has them all.
const maxShownGoals = 12

// exampleGoals are the goals the page declarations show.
func exampleGoals(p *locale.Printer) []goalView {
	return []goalView{
		{ID: "1", Title: p.T("web.goals.metric.won_value"), For: "Team <b>North", Period: "December 2026", Target: p.Money("30000.00", "EUR"),
			Done: p.Money("12000.00", "EUR"), Gap: p.Money("18000.00", "EUR"), PerDay: p.Money("1200.00", "EUR"), Percent: 40, Meter: 40,
			DaysLeft: 15, Editable: true, Unconverted: "USD"},
		{ID: "2", Title: p.T("web.goals.metric.calls"), For: "Ada <b>Lovelace", Period: "Q4 2026", Target: "40", Done: "44", Gap: "0",
			Percent: 110, Meter: 100, Reached: true},
		{ID: "3", Title: p.T("web.goals.metric.won_value"), For: "Ada", Period: "Q4 2026", Target: p.Money("100.00", "EUR"), Hidden: true},
	}
}

package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/goals"
	"github.com/rapport-crm/rapport/internal/sales"
)

// kpiTile is one indicator of the dashboard: its name and its value, "—"
// when there is nothing to measure yet or its figure is not wired.
type kpiTile struct {
	ID, Label, Value string
}

// channelRow is one source's acquisition cost.
type channelRow struct {
	Source, Spend, Cost string
	New                 int64
}

// dashboardGoals fills the dashboard's goals and indicators: the goals of
// the running month and quarter the user may see, and the month's
// indicators in the scope the dashboard shows.
func (s *Server) dashboardGoals(r *http.Request, v *visit, data *dashboardPage, month time.Time, owners []string) error {
	svc := s.goalsService()
	if svc == nil {
		return nil
	}
	var err error
	if data.Goals, err = s.currentGoals(r, v, false); err != nil {
		return err
	}
	k, err := svc.KPIsOf(r.Context(), month, month.AddDate(0, 1, 0), owners, time.Now().In(v.location()))
	if err != nil {
		return err
	}
	if err := s.dashboardFigures(r, &k, owners); err != nil {
		return err
	}
	data.KPIs, data.Channels = kpiTiles(v, k), channelRows(v, k)
	return nil
}

// kpiTiles words the indicators; one with nothing to measure, or hidden
// from the viewer, is "—".
func kpiTiles(v *visit, k goals.KPIs) []kpiTile {
	dash := "—"
	percent := func(f *float64) string {
		if f == nil {
			return dash
		}
		return v.p.Number(*f*100, 1) + " %"
	}
	money := func(m *sales.Money) string {
		if m == nil {
			return dash
		}
		return v.p.Money(decimal(m.Amount, m.Currency), m.Currency)
	}
	cycle := dash
	if k.CycleDays != nil {
		cycle = v.p.N("web.goals.kpi.days", int(*k.CycleDays+0.5))
	}
	return []kpiTile{
		{ID: "close_rate", Label: v.p.T("web.goals.kpi.close_rate"), Value: percent(k.CloseRate)},
		{ID: "average_deal", Label: v.p.T("web.goals.kpi.average_deal"), Value: money(k.AverageDeal)},
		{ID: "cycle", Label: v.p.T("web.goals.kpi.cycle"), Value: cycle},
		{ID: "lifetime_value", Label: v.p.T("web.goals.kpi.lifetime_value"), Value: money(k.LifetimeValue)},
		{ID: "upsell_rate", Label: v.p.T("web.goals.kpi.upsell_rate"), Value: percent(k.UpsellRate)},
		// churn: begin (slot: the churn rate, computed elsewhere)
		{ID: "churn_rate", Label: v.p.T("web.goals.kpi.churn_rate"), Value: percent(k.ChurnRate)},
		// churn: end
		// ltv: begin (slot: the predicted lifetime value, computed elsewhere)
		{ID: "predicted_ltv", Label: v.p.T("web.goals.kpi.predicted_ltv"), Value: money(k.PredictedLTV)},
		// ltv: end
	}
}

// kpis: begin
// dashboardFigures adds the predicted lifetime value to the indicators,
// in the dashboard's scope (owners, within what the viewer may read): the
// value service's definition, in one aggregate (docs/ARCHITECTURE.md,
// "Dashboard KPIs").
func (s *Server) dashboardFigures(r *http.Request, k *goals.KPIs, owners []string) error {
	ids := make([]int64, 0, len(owners))
	for _, o := range owners {
		n, err := strconv.ParseInt(o, 10, 64)
		if err != nil {
			return fault.Field("owner_id", "type", "must be a user id")
		}
		ids = append(ids, n)
	}
	// The churn rate stays "—" here: scores.ChurnRateFor reads every
	// customer's deals and activities, about 3 s at a million contacts,
	// too slow for a page; the figure is to be kept by the scores'
	// nightly training and read here.
	var err error
	if s.value != nil {
		if k.PredictedLTV, err = s.value.PredictedMean(r.Context(), "contact", ids); err != nil {
			return err
		}
	}
	return nil
}

// kpis: end

func channelRows(v *visit, k goals.KPIs) []channelRow {
	var out []channelRow
	for _, c := range k.Channels {
		row := channelRow{Source: v.option("source", c.Source), New: c.NewCustomers,
			Spend: v.p.Money(decimal(c.Spend.Amount, c.Spend.Currency), c.Spend.Currency), Cost: "—"}
		if c.Cost != nil {
			row.Cost = v.p.Money(decimal(c.Cost.Amount, c.Cost.Currency), c.Cost.Currency)
		}
		out = append(out, row)
	}
	return out
}

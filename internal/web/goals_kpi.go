package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/goals"
	"github.com/rapport-crm/rapport/internal/locale"
	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/scores"
)

// kpiTile is one indicator of the dashboard: its name and its value, "—"
// when there is nothing to measure yet or its figure is not wired, and a
// note on the figure ("" for none): when a kept one was counted, or why
// there is none.
type kpiTile struct {
	ID, Label, Value, Note string
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
	churnNote, err := s.dashboardFigures(r, v, &k, owners)
	if err != nil {
		return err
	}
	data.KPIs, data.Channels = noteOn(kpiTiles(v, k), "churn_rate", churnNote), channelRows(v, k)
	return nil
}

// noteOn gives the tile id of tiles its note.
func noteOn(tiles []kpiTile, id, note string) []kpiTile {
	for i := range tiles {
		if tiles[i].ID == id {
			tiles[i].Note = note
		}
	}
	return tiles
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
		return v.p.Money(locale.Decimal(m.Amount, m.Currency), m.Currency)
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
// dashboardFigures adds the churn rate and the predicted lifetime value to
// the indicators, in the dashboard's scope (owners, within what the viewer
// may read), and returns the churn rate's note. The churn rate is the one
// the scores' training keeps per owner (a few rows summed, however many
// customers), as of its last run; the predicted value is the value
// service's, in one aggregate (docs/ARCHITECTURE.md, "Scores").
func (s *Server) dashboardFigures(r *http.Request, v *visit, k *goals.KPIs, owners []string) (string, error) {
	ids := make([]int64, 0, len(owners))
	for _, o := range owners {
		n, err := strconv.ParseInt(o, 10, 64)
		if err != nil {
			return "", fault.Field("owner_id", "type", "must be a user id")
		}
		ids = append(ids, n)
	}
	var note string
	if s.scores != nil {
		f, err := s.scores.KeptChurnRate(r.Context(), ids)
		if err != nil {
			return "", err
		}
		switch {
		case f == nil: // the role hides it: no word about it either
		case f.AsOf.IsZero():
			note = v.p.T("web.goals.kpi.churn_pending")
		case f.Rate == nil:
			note = v.p.N("web.goals.kpi.churn_too_little", int(scores.ChurnWindow/(24*time.Hour)))
		default:
			k.ChurnRate, note = f.Rate, v.p.T("web.goals.kpi.as_of", "date", v.p.Date(f.AsOf, v.location()))
		}
	}
	if s.value != nil {
		var err error
		if k.PredictedLTV, err = s.value.PredictedMean(r.Context(), "contact", ids); err != nil {
			return "", err
		}
	}
	return note, nil
}

// kpis: end

func channelRows(v *visit, k goals.KPIs) []channelRow {
	var out []channelRow
	for _, c := range k.Channels {
		row := channelRow{Source: v.option("source", c.Source), New: c.NewCustomers,
			Spend: v.p.Money(locale.Decimal(c.Spend.Amount, c.Spend.Currency), c.Spend.Currency), Cost: "—"}
		if c.Cost != nil {
			row.Cost = v.p.Money(locale.Decimal(c.Cost.Amount, c.Cost.Currency), c.Cost.Currency)
		}
		out = append(out, row)
	}
	return out
}

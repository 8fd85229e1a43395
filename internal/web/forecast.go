package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/locale"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
)

// forecastPage is the forecast: the open deals weighted by their chance,
// by expected close month and forecast category, as a table and stacked
// bars; and the won revenue by month with its forecast and the 80% and 95%
// intervals as a line and bands. Filters narrow it to a pipeline, a user
// or a team; every figure covers only the deals the user may read.
type forecastPage struct {
	frame
	Pipelines, Users, Teams, Horizons []choice
	Problem                           string // why the filters were refused
	Categories                        []choice
	Rows                              []forecastRow
	Total                             forecastRow
	Bars                              []forecastBar
	Ticks                             []forecastTick // month labels under the bars
	Undated                           int
	Unconverted                       string
	ValueHidden                       bool
	Revenue                           *revenueChart
	TooShort                          bool
	MinHistory                        int
}

// forecastRow is a month of the table: a cell per category.
type forecastRow struct {
	Month string
	Cells []forecastCellView
	Sum   string // weighted, every category but omitted
}

// forecastCellView is a category's weighted value and count in a month.
type forecastCellView struct {
	Count    int
	Weighted string
	Value    string
}

// forecastBar is one rectangle of the stacked bars, in the chart's
// 600 × 200 coordinates.
type forecastBar struct {
	X, Y, W, H float64
	Class      string
	Label      string
}

// forecastTick is a label under a bar.
type forecastTick struct {
	X     float64
	Label string
}

// revenueChart is the revenue line chart in 600 × 220 coordinates: the
// history, the forecast, its bands, and the table under it.
type revenueChart struct {
	History, Forecast string // polyline points
	Band80, Band95    string // polygon points
	Max               string // the top of the y axis
	First, Split      string // the first month shown, the first forecast month
	SplitX            float64
	Model             string
	Points            []revenueRow
}

// revenueRow is a forecast month of the revenue table.
type revenueRow struct {
	Month, Mean, Range80, Range95 string
}

// forecastHorizons are the horizons the filter offers.
var forecastHorizons = []int{3, 6, 12, 18, 24}

func (s *Server) forecast(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.sales == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	ctx := r.Context()
	q := r.URL.Query()
	fq := sales.ForecastQuery{Pipeline: q.Get("pipeline"), User: q.Get("user"), Team: q.Get("team")}
	data := &forecastPage{frame: frame{Nav: "reports"}, MinHistory: sales.MinHistory}
	status := http.StatusOK
	if h := q.Get("horizon"); h != "" {
		n, err := strconv.Atoi(h)
		if err != nil {
			n = -1
		}
		fq.Horizon = n
	}
	if err := s.forecastFilters(r, v, data, fq); err != nil {
		s.fail(w, r, v, err)
		return
	}
	fc, err := s.sales.Forecast(ctx, fq)
	var fe *fault.Error
	switch {
	case errors.As(err, &fe) && fe.Code == fault.EINVALID && len(fe.Fields) > 0:
		status = http.StatusBadRequest
		data.Problem = forecastProblem(v.p, fe.Fields[0])
	case err != nil:
		s.fail(w, r, v, err)
		return
	default:
		forecastView(v, data, fc)
	}
	s.render(w, r, v, status, "forecast_report", data)
}

// forecastProblem names the filter at fault and what is wrong with it.
func forecastProblem(p *locale.Printer, f fault.FieldError) string {
	switch f.Field {
	case "horizon":
		return p.T("web.forecast.bad_horizon", "max", sales.MaxHorizon)
	case "pipeline":
		return p.T("web.forecast.bad_pipeline")
	case "user", "owner_id":
		return p.T("web.forecast.bad_user")
	case "team":
		return p.T("web.forecast.bad_team")
	}
	return p.FieldError(f)
}

// forecastFilters fills the filter's choices, the current ones marked.
func (s *Server) forecastFilters(r *http.Request, v *visit, data *forecastPage, fq sales.ForecastQuery) error {
	ctx := r.Context()
	pipelines, err := s.engine.List(ctx, "pipelines", records.Query{Sort: []string{"position"}, Limit: 50})
	if err != nil {
		return err
	}
	data.Pipelines = []choice{{Value: "", Label: v.p.T("web.forecast.all_pipelines"), Current: fq.Pipeline == ""}}
	for _, p := range pipelines.Data {
		data.Pipelines = append(data.Pipelines, choice{Value: str(p["id"]), Label: str(p["name"]), Current: str(p["id"]) == fq.Pipeline})
	}
	users, err := s.accounts.ListUsers(ctx, account.UserFilter{})
	if err != nil {
		return err
	}
	data.Users = []choice{{Value: "", Label: v.p.T("web.forecast.all_users"), Current: fq.User == ""}}
	for _, u := range users {
		data.Users = append(data.Users, choice{Value: u.ID, Label: u.Name, Current: u.ID == fq.User})
	}
	data.Teams = []choice{{Value: "", Label: v.p.T("web.forecast.all_teams"), Current: fq.Team == ""}}
	if teams, err := s.accounts.ListTeams(ctx); err == nil {
		for _, t := range teams {
			data.Teams = append(data.Teams, choice{Value: t.ID, Label: t.Name, Current: t.ID == fq.Team})
		}
	}
	horizon := fq.Horizon
	if horizon == 0 {
		horizon = sales.DefaultHorizon
	}
	for _, h := range forecastHorizons {
		data.Horizons = append(data.Horizons, choice{Value: strconv.Itoa(h), Label: v.p.N("web.forecast.months", h), Current: h == horizon})
	}
	return nil
}

// forecastCategoryOptions are the forecast categories for a select.
func forecastCategoryOptions(v *visit) []formOption {
	var out []formOption
	for _, c := range records.ForecastCategories {
		out = append(out, formOption{Value: c, Label: forecastCategoryLabel(v.p, c)})
	}
	return out
}

// forecastCategoryLabel is a forecast category in the user's words.
func forecastCategoryLabel(p *locale.Printer, c string) string {
	switch c {
	case "pipeline":
		return p.T("web.forecast.cat_pipeline")
	case "best_case":
		return p.T("web.forecast.cat_best_case")
	case "commit":
		return p.T("web.forecast.cat_commit")
	case "closed":
		return p.T("web.forecast.cat_closed")
	case "omitted":
		return p.T("web.forecast.cat_omitted")
	}
	return c
}

// forecastStack is the order the bars stack in, most certain at the
// bottom; omitted deals are in the table only.
var forecastStack = []string{"closed", "commit", "best_case", "pipeline"}

// forecastView turns the service's forecast into the table and the charts.
func forecastView(v *visit, data *forecastPage, fc sales.Forecast) {
	money := func(amount int64) string {
		if fc.ValueHidden {
			return ""
		}
		return v.p.Money(locale.Decimal(amount, fc.Currency), fc.Currency)
	}
	data.ValueHidden, data.Undated = fc.ValueHidden, int(fc.Undated)
	data.Unconverted = strings.Join(fc.Unconverted, ", ")
	for _, c := range fc.Categories {
		data.Categories = append(data.Categories, choice{Value: c, Label: forecastCategoryLabel(v.p, c)})
	}
	totals := make([]sales.ForecastCell, len(fc.Categories))
	var all, peak int64
	for _, m := range fc.Months {
		t, _ := time.Parse("2006-01", m.Month)
		row := forecastRow{Month: v.p.Month(t)}
		var sum, stack int64
		for i, c := range fc.Categories {
			cell := m.Categories[c]
			row.Cells = append(row.Cells, forecastCellView{Count: int(cell.Count), Weighted: money(cell.Weighted), Value: money(cell.Value)})
			totals[i].Count += cell.Count
			totals[i].Weighted += cell.Weighted
			totals[i].Value += cell.Value
			if c != "omitted" {
				sum += cell.Weighted
				stack += cell.Weighted
			}
		}
		all += sum
		peak = max(peak, stack)
		row.Sum = money(sum)
		data.Rows = append(data.Rows, row)
	}
	data.Total = forecastRow{Month: v.p.T("web.forecast.total"), Sum: money(all)}
	for _, c := range totals {
		data.Total.Cells = append(data.Total.Cells, forecastCellView{Count: int(c.Count), Weighted: money(c.Weighted), Value: money(c.Value)})
	}
	if !fc.ValueHidden && peak > 0 {
		data.Bars = forecastBars(v, fc, peak)
		slot := 600.0 / float64(len(fc.Months))
		every := (len(fc.Months) + 11) / 12 // at most 12 labels
		for i, m := range fc.Months {
			if i%every == 0 {
				t, _ := time.Parse("2006-01", m.Month)
				data.Ticks = append(data.Ticks, forecastTick{X: round1(float64(i)*slot + slot/2), Label: v.p.Month(t)})
			}
		}
	}
	if fc.ValueHidden {
		return
	}
	data.TooShort = fc.TooShort
	if !fc.TooShort && len(fc.Revenue) > 0 {
		data.Revenue = revenueChartOf(v, fc, money)
	}
}

// forecastBars stacks each month's weighted categories into a bar.
func forecastBars(v *visit, fc sales.Forecast, peak int64) []forecastBar {
	const width, height = 600.0, 200.0
	slot := width / float64(len(fc.Months))
	var bars []forecastBar
	for i, m := range fc.Months {
		y := height
		for _, c := range forecastStack {
			w := m.Categories[c].Weighted
			if w <= 0 {
				continue
			}
			h := float64(w) / float64(peak) * (height - 4)
			y -= h
			bars = append(bars, forecastBar{X: round1(float64(i)*slot + slot*0.15), Y: round1(y), W: round1(slot * 0.7), H: round1(h),
				Class: "fc-" + c, Label: forecastCategoryLabel(v.p, c) + ": " + v.p.Money(locale.Decimal(w, fc.Currency), fc.Currency)})
		}
	}
	return bars
}

// revenueChartOf draws the last two years of revenue and the forecast.
func revenueChartOf(v *visit, fc sales.Forecast, money func(int64) string) *revenueChart {
	const width, height, top = 600.0, 220.0, 10.0
	hist := fc.History
	if len(hist) > 24 {
		hist = hist[len(hist)-24:]
	}
	n := len(hist) + len(fc.Revenue)
	var peak int64 = 1
	for _, h := range hist {
		peak = max(peak, h.Amount)
	}
	for _, p := range fc.Revenue {
		peak = max(peak, p.Upper95)
	}
	x := func(i int) float64 { return round1(float64(i) * width / float64(max(n-1, 1))) }
	y := func(a int64) float64 { return round1(height - float64(a)/float64(peak)*(height-top)) }
	pt := func(i int, a int64) string { return fmt.Sprintf("%g,%g", x(i), y(a)) }
	c := &revenueChart{Max: money(peak), Model: forecastModelLabel(v.p, fc.Model)}
	var hl, fl, up80, lo80, up95, lo95 []string
	for i, h := range hist {
		hl = append(hl, pt(i, h.Amount))
	}
	last := len(hist) - 1
	if last >= 0 {
		fl = append(fl, pt(last, hist[last].Amount))
	}
	for j, p := range fc.Revenue {
		i := len(hist) + j
		fl = append(fl, pt(i, p.Mean))
		up80, lo80 = append(up80, pt(i, p.Upper80)), append([]string{pt(i, p.Lower80)}, lo80...)
		up95, lo95 = append(up95, pt(i, p.Upper95)), append([]string{pt(i, p.Lower95)}, lo95...)
		t, _ := time.Parse("2006-01", p.Month)
		c.Points = append(c.Points, revenueRow{Month: v.p.Month(t), Mean: money(p.Mean),
			Range80: money(p.Lower80) + " – " + money(p.Upper80), Range95: money(p.Lower95) + " – " + money(p.Upper95)})
	}
	c.History, c.Forecast = strings.Join(hl, " "), strings.Join(fl, " ")
	c.Band80 = strings.Join(append(up80, lo80...), " ")
	c.Band95 = strings.Join(append(up95, lo95...), " ")
	if len(hist) > 0 {
		t, _ := time.Parse("2006-01", hist[0].Month)
		c.First = v.p.Month(t)
	}
	t, _ := time.Parse("2006-01", fc.Revenue[0].Month)
	c.Split, c.SplitX = v.p.Month(t), x(len(hist))
	return c
}

func round1(f float64) float64 { return float64(int64(f*10+0.5)) / 10 }

// forecastModelLabel names the exponential-smoothing model chosen.
func forecastModelLabel(p *locale.Printer, kind string) string {
	switch kind {
	case "ANN":
		return p.T("web.forecast.model_ann")
	case "AAN":
		return p.T("web.forecast.model_aan")
	case "AAA":
		return p.T("web.forecast.model_aaa")
	}
	return kind
}

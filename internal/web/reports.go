package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/audit"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/locale"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/report"
	"github.com/rapport-crm/rapport/internal/sales"
)

// reportNames are the standard reports, in the order the hub lists them.
var reportNames = []string{"summary", "funnel", "cycle", "revenue", "employees", "events"}

// reportsHubPage lists the reports.
type reportsHubPage struct {
	frame
	Reports []reportLink
}

type reportLink struct {
	Href, Title, Text string
}

// reportPage is one report: its filter, a row of tiles, tables whose rows
// may carry a bar, and notes (definitions, unconverted currencies).
type reportPage struct {
	frame
	Name, Title, Intro string
	Filter             reportFilterView
	Tiles              []reportTile
	Tables             []reportTable
	Notes              []string
	More               string // the events' next page
}

type reportTile struct {
	Label, Value string
}

// reportTable is a table of figures. Bar is the column (in Head) that a
// bar beside the row draws, scaled to the table's largest value.
type reportTable struct {
	ID, Title, Caption string
	Head               []string
	Rows               []reportRow
	Bars               bool
}

// reportRow is a row: a heading cell, the figures, and the lengths of its
// bars in percent.
type reportRow struct {
	Head      string
	Cells     []string
	Bar, Bar2 int64
}

// reportFilterView is the filter form of a report.
type reportFilterView struct {
	Action           string
	Presets          []choice
	From, To, Source string
	Pipelines        []choice
	Users, Teams     []choice
	By               []choice // revenue only
	Events           bool
	Object, Field    string
	Before, After    string
	Errors           map[string]string
	// kpis: begin
	// Deals are the deal filter's parameters (the list filter builder's
	// f/o/v… or filter), carried by the form as hidden inputs; DealsOn
	// says a filter applies, AllDeals is the address without it.
	Deals    []param
	DealsOn  bool
	AllDeals string
	// kpis: end
}

// param is a hidden input of a form.
type param struct{ Name, Value string }

// kpis: begin
// reportDealFilter is the engine's filter of the deal conditions of the
// list filter builder's address form (f0, o0, v0…), as the deals list
// reads them: a report opened from a filtered list counts its deals. nil
// without a complete condition. A condition on a field the role hides is
// left to the engine, which refuses it as unknown.
func (s *Server) reportDealFilter(r *http.Request, v *visit) (*records.Filter, error) {
	lq := parseListQuery(r.URL.Query())
	if !lq.filtered() {
		return nil, nil
	}
	fields, err := s.engine.Fields(r.Context(), "deals")
	if err != nil {
		return nil, err
	}
	known := fieldsByName(fields)
	for _, c := range lq.Conds {
		if c.complete() && known[c.Field] == nil {
			return nil, fault.Field("filter.field", "unknown", "%s is not a field of deals", c.Field)
		}
	}
	f, _ := lq.filter(known, v.location())
	return f, nil
}

// kpis: end

func (s *Server) reportService() *report.Service {
	return report.New(s.db, s.engine, s.sales, nil)
}

// reportsHub answers /reports.
func (s *Server) reportsHub(w http.ResponseWriter, r *http.Request, v *visit) {
	s.render(w, r, v, http.StatusOK, "reports_hub", &reportsHubPage{frame: frame{Nav: "reports"}, Reports: reportLinks(v.p)})
}

func reportLinks(p *locale.Printer) []reportLink {
	var out []reportLink
	for _, n := range reportNames {
		out = append(out, reportLink{Href: "/reports/" + n, Title: standardReportTitle(p, n), Text: reportText(p, n)})
	}
	// The analyses that have pages of their own.
	out = append(out,
		reportLink{Href: "/reports/builder", Title: p.T("web.builder.title"), Text: p.T("web.reports.hub.builder")},
		reportLink{Href: "/reports/forecast", Title: p.T("web.forecast.title"), Text: p.T("web.reports.hub.forecast")},
		reportLink{Href: "/reports/customers", Title: p.T("web.value.title"), Text: p.T("web.reports.hub.customers")},
		reportLink{Href: "/goals", Title: p.T("web.goals.title"), Text: p.T("web.reports.hub.goals")},
		reportLink{Href: "/reports/calls", Title: p.T("web.calls.title"), Text: p.T("web.reports.hub.calls")}) // phone
	return out
}

// report answers /reports/{name} for each of reportNames.
func (s *Server) report(name string) func(http.ResponseWriter, *http.Request, *visit) {
	return func(w http.ResponseWriter, r *http.Request, v *visit) {
		if s.sales == nil {
			s.fail(w, r, v, errNotFound)
			return
		}
		ctx := r.Context()
		q := r.URL.Query()
		data := &reportPage{frame: frame{Nav: "reports"}, Name: name, Title: standardReportTitle(v.p, name),
			Intro: reportText(v.p, name)}
		var err error
		if data.Filter, err = s.reportFilter(r, v, name); err != nil {
			s.fail(w, r, v, err)
			return
		}
		f, err := report.ParseFilter(q, v.location(), time.Now())
		if err == nil && name != "events" && f.Deals == nil {
			f.Deals, err = s.reportDealFilter(r, v)
		}
		rep := s.reportService()
		if err == nil {
			switch name {
			case "funnel":
				var x report.Funnel
				if x, err = rep.Funnel(ctx, f); err == nil {
					funnelView(v, data, x)
				}
			case "cycle":
				var x report.Cycle
				if x, err = rep.Cycle(ctx, f); err == nil {
					cycleView(v, data, x)
				}
			case "revenue":
				var x report.Revenue
				if x, err = rep.Revenue(ctx, f, q.Get("by")); err == nil {
					revenueView(v, data, x)
				}
			case "summary":
				var x report.Summary
				if x, err = rep.Summary(ctx, f); err == nil {
					summaryView(v, data, x)
				}
			case "employees":
				var x report.Employees
				if x, err = rep.Employees(ctx, f); err == nil {
					employeesView(v, data, x)
				}
			case "events":
				var ef report.EventFilter
				if ef, err = report.ParseEvents(q, f); err == nil {
					var page audit.Page
					if page, err = rep.Events(ctx, ef); err == nil {
						s.eventsView(r, v, data, page)
					}
				}
			}
		}
		if errs, ok := fieldErrors(v, err); ok {
			data.Filter.Errors = errs
			for k, e := range errs { // kpis: the deal filter's refusal
				if strings.HasPrefix(k, "filter") && errs["filter"] == "" {
					errs["filter"] = e
				}
			}
			s.render(w, r, v, http.StatusBadRequest, "reports_"+name, data)
			return
		}
		if err != nil {
			s.fail(w, r, v, err)
			return
		}
		s.render(w, r, v, http.StatusOK, "reports_"+name, data)
	}
}

// reportFilter fills the filter form from the query and the workspace's
// pipelines, users and teams.
func (s *Server) reportFilter(r *http.Request, v *visit, name string) (reportFilterView, error) {
	ctx := r.Context()
	q := r.URL.Query()
	fv := reportFilterView{Action: "/reports/" + name, From: q.Get("from"), To: q.Get("to"), Source: q.Get("source"),
		Events: name == "events", Object: q.Get("object"), Field: q.Get("field"), Before: q.Get("before"), After: q.Get("after")}
	if name != "events" { // kpis: the deal filter's parameters
		lq := parseListQuery(q)
		vals := lq.values(false)
		delete(vals, "col")
		delete(vals, "view")
		if js := q.Get("filter"); js != "" {
			vals.Set("filter", js)
		}
		keys := make([]string, 0, len(vals))
		for k := range vals {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		all := url.Values{}
		for k, vs := range q {
			all[k] = vs
		}
		for _, k := range keys {
			for _, x := range vals[k] {
				fv.Deals = append(fv.Deals, param{k, x})
			}
			all.Del(k)
		}
		if len(fv.Deals) > 0 {
			fv.DealsOn, fv.AllDeals = true, "/reports/"+name
			if len(all) > 0 {
				fv.AllDeals += "?" + all.Encode()
			}
		}
	}
	preset := q.Get("preset")
	if preset == "" && fv.From == "" && fv.To == "" {
		preset = "this_month"
	}
	fv.Presets = append(fv.Presets, choice{Value: "", Label: v.p.T("web.reports.filter.custom"), Current: preset == ""})
	for _, p := range report.Presets {
		fv.Presets = append(fv.Presets, choice{Value: p, Label: presetLabel(v.p, p), Current: p == preset})
	}
	if name == "revenue" {
		by := q.Get("by")
		if by == "" {
			by = "month"
		}
		for _, g := range report.Groupings {
			fv.By = append(fv.By, choice{Value: g, Label: groupingLabel(v.p, g), Current: g == by})
		}
	}
	if name != "events" {
		pipes, err := s.engine.List(ctx, "pipelines", records.Query{Sort: []string{"position"}, Limit: 50})
		if err != nil {
			return fv, err
		}
		fv.Pipelines = append(fv.Pipelines, choice{Value: "", Label: v.p.T("web.reports.filter.any_pipeline")})
		for _, p := range pipes.Data {
			fv.Pipelines = append(fv.Pipelines, choice{Value: str(p["id"]), Label: str(p["name"]), Current: str(p["id"]) == q.Get("pipeline")})
		}
	}
	users, err := s.accounts.ListUsers(ctx, account.UserFilter{})
	if err != nil {
		return fv, err
	}
	fv.Users = append(fv.Users, choice{Value: "", Label: v.p.T("web.reports.filter.anyone")})
	for _, u := range users {
		fv.Users = append(fv.Users, choice{Value: u.ID, Label: u.Name, Current: u.ID == q.Get("user")})
	}
	if name != "events" {
		teams, err := s.accounts.ListTeams(ctx)
		if err != nil {
			return fv, err
		}
		if len(teams) > 0 {
			fv.Teams = append(fv.Teams, choice{Value: "", Label: v.p.T("web.reports.filter.any_team")})
		}
		for _, t := range teams {
			fv.Teams = append(fv.Teams, choice{Value: t.ID, Label: t.Name, Current: t.ID == q.Get("team")})
		}
	}
	return fv, nil
}

// money shows a sum, or a dash when the role hides it.
func reportMoney(v *visit, m *sales.Money) string {
	if m == nil {
		return "—"
	}
	return v.p.Money(locale.Decimal(m.Amount, m.Currency), m.Currency)
}

// percent shows a rate, or a dash when there was nothing to divide.
func reportPercent(v *visit, r *float64) string {
	if r == nil {
		return "—"
	}
	return v.p.Number(*r, 1) + " %"
}

func reportCount(n int64) string { return strconv.FormatInt(n, 10) }

// scaled is n in percent of most.
func reportScaled(n, most int64) int64 {
	if most <= 0 {
		return 0
	}
	return n * 100 / most
}

// unconvertedNote says which currencies were left out of the sums.
func unconvertedNote(v *visit, data *reportPage, codes []string) {
	if len(codes) > 0 {
		data.Notes = append(data.Notes, v.p.T("web.reports.unconverted", "currencies", strings.Join(codes, ", ")))
	}
}

func funnelView(v *visit, data *reportPage, x report.Funnel) {
	p := v.p
	data.Tiles = []reportTile{{p.T("web.reports.funnel.deals"), reportCount(x.Deals)}, {p.T("web.reports.won"), reportCount(x.Won)},
		{p.T("web.reports.lost"), reportCount(x.Lost)}, {p.T("web.reports.open"), reportCount(x.Open)}}
	head := []string{p.T("web.reports.funnel.passed"), p.T("web.reports.funnel.conversion"), p.T("web.reports.funnel.cumulative"),
		p.T("web.reports.funnel.conversion"), p.T("web.reports.lost")}
	t := reportTable{ID: "funnel", Title: x.Pipeline.Name, Caption: p.T("web.reports.funnel.stage"), Head: head, Bars: true}
	lost := reportTable{ID: "funnel-lost", Title: p.T("web.reports.funnel.lost_title"), Caption: p.T("web.reports.funnel.stage"),
		Head: []string{p.T("web.reports.loss_reason"), p.T("web.reports.lost")}}
	for _, st := range x.Stages {
		t.Rows = append(t.Rows, reportRow{Head: st.Name, Cells: []string{reportCount(st.Passed), reportPercent(v, st.PassedRate),
			reportCount(st.Cumulative), reportPercent(v, st.CumulativeRate), reportCount(st.Lost)},
			Bar: reportScaled(st.Cumulative, x.Deals), Bar2: reportScaled(st.Passed, x.Deals)})
		for _, lr := range st.LossReasons {
			name := lr.Name
			if lr.ID == "" {
				name = p.T("web.reports.no_reason")
			}
			lost.Rows = append(lost.Rows, reportRow{Head: st.Name, Cells: []string{name, reportCount(lr.Count)}})
		}
	}
	data.Tables = append(data.Tables, t)
	if len(lost.Rows) > 0 {
		data.Tables = append(data.Tables, lost)
	}
	data.Notes = append(data.Notes, p.T("web.reports.funnel.passed_means"), p.T("web.reports.funnel.cumulative_means"))
}

func reportDays(v *visit, d float64) string { return v.p.Number(d, 1) }

func cycleView(v *visit, data *reportPage, x report.Cycle) {
	p := v.p
	data.Tiles = []reportTile{{p.T("web.reports.cycle.won"), reportDays(v, x.Won.MeanDays)}, {p.T("web.reports.cycle.lost"), reportDays(v, x.Lost.MeanDays)}}
	head := []string{p.T("web.reports.cycle.count"), p.T("web.reports.cycle.mean"), p.T("web.reports.cycle.median")}
	t := reportTable{ID: "cycle", Title: x.Pipeline.Name, Caption: p.T("web.reports.funnel.stage"), Head: head, Bars: true}
	var most float64
	for _, st := range x.Stages {
		most = max(most, st.MeanDays)
	}
	for _, st := range x.Stages {
		row := reportRow{Head: st.Name, Cells: []string{reportCount(st.Count), reportDays(v, st.MeanDays), reportDays(v, st.MedianDays)}}
		if most > 0 {
			row.Bar = int64(st.MeanDays * 100 / most)
		}
		t.Rows = append(t.Rows, row)
	}
	c := reportTable{ID: "cycle-deals", Title: p.T("web.reports.cycle.cycle_title"), Caption: p.T("web.reports.cycle.outcome"), Head: head}
	c.Rows = []reportRow{{Head: p.T("web.reports.won"), Cells: []string{reportCount(x.Won.Count), reportDays(v, x.Won.MeanDays), reportDays(v, x.Won.MedianDays)}},
		{Head: p.T("web.reports.lost"), Cells: []string{reportCount(x.Lost.Count), reportDays(v, x.Lost.MeanDays), reportDays(v, x.Lost.MedianDays)}}}
	data.Tables = append(data.Tables, t, c)
	data.Notes = append(data.Notes, p.T("web.reports.cycle.means"))
}

func revenueView(v *visit, data *reportPage, x report.Revenue) {
	p := v.p
	data.Tiles = []reportTile{{p.T("web.reports.won"), reportCount(x.Total.Won)}, {p.T("web.reports.revenue.won_sum"), reportMoney(v, x.Total.WonSum)},
		{p.T("web.reports.lost"), reportCount(x.Total.Lost)}, {p.T("web.reports.revenue.win_rate"), reportPercent(v, x.Total.WinRate)}}
	head := []string{p.T("web.reports.won"), p.T("web.reports.revenue.won_sum"), p.T("web.reports.lost"), p.T("web.reports.revenue.lost_sum"),
		p.T("web.reports.revenue.win_rate"), p.T("web.reports.revenue.new"), p.T("web.reports.revenue.repeat")}
	t := reportTable{ID: "revenue", Title: groupingLabel(p, x.By), Caption: groupingLabel(p, x.By), Head: head, Bars: true}
	var most int64
	for _, r := range x.Rows {
		if r.WonSum != nil {
			most = max(most, r.WonSum.Amount)
		} else {
			most = max(most, r.Won)
		}
	}
	for _, r := range append(x.Rows, x.Total) {
		label := r.Label
		if r.Key == "total" {
			label = p.T("web.reports.total")
		} else if label == "" {
			label = p.T("web.reports.none")
		}
		row := reportRow{Head: label, Cells: []string{reportCount(r.Won), reportMoney(v, r.WonSum), reportCount(r.Lost), reportMoney(v, r.LostSum),
			reportPercent(v, r.WinRate), fmt.Sprintf("%d · %s", r.NewWon, reportMoney(v, r.NewSum)), fmt.Sprintf("%d · %s", r.RepeatWon, reportMoney(v, r.RepeatSum))}}
		if r.Key != "total" {
			if r.WonSum != nil {
				row.Bar = reportScaled(r.WonSum.Amount, most)
			} else {
				row.Bar = reportScaled(r.Won, most)
			}
		}
		t.Rows = append(t.Rows, row)
	}
	data.Tables = append(data.Tables, t)
	if len(x.LossReasons) > 0 {
		lr := reportTable{ID: "loss-reasons", Title: p.T("web.reports.revenue.loss_reasons"), Caption: p.T("web.reports.loss_reason"),
			Head: []string{p.T("web.reports.lost")}, Bars: true}
		for _, r := range x.LossReasons {
			name := r.Name
			if r.ID == "" {
				name = p.T("web.reports.no_reason")
			}
			lr.Rows = append(lr.Rows, reportRow{Head: name, Cells: []string{reportCount(r.Count)}, Bar: reportScaled(r.Count, x.Total.Lost)})
		}
		data.Tables = append(data.Tables, lr)
	}
	unconvertedNote(v, data, x.Unconverted)
	data.Notes = append(data.Notes, p.T("web.reports.revenue.means", "currency", x.Currency))
}

func summaryView(v *visit, data *reportPage, x report.Summary) {
	p := v.p
	data.Tiles = []reportTile{{p.T("web.reports.summary.new_deals"), reportCount(x.NewDeals)},
		{p.T("web.reports.won"), reportCount(x.Won.Count) + " · " + reportMoney(v, x.Won.Sum)},
		{p.T("web.reports.lost"), reportCount(x.Lost.Count) + " · " + reportMoney(v, x.Lost.Sum)},
		{p.T("web.reports.summary.tasks_done"), reportCount(x.TasksDone)}, {p.T("web.reports.summary.tasks_overdue"), reportCount(x.TasksOverdue)},
		{p.T("web.reports.summary.calls"), reportCount(x.Calls)}, {p.T("web.reports.summary.notes"), reportCount(x.Notes)}}
	t := reportTable{ID: "open", Title: p.T("web.reports.summary.open_title"), Caption: p.T("web.reports.funnel.stage"),
		Head: []string{p.T("web.reports.summary.deals"), p.T("web.reports.summary.value")}, Bars: true}
	var most int64
	for _, o := range x.Open {
		most = max(most, o.Count)
	}
	for _, o := range x.Open {
		t.Rows = append(t.Rows, reportRow{Head: o.Pipeline + " · " + o.Name, Cells: []string{reportCount(o.Count), reportMoney(v, o.Sum)}, Bar: reportScaled(o.Count, most)})
	}
	data.Tables = append(data.Tables, t)
	unconvertedNote(v, data, x.Unconverted)
}

func employeesView(v *visit, data *reportPage, x report.Employees) {
	p := v.p
	head := employeeColumns(p)
	t := reportTable{ID: "employees", Title: p.T("web.reports.employees.title"), Caption: p.T("web.reports.employees.user"), Head: head}
	for _, e := range x.Rows {
		resp := "—"
		if e.ResponseHours != nil {
			resp = v.p.Number(*e.ResponseHours, 1)
		}
		name := e.Name
		if name == "" {
			name = p.T("web.reports.none")
		}
		t.Rows = append(t.Rows, reportRow{Head: name, Cells: []string{reportCount(e.Created), reportCount(e.Moved), reportCount(e.Won), reportCount(e.Lost),
			reportMoney(v, e.WonSum), reportCount(e.TasksDone), reportCount(e.TasksOverdue), reportCount(e.CallsMade), reportCount(e.CallsReceived), reportCount(e.Notes), resp}})
	}
	data.Tables = append(data.Tables, t)
	unconvertedNote(v, data, x.Unconverted)
	data.Notes = append(data.Notes, p.T("web.reports.employees.means"))
}

func (s *Server) eventsView(r *http.Request, v *visit, data *reportPage, page audit.Page) {
	p := v.p
	names := map[string]string{}
	if users, err := s.accounts.ListUsers(r.Context(), account.UserFilter{}); err == nil {
		for _, u := range users {
			names[u.ID] = u.Name
		}
	}
	t := reportTable{ID: "events", Title: p.T("web.reports.events.title"), Caption: p.T("web.reports.events.when"),
		Head: []string{p.T("web.reports.events.who"), p.T("web.reports.events.object"), p.T("web.reports.events.changes")}}
	for _, e := range page.Data {
		var changes []string
		keys := make([]string, 0, len(e.Changes))
		for k := range e.Changes {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			c := e.Changes[k]
			changes = append(changes, fmt.Sprintf("%s: %s → %s", k, reportShown(c.Before), reportShown(c.After)))
		}
		who := names[strconv.FormatInt(e.ActorID, 10)]
		if e.ActorID == 0 {
			who = "—"
		}
		t.Rows = append(t.Rows, reportRow{Head: p.DateTime(e.At, v.location()),
			Cells: []string{who, strings.TrimSpace(e.Object + " " + e.RecordID + " · " + e.Action), strings.Join(changes, "; ")}})
	}
	data.Tables = append(data.Tables, t)
	if page.NextCursor != "" {
		q := r.URL.Query()
		q.Set("cursor", page.NextCursor)
		data.More = "/reports/events?" + q.Encode()
	}
}

// shown is a before or after value as text, briefly.
func reportShown(x any) string {
	if x == nil {
		return "—"
	}
	if m, ok := x.(map[string]any); ok {
		if a, ok := m["amount"]; ok {
			return fmt.Sprintf("%v %v", a, m["currency"])
		}
	}
	s := fmt.Sprint(x)
	if len(s) > 80 {
		s = s[:77] + "…"
	}
	return s
}

// exampleReport is the example data of a report's page: every part of the
// page filled, user content with markup in it.
func exampleReport(name string) func(p *locale.Printer) page {
	return func(p *locale.Printer) page {
		v := &visit{lang: p.Lang(), p: p}
		data := &reportPage{frame: frame{Nav: "reports"}, Name: name, Title: standardReportTitle(p, name),
			Intro: reportText(p, name), More: "/reports/events?cursor=x",
			Filter: reportFilterView{Action: "/reports/" + name, From: "2026-11-01", To: "2026-11-30", Source: "<b>web",
				Events: name == "events", Field: "stage_id", Errors: map[string]string{"to": "must not be before from"},
				Presets:   []choice{{Value: "this_month", Label: p.T("web.reports.preset.this_month"), Current: true}},
				Pipelines: []choice{{Value: "", Label: p.T("web.reports.filter.any_pipeline")}, {Value: "1", Label: "Sales <b>"}},
				Users:     []choice{{Value: "1", Label: "Ada <b>"}}, Teams: []choice{{Value: "1", Label: "North <b>"}}}}
		if name == "revenue" {
			data.Filter.By = []choice{{Value: "month", Label: p.T("web.reports.by.month"), Current: true}}
			// kpis: a report opened from a filtered list of deals
			data.Filter.Deals = []param{{"f0", "title"}, {"o0", "contains"}, {"v0", "<b>"}}
			data.Filter.DealsOn, data.Filter.AllDeals = true, "/reports/revenue?by=month"
		}
		eur := func(n int64) *sales.Money { return &sales.Money{Amount: n, Currency: "EUR"} }
		r := func(x float64) *float64 { return &x }
		switch name {
		case "funnel":
			funnelView(v, data, report.Funnel{Pipeline: report.Ref{ID: "1", Name: "Sales <b>"}, Deals: 5, Won: 2, Lost: 1, Open: 2,
				Stages: []report.FunnelStage{{Ref: report.Ref{ID: "1", Name: "Lead <b>"}, Passed: 5, Cumulative: 5, PassedRate: r(100), CumulativeRate: r(100)},
					{Ref: report.Ref{ID: "2", Name: "Won-ready"}, Passed: 3, Cumulative: 4, PassedRate: r(60), CumulativeRate: r(80), Lost: 1,
						LossReasons: []report.Count{{Ref: report.Ref{ID: "3", Name: "Price <b>"}, Count: 1}}}}})
		case "cycle":
			cycleView(v, data, report.Cycle{Pipeline: report.Ref{ID: "1", Name: "Sales <b>"},
				Stages: []report.StageTime{{Ref: report.Ref{ID: "1", Name: "Lead <b>"}, Durations: report.Durations{Count: 5, MeanDays: 5, MedianDays: 2}}},
				Won:    report.Durations{Count: 3, MeanDays: 18.7, MedianDays: 19}})
		case "revenue":
			revenueView(v, data, report.Revenue{By: "month", Currency: "EUR", Unconverted: []string{"GBP"},
				Rows:        []report.RevenueRow{{Key: "2026-11", Label: "2026-11", Won: 3, Lost: 1, WinRate: r(75), WonSum: eur(120000), LostSum: eur(45000), NewSum: eur(0), RepeatSum: eur(120000), NewWon: 1, RepeatWon: 2}},
				Total:       report.RevenueRow{Key: "total", Won: 3, Lost: 1, WinRate: r(75)},
				LossReasons: []report.Count{{Ref: report.Ref{ID: "1", Name: "Price <b>"}, Count: 1}, {Count: 2}}})
		case "summary":
			summaryView(v, data, report.Summary{Currency: "EUR", NewDeals: 5, Won: report.Outcome{Count: 3, Sum: eur(120000)}, Lost: report.Outcome{Count: 1},
				Open: []report.OpenStage{{Ref: report.Ref{ID: "1", Name: "Lead <b>"}, Pipeline: "Sales <b>", Count: 2, Sum: eur(1000)}}, TasksDone: 1, Calls: 2})
		case "employees":
			employeesView(v, data, report.Employees{Currency: "EUR", Rows: []report.Employee{{Ref: report.Ref{ID: "1", Name: "Ada <b>"}, Created: 4, Won: 2, WonSum: eur(120000), ResponseHours: r(9)}}})
		case "events":
			data.Tables = []reportTable{{ID: "events", Title: p.T("web.reports.events.title"), Caption: p.T("web.reports.events.when"),
				Head: []string{p.T("web.reports.events.who"), p.T("web.reports.events.object"), p.T("web.reports.events.changes")},
				Rows: []reportRow{{Head: "3 Nov 2026", Cells: []string{"Ada <b>", "deal 1 · update", "stage_id: 11 → <b>12"}}}}}
		}
		return data
	}
}

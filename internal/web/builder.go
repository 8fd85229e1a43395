package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/analysis"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/locale"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/savedview"
)

// The report builder (/reports/builder): a report's whole state is the
// page's address, so a report is a link, the back button undoes a change
// and the form works without JavaScript:
//
//	object=deals                       the records reported on
//	g1=owner_id&b1=month               the first grouping, and its period for a date
//	g2=expected_close_date&b2=month    the second grouping
//	m1=sum&mf1=value                   the first measure and its field
//	m2=count                           the second measure
//	chart=bar                          bar, line, funnel, pie or table
//	f0=status&o0=eq&v0=open            the filter, as a list's (listquery.go)
//	report=7                           the saved report it was opened from
//
// A saved report is a saved view of the object "reports" whose filter
// holds that address: field names only, so that whoever opens it reports
// under their own role.

// bucketLabel is a period in the user's words.
func bucketLabel(p *locale.Printer, v string) string {
	switch v {
	case "day":
		return p.T("web.builder.bucket.day")
	case "week":
		return p.T("web.builder.bucket.week")
	case "month":
		return p.T("web.builder.bucket.month")
	case "quarter":
		return p.T("web.builder.bucket.quarter")
	case "year":
		return p.T("web.builder.bucket.year")
	}
	return v
}

// opLabelOf is a measure in the user's words.
func opLabelOf(p *locale.Printer, v string) string {
	switch v {
	case "count":
		return p.T("web.builder.op.count")
	case "sum":
		return p.T("web.builder.op.sum")
	case "avg":
		return p.T("web.builder.op.avg")
	case "min":
		return p.T("web.builder.op.min")
	case "max":
		return p.T("web.builder.op.max")
	}
	return v
}

// chartLabel is a chart in the user's words.
func chartLabel(p *locale.Printer, v string) string {
	switch v {
	case "bar":
		return p.T("web.builder.chart.bar")
	case "line":
		return p.T("web.builder.chart.line")
	case "funnel":
		return p.T("web.builder.chart.funnel")
	case "pie":
		return p.T("web.builder.chart.pie")
	case "table":
		return p.T("web.builder.chart.table")
	}
	return v
}

// reportsObject is the object the saved reports are kept under among the
// saved views.
const reportsObject = "reports"

// builderPage is the builder: the form, the chart, the table, the saved
// reports.
type builderPage struct {
	frame
	Objects                    []formOption
	Object                     string
	GroupRows                  []builderGroupRow
	MeasureRows                []builderMeasureRow
	Chart                      string
	GroupFields, MeasureFields []formOption
	FilterFields               []formOption
	Buckets, Ops, Charts       []formOption
	Conds                      []builderCond
	Query                      string // the report's parameters, which saving keeps
	CSV, XLSX                  string // the exports' addresses
	Title                      string
	SVG                        template.HTML
	Headers                    []string
	Groups                     int // the headers of groupings, before the measures'
	Rows                       [][]builderCell
	Ran, Empty, Truncated      bool
	Problems                   []string
	Unconverted                string
	Saved                      []viewItem
	Report, ReportName         string
	SaveError, SaveName        string
}

// builderGroupRow is one grouping's inputs; N is 1 or 2.
type builderGroupRow struct {
	N, Field, Bucket string
	Fields, Buckets  []formOption
}

// builderMeasureRow is one measure's inputs.
type builderMeasureRow struct {
	N, Op, Field string
	Fields, Ops  []formOption
}

// builderCond is one condition of the filter.
type builderCond struct {
	Index            int
	Field, Op, Value string
	Ops, Options     []formOption
}

// builderCell is a cell of the table; Num aligns it right.
type builderCell struct {
	Text string
	Num  bool
}

// builderObjects are the objects the builder offers, the workspace's own
// lists after them.
var builderObjects = []string{"deals", "contacts", "companies", "tasks", "calls", "meetings", "products"}

// builderState is the report the address describes, checked against the
// fields the user may see.
type builderState struct {
	def    analysis.Definition
	q      listQuery
	fields map[string]*records.Field
	order  []*records.Field
	values url.Values
}

// readBuilder reads the address. A field the user's role hides (a saved
// report's, or a colleague's link) is dropped, never named.
func (s *Server) readBuilder(r *http.Request, v *visit, params url.Values) (*builderState, []formOption, error) {
	ctx := r.Context()
	var objects []formOption
	for _, plural := range builderObjects {
		if _, err := s.engine.Fields(ctx, plural); err == nil {
			objects = append(objects, formOption{Value: plural, Label: v.p.T("object." + plural + ".name")})
		}
	}
	lists, err := s.engine.Lists(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, o := range lists {
		objects = append(objects, formOption{Value: o.Plural, Label: o.Label})
	}
	object := params.Get("object")
	if !slices.ContainsFunc(objects, func(o formOption) bool { return o.Value == object }) {
		if len(objects) == 0 {
			return nil, nil, errNotFound
		}
		object = objects[0].Value
	}
	list, err := s.engine.Fields(ctx, object)
	if err != nil {
		return nil, nil, err
	}
	st := &builderState{fields: map[string]*records.Field{}, order: list}
	for _, f := range list {
		st.fields[f.Name] = f
	}
	for _, name := range []string{"created_at", "updated_at"} {
		if st.fields[name] == nil {
			f := &records.Field{Name: name, Type: records.DateTime}
			st.fields[name] = f
			st.order = append(st.order, f)
		}
	}
	d := analysis.Definition{Object: object, Chart: params.Get("chart")}
	if !slices.Contains(analysis.Charts, d.Chart) {
		d.Chart = "bar"
	}
	for i := 1; i <= 2; i++ {
		k := strconv.Itoa(i)
		g := params.Get("g" + k)
		if f := st.fields[g]; f != nil && groupable(f) {
			b := ""
			if dated(f) {
				b = params.Get("b" + k)
				if !slices.Contains(records.Buckets, b) {
					b = "month"
				}
			}
			d.GroupBy = append(d.GroupBy, records.Grouping{Field: g, Bucket: b})
		}
		op, mf := params.Get("m"+k), params.Get("mf"+k)
		if f := st.fields[mf]; op != "count" && (f == nil || !measurable(f)) {
			mf = firstMeasurable(st.order) // the operator was just chosen
		}
		switch {
		case op == "count":
			d.Measures = append(d.Measures, records.Measure{Op: op})
		case slices.Contains(records.Aggregations, op) && st.fields[mf] != nil && measurable(st.fields[mf]):
			d.Measures = append(d.Measures, records.Measure{Op: op, Field: mf})
		}
	}
	if len(d.Measures) == 0 {
		d.Measures = []records.Measure{{Op: "count"}}
	}
	st.q = parseListQuery(params).seenBy(st.fields)
	for i, c := range st.q.Conds {
		// A condition whose field changed keeps an operator the field
		// takes.
		if f := st.fields[c.Field]; f != nil && !slices.Contains(filterable(f), records.Op(c.Op)) && len(filterable(f)) > 0 {
			st.q.Conds[i].Op = string(filterable(f)[0])
		}
	}
	d.Filter, _ = st.q.filter(st.fields, v.location())
	st.def = d
	st.values = st.encode()
	return st, objects, nil
}

// encode writes the report back as its address.
func (st *builderState) encode() url.Values {
	vals := url.Values{"object": {st.def.Object}, "chart": {st.def.Chart}}
	for i, g := range st.def.GroupBy {
		k := strconv.Itoa(i + 1)
		vals.Set("g"+k, g.Field)
		if g.Bucket != "" {
			vals.Set("b"+k, g.Bucket)
		}
	}
	for i, m := range st.def.Measures {
		k := strconv.Itoa(i + 1)
		vals.Set("m"+k, m.Op)
		if m.Field != "" {
			vals.Set("mf"+k, m.Field)
		}
	}
	q := st.q
	q.Columns, q.Sort, q.View = nil, "", ""
	for k, vs := range q.values(false) {
		vals[k] = vs
	}
	return vals
}

func firstMeasurable(fields []*records.Field) string {
	for _, f := range fields {
		if measurable(f) {
			return f.Name
		}
	}
	return ""
}

func groupable(f *records.Field) bool {
	switch f.Type {
	case records.Text, records.Integer, records.Date, records.DateTime, records.Boolean, records.Select, records.Relation, records.User:
		return f.Name != "id" && f.Name != "record_id"
	}
	return false
}

func dated(f *records.Field) bool { return f.Type == records.Date || f.Type == records.DateTime }

func measurable(f *records.Field) bool {
	return f.Type == records.Integer || f.Type == records.Decimal || f.Type == records.Money
}

// reportBuilder shows the builder and, once a report is asked for, its
// chart and table.
func (s *Server) reportBuilder(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.sales == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	params := r.URL.Query()
	if id := params.Get("report"); id != "" && !params.Has("object") && s.views != nil {
		saved, err := s.views.Get(r.Context(), id)
		if err != nil || saved.Object != reportsObject {
			s.fail(w, r, v, errNotFound)
			return
		}
		params = savedParams(saved)
		params.Set("report", id)
	}
	st, objects, err := s.readBuilder(r, v, params)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	users, err := s.userOptions(r)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data := s.builderForm(v, st, objects, users)
	data.Report = params.Get("report")
	if err := s.savedReports(r, v, data); err != nil {
		s.fail(w, r, v, err)
		return
	}
	if params.Has("object") {
		if err := s.runReport(r, v, st, data); err != nil {
			s.fail(w, r, v, err)
			return
		}
	}
	s.render(w, r, v, http.StatusOK, "builder", data)
}

// savedParams reads the address a saved report keeps.
func savedParams(saved savedview.View) url.Values {
	var kept struct {
		Query string `json:"query"`
	}
	_ = json.Unmarshal(saved.Filter, &kept) // a report the service stored is JSON; a broken one reports the defaults
	params, _ := url.ParseQuery(kept.Query)
	return params
}

// builderForm lays out the form for the report.
func (s *Server) builderForm(v *visit, st *builderState, objects []formOption, users []formOption) *builderPage {
	d := st.def
	data := &builderPage{frame: frame{Nav: "reports"}, Objects: objects, Object: d.Object, Chart: d.Chart,
		Query: st.values.Encode(), CSV: "/reports/builder/export?" + st.values.Encode() + "&format=csv",
		XLSX: "/reports/builder/export?" + st.values.Encode() + "&format=xlsx"}
	for _, f := range st.order {
		o := formOption{Value: f.Name, Label: label(v.p, st.fields, f.Name)}
		if groupable(f) {
			data.GroupFields = append(data.GroupFields, o)
		}
		if measurable(f) {
			data.MeasureFields = append(data.MeasureFields, o)
		}
		if len(filterable(f)) > 0 {
			data.FilterFields = append(data.FilterFields, o)
		}
	}
	for _, b := range records.Buckets {
		data.Buckets = append(data.Buckets, formOption{Value: b, Label: bucketLabel(v.p, b)})
	}
	for _, op := range records.Aggregations {
		data.Ops = append(data.Ops, formOption{Value: op, Label: opLabelOf(v.p, op)})
	}
	for _, c := range analysis.Charts {
		data.Charts = append(data.Charts, formOption{Value: c, Label: chartLabel(v.p, c)})
	}
	data.rows(d)
	for i, c := range st.q.Conds {
		bc := builderCond{Index: i, Field: c.Field, Op: c.Op}
		if len(c.Values) > 0 {
			bc.Value = strings.Join(c.Values, ", ")
		}
		if f := st.fields[c.Field]; f != nil {
			for _, op := range filterable(f) {
				bc.Ops = append(bc.Ops, formOption{Value: string(op), Label: opLabel(v.p, op)})
			}
			switch {
			case f.Type == records.Select && c.Op != string(records.In) && c.Op != string(records.Empty):
				for _, o := range f.Options {
					bc.Options = append(bc.Options, formOption{Value: o, Label: v.option(f.Name, o)})
				}
			case f.Type == records.User && c.Op != string(records.Empty):
				bc.Options = users
			}
		}
		data.Conds = append(data.Conds, bc)
	}
	return data
}

// savedReports lists the reports the user may open.
func (s *Server) savedReports(r *http.Request, v *visit, data *builderPage) error {
	if s.views == nil {
		return nil
	}
	list, err := s.views.List(r.Context(), reportsObject)
	if err != nil {
		return err
	}
	for _, sv := range list {
		item := viewItem{ID: sv.ID, Name: sv.Name, Href: "/reports/builder?" + url.Values{"report": {sv.ID}}.Encode(),
			Current: sv.ID == data.Report, Mine: sv.Mine}
		switch sv.Visibility {
		case savedview.Team:
			item.Shared = v.p.T("web.lists.views.team")
		case savedview.Workspace:
			item.Shared = v.p.T("web.lists.views.workspace")
		}
		if item.Current {
			data.ReportName = sv.Name
		}
		data.Saved = append(data.Saved, item)
	}
	return nil
}

// runReport computes the report and lays out its chart and table. What
// the engine refuses (a condition's value, a query too costly) is shown
// above the form; nothing else fails the page.
func (s *Server) runReport(r *http.Request, v *visit, st *builderState, data *builderPage) error {
	res, err := s.computeReport(r, st.def)
	if errors.Is(err, context.DeadlineExceeded) {
		data.Problems = append(data.Problems, v.p.T("web.builder.too_long"))
		return nil
	}
	var fe *fault.Error
	if errors.As(err, &fe) && fe.Code == fault.EINVALID {
		for _, e := range fe.Fields {
			data.Problems = append(data.Problems, v.p.FieldError(e))
		}
		if len(fe.Fields) == 0 {
			data.Problems = append(data.Problems, fe.Message)
		}
		return nil
	}
	if err != nil {
		return err
	}
	data.Ran = true
	data.Empty, data.Truncated = len(res.Rows) == 0, res.Truncated
	t := s.reportTable(v, st, res)
	data.Headers, data.Groups = t.Headers, len(st.def.GroupBy)
	for _, row := range t.Rows {
		var cells []builderCell
		for _, c := range row {
			cells = append(cells, builderCell{Text: c.Text, Num: c.Number != nil})
		}
		data.Rows = append(data.Rows, cells)
	}
	var unconverted []string
	for _, u := range res.Unconverted {
		unconverted = append(unconverted, v.p.N("web.builder.unconverted", int(u.Records), "currency", u.Currency))
	}
	data.Unconverted = strings.Join(unconverted, "; ")
	data.Title = reportTitle(t.Headers, len(st.def.GroupBy), v)
	chart := analysis.Chart{Kind: st.def.Chart, Title: data.Title, Desc: v.p.T("web.builder.chart_desc")}
	for i, row := range res.Rows {
		if res.Rows[i].Values[0] == nil {
			continue
		}
		p := analysis.Point{Category: t.Rows[i][0].Text, Value: *row.Values[0], Text: t.Rows[i][len(row.Labels)].Text}
		if len(row.Labels) == 0 {
			p.Category = t.Headers[0]
		}
		if len(row.Labels) == 2 {
			// Two groupings: a series per value of the first, along the
			// second (a line per owner across the months).
			p.Category, p.Series = t.Rows[i][1].Text, t.Rows[i][0].Text
		}
		chart.Points = append(chart.Points, p)
	}
	data.SVG = template.HTML(chart.SVG()) // built by analysis.Chart, which escapes every text it draws
	return nil
}

// reportBudget bounds the time of one report: a report reads every
// record its filter selects, and one that would take longer is stopped
// by the database and answered with advice to narrow it.
const reportBudget = 20 * time.Second

// computeReport runs a report within its budget.
func (s *Server) computeReport(r *http.Request, d analysis.Definition) (analysis.Result, error) {
	ctx, cancel := context.WithTimeout(r.Context(), reportBudget)
	defer cancel()
	res, err := analysis.New(s.engine, s.sales, s.accounts).Run(ctx, d)
	if err != nil && ctx.Err() != nil && r.Context().Err() == nil {
		return res, context.DeadlineExceeded
	}
	return res, err
}

// reportTitle says what the report shows: "Count by Stage".
func reportTitle(headers []string, groups int, v *visit) string {
	measure := headers[groups]
	if groups == 0 {
		return measure
	}
	return v.p.T("web.builder.title_by", "measure", measure, "groups", strings.Join(headers[:groups], " × "))
}

// reportTable words a report in the user's language: fields' labels,
// options, numbers and money.
func (s *Server) reportTable(v *visit, st *builderState, res analysis.Result) analysis.Table {
	var headers []string
	for _, g := range st.def.GroupBy {
		h := label(v.p, st.fields, g.Field)
		if g.Bucket != "" {
			h += " (" + bucketLabel(v.p, g.Bucket) + ")"
		}
		headers = append(headers, h)
	}
	for _, m := range st.def.Measures {
		h := opLabelOf(v.p, m.Op)
		if m.Field != "" {
			h += ": " + label(v.p, st.fields, m.Field)
		}
		headers = append(headers, h)
	}
	for i := range res.Rows {
		for gi, g := range st.def.GroupBy {
			key := res.Rows[i].Keys[gi]
			f := st.fields[g.Field]
			switch {
			case key == "":
				res.Rows[i].Labels[gi] = v.p.T("web.builder.none")
			case f != nil && f.Type == records.Select:
				res.Rows[i].Labels[gi] = v.option(g.Field, key)
			case f != nil && f.Type == records.Boolean:
				res.Rows[i].Labels[gi] = map[bool]string{true: v.p.T("web.value.yes"), false: v.p.T("web.value.no")}[key == "true"]
			}
		}
	}
	return analysis.TableOf(res, headers, func(i int, x float64) string {
		if res.Money[i] {
			return v.p.Money(locale.Decimal(int64(math.Round(x)), res.Currency), res.Currency)
		}
		if st.def.Measures[i].Op == "avg" {
			return v.p.Number(x, 2)
		}
		if x == math.Trunc(x) {
			return v.p.Number(x, 0)
		}
		return v.p.Number(x, 2)
	})
}

// exportReport answers the report's table as CSV or XLSX.
func (s *Server) exportReport(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.sales == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	params := r.URL.Query()
	format := params.Get("format")
	if format != "csv" && format != "xlsx" {
		s.fail(w, r, v, errNotFound)
		return
	}
	st, _, err := s.readBuilder(r, v, params)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	res, err := s.computeReport(r, st.def)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	t := s.reportTable(v, st, res)
	var buf bytes.Buffer
	name := "report." + format
	if format == "csv" {
		err = analysis.WriteCSV(&buf, t)
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	} else {
		err = analysis.WriteXLSX(&buf, t, v.p.T("object."+st.def.Object+".name"))
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	}
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Write(buf.Bytes())
}

// saveReport saves the report as it is now and opens it.
func (s *Server) saveReport(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.views == nil || s.sales == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	params, _ := url.ParseQuery(r.PostFormValue("query"))
	st, objects, err := s.readBuilder(r, v, params)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	kept, _ := json.Marshal(map[string]string{"query": st.values.Encode()})
	saved, err := s.views.Save(r.Context(), savedview.View{Object: reportsObject, Name: r.PostFormValue("name"),
		Visibility: r.PostFormValue("visibility"), Filter: kept})
	if errs, ok := fieldErrors(v, err); ok {
		users, err := s.userOptions(r)
		if err != nil {
			s.fail(w, r, v, err)
			return
		}
		data := s.builderForm(v, st, objects, users)
		data.SaveError, data.SaveName = errs["name"]+errs["visibility"], r.PostFormValue("name")
		if err := s.savedReports(r, v, data); err != nil {
			s.fail(w, r, v, err)
			return
		}
		s.render(w, r, v, http.StatusUnprocessableEntity, "builder", data)
		return
	}
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	http.Redirect(w, r, "/reports/builder?"+url.Values{"report": {saved.ID}}.Encode(), http.StatusSeeOther)
}

// deleteReport deletes a saved report the user may change.
func (s *Server) deleteReport(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.views == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	if err := s.views.Delete(r.Context(), r.PathValue("id")); err != nil {
		s.fail(w, r, v, err)
		return
	}
	http.Redirect(w, r, "/reports/builder", http.StatusSeeOther)
}

// examplePage is the builder with a report drawn, for the tests that
// render every page in every language.
func examplePage(p *locale.Printer) page {
	v := &visit{p: p}
	data := &builderPage{frame: frame{Nav: "reports"}, Objects: []formOption{{Value: "deals", Label: p.T("object.deals.name")}},
		Object: "deals", Chart: "bar", Query: "object=deals&g1=stage_id&m1=count",
		GroupFields: []formOption{{Value: "stage_id", Label: fieldLabel(p, "stage_id")}}, MeasureFields: []formOption{{Value: "value", Label: fieldLabel(p, "value")}},
		FilterFields: []formOption{{Value: "status", Label: fieldLabel(p, "status")}},
		Conds:        []builderCond{{Index: 0, Field: "status", Op: "eq", Value: "open", Ops: []formOption{{Value: "eq", Label: opLabel(p, records.Eq)}}}},
		Ran:          true, Groups: 1, Headers: []string{fieldLabel(p, "stage_id"), opLabelOf(p, "count")},
		Rows:        [][]builderCell{{{Text: "Lead <b>"}, {Text: "3", Num: true}}, {{Text: "Won"}, {Text: "1", Num: true}}},
		Unconverted: p.N("web.builder.unconverted", 2, "currency", "GBP"), Problems: []string{"<b>"},
		Saved: []viewItem{{ID: "1", Name: "Pipeline <b>", Href: "/reports/builder?report=1", Current: true, Mine: true}}, Report: "1", ReportName: "Pipeline <b>"}
	for _, b := range records.Buckets {
		data.Buckets = append(data.Buckets, formOption{Value: b, Label: bucketLabel(p, b)})
	}
	for _, op := range records.Aggregations {
		data.Ops = append(data.Ops, formOption{Value: op, Label: opLabelOf(p, op)})
	}
	for _, c := range analysis.Charts {
		data.Charts = append(data.Charts, formOption{Value: c, Label: chartLabel(p, c)})
	}
	data.rows(analysis.Definition{GroupBy: []records.Grouping{{Field: "stage_id"}}, Measures: []records.Measure{{Op: "count"}}})
	data.Title = reportTitle(data.Headers, 1, v)
	chart := analysis.Chart{Kind: "bar", Title: data.Title, Desc: p.T("web.builder.chart_desc"),
		Points: []analysis.Point{{Category: "Lead <b>", Value: 3, Text: "3"}, {Category: "Won", Value: 1, Text: "1"}}}
	data.SVG = template.HTML(chart.SVG())
	return data
}

// userOptions are the workspace's users, for a condition on an owner.
func (s *Server) userOptions(r *http.Request) ([]formOption, error) {
	names := map[string]string{}
	if err := s.userNames(r, names); err != nil {
		return nil, err
	}
	var out []formOption
	for id, name := range names {
		out = append(out, formOption{Value: id, Label: name})
	}
	slices.SortFunc(out, func(a, b formOption) int { return strings.Compare(a.Label, b.Label) })
	return out, nil
}

// rows lays out the groupings' and measures' inputs, once their choices
// are in data.
func (data *builderPage) rows(d analysis.Definition) {
	for i := range 2 {
		g := builderGroupRow{N: strconv.Itoa(i + 1), Fields: data.GroupFields, Buckets: data.Buckets}
		if i < len(d.GroupBy) {
			g.Field, g.Bucket = d.GroupBy[i].Field, d.GroupBy[i].Bucket
		}
		data.GroupRows = append(data.GroupRows, g)
		m := builderMeasureRow{N: strconv.Itoa(i + 1), Fields: data.MeasureFields, Ops: data.Ops}
		if i < len(d.Measures) {
			m.Op, m.Field = d.Measures[i].Op, d.Measures[i].Field
		}
		data.MeasureRows = append(data.MeasureRows, m)
	}
}

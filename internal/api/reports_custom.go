package api

import (
	"bytes"
	"net/http"
	"strconv"

	"github.com/rapport-crm/rapport/internal/analysis"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
)

// builder: begin

// customReportRoutes serves the report builder: a report is computed from
// its definition, as the caller may see the records.
func (s *Server) customReportRoutes(route router) {
	if s.Sales == nil || s.Accounts == nil {
		return
	}
	reports := analysis.New(s.Engine, s.Sales, s.Accounts)
	route("POST /api/v1/reports/custom", func(w http.ResponseWriter, r *http.Request) { s.customReport(w, r, reports) }, "format")
}

// customReport runs a report and answers its figures as JSON, or its
// table as CSV or XLSX (?format=csv|xlsx). Every report reads all the
// records its filter selects, so it takes its turn among the expensive
// reads.
func (s *Server) customReport(w http.ResponseWriter, r *http.Request, reports *analysis.Service) {
	format := r.URL.Query().Get("format")
	switch format {
	case "", "json", "csv", "xlsx":
	default:
		writeError(w, r, fault.Field("format", "option", "must be json, csv or xlsx"))
		return
	}
	body, err := readBody(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var d analysis.Definition
	if err := records.DecodeStrict(body, &d); err != nil {
		writeError(w, r, err)
		return
	}
	if err := analysis.Check(&d); err != nil {
		writeError(w, r, err)
		return
	}
	release, ok := s.admit(w, r)
	if !ok {
		return
	}
	defer release()
	res, err := reports.Run(r.Context(), d)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if format == "" || format == "json" {
		res.Definition.Filter = nil // the caller's own words, not echoed
		writeJSON(w, r, http.StatusOK, res)
		return
	}
	t := analysis.TableOf(res, reportHeaders(d), func(i int, v float64) string {
		return strconv.FormatFloat(v, 'f', -1, 64)
	})
	var buf bytes.Buffer
	if format == "csv" {
		err = analysis.WriteCSV(&buf, t)
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	} else {
		err = analysis.WriteXLSX(&buf, t, d.Object)
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Disposition", `attachment; filename="report.`+format+`"`)
	_, _ = w.Write(buf.Bytes())
}

// reportHeaders names the columns of an exported report by field: the
// API speaks in field names.
func reportHeaders(d analysis.Definition) []string {
	var out []string
	for _, g := range d.GroupBy {
		h := g.Field
		if g.Bucket != "" {
			h += " (" + g.Bucket + ")"
		}
		out = append(out, h)
	}
	for _, m := range d.Measures {
		h := m.Op
		if m.Field != "" {
			h += " " + m.Field
		}
		out = append(out, h)
	}
	return out
}

// addCustomReportPaths describes the report builder's endpoint.
func addCustomReportPaths(paths, schemas obj) {
	schemas["ReportDefinition"] = obj{"type": "object", "required": []string{"object", "measures"}, "properties": obj{
		"object": obj{"type": "string", "description": "the records reported on, by plural: deals, contacts, companies, tasks, calls, meetings, notes, products or a list of the workspace"},
		"group_by": obj{"type": "array", "maxItems": 2, "items": obj{"type": "object", "required": []string{"field"}, "properties": obj{
			"field":  str(),
			"bucket": obj{"enum": records.Buckets, "description": "the period of a date or time (UTC); month when left out"}}}},
		"measures": obj{"type": "array", "minItems": 1, "items": obj{"type": "object", "required": []string{"op"}, "properties": obj{
			"op":    obj{"enum": records.Aggregations},
			"field": obj{"type": "string", "description": "a number or money field; none for count"}}}},
		"filter": ref("Filter"),
		"chart":  obj{"enum": analysis.Charts}}}
	schemas["ReportResult"] = obj{"type": "object", "properties": obj{
		"definition": ref("ReportDefinition"),
		"rows": obj{"type": "array", "items": obj{"type": "object", "properties": obj{
			"keys":   obj{"type": "array", "items": str(), "description": "ids, options and periods (2026-03-02 for a day or the Monday of a week, 2026-03, 2026-Q1, 2026); empty for none"},
			"labels": obj{"type": "array", "items": str()},
			"values": obj{"type": "array", "items": obj{"type": []string{"number", "null"}}}}}},
		"currency":    obj{"type": "string", "description": "the base currency of the money measures, whose figures are minor units"},
		"money":       obj{"type": "array", "items": obj{"type": "boolean"}},
		"unconverted": obj{"type": "array", "items": obj{"type": "object", "properties": obj{"currency": str(), "records": obj{"type": "integer"}}}},
		"truncated":   obj{"type": "boolean"}}}
	paths["/reports/custom"] = obj{"post": obj{"tags": []string{"reports"}, "operationId": "custom_report",
		"description": "Counts, sums, averages, minimums or maximums of the records the caller may read, grouped by up to two fields. " +
			"Money is summed in the workspace's base currency at today's rates; records in a currency without a rate are counted in unconverted. " +
			"A field the caller's role hides is refused as unknown. format=csv or xlsx answers the table as a file.",
		"parameters":  []obj{{"name": "format", "in": "query", "schema": obj{"enum": []string{"json", "csv", "xlsx"}}}},
		"requestBody": jsonBody("ReportDefinition"),
		"responses":   obj{"200": response("the report", "ReportResult"), "4XX": problem}}}
}

// builder: end

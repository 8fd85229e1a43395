package api

// addReportPaths describes the standard reports (docs/decisions/0027-reports.md).
func addReportPaths(paths obj) {
	params := func(extra ...string) []obj {
		desc := map[string]string{
			"from": "first day of the period, YYYY-MM-DD (UTC)", "to": "last day of the period, inclusive",
			"preset":   "this_month (default), last_month, this_quarter, this_year or last_year; from and to override it",
			"pipeline": "a pipeline id (funnel and cycle: the first pipeline when absent)", "user": "a user id; repeatable",
			"team": "a team id: its members' deals", "source": "the deals' source",
			"by":     "revenue: day, week, month (default), quarter, user, team, source or product (a deal's won value split between its products by line total)",
			"object": "events: the object changed", "record_id": "events: the record changed",
			"field": "events: a field the change touched", "before": "events: the field's value before (value: amount in minor units)",
			"filter": "funnel, cycle, revenue, summary and employees: the deals a filter matches, in the lists' JSON language (as a list's query body's filter, URL-encoded), e.g. {\"field\":\"value.currency\",\"op\":\"eq\",\"value\":\"EUR\"}; a field the role hides is unknown",
			"after":  "events: the field's value after", "cursor": "events: next_cursor of the previous page", "limit": "events: 1 to 500, 50 by default",
		}
		var out []obj
		for _, n := range append([]string{"from", "to", "preset", "pipeline", "user", "team", "source"}, extra...) {
			out = append(out, obj{"name": n, "in": "query", "schema": str(), "description": desc[n]})
		}
		return out
	}
	op := func(id, desc string, p []obj) obj {
		return obj{"get": obj{"tags": []string{"reports"}, "operationId": id, "description": desc, "parameters": p,
			"responses": obj{"200": response("the report", "Result"), "4XX": problem}}}
	}
	paths["/reports/funnel"] = op("report_funnel", "The deals created in the period through the pipeline's stages: "+
		"passed (stages a deal was really in) and cumulative (every stage up to the furthest it reached), each deal once per stage; "+
		"the conversion from stage to stage in percent; the deals lost from each stage by loss reason.", params("filter"))
	paths["/reports/cycle"] = op("report_cycle", "Mean and median days per stage over the stays that ended in the period, "+
		"and from creation to won or lost over the deals closed in it.", params("filter"))
	paths["/reports/revenue"] = op("report_revenue", "Deals won and lost in the period, grouped; sums in the base currency at the rate "+
		"of each deal's close date (null when the role hides the value; currencies without a rate listed in unconverted, never summed); "+
		"won deals split into new and repeat customers; loss reasons.", params("by", "filter"))
	paths["/reports/summary"] = op("report_summary", "The period on one page: new, won and lost deals, open deals by stage now, "+
		"tasks done and overdue, calls and notes.", params("filter"))
	paths["/reports/employees"] = op("report_employees", "Per user: deals created, moved, won and lost, value won, tasks done "+
		"and overdue, calls made and received, notes, mean hours from a new deal to its owner's first activity.", params("filter"))
	paths["/reports/events"] = op("report_events", "Administrators only: the changes of the audit trail in the period, newest first, "+
		"keyset-paged; user is who acted.", params("object", "record_id", "field", "before", "after", "cursor", "limit"))
}

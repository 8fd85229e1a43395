package api

// addSalesPaths describes the endpoints of the sales core that are not
// plain record operations: lists, the board, stock, currencies, timelines,
// notifications, search, caller lookup and duplicates.
func addSalesPaths(paths, schemas obj) {
	schemas["LineItem"] = obj{"type": "object", "properties": obj{
		"product_id": str(), "name": str(), "quantity": obj{"type": "number", "exclusiveMinimum": 0},
		"unit_price": ref("Money"), "discount": obj{"type": "number", "minimum": 0, "maximum": 100, "description": "percent"},
		"tax_rate": obj{"type": "number", "minimum": 0, "maximum": 100, "description": "percent"},
		"total":    obj{"allOf": []obj{ref("Money")}, "readOnly": true}}}
	schemas["Result"] = obj{"type": "object", "description": "see the operation's description"}
	id := []obj{{"name": "id", "in": "path", "required": true, "schema": str()}}
	query := func(names ...string) []obj {
		var out []obj
		for _, n := range names {
			out = append(out, obj{"name": n, "in": "query", "schema": str()})
		}
		return out
	}
	op := func(tag, opID, desc, status string, params []obj, body bool) obj {
		o := obj{"tags": []string{tag}, "operationId": opID, "description": desc,
			"responses": obj{status: response("the result", "Result"), "4XX": problem}}
		if len(params) > 0 {
			o["parameters"] = params
		}
		if body {
			o["requestBody"] = jsonBody("Result")
		}
		return o
	}

	paths["/lists"] = obj{
		"get": op("lists", "list_lists", "The workspace's own lists; their records are at /{plural}.", "200", nil, false),
		"post": op("lists", "define_list", `Defines a list: {"name": "supplier", "plural": "suppliers", "label": "Suppliers"}. `+
			"Its records have a name and an owner and take custom fields at /fields/{plural}.", "201", nil, true)}

	paths["/pipelines/{id}/board"] = obj{"parameters": id, "get": op("deals", "pipeline_board",
		"Per stage: the count and total (in the base currency) of the open deals the caller may see, and the first 50. "+
			"The total is null when the caller's role hides the deals' value.",
		"200", query("owner_id"), false)}
	paths["/deals/rotting"] = obj{"get": op("deals", "rotting_deals",
		"Open deals idle in their stage longer than its rotting_days.", "200", query("limit", "cursor"), false)}
	paths["/deals/without-task"] = obj{"get": op("deals", "deals_without_task",
		"Open deals with no open task.", "200", query("owner_id", "limit", "cursor"), false)}
	paths["/products/{id}/stock"] = obj{"parameters": id,
		"get": op("products", "get_stock", "Stock per warehouse and in all.", "200", nil, false),
		"put": op("products", "set_stock", `Sets a warehouse's quantity: {"warehouse_id": …, "quantity": …, "reason": why, optional}.`, "200", nil, true)}
	paths["/products/{id}/stock/adjustments"] = obj{"parameters": id, "post": op("products", "adjust_stock",
		`Adds to or takes from a warehouse's quantity: {"warehouse_id": …, "delta": …, "reason": why, optional}.`, "200", nil, true)}
	paths["/warehouses"] = obj{
		"get":  op("products", "list_warehouses", "", "200", nil, false),
		"post": op("products", "create_warehouse", "", "201", nil, true)}
	paths["/price_lists/{id}/items"] = obj{"parameters": id,
		"get": op("products", "get_price_list_items", "", "200", nil, false),
		"put": op("products", "set_price_list_items", `{"items": [{"product_id": …, "price": Money}]}`, "200", nil, true)}
	paths["/exchange_rates"] = obj{
		"get":  op("currencies", "list_exchange_rates", "", "200", query("currency"), false),
		"post": op("currencies", "add_exchange_rate", `{"currency": "USD", "rate": 0.92, "date": "2026-11-01"}: one unit in the base currency.`, "201", nil, true)}
	// forecast: begin
	paths["/reports/forecast"] = obj{"get": op("reports", "forecast",
		"The caller's forecast over the deals they may read. months: the open deals by expected close month (deals past it in the current one) "+
			"and forecast category (the deal's forecast_category, else its stage's; pipeline by default), each with count, value and weighted value "+
			"(value × the deal's probability, else its stage's) in the base currency's minor units; the current month's won deals are closed. "+
			"history: won revenue of each past month, every deal at its close date's rate; revenue: the forecast of the next horizon months by the "+
			"exponential-smoothing model (model: ANN, AAN or AAA) of smallest AICc, with 80% and 95% intervals; too_short when fewer than 6 months are known. "+
			"unconverted lists currencies without a rate. With the deals' value hidden only counts are given. "+
			"Parameters: pipeline, user, team (ids; unknown ones are 400), horizon (1–24 months, default 6).",
		"200", query("pipeline", "user", "team", "horizon"), false)}
	// forecast: end
	paths["/settings/sales"] = obj{
		"get":   op("currencies", "get_sales_settings", "", "200", nil, false),
		"patch": op("currencies", "update_sales_settings", `{"base_currency": "EUR", "allow_negative_stock": false}`, "200", nil, true)}

	for _, o := range []string{"contacts", "companies", "deals"} {
		paths["/"+o+"/{id}/timeline"] = obj{"parameters": id, "get": op("timeline", o+"_timeline",
			"Notes, tasks, calls, meetings, e-mails filed from connected mailboxes, stage changes and field changes of the record and its related records, newest first.",
			"200", query("kind", "limit", "cursor"), false)}
	}
	paths["/notifications"] = obj{"get": op("notifications", "list_notifications", "The caller's, newest first.", "200", query("unread", "limit", "cursor"), false)}
	paths["/notifications/{id}/read"] = obj{"parameters": id, "post": op("notifications", "read_notification", "", "200", nil, false)}
	paths["/notifications/read-all"] = obj{"post": op("notifications", "read_all_notifications", "", "200", nil, false)}
	paths["/notifications/stream"] = obj{"get": op("notifications", "stream_notifications",
		"A text/event-stream of the caller's new notifications; Last-Event-ID replays what was missed. "+
			"A user holds at most a few streams: opening one more closes the oldest with a \"superseded\" event and a retry delay. "+
			"When the server holds its maximum of streams the answer is 503 with Retry-After.", "200", nil, false)}

	paths["/search"] = obj{"get": op("search", "search",
		"Contacts, companies and deals whose words start with what was typed, best first, as far as the caller may see.",
		"200", query("q", "limit", "objects"), false)}
	paths["/lookup/phone"] = obj{"get": op("search", "lookup_phone",
		"The contacts and companies with a number typed any way, their open deals and their last activity.", "200", query("number"), false)}

	for _, o := range []string{"contacts", "companies"} {
		paths["/"+o+"/duplicates"] = obj{"get": op("duplicates", o+"_duplicates", "Groups of likely duplicates.", "200", query("limit", "cursor"), false)}
		paths["/"+o+"/duplicates/check"] = obj{"post": op("duplicates", o+"_duplicates_check", "Likely duplicates of a draft record.", "200", nil, true)}
		paths["/"+o+"/merge"] = obj{"post": op("duplicates", o+"_merge",
			`{"into": id, "from": [ids], "fields": {"field": id of the record whose value wins}} in one transaction.`, "200", nil, true)}
		// dupes: begin
		paths["/"+o+"/duplicates/review"] = obj{"get": op("duplicates", o+"_duplicates_review",
			"Pairs between the review and duplicate thresholds that nobody has decided, most likely first, with each field's contribution in bits; "+
				"only pairs of records the caller may read.", "200", query("limit", "cursor"), false)}
		paths["/"+o+"/duplicates/decisions"] = obj{"post": op("duplicates", o+"_duplicates_decide",
			`{"a": id, "b": id, "same": true|false}: "different" takes the pair out of the queue and its groups for good; needs update on both records.`, "204", nil, true)}
		paths["/"+o+"/duplicates/settings"] = obj{
			"get": op("duplicates", o+"_duplicates_settings", "Administrators: thresholds, identifying fields and a histogram of stored pair probabilities.", "200", nil, false),
			"put": op("duplicates", o+"_duplicates_save_settings",
				`Administrators: {"review_threshold": p, "duplicate_threshold": p, "identifying": [field names]}; a rescore follows in the background.`, "200", nil, true)}
		paths["/"+o+"/duplicates/estimate"] = obj{"post": op("duplicates", o+"_duplicates_estimate",
			"Administrators: queue a new estimate of the workspace's model and a rescore of every pair.", "202", nil, false)}
		// dupes: end
	}
}

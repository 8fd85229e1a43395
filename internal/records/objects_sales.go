package records

// The objects of selling: pipelines with their stages and the reasons deals
// are lost, deals, and the product catalogue. The rules that tie them
// together (stage gates, stage history, line-item totals, stock) are hooks
// that the sales service registers; here they are only described.

// DealStatuses are the states of a deal.
var DealStatuses = []string{"open", "won", "lost"}

// ForecastCategories are where a deal counts in a forecast, from least to
// most certain, and omitted (left out). A stage sets its deals' category;
// a deal may override it.
var ForecastCategories = []string{"pipeline", "best_case", "commit", "closed", "omitted"}

// repeatFields let a contact or company carry how often it is expected to
// buy again; the sales service fills the last purchase when a deal is won.
func repeatFields() []*Field {
	last := col("last_purchase_on", "Last purchase", Date)
	last.ReadOnly = true
	return []*Field{col("purchase_period_days", "Expected purchase period (days)", Integer), last}
}

func readOnly(f *Field) *Field {
	f.ReadOnly = true
	return f
}

func salesObjects() []*Object {
	pipeline := &Object{Name: "pipeline", Plural: "pipelines", Label: "Pipeline", grant: "pipeline", Fields: []*Field{
		required(col("name", "Name", Text)),
		col("position", "Position", Integer),
	}}
	stage := &Object{Name: "stage", Plural: "stages", Label: "Stage", grant: "pipeline", Fields: []*Field{
		{Name: "pipeline_id", Label: "Pipeline", Type: Relation, Target: "pipeline", Required: true, column: "pipeline_id"},
		required(col("name", "Name", Text)),
		col("position", "Position", Integer),
		col("probability", "Win probability (%)", Integer),
		col("rotting_days", "Rotting after (days)", Integer),
		col("required_fields", "Fields required to enter", Tags),
		withOptions(col("forecast_category", "Forecast category", Select), ForecastCategories...),
	}}
	lossReason := &Object{Name: "loss_reason", Plural: "loss_reasons", Label: "Loss reason", grant: "pipeline", Fields: []*Field{
		required(col("name", "Name", Text)),
		col("position", "Position", Integer),
		col("active", "Active", Boolean),
	}}
	deal := &Object{Name: "deal", Plural: "deals", Label: "Deal", Fields: []*Field{
		required(col("title", "Title", Text)),
		// A deal with line items is worth their sum, and the items are
		// priced in the value's currency: each gives the other away.
		derived(col("value", "Value", Money), "line_items"),
		{Name: "pipeline_id", Label: "Pipeline", Type: Relation, Target: "pipeline", column: "pipeline_id"},
		{Name: "stage_id", Label: "Stage", Type: Relation, Target: "stage", column: "stage_id"},
		withOptions(col("status", "Status", Select), DealStatuses...),
		col("owner_id", "Owner", User),
		{Name: "company_id", Label: "Company", Type: Relation, Target: "company", column: "company_id"},
		{Name: "contacts", Label: "Contacts", Type: Relations, Target: "contact",
			link: &link{table: "deal_contacts", self: "deal_id", other: "contact_id", extra: "role"}},
		col("expected_close_date", "Expected close date", Date),
		derived(readOnly(col("closed_at", "Closed at", DateTime)), "status"),
		withOptions(col("source", "Source", Select), Sources...),
		{Name: "loss_reason_id", Label: "Loss reason", Type: Relation, Target: "loss_reason", column: "loss_reason_id"},
		col("loss_note", "Loss note", LongText),
		derived(readOnly(col("stage_entered_at", "In stage since", DateTime)), "stage_id"),
		derived(col("line_items", "Line items", LineItems), "value"),
		col("tags", "Tags", Tags),
		// scores: begin
		readOnly(col("lead_score", "Lead score", Integer)),
		readOnly(col("win_probability", "Win probability (%)", Integer)),
		// scores: end
		// A deal's own chance and forecast category, when set, override
		// its stage's in the forecast.
		col("probability", "Own win probability (%)", Integer),
		withOptions(col("forecast_category", "Forecast category", Select), ForecastCategories...),
	}}
	product := &Object{Name: "product", Plural: "products", Label: "Product", grant: "product", Fields: []*Field{
		required(col("name", "Name", Text)),
		col("sku", "SKU", Text),
		col("unit", "Unit", Text),
		col("price", "Price", Money),
		col("tax_rate", "Tax rate (%)", Decimal),
		col("active", "Active", Boolean),
		readOnly(col("stock", "In stock", Decimal)),
		col("low_stock_threshold", "Low-stock threshold", Decimal),
		col("description", "Description", LongText),
	}}
	priceList := &Object{Name: "price_list", Plural: "price_lists", Label: "Price list", grant: "product", Fields: []*Field{
		required(col("name", "Name", Text)),
		required(col("currency", "Currency", Text)),
		col("active", "Active", Boolean),
	}}
	return []*Object{pipeline, stage, lossReason, deal, product, priceList}
}

package web

import "github.com/rapport-crm/rapport/internal/locale"

// objectView says how the web app lists and shows one object: the field
// that names a record, the columns of its list (each sorts by its field
// when the engine can), and the groups of its record page. Adding an
// object to the web app is adding one here, with its words to the
// catalogue.
type objectView struct {
	object  string // the engine's name of the object, singular
	plural  string
	name    string   // the field that names a record
	columns []string // updated_at is the engine's own column, which always sorts
	groups  []fieldGroupView
	// empty is the title and the text of an empty list.
	empty func(p *locale.Printer) (title, text string)
	// label is the name a user gave a list they defined; the objects
	// Rapport has have theirs in the catalogue.
	label string
	// shownOnly says the web app lists and shows the object's records but
	// has no form for them.
	shownOnly bool
	// typed are the fields the form lets the user type although they are
	// computed together with another field: a deal's value is typed while
	// it has no line items, and is their sum once it has.
	typed []string
}

// title is the name of the object's list in the user's language.
func (v *objectView) title(p *locale.Printer) string {
	if v.label != "" {
		return v.label
	}
	return p.T("object." + v.plural + ".name")
}

// editable reports whether the web app has a form for the object.
func (v *objectView) editable() bool { return !v.shownOnly }

// fieldGroupView is a titled group of fields on a record page.
type fieldGroupView struct {
	title  func(p *locale.Printer) string
	fields []string
}

// views are the objects the web app serves, by the plural in their URL.
var views = map[string]*objectView{
	"contacts": {
		object:  "contact",
		plural:  "contacts",
		name:    "full_name",
		columns: []string{"full_name", "emails", "phones", "companies", "owner_id", "updated_at"},
		groups: []fieldGroupView{
			{func(p *locale.Printer) string { return p.T("web.group.person") },
				[]string{"first_name", "last_name", "job_title", "birthday", "language"}},
			{func(p *locale.Printer) string { return p.T("web.group.reach") },
				[]string{"emails", "phones", "address", "website", "social_profiles"}},
			{func(p *locale.Printer) string { return p.T("web.group.business") },
				[]string{"companies", "owner_id", "source", "tags", "purchase_period_days", "last_purchase_on"}},
			{func(p *locale.Printer) string { return p.T("web.group.value") }, valueGroup}, // value
		},
		empty: func(p *locale.Printer) (string, string) {
			return p.T("web.contacts.empty_title"), p.T("web.contacts.empty_text")
		},
	},
	"companies": {
		object:  "company",
		plural:  "companies",
		name:    "name",
		columns: []string{"name", "domain", "phones", "industry", "owner_id", "updated_at"},
		groups: []fieldGroupView{
			{func(p *locale.Printer) string { return p.T("web.group.company") },
				[]string{"name", "domain", "industry", "size"}},
			{func(p *locale.Printer) string { return p.T("web.group.reach") },
				[]string{"emails", "phones", "address", "website"}},
			{func(p *locale.Printer) string { return p.T("web.group.business") },
				[]string{"contacts", "owner_id", "tags", "purchase_period_days", "last_purchase_on"}},
			{func(p *locale.Printer) string { return p.T("web.group.value") }, valueGroup}, // value
		},
		empty: func(p *locale.Printer) (string, string) {
			return p.T("web.companies.empty_title"), p.T("web.companies.empty_text")
		},
	},
	"deals": {
		object:  "deal",
		plural:  "deals",
		name:    "title",
		columns: []string{"title", "value", "stage_id", "pipeline_id", "company_id", "owner_id", "expected_close_date"},
		groups: []fieldGroupView{
			{func(p *locale.Printer) string { return p.T("web.group.deal") },
				[]string{"title", "value", "pipeline_id", "stage_id", "status", "loss_reason_id", "expected_close_date", "closed_at",
					"probability", "forecast_category"}},
			{func(p *locale.Printer) string { return p.T("web.group.business") },
				[]string{"company_id", "contacts", "owner_id", "source", "tags"}},
		},
		empty: func(p *locale.Printer) (string, string) {
			return p.T("web.deals.empty_title"), p.T("web.deals.empty_text")
		},
		typed: []string{"value"},
	},
	"tasks": {
		object:  "task",
		plural:  "tasks",
		name:    "title",
		columns: []string{"title", "due_at", "done", "owner_id", "record_id"},
		groups: []fieldGroupView{
			{func(p *locale.Printer) string { return p.T("web.group.task") },
				[]string{"title", "type", "due_at", "done", "done_at", "owner_id", "record_id", "result"}},
		},
		empty: func(p *locale.Printer) (string, string) {
			return p.T("web.tasks.empty_title"), p.T("web.tasks.empty_text")
		},
	},
	"products": {
		object:  "product",
		plural:  "products",
		name:    "name",
		columns: []string{"name", "sku", "price", "stock", "active"},
		groups: []fieldGroupView{
			{func(p *locale.Printer) string { return p.T("web.group.product") },
				[]string{"name", "sku", "unit", "price", "tax_rate", "stock", "low_stock_threshold", "active", "description"}},
		},
		empty: func(p *locale.Printer) (string, string) {
			return p.T("web.products.empty_title"), p.T("web.products.empty_text")
		},
	},
}

// linkedOnly are the objects that records link to but that the web app
// has no list of, by their singular: a deal's pipeline and stage are
// named on its row and page all the same.
var linkedOnly = map[string]*objectView{
	"pipeline": {object: "pipeline", plural: "pipelines", name: "name"},
	"stage":    {object: "stage", plural: "stages", name: "name"},
	// A lost deal names why.
	"loss_reason": {object: "loss_reason", plural: "loss_reasons", name: "name"},
}

// fieldLabel is the label of a standard field; a custom field has its
// own label, which the user gave it.
func fieldLabel(p *locale.Printer, name string) string {
	switch name {
	case "name", "full_name":
		return p.T("web.field.name")
	case "first_name":
		return p.T("web.field.first_name")
	case "last_name":
		return p.T("web.field.last_name")
	case "job_title":
		return p.T("web.field.job_title")
	case "birthday":
		return p.T("web.field.birthday")
	case "language":
		return p.T("web.field.language")
	case "emails":
		return p.T("web.field.emails")
	case "phones":
		return p.T("web.field.phones")
	case "address":
		return p.T("web.field.address")
	case "website":
		return p.T("web.field.website")
	case "social_profiles":
		return p.T("web.field.social_profiles")
	case "companies":
		return p.T("web.field.companies")
	case "contacts":
		return p.T("web.field.contacts")
	case "owner_id":
		return p.T("web.field.owner_id")
	case "source":
		return p.T("web.field.source")
	case "tags":
		return p.T("web.field.tags")
	case "purchase_period_days":
		return p.T("web.field.purchase_period_days")
	case "last_purchase_on":
		return p.T("web.field.last_purchase_on")
	case "domain":
		return p.T("web.field.domain")
	case "industry":
		return p.T("web.field.industry")
	case "size":
		return p.T("web.field.size")
	case "updated_at":
		return p.T("web.field.updated_at")
	case "title":
		return p.T("web.field.title")
	case "value":
		return p.T("web.field.value")
	case "pipeline_id":
		return p.T("web.field.pipeline_id")
	case "stage_id":
		return p.T("web.field.stage_id")
	case "status":
		return p.T("web.field.status")
	case "company_id":
		return p.T("web.field.company_id")
	case "expected_close_date":
		return p.T("web.field.expected_close_date")
	case "closed_at":
		return p.T("web.field.closed_at")
	case "due_at":
		return p.T("web.field.due_at")
	case "done":
		return p.T("web.field.done")
	case "done_at":
		return p.T("web.field.done_at")
	case "record_id":
		return p.T("web.field.record_id")
	case "result":
		return p.T("web.field.result")
	case "sku":
		return p.T("web.field.sku")
	case "unit":
		return p.T("web.field.unit")
	case "price":
		return p.T("web.field.price")
	case "stock":
		return p.T("web.field.stock")
	case "active":
		return p.T("web.field.active")
	case "description":
		return p.T("web.field.description")
	case "loss_reason_id":
		return p.T("web.field.loss_reason_id")
	case "type":
		return p.T("web.field.type")
	case "tax_rate":
		return p.T("web.field.tax_rate")
	case "low_stock_threshold":
		return p.T("web.field.low_stock_threshold")
	// scores: begin
	case "lead_score":
		return p.T("web.scores.field.lead_score")
	case "churn_risk":
		return p.T("web.scores.field.churn_risk")
	case "win_probability":
		return p.T("web.scores.field.win_probability")
		// scores: end
	// value: begin
	case "rfm_recency":
		return p.T("web.field.rfm_recency")
	case "rfm_frequency":
		return p.T("web.field.rfm_frequency")
	case "rfm_monetary":
		return p.T("web.field.rfm_monetary")
	case "rfm_segment":
		return p.T("web.field.rfm_segment")
	case "clv_purchases":
		return p.T("web.field.clv_purchases")
	case "clv_alive":
		return p.T("web.field.clv_alive")
	case "clv_value":
		return p.T("web.field.clv_value")
		// value: end
	case "probability":
		return p.T("web.forecast.probability")
	case "forecast_category":
		return p.T("web.forecast.category")
	}
	return name
}

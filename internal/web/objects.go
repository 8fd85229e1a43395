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
}

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
		},
		empty: func(p *locale.Printer) (string, string) {
			return p.T("web.companies.empty_title"), p.T("web.companies.empty_text")
		},
	},
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
	}
	return name
}

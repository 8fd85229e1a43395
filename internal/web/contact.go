package web

import (
	"net/http"

	"github.com/rapport-crm/rapport/internal/locale"
	"github.com/rapport-crm/rapport/internal/records"
)

// contactPage shows one contact, its fields in groups.
type contactPage struct {
	frame
	Name    string
	Groups  []fieldGroup
	Created string
	Updated string
}

// fieldGroup is a titled group of fields on a record page.
type fieldGroup struct {
	Title  string
	Fields []shownField
}

// shownField is one field with its values as text.
type shownField struct {
	Label  string
	Values []string
}

// contactGroups puts the standard fields of a contact in groups; custom
// fields follow in a group of their own.
func contactGroups(p *locale.Printer) []struct {
	title  string
	fields []string
} {
	return []struct {
		title  string
		fields []string
	}{
		{p.T("web.contact.group.person"), []string{"first_name", "last_name", "job_title", "birthday", "language"}},
		{p.T("web.contact.group.reach"), []string{"emails", "phones", "address", "website", "social_profiles"}},
		{p.T("web.contact.group.business"), []string{"companies", "owner_id", "source", "tags", "purchase_period_days", "last_purchase_on"}},
	}
}

// contactLabel is the label of a standard field of contacts.
func contactLabel(p *locale.Printer, name string) string {
	switch name {
	case "first_name":
		return p.T("web.field.contact.first_name")
	case "last_name":
		return p.T("web.field.contact.last_name")
	case "job_title":
		return p.T("web.field.contact.job_title")
	case "birthday":
		return p.T("web.field.contact.birthday")
	case "language":
		return p.T("web.field.contact.language")
	case "emails":
		return p.T("web.field.contact.emails")
	case "phones":
		return p.T("web.field.contact.phones")
	case "address":
		return p.T("web.field.contact.address")
	case "website":
		return p.T("web.field.contact.website")
	case "social_profiles":
		return p.T("web.field.contact.social_profiles")
	case "companies":
		return p.T("web.field.contact.companies")
	case "owner_id":
		return p.T("web.field.contact.owner_id")
	case "source":
		return p.T("web.field.contact.source")
	case "tags":
		return p.T("web.field.contact.tags")
	case "purchase_period_days":
		return p.T("web.field.contact.purchase_period_days")
	case "last_purchase_on":
		return p.T("web.field.contact.last_purchase_on")
	}
	return name
}

func (s *Server) contact(w http.ResponseWriter, r *http.Request, v *visit) {
	ctx := r.Context()
	rec, err := s.engine.Get(ctx, "contacts", r.PathValue("id"), false)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	fields, err := s.engine.Fields(ctx, "contacts")
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	n, err := s.namesOf(r, []records.Record{rec})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	byName := map[string]*records.Field{}
	for _, f := range fields {
		byName[f.Name] = f
	}
	data := &contactPage{frame: frame{Nav: "contacts"}, Name: str(rec["full_name"]),
		Created: v.dateTime(str(rec["created_at"])), Updated: v.dateTime(str(rec["updated_at"]))}
	for _, g := range contactGroups(v.p) {
		group := fieldGroup{Title: g.title}
		for _, name := range g.fields {
			// A field the user's role hides is not among the fields.
			if f := byName[name]; f != nil {
				group.Fields = append(group.Fields, shownField{Label: contactLabel(v.p, name), Values: v.show(f, rec[name], n)})
			}
		}
		data.Groups = append(data.Groups, group)
	}
	custom := fieldGroup{Title: v.p.T("web.contact.group.custom")}
	for _, f := range fields {
		if f.Custom {
			custom.Fields = append(custom.Fields, shownField{Label: f.Label, Values: v.show(f, rec[f.Name], n)})
		}
	}
	if len(custom.Fields) > 0 {
		data.Groups = append(data.Groups, custom)
	}
	s.render(w, r, v, http.StatusOK, "contact", data)
}

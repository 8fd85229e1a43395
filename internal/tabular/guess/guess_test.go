package guess

import (
	"slices"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/records"
)

// Every name written in names.go names a field the object has and an
// import may write, and no name stands for two fields of one object
// (which one would win would depend on map order).
func TestNamesNameWritableFields(t *testing.T) {
	objects := map[string]*records.Object{}
	for _, o := range records.StandardObjects() {
		objects[o.Name] = o
	}
	objects["activity"] = activityObject()
	parts := map[records.Type][]string{
		records.Address: {"street", "city", "region", "postal_code", "country"},
		records.Money:   {"currency"},
	}
	for object, fields := range known {
		o := objects[object]
		if o == nil {
			t.Errorf("%s: no such object", object)
			continue
		}
		owner := map[string]string{}
		for field, names := range fields {
			base, part, isPart := strings.Cut(field, ".")
			f := o.Field(base)
			switch {
			case f == nil || f.ReadOnly:
				t.Errorf("%s.%s: no writable field", object, base)
			case isPart && !slices.Contains(parts[f.Type], part):
				t.Errorf("%s.%s: %s has no part %q", object, field, f.Type, part)
			}
			for _, n := range names {
				k := Key(n)
				if other, ok := owner[k]; ok && other != field {
					t.Errorf("%s: %q stands for both %s and %s", object, n, other, field)
				}
				owner[k] = field
			}
		}
	}
}

func TestKey(t *testing.T) {
	same := [][]string{
		{"First name", "first_name", "FIRST NAME", "firstName", "Name, first", "  first-name "},
		{"E-mail 2 Address", "Email address", "emailAddress", "Address (e-mail)"},
		{"Miejscowość", "miejscowosc", "MIEJSCOWOŚĆ"},
		{"Ёлка", "елка"},
		{"Oraș", "ORAS", "Oraş"},
	}
	for _, group := range same {
		for _, h := range group[1:] {
			if Key(h) != Key(group[0]) {
				t.Errorf("Key(%q) = %q, Key(%q) = %q", h, Key(h), group[0], Key(group[0]))
			}
		}
	}
	if Key("First name") == Key("Last name") {
		t.Error("different names share a key")
	}
}

func TestColumns(t *testing.T) {
	cases := []struct {
		source, object string
		header         []string
		want           []string
	}{
		{"Google Contacts", "contact",
			[]string{"First Name", "Last Name", "Organization Name", "Organization Title", "Birthday", "Labels",
				"E-mail 1 - Label", "E-mail 1 - Value", "Phone 1 - Label", "Phone 1 - Value", "Address 1 - City", "Address 1 - Country"},
			[]string{"first_name", "last_name", "companies", "job_title", "birthday", "tags",
				"", "emails", "", "phones", "address.city", "address.country"}},
		{"Outlook", "contact",
			[]string{"First Name", "Middle Name", "Last Name", "E-mail Address", "E-mail 2 Address", "Business Phone", "Mobile Phone",
				"Company", "Business Street", "Business City", "Business Postal Code", "Business Country/Region", "Web Page", "Categories"},
			[]string{"first_name", "", "last_name", "emails", "emails", "phones", "phones",
				"companies", "address.street", "address.city", "address.postal_code", "address.country", "website", "tags"}},
		{"Salesforce", "contact",
			[]string{"FirstName", "LastName", "Title", "Account Name", "MailingStreet", "Mailing Zip/Postal Code", "MobilePhone", "Lead Source", "Birthdate"},
			[]string{"first_name", "last_name", "job_title", "companies", "address.street", "address.postal_code", "phones", "source", "birthday"}},
		{"HubSpot", "contact",
			[]string{"Record ID", "First Name", "Email", "Phone Number", "State/Region", "Contact owner", "Website URL"},
			[]string{"", "first_name", "emails", "phones", "address.region", "owner_id", "website"}},
		{"amoCRM", "contact",
			[]string{"Полное имя контакта", "Компания контакта", "Рабочий телефон", "Мобильный телефон", "Рабочий email", "Должность", "Ответственный"},
			[]string{"full_name", "companies", "phones", "phones", "emails", "job_title", "owner_id"}},
		{"Bitrix24", "contact",
			[]string{"Имя", "Фамилия", "Отчество", "Дата рождения", "Частный e-mail", "Источник"},
			[]string{"first_name", "last_name", "", "birthday", "emails", "source"}},
		{"Polish sheet", "contact",
			[]string{"Imię", "Nazwisko", "Telefon komórkowy", "Adres e-mail", "Miejscowość", "Kod pocztowy"},
			[]string{"first_name", "last_name", "phones", "emails", "address.city", "address.postal_code"}},
		{"Lithuanian sheet", "contact",
			[]string{"Vardas", "Pavardė", "El. paštas", "Telefonas", "Įmonė", "Pareigos"},
			[]string{"first_name", "last_name", "emails", "phones", "companies", "job_title"}},
		{"Romanian sheet", "contact",
			[]string{"Prenume", "Nume", "Telefon", "Oraș", "Județ", "Funcție"},
			[]string{"first_name", "last_name", "phones", "address.city", "address.region", "job_title"}},
		{"Kazakh sheet", "contact",
			[]string{"Аты", "Тегі", "Ұялы телефон", "Эл. пошта", "Лауазымы"},
			[]string{"first_name", "last_name", "phones", "emails", "job_title"}},
		{"HubSpot", "company",
			[]string{"Company name", "Company Domain Name", "Industry", "Number of Employees", "City", "Company owner"},
			[]string{"name", "domain", "industry", "size", "address.city", "owner_id"}},
		{"Salesforce", "company",
			[]string{"Account Name", "Billing City", "Billing Country", "Employees", "Account Owner", "Phone"},
			[]string{"name", "address.city", "address.country", "size", "owner_id", "phones"}},
		{"Pipedrive", "deal",
			[]string{"Title", "Value", "Currency", "Organization", "Contact person", "Pipeline", "Stage", "Status", "Expected close date", "Lost reason", "Owner"},
			[]string{"title", "value", "value.currency", "company_id", "contacts", "pipeline_id", "stage_id", "status", "expected_close_date", "loss_reason_id", "owner_id"}},
		{"Salesforce", "deal",
			[]string{"Opportunity Name", "Account Name", "Amount", "Close Date", "Stage", "Probability (%)", "Opportunity Owner"},
			[]string{"title", "company_id", "value", "expected_close_date", "stage_id", "probability", "owner_id"}},
		{"Kommo", "deal",
			[]string{"Lead name", "Sale", "Responsible user", "Lead status", "Pipeline", "Tags"},
			[]string{"title", "value", "owner_id", "stage_id", "pipeline_id", "tags"}},
		{"Bitrix24", "deal",
			[]string{"Название сделки", "Стадия сделки", "Сумма", "Валюта", "Предполагаемая дата закрытия", "Компания", "Контакт"},
			[]string{"title", "stage_id", "value", "value.currency", "expected_close_date", "company_id", "contacts"}},
		{"Pipedrive", "product",
			[]string{"Name", "Product code", "Unit", "Tax", "Price", "Currency", "Active", "Description"},
			[]string{"name", "sku", "unit", "tax_rate", "price", "price.currency", "active", "description"}},
		{"Russian price list", "product",
			[]string{"Наименование", "Артикул", "Ед. изм.", "Цена", "НДС"},
			[]string{"name", "sku", "unit", "price", "tax_rate"}},
		{"Salesforce", "task",
			[]string{"Subject", "Due Date", "Assigned", "Comments"},
			[]string{"title", "due_at", "owner_id", ""}},
		{"Pipedrive", "call",
			[]string{"Subject", "Phone", "Duration", "Result", "Note"},
			[]string{"", "phone", "duration_seconds", "call_result", "body"}},
		{"Outlook calendar", "meeting",
			[]string{"Subject", "Start Date", "End Date", "Location", "Description", "Attendees"},
			[]string{"title", "starts_at", "ends_at", "place", "body", "attendees"}},
		{"Salesforce", "product",
			[]string{"Product Name", "Product Code", "Product Description", "Active", "List Price", "Quantity Unit Of Measure"},
			[]string{"name", "sku", "description", "active", "price", "unit"}},
		{"Bitrix24", "product",
			[]string{"Название", "Артикул", "Цена", "Валюта", "Единица измерения", "НДС", "Активен", "Описание"},
			[]string{"name", "sku", "price", "price.currency", "unit", "tax_rate", "active", "description"}},
		{"Pipedrive", "activity",
			[]string{"Type", "Subject", "Due date", "Due time", "Duration", "Done", "Assigned to user", "Person", "Organization", "Deal", "Note"},
			[]string{"kind", "title", "due_at", "due_time", "duration", "done", "owner_id", "contact", "company", "deal", "body"}},
		{"HubSpot", "activity",
			[]string{"Activity type", "Activity date", "Task title", "Task status", "Call duration", "Call direction", "Call outcome", "Activity owner", "Associated contact", "Associated company", "Associated deal"},
			[]string{"kind", "due_at", "title", "done", "duration", "direction", "call_result", "owner_id", "contact", "company", "deal"}},
		{"Salesforce", "activity",
			[]string{"Task Subtype", "Subject", "Due Date", "Assigned", "Comments", "Account Name", "Opportunity Name", "Call Duration"},
			[]string{"kind", "title", "due_at", "owner_id", "body", "company", "deal", "duration"}},
		{"amoCRM", "activity",
			[]string{"Тип", "Срок", "Ответственный", "Текст", "Результат", "Сделка", "Контакт", "Компания", "Выполнена"},
			[]string{"kind", "due_at", "owner_id", "body", "result", "deal", "contact", "company", "done"}},
		{"Bitrix24", "activity",
			[]string{"Тип дела", "Тема", "Крайний срок", "Исполнитель", "Завершено", "Описание", "Длительность звонка"},
			[]string{"kind", "title", "due_at", "owner_id", "done", "body", "duration"}},
		{"Polish sheet", "activity",
			[]string{"Rodzaj", "Temat", "Termin", "Godzina", "Odpowiedzialny", "Kontakt", "Firma", "Wykonane"},
			[]string{"kind", "title", "due_at", "due_time", "owner_id", "contact", "company", "done"}},
		{"Lithuanian sheet", "activity",
			[]string{"Tipas", "Tema", "Terminas", "Atsakingas", "Įmonė", "Atlikta", "Trukmė"},
			[]string{"kind", "title", "due_at", "owner_id", "company", "done", "duration"}},
		{"Romanian sheet", "activity",
			[]string{"Tip", "Subiect", "Termen", "Responsabil", "Companie", "Finalizat", "Durată"},
			[]string{"kind", "title", "due_at", "owner_id", "company", "done", "duration"}},
		{"Kazakh sheet", "activity",
			[]string{"Түрі", "Тақырып", "Мерзімі", "Жауапты", "Ұйым", "Орындалды", "Ұзақтығы"},
			[]string{"kind", "title", "due_at", "owner_id", "company", "done", "duration"}},
		{"Rapport's own names", "contact",
			[]string{"first_name", "last_name", "emails", "social_profiles", "purchase_period_days"},
			[]string{"first_name", "last_name", "emails", "social_profiles", "purchase_period_days"}},
	}
	for _, c := range cases {
		g, err := Columns(c.object, c.header)
		if err != nil {
			t.Fatal(err)
		}
		for i := range c.header {
			if g.Fields[i] != c.want[i] {
				t.Errorf("%s %s: %q → %q, want %q", c.source, c.object, c.header[i], g.Fields[i], c.want[i])
			}
		}
	}
}

// A field that holds one value and is claimed by two columns is reported;
// fields that hold several (e-mails, phones) take any number of columns.
func TestClashes(t *testing.T) {
	g, err := Columns("contact", []string{"Title", "Email", "Job Title", "Work email", "First name", "Phone", "Mobile", "first_name"})
	if err != nil {
		t.Fatal(err)
	}
	want := []Clash{{Field: "job_title", Columns: []int{0, 2}}, {Field: "first_name", Columns: []int{4, 7}}}
	if !slices.EqualFunc(g.Clashes, want, func(a, b Clash) bool { return a.Field == b.Field && slices.Equal(a.Columns, b.Columns) }) {
		t.Errorf("clashes = %+v, want %+v", g.Clashes, want)
	}
	if s := g.Clashes[0].String(); s != "columns 1, 3 all look like job_title" {
		t.Errorf("message = %q", s)
	}
	if _, err := Columns("spaceship", nil); err == nil {
		t.Error("an unknown object is accepted")
	}
}

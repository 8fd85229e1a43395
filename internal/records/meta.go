// Package records is the metadata-driven records engine: objects are
// described by fields, and one engine gives every object validation,
// create/read/update/soft-delete/restore/purge, filtering, sorting, keyset
// pagination, optimistic concurrency, permission checks and change events.
package records

import (
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Type is the type of a field.
type Type string

// Field types. Custom fields may use all of them except Relations, which
// is the many-to-many link between standard objects.
const (
	Text        Type = "text"
	LongText    Type = "long_text"
	Integer     Type = "integer"
	Decimal     Type = "decimal"
	Money       Type = "money"
	Date        Type = "date"
	DateTime    Type = "datetime"
	Boolean     Type = "boolean"
	Select      Type = "select"
	MultiSelect Type = "multi_select"
	Email       Type = "email"
	Phone       Type = "phone"
	URL         Type = "url"
	Relation    Type = "relation"
	User        Type = "user"
	Address     Type = "address"
	Tags        Type = "tags"
	URLs        Type = "urls"
	Relations   Type = "relations"
	// LineItems is a deal's list of products, quantities and prices; it is
	// a standard field only.
	LineItems Type = "line_items"
)

// CustomTypes lists the types a custom field may have, in documentation
// order.
var CustomTypes = []Type{Text, LongText, Integer, Decimal, Money, Date, DateTime, Boolean,
	Select, MultiSelect, Email, Phone, URL, Relation, User, Address, Tags, URLs}

// multi reports whether values of t are lists.
func (t Type) multi() bool {
	switch t {
	case MultiSelect, Email, Phone, Tags, URLs, Relations, LineItems:
		return true
	}
	return false
}

// numeric reports whether values of t compare as numbers.
func (t Type) numeric() bool { return t == Integer || t == Decimal }

// Field describes one field of an object.
type Field struct {
	Name     string   `json:"name"`
	Label    string   `json:"label"`
	Type     Type     `json:"type"`
	Options  []string `json:"options,omitempty"`
	Target   string   `json:"target,omitempty"`
	Required bool     `json:"required"`
	ReadOnly bool     `json:"read_only"`
	Custom   bool     `json:"custom"`
	// Sortable and Filters say how lists may use the field: whether they
	// sort by it, and the filter operators they accept on it (index.go).
	Sortable bool `json:"sortable"`
	Filters  []Op `json:"filters"`
	// Parts are the parts of an address or money field that lists sort
	// and filter by, such as address.city.
	Parts []*Field `json:"parts,omitempty"`
	// DerivedFrom names the fields whose values this one is computed from
	// (or computed together with): its value gives theirs away, so a role
	// that hides one of them hides this field too.
	DerivedFrom []string `json:"derived_from,omitempty"`

	column  string // the table column of a standard field
	link    *link  // the link table of a Relations field
	part    *part  // a part of a standard JSON column, such as address.city
	indexed bool   // a standard field with an index of its own
	folded  bool   // sorted and prefix-matched by its case-folded form
}

// link describes a many-to-many link table as seen from one side.
type link struct {
	table string // e.g. contact_companies
	self  string // column holding this record's id
	other string // column holding the linked record's id
	extra string // the column carrying the role or title
}

// Object describes a kind of record.
type Object struct {
	Name   string // singular, e.g. "contact"
	Plural string // the API path and table, e.g. "contacts"
	Label  string
	Fields []*Field
	// prepare fills derived fields (a contact's full name) before a write;
	// in holds the fields being written, old the stored record (nil on
	// create).
	prepare func(in, old map[string]any)

	// table holds the records; "" means Plural. kind, when set, is the
	// value of the table's kind column that marks this object's rows, for
	// objects that share one table (the activities, user-defined lists).
	table string
	kind  string
	// grant is the object the permission policy is asked about; "" means
	// Name. Objects that share one set of grants name the same one.
	grant string

	// What lists use (index.go): small objects need no indexes; kindKey
	// says the kind leads the shared table's indexes (the lists users
	// define) rather than each kind having its own; parts and composites
	// are the indexed parts of JSON columns and the (owner, field) indexes.
	small      bool
	kindKey    bool
	parts      []*Field
	composites []composite
}

// Table returns the table that holds the records of o.
func (o *Object) Table() string {
	if o.table != "" {
		return o.table
	}
	return o.Plural
}

// Kind returns the value of the kind column that marks o's rows in a shared
// table, or "" when o has its table to itself.
func (o *Object) Kind() string { return o.kind }

// Grant returns the object whose grants govern o.
func (o *Object) Grant() string {
	if o.grant != "" {
		return o.grant
	}
	return o.Name
}

// only is the condition, starting with " AND ", that keeps the rows of o
// in a shared table (aliased as alias, or unaliased when alias is ""), or
// "" when o has its table to itself. Kinds match fieldName, so they are
// safe to write into SQL.
func (o *Object) only(alias string) string {
	if o.kind == "" {
		return ""
	}
	if alias != "" {
		alias += "."
	}
	return " AND " + alias + "kind = '" + o.kind + "'"
}

// Field returns the standard field called name, or nil.
func (o *Object) Field(name string) *Field {
	for _, f := range o.Fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// systemFields are present on every record and written only by the engine.
var systemFields = []string{"id", "version", "created_at", "updated_at", "deleted_at"}

var fieldName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// isSystem reports whether name is one of the engine's own fields.
func isSystem(name string) bool { return slices.Contains(systemFields, name) }

func col(name, label string, t Type) *Field {
	return &Field{Name: name, Label: label, Type: t, column: name}
}

func withOptions(f *Field, options ...string) *Field {
	f.Options = options
	return f
}

// derived marks f as computed from the fields named from.
func derived(f *Field, from ...string) *Field {
	f.DerivedFrom = from
	return f
}

func required(f *Field) *Field {
	f.Required = true
	return f
}

// Sources are where a contact came from.
var Sources = []string{"web_form", "email", "phone_call", "chat", "referral", "event", "advertising", "social", "import", "api", "other"}

// CompanySizes are the head-count bands of a company.
var CompanySizes = []string{"1-10", "11-50", "51-200", "201-1000", "1001-5000", "5001+"}

// StandardObjects returns the built-in objects.
func StandardObjects() []*Object {
	contact := &Object{Name: "contact", Plural: "contacts", Label: "Contact", Fields: []*Field{
		col("first_name", "First name", Text),
		col("last_name", "Last name", Text),
		derived(col("full_name", "Full name", Text), "first_name", "last_name"),
		col("emails", "E-mails", Email),
		col("phones", "Phones", Phone),
		col("address", "Postal address", Address),
		col("website", "Website", URL),
		col("social_profiles", "Social profiles", URLs),
		col("job_title", "Job title", Text),
		col("language", "Language", Text),
		col("birthday", "Birthday", Date),
		withOptions(col("source", "Source", Select), Sources...),
		col("owner_id", "Owner", User),
		col("tags", "Tags", Tags),
		{Name: "companies", Label: "Companies", Type: Relations, Target: "company",
			link: &link{table: "contact_companies", self: "contact_id", other: "company_id", extra: "role"}},
	}, prepare: prepareContact}
	company := &Object{Name: "company", Plural: "companies", Label: "Company", Fields: []*Field{
		required(col("name", "Name", Text)),
		derived(col("domain", "Domain", Text), "website"),
		col("website", "Website", URL),
		col("phones", "Phones", Phone),
		col("emails", "E-mails", Email),
		col("address", "Postal address", Address),
		col("industry", "Industry", Text),
		withOptions(col("size", "Size", Select), CompanySizes...),
		col("owner_id", "Owner", User),
		col("tags", "Tags", Tags),
		{Name: "contacts", Label: "Contacts", Type: Relations, Target: "contact",
			link: &link{table: "contact_companies", self: "company_id", other: "contact_id", extra: "role"}},
	}, prepare: prepareCompany}
	contact.Fields = append(contact.Fields, repeatFields()...)
	company.Fields = append(company.Fields, repeatFields()...)
	// scores: begin
	contact.Fields = append(contact.Fields, readOnly(col("lead_score", "Lead score", Integer)), readOnly(col("churn_risk", "Churn risk (%)", Integer)))
	company.Fields = append(company.Fields, readOnly(col("churn_risk", "Churn risk (%)", Integer)))
	// scores: end
	// value: begin
	contact.Fields = append(contact.Fields, valueFields()...)
	company.Fields = append(company.Fields, valueFields()...)
	// value: end
	objs := []*Object{contact, company}
	objs = append(objs, salesObjects()...)
	objs = append(objs, activityObjects()...)
	for _, o := range objs {
		catalogue(o)
	}
	return objs
}

// prepareContact derives the full name from the first and last names when
// the caller changes either without giving a full name.
func prepareContact(in, old map[string]any) {
	if _, given := in["full_name"]; given {
		return
	}
	_, f := in["first_name"]
	_, l := in["last_name"]
	if !f && !l {
		return
	}
	first, last := str(in, old, "first_name"), str(in, old, "last_name")
	switch {
	case first != "" && last != "":
		in["full_name"] = clip(first + " " + last)
	case first != "" || last != "":
		in["full_name"] = first + last
	default:
		in["full_name"] = nil
	}
}

// clip shortens a derived text to the longest a text field holds, so that
// two names at their longest still make a valid full name.
func clip(s string) string {
	n := 0
	for i, r := range s {
		if n == maxText || i+utf8.RuneLen(r) > maxTextBytes {
			return strings.TrimSpace(s[:i])
		}
		n++
	}
	return s
}

// prepareCompany takes the domain from the website when none is given.
func prepareCompany(in, old map[string]any) {
	if _, given := in["domain"]; given {
		return
	}
	if old != nil && old["domain"] != nil {
		return
	}
	if w, ok := in["website"].(string); ok {
		if !strings.Contains(w, "://") {
			w = "https://" + strings.TrimSpace(w)
		}
		if host := hostOf(w); host != "" {
			in["domain"] = host
		}
	}
}

// str returns the string value of key, from in if present there, else from
// old, without the surrounding space that validation will strip.
func str(in, old map[string]any, key string) string {
	var s string
	if v, ok := in[key]; ok {
		s, _ = v.(string)
	} else if old != nil {
		s, _ = old[key].(string)
	}
	return strings.TrimSpace(s)
}

package records

import (
	"strings"

	"github.com/rapport-crm/rapport/internal/store"
)

// This file is the catalogue of the indexes lists use. Every field a list
// may sort by has a B-tree whose key is (workspace_id, [kind,] the field's
// sort expression, id), so that a page in that order is a walk from one
// point of the tree; the same tree serves equality, range, prefix and
// empty filters on the field. Text sorts and prefixes are case-folded.
// Multi-valued fields and custom fields are indexed in the field_values
// table instead (fieldvalues.go). The planner (plan.go) names these
// indexes to SQLite, and a test checks that the migrations create each
// one with the expression the queries use
// (docs/decisions/0010-list-speed.md).

// smallObjects are the catalogues a workspace configures by hand. Their
// lists need no indexes because a workspace may hold only so many of
// them: a create beyond the cap is refused.
var smallObjects = map[string]int{"pipeline": 100, "stage": 1000, "loss_reason": 500, "price_list": 500}

// unindexed are standard scalar fields that lists filter with contains
// only: nobody sorts calls by the number as typed or by a recording's
// address.
var unindexed = map[string]bool{"call.phone_typed": true, "call.recording_url": true}

// indexedType reports whether standard fields of type t get an index.
func indexedType(t Type) bool {
	switch t {
	case Text, URL, Integer, Decimal, Date, DateTime, Boolean, Select, User, Relation:
		return true
	}
	return false
}

// foldedType reports whether values of t sort and compare by their
// case-folded form.
func foldedType(t Type) bool { return t == Text || t == URL || t == Select }

// composite is an index on (owner_id, field): a salesperson sees their
// own records only, and without it their list in one order would walk the
// whole tree to find the few rows they own.
type composite struct {
	eq, sort string
}

// composites are the orders people list their own records in.
var composites = map[string][]string{
	"contact": {"last_name", "created_at", "updated_at"},
	"company": {"name", "created_at", "updated_at"},
	"deal":    {"title", "created_at", "updated_at", "expected_close_date"},
	"task":    {"due_at", "updated_at"},
}

// partsOf lists the parts of standard JSON columns that lists filter and
// sort by, with the column that holds a part when it has one.
var partsOf = map[string][]partSpec{
	"contact": append(addressParts(), valueParts()...), // value: the predicted value's parts
	"company": append(addressParts(), valueParts()...),
	"deal":    {{"value", "amount", Integer, "value_amount"}, {"value", "currency", Text, "value_currency"}},
	"product": {{"price", "amount", Integer, "price_amount"}, {"price", "currency", Text, "price_currency"}},
}

type partSpec struct {
	base, key string
	typ       Type
	column    string
}

func addressParts() []partSpec {
	return []partSpec{{"address", "city", Text, ""}, {"address", "region", Text, ""},
		{"address", "postal_code", Text, ""}, {"address", "country", Text, ""}}
}

// part is a part of a standard JSON column: its SQL is the column that
// holds it, or the path into the JSON.
type part struct {
	base   *Field
	key    string
	column string
}

// catalogue marks the indexed fields of a standard object and adds its
// parts and composites. It runs once, when the standard objects are made.
func catalogue(o *Object) {
	if _, small := smallObjects[o.Name]; small {
		o.small = true
	}
	for _, f := range o.Fields {
		f.indexed = !o.small && f.column != "" && indexedType(f.Type) && !unindexed[o.Name+"."+f.Name]
		f.folded = foldedType(f.Type)
	}
	for _, p := range partsOf[o.Name] {
		base := o.Field(p.base)
		f := &Field{Name: p.base + "." + p.key, Label: base.Label, Type: p.typ, indexed: true,
			folded: foldedType(p.typ), part: &part{base: base, key: p.key, column: p.column}}
		o.parts = append(o.parts, f)
		base.Parts = append(base.Parts, f)
	}
	for _, s := range composites[o.Name] {
		o.composites = append(o.composites, composite{eq: "owner_id", sort: s})
	}
	for _, f := range o.Fields {
		describe(f, o.small)
	}
	for _, f := range o.parts {
		describe(f, o.small)
	}
}

// describe fills what a field says about lists: whether they sort by it
// and the filter operators they accept on it.
func describe(f *Field, small bool) {
	// Multi-valued fields are indexed in field_values, relations by their
	// link tables.
	indexed := f.indexed || small || f.Custom || sideMulti(f.Type) || f.Type == Relations
	f.Sortable = indexed && sortableType(f.Type)
	f.Filters = filterOps(f.Type, indexed)
}

// sortableType reports whether records can be ordered by a field of type
// t.
func sortableType(t Type) bool {
	switch t {
	case Text, URL, Integer, Decimal, Date, DateTime, Boolean, Select, User, Relation:
		return true
	}
	return false
}

// filterOps are the operators a filter accepts on a field of type t.
// Without an index a field takes contains only, which lists serve by
// testing rows as they walk (see plan.go).
func filterOps(t Type, indexed bool) []Op {
	switch {
	case t == LineItems:
		return []Op{}
	case t == Money || t == Address:
		return []Op{Empty} // and the parts: value.amount, address.city
	case t == LongText:
		return []Op{Contains, Empty}
	case !indexed && textual(t):
		return []Op{Contains}
	case !indexed:
		return []Op{}
	}
	switch t {
	case Text, URL:
		return []Op{Eq, Ne, In, Lt, Lte, Gt, Gte, StartsWith, Contains, Empty}
	case Select:
		return []Op{Eq, Ne, In, StartsWith, Contains, Empty}
	case Integer, Decimal, Date, DateTime:
		return []Op{Eq, Ne, In, Lt, Lte, Gt, Gte, Empty}
	case Boolean:
		return []Op{Eq, Ne, Empty}
	case User, Relation:
		return []Op{Eq, Ne, In, Empty}
	case Email, Phone, URLs, Tags, MultiSelect:
		return []Op{Eq, Ne, In, StartsWith, Contains, Empty}
	case Relations:
		return []Op{Eq, In, Empty}
	}
	return []Op{}
}

// accepts reports whether f takes op in a filter.
func (f *Field) accepts(op Op) bool {
	for _, o := range f.Filters {
		if o == op {
			return true
		}
	}
	return false
}

// indexName is the name of the index that orders o's live records by the
// named field (a standard or system field, or a part such as
// address.city).
func (o *Object) indexName(field string) string {
	return o.indexPrefix() + "_by_" + strings.ReplaceAll(field, ".", "_")
}

// compositeName is the name of the index on (eq, sort).
func (o *Object) compositeName(c composite) string {
	return o.indexPrefix() + "_by_" + strings.TrimSuffix(c.eq, "_id") + "_" + c.sort
}

// trashName is the name of the index on o's deleted records by the time
// they were deleted.
func (o *Object) trashName() string { return o.indexPrefix() + "_trash" }

func (o *Object) indexPrefix() string {
	if o.kind != "" && !o.kindKey {
		return o.Table() + "_" + o.kind
	}
	return o.Table()
}

// keyExpr is the SQL of the value f sorts by, on the table aliased as
// alias ("" in an index definition): the column, the part, or its folded
// form.
func keyExpr(d store.Dialect, f *Field, alias string) string {
	if alias != "" {
		alias += "."
	}
	var expr string
	switch {
	case f.part != nil && f.part.column != "":
		expr = alias + f.part.column
	case f.part != nil:
		expr = d.JSONPath(alias+f.part.base.column, f.part.key, false)
	case f.column != "":
		expr = alias + f.column
	default:
		expr = alias + f.Name // a system column
	}
	if f.folded {
		return d.Fold(expr)
	}
	return expr
}

// indexDef is one index of the catalogue, as DDL for the dialect.
type indexDef struct {
	name string
	sql  string
}

// indexDefs returns the DDL of every index the standard objects' lists
// use. The migrations create them; TestListIndexesAreMigrated keeps the
// two in step.
func indexDefs(d store.Dialect, objs []*Object) []indexDef {
	var defs []indexDef
	for _, o := range objs {
		if o.small {
			continue
		}
		defs = append(defs, o.indexDefs(d)...)
	}
	return defs
}

func (o *Object) indexDefs(d store.Dialect) []indexDef {
	live := " WHERE deleted_at IS NULL"
	lead := "workspace_id, "
	switch {
	case o.kind != "" && o.kindKey:
		lead += "kind, "
	case o.kind != "":
		live = " WHERE kind = '" + o.kind + "' AND deleted_at IS NULL"
	}
	key := func(f *Field) string {
		k := keyExpr(d, f, "")
		if d == store.Postgres && f.folded && f.part == nil {
			// PostgreSQL reads a folded key from the index alone only when
			// the column it folds is in the index too.
			return k + " NULLS FIRST, id) INCLUDE (" + includeColumn(f)
		}
		if d == store.Postgres {
			return k + " NULLS FIRST, id"
		}
		return k + ", id"
	}
	var defs []indexDef
	add := func(name, cols string) {
		defs = append(defs, indexDef{name: name, sql: "CREATE INDEX " + name + " ON " + o.Table() + " (" + lead + cols + ")" + live + ";"})
	}
	add(o.indexName("id"), "id")
	for _, name := range []string{"created_at", "updated_at"} {
		add(o.indexName(name), key(systemColumns[name]))
	}
	for _, f := range o.Fields {
		if f.indexed {
			add(o.indexName(f.Name), key(f))
		}
	}
	for _, f := range o.parts {
		add(o.indexName(f.Name), key(f))
	}
	for _, c := range o.composites {
		add(o.compositeName(c), c.eq+", "+key(o.sortField(c.sort)))
	}
	trash := strings.Replace(live, "deleted_at IS NULL", "deleted_at IS NOT NULL", 1)
	deleted := "deleted_at, id"
	if d == store.Postgres {
		deleted = "deleted_at NULLS FIRST, id" // as every sort key's (see store.Dialect.Order)
	}
	defs = append(defs, indexDef{name: o.trashName(), sql: "CREATE INDEX " + o.trashName() + " ON " + o.Table() +
		" (" + lead + deleted + ")" + trash + ";"})
	return defs
}

// includeColumn is the column a folded key is computed from.
func includeColumn(f *Field) string {
	if f.part != nil {
		return f.part.base.column
	}
	if f.column != "" {
		return f.column
	}
	return f.Name
}

// sortField returns the standard, system or part field called name, or
// nil.
func (o *Object) sortField(name string) *Field {
	if f := systemColumns[name]; f != nil {
		return f
	}
	if f := o.Field(name); f != nil {
		return f
	}
	for _, p := range o.parts {
		if p.Name == name {
			return p
		}
	}
	return nil
}

package records

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/store"
)

// This file compiles a filter into terms. A term is one condition of the
// top-level AND: the SQL that tests a row, and, when an index can find
// the matching records, the SQL that asks it for their ids. The planner
// (plan.go) decides which index does the finding.

// clause is SQL with its arguments, in order.
type clause struct {
	sql  string
	args []any
}

func (c clause) and(o clause) clause {
	switch {
	case c.sql == "":
		return o
	case o.sql == "":
		return c
	}
	return clause{sql: c.sql + " AND " + o.sql, args: append(append([]any{}, c.args...), o.args...)}
}

// joinAnd joins clauses with AND.
func joinAnd(cs ...clause) clause {
	var out clause
	for _, c := range cs {
		out = out.and(c)
	}
	return out
}

// term is one condition of a list.
type term struct {
	test clause // holds for a row of t that meets the condition
	// How an index finds the records, when one can: ids lists them
	// outright (a filter on id); else index names a B-tree of t and cond
	// is the condition on its key (using the alias t); else side is a
	// query on field_values or a link table returning record ids. All
	// nil/empty when the condition can only be tested.
	ids   []int64
	index string
	cond  clause
	side  *clause
	// key is set when the condition is on the field the list is sorted
	// by: walking that field's index, cond narrows the walk.
	field string
	// eq is the single value of an equality on an indexed column, which a
	// composite index on (field, sort) can walk.
	eq any
	// rank orders the probes: a lower rank is likely more selective.
	rank int
	// sift is the condition, read from an index alone, that every record
	// meeting the term meets: a walk on SQLite tests it before it reads
	// the record, so that most records it passes over are never read.
	sift clause
	// set selects the ids of the records that meet the term through its
	// index, for a sift of a range, which is no single point of the index
	// (see plan.widen).
	set clause
	// walk is the condition on the field_values row sv of a single-valued
	// field kept there, which narrows a walk of that field's entries when
	// the list is sorted by it; walkField names the entries' field.
	walk      clause
	walkField string
	// probeKey is the key of the index that finds the records (cond's or
	// side's). PostgreSQL's probe orders by it: its estimate of a range
	// on an expression or on field_values (whose statistics mix every
	// field) can be far off, and the order makes it read the index
	// rather than scan the table for a range that holds few records. Not
	// for an IN: PostgreSQL 15 reads several points of an index in no
	// order, so it would read every match to sort them.
	probeKey string
}

// drivable reports whether an index can find the records of t.
func (t *term) drivable() bool { return t.ids != nil || t.index != "" || t.side != nil }

// compiler turns a filter into terms for one list.
type compiler struct {
	e   *Engine
	s   *schema
	ws  int64
	obj *Object
	// norm reads values compared with stored ones as the workspace's
	// were read; the zero value reads phones with the server's region.
	norm normalizer
}

func (c *compiler) d() store.Dialect { return c.e.db.Dialect }

// terms returns the terms of f's top-level AND; an OR group or a nested
// tree is one term that is only tested.
func (c *compiler) terms(f *Filter, path string) ([]term, error) {
	if f == nil {
		return nil, nil
	}
	if f.And != nil {
		var out []term
		for i := range f.And {
			ts, err := c.terms(&f.And[i], path+".and["+strconv.Itoa(i)+"]")
			if err != nil {
				return nil, err
			}
			out = append(out, ts...)
		}
		return out, nil
	}
	if f.Or != nil {
		test, err := c.tree(f, path)
		if err != nil {
			return nil, err
		}
		return []term{{test: test}}, nil
	}
	t, err := c.compare(f, path)
	if err != nil {
		return nil, err
	}
	return []term{t}, nil
}

// tree turns a filter tree into one test.
func (c *compiler) tree(f *Filter, path string) (clause, error) {
	if f.And == nil && f.Or == nil {
		t, err := c.compare(f, path)
		return t.test, err
	}
	op, list, key := " AND ", f.And, "and"
	if f.Or != nil {
		op, list, key = " OR ", f.Or, "or"
	}
	if len(list) == 0 {
		if key == "and" {
			return clause{sql: "1=1"}, nil
		}
		return clause{sql: "1=0"}, nil
	}
	parts := make([]string, len(list))
	var args []any
	for i := range list {
		p, err := c.tree(&list[i], path+"."+key+"["+strconv.Itoa(i)+"]")
		if err != nil {
			return clause{}, err
		}
		parts[i] = p.sql
		args = append(args, p.args...)
	}
	return clause{sql: "(" + strings.Join(parts, op) + ")", args: args}, nil
}

// field resolves the field a condition names: a field, a part of one
// (address.city, value.amount, a custom money's amount) or a system
// field.
func (c *compiler) field(name string) (*Field, error) {
	if f := systemColumns[name]; f != nil && name != "deleted_at" {
		return f, nil
	}
	base, sub, _ := strings.Cut(name, ".")
	f := c.s.field(base)
	if f == nil {
		return nil, fault.Errorf(fault.EINVALID, "%q is not a field of %s", base, c.obj.Plural)
	}
	if sub == "" {
		return f, nil
	}
	if !f.Custom {
		for _, p := range c.obj.parts {
			if p.Name == name {
				return p, nil
			}
		}
		if c.obj.small && (f.Type == Money || f.Type == Address) {
			return partOf(f, sub)
		}
	} else if f.Type == Money || f.Type == Address {
		return partOf(f, sub)
	}
	return nil, fault.Errorf(fault.EINVALID, "%q has no part %q that lists use", base, sub)
}

// partOf describes a part of a custom (or small object's) money or
// address field.
func partOf(f *Field, sub string) (*Field, error) {
	switch {
	case f.Type == Money && (sub == "amount" || sub == "currency"):
		t := Text
		if sub == "amount" {
			t = Integer
		}
		p := &Field{Name: f.Name + "." + sub, Type: t, Custom: f.Custom, folded: t == Text, part: &part{base: f, key: sub}}
		describe(p, true)
		return p, nil
	case f.Type == Address && contains(addressKeys, sub) && sub != "street":
		p := &Field{Name: f.Name + "." + sub, Type: Text, Custom: f.Custom, folded: true, part: &part{base: f, key: sub}}
		describe(p, true)
		return p, nil
	case f.Type == Address && sub == "street":
		p := &Field{Name: f.Name + ".street", Type: Text, Custom: f.Custom, part: &part{base: f, key: sub}}
		p.Filters = []Op{Contains}
		return p, nil
	}
	return nil, fault.Errorf(fault.EINVALID, "%q has no part %q", f.Name, sub)
}

// rowExpr is the SQL of a scalar field's value in a row of t, compared
// exactly (not folded).
func (c *compiler) rowExpr(f *Field) string {
	d := c.d()
	switch {
	case f.Custom && f.part != nil:
		return d.JSONPath("t.custom", f.Name, f.Type.numeric())
	case f.Custom && f.Type == Boolean:
		return d.JSONBool("t.custom", f.Name)
	case f.Custom:
		return d.JSONPath("t.custom", f.Name, f.Type.numeric())
	case f.part != nil && f.part.column != "":
		return "t." + f.part.column
	case f.part != nil:
		return d.JSONPath("t."+f.part.base.column, f.part.key, f.Type.numeric())
	case f.column != "":
		return "t." + f.column
	}
	return "t." + f.Name
}

// compare compiles one condition.
func (c *compiler) compare(cond *Filter, path string) (term, error) {
	op := cond.Op
	if op == "" {
		op = Eq
	}
	if !validOp(op) {
		return term{}, fault.Field(path+".op", "option", "must be one of %s", opList())
	}
	f, err := c.field(cond.Field)
	if err != nil {
		return term{}, fault.Field(path+".field", "field", "%s", err.Error())
	}
	if (f.Type == Money || f.Type == Address) && op != Empty {
		part := map[Type]string{Money: "amount", Address: "city"}[f.Type]
		return term{}, fault.Field(path+".field", "field", "filter by a part of %s, such as %s.%s", f.Name, f.Name, part)
	}
	if !f.accepts(op) {
		return term{}, refuse(f, op, path)
	}
	switch {
	case f.Type == Relations:
		return c.links(f, op, cond.Value, path)
	case f.Type.multi():
		return c.multi(f, op, cond.Value, path)
	}
	return c.scalar(f, op, cond.Value, path)
}

// refuse explains which operators a field takes.
func refuse(f *Field, op Op, path string) error {
	if len(f.Filters) == 0 {
		return fault.Field(path+".field", "field", "%q cannot be filtered on", f.Name)
	}
	names := make([]string, len(f.Filters))
	for i, o := range f.Filters {
		names[i] = string(o)
	}
	return fault.Field(path+".op", "op", "%s does not apply to %s, a %s field; it takes %s", op, f.Name, f.Type, strings.Join(names, ", "))
}

// scalar compiles a condition on a single-valued field.
func (c *compiler) scalar(f *Field, op Op, value any, path string) (term, error) {
	t, err := c.scalarTerm(f, op, value, path)
	// Only a point of a field's own index (a value, then the id) sifts a
	// record in one seek; a range of it would be read for every record
	// tested. field_values rows are found by record first, so they sift
	// any condition.
	if empty, _ := boolValue(value); !f.Custom && op != Eq && op != In && !(op == Empty && empty) {
		t.sift = clause{}
	}
	if op == In {
		t.probeKey = "" // PostgreSQL reads several points of an index in no order (see probeKey)
	}
	return t, err
}

func (c *compiler) scalarTerm(f *Field, op Op, value any, path string) (term, error) {
	row := c.rowExpr(f)
	t := term{field: f.Name}
	if op == Empty {
		empty, err := boolValue(value)
		if err != nil {
			return t, fault.Field(path+".value", "type", "empty takes true or false")
		}
		t.test = clause{sql: row + " IS NOT NULL"}
		if empty {
			t.test = clause{sql: row + " IS NULL"}
		}
		t.rank = 3
		c.index(&t, f, func(key string) clause {
			if empty {
				return clause{sql: key + " IS NULL"}
			}
			return clause{sql: c.d().NotNull(key, f.folded)}
		})
		return t, nil
	}
	if op == In {
		list, ok := value.([]any)
		if !ok || len(list) == 0 || len(list) > maxInValues {
			return t, fault.Field(path+".value", "type", "in takes a list of 1 to %d values", maxInValues)
		}
		vals := make([]any, len(list))
		for i, v := range list {
			x, err := c.e.filterValue(f, v)
			if err != nil {
				return t, fault.Field(path+".value["+strconv.Itoa(i)+"]", "type", "%s", err.Error())
			}
			vals[i] = x
		}
		t.test = clause{sql: row + " IN (" + store.Marks(len(vals)) + ")", args: vals}
		t.rank = 1
		if f.Name == "id" {
			t.ids = idList(vals)
			return t, nil
		}
		c.index(&t, f, func(key string) clause {
			return clause{sql: key + " IN (" + c.folds(f, len(vals)) + ")", args: vals}
		})
		return t, nil
	}
	v, err := c.e.filterValue(f, value)
	if err != nil {
		return t, fault.Field(path+".value", "type", "%s", err.Error())
	}
	switch op {
	case Eq:
		t.test = clause{sql: row + " = ?", args: []any{v}}
		t.rank, t.eq = 0, v
		if f.Name == "id" {
			t.ids = idList([]any{v})
			return t, nil
		}
		c.index(&t, f, func(key string) clause { return clause{sql: key + " = " + c.folds(f, 1), args: []any{v}} })
	case Ne:
		t.test = clause{sql: "(" + row + " IS NULL OR " + row + " <> ?)", args: []any{v}}
	case Lt, Lte, Gt, Gte:
		sym := map[Op]string{Lt: " < ", Lte: " <= ", Gt: " > ", Gte: " >= "}[op]
		t.rank = 2
		if f.folded {
			// Text ranges follow the list's order, which ignores case.
			k := c.d().Fold(row)
			t.test = clause{sql: k + sym + c.folds(f, 1), args: []any{v}}
		} else {
			t.test = clause{sql: row + sym + "?", args: []any{v}}
		}
		c.index(&t, f, func(key string) clause { return clause{sql: key + sym + c.folds(f, 1), args: []any{v}} })
	case StartsWith:
		// A prefix is the range from itself to itself followed by the
		// highest character, in the folded order: an index serves it
		// without LIKE's rules on case and collation.
		p := v.(string)
		fold := "?"
		if f.folded {
			fold = c.d().Fold("?")
			sql, args := c.d().FoldPrefix(row, p)
			t.test = clause{sql: sql, args: args}
		} else {
			t.test = clause{sql: row + " >= ? AND " + row + " < ?", args: []any{p, p + maxRune}}
		}
		t.rank = 2
		c.index(&t, f, func(key string) clause {
			return clause{sql: key + " >= " + fold + " AND " + key + " < " + fold, args: []any{p, p + maxRune}}
		})
	case Contains:
		t.test = clause{sql: row + " " + c.d().Like() + " ? ESCAPE '\\'", args: []any{"%" + escapeLike(v.(string)) + "%"}}
	default:
		return t, fault.Field(path+".op", "option", "must be one of %s", opList())
	}
	return t, nil
}

// maxRune follows every other character in the folded, byte-wise order.
const maxRune = string(utf8.MaxRune)

// folds is n placeholders, folded when f's key is.
func (c *compiler) folds(f *Field, n int) string {
	if !f.folded {
		return store.Marks(n)
	}
	marks := make([]string, n)
	for i := range marks {
		marks[i] = c.d().Fold("?")
	}
	return strings.Join(marks, ", ")
}

// index sets how an index finds the records of t: the field's own B-tree,
// or its rows in field_values. onKey builds the condition on the index
// key.
func (c *compiler) index(t *term, f *Field, onKey func(key string) clause) {
	if c.obj.small {
		return
	}
	if !f.Custom {
		if f.indexed || f.part != nil && f.part.column != "" || f.Name == "id" || systemColumns[f.Name] != nil {
			key, sifted := keyExpr(c.d(), f, "t"), onKey(keyExpr(c.d(), f, "x"))
			t.index, t.cond = c.obj.indexName(f.Name), onKey(key)
			if f.Name != "id" { // the tree of ids is plain, and its statistics exact
				t.probeKey = key
			}
			t.sift = c.siftBy(t.index, sifted)
			t.set = c.setBy(t.index, sifted)
		}
		return
	}
	sf, ok := c.s.sideField(f.Name)
	if !ok || !c.s.ready[sf.name] {
		return
	}
	col := "v.text"
	if sf.numeric {
		col = "v.num"
	}
	k := onKey(col)
	if sf.numeric {
		k = clause{sql: k.sql, args: numberArgs(k.args)}
	}
	side := sideQuery(c.ws, c.obj.Name, sf).and(k)
	t.side, t.probeKey = &side, col
	t.sift = c.siftSide(sf, k)
	if !sf.multi {
		w := onKey("sv." + strings.TrimPrefix(col, "v."))
		t.walk, t.walkField = clause{sql: w.sql, args: k.args}, sf.name
	}
}

// siftBy is a test of a record of t through the named index of its own
// table: cond is on the index key of the alias x.
func (c *compiler) siftBy(index string, cond clause) clause {
	if c.d() != store.SQLite {
		return clause{}
	}
	return clause{sql: "EXISTS (SELECT 1 FROM " + c.obj.Table() + " x INDEXED BY " + index +
		" WHERE x.workspace_id = t.workspace_id" + c.obj.only("x") + " AND x.deleted_at IS NULL AND " + cond.sql + " AND x.id = t.id)",
		args: cond.args}
}

// setBy selects the ids of the live records of the named index of t's
// table that meet cond, on the index key of the alias x.
func (c *compiler) setBy(index string, cond clause) clause {
	if c.d() != store.SQLite {
		return clause{}
	}
	return clause{sql: "SELECT x.id FROM " + c.obj.Table() + " x INDEXED BY " + index + " WHERE x.workspace_id = ?" + c.obj.only("x") +
		" AND x.deleted_at IS NULL AND " + cond.sql, args: append([]any{c.ws}, cond.args...)}
}

// siftSide is a test of a record of t through its field_values rows: cond
// is on v.num or v.text.
func (c *compiler) siftSide(sf sideField, cond clause) clause {
	if c.d() != store.SQLite {
		return clause{}
	}
	// By record first: the index of values would read a whole range of
	// them for every record tested.
	sql := "EXISTS (SELECT 1 FROM field_values v INDEXED BY field_values_record WHERE v.workspace_id = t.workspace_id AND v.object = ? AND v.field = ? AND v.n = " +
		strconv.Itoa(boolInt(sf.numeric)) + " AND v.record_id = t.id"
	if cond.sql != "" {
		sql += " AND " + cond.sql
	}
	return clause{sql: sql + ")", args: append([]any{c.obj.Name, sf.name}, cond.args...)}
}

// sideQuery selects the ids of records with an entry of sf; a condition
// on v.num or v.text narrows it. A record with several matching values
// comes back more than once: the planner counts rows, which bounds its
// probe, and removes the repeats itself.
func sideQuery(ws int64, object string, sf sideField) clause {
	// n is written out so that the planners match the partial indexes.
	return clause{sql: "SELECT v.record_id FROM field_values v WHERE v.workspace_id = ? AND v.object = ? AND v.field = ? AND v.n = " +
		strconv.Itoa(boolInt(sf.numeric)), args: []any{ws, object, sf.name}}
}

// numberArgs turns the arguments of a condition on a custom field into
// the numbers field_values holds: booleans as 0 and 1, ids as integers.
func numberArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch x := a.(type) {
		case bool:
			out[i] = boolInt(x)
		case string:
			n, err := strconv.ParseInt(x, 10, 64)
			if err != nil {
				out[i] = a
				continue
			}
			out[i] = n
		default:
			out[i] = a
		}
	}
	return out
}

func idList(vals []any) []int64 {
	ids := make([]int64, 0, len(vals))
	for _, v := range vals {
		if n, ok := v.(int64); ok {
			ids = append(ids, n)
		}
	}
	return ids
}

// multi compiles a condition on a list-valued field: a condition holds
// when any element meets it; empty asks whether there are none. Rows are
// tested on the JSON array; field_values finds them.
func (c *compiler) multi(f *Field, op Op, value any, path string) (term, error) {
	d := c.d()
	array := "t." + f.column
	if f.Custom {
		array = d.JSONObjectPath("t.custom", f.Name)
	}
	member := ""
	if f.Type == Email || f.Type == Phone || f.Type == URLs {
		member = "value"
	}
	from, elem := d.JSONElements(array, member)
	exists := func(cond string) string { return "EXISTS (SELECT 1 FROM " + from + " WHERE " + cond + ")" }
	t := term{field: f.Name}
	side := func(cond clause) {
		sf, ok := c.s.sideField(f.Name)
		if !ok || !c.s.ready[sf.name] {
			return
		}
		q := sideQuery(c.ws, c.obj.Name, sf).and(cond)
		t.side, t.probeKey = &q, "v.text"
		t.sift = c.siftSide(sf, cond)
	}
	switch op {
	case Empty:
		empty, err := boolValue(value)
		if err != nil {
			return t, fault.Field(path+".value", "type", "empty takes true or false")
		}
		if empty {
			t.test = clause{sql: "NOT " + exists("1=1")}
			return t, nil
		}
		t.test = clause{sql: exists("1=1")}
		t.rank = 3
		side(clause{})
	case Eq, Ne:
		v, err := c.elemValue(f, value)
		if err != nil {
			return t, fault.Field(path+".value", "type", "%s", err.Error())
		}
		t.test = clause{sql: exists(elem + " = ?"), args: []any{v}}
		if op == Ne {
			t.test.sql = "NOT " + t.test.sql
			return t, nil
		}
		side(clause{sql: "v.text = ?", args: []any{store.Fold(v)}})
	case In:
		list, ok := value.([]any)
		if !ok || len(list) == 0 || len(list) > maxInValues {
			return t, fault.Field(path+".value", "type", "in takes a list of 1 to %d values", maxInValues)
		}
		vals, folds := make([]any, len(list)), make([]any, len(list))
		for i, x := range list {
			v, err := c.elemValue(f, x)
			if err != nil {
				return t, fault.Field(path+".value["+strconv.Itoa(i)+"]", "type", "%s", err.Error())
			}
			vals[i], folds[i] = v, store.Fold(v)
		}
		t.test = clause{sql: exists(elem + " IN (" + store.Marks(len(vals)) + ")"), args: vals}
		t.rank = 1
		side(clause{sql: "v.text IN (" + store.Marks(len(folds)) + ")", args: folds})
		t.probeKey = ""
	case StartsWith, Contains:
		v, err := c.e.filterValue(&Field{Name: f.Name, Type: Text}, value)
		if err != nil {
			return t, fault.Field(path+".value", "type", "%s", err.Error())
		}
		s := v.(string)
		pattern := escapeLike(s) + "%"
		if op == Contains {
			pattern = "%" + pattern
		}
		t.test = clause{sql: exists(elem + " " + d.Like() + " ? ESCAPE '\\'"), args: []any{pattern}}
		if op == StartsWith {
			t.rank = 2
			side(clause{sql: "v.text >= ? AND v.text < ?", args: []any{store.Fold(s), store.Fold(s).(string) + maxRune}})
		}
	default:
		return t, fault.Field(path+".op", "op", "%s does not apply to %s, a list of values", op, f.Name)
	}
	return t, nil
}

// elemValue normalizes a value compared with list elements the way stored
// elements were normalized, so a phone typed any way finds the record.
func (c *compiler) elemValue(f *Field, v any) (string, error) {
	s, err := c.e.filterValue(&Field{Type: Text}, v)
	if err != nil {
		return "", err
	}
	str := s.(string)
	switch f.Type {
	case Email:
		str = strings.ToLower(strings.TrimSpace(str))
	case Phone:
		n := c.norm
		if n.region == "" {
			n = c.e.norm
		}
		str, _ = n.phone(str)
	}
	return str, nil
}

// links compiles a condition on a Relations field: the link table both
// tests and finds.
func (c *compiler) links(f *Field, op Op, value any, path string) (term, error) {
	l := f.link
	base := "SELECT 1 FROM " + l.table + " l WHERE l.workspace_id = t.workspace_id AND l." + l.self + " = t.id"
	var scopeArgs []any
	// Links to records the actor may not read count as absent, so a
	// filter cannot tell whether they exist.
	b := &sqlb{d: c.d()}
	if cond := c.e.linkScope(b, c.s, f.Target, "l.workspace_id", "l."+l.other); cond != "" {
		base += " AND " + cond
		scopeArgs = b.args
	}
	t := term{field: f.Name}
	ids := func(v any, where string) (int64, error) {
		s, _ := v.(string)
		n, err := parseID(s)
		if err != nil {
			return 0, fault.Field(where, "type", "must be a record id")
		}
		return n, nil
	}
	find := func(cond string, args []any) {
		q := clause{sql: "SELECT l." + l.self + " FROM " + l.table + " l WHERE l.workspace_id = ?" + cond,
			args: append([]any{c.ws}, args...)}
		t.side = &q
	}
	switch op {
	case Empty:
		empty, err := boolValue(value)
		if err != nil {
			return t, fault.Field(path+".value", "type", "empty takes true or false")
		}
		t.test = clause{sql: "EXISTS (" + base + ")", args: scopeArgs}
		if empty {
			t.test.sql = "NOT " + t.test.sql
			return t, nil
		}
		t.rank = 3
		find("", nil)
	case Eq:
		n, err := ids(value, path+".value")
		if err != nil {
			return t, err
		}
		t.test = clause{sql: "EXISTS (" + base + " AND l." + l.other + " = ?)", args: append(scopeArgs, n)}
		find(" AND l."+l.other+" = ?", []any{n})
	case In:
		list, ok := value.([]any)
		if !ok || len(list) == 0 || len(list) > maxInValues {
			return t, fault.Field(path+".value", "type", "in takes a list of 1 to %d ids", maxInValues)
		}
		args := make([]any, len(list))
		for i, v := range list {
			n, err := ids(v, path+".value["+strconv.Itoa(i)+"]")
			if err != nil {
				return t, err
			}
			args[i] = n
		}
		marks := store.Marks(len(args))
		t.test = clause{sql: "EXISTS (" + base + " AND l." + l.other + " IN (" + marks + "))", args: append(scopeArgs, args...)}
		t.rank = 1
		find(" AND l."+l.other+" IN ("+marks+")", args)
	default:
		return t, fault.Field(path+".op", "op", "%s does not apply to %s; use eq, in or empty", op, f.Name)
	}
	return t, nil
}

func textual(t Type) bool {
	switch t {
	case Text, LongText, URL, Select, Email, Phone, URLs, Tags, MultiSelect:
		return true
	}
	return false
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func boolValue(v any) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case string:
		return strconv.ParseBool(x)
	case nil:
		return true, nil
	}
	return false, fault.Errorf(fault.EINVALID, "not a boolean")
}

// filterValue converts a filter value (a string from a query string, or a
// JSON value) to what the field's SQL expression compares with.
func (e *Engine) filterValue(f *Field, v any) (any, error) {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case json.Number:
		s = x.String()
	case bool:
		s = strconv.FormatBool(x)
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	case int64:
		s = strconv.FormatInt(x, 10)
	default:
		return nil, fault.Errorf(fault.EINVALID, "must be a string, number or boolean")
	}
	if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		return nil, fault.Errorf(fault.EINVALID, "must be valid UTF-8 without NUL characters")
	}
	d := e.db.Dialect
	switch f.Type {
	case Integer:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return nil, fault.Errorf(fault.EINVALID, "must be an integer")
		}
		return n, nil
	case Decimal:
		x, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return nil, fault.Errorf(fault.EINVALID, "must be a number")
		}
		return x, nil
	case Boolean:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, fault.Errorf(fault.EINVALID, "must be true or false")
		}
		return d.Bool(b), nil
	case Date:
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return nil, fault.Errorf(fault.EINVALID, "must be a date as YYYY-MM-DD")
		}
		return s, nil
	case DateTime:
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			if t, err = time.Parse(time.DateOnly, s); err != nil {
				return nil, fault.Errorf(fault.EINVALID, "must be an RFC 3339 date and time or YYYY-MM-DD")
			}
		}
		if f.Custom {
			return formatTime(t), nil
		}
		return d.Time(t), nil
	case User, Relation:
		n, err := parseID(s)
		if err != nil {
			return nil, fault.Errorf(fault.EINVALID, "must be a record id")
		}
		if f.Custom {
			return s, nil
		}
		return n, nil
	}
	if len(s) > maxText {
		return nil, fault.Errorf(fault.EINVALID, "must be at most %d characters", maxText)
	}
	return s, nil
}

package records

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/store"
)

// Page is one page of a list.
type Page struct {
	Data       []Record `json:"data"`
	NextCursor string   `json:"next_cursor,omitempty"`
	Total      *int64   `json:"total,omitempty"`
}

// DefaultLimit is the page size when a list names none.
const DefaultLimit = 50

// sqlb accumulates a WHERE clause and its arguments.
type sqlb struct {
	d    store.Dialect
	args []any
}

func (b *sqlb) arg(v any) string {
	b.args = append(b.args, v)
	return "?"
}

// sortKey is one key of an ORDER BY.
type sortKey struct {
	field *Field
	expr  string
	desc  bool
}

// List returns one page of the records of object that match q and that the
// actor may read.
func (e *Engine) List(ctx context.Context, object string, q Query) (Page, error) {
	a, obj, err := e.begin(ctx, object)
	if err != nil {
		return Page{}, err
	}
	if err := e.policy.Authorize(ctx, a, obj.Grant(), access.Read, nil); err != nil {
		return Page{}, err
	}
	if err := checkPaging(q); err != nil {
		return Page{}, err
	}
	s, err := e.view(ctx, a, obj, fieldNames(q.Filter, q.Sort)...)
	if err != nil {
		return Page{}, err
	}
	if _, err := e.cost(s, q); err != nil {
		return Page{}, err
	}
	rs, err := e.policy.Restrict(ctx, a, obj.Grant())
	if err != nil {
		return Page{}, err
	}
	b := &sqlb{d: e.db.Dialect}
	where := []string{"t.workspace_id = " + b.arg(a.WorkspaceID)}
	// The restriction is SQL of the engine's own rather than a filter, so
	// that it applies to fields the actor cannot see and to any number of
	// owners.
	if cond := e.restriction(b, obj, "t", rs); cond != "" {
		where = append(where, cond)
	}
	switch q.Deleted {
	case "only":
		where = append(where, "t.deleted_at IS NOT NULL")
	case "include":
	default:
		where = append(where, "t.deleted_at IS NULL")
	}
	if q.Filter != nil {
		cond, err := e.condition(s, b, q.Filter, "filter")
		if err != nil {
			return Page{}, err
		}
		where = append(where, cond)
	}
	keys, err := e.sortKeys(s, q.Sort)
	if err != nil {
		return Page{}, err
	}
	page := Page{Data: []Record{}}
	if q.Count {
		total, err := e.count(ctx, obj, where, b.args)
		if err != nil {
			return Page{}, err
		}
		page.Total = &total
	}
	if q.Cursor != "" {
		cond, err := e.after(b, keys, q.Sort, q.Cursor)
		if err != nil {
			return Page{}, err
		}
		where = append(where, cond)
	}
	limit := q.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	sqlText := `SELECT ` + prefixed(e.columns(obj)) + sortColumns(keys) + ` FROM ` + obj.Table() + ` t WHERE ` +
		strings.Join(where, " AND ") + obj.only("t") + ` ORDER BY ` + e.orderBy(keys) + ` LIMIT ` + strconv.Itoa(limit+1)
	rows, err := e.db.Reader().QueryContext(ctx, sqlText, b.args...)
	if err != nil {
		return Page{}, err
	}
	defer rows.Close()
	var last []any
	for rows.Next() {
		sortVals := make([]any, len(keys))
		dest := make([]any, len(keys))
		for i := range sortVals {
			dest[i] = &sortVals[i]
		}
		rec, err := e.scanRecord(s, rows, dest...)
		if err != nil {
			return Page{}, err
		}
		if len(page.Data) == limit {
			page.NextCursor = encodeCursor(q.Sort, last)
			break
		}
		page.Data = append(page.Data, s.redact(rec))
		last = sortVals
	}
	if err := rows.Err(); err != nil {
		return Page{}, err
	}
	rows.Close()
	return page, e.loadLinks(ctx, e.db.Reader(), a.WorkspaceID, s, page.Data)
}

// fieldNames returns the fields a filter and a sort name, without parts
// (address.city is address).
func fieldNames(f *Filter, sort []string) []string {
	var names []string
	base := func(name string) string { return strings.SplitN(name, ".", 2)[0] }
	if f != nil {
		walk(f, func(c *Filter) { names = append(names, base(c.Field)) })
	}
	for _, n := range sort {
		names = append(names, base(strings.TrimPrefix(n, "-")))
	}
	return names
}

func walk(f *Filter, fn func(*Filter)) {
	for i := range f.And {
		walk(&f.And[i], fn)
	}
	for i := range f.Or {
		walk(&f.Or[i], fn)
	}
	if f.And == nil && f.Or == nil {
		fn(f)
	}
}

func prefixed(cols string) string {
	parts := strings.Split(cols, ", ")
	for i, p := range parts {
		parts[i] = "t." + p
	}
	return strings.Join(parts, ", ")
}

func sortColumns(keys []sortKey) string {
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(", ")
		b.WriteString(k.expr)
	}
	return b.String()
}

func (e *Engine) count(ctx context.Context, obj *Object, where []string, args []any) (int64, error) {
	var n int64
	err := e.db.Reader().QueryRowContext(ctx, `SELECT count(*) FROM `+obj.Table()+` t WHERE `+
		strings.Join(where, " AND ")+obj.only("t"), args...).Scan(&n)
	return n, err
}

// sortKeys resolves the requested sort, always ending with id so that the
// order is total and a cursor names one position.
func (e *Engine) sortKeys(s *schema, names []string) ([]sortKey, error) {
	var keys []sortKey
	desc := false
	for i, n := range names {
		desc = strings.HasPrefix(n, "-")
		name := strings.TrimPrefix(n, "-")
		where := "sort[" + strconv.Itoa(i) + "]"
		if name == "id" {
			break
		}
		f, expr, err := e.scalar(s, name)
		if err != nil {
			return nil, fault.Field(where, "field", "%s", err.Error())
		}
		if !f.Type.sortable() {
			return nil, fault.Field(where, "sortable", "records cannot be sorted by %s, a %s field", name, f.Type)
		}
		keys = append(keys, sortKey{field: f, expr: expr, desc: desc})
	}
	keys = append(keys, sortKey{field: &Field{Name: "id", Type: Integer}, expr: "t.id", desc: desc})
	return keys, nil
}

func (e *Engine) orderBy(keys []sortKey) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		dir := " ASC"
		if k.desc {
			dir = " DESC"
		}
		// SQLite puts NULLs first when ascending and last when descending;
		// PostgreSQL is told to do the same, so one cursor rule fits both.
		if e.db.Dialect == store.Postgres && k.field.Name != "id" {
			if k.desc {
				dir += " NULLS LAST"
			} else {
				dir += " NULLS FIRST"
			}
		}
		parts[i] = k.expr + dir
	}
	return strings.Join(parts, ", ")
}

// systemColumns are the engine's own fields that lists can filter and sort
// by.
var systemColumns = map[string]*Field{
	"id":         {Name: "id", Type: Relation},
	"created_at": {Name: "created_at", Type: DateTime},
	"updated_at": {Name: "updated_at", Type: DateTime},
}

// scalar returns the field and the SQL expression of a single-valued field
// (or part of one, as in address.city or price.amount).
func (e *Engine) scalar(s *schema, name string) (*Field, string, error) {
	d := e.db.Dialect
	if f := systemColumns[name]; f != nil {
		return f, "t." + name, nil
	}
	base, sub, _ := strings.Cut(name, ".")
	f := s.field(base)
	if f == nil {
		return nil, "", fault.Errorf(fault.EINVALID, "%q is not a field of %s", base, s.obj.Plural)
	}
	if sub != "" {
		switch {
		case f.Type == Address && contains(addressKeys, sub):
			col := "t.custom"
			key := f.Name + "." + sub
			if !f.Custom {
				col, key = "t."+f.column, sub
			}
			return &Field{Name: name, Type: Text}, d.JSONPath(col, key, false), nil
		case f.Type == Money && (sub == "amount" || sub == "currency"):
			t := Text
			if sub == "amount" {
				t = Integer
			}
			return &Field{Name: name, Type: t}, d.JSONPath("t.custom", f.Name+"."+sub, t == Integer), nil
		}
		return nil, "", fault.Errorf(fault.EINVALID, "%q has no part %q", base, sub)
	}
	switch {
	case !f.Custom:
		return f, "t." + f.column, nil
	case f.Type == Boolean:
		return f, d.JSONBool("t.custom", f.Name), nil
	}
	return f, d.JSONPath("t.custom", f.Name, f.Type.numeric()), nil
}

// condition turns a filter tree into SQL.
func (e *Engine) condition(s *schema, b *sqlb, f *Filter, path string) (string, error) {
	if f.And != nil || f.Or != nil {
		op, list, key := " AND ", f.And, "and"
		if f.Or != nil {
			op, list, key = " OR ", f.Or, "or"
		}
		if len(list) == 0 {
			if key == "and" {
				return "1=1", nil
			}
			return "1=0", nil
		}
		parts := make([]string, len(list))
		for i := range list {
			p, err := e.condition(s, b, &list[i], path+"."+key+"["+strconv.Itoa(i)+"]")
			if err != nil {
				return "", err
			}
			parts[i] = p
		}
		return "(" + strings.Join(parts, op) + ")", nil
	}
	return e.compare(s, b, f, path)
}

// compare is one condition.
func (e *Engine) compare(s *schema, b *sqlb, c *Filter, path string) (string, error) {
	op := c.Op
	if op == "" {
		op = Eq
	}
	if !validOp(op) {
		return "", fault.Field(path+".op", "option", "must be one of %s", opList())
	}
	base, _, _ := strings.Cut(c.Field, ".")
	if f := s.field(base); f != nil && f.Type == LineItems {
		return "", fault.Field(path+".field", "field", "%q cannot be filtered on", f.Name)
	}
	if f := s.field(base); f != nil && (f.Type.multi()) {
		return e.compareMulti(s, b, f, op, c.Value, path)
	}
	f, expr, err := e.scalar(s, c.Field)
	if err != nil {
		return "", fault.Field(path+".field", "field", "%s", err.Error())
	}
	if op == Empty {
		empty, err := boolValue(c.Value)
		if err != nil {
			return "", fault.Field(path+".value", "type", "empty takes true or false")
		}
		if empty {
			return expr + " IS NULL", nil
		}
		return expr + " IS NOT NULL", nil
	}
	// An address or an amount compares by its parts; as a whole it is JSON,
	// which PostgreSQL will not compare with text.
	if part := map[Type]string{Address: "city", Money: "amount"}[f.Type]; part != "" {
		return "", fault.Field(path+".field", "field", "filter by a part of %s, such as %s.%s", c.Field, c.Field, part)
	}
	if (op == Contains || op == StartsWith) && !textual(f.Type) {
		return "", fault.Field(path+".op", "op", "%s does not apply to %s, a %s field", op, c.Field, f.Type)
	}
	if f.Type == Boolean && op != Eq && op != Ne {
		return "", fault.Field(path+".op", "op", "%s does not apply to %s, a boolean field", op, c.Field)
	}
	if op == In {
		list, ok := c.Value.([]any)
		if !ok || len(list) == 0 || len(list) > maxInValues {
			return "", fault.Field(path+".value", "type", "in takes a list of 1 to %d values", maxInValues)
		}
		marks := make([]string, len(list))
		for i, v := range list {
			x, err := e.filterValue(f, v)
			if err != nil {
				return "", fault.Field(path+".value["+strconv.Itoa(i)+"]", "type", "%s", err.Error())
			}
			marks[i] = b.arg(x)
		}
		return expr + " IN (" + strings.Join(marks, ", ") + ")", nil
	}
	v, err := e.filterValue(f, c.Value)
	if err != nil {
		return "", fault.Field(path+".value", "type", "%s", err.Error())
	}
	switch op {
	case Eq:
		return expr + " = " + b.arg(v), nil
	case Ne:
		return "(" + expr + " IS NULL OR " + expr + " <> " + b.arg(v) + ")", nil
	case Lt:
		return expr + " < " + b.arg(v), nil
	case Lte:
		return expr + " <= " + b.arg(v), nil
	case Gt:
		return expr + " > " + b.arg(v), nil
	case Gte:
		return expr + " >= " + b.arg(v), nil
	case Contains:
		return expr + " " + b.d.Like() + " " + b.arg("%"+escapeLike(v.(string))+"%") + ` ESCAPE '\'`, nil
	case StartsWith:
		return expr + " " + b.d.Like() + " " + b.arg(escapeLike(v.(string))+"%") + ` ESCAPE '\'`, nil
	}
	return "", fault.Field(path+".op", "option", "must be one of %s", opList())
}

// compareMulti tests the elements of a list-valued field: a condition holds
// when any element meets it; empty asks whether there are none.
func (e *Engine) compareMulti(s *schema, b *sqlb, f *Field, op Op, value any, path string) (string, error) {
	d := e.db.Dialect
	if f.Type == Relations {
		return e.compareLinks(s, b, f, op, value, path)
	}
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
	elemField := &Field{Name: f.Name, Type: Text}
	switch op {
	case Empty:
		empty, err := boolValue(value)
		if err != nil {
			return "", fault.Field(path+".value", "type", "empty takes true or false")
		}
		if empty {
			return "NOT " + exists("1=1"), nil
		}
		return exists("1=1"), nil
	case Eq, Ne:
		v, err := e.elemValue(f, value)
		if err != nil {
			return "", fault.Field(path+".value", "type", "%s", err.Error())
		}
		cond := exists(elem + " = " + b.arg(v))
		if op == Ne {
			return "NOT " + cond, nil
		}
		return cond, nil
	case In:
		list, ok := value.([]any)
		if !ok || len(list) == 0 || len(list) > maxInValues {
			return "", fault.Field(path+".value", "type", "in takes a list of 1 to %d values", maxInValues)
		}
		marks := make([]string, len(list))
		for i, x := range list {
			v, err := e.elemValue(f, x)
			if err != nil {
				return "", fault.Field(path+".value["+strconv.Itoa(i)+"]", "type", "%s", err.Error())
			}
			marks[i] = b.arg(v)
		}
		return exists(elem + " IN (" + strings.Join(marks, ", ") + ")"), nil
	case Contains, StartsWith:
		v, err := e.filterValue(elemField, value)
		if err != nil {
			return "", fault.Field(path+".value", "type", "%s", err.Error())
		}
		pattern := escapeLike(v.(string)) + "%"
		if op == Contains {
			pattern = "%" + pattern
		}
		return exists(elem + " " + d.Like() + " " + b.arg(pattern) + ` ESCAPE '\'`), nil
	}
	return "", fault.Field(path+".op", "op", "%s does not apply to %s, a list of values", op, f.Name)
}

// elemValue normalizes a value compared with list elements the way stored
// elements were normalized, so a phone typed any way finds the record.
func (e *Engine) elemValue(f *Field, v any) (any, error) {
	s, err := e.filterValue(&Field{Type: Text}, v)
	if err != nil {
		return nil, err
	}
	str := s.(string)
	switch f.Type {
	case Email:
		str = strings.ToLower(strings.TrimSpace(str))
	case Phone:
		str, _ = e.norm.phone(str)
	}
	return str, nil
}

func (e *Engine) compareLinks(s *schema, b *sqlb, f *Field, op Op, value any, path string) (string, error) {
	l := f.link
	base := "SELECT 1 FROM " + l.table + " l WHERE l.workspace_id = t.workspace_id AND l." + l.self + " = t.id"
	// Links to records the actor may not read count as absent, so a
	// filter cannot tell whether they exist.
	if cond := e.linkScope(b, s, f.Target, "l.workspace_id", "l."+l.other); cond != "" {
		base += " AND " + cond
	}
	idOf := func(v any, where string) (string, error) {
		s, _ := v.(string)
		n, err := parseID(s)
		if err != nil {
			return "", fault.Field(where, "type", "must be a record id")
		}
		return b.arg(n), nil
	}
	switch op {
	case Empty:
		empty, err := boolValue(value)
		if err != nil {
			return "", fault.Field(path+".value", "type", "empty takes true or false")
		}
		if empty {
			return "NOT EXISTS (" + base + ")", nil
		}
		return "EXISTS (" + base + ")", nil
	case Eq:
		m, err := idOf(value, path+".value")
		if err != nil {
			return "", err
		}
		return "EXISTS (" + base + " AND l." + l.other + " = " + m + ")", nil
	case In:
		list, ok := value.([]any)
		if !ok || len(list) == 0 || len(list) > maxInValues {
			return "", fault.Field(path+".value", "type", "in takes a list of 1 to %d ids", maxInValues)
		}
		marks := make([]string, len(list))
		for i, v := range list {
			m, err := idOf(v, path+".value["+strconv.Itoa(i)+"]")
			if err != nil {
				return "", err
			}
			marks[i] = m
		}
		return "EXISTS (" + base + " AND l." + l.other + " IN (" + strings.Join(marks, ", ") + "))", nil
	}
	return "", fault.Field(path+".op", "op", "%s does not apply to %s; use eq, in or empty", op, f.Name)
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

// cursor is the position after the last record of a page: the sort it was
// made for and the sort values of that record.
type cursor struct {
	Sort   string `json:"s"`
	Values []any  `json:"v"`
}

func encodeCursor(sort []string, vals []any) string {
	for i, v := range vals {
		switch x := v.(type) {
		case []byte:
			vals[i] = string(x)
		case time.Time:
			vals[i] = x.UTC().Format(time.RFC3339Nano)
		}
	}
	b, _ := json.Marshal(cursor{Sort: strings.Join(sort, ","), Values: vals})
	return base64.RawURLEncoding.EncodeToString(b)
}

func badCursor() error {
	return fault.Field("cursor", "cursor", "is not a cursor from this list with this sort; start again without it")
}

// after is the keyset condition: rows strictly after the cursor's position
// in the order of keys. NULLs come first in ascending order and last in
// descending order.
func (e *Engine) after(b *sqlb, keys []sortKey, sort []string, token string) (string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) > 8192 {
		return "", badCursor()
	}
	var c cursor
	d := json.NewDecoder(strings.NewReader(string(raw)))
	d.UseNumber()
	if err := d.Decode(&c); err != nil || c.Sort != strings.Join(sort, ",") || len(c.Values) != len(keys) {
		return "", badCursor()
	}
	vals := make([]any, len(keys))
	for i, k := range keys {
		if c.Values[i] == nil {
			continue
		}
		v, err := e.cursorValue(k.field, c.Values[i])
		if err != nil {
			return "", badCursor()
		}
		vals[i] = v
	}
	if vals[len(vals)-1] == nil {
		return "", badCursor()
	}
	// A plain range on the first key lets the database start its index scan
	// at the cursor instead of filtering from the beginning. It is built
	// first because its placeholder comes first in the SQL.
	var scan string
	if first := keys[0]; !first.desc && vals[0] != nil {
		scan = first.expr + " >= " + b.arg(vals[0]) + " AND "
	} else if first.desc && vals[0] != nil && len(keys) == 1 {
		scan = first.expr + " <= " + b.arg(vals[0]) + " AND "
	}
	var ors []string
	for i, k := range keys {
		if k.desc && vals[i] == nil {
			continue // nothing sorts after NULL when descending
		}
		var and []string
		for j := 0; j < i; j++ {
			if vals[j] == nil {
				and = append(and, keys[j].expr+" IS NULL")
			} else {
				and = append(and, keys[j].expr+" = "+b.arg(vals[j]))
			}
		}
		switch {
		case !k.desc && vals[i] == nil:
			and = append(and, k.expr+" IS NOT NULL")
		case !k.desc:
			and = append(and, k.expr+" > "+b.arg(vals[i]))
		default:
			and = append(and, "("+k.expr+" < "+b.arg(vals[i])+" OR "+k.expr+" IS NULL)")
		}
		ors = append(ors, "("+strings.Join(and, " AND ")+")")
	}
	cond := "(" + strings.Join(ors, " OR ") + ")"
	if len(ors) == 0 {
		cond = "1=0"
	}
	return scan + cond, nil
}

// cursorValue converts a value read back from a cursor to the type the
// sort expression compares with.
func (e *Engine) cursorValue(f *Field, v any) (any, error) {
	if f.Name == "id" {
		n, ok := v.(json.Number)
		if !ok {
			return nil, badCursor()
		}
		return n.Int64()
	}
	if f.Type == DateTime && !f.Custom {
		s, _ := v.(string)
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			if t, err = time.Parse(store.TimeLayout, s); err != nil {
				return nil, err
			}
		}
		return e.db.Dialect.Time(t), nil
	}
	if f.Type == Boolean && e.db.Dialect == store.SQLite {
		n, ok := v.(json.Number)
		if !ok {
			return nil, badCursor()
		}
		return n.Int64()
	}
	return e.filterValue(f, v)
}

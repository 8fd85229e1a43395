package records

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/store"
)

// This file answers reports: counts, sums, averages, minimums and
// maximums of the records a filter selects, grouped by up to two fields,
// computed by the database with GROUP BY. The filter is compiled by the
// list's compiler and limited by the same scope, so a report counts
// exactly the records the actor's lists show; a field the role hides is
// unknown here as it is there.

// Buckets are the periods a date or time is grouped by.
var Buckets = []string{"day", "week", "month", "quarter", "year"}

// Aggregations are the measures a report computes; count takes no field.
var Aggregations = []string{"count", "sum", "avg", "min", "max"}

// Grouping is one field a report groups by; Bucket is the period of a
// date or time (day, week, month, quarter, year; month when empty).
type Grouping struct {
	Field  string `json:"field"`
	Bucket string `json:"bucket,omitempty"`
}

// Measure is one figure of each group: Op over Field (a number or money
// field; none for count).
type Measure struct {
	Op    string `json:"op"`
	Field string `json:"field,omitempty"`
}

// AggregateQuery is what a report asks of the engine.
type AggregateQuery struct {
	Filter   *Filter
	GroupBy  []Grouping
	Measures []Measure
	// MaxGroups bounds the groups returned (DefaultMaxGroups when 0);
	// Truncated says when there were more.
	MaxGroups int
}

// Group is one group of a report. Keys holds the value of each grouping
// (a string, a number, a boolean, or nil for records without one): ids
// of users and records as strings, periods as 2026-03-01 (day, and the
// Monday of a week), 2026-03, 2026-Q1 or 2026. Currency is set when a
// measure is of money: a group's sums are per currency, never added
// across currencies here. Values holds one figure per measure, nil when
// no record had a value.
type Group struct {
	Keys     []any      `json:"keys"`
	Currency string     `json:"currency,omitempty"`
	Count    int64      `json:"count"`
	Values   []*float64 `json:"values"`
}

// Aggregate is a report's answer.
type Aggregate struct {
	Groups    []Group `json:"groups"`
	Truncated bool    `json:"truncated,omitempty"`
	// Money names the money field the measures sum, when one does.
	Money string `json:"money,omitempty"`
}

// DefaultMaxGroups bounds a report's groups: more than a chart shows.
const DefaultMaxGroups = 1000

// aggregate limits.
const (
	maxGroupings = 2
	maxMeasures  = 6
)

// Aggregate computes q over the records of object that the actor may
// read. Unknown or hidden fields, fields that cannot be grouped or
// measured and bad operators are refused (EINVALID) naming the part of
// the query: group_by[1].field, measures[0].op. The filter is costed as
// a count (decision 0015): one over the limit is refused, and the
// request's time budget bounds the rest.
func (e *Engine) Aggregate(ctx context.Context, object string, q AggregateQuery) (Aggregate, error) {
	a, obj, err := e.begin(ctx, object)
	if err != nil {
		return Aggregate{}, err
	}
	if err := e.policy.Authorize(ctx, a, obj.Grant(), access.Read, nil); err != nil {
		return Aggregate{}, err
	}
	if q.Filter != nil {
		if err := checkTree(q.Filter, "filter", 0, new(int)); err != nil {
			return Aggregate{}, err
		}
	}
	names := fieldNames(q.Filter, nil)
	for _, g := range q.GroupBy {
		names = append(names, strings.SplitN(g.Field, ".", 2)[0])
	}
	for _, m := range q.Measures {
		names = append(names, strings.SplitN(m.Field, ".", 2)[0])
	}
	s, err := e.view(ctx, a, obj, names...)
	if err != nil {
		return Aggregate{}, err
	}
	lq := Query{Filter: q.Filter, Count: true}
	if _, err := e.cost(s, lq); err != nil {
		return Aggregate{}, err
	}
	c := &compiler{e: e, s: s, ws: a.WorkspaceID, obj: obj, norm: e.normalizer(ctx, a.WorkspaceID)}
	sel, err := c.aggregateSelect(q)
	if err != nil {
		return Aggregate{}, err
	}
	p, err := e.plan(ctx, a, s, lq)
	if err != nil {
		return Aggregate{}, err
	}
	out := Aggregate{Groups: []Group{}, Money: sel.money}
	if p == nil {
		return out, nil
	}
	limit := q.MaxGroups
	if limit <= 0 {
		limit = DefaultMaxGroups
	}
	where := joinAnd(p.base, p.tests())
	var by []string
	for i := range sel.keys {
		by = append(by, strconv.Itoa(i+1))
	}
	// The database aggregates in the order it reads, and the groups are
	// sorted here: asked for them in order, or for only the first of
	// them (LIMIT), PostgreSQL read the table along an index of the
	// first key, record by record, five times slower than reading it
	// straight through; the reading below stops past the limit instead.
	// SQLite picks its index freely: a covering one (deals_board for
	// stages) beats reading the table.
	query := "SELECT " + strings.Join(append(append(sel.keys, "count(*)"), sel.values...), ", ") +
		" FROM " + obj.Table() + " t WHERE " + where.sql
	if len(by) > 0 {
		query += " GROUP BY " + strings.Join(by, ", ")
	}
	rows, err := e.db.Read(ctx).QueryContext(ctx, query, where.args...)
	if err != nil {
		return Aggregate{}, err
	}
	defer rows.Close()
	for len(out.Groups) <= limit && rows.Next() {
		keys := make([]any, len(sel.keys))
		vals := make([]any, len(sel.values))
		var n int64
		dest := make([]any, 0, len(keys)+1+len(vals))
		for i := range keys {
			dest = append(dest, &keys[i])
		}
		dest = append(dest, &n)
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return Aggregate{}, err
		}
		g := Group{Keys: make([]any, len(q.GroupBy)), Count: n, Values: make([]*float64, len(q.Measures))}
		for i := range q.GroupBy {
			if t, ok := keys[i].(time.Time); ok {
				g.Keys[i] = periodKey(t, sel.buckets[i])
				continue
			}
			g.Keys[i] = groupKey(sel.fields[i], keys[i])
		}
		if sel.money != "" {
			if cur, ok := groupKey(nil, keys[len(keys)-1]).(string); ok {
				g.Currency = cur
			}
		}
		for i, at := range sel.measureAt {
			if at < 0 {
				f := float64(n)
				g.Values[i] = &f
				continue
			}
			g.Values[i] = number(vals[at])
		}
		out.Groups = append(out.Groups, g)
	}
	if err := rows.Err(); err != nil {
		return Aggregate{}, err
	}
	slices.SortFunc(out.Groups, func(a, b Group) int {
		for i := range a.Keys {
			if c := compareKeys(a.Keys[i], b.Keys[i]); c != 0 {
				return c
			}
		}
		return strings.Compare(a.Currency, b.Currency)
	})
	if len(out.Groups) > limit {
		out.Groups, out.Truncated = out.Groups[:limit], true
	}
	return out, nil
}

// selection is the SQL of a report: the group keys (the money's currency
// last, when a measure is of money) and the measures' expressions.
type selection struct {
	keys, values []string
	fields       []*Field
	buckets      []string // of each grouping, "" for none
	// measureAt is the index in values of each measure; -1 for count.
	measureAt []int
	money     string
}

// aggregateSelect compiles the groupings and measures of q.
func (c *compiler) aggregateSelect(q AggregateQuery) (selection, error) {
	var sel selection
	var errs fault.Collector
	if len(q.GroupBy) > maxGroupings {
		errs.Add("group_by", "too_many", "at most %d fields", maxGroupings)
	}
	if len(q.Measures) == 0 {
		errs.Add("measures", "required", "name at least one measure, such as count")
	}
	if len(q.Measures) > maxMeasures {
		errs.Add("measures", "too_many", "at most %d measures", maxMeasures)
	}
	if errs.Err() != nil {
		return sel, errs.Err()
	}
	for i, g := range q.GroupBy {
		path := "group_by[" + strconv.Itoa(i) + "]"
		f, expr, err := c.groupExpr(g, path)
		if err != nil {
			include(&errs, err)
			continue
		}
		sel.keys = append(sel.keys, expr)
		sel.fields = append(sel.fields, f)
		sel.buckets = append(sel.buckets, g.Bucket)
		if f.Type == Date || f.Type == DateTime {
			sel.buckets[i] = cmp.Or(g.Bucket, "month")
		}
	}
	var currency string
	for i, m := range q.Measures {
		path := "measures[" + strconv.Itoa(i) + "]"
		if !slices.Contains(Aggregations, m.Op) {
			errs.Add(path+".op", "unknown", "%q is not a measure; use one of %s", m.Op, strings.Join(Aggregations, ", "))
			continue
		}
		if m.Op == "count" {
			sel.measureAt = append(sel.measureAt, -1)
			continue
		}
		expr, cur, err := c.measureExpr(m.Field, path+".field")
		if err != nil {
			include(&errs, err)
			continue
		}
		if cur != "" {
			if sel.money != "" && sel.money != m.Field {
				errs.Add(path+".field", "too_many", "a report measures one money field; %q is measured already", sel.money)
				continue
			}
			sel.money, currency = m.Field, cur
		}
		fn := map[string]string{"sum": "SUM", "avg": "AVG", "min": "MIN", "max": "MAX"}[m.Op]
		sel.measureAt = append(sel.measureAt, len(sel.values))
		sel.values = append(sel.values, fn+"("+expr+")")
	}
	if err := errs.Err(); err != nil {
		return sel, err
	}
	if currency != "" {
		sel.keys = append(sel.keys, "COALESCE("+currency+", '')")
	}
	return sel, nil
}

// groupable reports whether records are grouped by fields of type t: one
// value each, short enough to be a heading.
func groupable(t Type) bool {
	switch t {
	case Text, Integer, Decimal, Date, DateTime, Boolean, Select, Relation, User:
		return true
	}
	return false
}

// groupExpr is the SQL of a grouping's key.
func (c *compiler) groupExpr(g Grouping, path string) (*Field, string, error) {
	f, err := c.field(g.Field)
	if err != nil {
		return nil, "", fault.Field(path+".field", "unknown", "%s", err.Error())
	}
	if f.Name == "id" || !groupable(f.Type) {
		return nil, "", fault.Field(path+".field", "type", "%q (%s) cannot be grouped by", g.Field, f.Type)
	}
	expr := c.rowExpr(f)
	if f.Type == Boolean && f.Custom {
		expr = c.d().JSONBool("t.custom", f.Name)
	}
	if f.Type != Date && f.Type != DateTime {
		if g.Bucket != "" {
			return nil, "", fault.Field(path+".bucket", "type", "only dates and times are grouped by period")
		}
		return f, expr, nil
	}
	bucket := g.Bucket
	if bucket == "" {
		bucket = "month"
	}
	if !slices.Contains(Buckets, bucket) {
		return nil, "", fault.Field(path+".bucket", "unknown", "%q is not a period; use one of %s", g.Bucket, strings.Join(Buckets, ", "))
	}
	return f, c.period(f, expr, bucket), nil
}

// period is the key of the period of a date or time: on SQLite the
// text 2026-03-01 for a day or a week (its Monday), 2026-03, 2026-Q1,
// 2026; on PostgreSQL that text where a prefix of the stored text gives
// it, else the period's first moment, which periodKey words the same
// way (to_char costs more than the grouping itself). Times are taken in
// UTC.
func (c *compiler) period(f *Field, expr, bucket string) string {
	text := f.Type == Date || f.Custom // stored as ISO text
	prefix := map[string]string{"day": "10", "month": "7", "year": "4"}[bucket]
	if c.d() == store.Postgres {
		switch {
		case text && prefix != "":
			return "substr(" + expr + ", 1, " + prefix + ")"
		case f.Type == Date:
			return "date_trunc('" + bucket + "', (" + expr + ")::date)"
		case f.Custom:
			return "date_trunc('" + bucket + "', (" + expr + ")::timestamptz AT TIME ZONE 'UTC')"
		}
		return "date_trunc('" + bucket + "', " + expr + " AT TIME ZONE 'UTC')"
	}
	switch bucket {
	case "week":
		return "date(substr(" + expr + ", 1, 10), '-6 days', 'weekday 1')"
	case "quarter":
		return "(substr(" + expr + ", 1, 4) || '-Q' || ((CAST(substr(" + expr + ", 6, 2) AS INTEGER) + 2) / 3))"
	}
	return "substr(" + expr + ", 1, " + prefix + ")"
}

// periodKey words the first moment of a period as period's text does.
func periodKey(t time.Time, bucket string) string {
	switch bucket {
	case "month":
		return t.Format("2006-01")
	case "quarter":
		return fmt.Sprintf("%d-Q%d", t.Year(), (int(t.Month())+2)/3)
	case "year":
		return t.Format("2006")
	}
	return t.Format(time.DateOnly)
}

// measureExpr is the SQL of the number a measure reads: a number field,
// or a money field's amount, with the SQL of its currency.
func (c *compiler) measureExpr(name, path string) (expr, currency string, err error) {
	if name == "" {
		return "", "", fault.Field(path, "required", "name a number or money field")
	}
	f, err := c.field(name)
	if err != nil {
		return "", "", fault.Field(path, "unknown", "%s", err.Error())
	}
	switch {
	case f.Type == Integer || f.Type == Decimal:
		e := c.rowExpr(f)
		if f.Custom && c.d() == store.SQLite {
			e = "CAST(" + e + " AS REAL)"
		}
		return e, "", nil
	case f.Type == Money:
		amount, err := c.field(name + ".amount")
		if err != nil {
			return "", "", fault.Field(path, "unknown", "%s", err.Error())
		}
		cur, err := c.field(name + ".currency")
		if err != nil {
			return "", "", fault.Field(path, "unknown", "%s", err.Error())
		}
		return c.rowExpr(amount), c.rowExpr(cur), nil
	}
	return "", "", fault.Field(path, "type", "%q (%s) is not a number or money field", name, f.Type)
}

// groupKey reads a group's key as the API shows it.
func groupKey(f *Field, v any) any {
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	if f == nil || v == nil {
		return v
	}
	switch f.Type {
	case User, Relation:
		switch n := v.(type) {
		case int64:
			return formatID(n)
		case float64:
			return formatID(int64(n))
		}
		return fmt.Sprint(v)
	case Boolean:
		switch n := v.(type) {
		case int64:
			return n != 0
		case string:
			return n == "true" || n == "1"
		}
	case Integer, Decimal:
		if p := number(v); p != nil {
			return *p
		}
	}
	return v
}

// compareKeys orders group keys: none first, then numbers, booleans
// and text (ids of users and records as numbers, as they were made).
func compareKeys(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	na, nb := keyNumber(a), keyNumber(b)
	if na != nil && nb != nil {
		return cmp.Compare(*na, *nb)
	}
	return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
}

func keyNumber(v any) *float64 {
	switch x := v.(type) {
	case float64:
		return &x
	case string:
		if n, err := strconv.ParseInt(x, 10, 64); err == nil && x == strconv.FormatInt(n, 10) {
			f := float64(n)
			return &f
		}
	case bool:
		f := 0.0
		if x {
			f = 1
		}
		return &f
	}
	return nil
}

// number reads a figure the database computed.
func number(v any) *float64 {
	var f float64
	switch n := v.(type) {
	case nil:
		return nil
	case int64:
		f = float64(n)
	case float64:
		f = n
	case []byte:
		x, err := strconv.ParseFloat(string(n), 64)
		if err != nil {
			return nil
		}
		f = x
	case string:
		x, err := strconv.ParseFloat(n, 64)
		if err != nil {
			return nil
		}
		f = x
	default:
		return nil
	}
	return &f
}

// include adds the field errors of err, a fault.Field error, to errs.
func include(errs *fault.Collector, err error) {
	if e, ok := err.(*fault.Error); ok {
		for i := range e.Fields {
			errs.Include(&e.Fields[i])
		}
	}
}

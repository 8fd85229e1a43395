package records

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/fault"
)

// Op is a filter operator.
type Op string

// The filter operators.
const (
	Eq         Op = "eq"
	Ne         Op = "ne"
	Lt         Op = "lt"
	Lte        Op = "lte"
	Gt         Op = "gt"
	Gte        Op = "gte"
	In         Op = "in"
	Contains   Op = "contains"
	StartsWith Op = "starts_with"
	Empty      Op = "empty"
)

var ops = []Op{Eq, Ne, Lt, Lte, Gt, Gte, In, Contains, StartsWith, Empty}

func validOp(op Op) bool {
	for _, o := range ops {
		if o == op {
			return true
		}
	}
	return false
}

// Limits on a filter, so that a request cannot make an unbounded query.
const (
	maxFilterDepth = 8
	maxConditions  = 100
	maxInValues    = 500
)

// Filter is a tree of conditions: a node is either a group (And or Or) or
// one condition (Field, Op, Value).
type Filter struct {
	And   []Filter `json:"and,omitempty"`
	Or    []Filter `json:"or,omitempty"`
	Field string   `json:"field,omitempty"`
	Op    Op       `json:"op,omitempty"`
	Value any      `json:"value,omitempty"`
}

// Query asks for one page of a list.
type Query struct {
	Filter *Filter
	Sort   []string // field names, "-" first for descending
	Limit  int
	Cursor string
	Count  bool
	// CountLimit, when Count is set, stops counting past this many
	// records, so that a capped count ("10,000+") costs a bounded read;
	// Total is then at most CountLimit+1. 0 counts them all.
	CountLimit int `json:"-"`
	// Bare leaves out the fields that link to many records (one query
	// each, reading the link table): for a caller that wants a record's
	// own columns, to name it or show it as a card. They read as absent.
	Bare bool `json:"-"`
	// Versions reads each record's id and version alone, no field (and
	// no link): for a listing of ETags, which would otherwise decode every
	// column of every record only to drop them.
	Versions bool   `json:"-"`
	Deleted  string // "" for live records, "only" for the trash, "include" for both

	params []string // for a query string, the parameter each condition of Filter.And came from
}

// QueryBody is the JSON body of POST /{object}/query.
type QueryBody struct {
	Filter  *Filter `json:"filter"`
	Sort    any     `json:"sort"` // "a,-b" or ["a", "-b"]
	Limit   int     `json:"limit"`
	Cursor  string  `json:"cursor"`
	Count   bool    `json:"count"`
	Deleted string  `json:"deleted"`
}

// ParseQueryBody decodes and checks a JSON query body.
func ParseQueryBody(data []byte) (Query, error) {
	var body QueryBody
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	d.DisallowUnknownFields()
	if err := d.Decode(&body); err != nil {
		return Query{}, jsonError("", err)
	}
	if !atEnd(d) {
		return Query{}, fault.Field("", "json", "the body holds more than one JSON value")
	}
	q := Query{Filter: body.Filter, Limit: body.Limit, Cursor: body.Cursor, Count: body.Count, Deleted: body.Deleted}
	switch s := body.Sort.(type) {
	case nil:
	case string:
		q.Sort = splitSort(s)
	case []any:
		for i, v := range s {
			str, ok := v.(string)
			if !ok {
				return Query{}, fault.Field("sort["+strconv.Itoa(i)+"]", "type", "must be a field name")
			}
			q.Sort = append(q.Sort, str)
		}
	default:
		return Query{}, fault.Field("sort", "type", `must be "field,-field" or an array of field names`)
	}
	if q.Filter != nil {
		if err := checkTree(q.Filter, "filter", 0, new(int)); err != nil {
			return Query{}, err
		}
	}
	return q, checkPaging(q)
}

// checkTree checks the shape of a filter tree, leaving field names and
// values to the engine, which knows the schema.
func checkTree(f *Filter, path string, depth int, count *int) error {
	if depth > maxFilterDepth {
		return fault.Field(path, "depth", "filters may nest at most %d deep", maxFilterDepth)
	}
	kinds := 0
	if f.And != nil {
		kinds++
	}
	if f.Or != nil {
		kinds++
	}
	if f.Field != "" || f.Op != "" || f.Value != nil {
		kinds++
	}
	if kinds != 1 {
		return fault.Field(path, "shape", `must be exactly one of {"and": […]}, {"or": […]} or {"field", "op", "value"}`)
	}
	for i := range f.And {
		if err := checkTree(&f.And[i], path+".and["+strconv.Itoa(i)+"]", depth+1, count); err != nil {
			return err
		}
	}
	for i := range f.Or {
		if err := checkTree(&f.Or[i], path+".or["+strconv.Itoa(i)+"]", depth+1, count); err != nil {
			return err
		}
	}
	if f.And != nil || f.Or != nil {
		return nil
	}
	*count++
	if *count > maxConditions {
		return fault.Field(path, "too_many", "a filter may hold at most %d conditions", maxConditions)
	}
	if f.Field == "" {
		return fault.Field(path+".field", "required", "is required")
	}
	if f.Op == "" {
		f.Op = Eq
	}
	if !validOp(f.Op) {
		return fault.Field(path+".op", "option", "must be one of %s", opList())
	}
	return nil
}

func opList() string {
	s := make([]string, len(ops))
	for i, o := range ops {
		s[i] = string(o)
	}
	return strings.Join(s, ", ")
}

// reserved query-string parameters of a list request.
var reserved = map[string]bool{"sort": true, "limit": true, "cursor": true, "count": true, "deleted": true}

// ListParams are the query parameters of a list request besides its
// field filters.
func ListParams() []string { return []string{"sort", "limit", "cursor", "count", "deleted"} }

// ParseParams reads a list request's query string: field=value and
// field[op]=value conditions, all of which must hold, plus sort, limit,
// cursor, count and deleted.
func ParseParams(v url.Values) (Query, error) {
	var q Query
	var conds []Filter
	keys := make([]string, 0, len(v))
	for key := range v {
		keys = append(keys, key)
	}
	slices.Sort(keys) // the same query, the same conditions in the same order
	for _, key := range keys {
		vals := v[key]
		if reserved[key] {
			continue
		}
		field, op := key, Eq
		if i := strings.IndexByte(key, '['); i >= 0 {
			if !strings.HasSuffix(key, "]") {
				return q, fault.Field(key, "format", "must be field or field[op]")
			}
			field, op = key[:i], Op(key[i+1:len(key)-1])
		}
		if !validOp(op) {
			return q, fault.Field(key, "op", "%q is not an operator; use one of %s", op, opList())
		}
		for _, val := range vals {
			var value any = val
			if op == In {
				parts := strings.Split(val, ",")
				list := make([]any, len(parts))
				for i, p := range parts {
					list[i] = p
				}
				value = list
			}
			conds = append(conds, Filter{Field: field, Op: op, Value: value})
			q.params = append(q.params, key)
		}
	}
	if len(conds) > maxConditions {
		return q, fault.Field("", "too_many", "a filter may hold at most %d conditions", maxConditions)
	}
	if len(conds) > 0 {
		q.Filter = &Filter{And: conds}
	}
	q.Sort = splitSort(v.Get("sort"))
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return q, fault.Field("limit", "type", "must be an integer")
		}
		q.Limit = n
	}
	q.Cursor = v.Get("cursor")
	switch v.Get("count") {
	case "", "false", "0":
	case "true", "1":
		q.Count = true
	default:
		return q, fault.Field("count", "type", "must be true or false")
	}
	q.Deleted = v.Get("deleted")
	return q, checkPaging(q)
}

// NameParams renames the fields of err that point into a filter read by
// ParseParams (filter.and[2].value) after the query parameters they came
// from (first_name[in]), which is what the caller wrote. at is where the
// filter sits in the query that failed: "filter", unless a service nested
// it in a filter of its own.
func NameParams(err error, q Query, at string) error {
	var fe *fault.Error
	if len(q.params) == 0 || !errors.As(err, &fe) {
		return err
	}
	named := *fe
	named.Fields = slices.Clone(fe.Fields)
	for i, f := range named.Fields {
		rest, ok := strings.CutPrefix(f.Field, at+".and[")
		n, _, closed := strings.Cut(rest, "]")
		k, perr := strconv.Atoi(n)
		if ok && closed && perr == nil && k >= 0 && k < len(q.params) {
			named.Fields[i].Field = q.params[k]
		}
	}
	return &named
}

func splitSort(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// MaxLimit is the largest page a list returns.
const MaxLimit = 500

func checkPaging(q Query) error {
	var c fault.Collector
	if q.Limit < 0 || q.Limit > MaxLimit {
		c.Add("limit", "range", "must be between 1 and %d", MaxLimit)
	}
	switch q.Deleted {
	case "", "only", "include", "false":
	default:
		c.Add("deleted", "option", "must be only or include")
	}
	if len(q.Sort) > 5 {
		c.Add("sort", "too_many", "sort by at most 5 fields")
	}
	return c.Err()
}

// jsonError turns a decoding error into a field error that says where the
// input went wrong, in the words of JSON rather than of Go.
func jsonError(prefix string, err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case asErr(err, &syntax):
		return fault.Field(prefix, "json", "malformed JSON at byte %d: %v", syntax.Offset, err)
	case asErr(err, &typ):
		field := typ.Field
		if prefix != "" && field != "" {
			field = prefix + "." + field
		}
		return fault.Field(field, "type", "must be %s, not %s", jsonType(typ.Type), typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return fault.Field(name, "unknown", "is not a known field")
	}
	return fault.Field(prefix, "json", "malformed JSON: %v", err)
}

func asErr[T error](err error, target *T) bool {
	for err != nil {
		if t, ok := err.(T); ok {
			*target = t
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

// DecodeInput reads a record's fields from a JSON object body, keeping
// numbers exact and refusing anything but one object.
func DecodeInput(data []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var in any
	if err := d.Decode(&in); err != nil {
		return nil, jsonError("", err)
	}
	if !atEnd(d) {
		return nil, fault.Field("", "json", "the body holds more than one JSON value")
	}
	m, ok := in.(map[string]any)
	if !ok {
		return nil, fault.Field("", "type", "the body must be a JSON object, not %s", jsonKind(in))
	}
	return m, nil
}

// atEnd reports whether only white space follows the value d decoded.
// (Decoder.More would let a stray ] or } through.)
func atEnd(d *json.Decoder) bool {
	_, err := d.Token()
	return err == io.EOF
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return "an object"
}

// DecodeStrict decodes a JSON body into v, refusing unknown keys and
// trailing data, and reporting problems as field errors.
func DecodeStrict(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		if fe := valueError(data, v, err); fe != nil {
			return fe
		}
		return jsonError("", err)
	}
	if !atEnd(d) {
		return fault.Field("", "json", "the body holds more than one JSON value")
	}
	return nil
}

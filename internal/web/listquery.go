package web

import (
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/records"
)

// listQuery is what a list shows, as its address says it, so that a
// filtered list is a link and the browser's back button undoes a filter:
//
//	col=full_name&col=emails       the columns, in order ("" for the object's own)
//	sort=-updated_at               the sort
//	m=and                          how the top group joins its parts: and | or
//	f0=source&o0=eq&v0=referral    condition 0: field, operator, value(s)
//	g0=1                           condition 0 sits in group 1 (0, or none, is the top group)
//	m1=or                          how group 1 joins its conditions
//	view=7                         the saved view the list was opened from
//
// One level of groups inside the top group is all the builder makes,
// which the engine's filter tree takes as it is. The same parameters are
// the plain form's inputs, so the builder works without JavaScript: the
// buttons add, add_group and del change the conditions before the list is
// drawn.
type listQuery struct {
	Columns []string
	Sort    string
	Match   string // "and" or "or"
	Conds   []condition
	Groups  map[int]string // how each group joins its conditions, by number
	View    string
}

// condition is one row of the builder. Values holds one value, several
// for "in", or none while the row is being filled in.
type condition struct {
	Field  string   `json:"field"`
	Op     string   `json:"op"`
	Values []string `json:"values,omitempty"`
	Group  int      `json:"group,omitempty"`
}

// maxConds bounds the rows of a builder; the engine takes 100 conditions.
const maxConds = 50

// parseListQuery reads a list's address.
func parseListQuery(v url.Values) listQuery {
	q := listQuery{Columns: v["col"], Sort: v.Get("sort"), Match: joiner(v.Get("m")), Groups: map[int]string{}, View: v.Get("view")}
	for i := 0; i < maxConds; i++ {
		k := strconv.Itoa(i)
		if !v.Has("f" + k) {
			break
		}
		c := condition{Field: v.Get("f" + k), Op: v.Get("o" + k)}
		for _, val := range v["v"+k] {
			if val = strings.TrimSpace(val); val != "" {
				c.Values = append(c.Values, val)
			}
		}
		c.Group, _ = strconv.Atoi(v.Get("g" + k))
		c.Group = max(c.Group, 0)
		q.Conds = append(q.Conds, c)
	}
	for _, c := range q.Conds {
		if c.Group > 0 {
			q.Groups[c.Group] = joiner(v.Get("m" + strconv.Itoa(c.Group)))
		}
	}
	q.edit(v)
	return q
}

// joiner is "or" or, for anything else, "and".
func joiner(s string) string {
	if s == "or" {
		return "or"
	}
	return "and"
}

// edit applies the builder's buttons: del removes a row, add adds one to
// a group ("0" the top one), add_group starts a new group, which joins
// its conditions with or, the usual reason for a group.
func (q *listQuery) edit(v url.Values) {
	if i, err := strconv.Atoi(v.Get("del")); err == nil && i >= 0 && i < len(q.Conds) {
		q.Conds = slices.Delete(q.Conds, i, i+1)
	}
	if len(q.Conds) >= maxConds {
		return
	}
	if g, err := strconv.Atoi(v.Get("add")); err == nil && (g == 0 || q.Groups[g] != "") {
		q.Conds = append(q.Conds, condition{Group: g})
	}
	if v.Has("add_group") {
		g := 1
		for n := range q.Groups {
			g = max(g, n+1)
		}
		q.Groups[g] = "or"
		q.Conds = append(q.Conds, condition{Group: g}, condition{Group: g})
	}
}

// values writes the query back as a list's address parameters; without
// the sort when sort is false, for the headings that set their own.
func (q listQuery) values(sort bool) url.Values {
	v := url.Values{}
	if len(q.Columns) > 0 {
		v["col"] = slices.Clone(q.Columns)
	}
	if sort && q.Sort != "" {
		v.Set("sort", q.Sort)
	}
	if len(q.Conds) > 0 && q.Match == "or" {
		v.Set("m", "or")
	}
	for i, c := range q.Conds {
		k := strconv.Itoa(i)
		v.Set("f"+k, c.Field)
		v.Set("o"+k, c.Op)
		if len(c.Values) > 0 {
			v["v"+k] = slices.Clone(c.Values)
		}
		if c.Group > 0 {
			v.Set("g"+k, strconv.Itoa(c.Group))
			v.Set("m"+strconv.Itoa(c.Group), q.Groups[c.Group])
		}
	}
	if q.View != "" {
		v.Set("view", q.View)
	}
	return v
}

// address is the list's address for the query, plus extra parameters.
func (q listQuery) address(plural string, extra ...string) string {
	v := q.values(true)
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	if len(v) == 0 {
		return "/" + plural
	}
	return "/" + plural + "?" + v.Encode()
}

// filtered reports whether any condition is complete enough to apply.
func (q listQuery) filtered() bool {
	for _, c := range q.Conds {
		if c.complete() {
			return true
		}
	}
	return false
}

// complete reports whether the row says enough to filter by: a field, an
// operator, and a value unless the operator is "empty".
func (c condition) complete() bool {
	return c.Field != "" && c.Op != "" && (len(c.Values) > 0 || c.Op == string(records.Empty))
}

// seenBy is the query without the columns and conditions on fields that
// are not among fields: those the user's role hides (a saved view's, or
// a link's from a colleague) and those since deleted. So no address the
// page draws names them.
func (q listQuery) seenBy(fields map[string]*records.Field) listQuery {
	seen := func(name string) bool { return fields[name] != nil || name == "updated_at" }
	q.Columns = slices.DeleteFunc(slices.Clone(q.Columns), func(name string) bool { return !seen(name) })
	q.Conds = slices.DeleteFunc(slices.Clone(q.Conds), func(c condition) bool { return c.Field != "" && fields[c.Field] == nil })
	return q
}

// savedFilter is the part of a query a saved view keeps beside its
// columns and sort.
type savedFilter struct {
	Match  string         `json:"match,omitempty"`
	Conds  []condition    `json:"conditions,omitempty"`
	Groups map[int]string `json:"groups,omitempty"`
}

func (q listQuery) savedFilter() json.RawMessage {
	b, _ := json.Marshal(savedFilter{Match: q.Match, Conds: q.Conds, Groups: q.Groups})
	return b
}

// fromSaved fills the query from a saved view's parts.
func fromSaved(id string, columns []string, sort string, filter json.RawMessage) listQuery {
	var f savedFilter
	_ = json.Unmarshal(filter, &f) // a view the service stored is JSON; a broken one filters nothing
	q := listQuery{Columns: columns, Sort: sort, Match: joiner(f.Match), Conds: f.Conds, Groups: map[int]string{}, View: id}
	for _, c := range q.Conds {
		if c.Group > 0 {
			q.Groups[c.Group] = joiner(f.Groups[c.Group])
		}
	}
	if len(q.Conds) > maxConds {
		q.Conds = q.Conds[:maxConds]
	}
	return q
}

// filter is the engine's filter for the query's complete conditions on
// fields the user sees (a saved view's condition on a field their role
// hides filters nothing, and names nothing of the field), and
// for each of the engine's paths of a condition (filter.and[1].or[0]) the
// row it came from, to show a refusal beside it. Values are typed for
// each field's type; loc reads the times a user types.
func (q listQuery) filter(fields map[string]*records.Field, loc *time.Location) (*records.Filter, map[string]int) {
	paths := map[string]int{}
	top := q.Match
	var parts []records.Filter
	groups := map[int]int{} // group number -> index in parts
	for i, c := range q.Conds {
		if !c.complete() || fields[c.Field] == nil {
			continue
		}
		cond := records.Filter{Field: c.Field, Op: records.Op(c.Op), Value: typedValue(fields[c.Field], c, loc)}
		if c.Group == 0 {
			paths["filter."+top+"["+strconv.Itoa(len(parts))+"]"] = i
			parts = append(parts, cond)
			continue
		}
		at, ok := groups[c.Group]
		if !ok {
			at = len(parts)
			groups[c.Group] = at
			parts = append(parts, records.Filter{})
		}
		g := &parts[at]
		inner := q.Groups[c.Group]
		list := &g.And
		if inner == "or" {
			list = &g.Or
		}
		paths["filter."+top+"["+strconv.Itoa(at)+"]."+inner+"["+strconv.Itoa(len(*list))+"]"] = i
		*list = append(*list, cond)
	}
	if len(parts) == 0 {
		return nil, paths
	}
	if top == "or" {
		return &records.Filter{Or: parts}, paths
	}
	return &records.Filter{And: parts}, paths
}

// typedValue is a row's value as the engine reads the field's type: a
// number, a boolean, a time in UTC, a list for "in".
func typedValue(f *records.Field, c condition, loc *time.Location) any {
	one := func(s string) any {
		if f == nil {
			return s
		}
		switch f.Type {
		case records.Integer, records.Decimal:
			return json.Number(strings.Replace(s, ",", ".", 1))
		case records.Boolean:
			return s == "true"
		case records.DateTime:
			if t, err := time.ParseInLocation("2006-01-02T15:04", s, loc); err == nil {
				return records.FormatTime(t)
			}
		}
		return s
	}
	switch records.Op(c.Op) {
	case records.Empty:
		return len(c.Values) == 0 || c.Values[0] != "false"
	case records.In:
		var list []any
		for _, v := range c.Values {
			for _, part := range strings.Split(v, ",") {
				if part = strings.TrimSpace(part); part != "" {
					list = append(list, one(part))
				}
			}
		}
		return list
	}
	return one(c.Values[0])
}

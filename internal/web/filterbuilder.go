package web

import (
	"slices"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/locale"
	"github.com/rapport-crm/rapport/internal/records"
)

// builder is the filter builder as a page draws it: the top group's rows,
// then its groups, each joining its own rows with and or or.
type builder struct {
	Sort   string // kept as the builder is applied
	Match  string
	Rows   []filterRow
	Groups []filterGroup
	Fields []formOption // every field a list filters by
}

type filterGroup struct {
	N     int
	Match string
	Rows  []filterRow
}

// Key is the name of the group's joiner input.
func (g filterGroup) Key() string { return "m" + strconv.Itoa(g.N) }

// filterRow is one condition: its field, its operator among those the
// engine serves on the field, and an input for the value typed for the
// field: a date picker, a select of options or users, a number.
type filterRow struct {
	Index  int
	Group  int
	Field  string
	Op     string
	Ops    []formOption
	Kind   string // text, number, date, datetime-local, select, none
	Multi  bool   // several values, for "in"
	Values []string
	// Options are the choices of a select: a field's options, the users,
	// yes and no.
	Options []formOption
	Error   string
	Fields  []formOption // every field a list filters by
}

// Key is the name of the row's input for p: f (field), o (operator), v
// (value) or g (group).
func (r filterRow) Key(p string) string { return p + strconv.Itoa(r.Index) }

// Value is the row's one value.
func (r filterRow) Value() string {
	if len(r.Values) == 0 {
		return ""
	}
	return r.Values[0]
}

// Has reports whether the row's values hold s, for a select's options.
func (r filterRow) Has(s string) bool { return slices.Contains(r.Values, s) }

// Problem is the row's error, for the field_error partial.
func (r filterRow) Problem() fieldProblem {
	return fieldProblem{ID: r.Key("filter-") + "-error", Text: r.Error}
}

// filterable are the operators the builder offers on a field: the ones
// the engine says it serves (GET /api/v1/fields/{object}), except that a
// link to another record is asked about by whether it is empty only, as
// nobody types a record's id.
func filterable(f *records.Field) []records.Op {
	switch f.Type {
	case records.Relation, records.Relations:
		if slices.Contains(f.Filters, records.Empty) {
			return []records.Op{records.Empty}
		}
		return nil
	}
	return f.Filters
}

// newBuilder lays out the builder for the query, putting each of the
// engine's refusals beside the row it is about, and the others among
// problems.
func newBuilder(v *visit, st *listState, paths map[string]int, refusal []fault.FieldError, problems *[]string) builder {
	b := builder{Match: st.q.Match, Sort: st.q.Sort}
	for _, f := range st.order {
		if len(filterable(f)) > 0 {
			b.Fields = append(b.Fields, formOption{Value: f.Name, Label: label(v.p, st.fields, f.Name)})
		}
	}
	rows := make([]filterRow, len(st.q.Conds))
	for i, c := range st.q.Conds {
		rows[i] = filterRowOf(v, st, i, c)
		rows[i].Fields = b.Fields
	}
	for _, e := range refusal {
		if i, ok := rowOfPath(paths, e.Field); ok {
			rows[i].Error = v.p.FieldError(e)
		} else {
			*problems = append(*problems, v.p.FieldError(e))
		}
	}
	groups := map[int]int{}
	for _, r := range rows {
		if r.Group == 0 {
			b.Rows = append(b.Rows, r)
			continue
		}
		at, ok := groups[r.Group]
		if !ok {
			at = len(b.Groups)
			groups[r.Group] = at
			b.Groups = append(b.Groups, filterGroup{N: r.Group, Match: st.q.Groups[r.Group]})
		}
		b.Groups[at].Rows = append(b.Groups[at].Rows, r)
	}
	return b
}

// rowOfPath finds the row a field error's path (filter.and[1].or[0].value)
// is about.
func rowOfPath(paths map[string]int, path string) (int, bool) {
	best, row := "", 0
	for p, i := range paths {
		if (path == p || strings.HasPrefix(path, p+".")) && len(p) > len(best) {
			best, row = p, i
		}
	}
	return row, best != ""
}

// filterRowOf lays out one condition. A field the user may not filter by
// (hidden from their role, or gone) keeps its row, empty, so that the
// row can be changed or removed.
func filterRowOf(v *visit, st *listState, i int, c condition) filterRow {
	r := filterRow{Index: i, Group: c.Group, Field: c.Field, Op: c.Op, Values: c.Values, Kind: "none"}
	f := st.fields[c.Field]
	if f == nil {
		r.Field, r.Op = "", ""
		return r
	}
	ops := filterable(f)
	if !slices.Contains(ops, records.Op(r.Op)) {
		r.Op = string(ops[0])
	}
	for _, op := range ops {
		r.Ops = append(r.Ops, formOption{Value: string(op), Label: opLabel(v.p, op)})
	}
	r.Kind, r.Options = valueInput(v, st, f, records.Op(r.Op))
	r.Multi = records.Op(r.Op) == records.In && r.Kind == "select"
	return r
}

// valueInput is the input of a value of f compared by op.
func valueInput(v *visit, st *listState, f *records.Field, op records.Op) (string, []formOption) {
	yesNo := []formOption{{Value: "true", Label: v.p.T("web.value.yes")}, {Value: "false", Label: v.p.T("web.value.no")}}
	switch {
	case op == records.Empty:
		return "select", yesNo
	case f.Type == records.Boolean:
		return "select", yesNo
	case f.Type == records.User:
		return "select", st.users
	case (f.Type == records.Select || f.Type == records.MultiSelect) && (op == records.Eq || op == records.Ne || op == records.In):
		var opts []formOption
		for _, o := range f.Options {
			opts = append(opts, formOption{Value: o, Label: v.option(f.Name, o)})
		}
		return "select", opts
	case op == records.In:
		return "text", nil // several values, written with commas between them
	case f.Type == records.Integer || f.Type == records.Decimal:
		return "number", nil
	case f.Type == records.Date:
		return "date", nil
	case f.Type == records.DateTime:
		return "datetime-local", nil
	}
	return "text", nil
}

// opLabel is an operator in the user's words.
func opLabel(p *locale.Printer, op records.Op) string {
	switch op {
	case records.Eq:
		return p.T("web.lists.op.eq")
	case records.Ne:
		return p.T("web.lists.op.ne")
	case records.Lt:
		return p.T("web.lists.op.lt")
	case records.Lte:
		return p.T("web.lists.op.lte")
	case records.Gt:
		return p.T("web.lists.op.gt")
	case records.Gte:
		return p.T("web.lists.op.gte")
	case records.In:
		return p.T("web.lists.op.in")
	case records.Contains:
		return p.T("web.lists.op.contains")
	case records.StartsWith:
		return p.T("web.lists.op.starts_with")
	case records.Empty:
		return p.T("web.lists.op.empty")
	}
	return string(op)
}

package records

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
)

// Cost is the estimated database work of a list query, in units of one
// page that an index finds. It does not count records: it says how the
// work grows with them, so one rule serves a workspace of a thousand
// contacts and one of a million. docs/decisions/0015-query-budgets.md
// tells how the weights were measured.
type Cost struct {
	Units int
	// Part names the costliest part of the query the way validation
	// errors name it (filter.or[2], sort[0], count), and Why says what
	// makes it cost.
	Part, Why string
}

const (
	// ScanCost is the cost of reading every record of a workspace with
	// one simple check each. A query that costs this much or more is
	// expensive.
	ScanCost = 10
	// MaxCost is the most a list query may cost: about a hundred text
	// conditions checked on every record, or fifteen on lists of values
	// such as e-mails. At a million contacts on SQLite it takes about the
	// default time budget of a request on a small server.
	MaxCost = 1000
)

// Expensive reports whether the query reads every record, or so many that
// it should take its turn beside other such queries.
func (c Cost) Expensive() bool { return c.Units >= ScanCost }

// indexServed reports whether an index finds the records that meet the
// condition, so that neither a page nor a count reads other records
// (index.go, plan.go): equality, in lists, ranges, prefixes and emptiness
// on a field that has an index, in its own B-tree, in field_values or in
// a link table. Contains and ne are tested on each record, and so are the
// conditions on fields without an index.
func (e *Engine) indexServed(s *schema, c *Filter, path string) bool {
	t, err := (&compiler{e: e, s: s, obj: s.obj}).compare(c, path)
	return err == nil && (t.drivable() || s.obj.small)
}

// reach is how much of a table a query, or a part of one, makes the
// database read.
type reach int

const (
	seek   reach = 1        // an index finds the rows
	narrow reach = 3        // a bounded part of an index is read, row by row
	scan   reach = ScanCost // every row is read
)

// The work of checking one row, relative to comparing one column, as
// measured (docs/decisions/0015-query-budgets.md).
const (
	columnWork = 1.0
	listWork   = 6.0  // unpacking a JSON list and testing every element
	linkWork   = 2.0  // probing a link table's index
	groupWork  = 1.0  // combining the results of an and/or group
	inValues   = 50.0 // values of an in list that weigh one check
)

// estimate is the cost of one part of a filter.
type estimate struct {
	reach reach
	work  float64 // checks per row read
	// conds and unserved count the conditions within, and those that no
	// index serves.
	conds, unserved int
	// part is the costliest part within (itself, or a descendant that
	// does more than half its work), and why says what makes it cost.
	part, why string
}

// Cost estimates the database work of listing object with q, and refuses
// (EINVALID, naming the costliest part) a query over MaxCost. It checks
// what List checks first, in the same order, so the two answer alike.
func (e *Engine) Cost(ctx context.Context, object string, q Query) (Cost, error) {
	a, obj, err := e.begin(ctx, object)
	if err != nil {
		return Cost{}, err
	}
	if err := e.policy.Authorize(ctx, a, obj.Grant(), access.Read, nil); err != nil {
		return Cost{}, err
	}
	if err := checkPaging(q); err != nil {
		return Cost{}, err
	}
	s, err := e.view(ctx, a, obj, fieldNames(q.Filter, q.Sort)...)
	if err != nil {
		return Cost{}, err
	}
	return e.cost(s, q)
}

// cost estimates q over the fields of s. Names it cannot resolve cost
// little: the list refuses them with its own message.
func (e *Engine) cost(s *schema, q Query) (Cost, error) {
	type share struct {
		units     float64
		part, why string
	}
	filter := estimate{reach: seek}
	if q.Filter != nil {
		filter = e.filterCost(s, q.Filter, "filter")
	}
	work := max(filter.work, columnWork)
	// A page reads at most a window of an index, whatever its conditions
	// (plan.go); every sort has its index.
	rows := min(filter.reach, narrow)
	shares := []share{{float64(rows) * work, filter.part, filter.why}}
	if q.Count {
		counted := scan
		if q.Filter != nil && filter.reach != scan {
			counted = narrow
		}
		shares = append(shares, share{float64(counted) * work, "count", "count=true reads every matching record"})
	}
	var total float64
	top := shares[0]
	for _, sh := range shares {
		total += sh.units
		if sh.units > top.units {
			top = sh
		}
	}
	c := Cost{Units: int(math.Ceil(total)), Part: top.part, Why: top.why}
	if c.Units <= MaxCost {
		return c, nil
	}
	return c, &fault.Error{Code: fault.EINVALID, Message: "the query would take too long; narrow it",
		Fields: []fault.FieldError{{Field: c.Part, Code: "cost", Message: fmt.Sprintf(
			"%s: the costliest part of a query estimated at %d, over the limit of %d; %s",
			c.Why, c.Units, MaxCost, advice(c.Part))}}}
}

// advice says how to make the costliest part of a query cheaper.
func advice(part string) string {
	switch {
	case part == "count":
		return "leave out count=true, or narrow the filter"
	case strings.HasPrefix(part, "sort"):
		return "sort by an indexed field, or narrow the filter with an indexed condition"
	}
	return "use fewer conditions, or eq, in, ranges and starts_with on indexed fields"
}

// filterCost estimates a filter tree. Within an and group, one condition
// that an index serves narrows the rows the others are checked on; an or
// group reads every row as soon as one alternative does.
func (e *Engine) filterCost(s *schema, f *Filter, path string) estimate {
	if f.And == nil && f.Or == nil {
		return e.conditionCost(s, f, path)
	}
	list, key := f.And, "and"
	if f.Or != nil {
		list, key = f.Or, "or"
	}
	g := estimate{reach: seek, part: path}
	if len(list) == 0 {
		return g
	}
	g.work = groupWork
	served, heaviest := false, estimate{}
	for i := range list {
		c := e.filterCost(s, &list[i], path+"."+key+"["+strconv.Itoa(i)+"]")
		g.work += c.work
		g.conds += c.conds
		g.unserved += c.unserved
		g.reach = max(g.reach, c.reach)
		served = served || c.reach != scan
		if c.work > heaviest.work {
			heaviest = c
		}
	}
	if key == "and" && served && g.reach != seek {
		g.reach = narrow
	}
	if heaviest.work*2 > g.work {
		g.part, g.why = heaviest.part, heaviest.why
	} else {
		g.why = fmt.Sprintf("an %s group of %d conditions, %d of which no index serves", key, g.conds, g.unserved)
	}
	return g
}

// conditionCost estimates one condition.
func (e *Engine) conditionCost(s *schema, c *Filter, path string) estimate {
	op := c.Op
	if op == "" {
		op = Eq
	}
	est := estimate{reach: seek, work: columnWork, conds: 1, part: path, why: fmt.Sprintf("%s on %s", op, c.Field)}
	f, err := (&compiler{e: e, s: s, obj: s.obj}).field(c.Field)
	if err != nil {
		return est
	}
	switch {
	case f.Type == Relations:
		est.work = linkWork
	case f.Type.multi():
		est.work = listWork
	}
	if values, ok := c.Value.([]any); ok && op == In {
		est.work += float64(len(values)) / inValues
	}
	if !e.indexServed(s, c, path) {
		est.reach, est.unserved = scan, 1
		est.why += ", which no index serves"
	}
	return est
}

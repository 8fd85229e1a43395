// Package analysis is the report builder: a report counts, sums or
// averages the records of one object, grouped by up to two fields, and
// draws them as a chart and a table. Every figure comes from the records
// engine's Aggregate, so a report holds exactly what the reader's lists
// hold; money is added up in the workspace's base currency at today's
// rates, and what no rate converts is reported beside the figures.
package analysis

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
)

// Charts are the ways a report is drawn; the table is always shown too.
var Charts = []string{"bar", "line", "funnel", "pie", "table"}

// Objects are the objects a report may be about (the lists users define
// are added by Objects).
var Objects = []string{"deals", "contacts", "companies", "tasks", "calls", "meetings", "notes", "products"}

// Definition is a report: field names only, so that opening it asks the
// engine again under the reader's role.
type Definition struct {
	Object   string             `json:"object"`
	GroupBy  []records.Grouping `json:"group_by"`
	Measures []records.Measure  `json:"measures"`
	Filter   *records.Filter    `json:"filter,omitempty"`
	Chart    string             `json:"chart"`
}

// Row is one group of a report: its keys as stored (ids, options,
// periods; "" for none), their labels, and one figure per measure (nil
// when no record had a value).
type Row struct {
	Keys   []string   `json:"keys"`
	Labels []string   `json:"labels"`
	Values []*float64 `json:"values"`
}

// Unconverted is money left out of a report's sums for want of a rate.
type Unconverted struct {
	Currency string `json:"currency"`
	Records  int64  `json:"records"`
}

// Result is a report's figures.
type Result struct {
	Definition Definition `json:"definition"`
	Rows       []Row      `json:"rows"`
	// Currency is the base currency of money measures; money figures
	// are in its minor units.
	Currency    string        `json:"currency,omitempty"`
	Unconverted []Unconverted `json:"unconverted,omitempty"`
	// Money says which measures are money.
	Money     []bool `json:"money"`
	Truncated bool   `json:"truncated,omitempty"`
}

// Service runs reports.
type Service struct {
	engine   *records.Engine
	sales    *sales.Service
	accounts *account.Service
	now      func() time.Time
}

// New returns the service.
func New(engine *records.Engine, sales *sales.Service, accounts *account.Service) *Service {
	return &Service{engine: engine, sales: sales, accounts: accounts, now: time.Now}
}

// Check refuses what no report may be, naming the part: an unknown
// object or chart. Fields are the engine's to check.
func Check(d *Definition) error {
	var c fault.Collector
	if d.Object == "" {
		c.Add("object", "required", "name the records to report on, such as deals")
	}
	switch {
	case d.Chart == "":
		d.Chart = "bar"
	case !slices.Contains(Charts, d.Chart):
		c.Add("chart", "unknown", "%q is not a chart; use one of %s", d.Chart, strings.Join(Charts, ", "))
	}
	return c.Err()
}

// Run computes a report as the actor in ctx may see it.
func (s *Service) Run(ctx context.Context, d Definition) (Result, error) {
	if err := Check(&d); err != nil {
		return Result{}, err
	}
	agg, err := s.engine.Aggregate(ctx, d.Object, records.AggregateQuery{Filter: d.Filter, GroupBy: d.GroupBy, Measures: d.Measures})
	if err != nil {
		if fault.Is(err, fault.ENOTFOUND) && strings.Contains(err.Error(), "there is no object") {
			return Result{}, fault.Field("object", "unknown", "%s", err.Error())
		}
		return Result{}, err
	}
	res := Result{Definition: d, Rows: []Row{}, Truncated: agg.Truncated, Money: make([]bool, len(d.Measures))}
	if agg.Money != "" {
		if err := s.convert(ctx, &res, agg); err != nil {
			return Result{}, err
		}
	} else {
		for _, g := range agg.Groups {
			res.Rows = append(res.Rows, Row{Keys: keyStrings(g.Keys), Values: g.Values})
		}
	}
	if err := s.label(ctx, &res); err != nil {
		return Result{}, err
	}
	return res, nil
}

func keyStrings(keys []any) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		switch v := k.(type) {
		case nil:
		case string:
			out[i] = v
		case bool:
			out[i] = map[bool]string{true: "true", false: "false"}[v]
		case float64:
			out[i] = fmtFloat(v)
		}
	}
	return out
}

// convert merges the groups the engine split by currency, converting
// their money into the base currency; a currency without a rate is left
// out of the money figures and reported.
func (s *Service) convert(ctx context.Context, res *Result, agg records.Aggregate) error {
	conv, err := s.sales.Converter(ctx)
	if err != nil {
		return err
	}
	res.Currency = conv.Base
	money := res.Money
	for i, m := range res.Definition.Measures {
		// A money field, or its amount: both are converted.
		money[i] = m.Op != "count" && strings.SplitN(m.Field, ".", 2)[0] == agg.Money
	}
	type acc struct {
		row    Row
		counts []int64 // records with money, per measure, for averages
	}
	var order []string
	byKey := map[string]*acc{}
	unconverted := map[string]int64{}
	today := s.now()
	for _, g := range agg.Groups {
		keys := keyStrings(g.Keys)
		k := strings.Join(keys, "\x00")
		a := byKey[k]
		if a == nil {
			a = &acc{row: Row{Keys: keys, Values: make([]*float64, len(g.Values))}, counts: make([]int64, len(g.Values))}
			byKey[k] = a
			order = append(order, k)
		}
		rate := 1.0
		ok := true
		if g.Currency != "" && g.Currency != conv.Base {
			one, err := conv.Convert(ctx, sales.Money{Amount: 1_000_000, Currency: g.Currency}, today)
			if errors.Is(err, sales.ErrNoRate) {
				ok = false
				unconverted[g.Currency] += g.Count
			} else if err != nil {
				return err
			} else {
				rate = float64(one.Amount) / 1_000_000
			}
		}
		for i, v := range g.Values {
			r := 1.0
			if money[i] {
				if !ok || g.Currency == "" {
					continue
				}
				r = rate
			}
			if v == nil {
				continue
			}
			x := *v * r
			op := res.Definition.Measures[i].Op
			if op == "avg" {
				// Averages of the groups of each currency are weighed
				// by their records, and divided below.
				x *= float64(g.Count)
				op = "sum"
				a.counts[i] += g.Count
			}
			a.row.Values[i] = add(a.row.Values[i], &x, op)
		}
	}
	for _, k := range order {
		a := byKey[k]
		for i, m := range res.Definition.Measures {
			if m.Op == "avg" && a.row.Values[i] != nil && a.counts[i] > 0 {
				x := *a.row.Values[i] / float64(a.counts[i])
				a.row.Values[i] = &x
			}
			if money[i] && a.row.Values[i] != nil {
				x := math.Round(*a.row.Values[i])
				a.row.Values[i] = &x
			}
		}
		res.Rows = append(res.Rows, a.row)
	}
	for cur, n := range unconverted {
		res.Unconverted = append(res.Unconverted, Unconverted{Currency: cur, Records: n})
	}
	slices.SortFunc(res.Unconverted, func(a, b Unconverted) int { return strings.Compare(a.Currency, b.Currency) })
	return nil
}

// add combines two figures of one measure.
func add(a, b *float64, op string) *float64 {
	switch {
	case b == nil:
		return a
	case a == nil:
		x := *b
		return &x
	}
	x := *a
	switch op {
	case "min":
		x = min(x, *b)
	case "max":
		x = max(x, *b)
	default:
		x += *b
	}
	return &x
}

package records_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// reportDeals plants, as the administrator, deals owned by the actor and
// by an outsider: what the reports below count and sum.
func reportDeals(p *permEnv) {
	p.t.Helper()
	self, out := p.people.ByCls[accesstest.Self], p.people.ByCls[accesstest.Outsider]
	for _, d := range []struct {
		owner          int64
		status, source string
		amount         int64
		currency, date string
	}{
		{self, "open", "web_form", 1000, "EUR", "2026-03-04"},
		{self, "open", "referral", 2500, "EUR", "2026-03-20"},
		{self, "won", "referral", 4000, "USD", "2026-05-10"},
		{out, "open", "web_form", 700, "EUR", "2026-03-09"},
		{out, "won", "event", 300, "EUR", "2026-05-31"},
		{out, "lost", "", 0, "", ""},
	} {
		body := fmt.Sprintf(`{"title": "D", "status": %q, "owner_id": "%d"`, d.status, d.owner)
		if d.source != "" {
			body += fmt.Sprintf(`, "source": %q`, d.source)
		}
		if d.currency != "" {
			body += fmt.Sprintf(`, "value": {"amount": %d, "currency": %q}, "expected_close_date": %q`, d.amount, d.currency, d.date)
		}
		if _, err := p.e.Create(p.admin, "deals", in(p.t, body+"}")); err != nil {
			p.t.Fatalf("plant %s: %v", body, err)
		}
	}
}

// groups writes an answer compactly: keys|currency|count|values; ...
func groups(a records.Aggregate) string {
	var out []string
	for _, g := range a.Groups {
		var parts []string
		for _, k := range g.Keys {
			parts = append(parts, fmt.Sprint(k))
		}
		parts = append(parts, g.Currency, fmt.Sprint(g.Count))
		for _, v := range g.Values {
			if v == nil {
				parts = append(parts, "-")
			} else {
				parts = append(parts, fmt.Sprint(*v))
			}
		}
		out = append(out, strings.Join(parts, "|"))
	}
	return strings.Join(out, "; ")
}

func TestAggregate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPermEnv(t, db)
		reportDeals(p)
		self, out := p.people.ByCls[accesstest.Self], p.people.ByCls[accesstest.Outsider]
		count := []records.Measure{{Op: "count"}}
		for _, c := range []struct {
			name string
			q    records.AggregateQuery
			want string
		}{
			{"count by status", records.AggregateQuery{GroupBy: []records.Grouping{{Field: "status"}}, Measures: count},
				"lost||1|1; open||3|3; won||2|2"},
			{"no grouping", records.AggregateQuery{Measures: count}, "|6|6"},
			{"sum by owner by month", records.AggregateQuery{
				GroupBy:  []records.Grouping{{Field: "owner_id"}, {Field: "expected_close_date", Bucket: "month"}},
				Measures: []records.Measure{{Op: "sum", Field: "value"}, {Op: "max", Field: "value"}, {Op: "count"}}},
				fmt.Sprintf("%d|2026-03|EUR|2|3500|2500|2; %d|2026-05|USD|1|4000|4000|1; %d|<nil>||1|-|-|1; %d|2026-03|EUR|1|700|700|1; %d|2026-05|EUR|1|300|300|1",
					self, self, out, out, out)},
			{"week and quarter", records.AggregateQuery{
				GroupBy:  []records.Grouping{{Field: "expected_close_date", Bucket: "week"}},
				Measures: []records.Measure{{Op: "avg", Field: "value.amount"}},
				Filter:   &records.Filter{Field: "value.currency", Op: records.Eq, Value: "EUR"}},
				"2026-03-02||1|1000; 2026-03-09||1|700; 2026-03-16||1|2500; 2026-05-25||1|300"},
			{"quarter", records.AggregateQuery{
				GroupBy:  []records.Grouping{{Field: "expected_close_date", Bucket: "quarter"}},
				Measures: count},
				"<nil>||1|1; 2026-Q1||3|3; 2026-Q2||2|2"},
			{"filtered", records.AggregateQuery{GroupBy: []records.Grouping{{Field: "source"}}, Measures: count,
				Filter: &records.Filter{Field: "status", Op: records.Ne, Value: "lost"}},
				"event||1|1; referral||2|2; web_form||2|2"},
		} {
			got, err := p.e.Aggregate(p.admin, "deals", c.q)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if s := groups(got); s != c.want && !(c.name == "sum by owner by month" && sameSet(s, c.want)) {
				t.Errorf("%s:\n got %s\nwant %s", c.name, s, c.want)
			}
		}

		// A salesperson reads their own deals: the report counts them only.
		p.become(access.Role{Name: "seller", Grants: access.Grants{"deal": {"read": "own"}},
			Fields: access.FieldRules{"deal": {"source": "hidden"}}})
		got, err := p.e.Aggregate(p.actor, "deals", records.AggregateQuery{GroupBy: []records.Grouping{{Field: "status"}},
			Measures: []records.Measure{{Op: "count"}, {Op: "sum", Field: "value"}}})
		if err != nil {
			t.Fatal(err)
		}
		if s := groups(got); s != "open|EUR|2|2|3500; won|USD|1|1|4000" {
			t.Errorf("salesperson: %s", s)
		}
		_, err = p.e.Aggregate(p.actor, "deals", records.AggregateQuery{GroupBy: []records.Grouping{{Field: "source"}}, Measures: count})
		wantInvalid(t, err, "group_by[0].field")
		if strings.Contains(err.Error(), "hidden") {
			t.Errorf("a hidden field is named as hidden: %v", err)
		}
	})
}

func TestAggregateRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		for _, c := range []struct {
			q    records.AggregateQuery
			path string
		}{
			{records.AggregateQuery{}, "measures"},
			{records.AggregateQuery{Measures: []records.Measure{{Op: "median", Field: "value"}}}, "measures[0].op"},
			{records.AggregateQuery{Measures: []records.Measure{{Op: "sum", Field: "title"}}}, "measures[0].field"},
			{records.AggregateQuery{Measures: []records.Measure{{Op: "sum"}}}, "measures[0].field"},
			{records.AggregateQuery{Measures: []records.Measure{{Op: "sum", Field: "nope"}}}, "measures[0].field"},
			{records.AggregateQuery{GroupBy: []records.Grouping{{Field: "tags"}}, Measures: []records.Measure{{Op: "count"}}}, "group_by[0].field"},
			{records.AggregateQuery{GroupBy: []records.Grouping{{Field: "nope"}}, Measures: []records.Measure{{Op: "count"}}}, "group_by[0].field"},
			{records.AggregateQuery{GroupBy: []records.Grouping{{Field: "closed_at", Bucket: "decade"}}, Measures: []records.Measure{{Op: "count"}}}, "group_by[0].bucket"},
			{records.AggregateQuery{GroupBy: []records.Grouping{{Field: "status", Bucket: "week"}}, Measures: []records.Measure{{Op: "count"}}}, "group_by[0].bucket"},
			{records.AggregateQuery{GroupBy: []records.Grouping{{Field: "status"}, {Field: "source"}, {Field: "owner_id"}}, Measures: []records.Measure{{Op: "count"}}}, "group_by"},
			{records.AggregateQuery{Measures: []records.Measure{{Op: "count"}}, Filter: &records.Filter{Field: "nope", Op: records.Eq, Value: "x"}}, "filter.field"},
		} {
			_, err := v.e.Aggregate(v.ctx, "deals", c.q)
			wantInvalid(t, err, c.path)
		}
		_, err := v.e.Aggregate(v.ctx, "widgets", records.AggregateQuery{Measures: []records.Measure{{Op: "count"}}})
		if err == nil {
			t.Error("an unknown object was aggregated")
		}
		// An empty workspace answers no groups.
		got, err := v.e.Aggregate(v.ctx, "tasks", records.AggregateQuery{GroupBy: []records.Grouping{{Field: "created_at", Bucket: "day"}},
			Measures: []records.Measure{{Op: "count"}}})
		if err != nil || len(got.Groups) != 0 {
			t.Errorf("empty: %v %v", got, err)
		}
	})
}

// TestAggregateCustomAndTimes groups by a time and sums a custom number.
func TestAggregateCustomAndTimes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		v.addField("contacts", records.FieldSpec{Name: "score", Type: records.Integer})
		v.addField("contacts", records.FieldSpec{Name: "met_at", Type: records.DateTime})
		for _, b := range []string{`{"first_name": "A", "score": 3, "met_at": "2026-01-31T23:30:00Z"}`,
			`{"first_name": "B", "score": 4, "met_at": "2026-02-01T00:30:00Z"}`,
			`{"first_name": "C", "score": 5, "met_at": "2026-02-11T10:00:00Z"}`, `{"first_name": "D"}`} {
			v.create("contacts", b)
		}
		got, err := v.e.Aggregate(v.ctx, "contacts", records.AggregateQuery{GroupBy: []records.Grouping{{Field: "met_at", Bucket: "month"}},
			Measures: []records.Measure{{Op: "sum", Field: "score"}, {Op: "min", Field: "score"}}})
		if err != nil {
			t.Fatal(err)
		}
		if s := groups(got); s != "<nil>||1|-|-; 2026-01||1|3|3; 2026-02||2|9|4" {
			t.Errorf("custom: %s", s)
		}
		got, err = v.e.Aggregate(v.ctx, "contacts", records.AggregateQuery{GroupBy: []records.Grouping{{Field: "created_at", Bucket: "year"}},
			Measures: []records.Measure{{Op: "count"}}, MaxGroups: 1})
		if err != nil || len(got.Groups) != 1 || got.Groups[0].Count != 4 || got.Truncated {
			t.Errorf("by year: %+v %v", got, err)
		}
	})
}

// sameSet reports whether two answers hold the same groups in any order
// (users' ids order groups of owners differently on each database).
func sameSet(a, b string) bool {
	x, y := strings.Split(a, "; "), strings.Split(b, "; ")
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

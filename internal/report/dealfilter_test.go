package report_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/report"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestReportsTakeADealFilter: the filter parameter, in the lists' JSON
// language, narrows every report's deals; a bad one, or one on a field
// the role hides, is a 4xx naming it.
func TestReportsTakeADealFilter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		parse := func(filter string) (report.Filter, error) {
			return report.ParseFilter(url.Values{"from": {"2026-11-01"}, "to": {"2026-11-30"}, "filter": {filter}}, time.UTC, today)
		}
		euros, err := parse(`{"field": "value.currency", "op": "eq", "value": "EUR"}`)
		if err != nil {
			t.Fatal(err)
		}
		r, err := f.svc.Revenue(f.admin, euros, "month")
		if err != nil {
			t.Fatal(err)
		}
		// D1 (€1,000) and D5 (€200) of the three won; D2 ($) lost is out.
		if r.Total.Won != 2 || r.Total.Lost != 0 || r.Total.WonSum.Amount != 120000 {
			t.Errorf("revenue of the deals in euros: %s", js(t, r.Total))
		}
		s, err := f.svc.Summary(f.admin, euros)
		if err != nil || s.Won.Count != 2 {
			t.Errorf("summary of the deals in euros: %s, %v", js(t, s), err)
		}
		open, err := parse(`{"or": [{"field": "status", "op": "eq", "value": "open"}, {"field": "title", "op": "eq", "value": "none"}]}`)
		if err != nil {
			t.Fatal(err)
		}
		if r, err := f.svc.Revenue(f.admin, open, "month"); err != nil || r.Total.Won != 0 || r.Total.Lost != 0 {
			t.Errorf("revenue of open deals: %s, %v", js(t, r.Total), err)
		}
		if _, err := f.svc.Funnel(f.admin, euros); err != nil {
			t.Errorf("funnel with a filter: %v", err)
		}
		if _, err := f.svc.Cycle(f.admin, euros); err != nil {
			t.Errorf("cycle with a filter: %v", err)
		}
		if _, err := f.svc.Employees(f.admin, euros); err != nil {
			t.Errorf("employees with a filter: %v", err)
		}
		// The salesperson's filter keeps within their own deals.
		if r, err := f.svc.Revenue(f.rep, euros, "month"); err != nil || r.Total.Won != 0 {
			t.Errorf("the salesperson's revenue in euros: %s, %v", js(t, r.Total), err)
		}

		for _, c := range []struct{ filter, field string }{
			{`{"field": "value.currency", "op": "eq"`, "filter"},
			{`{"field": "nope", "op": "eq", "value": "x"}`, "filter.field"},
			{`{"field": "title", "op": "nope", "value": "x"}`, "filter.op"},
		} {
			ff, err := parse(c.filter)
			if err == nil {
				_, err = f.svc.Revenue(f.admin, ff, "month")
			}
			if got := fieldOf(err); got != c.field {
				t.Errorf("filter %s: %v, want an error on %s", c.filter, err, c.field)
			}
		}

		roles := access.NewRolePolicy(db)
		sales, err := roles.Role(f.admin, access.RoleSalesperson)
		if err != nil {
			t.Fatal(err)
		}
		spec := sales.Spec()
		spec.Name, spec.Label = "blind", "Blind"
		spec.Fields = access.FieldRules{"deal": {"value": access.FieldHidden}}
		if _, err := roles.CreateRole(f.admin, spec); err != nil {
			t.Fatal(err)
		}
		id := accesstest.AddUser(t, db, 1, "blind@report.example", "blind", 0)
		blind := access.WithActor(context.Background(), access.Actor{WorkspaceID: 1, UserID: id, Role: "blind"})
		if _, err := f.svc.Revenue(blind, euros, "month"); !strings.HasPrefix(fieldOf(err), "filter") {
			t.Errorf("a role that hides the value filters by it: %v", err)
		}
	})
}

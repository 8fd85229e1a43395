package records_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestExportKeepsRules reads a list through Export as a role that reads
// every contact, exports only its own and hides fields (one of them
// through the full name derived from it): whatever columns are asked
// for, no hidden field and no record beyond the export scope comes out,
// the list's filter and sort hold, and only the columns asked for are
// read.
func TestExportKeepsRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPermEnv(t, db)
		for _, f := range []records.FieldSpec{{Name: "tier", Type: records.Select, Options: []string{"gold", "silver"}}, {Name: "score", Type: records.Integer}} {
			if _, err := p.e.AddField(p.admin, "contacts", f); err != nil {
				t.Fatal(err)
			}
		}
		hidden := []string{"birthday", "tier", "last_name", "full_name"}
		p.become(access.Role{Name: "exporter", Grants: access.Grants{"contact": {"read": "all", "export": "own"}},
			Fields: access.FieldRules{"contact": {"birthday": "hidden", "tier": "hidden", "last_name": "hidden"}}})
		mine := map[string]bool{}
		for i, name := range []string{"Cleo", "Abe", "Bea"} {
			for _, cls := range accesstest.Classes {
				rec, err := p.e.Create(p.admin, "contacts", in(t, fmt.Sprintf(`{"first_name": %q, "last_name": "Secret%d",
					"birthday": "1990-01-0%d", "tier": "gold", "score": %d, "job_title": "Chief", "tags": ["export"], "owner_id": "%d"}`,
					name, i, i+1, i, p.people.ByCls[cls])))
				if err != nil {
					t.Fatal(err)
				}
				if cls == accesstest.Self {
					mine[id(rec)] = true
				}
			}
		}
		p.e.Create(p.admin, "contacts", in(t, fmt.Sprintf(`{"first_name": "Untagged", "owner_id": "%d"}`, p.people.Actor())))

		q := records.Query{Filter: &records.Filter{Field: "tags", Op: records.Eq, Value: "export"}, Sort: []string{"-first_name"}}
		for _, o := range []records.ExportOptions{{}, {Fields: []string{"first_name", "score", "companies"}}, {Fields: []string{"job_title"}},
			{Fields: []string{"first_name", "tags", "emails"}, JSONText: true}} {
			fields := o.Fields
			var got []records.Record
			err := p.e.Export(p.actor, "contacts", q, o, func(page []records.Record) error {
				got = append(got, page...)
				return nil
			})
			if err != nil {
				t.Fatalf("%v: %v", fields, err)
			}
			var names []any
			for _, rec := range got {
				if !mine[id(rec)] {
					t.Errorf("%v: exported %v, which the role may not export", fields, rec)
				}
				for _, h := range hidden {
					if _, ok := rec[h]; ok {
						t.Errorf("%v: exported hidden %s: %v", fields, h, rec)
					}
				}
				if fields != nil {
					for k := range rec {
						if !slices.Contains(fields, k) && !slices.Contains([]string{"id", "version", "owner_id", "created_at", "updated_at", "deleted_at"}, k) {
							t.Errorf("%v: read %s, which was not asked for", fields, k)
						}
					}
				}
				if o.JSONText {
					if tags, ok := rec["tags"].(records.JSONText); !ok || !strings.Contains(string(tags), `"export"`) {
						t.Errorf("tags as text: %#v", rec["tags"])
					}
				}
				names = append(names, rec["first_name"])
			}
			want := []any{"Cleo", "Bea", "Abe"}
			if len(fields) == 1 {
				want = []any{nil, nil, nil}
			}
			if !slices.Equal(names, want) {
				t.Errorf("%v: exported %v, want %v (the filter and sort of the list)", fields, names, want)
			}
		}

		// Inside a transaction, whose one connection runs one query at a
		// time, the pages and their links are read in turn.
		var inTx int
		err := db.Tx(p.actor, func(tx store.Querier) error {
			return p.e.Export(store.Within(p.actor, tx), "contacts", q, records.ExportOptions{Fields: []string{"first_name", "companies"}}, func(page []records.Record) error {
				inTx += len(page)
				return nil
			})
		})
		if err != nil || inTx != 3 {
			t.Errorf("in a transaction: %d records, %v", inTx, err)
		}

		err = p.e.Export(p.actor, "contacts", records.Query{}, records.ExportOptions{Fields: []string{"first_name", "birthday"}}, func([]records.Record) error { return nil })
		if !fault.Is(err, fault.EINVALID) {
			t.Errorf("a hidden column: %v, want it unknown", err)
		}
		err = p.e.Export(p.actor, "contacts", records.Query{Limit: 10}, records.ExportOptions{}, func([]records.Record) error { return nil })
		if !fault.Is(err, fault.EINVALID) {
			t.Errorf("a limit: %v, want it refused", err)
		}
		p.become(access.Role{Name: "reader", Grants: access.Grants{"contact": {"read": "all"}}})
		err = p.e.Export(p.actor, "contacts", records.Query{}, records.ExportOptions{}, func([]records.Record) error { return nil })
		if !fault.Is(err, fault.EFORBIDDEN) {
			t.Errorf("a role without export: %v, want it forbidden", err)
		}
	})
}

package search_test

import (
	"context"
	"testing"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

func TestLookupFindsCallerInAnyFormat(t *testing.T) {
	cases := []struct {
		region, stored string
		typed          []string
	}{
		{"DE", "030 1234567", []string{"+49 30 1234567", "030 1234567", "0049 30 1234567", "+49-30-123 45 67", "(030) 123.45.67"}},
		{"US", "+1 415 555 2671", []string{"(415) 555-2671", "415.555.2671", "+1-415-555-2671", "001 415 555 2671", "011 1 415 555 2671"}},
	}
	for _, c := range cases {
		t.Run(c.region, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				f := newFixture(t, db, c.region)
				ctx := f.ctx()
				co := f.create(ctx, "company", `{"name": "Acme"}`)
				id := f.create(ctx, "contact", `{"full_name": "Ada Lovelace", "emails": ["ada@acme.example"], "phones": ["`+c.stored+`"],
					"companies": [{"id": "`+co+`"}]}`)
				f.create(ctx, "contact", `{"full_name": "Someone Else", "phones": ["+44 20 7946 0958"]}`)
				f.catchUp()
				for _, typed := range c.typed {
					got, err := f.svc.Lookup(ctx, typed)
					f.must(err)
					if !got.Valid || len(got.Contacts) != 1 || got.Contacts[0].ID != id {
						t.Errorf("%q: %+v", typed, got)
						continue
					}
					if r := got.Contacts[0]; r.FullName != "Ada Lovelace" || len(r.Companies) != 1 || r.Companies[0].Name != "Acme" ||
						len(r.Emails) != 1 || r.Emails[0] != "ada@acme.example" {
						t.Errorf("%q: contact %+v", typed, r)
					}
				}
			})
		})
	}
}

func TestLookupShowsDealsAndLastActivity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "US")
		ctx := f.ctx()
		co := f.create(ctx, "company", `{"name": "Acme", "phones": ["+1 212 555 0100"]}`)
		c := f.create(ctx, "contact", `{"full_name": "Ada", "phones": ["+1 415 555 2671"]}`)
		pipe := f.create(ctx, "pipeline", `{"name": "Sales"}`)
		stage := f.create(ctx, "stage", `{"name": "New", "pipeline_id": "`+pipe+`"}`)
		deal := func(title, status, extra string) string {
			return f.create(ctx, "deal", `{"title": "`+title+`", "status": "`+status+`", "pipeline_id": "`+pipe+`", "stage_id": "`+stage+`"`+extra+`}`)
		}
		byContact := deal("By contact", "open", `, "contacts": [{"id": "`+c+`"}]`)
		deal("Won already", "won", `, "contacts": [{"id": "`+c+`"}]`)
		byCompany := deal("By company", "open", `, "company_id": "`+co+`"`)
		deal("Someone else's", "open", "")
		older := f.create(ctx, "note", `{"body": "First talk", "record_type": "contact", "record_id": "`+c+`"}`)
		newer := f.create(ctx, "call", `{"direction": "inbound", "body": "Called back", "record_type": "contact", "record_id": "`+c+`"}`)
		f.setOccurred(older, "2026-01-01T10:00:00.000000Z")
		f.setOccurred(newer, "2026-02-01T10:00:00.000000Z")
		f.catchUp()

		got, err := f.svc.Lookup(ctx, "(415) 555-2671")
		f.must(err)
		if len(got.Deals) != 1 || got.Deals[0].ID != byContact {
			t.Errorf("deals of the contact: %+v", got.Deals)
		}
		if a := got.LastActivity; a == nil || a.ID != newer || a.Kind != "call" || a.Body != "Called back" {
			t.Errorf("last activity: %+v, want call %s", a, newer)
		}
		got, err = f.svc.Lookup(ctx, "212-555-0100")
		f.must(err)
		if len(got.Companies) != 1 || got.Companies[0].ID != co || len(got.Deals) != 1 || got.Deals[0].ID != byCompany || got.LastActivity != nil {
			t.Errorf("company: %+v", got)
		}
	})
}

// setOccurred sets when an activity happened, which the activity service
// would have set.
func (f *fixture) setOccurred(id, at string) {
	f.t.Helper()
	var v any = at
	if f.db.Dialect == store.Postgres {
		v = at[:len(at)-1] + "+00:00"
	}
	f.must(f.db.Tx(context.Background(), func(q store.Querier) error {
		_, err := q.ExecContext(context.Background(), `UPDATE activities SET occurred_at = ? WHERE id = ?`, v, id)
		return err
	}))
}

func TestLookupOfNoNumber(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "US")
		for _, n := range []string{"hello", "12", "+999 1", "0000000000000000"} {
			got, err := f.svc.Lookup(f.ctx(), n)
			f.must(err)
			if got.Valid || got.Number != n || len(got.Contacts)+len(got.Companies)+len(got.Deals) != 0 || got.LastActivity != nil {
				t.Errorf("%q: %+v", n, got)
			}
		}
	})
}

func TestRebuild(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "US")
		ctx := f.ctx()
		for _, name := range []string{"Grace Hopper", "Alan Turing", "Edsger Dijkstra"} {
			f.create(ctx, "contact", `{"full_name": "`+name+`", "phones": ["+1 415 555 2671"]}`)
		}
		f.create(ctx, "deal", `{"title": "Compiler"}`)
		// Another workspace's pending change is indexed, not skipped.
		accesstest.AddWorkspace(t, db, 2)
		other := as(2, accesstest.AddUser(t, db, 2, "admin@two.example", access.RoleAdministrator, 0))
		f.create(other, "contact", `{"full_name": "Barbara Liskov"}`)
		f.must(f.svc.Rebuild(ctx, 1))
		if got := titles(f.search(other, "liskov", 0)); len(got) != 1 {
			t.Errorf("workspace 2 after workspace 1 was rebuilt: %v", got)
		}
		for _, q := range []string{"grace", "turing", "dijk", "compil", "2671"} {
			if len(f.search(ctx, q, 0)) == 0 {
				t.Errorf("%q finds nothing after a rebuild", q)
			}
		}
		var last, end int64
		f.must(db.Reader().QueryRowContext(ctx, `SELECT last_id FROM outbox_positions WHERE consumer = 'search'`).Scan(&last))
		f.must(db.Reader().QueryRowContext(ctx, `SELECT max(id) FROM outbox`).Scan(&end))
		if last != end {
			t.Errorf("position %d after a rebuild, outbox ends at %d", last, end)
		}
		f.update("contact", "1", `{"full_name": "Grace Brewster Hopper"}`)
		f.catchUp()
		if got := titles(f.search(ctx, "brewster", 0)); len(got) != 1 {
			t.Errorf("brewster after a rebuild and an update: %v", got)
		}
		got, err := f.svc.Lookup(ctx, "415 555 2671")
		f.must(err)
		if len(got.Contacts) != 3 {
			t.Errorf("lookup after a rebuild: %+v", got.Contacts)
		}
	})
}

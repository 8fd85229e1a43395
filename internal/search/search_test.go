package search_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/search"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// fixture is a search service over a fresh database whose engine grants
// by role, acting as an administrator of workspace 1 unless told.
type fixture struct {
	t      testing.TB
	db     *store.DB
	engine *records.Engine
	svc    *search.Service
	pol    *access.RolePolicy
	admin  int64
}

func newFixture(t testing.TB, db *store.DB, region string) *fixture {
	t.Helper()
	pol := access.NewRolePolicy(db)
	log := slog.New(slog.DiscardHandler)
	engine := records.New(db, records.Options{Policy: pol, Logger: log, PhoneRegion: region})
	f := &fixture{t: t, db: db, engine: engine, pol: pol,
		svc: search.New(db, engine, search.Options{Logger: log, PhoneRegion: region})}
	f.admin = accesstest.AddUser(t, db, 1, "admin@example.com", access.RoleAdministrator, 0)
	return f
}

// as is the context of user in workspace ws.
func as(ws, user int64) context.Context {
	return access.WithActor(context.Background(), access.Actor{WorkspaceID: ws, UserID: user})
}

func (f *fixture) ctx() context.Context { return as(1, f.admin) }

// create makes a record from JSON and returns its id.
func (f *fixture) create(ctx context.Context, object, body string) string {
	f.t.Helper()
	in, err := records.DecodeInput([]byte(body))
	if err != nil {
		f.t.Fatal(err)
	}
	rec, err := f.engine.Create(ctx, object, in)
	if err != nil {
		f.t.Fatalf("create %s %s: %v", object, body, err)
	}
	return rec["id"].(string)
}

func (f *fixture) catchUp() {
	f.t.Helper()
	if err := f.svc.CatchUp(context.Background()); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) search(ctx context.Context, q string, limit int, objects ...string) []search.Hit {
	f.t.Helper()
	hits, err := f.svc.Search(ctx, search.Query{Text: q, Limit: limit, Objects: objects})
	if err != nil {
		f.t.Fatalf("search %q: %v", q, err)
	}
	return hits
}

func titles(hits []search.Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.Title
	}
	return out
}

func ids(hits []search.Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.Object + ":" + h.ID
	}
	return out
}

func TestSearchAsTyped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "US")
		ctx := f.ctx()
		acme := f.create(ctx, "company", `{"name": "Acme Corp", "website": "https://acme.example"}`)
		f.create(ctx, "contact", `{"first_name": "Martin", "last_name": "Schmidt", "emails": ["m.schmidt@acme.example"],
			"companies": [{"id": "`+acme+`"}]}`)
		f.create(ctx, "contact", `{"first_name": "Marta", "last_name": "Kowalska", "emails": ["marta.k@example.org"]}`)
		f.create(ctx, "contact", `{"first_name": "Mario", "last_name": "Rossi", "phones": ["(415) 555-2671"]}`)
		f.create(ctx, "contact", `{"first_name": "Zoë", "last_name": "Müller"}`)
		f.create(ctx, "contact", `{"first_name": "Иван", "last_name": "Петров"}`)
		f.create(ctx, "deal", `{"title": "Martinique expansion", "company_id": "`+acme+`"}`)
		f.catchUp()
		cases := []struct {
			q       string
			objects []string
			want    []string // titles that must be found
			absent  []string // titles that must not
		}{
			{q: "ma", want: []string{"Martin Schmidt", "Marta Kowalska", "Mario Rossi", "Martinique expansion"}, absent: []string{"Acme Corp"}},
			{q: "mar", want: []string{"Martin Schmidt", "Marta Kowalska", "Mario Rossi"}},
			{q: "mart", want: []string{"Martin Schmidt", "Marta Kowalska", "Martinique expansion"}, absent: []string{"Mario Rossi"}},
			{q: "martin", want: []string{"Martin Schmidt", "Martinique expansion"}, absent: []string{"Marta Kowalska"}},
			{q: "Martin Sch", want: []string{"Martin Schmidt"}, absent: []string{"Martinique expansion"}},
			{q: "mart", objects: []string{"deal"}, want: []string{"Martinique expansion"}, absent: []string{"Martin Schmidt"}},
			{q: "zoe", want: []string{"Zoë Müller"}},
			{q: "MULL", want: []string{"Zoë Müller"}},
			{q: "Zoë", want: []string{"Zoë Müller"}},
			{q: "иван", want: []string{"Иван Петров"}},
			{q: "ПЕТ", want: []string{"Иван Петров"}},
			{q: "acme", want: []string{"Acme Corp", "Martin Schmidt", "Martinique expansion"}, absent: []string{"Marta Kowalska"}},
			{q: "marta.k", want: []string{"Marta Kowalska"}, absent: []string{"Martin Schmidt"}},
			{q: "2671", want: []string{"Mario Rossi"}, absent: []string{"Martin Schmidt"}},
			{q: "555-26", want: []string{"Mario Rossi"}},
			{q: "xyzzy", absent: []string{"Martin Schmidt", "Acme Corp"}},
		}
		for _, c := range cases {
			got := titles(f.search(ctx, c.q, 0, c.objects...))
			for _, w := range c.want {
				if !slices.Contains(got, w) {
					t.Errorf("%q: %v lacks %q", c.q, got, w)
				}
			}
			for _, a := range c.absent {
				if slices.Contains(got, a) {
					t.Errorf("%q: %v holds %q", c.q, got, a)
				}
			}
		}
	})
}

func TestSearchRanksNamesFirst(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "US")
		ctx := f.ctx()
		// Created first, so that newest-first candidates would put them last.
		f.create(ctx, "contact", `{"first_name": "Anna"}`)
		f.create(ctx, "contact", `{"first_name": "Annabelle", "last_name": "Smith"}`)
		f.create(ctx, "contact", `{"first_name": "Jo", "last_name": "Anna"}`)
		for i := range 5 {
			f.create(ctx, "contact", fmt.Sprintf(`{"first_name": "Bob%d", "emails": ["anna%d@example.com"]}`, i, i))
		}
		f.catchUp()
		got := titles(f.search(ctx, "anna", 0))
		want := []string{"Anna", "Annabelle Smith", "Jo Anna"}
		if len(got) != 8 || !slices.Equal(got[:3], want) {
			t.Errorf("anna: got %v, want %v first and 8 in all", got, want)
		}
		if got := titles(f.search(ctx, "anna", 2)); !slices.Equal(got, want[:2]) {
			t.Errorf("anna, limit 2: got %v", got)
		}
	})
}

func TestIndexFollowsChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "US")
		ctx := f.ctx()
		co := f.create(ctx, "company", `{"name": "Globex"}`)
		c := f.create(ctx, "contact", `{"full_name": "Hank Scorpio", "companies": [{"id": "`+co+`"}]}`)
		deal := f.create(ctx, "deal", `{"title": "Doomsday device", "company_id": "`+co+`"}`)
		found := func(q, object, id string) bool {
			return slices.Contains(ids(f.search(ctx, q, 50)), object+":"+id)
		}
		if found("hank", "contact", c) {
			t.Fatal("found before the outbox was read")
		}
		f.catchUp()
		steps := []struct {
			name   string
			change func()
			q      string
			object string
			id     string
			want   bool
		}{
			{"created", func() {}, "hank", "contact", c, true},
			{"renamed", func() { f.update("contact", c, `{"full_name": "Homer Simpson"}`) }, "homer", "contact", c, true},
			{"old name gone", func() {}, "hank", "contact", c, false},
			{"company renamed: contact", func() { f.update("company", co, `{"name": "Initech"}`) }, "initech", "contact", c, true},
			{"company renamed: deal", func() {}, "initech", "deal", deal, true},
			{"company renamed: old name", func() {}, "globex", "deal", deal, false},
			{"deleted", func() { f.must(f.engine.Delete(ctx, "contact", c, 0)) }, "homer", "contact", c, false},
			{"restored", func() { _, err := f.engine.Restore(ctx, "contact", c); f.must(err) }, "homer", "contact", c, true},
			{"deal purged", func() { f.must(f.engine.Purge(ctx, "deal", deal, 0)) }, "doomsday", "deal", deal, false},
		}
		for _, s := range steps {
			s.change()
			f.catchUp()
			if got := found(s.q, s.object, s.id); got != s.want {
				t.Errorf("%s: %q finds %s %s: %v, want %v", s.name, s.q, s.object, s.id, got, s.want)
			}
		}
	})
}

func (f *fixture) update(object, id, body string) {
	f.t.Helper()
	in, err := records.DecodeInput([]byte(body))
	f.must(err)
	_, err = f.engine.Update(f.ctx(), object, id, 0, in)
	f.must(err)
}

func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

func TestSearchKeepsToWorkspace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "US")
		accesstest.AddWorkspace(t, db, 2)
		other := accesstest.AddUser(t, db, 2, "admin@two.example", access.RoleAdministrator, 0)
		mine := f.create(f.ctx(), "contact", `{"full_name": "Sam Spade", "phones": ["+1 415 555 0101"]}`)
		theirs := f.create(as(2, other), "contact", `{"full_name": "Sam Spade", "phones": ["+1 415 555 0101"]}`)
		f.create(as(2, other), "company", `{"name": "Spade Holdings"}`)
		f.catchUp()
		for _, q := range []string{"sam", "spade", "sam spade", "0101"} {
			got := ids(f.search(f.ctx(), q, 50))
			if !slices.Equal(got, []string{"contact:" + mine}) {
				t.Errorf("%q in workspace 1: %v, want only contact:%s", q, got, mine)
			}
			got = ids(f.search(as(2, other), q, 50))
			if !slices.Contains(got, "contact:"+theirs) || slices.Contains(got, "contact:"+mine) {
				t.Errorf("%q in workspace 2: %v", q, got)
			}
		}
		c, err := f.svc.Lookup(f.ctx(), "+14155550101")
		f.must(err)
		if len(c.Contacts) != 1 || c.Contacts[0].ID != mine {
			t.Errorf("lookup in workspace 1: %+v", c.Contacts)
		}
	})
}

// TestSearchKeepsToOwnRecords has a salesperson find a full page of their
// own records among many more of a colleague's, and an administrator find
// them all.
func TestSearchKeepsToOwnRecords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "US")
		seller := accesstest.AddUser(t, db, 1, "seller@example.com", access.RoleSalesperson, 0)
		colleague := accesstest.AddUser(t, db, 1, "colleague@example.com", access.RoleSalesperson, 0)
		var own []string
		for i := range 40 {
			owner := colleague
			if i%8 == 0 {
				owner = seller
			}
			id := f.create(f.ctx(), "contact", fmt.Sprintf(`{"full_name": "Mark %02d", "owner_id": "%d", "phones": ["+1 415 555 %04d"]}`, i, owner, 1000+i))
			if owner == seller {
				own = append(own, "contact:"+id)
			}
		}
		f.create(f.ctx(), "company", fmt.Sprintf(`{"name": "Markham Ltd", "owner_id": "%d"}`, colleague))
		f.catchUp()
		slices.Sort(own)
		for _, q := range []string{"ma", "mark", "555", "415 555"} {
			got := ids(f.search(as(1, seller), q, len(own)))
			slices.Sort(got)
			if !slices.Equal(got, own) {
				t.Errorf("%q as salesperson: %v, want %v", q, got, own)
			}
		}
		if got := f.search(f.ctx(), "mark", 50); len(got) != 41 {
			t.Errorf("mark as administrator: %d hits, want 41", len(got))
		}
		if got := titles(f.search(as(1, seller), "1016", 50)); !slices.Equal(got, []string{"Mark 16"}) {
			t.Errorf("1016 as salesperson: %v", got)
		}
		if got := f.search(as(1, seller), "1001", 50); len(got) != 0 {
			t.Errorf("1001 as salesperson finds a colleague's number: %v", got)
		}
		c, err := f.svc.Lookup(as(1, seller), "+1 415 555 1001")
		f.must(err)
		if len(c.Contacts) != 0 {
			t.Errorf("salesperson looks up a colleague's number: %+v", c.Contacts)
		}
	})
}

func TestSearchRefusesBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "US")
		cases := []struct {
			q     search.Query
			field string
		}{
			{search.Query{Text: ""}, "q"},
			{search.Query{Text: " a "}, "q"},
			{search.Query{Text: "!?"}, "q"},
			{search.Query{Text: strings.Repeat("x", 201)}, "q"},
			{search.Query{Text: "ab", Limit: -1}, "limit"},
			{search.Query{Text: "ab", Limit: 51}, "limit"},
			{search.Query{Text: "ab", Objects: []string{"ticket"}}, "objects"},
		}
		for _, c := range cases {
			_, err := f.svc.Search(f.ctx(), c.q)
			if !hasField(err, c.field) {
				t.Errorf("%+v: %v, want invalid %s", c.q, err, c.field)
			}
		}
		if _, err := f.svc.Lookup(f.ctx(), " "); !hasField(err, "number") {
			t.Errorf("empty number: %v", err)
		}
		if _, err := f.svc.Search(context.Background(), search.Query{Text: "ab"}); !fault.Is(err, fault.EUNAUTHORIZED) {
			t.Errorf("no actor: %v", err)
		}
	})
}

func hasField(err error, field string) bool {
	e, ok := err.(*fault.Error)
	if !ok || e.Code != fault.EINVALID {
		return false
	}
	return slices.ContainsFunc(e.Fields, func(fe fault.FieldError) bool { return fe.Field == field })
}

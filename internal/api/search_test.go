package api_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/search"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// searchEnv is a running API with the search service, an administrator's
// token (the default) and a salesperson's under the variable "seller",
// and an index brought up to date by the "catch up" step.
func searchEnv(t *testing.T, db *store.DB) (*env, *search.Service) {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	accounts := account.New(db)
	tokens := map[string]string{}
	for _, u := range []struct{ email, role string }{{"admin@example.com", access.RoleAdministrator}, {"seller@example.com", access.RoleSalesperson}} {
		if _, err := accounts.CreateUser(ctx, 1, u.email, u.email, "correct horse battery", u.role); err != nil {
			t.Fatal(err)
		}
		tok, err := accounts.CreateToken(ctx, 1, u.email, "test", account.ScopeReadWrite, nil)
		if err != nil {
			t.Fatal(err)
		}
		tokens[u.role] = tok
	}
	engine := records.New(db, records.Options{Policy: access.NewRolePolicy(db), Logger: log, PhoneRegion: "DE"})
	svc := search.New(db, engine, search.Options{Logger: log, PhoneRegion: "DE"})
	s := &api.Server{Engine: engine, Accounts: accounts, Search: svc, DB: db, Version: "test", Log: log}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	e := &env{srv: srv, token: tokens[access.RoleAdministrator], db: db, vars: map[string]string{"seller": tokens[access.RoleSalesperson]}}
	return e, svc
}

func TestSearchAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, svc := searchEnv(t, db)
		// A second workspace holds a namesake that must never show.
		accesstest.AddWorkspace(t, db, 2)
		other := accesstest.AddUser(t, db, 2, "admin@two.example", access.RoleAdministrator, 0)
		eng := records.New(db, records.Options{PhoneRegion: "DE"})
		in, _ := records.DecodeInput([]byte(`{"full_name": "Zoë Wanderer", "phones": ["+49 30 1234567"]}`))
		if _, err := eng.Create(access.WithActor(context.Background(), access.Actor{WorkspaceID: 2, UserID: other}), "contact", in); err != nil {
			t.Fatal(err)
		}
		e.run(t, []step{
			{name: "admin's contact", method: "POST", path: "/api/v1/contacts", status: 201, save: map[string]string{"zoe": "id"},
				body: `{"first_name": "Zoë", "last_name": "Adler", "emails": ["zoe@adler.example"], "phones": ["030 1234567"]}`},
			{name: "seller's contact", method: "POST", path: "/api/v1/contacts", token: "{seller}", status: 201, save: map[string]string{"zora": "id"},
				body: `{"first_name": "Zora", "last_name": "Neale"}`},
			{name: "admin's deal", method: "POST", path: "/api/v1/deals", status: 201, save: map[string]string{"deal": "id"},
				body: `{"title": "Zoetrope order"}`},
		})
		if err := svc.CatchUp(context.Background()); err != nil {
			t.Fatal(err)
		}
		e.run(t, []step{
			{name: "no token", method: "GET", path: "/api/v1/search?q=zo", token: "-", status: 401},
			{name: "admin types zo", method: "GET", path: "/api/v1/search?q=zo", status: 200,
				contains: []string{`"id":"{zoe}"`, `"id":"{zora}"`, `"id":"{deal}"`, `"title":"Zoë Adler"`, `"subtitle":"zoe@adler.example"`, `"object":"deal"`},
				absent:   []string{"Wanderer"}},
			{name: "without the accent", method: "GET", path: "/api/v1/search?q=zoe%20ad", status: 200,
				contains: []string{`"id":"{zoe}"`}, absent: []string{`"id":"{zora}"`, `"id":"{deal}"`}},
			{name: "contacts only", method: "GET", path: "/api/v1/search?q=zo&objects=contact", status: 200,
				contains: []string{`"id":"{zoe}"`}, absent: []string{`"object":"deal"`}},
			{name: "limit", method: "GET", path: "/api/v1/search?q=zo&limit=1", status: 200, absent: []string{`"id":"{zora}"`}},
			{name: "phone suffix", method: "GET", path: "/api/v1/search?q=4567", status: 200,
				contains: []string{`"id":"{zoe}"`}, absent: []string{"Wanderer"}},
			{name: "seller sees only their own", method: "GET", path: "/api/v1/search?q=zo", token: "{seller}", status: 200,
				contains: []string{`"id":"{zora}"`}, absent: []string{`"id":"{zoe}"`, `"id":"{deal}"`, "Wanderer"}},
			{name: "lookup", method: "GET", path: "/api/v1/lookup/phone?number=%2B49%2030%20123%2045%2067", status: 200,
				contains: []string{`"number":"+49301234567"`, `"valid":true`, `"id":"{zoe}"`, `"full_name":"Zoë Adler"`, `"last_activity":null`},
				absent:   []string{"Wanderer"}},
			{name: "lookup in the region's format", method: "GET", path: "/api/v1/lookup/phone?number=030-1234567", status: 200,
				contains: []string{`"id":"{zoe}"`}},
			{name: "seller's lookup", method: "GET", path: "/api/v1/lookup/phone?number=030-1234567", token: "{seller}", status: 200,
				contains: []string{`"valid":true`, `"contacts":[]`}, absent: []string{"Adler", "Wanderer"}},
			{name: "not a number", method: "GET", path: "/api/v1/lookup/phone?number=call%20me", status: 200,
				contains: []string{`"valid":false`, `"contacts":[]`, `"companies":[]`, `"deals":[]`}},
		})
		bad := []struct{ path, field string }{
			{"/api/v1/search", "q"},
			{"/api/v1/search?q=", "q"},
			{"/api/v1/search?q=z", "q"},
			{"/api/v1/search?q=%3F%3F", "q"},
			{"/api/v1/search?q=zo&limit=0", "limit"},
			{"/api/v1/search?q=zo&limit=x", "limit"},
			{"/api/v1/search?q=zo&limit=1000", "limit"},
			{"/api/v1/search?q=zo&objects=ticket", "objects"},
			{"/api/v1/lookup/phone", "number"},
			{"/api/v1/lookup/phone?number=%20", "number"},
		}
		for _, b := range bad {
			e.run(t, []step{{name: b.path, method: "GET", path: b.path, status: 400, contains: []string{`"field":"` + b.field + `"`}}})
		}
	})
}

// TestSearchHonoursHiddenFields: a role that hides contacts' e-mails and
// phones finds a contact by name only, sees no subtitle, and gets nothing
// from searching or looking up the hidden values.
func TestSearchHonoursHiddenFields(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, svc := searchEnv(t, db)
		ctx := context.Background()
		spec := access.BuiltinRoles()[3].Spec() // read only, every record
		spec.Name, spec.Label = "no_contact_details", "No contact details"
		spec.Fields = access.FieldRules{"contact": {"emails": access.FieldHidden, "phones": access.FieldHidden}}
		pol := access.NewRolePolicy(db)
		admin := accesstest.AddUser(t, db, 1, "boss@example.com", access.RoleAdministrator, 0)
		if _, err := pol.CreateRole(access.WithActor(ctx, access.Actor{WorkspaceID: 1, UserID: admin}), spec); err != nil {
			t.Fatal(err)
		}
		accounts := account.New(db)
		if _, err := accounts.CreateUser(ctx, 1, "clerk@example.com", "Clerk", "correct horse battery", spec.Name); err != nil {
			t.Fatal(err)
		}
		tok, err := accounts.CreateToken(ctx, 1, "clerk@example.com", "test", account.ScopeRead, nil)
		if err != nil {
			t.Fatal(err)
		}
		e.vars["clerk"] = tok
		e.run(t, []step{{name: "contact", method: "POST", path: "/api/v1/contacts", status: 201, save: map[string]string{"zoe": "id"},
			body: `{"first_name": "Zoë", "last_name": "Adler", "emails": ["zoe@adler.example"], "phones": ["030 1234567"]}`}})
		if err := svc.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		e.run(t, []step{
			{name: "by name, without the subtitle", method: "GET", path: "/api/v1/search?q=zoe", token: "{clerk}", status: 200,
				contains: []string{`"id":"{zoe}"`, `"subtitle":""`}, absent: []string{"adler.example"}},
			{name: "by the hidden e-mail", method: "GET", path: "/api/v1/search?q=adler.example", token: "{clerk}", status: 200,
				absent: []string{`"id":"{zoe}"`}},
			{name: "by the hidden phone", method: "GET", path: "/api/v1/search?q=4567", token: "{clerk}", status: 200,
				absent: []string{`"id":"{zoe}"`}},
			{name: "lookup of the hidden phone", method: "GET", path: "/api/v1/lookup/phone?number=030-1234567", token: "{clerk}", status: 200,
				contains: []string{`"contacts":[]`}, absent: []string{"Adler"}},
			{name: "the administrator still finds it by e-mail", method: "GET", path: "/api/v1/search?q=adler.example", status: 200,
				contains: []string{`"id":"{zoe}"`}},
		})
	})
}

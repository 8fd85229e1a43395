package web_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/search"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
	"github.com/rapport-crm/rapport/internal/web"
)

// newSearchApp is newApp with the search service, whose index the test
// brings up to date with caughtUp.
func newSearchApp(t *testing.T, db *store.DB) (*app, *search.Service) {
	t.Helper()
	clk := &clock{t: time.Now()}
	engine := records.New(db, records.Options{Policy: access.NewRolePolicy(db), PhoneRegion: "GB"})
	finder := search.New(db, engine, search.Options{Logger: slog.New(slog.DiscardHandler), PhoneRegion: "GB"})
	box := &outbox{}
	accounts := account.NewWithOptions(db, account.Options{Password: account.PasswordParams{Memory: 64, Time: 1, Threads: 1},
		Now: clk.now, Mail: box})
	s, err := web.New(web.Options{Engine: engine, Accounts: accounts, Log: slog.New(slog.DiscardHandler), Search: finder})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(s.Handler())
	t.Cleanup(srv.Close)
	a := &app{t: t, srv: srv, db: db, engine: engine, accounts: accounts, clock: clk, mail: box}
	a.client = a.newClient()
	return a, finder
}

func caughtUp(t *testing.T, finder *search.Service) {
	t.Helper()
	if err := finder.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// groupsOf splits a results fragment at its groups: the text of each,
// by the id of its heading.
func groupsOf(body string) map[string]string {
	out := map[string]string{}
	for _, part := range strings.Split(body, `<div role="group" aria-labelledby="`)[1:] {
		id, rest, _ := strings.Cut(part, `"`)
		out[id] = rest
	}
	return out
}

func TestSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a, finder := newSearchApp(t, db)
		a.setUp()
		ctx := a.admin()
		acme, err := a.engine.Create(ctx, "companies", map[string]any{"name": "Byron <Mills>"})
		if err != nil {
			t.Fatal(err)
		}
		ada, err := a.engine.Create(ctx, "contacts", map[string]any{"first_name": "<b>Ada</b>", "last_name": "Byron",
			"emails": []any{map[string]any{"value": "ada@byron.example"}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.engine.Create(ctx, "contacts", map[string]any{"first_name": "Charles", "last_name": "Babbage"}); err != nil {
			t.Fatal(err)
		}
		caughtUp(t, finder)
		adaLink, acmeLink := `href="/contacts/`+ada["id"].(string)+`"`, `href="/companies/`+acme["id"].(string)+`"`

		a.get("/contacts").want(t, "the search box in the header", http.StatusOK,
			`id="search-box"`, `role="combobox"`, `aria-controls="search-results"`, `role="listbox"`, `hx-get="/search"`)

		found := a.get("/search?q=byron", "HX-Request", "true")
		found.want(t, "the results as the user types", http.StatusOK, adaLink, acmeLink,
			"&lt;b&gt;Ada&lt;/b&gt; Byron", "Byron &lt;Mills&gt;", "ada@byron.example", `href="/search?q=byron"`)
		if strings.Contains(found.body, "<html") || strings.Contains(found.body, "<b>Ada") || strings.Contains(found.body, "<Mills>") {
			t.Error("the fragment repeats the layout or shows a name as HTML")
		}
		if strings.Contains(found.body, "Babbage") {
			t.Error("the results show a contact that does not match")
		}
		groups := groupsOf(found.body)
		if len(groups) != 2 {
			t.Fatalf("%d groups, want contacts and companies: %s", len(groups), found.body)
		}
		contacts, companies := groups["search-group-contacts"], groups["search-group-companies"]
		if !strings.Contains(contacts, ">Contacts<") || !strings.Contains(contacts, adaLink) || strings.Contains(contacts, acmeLink) {
			t.Errorf("the contacts group is wrong: %s", contacts)
		}
		if !strings.Contains(companies, ">Companies<") || !strings.Contains(companies, acmeLink) || strings.Contains(companies, adaLink) {
			t.Errorf("the companies group is wrong: %s", companies)
		}

		page := a.get("/search?q=byron")
		page.want(t, "the results as a page", http.StatusOK, "<html", "<title>Search: byron · Rapport</title>",
			adaLink, acmeLink, "&lt;b&gt;Ada&lt;/b&gt; Byron", `<h2 id="found-search-group-contacts">Contacts</h2>`, `value="byron"`)
		if strings.Contains(page.body, "<b>Ada") || strings.Contains(page.body, `role="option"`) {
			t.Error("the page shows a name as HTML or the options of the search box")
		}

		a.get("/search?q=zzzz", "HX-Request", "true").want(t, "nothing found", http.StatusOK, "Nothing found for “zzzz”")
		a.get("/search?q=zzzz").want(t, "nothing found, as a page", http.StatusOK, "Nothing found for “zzzz”")
		a.get("/search?q=a", "HX-Request", "true").want(t, "one letter", http.StatusOK, "Type at least two letters or digits")
		a.get("/search?q=%3C%3C%3C").want(t, "no letters", http.StatusOK, "Type at least two letters or digits", `value="&lt;&lt;&lt;"`)
		if empty := a.get("/search?q=", "HX-Request", "true"); empty.status != http.StatusOK || strings.TrimSpace(empty.body) != "" {
			t.Errorf("an empty box: status %d, body %q; want no options", empty.status, empty.body)
		}

		a.client = a.newClient()
		a.get("/search?q=byron").want(t, "signed out", http.StatusSeeOther)
		if body := a.get("/signin").body; strings.Contains(body, `id="search-box"`) {
			t.Error("the sign-in page has the search box")
		}
	})
}

func TestASalespersonFindsOnlyTheirOwnContacts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a, finder := newSearchApp(t, db)
		a.setUp()
		ctx := a.admin()
		if _, err := a.engine.Create(ctx, "contacts", map[string]any{"first_name": "Colleague's", "last_name": "Client",
			"owner_id": a.userID(ctx)}); err != nil {
			t.Fatal(err)
		}
		sam, err := a.accounts.CreateUser(context.Background(), 1, "sam@example.com", "Sam", "a long secret", "salesperson")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.engine.Create(ctx, "contacts", map[string]any{"first_name": "Sam's", "last_name": "Client", "owner_id": sam.ID}); err != nil {
			t.Fatal(err)
		}
		caughtUp(t, finder)
		a.get("/search?q=client", "HX-Request", "true").want(t, "the administrator finds both", http.StatusOK,
			"Sam&#39;s Client", "Colleague&#39;s Client")

		a.client = a.newClient()
		a.post("/signin", url.Values{"email": {"sam@example.com"}, "password": {"a long secret"}}).want(t, "Sam signs in", http.StatusSeeOther)
		for _, header := range [][]string{{"HX-Request", "true"}, nil} {
			found := a.get("/search?q=client", header...)
			found.want(t, "Sam's search", http.StatusOK, "Sam&#39;s Client")
			if strings.Contains(found.body, "Colleague") {
				t.Errorf("a salesperson finds a colleague's contact (htmx: %v)", header != nil)
			}
		}
		a.get("/search?q=colleague", "HX-Request", "true").want(t, "Sam looks for the colleague's contact", http.StatusOK,
			"Nothing found for “colleague”")
	})
}

func TestSearchIsMissingWithoutTheService(t *testing.T) {
	a := newApp(t, storetest.SQLite(t))
	a.setUp()
	a.get("/search?q=ada").want(t, "search without the service", http.StatusNotFound, "Not found")
}

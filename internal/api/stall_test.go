package api_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/demo"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/search"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// stallContacts is enough contacts that a query reading all of them with
// a few dozen checks each takes a good part of a second, few enough that
// they load in a second or two.
const stallContacts = 10000

// stallEnv is stallContacts demo contacts, a token for an administrator,
// whose pages are measured, and read-only tokens for the attackers.
type stallEnv struct {
	t *testing.T
	// pages and attacks keep connections of their own, so that the
	// measured pages never wait to dial while attackers hold every
	// connection the client keeps.
	pages, attacks *http.Client
	db             *store.DB
	accounts       *account.Service
	url            string
	admin          string
	readers        []string
	actorCtx       context.Context
}

func newStallEnv(t *testing.T, db *store.DB) *stallEnv {
	t.Helper()
	ctx := context.Background()
	if _, err := demo.Generate(ctx, db, demo.Options{Contacts: stallContacts, Deals: -1, Activities: -1, Users: 3, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	e := &stallEnv{t: t, db: db, accounts: account.NewWithOptions(db, account.Options{Password: cheapPasswords}),
		pages: &http.Client{Transport: &http.Transport{}}, attacks: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}}
	t.Cleanup(e.pages.CloseIdleConnections)
	t.Cleanup(e.attacks.CloseIdleConnections)
	for i, role := range []string{access.RoleAdministrator, access.RoleReadOnly, access.RoleReadOnly, access.RoleReadOnly} {
		email := fmt.Sprintf("user%d@example.com", i)
		u, err := e.accounts.CreateUser(ctx, 1, email, "User", "correct horse battery", role)
		if err != nil {
			t.Fatal(err)
		}
		token, err := e.accounts.CreateToken(ctx, 1, email, "test", account.ScopeRead, nil)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			var uid int64
			fmt.Sscan(u.ID, &uid)
			e.actorCtx = access.WithActor(ctx, access.Actor{WorkspaceID: 1, UserID: uid, Role: role})
			e.admin = token
		} else {
			e.readers = append(e.readers, token)
		}
	}
	return e
}

// serve starts a server with the given limits over the environment's
// database, and sends requests to it from then on.
func (e *stallEnv) serve(limits api.QueryLimits) {
	log := slog.New(slog.DiscardHandler)
	engine := records.New(e.db, records.Options{PhoneRegion: "US", Policy: access.NewRolePolicy(e.db), Logger: log})
	svc := search.New(e.db, engine, search.Options{Logger: log, PhoneRegion: "US"})
	s := &api.Server{Engine: engine, Accounts: e.accounts, Search: svc, DB: e.db, Version: "test", Log: log, Queries: limits}
	srv := httptest.NewServer(s.Handler())
	e.t.Cleanup(srv.Close)
	e.url = srv.URL
}

// scan is how long one check of every contact's e-mails takes on this
// machine, alone: a time budget that must run out is set from it, since
// speeds differ from machine to machine.
func (e *stallEnv) scan() time.Duration {
	engine := records.New(e.db, records.Options{PhoneRegion: "US"})
	q, err := records.ParseQueryBody([]byte(`{"filter": {"field": "emails", "op": "contains", "value": "zq"}}`))
	if err != nil {
		e.t.Fatal(err)
	}
	fastest := time.Hour
	for range 3 {
		start := time.Now()
		if _, err := engine.List(e.actorCtx, "contacts", q); err != nil {
			e.t.Fatal(err)
		}
		fastest = min(fastest, time.Since(start))
	}
	return fastest
}

// waitIdle waits until no query holds a connection of the database.
func (e *stallEnv) waitIdle() {
	for i := 0; ; i++ {
		busy := 0
		for _, pool := range e.db.Stats() {
			busy += pool.Stats().InUse
		}
		if busy == 0 {
			return
		}
		if i == 1000 {
			e.t.Fatalf("%d connections still busy after the attack", busy)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// do sends one request through client c and returns its status, headers
// and body; status 0 when ctx ended first.
func (e *stallEnv) do(ctx context.Context, c *http.Client, method, path, token, body string) (int, http.Header, string) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequestWithContext(ctx, method, e.url+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			e.t.Errorf("%s %s: %v", method, path, err)
		}
		return 0, nil, ""
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil && ctx.Err() != nil {
		return 0, nil, ""
	}
	return resp.StatusCode, resp.Header, string(raw)
}

// anyContains is an or group of n contains conditions on field, none of
// which matches.
func anyContains(field string, n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf(`{"field": %q, "op": "contains", "value": "zq%d"}`, field, i)
	}
	return `{"or": [` + strings.Join(parts, ", ") + `]}`
}

// deep nests and/or groups depth deep, a contains at each level.
func deep(depth int) string {
	f := `{"field": "job_title", "op": "contains", "value": "zq"}`
	for i := range depth {
		f = fmt.Sprintf(`{%q: [%s, {"field": "emails", "op": "contains", "value": "zq%d"}]}`, []string{"or", "and"}[i%2], f, i)
	}
	return f
}

// worstQueries are the worst query bodies an attacker can build: some
// just under the cost limit, some over it.
var worstQueries = []string{
	`{"filter": ` + anyContains("emails", 14) + `, "sort": "-birthday"}`,
	`{"filter": ` + anyContains("emails", 100) + `}`,
	`{"filter": ` + anyContains("last_name", 100) + `, "count": true}`,
	`{"filter": ` + deep(8) + `, "count": true}`,
	`{"filter": ` + deep(5) + `, "sort": "job_title"}`,
	`{"filter": {"field": "job_title", "op": "in", "value": ["zq"` + strings.Repeat(`, "zq"`, 499) + `]}, "sort": "-birthday", "limit": 500}`,
	`{"filter": {"field": "phones", "op": "in", "value": ["+1555"` + strings.Repeat(`, "+1556"`, 499) + `]}, "count": true}`,
	`{"count": true, "sort": "-birthday"}`,
	`{"filter": ` + anyContains("tags", 30) + `, "sort": "-birthday", "count": true}`,
}

// worstGets are the worst list and search requests by query string.
var worstGets = []string{
	"/api/v1/contacts?sort=-birthday&count=true&limit=500",
	"/api/v1/contacts?job_title[contains]=zq&emails[contains]=zq&phones[contains]=9&count=true",
	"/api/v1/contacts?sort=job_title,-birthday&limit=500",
	"/api/v1/search?q=an",
	"/api/v1/search?q=an+ma+ol",
}

// quantile is the nearest-rank q-quantile of d.
func quantile(d []time.Duration, q float64) time.Duration {
	slices.Sort(d)
	return d[min(len(d)-1, int(float64(len(d))*q))]
}

// TestNoQueryStallsTheServer runs the worst queries from three read-only
// users, three at a time from each (more than the connections of either
// database's pool), while an administrator reads pages
// (search has no index built here: it stands for a read that takes a
// turn among the expensive ones). The pages keep their median and p99 within a few
// times what it was without the attack, the attack gets 400 and 429 but
// never a 500, and health and readiness answer all along. Then, with a
// budget that the worst allowed queries cannot meet, they get 503.
func TestNoQueryStallsTheServer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newStallEnv(t, db)
		// A budget that no page comes near, and a short wait for a turn.
		e.serve(api.QueryLimits{Timeout: 5 * time.Second, Expensive: 1, PerUser: 1, Wait: 10 * time.Millisecond})
		page := func() time.Duration {
			start := time.Now()
			if status, _, body := e.do(context.Background(), e.pages, "GET", "/api/v1/contacts?sort=last_name&limit=20", e.admin, ""); status != 200 {
				t.Errorf("a cheap page answered %d: %s", status, body)
			}
			return time.Since(start)
		}
		// Calm and attacked pages are measured in turns, so that whatever
		// else loads the machine weighs on both alike.
		var calm, attacked []time.Duration
		var mu sync.Mutex
		statuses := map[int]int{}
		for range 3 {
			for range 40 {
				calm = append(calm, page())
			}
			ctx, stop := context.WithCancel(context.Background())
			var attackers sync.WaitGroup
			for _, token := range e.readers {
				for g := range 3 {
					attackers.Go(func() {
						for i := g * 5; ctx.Err() == nil; i++ {
							status, h, body := attack(ctx, e, token, i)
							checkRefusal(t, status, h, body)
							if status >= 400 {
								// Refusals are cheap but not free: a flood
								// of them is a matter for request rate
								// limits, not for this test.
								time.Sleep(50 * time.Millisecond)
							}
							mu.Lock()
							statuses[status]++
							mu.Unlock()
						}
					})
				}
			}
			probes := make(chan string, 1)
			go func() { probes <- burstProbes(e) }()
			for range 40 {
				attacked = append(attacked, page())
			}
			// Hanging up ends the attack's queries in the database too;
			// the calm turn starts once they have.
			stop()
			attackers.Wait()
			e.waitIdle()
			if failed := <-probes; failed != "" {
				t.Error(failed)
			}
		}
		t.Logf("cheap page p50 %v, p90 %v, p99 %v calm; p50 %v, p90 %v, p99 %v under attack; attack answers %v",
			quantile(calm, 0.5), quantile(calm, 0.9), quantile(calm, 0.99),
			quantile(attacked, 0.5), quantile(attacked, 0.9), quantile(attacked, 0.99), statuses)
		// A cheap page shares two cores with the one expensive query let
		// through and with the refusals of the rest, and the machine with
		// whatever else runs: a few times slower is what that costs, while
		// a page that waits for a connection held by expensive queries
		// waits for one of them whole, every time, forty times slower and
		// more (56 to 166 times at the p99 when the limits were taken out).
		// The median tells the two apart within 20 times, and the p99 of
		// 120 pages within 25: both carry the noise of two shared cores
		// (other packages' tests run beside this one, the browser tests
		// among them, the collector, the race detector: 10.5 times seen
		// at the median, 11 to 15 at the p99), which a stall still passes
		// by far.
		if before, during := quantile(calm, 0.5), quantile(attacked, 0.5); during > 20*before {
			t.Errorf("under attack the median of a cheap page went from %v to %v", before, during)
		}
		if before, during := quantile(calm, 0.99), quantile(attacked, 0.99); during > 25*before {
			t.Errorf("under attack the p99 of a cheap page went from %v to %v", before, during)
		}
		for _, want := range []int{400, 429} {
			if statuses[want] == 0 {
				t.Errorf("the attack never got %d: %v", want, statuses)
			}
		}

		// A dozen scans of every contact's e-mails cannot fit in the time
		// of two.
		e.serve(api.QueryLimits{Timeout: max(2*e.scan(), 10*time.Millisecond)})
		status, h, body := e.do(context.Background(), e.attacks, "POST", "/api/v1/contacts/query", e.readers[0], worstQueries[0])
		if status != 503 || !strings.Contains(body, `"type":"/problems/over_budget"`) {
			t.Fatalf("a query past its budget answered %d: %s", status, body)
		}
		checkRefusal(t, status, h, body)
	})
}

// attack sends the i-th of the worst requests, bodies and query strings
// in turn.
func attack(ctx context.Context, e *stallEnv, token string, i int) (int, http.Header, string) {
	i %= len(worstQueries) + len(worstGets)
	if i < len(worstQueries) {
		return e.do(ctx, e.attacks, "POST", "/api/v1/contacts/query", token, worstQueries[i])
	}
	return e.do(ctx, e.attacks, "GET", worstGets[i-len(worstQueries)], token, "")
}

// checkRefusal fails unless an attack's answer is a page or a refusal of
// the expected kind.
func checkRefusal(t *testing.T, status int, h http.Header, body string) {
	switch status {
	case 0, 200: // 0: the attack hung up
	case 400:
		if !strings.Contains(body, `"field":`) {
			t.Errorf("400 without naming the part at fault: %s", body)
		}
	case 429, 503:
		if h.Get("Retry-After") == "" || h.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%d without Retry-After or problem+json: %v %s", status, h, body)
		}
	default:
		t.Errorf("the attack got %d: %s", status, body)
	}
}

// burstProbes sends a burst of health and readiness checks from one
// address, more than the limit of unauthenticated requests, and says what
// failed.
func burstProbes(e *stallEnv) string {
	for i := range 60 {
		path := []string{"/healthz", "/readyz"}[i%2]
		if status, _, body := e.do(context.Background(), e.attacks, "GET", path, "", ""); status != 200 {
			return fmt.Sprintf("%s answered %d under attack: %s", path, status, body)
		}
	}
	return ""
}

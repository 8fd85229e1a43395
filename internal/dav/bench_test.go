package dav_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/dav"
	"github.com/rapport-crm/rapport/internal/demo"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// BenchmarkSync measures the address book of a salesperson who owns
// RAPPORT_DAV_CONTACTS contacts (100,000 unless set), loaded by the demo
// generator: a full first sync by sync-collection with the cards, one by
// PROPFIND and multigets of 100 cards (as vdirsyncer does), and an
// incremental sync after one change. server-ms is the time the server
// took for the request, client-side parsing aside.
//
//	go test -run '^$' -bench Sync -benchtime 3x ./internal/dav
func BenchmarkSync(b *testing.B) {
	n := 100000
	if v := os.Getenv("RAPPORT_DAV_CONTACTS"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	dbs := map[string]func(testing.TB) *store.DB{"sqlite": storetest.SQLite}
	if os.Getenv("RAPPORT_TEST_POSTGRES") != "" {
		dbs["postgres"] = storetest.Postgres
	}
	for name, open := range dbs {
		b.Run(name, func(b *testing.B) {
			bw := loadBench(b, open(b), n)
			b.Run("first-sync-collection", func(b *testing.B) {
				bw.reset()
				for b.Loop() {
					code, body := bw.req(b, "REPORT", bw.book, `<?xml version="1.0"?><d:sync-collection xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav">
<d:sync-token/><d:sync-level>1</d:sync-level><d:prop><d:getetag/><c:address-data/></d:prop></d:sync-collection>`, "1")
					if code != http.StatusMultiStatus || strings.Count(body, "<d:response>") != n {
						b.Fatalf("%d, %d responses", code, strings.Count(body, "<d:response>"))
					}
				}
				bw.report(b)
			})
			b.Run("first-propfind-multiget", func(b *testing.B) {
				bw.reset()
				for b.Loop() {
					bw.fullByMultiget(b, n)
				}
				bw.report(b)
			})
			b.Run("incremental-after-one-change", func(b *testing.B) {
				_, body := bw.req(b, "PROPFIND", bw.book, `<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:sync-token/></d:prop></d:propfind>`, "0")
				token := regexp.MustCompile(`<d:sync-token>([^<]+)<`).FindStringSubmatch(body)[1]
				i := 0
				bw.reset() // the changes are made through the engine, not the server
				for b.Loop() {
					b.StopTimer()
					bw.change(b, i)
					i++
					b.StartTimer()
					code, body := bw.req(b, "REPORT", bw.book, strings.Replace(syncBody, "%s", token, 1), "1")
					if code != http.StatusMultiStatus || strings.Count(body, "<d:response>") != 1 {
						b.Fatalf("%d %s", code, body)
					}
					token = regexp.MustCompile(`<d:sync-token>([^<]+)<`).FindStringSubmatch(body)[1]
				}
				bw.report(b)
			})
		})
	}
}

type benchWorld struct {
	url, book, user, token string
	engine                 *records.Engine
	actor                  access.Actor
	ids                    []string

	mu      sync.Mutex
	server  time.Duration // summed time of the handler
	handled int
}

func loadBench(b *testing.B, db *store.DB, n int) *benchWorld {
	b.Helper()
	ctx := context.Background()
	res, err := demo.Generate(ctx, db, demo.Options{Contacts: n, Users: 1, Deals: -1, Activities: -1})
	if err != nil || res.Contacts != n {
		b.Fatalf("demo: %+v %v", res, err)
	}
	// The workspace as set-up leaves it: with its settings, whose phone
	// region the engine keeps rather than asking for it on every list.
	if _, err := db.Raw().ExecContext(ctx, db.Dialect.Rebind(`INSERT INTO workspace_settings (workspace_id, phone_region, updated_at)
		VALUES (1, 'US', ?) ON CONFLICT (workspace_id) DO NOTHING`), db.Dialect.Time(time.Now())); err != nil {
		b.Fatal(err)
	}
	var uid int64
	var email string
	if err := db.Reader().QueryRowContext(ctx, `SELECT id, email FROM users WHERE workspace_id = 1 ORDER BY id LIMIT 1`).Scan(&uid, &email); err != nil {
		b.Fatal(err)
	}
	accesstest.SetRole(b, db, 1, uid, access.RoleSalesperson)
	quiet := slog.New(slog.DiscardHandler)
	engine := records.New(db, records.Options{Policy: access.NewRolePolicy(db), Logger: quiet})
	accounts := account.New(db)
	token, err := accounts.CreateToken(ctx, 1, email, "bench", account.ScopeReadWrite, nil)
	if err != nil {
		b.Fatal(err)
	}
	bw := &benchWorld{user: email, token: token, engine: engine,
		actor: access.Actor{WorkspaceID: 1, UserID: uid, Role: access.RoleSalesperson}}
	h := (&dav.Server{DB: db, Engine: engine, Accounts: accounts, Log: quiet}).Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		h.ServeHTTP(w, r)
		bw.mu.Lock()
		bw.server += time.Since(start)
		bw.handled++
		bw.mu.Unlock()
	}))
	b.Cleanup(srv.Close)
	bw.url = srv.URL
	bw.book = dav.Prefix + "/" + strconv.FormatInt(uid, 10) + "/addressbooks/contacts/"
	page, err := engine.List(access.WithActor(ctx, bw.actor), "contact", records.Query{Limit: 10, Bare: true})
	if err != nil || len(page.Data) == 0 {
		b.Fatal(err)
	}
	for _, rec := range page.Data {
		bw.ids = append(bw.ids, rec["id"].(string))
	}
	bw.reset()
	return bw
}

func (bw *benchWorld) reset() {
	bw.mu.Lock()
	bw.server, bw.handled = 0, 0
	bw.mu.Unlock()
}

// report adds the server's time per iteration.
func (bw *benchWorld) report(b *testing.B) {
	bw.mu.Lock()
	defer bw.mu.Unlock()
	b.ReportMetric(float64(bw.server.Microseconds())/1000/float64(b.N), "server-ms/op")
}

func (bw *benchWorld) req(b *testing.B, method, path, body, depth string) (int, string) {
	req, err := http.NewRequest(method, bw.url+path, strings.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	req.SetBasicAuth(bw.user, bw.token)
	req.Header.Set("Content-Type", "application/xml; charset=utf-8")
	req.Header.Set("Depth", depth)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		b.Fatal(err)
	}
	return res.StatusCode, string(data)
}

var hrefRE = regexp.MustCompile(`<(?:\w+:)?href>([^<]+\.vcf)</`)

// fullByMultiget lists the etags by PROPFIND and fetches the cards 100 at
// a time.
func (bw *benchWorld) fullByMultiget(b *testing.B, n int) {
	code, body := bw.req(b, "PROPFIND", bw.book, `<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/><d:getcontenttype/></d:prop></d:propfind>`, "1")
	hrefs := hrefRE.FindAllStringSubmatch(body, -1)
	if code != http.StatusMultiStatus || len(hrefs) != n {
		b.Fatalf("PROPFIND: %d, %d hrefs", code, len(hrefs))
	}
	got := 0
	for i := 0; i < len(hrefs); i += 100 {
		var q strings.Builder
		q.WriteString(`<?xml version="1.0"?><c:addressbook-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav"><d:prop><d:getetag/><c:address-data/></d:prop>`)
		for _, h := range hrefs[i:min(i+100, len(hrefs))] {
			q.WriteString("<d:href>" + h[1] + "</d:href>")
		}
		q.WriteString(`</c:addressbook-multiget>`)
		code, body := bw.req(b, "REPORT", bw.book, q.String(), "1")
		if code != http.StatusMultiStatus {
			b.Fatalf("multiget: %d %s", code, body)
		}
		got += strings.Count(body, "BEGIN:VCARD")
	}
	if got != n {
		b.Fatalf("multiget fetched %d cards of %d", got, n)
	}
}

// change updates one contact.
func (bw *benchWorld) change(b *testing.B, i int) {
	ctx := access.WithActor(context.Background(), bw.actor)
	id := bw.ids[i%len(bw.ids)]
	rec, err := bw.engine.Get(ctx, "contact", id, false)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := bw.engine.Update(ctx, "contact", id, rec["version"].(int64), map[string]any{"job_title": "Title " + strconv.Itoa(i)}); err != nil {
		b.Fatal(err)
	}
}

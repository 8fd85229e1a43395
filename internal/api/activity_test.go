package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/activity"
	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/audit"
	"github.com/rapport-crm/rapport/internal/notify"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// newActivityAPI is newPermAPI with the activity service, behind a server
// with short read and write timeouts, which a notification stream must
// outlive.
func newActivityAPI(t *testing.T, db *store.DB) *permAPI {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	pol := access.NewRolePolicy(db)
	engine := records.New(db, records.Options{Policy: pol, PhoneRegion: "US", Logger: quiet})
	accounts := account.New(db)
	svc := activity.New(db, engine, activity.Options{Logger: quiet, PhoneRegion: "US"})
	s := &api.Server{Engine: engine, Accounts: accounts, DB: db, Activity: svc, Version: "test", Log: quiet}
	srv := httptest.NewUnstartedServer(s.Handler())
	srv.Config.ReadTimeout, srv.Config.WriteTimeout = time.Second, time.Second
	srv.Start()
	t.Cleanup(srv.Close)
	p := &permAPI{t: t, db: db, srv: srv, pol: pol, engine: engine, accounts: accounts, tokens: map[string]string{}}
	p.people = accesstest.Setup(t, db, 1)
	for who, email := range p.people.Email {
		p.tokens[who] = p.token(1, email)
	}
	return p
}

// made makes a request that has to answer status, and returns the id of
// the answer when it has one.
func (p *permAPI) made(token, method, path, body string, status int) string {
	p.t.Helper()
	got, text := p.call(token, method, path, body)
	if got != status {
		p.t.Fatalf("%s %s: %d, want %d\n%s", method, path, got, status, text)
	}
	var m map[string]any
	json.Unmarshal([]byte(text), &m)
	id, _ := m["id"].(string)
	return id
}

// exec runs one statement, for what the tests plant below the API.
func exec(t *testing.T, db *store.DB, query string, args ...any) {
	t.Helper()
	err := db.Tx(context.Background(), func(q store.Querier) error {
		_, err := q.ExecContext(context.Background(), query, args...)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// catchUpAudit copies the outbox into the audit trail, as the background
// consumer does.
func catchUpAudit(t *testing.T, db *store.DB) {
	t.Helper()
	if _, err := audit.NewConsumer(db, audit.Options{Logger: slog.New(slog.DiscardHandler)}).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
}

type timelinePage struct {
	Data []struct {
		Kind    string         `json:"kind"`
		At      string         `json:"at"`
		Object  string         `json:"object"`
		ID      string         `json:"id"`
		Record  map[string]any `json:"record"`
		Changes map[string]any `json:"changes"`
	} `json:"data"`
	NextCursor string `json:"next_cursor"`
}

func (p *permAPI) timeline(token, path string) timelinePage {
	p.t.Helper()
	status, text := p.call(token, "GET", path, "")
	if status != 200 {
		p.t.Fatalf("GET %s: %d\n%s", path, status, text)
	}
	var page timelinePage
	if err := json.Unmarshal([]byte(text), &page); err != nil {
		p.t.Fatal(err)
	}
	return page
}

// entry names a timeline item for comparison.
func entries(page timelinePage) []string {
	var out []string
	for _, it := range page.Data {
		what := it.Kind + ":" + it.Object + ":" + it.ID
		if title, ok := it.Record["title"].(string); ok {
			what += ":" + title
		}
		if body, ok := it.Record["body"].(string); ok {
			what += ":" + body
		}
		if stage, ok := it.Record["stage_name"].(string); ok {
			what += ":" + stage
		}
		out = append(out, what+"@"+it.At)
	}
	return out
}

func TestTimelineThroughTheAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newActivityAPI(t, db)
		admin := p.tokens["admin"]
		company := p.made(admin, "POST", "/api/v1/companies", `{"name": "Acme"}`, 201)
		contact := p.made(admin, "POST", "/api/v1/contacts", fmt.Sprintf(`{"first_name": "Ada", "companies": [%q]}`, company), 201)
		stranger := p.made(admin, "POST", "/api/v1/contacts", `{"first_name": "Unrelated"}`, 201)
		pipeline := p.made(admin, "POST", "/api/v1/pipelines", `{"name": "New business"}`, 201)
		qualified := p.made(admin, "POST", "/api/v1/stages", fmt.Sprintf(`{"name": "Qualified", "pipeline_id": %q}`, pipeline), 201)
		proposal := p.made(admin, "POST", "/api/v1/stages", fmt.Sprintf(`{"name": "Proposal", "pipeline_id": %q}`, pipeline), 201)
		deal := p.made(admin, "POST", "/api/v1/deals", fmt.Sprintf(`{"title": "Big one", "company_id": %q, "pipeline_id": %q, "stage_id": %q, "contacts": [%q]}`,
			company, pipeline, qualified, contact), 201)
		p.made(admin, "POST", "/api/v1/notes", fmt.Sprintf(`{"body": "Ada likes <b>tea</b>", "record_type": "contact", "record_id": %q}`, contact), 201)
		p.made(admin, "POST", "/api/v1/notes", fmt.Sprintf(`{"body": "Not about Acme", "record_type": "contact", "record_id": %q}`, stranger), 201)
		p.made(admin, "POST", "/api/v1/tasks", fmt.Sprintf(`{"title": "Send terms", "due_at": "2026-01-05T09:00:00Z", "record_type": "company", "record_id": %q}`, company), 201)
		p.made(admin, "POST", "/api/v1/calls", fmt.Sprintf(`{"direction": "outbound", "phone": "415 555 2671", "started_at": "2026-01-03T09:00:00Z", "record_type": "deal", "record_id": %q}`, deal), 201)
		p.made(admin, "POST", "/api/v1/meetings", fmt.Sprintf(`{"title": "Kick-off", "starts_at": "2026-01-02T09:00:00Z", "record_type": "companies", "record_id": %q}`, company), 201)
		// The sales service writes the stage history; here it is planted.
		for i, h := range []struct{ stage, at string }{{qualified, "2026-01-01T09:00:00Z"}, {proposal, "2026-01-04T09:00:00Z"}} {
			at, _ := time.Parse(time.RFC3339, h.at)
			exec(t, db, `INSERT INTO deal_stage_history (workspace_id, deal_id, pipeline_id, stage_id, entered_at, entered_by) VALUES (?, ?, ?, ?, ?, ?)`,
				1, deal, pipeline, h.stage, db.Dialect.Time(at.Add(time.Duration(i))), p.people.Admin)
		}
		p.made(admin, "PATCH", "/api/v1/companies/"+company, `{"industry": "Anvils", "version": 1}`, 200)
		catchUpAudit(t, db)

		full := p.timeline(admin, "/api/v1/companies/"+company+"/timeline?limit=200")
		got := entries(full)
		kinds := map[string]int{}
		for i, it := range full.Data {
			kinds[it.Kind]++
			if i > 0 && it.At > full.Data[i-1].At {
				t.Errorf("entry %d (%s) is newer than the one before it (%s)", i, got[i], got[i-1])
			}
		}
		wantKinds := map[string]int{"note": 1, "task": 1, "call": 1, "meeting": 1, "stage_change": 2, "created": 1, "field_change": 1}
		for k, n := range wantKinds {
			if kinds[k] != n {
				t.Errorf("%d %s entries, want %d:\n%s", kinds[k], k, n, strings.Join(got, "\n"))
			}
		}
		// The dated entries, oldest last, in the order they happened.
		var dated []string
		for _, e := range got {
			if strings.Contains(e, "@2026-01-") {
				dated = append(dated, e[:strings.Index(e, "@")])
			}
		}
		wantDated := []string{"task:task:", "stage_change:deal:" + deal + ":Proposal", "call:call:", "meeting:meeting:", "stage_change:deal:" + deal + ":Qualified"}
		if len(dated) != len(wantDated) {
			t.Fatalf("dated entries %v, want %v", dated, wantDated)
		}
		for i := range wantDated {
			if !strings.HasPrefix(dated[i], wantDated[i]) {
				t.Errorf("dated entry %d is %s, want %s…", i, dated[i], wantDated[i])
			}
		}
		if text := strings.Join(got, "\n"); !strings.Contains(text, "Ada likes <b>tea</b>") || strings.Contains(text, "Not about Acme") {
			t.Errorf("the company's timeline should hold its contact's note and nothing else's:\n%s", text)
		}

		// Paged two at a time, the same entries in the same order.
		var paged []string
		cursor := ""
		for range 20 {
			page := p.timeline(admin, "/api/v1/companies/"+company+"/timeline?limit=2&cursor="+cursor)
			paged = append(paged, entries(page)...)
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		if !slices.Equal(paged, got) {
			t.Errorf("paged:\n%s\nwhole:\n%s", strings.Join(paged, "\n"), strings.Join(got, "\n"))
		}

		// Kind filter.
		only := p.timeline(admin, "/api/v1/companies/"+company+"/timeline?kind=note,call")
		for _, it := range only.Data {
			if it.Kind != "note" && it.Kind != "call" {
				t.Errorf("kind=note,call shows a %s", it.Kind)
			}
		}
		if len(only.Data) != 2 {
			t.Errorf("kind=note,call shows %d entries, want 2", len(only.Data))
		}
		// A contact's timeline holds its deal's stage changes; a deal's only its own.
		if n := len(p.timeline(admin, "/api/v1/contacts/"+contact+"/timeline?kind=stage_change").Data); n != 2 {
			t.Errorf("the contact's timeline has %d stage changes, want 2", n)
		}
		dealLine := entries(p.timeline(admin, "/api/v1/deals/"+deal+"/timeline"))
		if text := strings.Join(dealLine, "\n"); strings.Contains(text, "Send terms") || !strings.Contains(text, "call:call:") {
			t.Errorf("the deal's timeline:\n%s", text)
		}

		other := otherWorkspaceAdmin(t, p)
		for _, c := range []struct {
			token, path string
			status      int
			contains    string
		}{
			{other, "/api/v1/companies/" + company + "/timeline", 404, ""},
			{admin, "/api/v1/companies/999999/timeline", 404, ""},
			{admin, "/api/v1/tasks/1/timeline", 404, ""},
			{admin, "/api/v1/companies/" + company + "/timeline?kind=gossip", 400, `"field":"kind"`},
			{admin, "/api/v1/companies/" + company + "/timeline?limit=many", 400, `"field":"limit"`},
			{admin, "/api/v1/companies/" + company + "/timeline?limit=100000", 400, `"field":"limit"`},
			{admin, "/api/v1/companies/" + company + "/timeline?cursor=garbage", 400, `"field":"cursor"`},
		} {
			status, text := p.call(c.token, "GET", c.path, "")
			if status != c.status || !strings.Contains(text, c.contains) {
				t.Errorf("GET %s: %d %s, want %d with %s", c.path, status, text, c.status, c.contains)
			}
		}
	})
}

// A salesperson's timeline of their own contact leaves out a colleague's
// activities and the fields their role hides.
func TestTimelinePermissions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newActivityAPI(t, db)
		admin := p.tokens["admin"]
		me, mate := p.people.Actor(), p.people.ByCls[accesstest.Teammate]
		mine := p.made(admin, "POST", "/api/v1/contacts", fmt.Sprintf(`{"first_name": "Mine", "owner_id": "%d"}`, me), 201)
		theirs := p.made(admin, "POST", "/api/v1/contacts", fmt.Sprintf(`{"first_name": "Theirs", "owner_id": "%d"}`, mate), 201)
		p.made(admin, "POST", "/api/v1/notes", fmt.Sprintf(`{"body": "my own note", "owner_id": "%d", "record_type": "contact", "record_id": %q}`, me, mine), 201)
		p.made(admin, "POST", "/api/v1/notes", fmt.Sprintf(`{"body": "colleague's secret note", "owner_id": "%d", "record_type": "contact", "record_id": %q}`, mate, mine), 201)
		p.made(admin, "POST", "/api/v1/tasks", fmt.Sprintf(`{"title": "colleague's secret task", "owner_id": "%d", "record_type": "contact", "record_id": %q}`, mate, mine), 201)
		p.made(admin, "PATCH", "/api/v1/contacts/"+mine, `{"job_title": "Secret title", "version": 1}`, 200)
		catchUpAudit(t, db)

		sales := access.BuiltinRoles()[2]
		role := access.Role{Name: "quiet_sales", Grants: sales.Grants, Fields: access.FieldRules{"contact": {"job_title": access.FieldHidden}}}
		p.become(role)
		token := p.tokens[accesstest.Self]
		status, text := p.call(token, "GET", "/api/v1/contacts/"+mine+"/timeline", "")
		if status != 200 {
			t.Fatalf("own contact's timeline: %d %s", status, text)
		}
		if !strings.Contains(text, "my own note") || !strings.Contains(text, `"kind":"created"`) {
			t.Errorf("the timeline lacks the salesperson's own entries:\n%s", text)
		}
		for _, secret := range []string{"secret note", "secret task", "Secret title", "job_title"} {
			if strings.Contains(text, secret) {
				t.Errorf("the salesperson's timeline shows %q:\n%s", secret, text)
			}
		}
		if status, _ := p.call(token, "GET", "/api/v1/contacts/"+theirs+"/timeline", ""); status != 404 {
			t.Errorf("a colleague's contact's timeline: %d, want 404", status)
		}
		// Nor can they attach a note to the colleague's contact.
		status, text = p.call(token, "POST", "/api/v1/notes", fmt.Sprintf(`{"body": "x", "record_type": "contact", "record_id": %q}`, theirs))
		if status != 400 || !strings.Contains(text, `"field":"record_id"`) {
			t.Errorf("note on a colleague's contact: %d %s", status, text)
		}
	})
}

// addNotification writes one notification as a service would.
func addNotification(t *testing.T, db *store.DB, user int64, title string) {
	t.Helper()
	err := db.Tx(context.Background(), func(q store.Querier) error {
		_, err := notify.Add(context.Background(), q, db.Dialect, 1, notify.Notification{UserID: user, Kind: "test", Title: title})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestNotificationsThroughTheAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newActivityAPI(t, db)
		me, mate := p.people.Actor(), p.people.ByCls[accesstest.Teammate]
		for i := range 5 {
			addNotification(t, db, me, fmt.Sprintf("mine %d", i))
		}
		addNotification(t, db, mate, "theirs")
		token := p.tokens[accesstest.Self]
		var page notify.Page
		list := func(path string) notify.Page {
			t.Helper()
			status, text := p.call(token, "GET", path, "")
			if status != 200 {
				t.Fatalf("GET %s: %d %s", path, status, text)
			}
			if strings.Contains(text, "theirs") {
				t.Errorf("GET %s shows a colleague's notification", path)
			}
			var page notify.Page
			json.Unmarshal([]byte(text), &page)
			return page
		}
		var titles []string
		for path := "/api/v1/notifications?limit=2"; ; {
			page = list(path)
			for _, n := range page.Data {
				titles = append(titles, n.Title)
			}
			if page.NextCursor == "" {
				break
			}
			path = "/api/v1/notifications?limit=2&cursor=" + page.NextCursor
		}
		if want := []string{"mine 4", "mine 3", "mine 2", "mine 1", "mine 0"}; !slices.Equal(titles, want) {
			t.Errorf("paged %v, want %v", titles, want)
		}
		newest := list("/api/v1/notifications?limit=1").Data[0].ID
		status, text := p.call(token, "POST", "/api/v1/notifications/"+newest+"/read", "")
		if status != 200 || !strings.Contains(text, `"read_at":"20`) {
			t.Fatalf("read: %d %s", status, text)
		}
		if n := len(list("/api/v1/notifications?unread=true").Data); n != 4 {
			t.Errorf("%d unread, want 4", n)
		}
		var mateID string
		if err := db.Reader().QueryRowContext(context.Background(), `SELECT CAST(id AS TEXT) FROM notifications WHERE user_id = ?`, mate).Scan(&mateID); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			method, path string
			status       int
			contains     string
		}{
			{"POST", "/api/v1/notifications/" + mateID + "/read", 404, ""},
			{"POST", "/api/v1/notifications/nope/read", 404, ""},
			{"GET", "/api/v1/notifications?limit=0", 400, `"field":"limit"`},
			{"GET", "/api/v1/notifications?unread=maybe", 400, `"field":"unread"`},
			{"GET", "/api/v1/notifications?cursor=garbage!", 400, `"field":"cursor"`},
			{"POST", "/api/v1/notifications/read-all", 200, `"marked":4`},
			{"GET", "/api/v1/notifications?unread=true", 200, `"data":[]`},
		} {
			status, text := p.call(token, c.method, c.path, "")
			if status != c.status || !strings.Contains(text, c.contains) {
				t.Errorf("%s %s: %d %s, want %d with %s", c.method, c.path, status, text, c.status, c.contains)
			}
		}
		if status, _ := p.call(p.tokens[accesstest.Teammate], "GET", "/api/v1/notifications?unread=true", ""); status != 200 {
			t.Error("the colleague's inbox")
		}
		if list := list("/api/v1/notifications"); len(list.Data) != 5 {
			t.Errorf("%d notifications after read-all, want 5", len(list.Data))
		}
	})
}

// sse reads a Server-Sent Events stream.
type sse struct {
	resp *http.Response
	r    *bufio.Reader
}

func (p *permAPI) stream(ctx context.Context, token string, header ...string) *sse {
	p.t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", p.srv.URL+"/api/v1/notifications/stream", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	p.t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		p.t.Fatalf("stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return &sse{resp: resp, r: bufio.NewReader(resp.Body)}
}

// next returns the id and data of the next event, skipping comments.
func (s *sse) next(t *testing.T) (id, data string) {
	t.Helper()
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			t.Fatalf("stream ended: %v", err)
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case strings.HasPrefix(line, "id: "):
			id = line[4:]
		case strings.HasPrefix(line, "data: "):
			data = line[6:]
		case line == "" && data != "":
			return id, data
		}
	}
}

func TestNotificationStream(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newActivityAPI(t, db)
		me, mate := p.people.Actor(), p.people.ByCls[accesstest.Teammate]
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		s := p.stream(ctx, p.tokens[accesstest.Self])
		// Longer than the server's read and write timeouts: the stream
		// must outlive both.
		time.Sleep(1500 * time.Millisecond)
		addNotification(t, db, mate, "for the colleague")
		addNotification(t, db, me, "for me")
		id, data := s.next(t)
		if !strings.Contains(data, `"title":"for me"`) {
			t.Fatalf("first event %s, want mine (and never the colleague's)", data)
		}
		// A client that reconnects with the last id it saw gets what it missed.
		addNotification(t, db, me, "while away")
		again := p.stream(ctx, p.tokens[accesstest.Self], "Last-Event-ID", id)
		if _, data := again.next(t); !strings.Contains(data, `"title":"while away"`) {
			t.Fatalf("after reconnecting: %s", data)
		}
		// A system token without a user has no stream.
		if status, _ := p.call("nonsense", "GET", "/api/v1/notifications/stream", ""); status != 401 {
			t.Errorf("stream without credentials: %d", status)
		}
	})
}

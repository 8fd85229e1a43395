package webhook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/outbox"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
	"github.com/rapport-crm/rapport/internal/webhook"
)

var adminCtx = access.WithActor(context.Background(), access.Actor{WorkspaceID: 1, UserID: 1, Role: "administrator"})

// clock is a settable clock for the retry schedule.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newService(db *store.DB, now func() time.Time) *webhook.Service {
	return webhook.New(db, webhook.Options{Logger: slog.New(slog.DiscardHandler), Now: now})
}

// receiver is a webhook receiver on loopback that checks signatures and
// keeps what it got, in arrival order.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	secret string
	got    []message
	answer func(w http.ResponseWriter, r *http.Request) bool // true when it answered
	bad    int
}

type message struct {
	id   string
	body map[string]any
	sigs string
	ts   time.Time
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		id := r.Header.Get("webhook-id")
		sec, _ := strconv.ParseInt(r.Header.Get("webhook-timestamp"), 10, 64)
		m := message{id: id, sigs: r.Header.Get("webhook-signature"), ts: time.Unix(sec, 0)}
		json.Unmarshal(body, &m.body)
		rc.mu.Lock()
		if rc.secret != "" && !webhook.Verify(rc.secret, m.sigs, id, m.ts, body) {
			rc.bad++
		}
		rc.got = append(rc.got, m)
		answer := rc.answer
		rc.mu.Unlock()
		if answer != nil && answer(w, r) {
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) messages() []message {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]message(nil), rc.got...)
}

func ptr[T any](v T) *T { return &v }

// subscribe creates an endpoint to url for every kind, letting it reach
// loopback, and has rc check signatures with its secret.
func subscribe(t *testing.T, s *webhook.Service, rc *receiver, url string) webhook.Endpoint {
	t.Helper()
	e, err := s.Create(adminCtx, webhook.Input{URL: ptr(url), Events: ptr(webhook.Kinds), AllowPrivate: ptr([]string{"127.0.0.0/8"})})
	if err != nil {
		t.Fatal(err)
	}
	if rc != nil {
		rc.mu.Lock()
		rc.secret = e.Secret
		rc.mu.Unlock()
	}
	return e
}

func write(t testing.TB, db *store.DB, evs ...outbox.Event) {
	t.Helper()
	err := db.Tx(context.Background(), func(q store.Querier) error {
		for _, ev := range evs {
			if ev.WorkspaceID == 0 {
				ev.WorkspaceID = 1
			}
			if ev.At.IsZero() {
				ev.At = time.Now()
			}
			if err := outbox.Write(context.Background(), q, db.Dialect, ev); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// pump runs the consumer and the worker until nothing is left to do.
func pump(t *testing.T, s *webhook.Service, w *webhook.Worker) {
	t.Helper()
	c := s.NewConsumer(0)
	for range 100 {
		n, err := c.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		m, err := w.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 && m == 0 {
			return
		}
	}
}

func deliveries(t *testing.T, s *webhook.Service, e webhook.Endpoint) []webhook.Delivery {
	t.Helper()
	p, err := s.Deliveries(adminCtx, e.ID, "", "", webhook.MaxLimit)
	if err != nil {
		t.Fatal(err)
	}
	return p.Data
}

// TestSignMatchesTheSpecification signs the Standard Webhooks
// specification's own example.
func TestSignMatchesTheSpecification(t *testing.T) {
	t.Parallel()
	secret, id, at := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0)
	body := []byte(`{"test": 2432232314}`)
	got, err := webhook.Sign([]string{secret}, id, at, body)
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; err != nil || got != want {
		t.Fatalf("signature %q, %v; want %q", got, err, want)
	}
	two, _ := webhook.Sign([]string{webhook.NewSecret(), secret}, id, at, body)
	if !webhook.Verify(secret, two, id, at, body) || webhook.Verify(secret, two, id, at, []byte(`{"test": 1}`)) {
		t.Error("a header of two signatures does not verify by either secret alone")
	}
}

// TestGuardRefusesInsideAddresses: loopback, private, link-local,
// metadata and reserved addresses are refused, also written as IPv4 in
// IPv6, unless the endpoint allows their range.
func TestGuardRefusesInsideAddresses(t *testing.T) {
	t.Parallel()
	for _, ip := range []string{"127.0.0.1", "127.9.9.9", "::1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
		"fd00:ec2::254", "fe80::1", "100.64.0.1", "0.0.0.0", "::", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "224.0.0.1"} {
		if err := (webhook.Allowance{}).Check(netip.MustParseAddr(ip)); err == nil {
			t.Errorf("%s was let through", ip)
		}
	}
	for _, ip := range []string{"93.184.215.14", "2606:4700::1111", "8.8.8.8"} {
		if err := (webhook.Allowance{}).Check(netip.MustParseAddr(ip)); err != nil {
			t.Errorf("%s was refused: %v", ip, err)
		}
	}
	allow, err := webhook.ParseAllowance([]string{"10.1.0.0/16"})
	if err != nil {
		t.Fatal(err)
	}
	if allow.Check(netip.MustParseAddr("10.1.2.3")) != nil || allow.Check(netip.MustParseAddr("10.2.0.1")) == nil {
		t.Error("an allowed range does not open exactly that range")
	}
}

// TestEndpointInput: every wrong field is named; an IP address inside is
// refused when the endpoint is created, unless its range is allowed.
func TestEndpointInput(t *testing.T) {
	t.Parallel()
	db := storetest.SQLite(t)
	s := newService(db, nil)
	cases := []struct {
		in     webhook.Input
		fields []string
	}{
		{webhook.Input{}, []string{"url", "events"}},
		{webhook.Input{URL: ptr("ftp://example.com/"), Events: ptr([]string{"created"})}, []string{"url"}},
		{webhook.Input{URL: ptr("https://user:pw@example.com/"), Events: ptr([]string{"created"})}, []string{"url"}},
		{webhook.Input{URL: ptr("http://169.254.169.254/latest"), Events: ptr([]string{"created"})}, []string{"url"}},
		{webhook.Input{URL: ptr("http://[::1]:8080/"), Events: ptr([]string{"created"})}, []string{"url"}},
		{webhook.Input{URL: ptr("https://example.com/"), Events: ptr([]string{"hatched"})}, []string{"events"}},
		{webhook.Input{URL: ptr("https://example.com/"), Events: ptr([]string{"created"}), AllowPrivate: ptr([]string{"10.0.0.0"})}, []string{"allow_private"}},
	}
	for _, c := range cases {
		_, err := s.Create(adminCtx, c.in)
		var fe *fault.Error
		if !fault.Is(err, fault.EINVALID) || !asFault(err, &fe) || len(fe.Fields) != len(c.fields) {
			t.Errorf("%+v: %v; want errors on %v", c.in, err, c.fields)
			continue
		}
		for i, f := range fe.Fields {
			if f.Field != c.fields[i] {
				t.Errorf("%+v: error on %s; want %s", c.in, f.Field, c.fields[i])
			}
		}
	}
	e, err := s.Create(adminCtx, webhook.Input{URL: ptr("http://10.1.2.3/hook"), Events: ptr([]string{"won"}), AllowPrivate: ptr([]string{"10.1.0.0/16"})})
	if err != nil || !strings.HasPrefix(e.Secret, "whsec_") {
		t.Fatalf("an allowed private address was refused: %+v, %v", e, err)
	}
	if _, err := s.List(access.WithActor(context.Background(), access.Actor{WorkspaceID: 1, UserID: 2, Role: "manager"})); !fault.Is(err, fault.EFORBIDDEN) {
		t.Errorf("a manager listed the webhooks: %v", err)
	}
	if _, err := s.Get(access.WithActor(context.Background(), access.Actor{WorkspaceID: 2, UserID: 3, Role: "administrator"}), e.ID); !fault.Is(err, fault.ENOTFOUND) {
		t.Errorf("another workspace's administrator saw the webhook: %v", err)
	}
}

func asFault(err error, fe **fault.Error) bool {
	e, ok := err.(*fault.Error)
	*fe = e
	return ok
}

// TestEventKinds: a deal's update that moves its stage and wins it is
// three messages; settings are none.
func TestEventKinds(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newService(db, nil)
		rc := newReceiver(t)
		subscribe(t, s, rc, rc.URL)
		write(t, db,
			outbox.Event{Object: "deal", RecordID: "7", Action: "update", Changes: map[string]any{
				"stage_id": map[string]any{"before": "1", "after": "4"}, "status": map[string]any{"before": "open", "after": "won"}}},
			outbox.Event{Object: "role", RecordID: "sales", Action: "update"},
			outbox.Event{Object: "inbox", RecordID: "3", Action: "request_arrived"},
			outbox.Event{Object: "contact", RecordID: "9", Action: "delete"})
		pump(t, s, s.NewWorker(webhook.WorkerOptions{}))
		var types, deal []string
		for _, m := range rc.messages() {
			types = append(types, m.body["type"].(string))
			if strings.HasPrefix(types[len(types)-1], "deal.") {
				deal = append(deal, types[len(types)-1])
			}
		}
		slices.Sort(types)
		want := "contact.deleted deal.stage_changed deal.updated deal.won inbox.request_arrived"
		if strings.Join(types, " ") != want {
			t.Errorf("types %v; want %s", types, want)
		}
		if strings.Join(deal, " ") != "deal.updated deal.stage_changed deal.won" {
			t.Errorf("the deal's messages came in the order %v", deal)
		}
		if rc.bad != 0 {
			t.Errorf("%d messages with a wrong signature", rc.bad)
		}
	})
}

// TestEveryEventAcrossARestart: 2,000 events over 200 records, written
// while the worker runs, reach the receiver at least once, exactly once
// after dropping repeats by webhook-id, each record's in order, though
// the consumer and the worker are stopped midway and new ones take over.
func TestEveryEventAcrossARestart(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		const records, perRecord = 200, 10
		s := newService(db, nil)
		rc := newReceiver(t)
		subscribe(t, s, rc, rc.URL)
		written := make(chan struct{})
		go func() {
			defer close(written)
			for round := range perRecord {
				var evs []outbox.Event
				for r := range records {
					action := "update"
					if round == 0 {
						action = "create"
					}
					evs = append(evs, outbox.Event{Object: "deal", RecordID: strconv.Itoa(r + 1), Action: action,
						Changes: map[string]any{"round": map[string]any{"after": round}}})
				}
				for i := 0; i < len(evs); i += 50 {
					write(t, db, evs[i:i+50]...)
				}
			}
		}()
		run := func(ctx context.Context, s *webhook.Service) *sync.WaitGroup {
			var wg sync.WaitGroup
			c, w := s.NewConsumer(100), s.NewWorker(webhook.WorkerOptions{Batch: 64})
			loop := func(f func(context.Context) (int, error)) {
				defer wg.Done()
				for ctx.Err() == nil {
					if n, err := f(ctx); err != nil && ctx.Err() == nil {
						t.Error(err)
						return
					} else if n == 0 {
						time.Sleep(5 * time.Millisecond)
					}
				}
			}
			wg.Add(2)
			go loop(c.Run)
			go loop(w.Run)
			return &wg
		}
		ctx, stop := context.WithCancel(context.Background())
		wg := run(ctx, s)
		for len(rc.messages()) < records*perRecord/3 {
			time.Sleep(5 * time.Millisecond)
		}
		stop() // mid-stream: requests under way are cut off
		wg.Wait()
		before := len(rc.messages())
		ctx, stop = context.WithCancel(context.Background())
		defer stop()
		wg = run(ctx, newService(db, nil))
		<-written
		deadline := time.Now().Add(2 * time.Minute)
		for unique(rc.messages()) < records*perRecord && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		stop()
		wg.Wait()
		got := rc.messages()
		if n := unique(got); n != records*perRecord {
			t.Fatalf("%d distinct messages of %d", n, records*perRecord)
		}
		last := map[string]float64{}
		for _, m := range got {
			data := m.body["data"].(map[string]any)
			seq, _ := strconv.ParseFloat(data["event_id"].(string), 64)
			if seq < last[data["id"].(string)] {
				t.Fatalf("record %s: event %v arrived after %v", data["id"], seq, last[data["id"].(string)])
			}
			last[data["id"].(string)] = seq
		}
		if rc.bad != 0 {
			t.Errorf("%d messages with a wrong signature", rc.bad)
		}
		t.Logf("%d messages, %d before the restart, %d repeats", len(got), before, len(got)-records*perRecord)
	})
}

func unique(ms []message) int {
	seen := map[string]bool{}
	for _, m := range ms {
		seen[m.id] = true
	}
	return len(seen)
}

// TestRefusedAddresses: without an allowance, a name that resolves to
// loopback is refused when the worker connects, and with one, a redirect
// to the metadata address or a private one is refused too; each is
// logged and retried, never sent.
func TestRefusedAddresses(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newService(db, nil)
		rc := newReceiver(t)
		port := rc.Listener.Addr().(*net.TCPAddr).Port
		byName, err := s.Create(adminCtx, webhook.Input{URL: ptr(fmt.Sprintf("http://localhost:%d/", port)), Events: ptr([]string{"created"})})
		if err != nil {
			t.Fatal(err)
		}
		redirector := newReceiver(t)
		redirector.answer = func(w http.ResponseWriter, r *http.Request) bool {
			target := "http://169.254.169.254/latest/meta-data/"
			if r.URL.Path == "/private" {
				target = "http://10.0.0.1/"
			}
			http.Redirect(w, r, target, http.StatusFound)
			return true
		}
		metadata := subscribe(t, s, nil, redirector.URL+"/meta")
		private := subscribe(t, s, nil, redirector.URL+"/private")
		write(t, db, outbox.Event{Object: "contact", RecordID: "1", Action: "create"})
		pump(t, s, s.NewWorker(webhook.WorkerOptions{}))
		if n := len(rc.messages()); n != 0 {
			t.Errorf("the receiver behind localhost got %d messages", n)
		}
		for _, e := range []webhook.Endpoint{byName, metadata, private} {
			ds := deliveries(t, s, e)
			if len(ds) != 1 || ds[0].Status != "pending" || ds[0].Attempts != 1 || !strings.Contains(ds[0].Error, "refused to connect") {
				t.Errorf("%s: %+v; want one pending delivery refused once", e.URL, ds)
			}
		}
	})
}

// TestErase: an erased record's deliveries leave the log, and another
// record's stay.
func TestErase(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newService(db, nil)
		rc := newReceiver(t)
		e := subscribe(t, s, rc, rc.URL)
		write(t, db, outbox.Event{Object: "contact", RecordID: "1", Action: "create", Changes: map[string]any{"email": map[string]any{"after": "ada@example.com"}}},
			outbox.Event{Object: "contact", RecordID: "2", Action: "create"})
		pump(t, s, s.NewWorker(webhook.WorkerOptions{}))
		var n int64
		err := db.Tx(context.Background(), func(q store.Querier) error {
			var err error
			n, err = webhook.Erase(context.Background(), q, db.Dialect, 1, "contact", "1")
			return err
		})
		if ds := deliveries(t, s, e); err != nil || n != 1 || len(ds) != 1 || ds[0].RecordID != "2" {
			t.Errorf("erased %d, %v; the log holds %+v", n, err, ds)
		}
	})
}

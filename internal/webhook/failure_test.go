package webhook_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/outbox"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
	"github.com/rapport-crm/rapport/internal/webhook"
)

// TestFailingEndpoints: an endpoint that answers 500 forever is tried on
// the schedule, about three days, then given up and logged; one that
// hangs times out without holding up another; a huge body is cut at
// KeepBody; 410 disables the endpoint; Retry-After sets the next try.
func TestFailingEndpoints(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clk := &clock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
		s := newService(db, clk.now)
		w := s.NewWorker(webhook.WorkerOptions{Timeout: 200 * time.Millisecond})
		answering := func(f func(w http.ResponseWriter, r *http.Request)) (*receiver, webhook.Endpoint) {
			rc := newReceiver(t)
			rc.answer = func(w http.ResponseWriter, r *http.Request) bool { f(w, r); return true }
			return rc, subscribe(t, s, rc, rc.URL)
		}
		failing, failingEp := answering(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) })
		release := make(chan struct{})
		_, hangingEp := answering(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		})
		defer close(release)
		_, hugeEp := answering(func(w http.ResponseWriter, r *http.Request) {
			chunk := []byte(strings.Repeat("x", 1<<16))
			for range 1 << 10 { // 64 MB, of which KeepBody is read
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		})
		gone, goneEp := answering(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusGone) })
		_, busyEp := answering(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(http.StatusServiceUnavailable)
		})
		good, goodEp := answering(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) })
		write(t, db, outbox.Event{Object: "deal", RecordID: "1", Action: "create"})
		if _, err := s.NewConsumer(0).Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Step(context.Background()); err != nil { // every endpoint's first try, side by side
			t.Fatal(err)
		}
		one := func(e webhook.Endpoint) webhook.Delivery {
			t.Helper()
			ds := deliveries(t, s, e)
			if len(ds) != 1 {
				t.Fatalf("%d deliveries to %s", len(ds), e.URL)
			}
			return ds[0]
		}
		if d := one(goodEp); d.Status != "delivered" || len(good.messages()) != 1 || d.LatencyMS == nil {
			t.Errorf("the good endpoint: %+v", d)
		}
		if d := one(hangingEp); d.Status != "pending" || !strings.Contains(d.Error, "in time") || d.Response != nil {
			t.Errorf("the hanging endpoint: %+v", d)
		}
		if d := one(hugeEp); d.Status != "delivered" || d.Response == nil || len(d.Response.Body) != webhook.KeepBody {
			t.Errorf("the huge body: status %s, %v", d.Status, d.Response != nil)
		}
		if d := one(goneEp); d.Status != "failed" || len(gone.messages()) != 1 {
			t.Errorf("410: %+v", d)
		}
		if e, _ := s.Get(adminCtx, goneEp.ID); e.Enabled || e.Disabled == "" {
			t.Errorf("410 left the endpoint enabled: %+v", e)
		}
		if d := one(busyEp); d.Status != "pending" || d.NextAt == nil || !d.NextAt.Equal(clk.now().Add(120*time.Second)) {
			t.Errorf("Retry-After: next attempt at %v; want %v", d.NextAt, clk.now().Add(120*time.Second))
		}
		// 500 forever: each due retry is tried once, until the last.
		start := clk.now()
		var waited time.Duration
		for i := 0; i < 3*webhook.MaxAttempts; i++ {
			d := one(failingEp)
			if d.Status != "pending" {
				break
			}
			waited = d.NextAt.Sub(start)
			clk.t = *d.NextAt
			if _, err := w.Step(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		d := one(failingEp)
		if d.Status != "failed" || d.Attempts != webhook.MaxAttempts || len(failing.messages()) != webhook.MaxAttempts ||
			d.Response == nil || d.Response.Status != 500 {
			t.Errorf("500 forever: %+v after %d requests", d, len(failing.messages()))
		}
		if days := waited.Hours() / 24; days < 2.5 || days > 3.8 {
			t.Errorf("the retries spread over %.1f days; want about three", days)
		}
		// A disabled endpoint gets no new deliveries.
		write(t, db, outbox.Event{Object: "deal", RecordID: "2", Action: "create"})
		if _, err := s.NewConsumer(0).Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n := len(deliveries(t, s, goneEp)); n != 1 {
			t.Errorf("the disabled endpoint has %d deliveries", n)
		}
	})
}

// TestOrderHoldsThroughRetries: while a record's delivery is retried,
// its later ones wait, and another record's go on.
func TestOrderHoldsThroughRetries(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clk := &clock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
		s := newService(db, clk.now)
		rc := newReceiver(t)
		fail := true
		rc.answer = func(w http.ResponseWriter, r *http.Request) bool {
			if fail && strings.Contains(r.Header.Get("webhook-id"), "_created") {
				w.WriteHeader(502)
				return true
			}
			return false
		}
		subscribe(t, s, rc, rc.URL)
		write(t, db, outbox.Event{Object: "deal", RecordID: "1", Action: "create"}, outbox.Event{Object: "deal", RecordID: "1", Action: "update"},
			outbox.Event{Object: "deal", RecordID: "2", Action: "update"})
		pump(t, s, s.NewWorker(webhook.WorkerOptions{}))
		var types []string
		for _, m := range rc.messages() {
			types = append(types, m.body["data"].(map[string]any)["id"].(string)+":"+m.body["type"].(string))
		}
		if strings.Join(types, " ") != "1:deal.created 2:deal.updated" && strings.Join(types, " ") != "2:deal.updated 1:deal.created" {
			t.Fatalf("while record 1's creation failed: %v", types)
		}
		rc.mu.Lock()
		fail = false
		rc.mu.Unlock()
		clk.add(time.Minute)
		pump(t, s, s.NewWorker(webhook.WorkerOptions{}))
		got := rc.messages()
		if len(got) != 4 || got[2].body["type"] != "deal.created" || got[3].body["type"] != "deal.updated" {
			t.Errorf("after the retry: %d messages", len(got))
		}
	})
}

// TestRotateAndReplay: after a rotation both secrets sign for a day, then
// only the new one; a replay sends the same webhook-id again.
func TestRotateAndReplay(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clk := &clock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
		s := newService(db, clk.now)
		rc := newReceiver(t)
		e := subscribe(t, s, rc, rc.URL)
		old := e.Secret
		r, err := s.Rotate(adminCtx, e.ID)
		if err != nil || r.Secret == old || r.OldUntil == nil {
			t.Fatalf("rotate: %+v, %v", r, err)
		}
		w := s.NewWorker(webhook.WorkerOptions{})
		write(t, db, outbox.Event{Object: "contact", RecordID: "1", Action: "create"})
		pump(t, s, w)
		clk.add(webhook.RotateGrace + time.Minute)
		write(t, db, outbox.Event{Object: "contact", RecordID: "1", Action: "update"})
		pump(t, s, w)
		got := rc.messages()
		if len(got) != 2 {
			t.Fatalf("%d messages", len(got))
		}
		if n := len(strings.Fields(got[0].sigs)); n != 2 {
			t.Errorf("during the grace: %d signatures", n)
		}
		if n := len(strings.Fields(got[1].sigs)); n != 1 {
			t.Errorf("after the grace: %d signatures", n)
		}
		ds := deliveries(t, s, e)
		first := ds[len(ds)-1]
		if _, err := s.Replay(adminCtx, e.ID, first.ID); err != nil {
			t.Fatal(err)
		}
		pump(t, s, w)
		got = rc.messages()
		if len(got) != 3 || got[2].id != first.WebhookID {
			t.Errorf("the replay sent %d messages, the last %q; want %q", len(got), got[len(got)-1].id, first.WebhookID)
		}
		if _, err := s.Replay(adminCtx, e.ID, "999999"); err == nil {
			t.Error("a replay of no delivery succeeded")
		}
	})
}

package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rapport-crm/rapport/internal/webhook"
)

// hookReceiver is a webhook receiver on loopback that checks signatures
// and counts messages by webhook-id.
type hookReceiver struct {
	*httptest.Server
	mu     sync.Mutex
	secret string
	seen   map[string]int
	total  int
	bad    int
	status int // the answer; 0 means 204
}

func newHookReceiver(t *testing.T) *hookReceiver {
	rc := &hookReceiver{seen: map[string]int{}}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		id := r.Header.Get("webhook-id")
		var sec int64
		fmt.Sscan(r.Header.Get("webhook-timestamp"), &sec)
		rc.mu.Lock()
		if !webhook.Verify(rc.secret, r.Header.Get("webhook-signature"), id, time.Unix(sec, 0), body) {
			rc.bad++
		}
		rc.seen[id]++
		rc.total++
		status := rc.status
		rc.mu.Unlock()
		if status == 0 {
			status = http.StatusNoContent
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *hookReceiver) distinct() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.seen)
}

// subscribeHook subscribes rc to contacts' creation through the API, letting
// the endpoint reach loopback.
func subscribeHook(t *testing.T, s *server, token string, rc *hookReceiver) string {
	t.Helper()
	status, body := s.call(t, token, "POST", "/api/v1/webhooks", `{"url": "`+rc.URL+`/hook", "events": ["created"],
		"objects": ["contact"], "allow_private": ["127.0.0.0/8"]}`)
	if status != 201 {
		t.Fatalf("subscribe: %d %v", status, body)
	}
	rc.mu.Lock()
	rc.secret = body["secret"].(string)
	rc.mu.Unlock()
	return body["id"].(string)
}

// TestWebhooksAcrossAKill: contacts created through the API reach a
// receiver as signed messages, every one at least once and, once repeats
// are dropped by webhook-id, exactly once, although the server is killed
// (SIGKILL) while sending them and started again on the same database.
func TestWebhooksAcrossAKill(t *testing.T) {
	for name, db := range dbArgs(t) {
		t.Run(name, func(t *testing.T) {
			const n = 150
			rapport(t, append([]string{"user", "create", "--email", "ada@example.com", "--password", "analytical-engine", "--role", "administrator"}, db...)...)
			token := strings.TrimSpace(lastLine(rapport(t, append([]string{"token", "create", "--email", "ada@example.com", "--name", "hooks"}, db...)...)))
			// A job the killed server held is taken over after the job lock;
			// the default minute would outlast the wait below.
			env := "RAPPORT_JOB_LOCK=2s"
			srv := startServer(t, db, env)
			rc := newHookReceiver(t)
			subscribeHook(t, srv, token, rc)
			create := func(s *server, from, to int) {
				for i := from; i < to; i++ {
					if status, body := s.call(t, token, "POST", "/api/v1/contacts", fmt.Sprintf(`{"first_name": "Hook", "last_name": "N%d"}`, i)); status != 201 {
						t.Fatalf("contact %d: %d %v", i, status, body)
					}
				}
			}
			create(srv, 0, n/2)
			wait := func(want int) {
				t.Helper()
				// The deliveries leased by the killed server wait out their
				// lease (30 s) before they are sent again.
				for deadline := time.Now().Add(90 * time.Second); rc.distinct() < want; {
					if time.Now().After(deadline) {
						t.Fatalf("%d distinct messages of %d", rc.distinct(), want)
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
			wait(n / 6)
			srv.cmd.Process.Kill() // no shutdown: whatever was under way is cut off
			srv.cmd.Wait()
			srv = startServer(t, db, env)
			create(srv, n/2, n)
			wait(n)
			time.Sleep(2 * time.Second) // anything more would show now
			rc.mu.Lock()
			defer rc.mu.Unlock()
			if len(rc.seen) != n || rc.bad != 0 {
				t.Errorf("%d distinct messages (want %d), %d with a bad signature", len(rc.seen), n, rc.bad)
			}
			t.Logf("%d messages, %d distinct", rc.total, len(rc.seen))
		})
	}
}

// TestBrowserWebhooks adds an endpoint on the settings page, sees its
// secret once, and sees the delivery log of one that answers 500. It
// saves the screenshots webhooks and webhook-deliveries, in English and
// Russian.
func TestBrowserWebhooks(t *testing.T) {
	signedIn(t, func(t *testing.T, s *server, b *browser, token string, db []string) {
		css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
		rc := newHookReceiver(t)
		rc.status = 500
		id := subscribeHook(t, s, token, rc)
		if status, body := s.call(t, token, "POST", "/api/v1/contacts", `{"first_name": "Ada", "last_name": "Lovelace"}`); status != 201 {
			t.Fatalf("a contact: %d %v", status, body)
		}
		for deadline := time.Now().Add(30 * time.Second); rc.distinct() == 0; time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("no delivery was tried")
			}
		}
		b.do("open webhooks", chromedp.Navigate(b.base+"/settings/webhooks"), chromedp.WaitVisible(css(`#webhook-url`)))
		b.do("add one", chromedp.SendKeys(css(`#webhook-url`), "https://hooks.example.com/crm"),
			chromedp.Click(css(`input[name="events"][value="won"]`)), chromedp.Submit(css(`#webhook-url`)),
			chromedp.WaitVisible(css(`#webhook-secret`)))
		if got := b.text("table"); !strings.Contains(got, "hooks.example.com/crm") {
			t.Errorf("the list reads %q", got)
		}
		b.shoot("webhooks")
		b.do("open the log", chromedp.Navigate(b.base+"/settings/webhooks/"+id+"/deliveries"), chromedp.WaitVisible(css(`table`)))
		if got := b.text("table"); !strings.Contains(got, "contact.created") || !strings.Contains(got, "500") {
			t.Errorf("the log reads %q", got)
		}
		b.shoot("webhook-deliveries")
		b.language("ru")
		b.shoot("webhook-deliveries-ru")
		b.do("open webhooks in Russian", chromedp.Navigate(b.base+"/settings/webhooks"), chromedp.WaitVisible(css(`#webhook-url`)))
		b.shoot("webhooks-ru")
	})
}

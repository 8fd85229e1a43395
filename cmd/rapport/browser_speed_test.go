package main

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Page weight budgets: what a page costs over the network, compressed,
// with an empty cache (the first visit: the page, the script and the
// stylesheet) and with the assets cached (every later page).
const (
	firstLoadBudget = 150 << 10
	laterLoadBudget = 30 << 10
)

// TestBrowserPageWeight loads My day, the contacts list (a full page of
// rows) and a contact's page in Chromium, first with an empty cache and
// then again with the assets cached, and checks what each load
// transferred, as DevTools counts it (Network.loadingFinished
// encodedDataLength: compressed bodies and headers), against the
// budgets. Sizes, not durations, are asserted.
func TestBrowserPageWeight(t *testing.T) {
	signedIn(t, func(t *testing.T, s *server, b *browser, token string, db []string) {
		contact := fillWorkday(t, s, token)
		for _, p := range []struct{ name, path string }{
			{"My day", "/"}, {"contacts", "/contacts"}, {"a contact", "/contacts/" + contact},
		} {
			first := b.weigh(p.path, true)
			later := b.weigh(p.path, false)
			t.Logf("%s (%s): first load %s, later %s", p.name, p.path, first, later)
			if first.total > firstLoadBudget {
				t.Errorf("%s: the first load transferred %s, over the budget of %d KB", p.name, first, firstLoadBudget>>10)
			}
			if later.total > laterLoadBudget {
				t.Errorf("%s: a later load transferred %s, over the budget of %d KB", p.name, later, laterLoadBudget>>10)
			}
			if len(first.parts) < 3 {
				t.Errorf("%s: the first load fetched only %s; were the assets not loaded?", p.name, first)
			}
		}
	})
}

// fillWorkday gives the signed-in administrator a working day through the
// API: a company, 60 contacts (more than a page of the list, one with a
// script tag in its name), and a task due today. It returns the id of the
// contact with the company.
func fillWorkday(t *testing.T, s *server, token string) string {
	t.Helper()
	status, company := s.call(t, token, "POST", "/api/v1/companies", `{"name":"Analytical Engines <Ltd>","domain":"engines.example"}`)
	if status != 201 {
		t.Fatalf("create a company: %d %v", status, company)
	}
	status, contact := s.call(t, token, "POST", "/api/v1/contacts", `{"first_name":"<script>window.pwned=1</script>","last_name":"Babbage",`+
		`"emails":[{"value":"charles@example.com","label":"work"}],"phones":["+44 20 7946 0001"],"companies":[{"id":"`+company["id"].(string)+`"}]}`)
	if status != 201 {
		t.Fatalf("create a contact: %d %v", status, contact)
	}
	for i := range 59 {
		body := fmt.Sprintf(`{"first_name":"Person","last_name":"%02d","emails":[{"value":"person%02d@example.com"}],"phones":["+44 20 7946 %04d"]}`, i, i, 100+i)
		if status, got := s.call(t, token, "POST", "/api/v1/contacts", body); status != 201 {
			t.Fatalf("create a contact: %d %v", status, got)
		}
	}
	due := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	if status, got := s.call(t, token, "POST", "/api/v1/tasks", `{"title":"Call Charles","due_at":"`+due+
		`","record_type":"contact","record_id":"`+contact["id"].(string)+`"}`); status != 201 {
		t.Fatalf("create a task: %d %v", status, got)
	}
	return contact["id"].(string)
}

// weight is what one page load transferred: the bytes received for each
// address, as Chromium counts them.
type weight struct {
	total int64
	parts map[string]int64
}

func (w weight) String() string {
	var parts []string
	for u, n := range w.parts {
		path := u
		if p, err := url.Parse(u); err == nil {
			path = p.Path
		}
		if n == 0 {
			parts = append(parts, path+" cached")
		} else {
			parts = append(parts, fmt.Sprintf("%s %.1f KB", path, float64(n)/1024))
		}
	}
	slices.Sort(parts)
	return fmt.Sprintf("%.1f KB (%s)", float64(w.total)/1024, strings.Join(parts, ", "))
}

// weigh loads path, with the browser's cache emptied first when asked,
// and counts the bytes of every request the load made until the network
// has been quiet for a moment.
func (b *browser) weigh(path string, emptyCache bool) weight {
	b.t.Helper()
	if emptyCache {
		if _, err := chromedp.Call(b.ctx, network.ClearBrowserCache, cdp.Empty{}); err != nil {
			b.t.Fatalf("empty the cache: %v", err)
		}
	}
	ctx, stop := context.WithCancel(b.ctx)
	defer stop()
	var mu sync.Mutex
	w := weight{parts: map[string]int64{}}
	urls, pending := map[network.RequestID]string{}, map[network.RequestID]bool{}
	if err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			urls[ev.RequestID], pending[ev.RequestID] = ev.Request.URL, true
		case *network.EventLoadingFinished:
			w.parts[urls[ev.RequestID]] += int64(ev.EncodedDataLength)
			w.total += int64(ev.EncodedDataLength)
			delete(pending, ev.RequestID)
		case *network.EventLoadingFailed:
			delete(pending, ev.RequestID)
		}
	}); err != nil {
		b.t.Fatal(err)
	}
	b.do("load "+path, chromedp.Navigate(b.base+path), chromedp.WaitVisible(chromedp.CSS(`#main`)))
	quiet := time.Now()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		mu.Lock()
		busy := len(pending) > 0
		mu.Unlock()
		if busy {
			quiet = time.Now()
		} else if time.Since(quiet) > 300*time.Millisecond {
			break
		}
	}
	mu.Lock()
	defer mu.Unlock()
	out := weight{total: w.total, parts: map[string]int64{}}
	for u, n := range w.parts {
		out.parts[u] = n
	}
	return out
}

package webform_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/inbox"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
	"github.com/rapport-crm/rapport/internal/webform"
)

// TestFormLoad posts form submissions at a steady rate and measures the
// server time of each (from the handler's start to its answer: the
// submission read, checked, matched against the contacts, written with
// its event and the assigned user's notification), then counts the
// requests in the inbox. Set RAPPORT_FORM_LOAD to the duration (e.g.
// 60s) to run it; RAPPORT_FORM_RATE is the submissions a second (200).
func TestFormLoad(t *testing.T) {
	d, err := time.ParseDuration(os.Getenv("RAPPORT_FORM_LOAD"))
	if err != nil {
		t.Skip("set RAPPORT_FORM_LOAD=60s to run the form load test")
	}
	rate := 200
	if r := os.Getenv("RAPPORT_FORM_RATE"); r != "" {
		fmt.Sscan(r, &rate)
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db, 1e9, 1<<30)
		// Contacts for the submissions to match: one in ten is known.
		for i := 0; i < 100; i++ {
			if _, err := f.in.Create(f.admin, inbox.Input{Name: "warm-up"}); err != nil {
				t.Fatal(err)
			}
		}
		for i := 0; i < 200; i++ {
			if _, err := f.e.Create(f.admin, "contacts", map[string]any{"last_name": fmt.Sprintf("Known %d", i), "emails": []any{fmt.Sprintf("known%d@customer.org", i)}}); err != nil {
				t.Fatal(err)
			}
		}
		var mu sync.Mutex
		var times []time.Duration
		h := webform.New(webform.Options{Inbox: f.in, PerMinute: 1e9, Burst: 1 << 30})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			h.ServeHTTP(w, r)
			took := time.Since(start)
			mu.Lock()
			times = append(times, took)
			mu.Unlock()
		}))
		defer srv.Close()
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		before := f.count("new")
		tick := time.NewTicker(time.Second / time.Duration(rate))
		defer tick.Stop()
		stop := time.After(d)
		var wg sync.WaitGroup
		var failed, sent int
		var fmu sync.Mutex
	loop:
		for i := 0; ; i++ {
			select {
			case <-stop:
				break loop
			case <-tick.C:
			}
			sent++
			email := fmt.Sprintf("visitor%d@somewhere.org", i)
			if i%10 == 0 {
				email = fmt.Sprintf("known%d@customer.org", i%200)
			}
			vals := url.Values{"name": {fmt.Sprintf("Visitor %d", i)}, "email": {email}, "msg": {"Please call me back."},
				"_consent": {"yes"}, "utm_source": {"load"}}
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest("POST", srv.URL+"/f/"+f.form.PublicID, strings.NewReader(vals.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Accept", "application/json")
				res, err := client.Do(req)
				if err == nil {
					res.Body.Close()
				}
				if err != nil || res.StatusCode != 200 {
					fmu.Lock()
					failed++
					fmu.Unlock()
				}
			}()
		}
		wg.Wait()
		landed := f.count("new") - before
		slices.Sort(times)
		q := func(p float64) time.Duration { return times[min(len(times)-1, int(float64(len(times))*p))] }
		t.Logf("%s: %d submissions in %s (%d/s asked), %d failed, %d in the inbox; server time p50 %s, p99 %s, max %s",
			db.Dialect.Name(), sent, d, rate, failed, landed, q(0.50), q(0.99), times[len(times)-1])
		if failed != 0 || landed != sent {
			t.Errorf("lost: %d sent, %d failed, %d landed", sent, failed, landed)
		}
	})
}

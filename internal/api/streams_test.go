package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/activity"
	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/notify"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

func newStreamAPI(t *testing.T, db *store.DB, limits notify.Limits) *permAPI {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	pol := access.NewRolePolicy(db)
	engine := records.New(db, records.Options{Policy: pol, Logger: quiet})
	accounts := account.New(db)
	svc := activity.New(db, engine, activity.Options{Logger: quiet, Streams: limits})
	s := &api.Server{Engine: engine, Accounts: accounts, DB: db, Activity: svc, Version: "test", Log: quiet}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	p := &permAPI{t: t, db: db, srv: srv, pol: pol, engine: engine, accounts: accounts, tokens: map[string]string{}}
	p.people = accesstest.Setup(t, db, 1)
	for who, email := range p.people.Email {
		p.tokens[who] = p.token(1, email)
	}
	return p
}

// rest reads a stream to its end and returns what it sent.
func (s *sse) rest(t *testing.T) string {
	t.Helper()
	b, err := io.ReadAll(s.r)
	if err != nil {
		t.Fatalf("stream did not end cleanly: %v", err)
	}
	return string(b)
}

// TestOneUserHoldsAFewStreams opens more streams with one token than a
// user may hold: each one too many closes the oldest, which is told to
// wait before it reconnects, and the newest ones still deliver.
func TestOneUserHoldsAFewStreams(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newStreamAPI(t, db, notify.Limits{}) // the defaults
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		token := p.tokens[accesstest.Self]
		n := notify.DefaultLimits.PerUser + 7
		streams := make([]*sse, n)
		for i := range streams {
			streams[i] = p.stream(ctx, token)
		}
		for i, s := range streams[:n-notify.DefaultLimits.PerUser] {
			if got := s.rest(t); !strings.Contains(got, "event: superseded") || !strings.Contains(got, "retry: 60000") {
				t.Errorf("stream %d ended without saying it was superseded:\n%s", i, got)
			}
		}
		addNotification(t, db, p.people.Actor(), "still live")
		for i, s := range streams[n-notify.DefaultLimits.PerUser:] {
			if _, data := s.next(t); !strings.Contains(data, `"title":"still live"`) {
				t.Errorf("newest stream %d got %s", i, data)
			}
		}
		// Another user's streams are not counted against this one's.
		other := p.stream(ctx, p.tokens[accesstest.Teammate])
		addNotification(t, db, p.people.ByCls[accesstest.Teammate], "for the teammate")
		if _, data := other.next(t); !strings.Contains(data, `"title":"for the teammate"`) {
			t.Errorf("the teammate's stream got %s", data)
		}
	})
}

// TestServerHoldsBoundedStreams fills the server's streams and checks that
// one more is refused with 503 and Retry-After until one ends.
func TestServerHoldsBoundedStreams(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newStreamAPI(t, db, notify.Limits{PerUser: 2, Total: 3})
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		p.stream(ctx, p.tokens[accesstest.Self])
		p.stream(ctx, p.tokens[accesstest.Self])
		mateCtx, hangUp := context.WithCancel(ctx)
		p.stream(mateCtx, p.tokens[accesstest.Teammate])
		try := func(ctx context.Context, token string) *http.Response {
			req, _ := http.NewRequestWithContext(ctx, "GET", p.srv.URL+"/api/v1/notifications/stream", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { resp.Body.Close() })
			return resp
		}
		resp := try(ctx, p.tokens[accesstest.Outsider])
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "30" || !strings.Contains(string(body), "try again in 30 seconds") {
			t.Fatalf("a stream beyond the server's limit: %d, Retry-After %q, %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
		}
		// The user at their own limit replaces a stream rather than adding
		// one, so the server's count allows it.
		p.stream(ctx, p.tokens[accesstest.Self])
		// Once a client hangs up, its place is free again.
		hangUp()
		deadline := time.Now().Add(10 * time.Second)
		for {
			resp := try(ctx, p.tokens[accesstest.Outsider])
			if resp.StatusCode == 200 {
				break
			}
			resp.Body.Close()
			if time.Now().After(deadline) {
				t.Fatalf("a stream is still refused after one ended: %d", resp.StatusCode)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

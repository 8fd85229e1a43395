package mail_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/jobs"
	rmail "github.com/rapport-crm/rapport/internal/mail"
	"github.com/rapport-crm/rapport/internal/mail/mailtest"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

var quiet = slog.New(slog.DiscardHandler)

// eventually waits for cond, failing the test after a while.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after 20 s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func jobsOf(t *testing.T, db *store.DB, status jobs.Status) int {
	t.Helper()
	page, err := jobs.List(context.Background(), db, jobs.Filter{Status: status, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, j := range page.Data {
		if j.Kind == rmail.SendKind {
			n++
		}
	}
	return n
}

// TestQueue sends mail through the job queue: a message commits or rolls
// back with the transaction that asked for it, goes out once, is tried
// again after a temporary refusal and given up after a final one; the
// jobs never hold its text.
func TestQueue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		srv := mailtest.Start(t, mailtest.Options{})
		out := rmail.NewQueue(db, rmail.SMTP{Addr: srv.Addr, Security: rmail.Plain, From: "crm@example.com", Timeout: 5 * time.Second}, quiet)
		q := jobs.New(db, jobs.Options{Workers: 2, Poll: 5 * time.Millisecond, BackoffBase: 20 * time.Millisecond, BackoffMax: 50 * time.Millisecond, Logger: quiet})
		out.Register(q)

		// Enqueued in a transaction that then fails: never sent.
		rollback := errors.New("the change failed")
		err := db.Tx(ctx, func(tx store.Querier) error {
			if err := out.Send(store.Within(ctx, tx), rmail.Message{To: "never@example.org", Subject: "no", Text: "rolled back"}); err != nil {
				return err
			}
			return rollback
		})
		if !errors.Is(err, rollback) {
			t.Fatal(err)
		}
		secret := "reset-link-token-4f2a"
		if err := out.Send(ctx, rmail.Message{To: "ann@example.org", Subject: "Reset", Text: "Follow " + secret}); err != nil {
			t.Fatal(err)
		}
		page, err := jobs.List(ctx, db, jobs.Filter{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range page.Data {
			if strings.Contains(string(j.Payload), secret) || strings.Contains(string(j.Payload), "ann@") {
				t.Errorf("a job shows the message: %s", j.Payload)
			}
		}
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { q.Stop(context.Background()) })
		eventually(t, "the message delivered", func() bool { return jobsOf(t, db, jobs.Done) == 1 })
		got := srv.Messages()
		if len(got) != 1 || got[0].To != "ann@example.org" || !strings.Contains(string(got[0].Data), secret) {
			t.Fatalf("the server got %+v", got)
		}

		// A temporary refusal: tried again until the server takes it.
		srv.Reply(451, "try again later")
		if err := out.Send(ctx, rmail.Message{To: "bob@example.org", Subject: "Later", Text: "x"}); err != nil {
			t.Fatal(err)
		}
		eventually(t, "two refusals", func() bool { return srv.Begun() >= 3 })
		srv.Reply(0, "")
		eventually(t, "the retried message delivered", func() bool { return jobsOf(t, db, jobs.Done) == 2 })

		// A final refusal: dead at once, kept for the dead-letter view.
		srv.Reply(550, "no such user")
		begun := srv.Begun()
		if err := out.Send(ctx, rmail.Message{To: "nobody@example.org", Subject: "Lost", Text: "x"}); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the refused message dead", func() bool { return jobsOf(t, db, jobs.Dead) == 1 })
		if n := srv.Begun() - begun; n != 1 {
			t.Errorf("a message refused for good was tried %d times", n)
		}
		if n := len(srv.Messages()); n != 2 {
			t.Errorf("%d messages delivered, want 2", n)
		}
		var left int
		if err := db.Reader().QueryRowContext(ctx, `SELECT count(*) FROM outgoing_mail`).Scan(&left); err != nil || left != 1 {
			t.Errorf("outgoing_mail keeps %d rows (%v), want the refused one only", left, err)
		}

		// Many messages at once go a hundred to a job (two jobs for 150),
		// each message once.
		srv.Reply(0, "")
		var many []rmail.Message
		for i := range 150 {
			many = append(many, rmail.Message{To: fmt.Sprintf("reader%d@example.org", i), Subject: "News", Text: "x"})
		}
		if err := out.SendAll(ctx, many); err != nil {
			t.Fatal(err)
		}
		eventually(t, "150 messages delivered", func() bool { return jobsOf(t, db, jobs.Done) == 4 })
		to := map[string]int{}
		for _, m := range srv.Messages() {
			to[m.To]++
		}
		if len(srv.Messages()) != 152 || len(to) != 152 {
			t.Errorf("%d messages to %d addresses, want 152 of each", len(srv.Messages()), len(to))
		}
	})
}

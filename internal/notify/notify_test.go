package notify_test

import (
	"context"
	"errors"
	"log/slog"
	"regexp"
	"testing"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/mail"
	"github.com/rapport-crm/rapport/internal/notify"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// flaky records mail and fails while down is set.
type flaky struct {
	down bool
	sent []mail.Message
}

func (f *flaky) Send(_ context.Context, m mail.Message) error {
	if f.down {
		return errors.New("smtp is down")
	}
	f.sent = append(f.sent, m)
	return nil
}

func add(t *testing.T, db *store.DB, n notify.Notification) bool {
	t.Helper()
	var added bool
	err := db.Tx(context.Background(), func(q store.Querier) error {
		var err error
		added, err = notify.Add(context.Background(), q, db.Dialect, 1, n)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return added
}

func TestKeyedNotificationsAndMail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		active := accesstest.AddUser(t, db, 1, "active@example.com", access.RoleSalesperson, 0)
		gone := accesstest.AddUser(t, db, 1, "gone@example.com", access.RoleSalesperson, 0)
		if err := db.Tx(ctx, func(q store.Querier) error {
			_, err := q.ExecContext(ctx, `UPDATE users SET status = 'deactivated' WHERE id = ?`, gone)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			user  int64
			key   string
			added bool
		}{
			{active, "k1", true},
			{active, "k1", false}, // the same key again: once only
			{gone, "k1", true},    // keys are per user
			{active, "", true},
			{active, "", true}, // no key: every time
		} {
			if got := add(t, db, notify.Notification{UserID: c.user, Kind: "test", Title: "T " + c.key, Key: c.key}); got != c.added {
				t.Errorf("add %d %q: %v, want %v", c.user, c.key, got, c.added)
			}
		}
		// One read in the app before the mailer runs is not mailed.
		inbox := notify.NewInbox(db)
		me := access.WithActor(ctx, access.Actor{WorkspaceID: 1, UserID: active})
		page, err := inbox.List(me, notify.Query{})
		if err != nil || len(page.Data) != 3 {
			t.Fatalf("inbox: %v %d", err, len(page.Data))
		}
		if _, err := inbox.Read(me, page.Data[0].ID); err != nil {
			t.Fatal(err)
		}
		sender := &flaky{down: true}
		m := notify.NewMailer(db, sender, "https://crm.example.com/", slog.New(slog.DiscardHandler))
		if _, err := m.Run(ctx); err == nil {
			t.Fatal("a failing sender should fail the run, to be retried")
		}
		sender.down = false
		if n, err := m.Run(ctx); err != nil || n != 2 {
			t.Fatalf("sent %d (%v), want the 2 unread of the active user", n, err)
		}
		for _, msg := range sender.sent {
			if msg.To != "active@example.com" {
				t.Errorf("mailed %s", msg.To)
			}
			// The mail links to its notification, which opens the record.
			if !regexp.MustCompile(`(^|\n)https://crm\.example\.com/notifications/\d+/open\n`).MatchString(msg.Text) {
				t.Errorf("no link to the notification in %q", msg.Text)
			}
		}
		if n, err := m.Run(ctx); err != nil || n != 0 {
			t.Fatalf("a second run sent %d (%v)", n, err)
		}
	})
}

func TestUnreadCountsTheActorsUnreadUpToALimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ann := accesstest.AddUser(t, db, 1, "ann@example.com", access.RoleSalesperson, 0)
		bob := accesstest.AddUser(t, db, 1, "bob@example.com", access.RoleSalesperson, 0)
		for range 4 {
			add(t, db, notify.Notification{UserID: ann, Kind: "test", Title: "for Ann"})
		}
		add(t, db, notify.Notification{UserID: bob, Kind: "test", Title: "for Bob"})
		inbox := notify.NewInbox(db)
		me := access.WithActor(ctx, access.Actor{WorkspaceID: 1, UserID: ann})
		page, err := inbox.List(me, notify.Query{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := inbox.Read(me, page.Data[0].ID); err != nil {
			t.Fatal(err)
		}
		for most, want := range map[int]int{10: 3, 3: 3, 2: 2} {
			if n, err := inbox.Unread(me, most); err != nil || n != want {
				t.Errorf("Unread(%d) = %d, %v; want %d", most, n, err, want)
			}
		}
		if _, err := inbox.Unread(ctx, 10); err == nil {
			t.Error("Unread without an actor answered")
		}
	})
}

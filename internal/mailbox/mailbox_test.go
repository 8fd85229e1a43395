package mailbox_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap"
	"golang.org/x/text/encoding/charmap"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/activity"
	"github.com/rapport-crm/rapport/internal/duplicate"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/inbox"
	"github.com/rapport-crm/rapport/internal/mailbox"
	"github.com/rapport-crm/rapport/internal/mailbox/imaptest"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// env is the mailboxes over a fresh database, a Dovecot with a seller's
// mailbox and a shared one, and a customer with a company and one open
// deal.
type env struct {
	t               *testing.T
	db              *store.DB
	e               *records.Engine
	mb              *mailbox.Service
	act             *activity.Service
	dove            *imaptest.Server
	admin, seller   int64
	ada, acme, deal string
}

func newEnv(t *testing.T, db *store.DB) *env {
	t.Helper()
	if ok, why := imaptest.Available(); !ok {
		t.Skip(why)
	}
	dove, err := imaptest.Start(t.TempDir(), map[string]string{"seller@example.com": "app-password", "sales@example.com": "shared-pw"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(dove.Close)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	e := records.New(db, records.Options{PhoneRegion: "PL", Logger: log, Policy: access.NewRolePolicy(db)})
	sales.New(db, e, sales.Options{Logger: log})
	duplicate.New(db, e, duplicate.Options{Logger: log, PhoneRegion: "PL"})
	in := inbox.New(db, e, inbox.Options{Logger: log, PhoneRegion: "PL"})
	sealer, err := mailbox.NewSealer("a test secret of enough length")
	if err != nil {
		t.Fatal(err)
	}
	v := &env{t: t, db: db, e: e, dove: dove, act: activity.New(db, e, activity.Options{Logger: log})}
	v.mb = mailbox.New(db, e, mailbox.Options{Logger: log, Sealer: sealer, Inbox: in,
		Administers: func(_ context.Context, a access.Actor) bool { return a.Role == access.RoleAdministrator }})
	v.admin = accesstest.AddUser(t, db, 1, "admin@example.com", access.RoleAdministrator, 0)
	v.seller = accesstest.AddUser(t, db, 1, "seller@example.com", access.RoleSalesperson, 0)
	pipeline := v.create(v.admin, "pipelines", map[string]any{"name": "Sales"})
	stage := v.create(v.admin, "stages", map[string]any{"name": "New", "pipeline_id": pipeline})
	v.acme = v.create(v.admin, "companies", map[string]any{"name": "Acme"})
	v.ada = v.create(v.admin, "contacts", map[string]any{"first_name": "Ада", "last_name": "Лавлейс",
		"emails": []any{"Ada@Acme.example"}, "companies": []any{map[string]any{"id": v.acme}}})
	v.deal = v.create(v.admin, "deals", map[string]any{"title": "Engines", "pipeline_id": pipeline, "stage_id": stage,
		"contacts": []any{map[string]any{"id": v.ada}}})
	return v
}

func (v *env) as(user int64) context.Context {
	var role string
	if err := v.db.Reader().QueryRowContext(context.Background(), `SELECT role FROM users WHERE id = ?`, user).Scan(&role); err != nil {
		v.t.Fatal(err)
	}
	return access.WithActor(context.Background(), access.Actor{WorkspaceID: 1, UserID: user, Role: role})
}

func (v *env) create(user int64, object string, in map[string]any) string {
	v.t.Helper()
	rec, err := v.e.Create(v.as(user), object, in)
	if err != nil {
		v.t.Fatal(err)
	}
	return rec["id"].(string)
}

func (v *env) count(query string, args ...any) int {
	v.t.Helper()
	var n int
	if err := v.db.Reader().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		v.t.Fatal(err)
	}
	return n
}

func (v *env) deliver(user, folder, raw string) {
	v.t.Helper()
	if err := v.dove.Deliver(user, folder, []byte(strings.ReplaceAll(raw, "\n", "\r\n"))); err != nil {
		v.t.Fatal(err)
	}
}

func (v *env) connect(user int64, in mailbox.Input) mailbox.Mailbox {
	v.t.Helper()
	in.Host, in.Port, in.Security = v.dove.Host, v.dove.Port, "plain"
	m, err := v.mb.Connect(v.as(user), in)
	if err != nil {
		v.t.Fatal(err)
	}
	return m
}

func (v *env) sync(m mailbox.Mailbox) int {
	v.t.Helper()
	n, err := v.mb.SyncOnce(context.Background(), 1, m.ID)
	if err != nil {
		v.t.Fatalf("sync %s: %v\n%s", m.Address, err, v.dove.Log())
	}
	return n
}

// timeline returns the subjects of the letters on a record's timeline.
func (v *env) timeline(object, id string) []string {
	v.t.Helper()
	page, err := v.act.Timeline(v.as(v.admin), object, id, activity.TimelineQuery{Kinds: []string{"email"}})
	if err != nil {
		v.t.Fatal(err)
	}
	var out []string
	for _, it := range page.Data {
		out = append(out, it.Record["subject"].(string))
	}
	return out
}

func cp1251(s string) string {
	b, err := charmap.Windows1251.NewEncoder().String(s)
	if err != nil {
		panic(err)
	}
	return b
}

func koi8r(s string) string {
	b, err := charmap.KOI8R.NewEncoder().String(s)
	if err != nil {
		panic(err)
	}
	return b
}

// The letters of a customer as mail programs write them.
var (
	// multipart/alternative, the text in windows-1251, the subject in
	// encoded words, HTML with a script and a remote image.
	offer = "From: =?UTF-8?B?0JDQtNCw?= <ada@acme.example>\nTo: Seller <seller@example.com>\n" +
		"Subject: =?UTF-8?B?0JrQvtC80LzQtdGA0YfQtdGB0LrQvtC1INC/0YDQtdC00LvQvtC20LXQvdC40LU=?=\n" +
		"Date: Mon, 30 Nov 2026 10:00:00 +0300\nMessage-ID: <offer-1@acme.example>\nMIME-Version: 1.0\n" +
		"Content-Type: multipart/alternative; boundary=\"b1\"\n\n--b1\nContent-Type: text/plain; charset=windows-1251\n" +
		"Content-Transfer-Encoding: 8bit\n\n" + cp1251("Добрый день! Пришлите, пожалуйста, счёт.") + "\n--b1\n" +
		"Content-Type: text/html; charset=utf-8\n\n<p>Добрый день!</p><script>alert(1)</script><img src=\"https://tracker.example/p.gif\">" +
		"<a href=\"https://acme.example/\">site</a>\n--b1--\n"
	// A reply with an inline image (multipart/related, cid:).
	reply = "From: Ada <ada@acme.example>\nTo: seller@example.com\nSubject: Re: offer\nDate: Tue, 01 Dec 2026 09:00:00 +0000\n" +
		"Message-ID: <reply-2@acme.example>\nIn-Reply-To: <sent-1@example.com>\nReferences: <offer-1@acme.example> <sent-1@example.com>\n" +
		"MIME-Version: 1.0\nContent-Type: multipart/related; boundary=\"r\"\n\n--r\nContent-Type: text/html; charset=utf-8\n\n" +
		"<p>Our logo: <img src=\"cid:logo@acme\"></p>\n--r\nContent-Type: image/png\nContent-ID: <logo@acme>\n" +
		"Content-Transfer-Encoding: base64\n\niVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==\n--r--\n"
	// A colleague forwards a chain to the seller, the customer in Cc;
	// the forwarded letter is attached, in koi8-r.
	forward = "From: Admin <admin@example.com>\nTo: seller@example.com\nCc: ada@acme.example\nSubject: Fwd: old thread\n" +
		"Date: Wed, 02 Dec 2026 09:00:00 +0000\nMessage-ID: <fwd-3@example.com>\nMIME-Version: 1.0\n" +
		"Content-Type: multipart/mixed; boundary=\"f\"\n\n--f\nContent-Type: text/plain; charset=utf-8\n\nSee below.\n--f\n" +
		"Content-Type: message/rfc822\nContent-Disposition: attachment; filename=\"old.eml\"\n\n" +
		"From: ada@acme.example\nSubject: old\nContent-Type: text/plain; charset=koi8-r\nContent-Transfer-Encoding: 8bit\n\n" +
		koi8r("Старое письмо") + "\n--f--\n"
	// Broken: a boundary never closed, base64 that is not, a charset no
	// one knows.
	broken = "From: ada@acme.example\nTo: seller@example.com\nSubject: broken\nMessage-ID: <broken-4@acme.example>\nMIME-Version: 1.0\n" +
		"Content-Type: multipart/mixed; boundary=\"x\"\n\n--x\nContent-Type: text/plain; charset=x-unheard-of\n" +
		"Content-Transfer-Encoding: base64\n\n!!!not base64!!!\n--x\nContent-Type: application/pdf\n"
	// Private: from an address on the seller's ignore list.
	private = "From: mum@family.example\nTo: seller@example.com, ada@acme.example\nSubject: dinner\nMessage-ID: <p-5@family.example>\n\nSunday?\n"
	// Colleagues only: never filed.
	internal = "From: admin@example.com\nTo: seller@example.com\nSubject: lunch\nMessage-ID: <i-6@example.com>\n\nNoon.\n"
	// What the seller sent, in Sent.
	sent = "From: seller@example.com\nTo: ada@acme.example\nSubject: Re: offer\nDate: Mon, 30 Nov 2026 12:00:00 +0000\n" +
		"Message-ID: <sent-1@example.com>\nIn-Reply-To: <offer-1@acme.example>\nReferences: <offer-1@acme.example>\n\nThe invoice is attached.\n"
)

func TestCustomerMailIsFiledIncrementally(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		ctx := v.as(v.seller)
		if err := v.mb.SetIgnores(ctx, []string{"@family.example"}); err != nil {
			t.Fatal(err)
		}
		for _, raw := range []string{offer, reply, forward, broken, private, internal} {
			v.deliver("seller@example.com", "INBOX", raw)
		}
		v.deliver("seller@example.com", "Sent", sent)
		m := v.connect(v.seller, mailbox.Input{Address: "seller@example.com", Username: "seller@example.com", Password: "app-password"})
		if n := v.sync(m); n != 7 {
			t.Fatalf("first sync fetched %d messages, want 7", n)
		}
		want := []string{"broken", "Fwd: old thread", "Re: offer", "Re: offer", "Коммерческое предложение"}
		for _, rec := range []struct{ object, id string }{{"contact", v.ada}, {"company", v.acme}, {"deal", v.deal}} {
			if got := v.timeline(rec.object, rec.id); strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("%s timeline: %q, want %q", rec.object, got, want)
			}
		}
		if n := v.count(`SELECT count(*) FROM mail_messages WHERE subject IN ('dinner', 'lunch')`); n != 0 {
			t.Errorf("%d private or internal letters kept", n)
		}
		if n := v.count(`SELECT count(DISTINCT thread_id) FROM mail_messages WHERE message_id IN ('offer-1@acme.example', 'sent-1@example.com', 'reply-2@acme.example')`); n != 1 {
			t.Errorf("the offer, the answer and the reply are in %d threads, want 1", n)
		}
		var offerID string
		if err := db.Reader().QueryRowContext(context.Background(), `SELECT id FROM mail_messages WHERE message_id = 'offer-1@acme.example'`).Scan(&offerID); err != nil {
			t.Fatal(err)
		}
		got, err := v.mb.Message(v.as(v.admin), offerID)
		if err != nil {
			t.Fatal(err)
		}
		// A colleague who may not read the customer does not read the
		// letter; the mailbox's owner does.
		other := accesstest.AddUser(t, db, 1, "other@example.com", access.RoleSalesperson, 0)
		if _, err := v.mb.Message(v.as(other), offerID); !fault.Is(err, fault.ENOTFOUND) {
			t.Errorf("a colleague read a letter of a customer hidden from them: %v", err)
		}
		if page, err := v.act.Timeline(v.as(other), "contact", v.ada, activity.TimelineQuery{}); err == nil && len(page.Data) > 0 {
			t.Errorf("a colleague read the hidden customer's timeline: %v", page.Data)
		}
		if _, err := v.mb.Message(v.as(v.seller), offerID); err != nil {
			t.Errorf("the mailbox's owner cannot read its letter: %v", err)
		}
		if !strings.Contains(got.Text, "Пришлите, пожалуйста, счёт") {
			t.Errorf("windows-1251 text read as %q", got.Text)
		}
		html, held := mailbox.Sanitise(got.HTML, got.Inline(), false)
		if strings.Contains(html, "script") || strings.Contains(html, "tracker.example") || !held || !strings.Contains(html, `target="_blank"`) {
			t.Errorf("sanitised %q (held %v)", html, held)
		}
		var forwardText string
		if err := db.Reader().QueryRowContext(context.Background(), `SELECT text_body FROM mail_messages WHERE message_id = 'fwd-3@example.com'`).Scan(&forwardText); err != nil {
			t.Fatal(err)
		}
		var replyID string
		if err := db.Reader().QueryRowContext(context.Background(), `SELECT id FROM mail_messages WHERE message_id = 'reply-2@acme.example'`).Scan(&replyID); err != nil {
			t.Fatal(err)
		}
		if at, png, err := v.mb.Attachment(v.as(v.admin), replyID, "0"); err != nil || at.CID != "logo@acme" || !bytes.HasPrefix(png, []byte("\x89PNG\r\n")) {
			t.Errorf("the inline image: %+v %q %v", at, png, err)
		}
		if v.count(`SELECT count(*) FROM mail_messages WHERE message_id = 'broken-4@acme.example' AND problem = ''`) != 0 &&
			v.count(`SELECT count(*) FROM mail_messages WHERE message_id = 'broken-4@acme.example'`) != 1 {
			t.Error("the broken letter was not kept")
		}

		// Incremental: nothing new fetches nothing; one new letter
		// fetches one, also after the service is made anew (a restart).
		if n := v.sync(m); n != 0 {
			t.Fatalf("a sync with nothing new fetched %d", n)
		}
		// A restart: a new service over the same database resumes where
		// the last sync stopped.
		sealer, _ := mailbox.NewSealer("a test secret of enough length")
		v.mb = mailbox.New(db, v.e, mailbox.Options{Logger: slog.New(slog.DiscardHandler), Sealer: sealer})
		if n := v.sync(m); n != 0 {
			t.Fatalf("after a restart, a sync with nothing new fetched %d", n)
		}
		v.deliver("seller@example.com", "INBOX", strings.Replace(strings.Replace(internal, "lunch", "Invoice paid", 1), "admin@example.com", "ada@acme.example", 1))
		if n := v.sync(m); n != 1 {
			t.Fatalf("a sync after one new letter fetched %d", n)
		}
		if got := v.timeline("contact", v.ada); len(got) != 6 {
			t.Fatalf("after the new letter: %q", got)
		}

		// The server renumbers Sent (UIDVALIDITY changes): the folder is
		// read again, the letter kept already is not kept twice, and the
		// new one is.
		c, err := v.dove.Client("seller@example.com", "app-password")
		if err != nil {
			t.Fatal(err)
		}
		var before int64
		db.Reader().QueryRowContext(context.Background(), `SELECT uidvalidity FROM mailbox_folders WHERE name = 'Sent'`).Scan(&before)
		for _, step := range []error{c.Delete("Sent"), c.Create("Sent"),
			c.Append("Sent", nil, time.Now(), literal(sent)),
			c.Append("Sent", nil, time.Now(), literal(strings.Replace(strings.Replace(sent, "sent-1@", "sent-7@", 1), "Re: offer", "Contract", 1)))} {
			if step != nil {
				t.Fatal(step)
			}
		}
		c.Logout()
		if n := v.sync(m); n != 2 {
			t.Fatalf("after the renumbering fetched %d, want the 2 letters of Sent", n)
		}
		var after int64
		db.Reader().QueryRowContext(context.Background(), `SELECT uidvalidity FROM mailbox_folders WHERE name = 'Sent'`).Scan(&after)
		if after == before || v.count(`SELECT count(*) FROM mail_messages WHERE message_id = 'sent-1@example.com'`) != 1 ||
			v.count(`SELECT count(*) FROM mail_messages WHERE message_id = 'sent-7@example.com'`) != 1 {
			t.Fatalf("renumbered Sent: uidvalidity %d → %d", before, after)
		}
	})
}

func literal(s string) imap.Literal {
	return bytes.NewBufferString(strings.ReplaceAll(s, "\n", "\r\n"))
}

func TestSharedMailboxAndFailures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		// Only administrators connect shared mailboxes.
		in := mailbox.Input{Shared: true, Address: "sales@example.com", Username: "sales@example.com", Password: "shared-pw"}
		in.Host, in.Port, in.Security = v.dove.Host, v.dove.Port, "plain"
		if _, err := v.mb.Connect(v.as(v.seller), in); !fault.Is(err, fault.EFORBIDDEN) {
			t.Fatalf("a seller connected a shared mailbox: %v", err)
		}
		if _, err := v.mb.Connect(v.as(v.admin), mailbox.Input{Address: "x", Port: 70000, Security: "ssl"}); !fault.Is(err, fault.EINVALID) {
			t.Fatalf("bad input: %v", err)
		}
		if _, err := v.mb.Connect(v.as(v.admin), mailbox.Input{Address: "a@example.com", Host: "imap.example.com", Username: "a",
			Password: "p", Security: "plain"}); !fault.Is(err, fault.EINVALID) || !strings.Contains(fmt.Sprint(err.(*fault.Error).Fields), "this machine") {
			t.Fatalf("bad input: %v", err)
		}
		shared := v.connect(v.admin, in)
		// A mailbox whose server is gone, and one whose password is
		// wrong, fail on their own.
		down := v.connect(v.seller, mailbox.Input{Address: "seller@example.com", Username: "seller@example.com", Password: "wrong"})
		fresh := time.Now().UTC().Format(time.RFC1123Z)
		v.deliver("sales@example.com", "INBOX", "From: Grace <grace@navy.example>\nTo: sales@example.com\nSubject: Quote please\nDate: "+fresh+
			"\nMessage-ID: <q-1@navy.example>\n\nWe need 40 units.\n")
		v.deliver("sales@example.com", "INBOX", "From: ada@acme.example\nTo: sales@example.com\nSubject: known\nDate: "+fresh+"\nMessage-ID: <k-2@acme.example>\n\nHi\n")
		v.deliver("sales@example.com", "INBOX", strings.Repeat("garbage without a header\x00\xff", 100))
		// A letter beyond the size kept (a 26 MB attachment) is read by
		// its header.
		v.deliver("sales@example.com", "INBOX", "From: ada@acme.example\nTo: sales@example.com\nSubject: huge\nMessage-ID: <h-3@acme.example>\n"+
			"Content-Type: application/octet-stream\n\n"+strings.Repeat("0123456789abcdef\n", 26<<20/17))
		// A server that is not there fails on its own too.
		gone := mailbox.Input{Address: "seller@example.com", Username: "seller@example.com", Password: "x", Host: "127.0.0.1", Port: 1, Security: "plain"}
		away, err := v.mb.Connect(v.as(v.seller), gone)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.mb.SyncOnce(context.Background(), 1, away.ID); err == nil || !strings.Contains(err.Error(), "connect") {
			t.Fatalf("a server that is not there: %v", err)
		}
		if _, err := v.mb.SyncOnce(context.Background(), 1, down.ID); err == nil {
			t.Fatal("a wrong password synced")
		}
		if n := v.sync(shared); n != 4 {
			t.Fatalf("shared sync fetched %d", n)
		}
		if n := v.count(`SELECT count(*) FROM inbox_requests WHERE channel = 'email' AND email = 'grace@navy.example' AND message LIKE 'Quote please%'`); n != 1 {
			t.Fatalf("%d inbox requests from the unknown sender", n)
		}
		if n := v.count(`SELECT count(*) FROM mail_messages WHERE message_id = 'h-3@acme.example' AND problem LIKE '%only its header%'`); n != 1 {
			t.Fatal("the huge letter was not kept by its header")
		}
		if n := v.count(`SELECT count(*) FROM inbox_requests`); n != 1 {
			t.Fatalf("%d inbox requests, want only the unknown sender's", n)
		}
		list, err := v.mb.List(v.as(v.seller))
		if err != nil {
			t.Fatal(err)
		}
		states := map[string]string{}
		for _, m := range list {
			states[m.ID] = m.Status
		}
		if states[down.ID] != "failing" || states[away.ID] != "failing" || states[shared.ID] != "ok" {
			t.Fatalf("states %v", states)
		}
		// The password is kept sealed: neither the list nor the row
		// holds it.
		if n := v.count(`SELECT count(*) FROM mailboxes WHERE secret LIKE '%shared-pw%'`); n != 0 {
			t.Fatal("the password is stored in the clear")
		}
		if fmt.Sprint(list) == "" || strings.Contains(fmt.Sprintf("%+v", list), "shared-pw") {
			t.Fatal("the list shows the password")
		}
	})
}

func TestSealer(t *testing.T) {
	a, _ := mailbox.NewSealer("one secret of sixteen+")
	b, _ := mailbox.NewSealer("another secret, long enough")
	sealed, err := a.Seal("pw", "1/u@h")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := a.Open(sealed, "1/u@h"); err != nil || got != "pw" {
		t.Fatalf("open: %q %v", got, err)
	}
	if _, err := b.Open(sealed, "1/u@h"); err == nil {
		t.Fatal("another key opened it")
	}
	if _, err := a.Open(sealed, "2/u@h"); err == nil {
		t.Fatal("it opened for another mailbox")
	}
	if _, err := mailbox.NewSealer("short"); err == nil {
		t.Fatal("a short secret was taken")
	}
}

func TestSanitise(t *testing.T) {
	html := `<p onclick="x()">Hi <a href="https://x.example/">x</a><a href="javascript:alert(1)">y</a></p><script>bad()</script>` +
		`<img src="https://t.example/p.gif"><img src="cid:logo"><iframe src="https://x.example"></iframe><style>p{}</style>`
	out, held := mailbox.Sanitise(html, map[string]string{"logo": "/mail/1/attachments/0"}, false)
	for _, bad := range []string{"script", "onclick", "javascript", "t.example", "iframe", "<style"} {
		if strings.Contains(out, bad) {
			t.Errorf("%q left in %s", bad, out)
		}
	}
	if !held || !strings.Contains(out, `src="/mail/1/attachments/0"`) || !strings.Contains(out, `target="_blank"`) || !strings.Contains(out, `noopener`) {
		t.Errorf("sanitised: %s (held %v)", out, held)
	}
	out, held = mailbox.Sanitise(html, nil, true)
	if held || !strings.Contains(out, "t.example/p.gif") || strings.Contains(out, "script") {
		t.Errorf("with remote images: %s", out)
	}
}

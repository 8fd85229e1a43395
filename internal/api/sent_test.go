package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/activity"
	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/duplicate"
	"github.com/rapport-crm/rapport/internal/jobs"
	"github.com/rapport-crm/rapport/internal/letter"
	"github.com/rapport-crm/rapport/internal/mail"
	"github.com/rapport-crm/rapport/internal/mail/mailtest"
	mailboxes "github.com/rapport-crm/rapport/internal/mailbox"
	"github.com/rapport-crm/rapport/internal/mailbox/imaptest"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// sentEnv is the API with letters sent through the user's own mailbox:
// a real Dovecot holds the user's mailbox and the customer's, and a real
// SMTP server on loopback delivers what it accepts into the recipient's
// Dovecot INBOX, as the user's mail provider would.
type sentEnv struct {
	*env
	dove     *imaptest.Server
	smtp     *mailtest.Server // the user's own SMTP server
	system   *mailtest.Server // the workspace's system sender
	mb       *mailboxes.Service
	letters  *letter.Service
	mailbox  string
	contact  string
	template string
}

// passwords of the Dovecot users: the seller and the customer.
var passwords = map[string]string{"ann@example.com": "app-password", "ada@acme.example": "customer-password"}

func newSentEnv(t *testing.T, db *store.DB) *sentEnv {
	t.Helper()
	if ok, why := imaptest.Available(); !ok {
		t.Skip(why)
	}
	dove, err := imaptest.Start(t.TempDir(), passwords)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(dove.Close)
	v := &sentEnv{dove: dove}
	v.smtp = mailtest.Start(t, mailtest.Options{TLS: true, Username: "ann@example.com", Password: passwords["ann@example.com"],
		Deliver: func(to string, data []byte) error { return v.deliver(to, data) }})
	v.system = mailtest.Start(t, mailtest.Options{})

	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	accounts := account.New(db)
	if _, err := accounts.CreateUser(ctx, 1, "ann@example.com", "Ann Seller", "correct horse battery", "administrator"); err != nil {
		t.Fatal(err)
	}
	token, err := accounts.CreateToken(ctx, 1, "ann@example.com", "test", account.ScopeReadWrite, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := records.New(db, records.Options{PhoneRegion: "PL", Logger: log, Policy: access.NewRolePolicy(db)})
	duplicate.New(db, e, duplicate.Options{Logger: log, PhoneRegion: "PL"})
	sealer, err := mailboxes.NewSealer("a test secret of enough length")
	if err != nil {
		t.Fatal(err)
	}
	v.mb = mailboxes.New(db, e, mailboxes.Options{Logger: log, Sealer: sealer, InsecureTLS: true})
	system := mail.NewQueue(db, mail.SMTP{Addr: v.system.Addr, Security: mail.Plain, From: "crm@example.com", Timeout: 5 * time.Second}, log)
	letters := letter.New(db, e, letter.Options{Outgoing: system, Personal: v.mb, Originals: v.mb})
	q := jobs.New(db, jobs.Options{Workers: 4, Poll: 5 * time.Millisecond, BackoffBase: 50 * time.Millisecond, Logger: log})
	v.mb.Register(q)
	v.letters = letters
	system.Register(q)
	qctx, cancel := context.WithCancel(ctx)
	if err := q.Start(qctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); q.Stop(context.Background()); v.mb.Stop() })

	s := &api.Server{Engine: e, Accounts: accounts, Letters: letters, Mailboxes: v.mb, DB: db, Version: "test", Log: log,
		Activity: activity.New(db, e, activity.Options{Logger: log})}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	v.env = &env{srv: srv, token: token, db: db, vars: map[string]string{}}

	// The seller's mailbox, which sends through the SMTP server above.
	host, port, _ := net.SplitHostPort(v.smtp.Addr)
	v.run(t, []step{{name: "the seller's mailbox", method: "POST", path: "/api/v1/mailboxes", status: 201, save: map[string]string{"mailbox": "id"},
		body: `{"address": "ann@example.com", "host": "` + dove.Host + `", "port": ` + strconv.Itoa(dove.Port) + `, "security": "plain",
			"username": "ann@example.com", "password": "` + passwords["ann@example.com"] + `", "smtp_host": "` + host + `", "smtp_port": ` + port + `,
			"smtp_security": "starttls"}`, contains: []string{`"smtp_security":"starttls"`}, absent: []string{passwords["ann@example.com"]}}})
	v.mailbox = v.vars["mailbox"]
	v.run(t, []step{
		{name: "the customer", method: "POST", path: "/api/v1/contacts", status: 201,
			body: `{"first_name": "Ada", "last_name": "Lovelace", "emails": ["ada@acme.example"]}`, save: map[string]string{"contact": "id"}},
		{name: "a template", method: "POST", path: "/api/v1/mail-templates", status: 201, save: map[string]string{"template": "id"},
			body: `{"name": "Reply", "object": "contact", "versions": {"en": {"subject": "Re: engines", "body": "Dear {{contact.first_name}}, here it is."}}}`},
	})
	v.contact, v.template = v.vars["contact"], v.vars["template"]
	return v
}

// deliver puts a message the SMTP server accepted into the recipient's
// INBOX, by IMAP APPEND as the recipient.
func (v *sentEnv) deliver(to string, data []byte) error {
	c, err := v.dove.Client(to, passwords[to])
	if err != nil {
		return err
	}
	defer c.Logout()
	return c.Append("INBOX", nil, time.Now(), bytes.NewBuffer(data))
}

// send writes the reply to the customer through the API.
func (v *sentEnv) send(t *testing.T) {
	t.Helper()
	v.run(t, []step{{name: "send the reply", method: "POST", path: "/api/v1/mail-templates/" + v.template + "/send",
		body: `{"record_ids": ["` + v.contact + `"]}`, status: 202, contains: []string{`"queued":1`}}})
}

// folder returns the messages of a user's folder, with their flags; none
// when the folder does not exist.
func (v *sentEnv) folder(t *testing.T, user, name string) []*imap.Message {
	t.Helper()
	c, err := v.dove.Client(user, passwords[user])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Logout()
	status, err := c.Select(name, true)
	if err != nil || status.Messages == 0 {
		return nil
	}
	set := new(imap.SeqSet)
	set.AddRange(1, status.Messages)
	ch := make(chan *imap.Message, status.Messages)
	if err := c.Fetch(set, []imap.FetchItem{imap.FetchFlags, imap.FetchEnvelope}, ch); err != nil {
		t.Fatal(err)
	}
	var out []*imap.Message
	for m := range ch {
		out = append(out, m)
	}
	return out
}

// emails counts the letters on the contact's timeline.
func (v *sentEnv) emails(t *testing.T) int {
	t.Helper()
	req, _ := http.NewRequest("GET", v.srv.URL+"/api/v1/contacts/"+v.contact+"/timeline?kind=email", nil)
	req.Header.Set("Authorization", "Bearer "+v.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var page struct {
		Data []struct {
			Kind string `json:"kind"`
		} `json:"data"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(raw, &page) != nil {
		t.Fatalf("timeline: %d %s", resp.StatusCode, raw)
	}
	return len(page.Data)
}

func (v *sentEnv) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := v.db.Reader().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (v *sentEnv) exec(t *testing.T, query string, args ...any) {
	t.Helper()
	err := v.db.Tx(context.Background(), func(q store.Querier) error {
		_, err := q.ExecContext(context.Background(), query, args...)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// until waits for cond, up to half a minute.
func until(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
	}
}

// TestReplyThroughOwnMailbox sends a reply written in Rapport through the
// API: it lands in the customer's INBOX and, seen, in the seller's Sent
// folder, once each, and once on the contact's timeline; the system
// sender sends nothing.
func TestReplyThroughOwnMailbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newSentEnv(t, db)
		v.send(t)
		until(t, "the reply in the customer's INBOX", func() bool { return len(v.folder(t, "ada@acme.example", "INBOX")) == 1 })
		until(t, "the copy in the Sent folder", func() bool { return len(v.folder(t, "ann@example.com", "Sent")) == 1 })
		until(t, "the letter on the timeline", func() bool { return v.emails(t) == 1 })
		until(t, "the outbox emptied", func() bool { return v.count(t, `SELECT count(*) FROM mailbox_outbox`) == 0 })

		// Another sync reads the folders again: still one of each.
		if _, err := v.mb.SyncOnce(context.Background(), 1, v.mailbox); err != nil {
			t.Fatal(err)
		}
		inbox, sent := v.folder(t, "ada@acme.example", "INBOX"), v.folder(t, "ann@example.com", "Sent")
		if len(inbox) != 1 || len(sent) != 1 || v.emails(t) != 1 {
			t.Fatalf("%d in the customer's INBOX, %d in Sent, %d on the timeline; want one each", len(inbox), len(sent), v.emails(t))
		}
		if got := inbox[0].Envelope; len(got.From) != 1 || got.From[0].Address() != "ann@example.com" || got.Subject != "Re: engines" {
			t.Errorf("the customer got %+v", got)
		}
		if sent[0].Envelope.MessageId != inbox[0].Envelope.MessageId {
			t.Errorf("the Sent copy is %s, the letter %s", sent[0].Envelope.MessageId, inbox[0].Envelope.MessageId)
		}
		if !strings.Contains(strings.Join(sent[0].Flags, " "), imap.SeenFlag) {
			t.Errorf("the Sent copy's flags: %v", sent[0].Flags)
		}
		if n := len(v.system.Messages()); n != 0 {
			t.Errorf("the system sender sent %d letters", n)
		}
	})
}

// TestOwnMailboxFailures: an APPEND that fails is tried again alone,
// never sending the letter again; a copy in Sent already is not saved
// twice; a server that refuses the letter leaves it in the outbox and its
// job dead, for the queue's view to show.
func TestOwnMailboxFailures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newSentEnv(t, db)
		until(t, "the first sync", func() bool {
			return v.count(t, `SELECT count(*) FROM mailboxes WHERE status <> 'new'`) == 1 &&
				v.count(t, `SELECT count(*) FROM jobs WHERE kind = ? AND status IN ('queued', 'running')`, mailboxes.SyncKind) == 0
		})

		// The IMAP server is out of reach; SMTP is not.
		closed, _ := net.Listen("tcp", "127.0.0.1:0")
		closedPort := closed.Addr().(*net.TCPAddr).Port
		closed.Close()
		v.exec(t, `UPDATE mailboxes SET port = ?`, closedPort)
		v.send(t)
		until(t, "the copy tried twice", func() bool {
			return v.count(t, `SELECT count(*) FROM jobs WHERE kind = ? AND attempts >= 2`, mailboxes.AppendKind) == 1
		})
		v.exec(t, `UPDATE mailboxes SET port = ?`, v.dove.Port)
		until(t, "the copy in the Sent folder", func() bool { return len(v.folder(t, "ann@example.com", "Sent")) == 1 })
		until(t, "the outbox emptied", func() bool { return v.count(t, `SELECT count(*) FROM mailbox_outbox`) == 0 })
		if n, begun := len(v.folder(t, "ada@acme.example", "INBOX")), v.smtp.Begun(); n != 1 || begun != 1 {
			t.Fatalf("%d letters in the customer's INBOX after %d deliveries; want the one", n, begun)
		}

		// A provider that files what its SMTP server sends has put the
		// copy in Sent by the time Rapport can reach the folder: Rapport
		// finds it there by its Message-ID and saves no second one.
		v.exec(t, `UPDATE mailboxes SET port = ?`, closedPort)
		v.send(t)
		until(t, "the second copy tried", func() bool {
			return v.count(t, `SELECT count(*) FROM jobs WHERE kind = ? AND attempts >= 1 AND status <> 'done'`, mailboxes.AppendKind) == 1
		})
		sent := v.smtp.Messages()
		if err := v.dove.Deliver("ann@example.com", "Sent", sent[len(sent)-1].Data); err != nil {
			t.Fatal(err)
		}
		v.exec(t, `UPDATE mailboxes SET port = ?`, v.dove.Port)
		until(t, "the outbox emptied again", func() bool { return v.count(t, `SELECT count(*) FROM mailbox_outbox`) == 0 })
		if n := len(v.folder(t, "ann@example.com", "Sent")); n != 2 {
			t.Fatalf("%d letters in Sent, want the two sent", n)
		}
		until(t, "both letters on the timeline", func() bool { return v.emails(t) == 2 })

		// The server refuses the next letter for good.
		v.smtp.Reply(550, "mailbox unavailable")
		v.send(t)
		until(t, "the sending dead", func() bool {
			return v.count(t, `SELECT count(*) FROM jobs WHERE kind = ? AND status = 'dead'`, mailboxes.SendKind) == 1
		})
		if n := v.count(t, `SELECT count(*) FROM mailbox_outbox WHERE sent_at IS NULL`); n != 1 {
			t.Errorf("%d refused letters kept in the outbox, want 1", n)
		}
		if n := len(v.folder(t, "ada@acme.example", "INBOX")); n != 2 {
			t.Errorf("%d letters in the customer's INBOX, want the two sent before", n)
		}
		if n := len(v.folder(t, "ann@example.com", "Sent")); n != 2 {
			t.Errorf("%d letters in Sent, want the two sent before", n)
		}
	})
}

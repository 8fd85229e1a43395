package api_test

import (
	"bytes"
	"context"
	netmail "net/mail"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/fault"
	mailboxes "github.com/rapport-crm/rapport/internal/mailbox"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// customerLetter is what the customer wrote to the seller, the second
// letter of a conversation they began.
const customerLetter = "From: Ada Lovelace <ada@acme.example>\r\n" +
	"To: Ann Seller <ann@example.com>\r\n" +
	"Subject: Re: Engines\r\n" +
	"Date: Mon, 07 Dec 2026 09:00:00 +0000\r\n" +
	"Message-ID: <second@acme.example>\r\n" +
	"In-Reply-To: <first@acme.example>\r\n" +
	"References: <first@acme.example>\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"\r\n" +
	"How much would two engines cost?\r\n"

// TestReplyToKeptLetter answers, through the API, a letter the customer
// sent to the seller's real mailbox: the answer reaches the customer's
// INBOX with the headers that thread it, is copied into the seller's Sent
// folder and, synced, shows once on the contact's timeline in the same
// conversation. Bad drafts are refused naming the field; a user who may
// not read the letter cannot answer it.
func TestReplyToKeptLetter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newSentEnv(t, db)
		ctx := context.Background()
		until(t, "the first sync", func() bool {
			return v.count(t, `SELECT count(*) FROM mailboxes WHERE status <> 'new'`) == 1 &&
				v.count(t, `SELECT count(*) FROM jobs WHERE kind = ? AND status IN ('queued', 'running')`, mailboxes.SyncKind) == 0
		})
		if err := v.dove.Deliver("ann@example.com", "INBOX", []byte(customerLetter)); err != nil {
			t.Fatal(err)
		}
		if _, err := v.mb.SyncOnce(ctx, 1, v.mailbox); err != nil {
			t.Fatal(err)
		}
		var original string
		if err := db.Reader().QueryRowContext(ctx, `SELECT CAST(id AS TEXT) FROM mail_messages WHERE message_id = 'second@acme.example'`).
			Scan(&original); err != nil {
			t.Fatal(err)
		}
		v.vars["original"] = original

		// The page answering it begins with the subject, once "Re:", and
		// the letter quoted.
		var ann int64
		if err := db.Reader().QueryRowContext(ctx, `SELECT id FROM users WHERE email = 'ann@example.com'`).Scan(&ann); err != nil {
			t.Fatal(err)
		}
		d, err := v.letters.Reply(access.WithActor(ctx, access.Actor{WorkspaceID: 1, UserID: ann, Role: "administrator"}), original)
		if err != nil {
			t.Fatal(err)
		}
		if d.Subject != "Re: Engines" || d.RecordID != v.contact || d.ReplyTo != original ||
			!strings.Contains(d.Body, "Ada Lovelace wrote:\n> How much would two engines cost?") {
			t.Errorf("the answer begins %+v", d)
		}

		accounts := account.New(db)
		if _, err := accounts.CreateUser(ctx, 1, "bob@example.com", "Bob Other", "correct horse battery", "salesperson"); err != nil {
			t.Fatal(err)
		}
		bobID := int64(0)
		if err := db.Reader().QueryRowContext(ctx, `SELECT id FROM users WHERE email = 'bob@example.com'`).Scan(&bobID); err != nil {
			t.Fatal(err)
		}
		if _, err := v.letters.Reply(access.WithActor(ctx, access.Actor{WorkspaceID: 1, UserID: bobID, Role: "salesperson"}), original); !fault.Is(err, fault.ENOTFOUND) {
			t.Errorf("a user who may not read the letter begins an answer: %v", err)
		}
		bob, err := accounts.CreateToken(ctx, 1, "bob@example.com", "test", account.ScopeReadWrite, nil)
		if err != nil {
			t.Fatal(err)
		}
		v.vars["bob"] = bob

		v.run(t, []step{
			{name: "no subject", method: "POST", path: "/api/v1/letters", status: 400, contains: []string{`"subject"`, `"required"`},
				body: `{"reply_to": "{original}", "subject": " ", "body": "Hello"}`},
			{name: "an unknown merge field", method: "POST", path: "/api/v1/letters", status: 400, contains: []string{`"body"`},
				body: `{"reply_to": "{original}", "subject": "Hi", "body": "Dear {{contact.shoe_size}}"}`},
			{name: "a letter id that is none", method: "POST", path: "/api/v1/letters", status: 400, contains: []string{`"reply_to"`},
				body: `{"reply_to": "first", "subject": "Hi", "body": "Hello"}`},
			{name: "no record", method: "POST", path: "/api/v1/letters", status: 400, contains: []string{`"record_id"`, `"object"`},
				body: `{"subject": "Hi", "body": "Hello"}`},
			{name: "a user who may not read the letter", method: "POST", path: "/api/v1/letters", status: 404, token: "{bob}",
				body: `{"reply_to": "{original}", "subject": "Hi", "body": "Hello"}`},
			{name: "the answer", method: "POST", path: "/api/v1/letters", status: 202,
				body:     `{"reply_to": "{original}", "subject": "Re: Engines", "body": "Dear {{contact.first_name}},\ntwo engines cost less than one."}`,
				contains: []string{`"in_reply_to":"second@acme.example"`, `"to":"ada@acme.example"`, `Dear Ada,`, `"record_id":"` + v.contact + `"`}},
		})

		until(t, "the answer in the customer's INBOX", func() bool { return len(v.folder(t, "ada@acme.example", "INBOX")) == 1 })
		until(t, "the copy in the Sent folder", func() bool { return len(v.folder(t, "ann@example.com", "Sent")) == 1 })
		until(t, "the outbox emptied", func() bool { return v.count(t, `SELECT count(*) FROM mailbox_outbox`) == 0 })
		inbox := v.folder(t, "ada@acme.example", "INBOX")[0].Envelope
		if inbox.InReplyTo != "<second@acme.example>" || inbox.Subject != "Re: Engines" {
			t.Errorf("the customer got In-Reply-To %q, subject %q", inbox.InReplyTo, inbox.Subject)
		}
		sent := v.smtp.Messages()
		msg, err := netmail.ReadMessage(bytes.NewReader(sent[len(sent)-1].Data))
		if err != nil {
			t.Fatal(err)
		}
		if refs := strings.Join(strings.Fields(msg.Header.Get("References")), " "); refs != "<first@acme.example> <second@acme.example>" {
			t.Errorf("References: %q", msg.Header.Get("References"))
		}

		// Synced again and again, the answer is on the timeline once, in
		// the customer's conversation.
		for range 2 {
			if _, err := v.mb.SyncOnce(ctx, 1, v.mailbox); err != nil {
				t.Fatal(err)
			}
		}
		until(t, "both letters on the timeline", func() bool { return v.emails(t) == 2 })
		if n := v.count(t, `SELECT count(*) FROM mail_messages WHERE in_reply_to = 'second@acme.example'`); n != 1 {
			t.Errorf("the answer kept %d times", n)
		}
		if n := v.count(t, `SELECT count(DISTINCT thread_id) FROM mail_messages`); n != 1 {
			t.Errorf("the letters are in %d conversations, want one", n)
		}
	})
}

// TestLetterWithMergeFields sends a letter the seller wrote, not a
// template: its merge fields are filled and the signature closes it.
func TestLetterWithMergeFields(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newSentEnv(t, db)
		v.run(t, []step{
			{name: "a signature", method: "PUT", path: "/api/v1/me/signature", status: 200, body: `{"signature": "Ann, Acme sales"}`},
			{name: "the letter", method: "POST", path: "/api/v1/letters", status: 202,
				body:     `{"object": "contact", "record_id": "` + v.contact + `", "subject": "For {{contact.first_name}}", "body": "Dear {{contact.full_name}},\nsee you.\n{{user.name}}"}`,
				contains: []string{`"subject":"For Ada"`, `Dear Ada Lovelace,\nsee you.\nAnn Seller\n\n-- \nAnn, Acme sales`}, absent: []string{`in_reply_to`}},
		})
		until(t, "the letter in the customer's INBOX", func() bool { return len(v.folder(t, "ada@acme.example", "INBOX")) == 1 })
		sent := v.smtp.Messages()
		msg, err := netmail.ReadMessage(bytes.NewReader(sent[0].Data))
		if err != nil {
			t.Fatal(err)
		}
		if msg.Header.Get("In-Reply-To") != "" || msg.Header.Get("References") != "" {
			t.Errorf("a new letter answers something: %v", msg.Header)
		}
	})
}

package mailbox_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/mailbox"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestHostileLetters: a letter to a thousand people (some of them
// customers), a letter with a megabyte-long Subject and one with twenty
// thousand Received lines arrive among ordinary letters. The sync goes
// on; each is kept once and filed on the customers it names, the letter
// to a thousand on at most 100 of them; the ordinary letters and the
// other mailbox are filed as ever.
func TestHostileLetters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		// 150 customers, named at every 6th place of the thousand
		// recipients: in To, in Cc, among the 200 kept on the letter
		// and beyond.
		var customers []string
		known := map[int]bool{}
		for i := 0; i < 150; i++ {
			known[3+i*6] = true
			customers = append(customers, v.create(v.admin, "contacts", map[string]any{"first_name": "Customer", "last_name": fmt.Sprint(i),
				"emails": []any{fmt.Sprintf("person%d@customers.example", 3+i*6)}}))
		}
		var to, cc []string
		for i := 0; i < 1000; i++ {
			addr := fmt.Sprintf("Person %d <person%d@%s>", i, i, map[bool]string{true: "customers.example", false: "list.example"}[known[i]])
			if i < 600 {
				to = append(to, addr)
			} else {
				cc = append(cc, addr)
			}
		}
		crowd := "From: Announcer <news@partner.example>\nTo: " + strings.Join(to, ",\n ") + "\nCc: " + strings.Join(cc, ",\n ") +
			"\nSubject: To everyone\nMessage-ID: <crowd-1@partner.example>\nDate: Tue, 01 Dec 2026 09:00:00 +0000\n\nHello all.\n"
		longSubject := "From: ada@acme.example\nTo: seller@example.com\nSubject: " + strings.Repeat("Очень длинная тема ", 1<<20/34) +
			"\nMessage-ID: <long-subject-2@acme.example>\nDate: Tue, 01 Dec 2026 10:00:00 +0000\n\nA long subject.\n"
		var received strings.Builder
		for i := 0; i < 20000; i++ {
			fmt.Fprintf(&received, "Received: from relay%d.example (relay%d.example [192.0.2.%d]) by mx.example with ESMTP id %08d\n", i, i, i%250, i)
		}
		relayed := received.String() + "From: ada@acme.example\nTo: seller@example.com\nSubject: Relayed\n" +
			"Message-ID: <relayed-3@acme.example>\nDate: Tue, 01 Dec 2026 11:00:00 +0000\n\nWent round the world.\n"
		ordinary := "From: ada@acme.example\nTo: seller@example.com\nSubject: Ordinary\nMessage-ID: <ordinary-4@acme.example>\n" +
			"Date: Tue, 01 Dec 2026 12:00:00 +0000\n\nJust a letter.\n"
		for _, raw := range []string{crowd, longSubject, relayed, ordinary} {
			v.deliver("seller@example.com", "INBOX", raw)
		}
		v.deliver("sales@example.com", "INBOX", strings.Replace(ordinary, "ordinary-4@", "shared-5@", 1))
		m := v.connect(v.seller, mailbox.Input{Address: "seller@example.com", Username: "seller@example.com", Password: "app-password"})
		shared := v.connect(v.admin, mailbox.Input{Shared: true, Address: "sales@example.com", Username: "sales@example.com", Password: "shared-pw"})
		if n := v.sync(m); n != 4 {
			t.Fatalf("the sync fetched %d letters, want 4", n)
		}
		if n := v.sync(shared); n != 1 {
			t.Fatalf("the shared mailbox's sync fetched %d letters, want 1", n)
		}
		if n := v.sync(m); n != 0 {
			t.Fatalf("a second sync fetched %d letters", n)
		}
		for _, id := range []string{"crowd-1@partner.example", "long-subject-2@acme.example", "relayed-3@acme.example", "ordinary-4@acme.example",
			"shared-5@acme.example"} {
			if n := v.count(`SELECT count(*) FROM mail_messages WHERE message_id = ?`, id); n != 1 {
				t.Errorf("%s kept %d times", id, n)
			}
		}

		// The letter to a thousand keeps 200 recipients and is filed on
		// the first 100 customers it names, wherever they stand.
		var toAddrs, ccAddrs, problem string
		if err := db.Reader().QueryRowContext(t.Context(), `SELECT to_addrs, cc_addrs, problem FROM mail_messages WHERE message_id = 'crowd-1@partner.example'`).
			Scan(&toAddrs, &ccAddrs, &problem); err != nil {
			t.Fatal(err)
		}
		if n := len(strings.Split(toAddrs, ", ")); n != 200 || ccAddrs != "" || !strings.Contains(problem, "1000 recipients") {
			t.Errorf("the letter to a thousand keeps %d recipients in To, Cc %q, problem %q", n, ccAddrs, problem)
		}
		if n := v.count(`SELECT count(*) FROM mail_links l JOIN mail_messages m ON m.workspace_id = l.workspace_id AND m.id = l.message_id
			WHERE m.message_id = 'crowd-1@partner.example'`); n != 100 {
			t.Errorf("the letter to a thousand is filed on %d records, want 100", n)
		}
		for i, id := range customers {
			got := len(v.timeline("contact", id))
			if want := map[bool]int{true: 1, false: 0}[i < 100]; got != want {
				t.Errorf("customer %d (recipient %d) has %d letters, want %d", i, 3+i*6, got, want)
			}
		}

		// The long headers: kept, filed on Ada, the subject cut to
		// what is kept; the ordinary letter of each mailbox beside them.
		got := v.timeline("contact", v.ada)
		if len(got) != 4 || got[0] != "Ordinary" || got[1] != "Ordinary" || got[2] != "Relayed" || !strings.HasPrefix(got[3], "Очень длинная тема") ||
			len(got[3]) > 1000 {
			t.Errorf("Ada's letters: %d, %q", len(got), clipped(got))
		}
		if n := v.count(`SELECT count(*) FROM mail_links l JOIN mail_messages m ON m.workspace_id = l.workspace_id AND m.id = l.message_id
			WHERE m.message_id = 'shared-5@acme.example' AND l.object = 'contact' AND l.record_id = ?`, v.ada); n != 1 {
			t.Error("the shared mailbox's letter is not filed on Ada")
		}
		list, err := v.mb.List(v.as(v.admin))
		if err != nil {
			t.Fatal(err)
		}
		for _, mb := range list {
			if mb.Status != "ok" {
				t.Errorf("mailbox %s: %s %s", mb.Address, mb.Status, mb.LastError)
			}
		}
	})
}

// clipped shortens each subject for a failure message.
func clipped(subjects []string) []string {
	var out []string
	for _, s := range subjects {
		if len(s) > 60 {
			s = s[:60] + fmt.Sprintf("… (%d bytes)", len(s))
		}
		out = append(out, s)
	}
	return out
}

// TestParseHostileHeaders: Parse reads a header beyond a megabyte and
// keeps at most 200 recipients, handing on up to 2,000 for filing.
func TestParseHostileHeaders(t *testing.T) {
	var rcpt []string
	for i := 0; i < 5000; i++ {
		rcpt = append(rcpt, fmt.Sprintf("p%d@x.example", i))
	}
	raw := "From: a@b.example\r\nTo: " + strings.Join(rcpt, ",\r\n ") + "\r\nSubject: " + strings.Repeat("s", 2<<20) +
		"\r\nMessage-ID: <m@b.example>\r\n\r\nbody\r\n"
	p := mailbox.Parse([]byte(raw))
	if p.From.Email != "a@b.example" || p.MessageID != "m@b.example" || len(p.Subject) != 1000 || strings.TrimSpace(p.Text) != "body" {
		t.Fatalf("from %q, id %q, subject of %d bytes, text %q, problem %q", p.From.Email, p.MessageID, len(p.Subject), p.Text, p.Problem)
	}
	if len(p.To) != 200 || len(p.More) != 1800 || p.More[0] != "p200@x.example" || !strings.Contains(p.Problem, "5000 recipients") {
		t.Fatalf("%d recipients kept, %d more, problem %q", len(p.To), len(p.More), p.Problem)
	}
}

// TestBatchOfCrowds: a batch of letters, each to 2,000 different people,
// looks up more addresses than one statement of either database may
// carry; it is filed all the same, each letter on its customer.
func TestBatchOfCrowds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		const letters = 20
		var customers []string
		for l := 0; l < letters; l++ {
			customers = append(customers, v.create(v.admin, "contacts", map[string]any{"first_name": "Customer", "last_name": fmt.Sprint(l),
				"emails": []any{fmt.Sprintf("r1999@l%d.example", l)}}))
			var rcpt []string
			for i := 0; i < 2000; i++ {
				rcpt = append(rcpt, fmt.Sprintf("r%d@l%d.example", i, l))
			}
			v.deliver("seller@example.com", "INBOX", fmt.Sprintf("From: seller@example.com\nTo: %s\nSubject: Crowd %d\nMessage-ID: <crowd-%d@example.com>\n\nHello.\n",
				strings.Join(rcpt, ",\n "), l, l))
		}
		m := v.connect(v.seller, mailbox.Input{Address: "seller@example.com", Username: "seller@example.com", Password: "app-password"})
		if n := v.sync(m); n != letters {
			t.Fatalf("the sync fetched %d letters, want %d", n, letters)
		}
		for l, id := range customers {
			if got := v.timeline("contact", id); len(got) != 1 || got[0] != fmt.Sprintf("Crowd %d", l) {
				t.Errorf("customer %d, last of 2,000 recipients: %q", l, got)
			}
		}
	})
}

// TestParseBrokenRecipients: one malformed entry in To does not lose the
// other recipients.
func TestParseBrokenRecipients(t *testing.T) {
	raw := "From: a@b.example\r\nTo: Good One <one@x.example>, Broken <not an address>, \"Doe, Jane\" <jane@x.example>, two@x.example\r\n" +
		"Cc: =?utf-8?q?Caf=C3=A9?= <cafe@x.example>\r\nSubject: s\r\n\r\nbody\r\n"
	p := mailbox.Parse([]byte(raw))
	var got []string
	for _, a := range p.To {
		got = append(got, a.Email)
	}
	if strings.Join(got, " ") != "one@x.example jane@x.example two@x.example" || len(p.Cc) != 1 || p.Cc[0].Name != "Café" {
		t.Fatalf("To %q, Cc %+v", got, p.Cc)
	}
}

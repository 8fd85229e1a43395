package main

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rapport-crm/rapport/internal/mailbox/imaptest"
)

// TestBrowserMailbox: Ada connects her mailbox on a local Dovecot in
// settings; a customer's letter waiting there appears on the customer's
// timeline, and opens with its scripts gone and its remote image held
// back until she asks; a letter that arrives later comes through IDLE
// (the poll is an hour). Screenshots in English and Russian.
func TestBrowserMailbox(t *testing.T) {
	if ok, why := imaptest.Available(); !ok {
		t.Skip(why)
	}
	signedIn(t, func(t *testing.T, s *server, b *browser, token string, db []string) {
		css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
		dove, err := imaptest.Start(t.TempDir(), map[string]string{"ada@example.com": "app-password"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(dove.Close)
		status, contact := s.call(t, token, "POST", "/api/v1/contacts", `{"first_name": "Grace", "last_name": "Hopper", "emails": ["grace@navy.example"]}`)
		if status != 201 {
			t.Fatalf("contact: %d %v", status, contact)
		}
		grace := contact["id"].(string)
		letter := func(id, subject, body string) []byte {
			return []byte(strings.ReplaceAll("From: Grace Hopper <grace@navy.example>\nTo: ada@example.com\nSubject: "+subject+
				"\nDate: "+time.Now().UTC().Format(time.RFC1123Z)+"\nMessage-ID: <"+id+"@navy.example>\nMIME-Version: 1.0\n"+
				"Content-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/plain; charset=utf-8\n\n"+body+
				"\n--b\nContent-Type: text/html; charset=utf-8\n\n<p>"+body+"</p><script>document.title='owned'</script>"+
				"<img alt=\"pixel\" src=\"https://tracker.example/p.gif\"><p><a href=\"https://navy.example/\">navy.example</a></p>\n--b--\n", "\n", "\r\n"))
		}
		if err := dove.Deliver("ada@example.com", "INBOX", letter("q1", "=?UTF-8?B?0JfQsNC/0YDQvtGBINGG0LXQvdGL?=", "We need 40 units by March.")); err != nil {
			t.Fatal(err)
		}
		// A server that holds the secret key syncs; the poll is long, so
		// what comes fast comes through IDLE.
		mail := startServer(t, db, "RAPPORT_SECRET_KEY=a secret for the browser test", "RAPPORT_MAIL_POLL=1h")
		b.do("the mailboxes page", chromedp.Navigate(mail.base+"/settings/mailboxes"), chromedp.WaitVisible(css(`#mb-address`)),
			chromedp.SendKeys(css(`#mb-address`), "ada@example.com"), chromedp.SendKeys(css(`#mb-host`), dove.Host),
			chromedp.SetValue(css(`#mb-security`), "plain"), chromedp.SendKeys(css(`#mb-port`), strconv.Itoa(dove.Port)),
			chromedp.SendKeys(css(`#mb-username`), "ada@example.com"), chromedp.SendKeys(css(`#mb-password`), "app-password"))
		b.shoot("mailbox-connect")
		b.do("connect", chromedp.Click(css(`form[action="/settings/mailboxes"] button[type="submit"]`)), chromedp.WaitVisible(css(`.notice-ok`)))
		if b.eval(`document.body.innerHTML.includes('app-password')`) {
			t.Fatal("the page shows the password")
		}
		for i := 0; !strings.Contains(b.text(`.people-table`), "Synced"); i++ {
			if i == 100 {
				t.Fatalf("the mailbox did not sync: %s\n%s", b.text(`.people-table`), mail.log.String())
			}
			time.Sleep(100 * time.Millisecond)
			b.do("reload", chromedp.Navigate(mail.base+"/settings/mailboxes"), chromedp.WaitVisible(css(`.people-table`)))
		}
		b.shoot("mailbox-synced")
		b.axeAtWidths("settings-mailboxes", true)

		// The mailbox's outgoing server, on its own page.
		b.do("the outgoing page", chromedp.Click(css(`.people-table a[href$="/outgoing"]`)), chromedp.WaitVisible(css(`#mb-smtp-host`)),
			chromedp.SendKeys(css(`#mb-smtp-host`), "smtp.example.com"), chromedp.SetValue(css(`#mb-smtp-security`), "starttls"))
		b.shoot("mailbox-outgoing")
		b.axeAtWidths("mailbox-outgoing", false)
		b.do("save the outgoing server", chromedp.Click(css(`form[action$="/outgoing"] button[type="submit"]`)), chromedp.WaitVisible(css(`.notice-ok`)))
		if got := b.text(`.people-table`); !strings.Contains(got, "Sends through smtp.example.com:587") {
			t.Errorf("the list reads %q", got)
		}

		b.do("the customer's timeline", chromedp.Navigate(mail.base+"/contacts/"+grace), chromedp.WaitVisible(css(`.entry-email`)))
		if got := b.text(`.entry-email`); !strings.Contains(got, "Запрос цены") || !strings.Contains(got, "We need 40 units") {
			t.Errorf("the timeline entry reads %q", got)
		}
		b.shoot("mailbox-timeline")
		b.do("open the letter", chromedp.Click(css(`.entry-email a.entry-title`)), chromedp.WaitVisible(css(`.mail-body`)))
		if b.eval(`document.title === 'owned'`) || b.eval(`document.querySelector('.mail-body script') !== null`) {
			t.Error("the letter's script ran or was kept")
		}
		if !b.eval(`document.querySelector('.mail-body img[alt="pixel"]') !== null && !document.querySelector('.mail-body img[alt="pixel"]').hasAttribute('src')`) {
			t.Error("the remote image was not held back")
		}
		if !b.eval(`document.querySelector('.mail-body a[href="https://navy.example/"]').target === '_blank'`) {
			t.Error("the link does not open in a new tab")
		}
		b.shoot("mail-letter")
		b.axeAtWidths("mail-letter", false)
		b.do("show the images", chromedp.Click(css(`a[href$="?images=1"]`)), chromedp.WaitVisible(css(`.mail-body img[src^="https://tracker.example"]`)))

		// A letter that arrives now comes through IDLE.
		if err := dove.Deliver("ada@example.com", "INBOX", letter("q2", "Order confirmed", "Please send the invoice.")); err != nil {
			t.Fatal(err)
		}
		for i := 0; ; i++ {
			b.do("the timeline again", chromedp.Navigate(mail.base+"/contacts/"+grace), chromedp.WaitVisible(css(`.entry-email`)))
			if strings.Contains(b.text(`#timeline-items`), "Order confirmed") {
				break
			}
			if i == 100 {
				t.Fatalf("the new letter did not come through IDLE:\n%s", mail.log.String())
			}
			time.Sleep(200 * time.Millisecond)
		}

		// In Russian.
		b.do("the mailboxes page again", chromedp.Navigate(mail.base+"/settings/mailboxes"), chromedp.WaitVisible(css(`.people-table`)))
		b.language("ru")
		if got := b.text(`h1`); got != "Почтовые ящики" {
			t.Errorf("the Russian title reads %q", got)
		}
		b.shoot("mailbox-synced-ru")
		b.do("the timeline in Russian", chromedp.Navigate(mail.base+"/contacts/"+grace), chromedp.WaitVisible(css(`.entry-email`)))
		b.shoot("mailbox-timeline-ru")
		b.do("the letter in Russian", chromedp.Click(css(`.entry-email a.entry-title`)), chromedp.WaitVisible(css(`.mail-body`)))
		b.shoot("mail-letter-ru")
		b.language("en")
	})
}

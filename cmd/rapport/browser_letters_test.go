package main

import (
	"mime"
	"net/mail"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/rapport-crm/rapport/internal/mail/mailtest"
)

// TestBrowserLetters writes a mail template in settings in two languages,
// sets a signature, and writes a letter from a contact's page: the letter
// comes out in the contact's language with their name and the signature,
// and, its subject changed by the writer, once sent reaches the mail
// server. It saves the screenshots
// mail-templates, mail-template, letter and letter-ru.
func TestBrowserLetters(t *testing.T) {
	smtp := mailtest.Start(t, mailtest.Options{})
	env := []string{"RAPPORT_SMTP_URL=smtp://" + smtp.Addr + "?security=plain", "RAPPORT_MAIL_FROM=crm@example.com"}
	signedInWith(t, env, func(t *testing.T, s *server, b *browser, token string, db []string) {
		css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
		before := len(smtp.Messages())
		status, body := s.call(t, token, "POST", "/api/v1/contacts", `{"first_name": "Ольга", "last_name": "Петрова", "language": "ru",
			"emails": [{"value": "olga@example.ru"}]}`)
		if status != 201 {
			t.Fatalf("a contact: %d %v", status, body)
		}
		contact := body["id"].(string)

		b.do("write a template", chromedp.Navigate(b.base+"/settings/mail-templates"), chromedp.Click(css(`#new-template`)),
			chromedp.WaitVisible(css(`#letter-name`)), chromedp.SendKeys(css(`#letter-name`), "Welcome"),
			chromedp.SendKeys(css(`#subject-en`), "Welcome, {{contact.first_name}}"),
			chromedp.SendKeys(css(`#body-en`), "Dear {{contact.full_name}},\nwelcome aboard."),
			chromedp.Click(css(`details[lang="ru"] > summary`)), chromedp.WaitVisible(css(`#subject-ru`)),
			chromedp.SendKeys(css(`#subject-ru`), "Добро пожаловать, {{contact.first_name}}"),
			chromedp.SendKeys(css(`#body-ru`), "{{contact.full_name}}, рады вам."))
		b.shoot("mail-template")
		b.do("save it", chromedp.Submit(css(`#letter-name`)), chromedp.WaitVisible(css(`table`)))
		if got := b.text("table"); !strings.Contains(got, "Welcome") || !strings.Contains(got, "Русский") {
			t.Errorf("the templates read %q", got)
		}
		b.shoot("mail-templates")

		b.do("set a signature", chromedp.Navigate(b.base+"/me/signature"), chromedp.WaitVisible(css(`#signature`)),
			chromedp.SendKeys(css(`#signature`), "Ada Lovelace\nAnalytical Engines"), chromedp.Submit(css(`#signature`)),
			chromedp.WaitVisible(css(`.notice-ok`)))

		b.do("write a letter", chromedp.Navigate(b.base+"/contacts/"+contact), chromedp.Click(css(`#write-letter`)),
			chromedp.WaitVisible(css(`#letter-template`)), chromedp.Click(css(`#letter-preview`)), chromedp.WaitVisible(css(`#letter-body`)))
		if got := b.text("#letter-body"); !strings.Contains(got, "Ольга Петрова, рады вам.") || !strings.Contains(got, "Analytical Engines") {
			t.Errorf("the letter reads %q", got)
		}
		// The template only starts the letter: the writer changes it.
		b.do("change the subject", chromedp.SetValue(css(`#compose-subject`), "Ждём вас, {{contact.first_name}}"),
			// The old preview goes, so that only the new page's shows.
			chromedp.Evaluate[chromedp.Void](`document.querySelector(".letter-preview").remove()`),
			chromedp.Click(css(`#compose-preview`)), chromedp.WaitVisible(css(`#letter-subject`)))
		if got := b.text("#letter-subject"); got != "Ждём вас, Ольга" {
			t.Errorf("the changed subject reads %q", got)
		}
		b.shoot("letter")
		b.do("send it", chromedp.Click(css(`#letter-send`)), chromedp.WaitVisible(css(`#letter-sent`)))
		waitFor(t, func() (bool, string) { return len(smtp.Messages()) > before, s.log.String() })
		m := smtp.Messages()[before]
		msg, err := mail.ReadMessage(strings.NewReader(string(m.Data)))
		if err != nil {
			t.Fatal(err)
		}
		subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		if m.To != "olga@example.ru" || subject != "Ждём вас, Ольга" || !strings.Contains(msg.Header.Get("Reply-To"), "ada@example.com") {
			t.Errorf("the mail server got a letter to %s: %q, %v", m.To, subject, msg.Header)
		}
		b.language("ru")
		b.shoot("letter-ru")
	})
}

package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// The letter page: a template starts the form with its text, merge
// fields and all, for the writer to change; a preview fills them in the
// contact's language with the signature; a subject or body missing, too
// long or naming no field is refused beside its field, keeping what was
// typed; a good letter is queued through the writer's mailbox.
func TestComposeLetter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		sam := a.signInAs("sam@example.com", access.RoleSalesperson)
		token := a.csrf()
		a.post("/settings/mailboxes", url.Values{"csrf_token": {token}, "address": {"sam@example.com"}, "host": {"imap.example.com"},
			"username": {"sam"}, "password": {"p"}, "smtp_host": {"smtp.example.com"}, "smtp_security": {"tls"}}).want(t, "a mailbox that sends", http.StatusSeeOther)
		a.post("/me/signature", url.Values{"csrf_token": {token}, "signature": {"Sam, Acme"}}).want(t, "a signature", http.StatusSeeOther)
		contact := a.create(actorOf(sam, access.RoleSalesperson), "contact", map[string]any{"first_name": "Ada", "last_name": "Lovelace",
			"emails": []any{"ada@acme.example"}})["id"].(string)
		template := a.template("Offer", `{"en": {"subject": "An offer for {{contact.first_name}}", "body": "Dear {{contact.full_name}},\nhere it is."}}`)

		start := "/letters/new?" + url.Values{"object": {"contact"}, "id": {contact}, "template": {template}}.Encode()
		a.get(start).want(t, "the form begun from the template", http.StatusOK, `value="An offer for {{contact.first_name}}"`,
			">Dear {{contact.full_name}},\nhere it is.</textarea>", `id="letter-body">Dear Ada Lovelace,`, "-- \nSam, Acme", `id="letter-send"`)

		form := url.Values{"csrf_token": {token}, "object": {"contact"}, "id": {contact}, "subject": {"  "}, "body": {"Dear {{contact.shoe_size}}"},
			"action": {"send"}}
		page := a.post("/letters", form)
		page.want(t, "no subject, an unknown field", http.StatusBadRequest, `id="subject-error"`, `id="body-error"`, "Dear {{contact.shoe_size}}")
		form.Set("subject", strings.Repeat("x", 501))
		form.Set("body", "Hello\x00")
		a.post("/letters", form).want(t, "too long, a bad character", http.StatusBadRequest, `id="subject-error"`, `id="body-error"`)
		form.Set("subject", "Hi {{contact.first_name}}")
		form.Set("body", "")
		form.Set("action", "preview")
		a.post("/letters", form).want(t, "no body in a preview", http.StatusBadRequest, `id="body-error"`)
		form.Set("body", "Dear {{contact.first_name}},\nthank you.")
		a.post("/letters", form).want(t, "the preview", http.StatusOK, `id="letter-subject">Hi Ada<`, "Dear Ada,\nthank you.\n\n-- \nSam, Acme")

		form.Set("action", "send")
		a.post("/letters", form).want(t, "sent", http.StatusSeeOther)
		var queued int
		if err := db.Reader().QueryRowContext(context.Background(), `SELECT count(*) FROM mailbox_outbox WHERE recipient = 'ada@acme.example'`).Scan(&queued); err != nil || queued != 1 {
			t.Errorf("%d letters queued through the mailbox (%v), want 1", queued, err)
		}
		a.get("/letters/new?reply=1").want(t, "an answer to no letter", http.StatusNotFound)
	})
}

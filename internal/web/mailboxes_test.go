package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// The mailboxes page: bad input answers 400 naming the field and keeps
// what was typed but the password; a salesperson connects a mailbox of
// their own but not a shared one; a letter that is not there, or not
// theirs, is 404.
func TestMailboxSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.signInAs("sam@example.com", access.RoleSalesperson)
		a.get("/settings/mailboxes").want(t, "the page", http.StatusOK, "Connect a mailbox", "Never file")
		if strings.Contains(a.get("/settings/mailboxes").body, `name="shared"`) {
			t.Error("a salesperson is offered shared mailboxes")
		}
		token := a.csrf()
		bad := a.post("/settings/mailboxes", url.Values{"csrf_token": {token}, "address": {"not an address"}, "host": {"imap.example.com:993"},
			"port": {"nine"}, "username": {"sam"}, "password": {"secret-typed"}, "security": {"tls"}})
		bad.want(t, "bad input", http.StatusBadRequest, `id="port-error"`, `value="imap.example.com:993"`)
		if strings.Contains(bad.body, "secret-typed") {
			t.Error("the refused form shows the password back")
		}
		bad = a.post("/settings/mailboxes", url.Values{"csrf_token": {token}, "address": {"not an address"}, "host": {"imap.example.com:993"},
			"username": {"sam"}, "security": {"carrier pigeon"}})
		bad.want(t, "bad fields", http.StatusBadRequest, `id="address-error"`, `id="host-error"`, `id="password-error"`, `id="security-error"`)
		a.post("/settings/mailboxes", url.Values{"csrf_token": {token}, "shared": {"on"}, "address": {"sales@example.com"},
			"host": {"imap.example.com"}, "username": {"sales"}, "password": {"p"}}).
			want(t, "a shared mailbox by a salesperson", http.StatusBadRequest)
		a.post("/settings/mailboxes/ignore", url.Values{"csrf_token": {token}, "ignore": {"family.example\nnot a domain"}}).
			want(t, "a bad ignore entry", http.StatusBadRequest, `id="ignore-error"`)
		a.post("/settings/mailboxes", url.Values{"csrf_token": {token}, "address": {"sam@example.com"}, "host": {"imap.example.com"},
			"username": {"sam"}, "password": {"p"}}).want(t, "a personal mailbox", http.StatusSeeOther)
		page := a.get("/settings/mailboxes?done=connected")
		page.want(t, "connected", http.StatusOK, "sam@example.com", "Waiting for the first sync")
		if strings.Contains(page.body, `value="p"`) {
			t.Error("the page shows the password")
		}
		a.get("/mail/1").want(t, "a letter that is not there", http.StatusNotFound)
		a.get("/mail/x").want(t, "a letter id that is not one", http.StatusNotFound)
		a.get("/mail/1/attachments/0").want(t, "an attachment of no letter", http.StatusNotFound)
	})
}

// The outgoing server of a mailbox: field errors name the SMTP fields on
// the connect form and on the mailbox's own page; once saved, the list
// says which server sends; an empty server stops the sending.
func TestMailboxOutgoing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		sam := a.signInAs("sam@example.com", access.RoleSalesperson)
		token := a.csrf()
		form := url.Values{"csrf_token": {token}, "address": {"sam@example.com"}, "host": {"imap.example.com"}, "username": {"sam"},
			"password": {"p"}, "smtp_host": {"smtp.example.com:465"}, "smtp_port": {"x"}, "smtp_security": {"tls"}}
		a.post("/settings/mailboxes", form).want(t, "bad SMTP fields", http.StatusBadRequest, `id="smtp_port-error"`, `value="smtp.example.com:465"`)
		form.Set("smtp_port", "")
		a.post("/settings/mailboxes", form).want(t, "a bad SMTP host", http.StatusBadRequest, `id="smtp_host-error"`)
		form.Set("smtp_host", "")
		form.Set("smtp_port", "587")
		a.post("/settings/mailboxes", form).want(t, "a port without a server", http.StatusBadRequest, `id="smtp_host-error"`)
		form.Set("smtp_host", "smtp.example.com")
		form.Set("smtp_port", "")
		a.post("/settings/mailboxes", form).want(t, "a mailbox that sends", http.StatusSeeOther)
		a.get("/settings/mailboxes").want(t, "the list", http.StatusOK, "Sends through smtp.example.com:465", `href="/settings/mailboxes/1/outgoing"`)

		a.get("/settings/mailboxes/1/outgoing").want(t, "the outgoing page", http.StatusOK, `value="smtp.example.com"`, `value="465"`)
		a.post("/settings/mailboxes/1/outgoing", url.Values{"csrf_token": {token}, "smtp_host": {"smtp.example.com"}, "smtp_security": {"plain"}}).
			want(t, "plain to another machine", http.StatusBadRequest, `id="smtp_security-error"`)
		a.post("/settings/mailboxes/1/outgoing", url.Values{"csrf_token": {token}, "smtp_host": {"mail.example.com"}, "smtp_security": {"starttls"}}).
			want(t, "another server", http.StatusSeeOther)
		a.get("/settings/mailboxes?done=outgoing").want(t, "saved", http.StatusOK, "Outgoing mail saved.", "Sends through mail.example.com:587")

		// A letter written on the contact's page goes through the mailbox.
		contact := a.create(actorOf(sam, access.RoleSalesperson), "contact", map[string]any{"first_name": "Ada", "emails": []any{"ada@acme.example"}})["id"].(string)
		template := a.template("Reply", `{"en": {"subject": "Re: engines", "body": "Here it is."}}`)
		compose := "/letters/new?" + url.Values{"object": {"contact"}, "id": {contact}, "template": {template}}.Encode()
		a.get(compose).want(t, "the letter", http.StatusOK, "sam@example.com, through your mailbox")
		a.post("/letters", url.Values{"csrf_token": {token}, "object": {"contact"}, "id": {contact}, "template": {template}}).
			want(t, "send", http.StatusSeeOther)
		var queued int
		if err := db.Reader().QueryRowContext(context.Background(), `SELECT count(*) FROM mailbox_outbox WHERE recipient = 'ada@acme.example'`).Scan(&queued); err != nil || queued != 1 {
			t.Errorf("%d letters queued through the mailbox (%v), want 1", queued, err)
		}
		a.post("/settings/mailboxes/1/outgoing", url.Values{"csrf_token": {token}, "smtp_host": {""}, "smtp_security": {"tls"}}).
			want(t, "no server", http.StatusSeeOther)
		if page := a.get("/settings/mailboxes"); strings.Contains(page.body, "Sends through") {
			t.Error("a mailbox without a server still sends")
		}
		a.get(compose).want(t, "the letter without a mailbox that sends", http.StatusOK, "The workspace&#39;s address", `id="no-server"`)
		a.get("/settings/mailboxes/2/outgoing").want(t, "no such mailbox", http.StatusNotFound)
	})
}

// template stores a mail template of contacts, as an administrator would
// write it, and returns its id.
func (a *app) template(name, versions string) string {
	a.t.Helper()
	var id int64
	now := a.db.Dialect.Time(time.Now())
	err := a.db.Tx(context.Background(), func(q store.Querier) error {
		return q.QueryRowContext(context.Background(), `INSERT INTO mail_templates (workspace_id, name, object, versions, created_at, updated_at)
			VALUES (1, ?, 'contact', ?, ?, ?) RETURNING id`, name, versions, now, now).Scan(&id)
	})
	if err != nil {
		a.t.Fatal(err)
	}
	return strconv.FormatInt(id, 10)
}

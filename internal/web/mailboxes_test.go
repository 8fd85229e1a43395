package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

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

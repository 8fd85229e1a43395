package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rapport-crm/rapport/internal/account"
)

// TestBrowserPeople drives the settings of people and security and the
// user's own page in Chromium: the users and a role's grid, changed and
// saved; two-factor enrolment with the QR code's secret, then signing out
// and in again with a code computed as an authenticator app would.
// Screenshots: settings-users, settings-roles, me.
func TestBrowserPeople(t *testing.T) {
	signedIn(t, func(t *testing.T, s *server, b *browser, token string, db []string) {
		css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
		fill(t, s, token)

		b.do("the users", chromedp.Navigate(b.base+"/settings/users"), chromedp.WaitVisible(css(`.people-users`)))
		if got := b.text(`.people-users tbody tr:first-child td`); got != "<script>window.pwned=1</script> Sam" {
			t.Errorf("the first user reads %q", got)
		}
		if b.eval(`window.pwned === 1`) {
			t.Error("a user's name ran as a script")
		}
		b.shoot("settings-users")
		b.do("the teams", chromedp.Navigate(b.base+"/settings/teams"), chromedp.WaitVisible(css(`.team-card`)))
		b.shoot("settings-teams")
		b.do("the audit trail", chromedp.Navigate(b.base+"/settings/audit"), chromedp.WaitVisible(css(`.audit`)))
		b.shoot("settings-audit")

		b.do("a role's grid", chromedp.Navigate(b.base+"/settings/roles/field_sales/edit"),
			chromedp.WaitVisible(css(`select[name="grant.contact.read"]`)),
			chromedp.SetValue(css(`select[name="grant.contact.read"]`), "team"),
			chromedp.SetValue(css(`select[name="grant.deal.update"]`), "none"),
			chromedp.Click(css(`.role-form button[type="submit"]`)), chromedp.WaitVisible(css(`.notice-ok`)))
		status, role := s.call(t, token, "GET", "/api/v1/roles/field_sales", "")
		grants, _ := role["grants"].(map[string]any)
		contact, _ := grants["contact"].(map[string]any)
		deal, _ := grants["deal"].(map[string]any)
		if status != http.StatusOK || contact["read"] != "team" || deal["update"] != "none" {
			t.Errorf("after saving the grid the role is %d %v", status, role)
		}
		b.do("open the field rules", chromedp.Click(css(`details.rules summary`)))
		b.shoot("settings-roles")

		b.do("my page", chromedp.Navigate(b.base+"/me"), chromedp.WaitVisible(css(`#me-zone`)),
			chromedp.Click(css(`form[action="/me/totp"] button`)), chromedp.WaitVisible(css(`svg.qr`)))
		secret := strings.TrimSpace(b.text(`#totp-secret`))
		b.shoot("me")
		code, err := account.TOTPCode(secret, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		b.do("confirm the code", chromedp.SendKeys(css(`#totp-code`), code),
			chromedp.Click(css(`form[action="/me/totp/confirm"] button`)), chromedp.WaitVisible(css(`form[action="/me/totp/off"]`)))

		b.do("sign out", chromedp.Click(css(`.me form[action="/signout"] button`)), chromedp.WaitVisible(css(`input[name="password"]`)))
		b.do("sign in with the password", chromedp.SendKeys(css(`#email`), "ada@example.com"),
			chromedp.SendKeys(css(`#password`), "analytical-engine"), chromedp.Click(css(`button[type="submit"].primary`)),
			chromedp.WaitVisible(css(`#code`)))
		// The code of enrolment is spent; the app's next one is good too.
		next, _ := account.TOTPCode(secret, time.Now().Add(30*time.Second))
		b.do("and the code", chromedp.SendKeys(css(`#code`), next), chromedp.Click(css(`button[type="submit"].primary`)),
			chromedp.WaitVisible(css(`.nav`)))
		b.do("signed in again", chromedp.Navigate(b.base+"/me"), chromedp.WaitVisible(css(`form[action="/me/totp/off"]`)))

		b.do("Russian and Moscow time", chromedp.SetValue(css(`#me-language`), "ru"), chromedp.SetValue(css(`#me-zone`), "Europe/Moscow"),
			chromedp.Click(css(`form[action="/me"] button[type="submit"]`)), chromedp.WaitVisible(css(`.notice-ok`)))
		if got := b.text("h1"); got != "Моя учётная запись" {
			t.Errorf("after choosing Russian the page is headed %q", got)
		}
		b.shoot("me-ru")
	})
}

// fill makes, through the API, a salesperson whose name carries a script,
// a team and a role of the workspace's own.
func fill(t *testing.T, s *server, token string) {
	t.Helper()
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/api/v1/teams", `{"name": "North"}`},
		{"POST", "/api/v1/users", `{"email": "sam@example.com", "name": "<script>window.pwned=1</script> Sam",
			"password": "a long secret", "role": "salesperson"}`},
		{"POST", "/api/v1/roles", `{"name": "field_sales", "label": "Field sales",
			"grants": {"contact": {"read": "own", "create": "own", "update": "own"}, "deal": {"read": "own", "update": "own"}},
			"fields": {"contact": {"phones": "read_only"}}}`},
	} {
		if status, body := s.call(t, token, c.method, c.path, c.body); status >= 300 {
			t.Fatalf("%s %s: %d %v", c.method, c.path, status, body)
		}
	}
}

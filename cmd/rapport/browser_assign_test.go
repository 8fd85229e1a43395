package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserAssignment: an administrator sets up assignment rules on the
// settings screen (a refused rule names its field), orders them, picks a
// fallback user and a day off; then requests and contacts arriving
// through the real API go to the team in turn, and the contact's
// timeline says which rule gave it to whom. In English and in Russian.
func TestBrowserAssignment(t *testing.T) {
	signedIn(t, func(t *testing.T, s *server, b *browser, token string, db []string) {
		css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
		_, me := s.call(t, token, "GET", "/api/v1/me", "")
		ada, _ := me["id"].(string)
		if ada == "" {
			t.Fatalf("me: %v", me)
		}
		status, team := s.call(t, token, "POST", "/api/v1/teams", `{"name": "Poland desk"}`)
		if status != 201 {
			t.Fatalf("team: %d %v", status, team)
		}
		teamID := team["id"].(string)
		var members []string
		for _, name := range []string{"Jan", "Ewa"} {
			status, u := s.call(t, token, "POST", "/api/v1/users", `{"email": "`+strings.ToLower(name)+`@example.com", "name": "`+name+
				` Kowalski", "password": "correct horse battery", "role": "salesperson", "team_id": "`+teamID+`"}`)
			if status != 201 {
				t.Fatalf("user: %d %v", status, u)
			}
			members = append(members, u["id"].(string))
		}

		b.do("the empty rules", chromedp.Navigate(s.base+"/settings/assignment"), chromedp.WaitVisible(css(`#rule-form`)))
		b.shoot("assign-empty")

		// A saved form comes back with a notice; the one from the last save
		// goes first, so that waiting for the notice waits for the new page.
		clearNotice := func() { b.eval(`document.querySelectorAll('p.notice-ok').forEach(e => e.remove()) || true`) }
		// A one-person rule without its person is refused under the field.
		b.do("a rule without its person", chromedp.SendKeys(css(`#rule-name`), "Everyone else"),
			chromedp.SetValue(css(`#rule-method`), "user"), chromedp.Click(css(`#rule-form button[type="submit"]`)),
			chromedp.WaitVisible(css(`#user_id-error`)))
		if got := b.text(`#user_id-error`); got == "" {
			t.Error("the refused rule names no problem under its person")
		}
		if !b.eval(`document.querySelector('#rule-name').value === 'Everyone else'`) {
			t.Error("the refused form lost what was typed")
		}
		b.shoot("assign-refused")
		clearNotice()
		b.do("the person picked", chromedp.SetValue(css(`#rule-user`), ada), chromedp.Click(css(`#rule-form button[type="submit"]`)),
			chromedp.WaitVisible(css(`p.notice-ok`)))

		// The team rule, with office hours and a cap, added second.
		b.do("the team rule", chromedp.SendKeys(css(`#rule-name`), "Poland"), chromedp.SendKeys(css(`#rule-territories`), "PL, Mazowieckie"),
			chromedp.SetValue(css(`#rule-method`), "round_robin"), chromedp.SetValue(css(`#rule-team`), teamID),
			chromedp.Click(css(`input[name="objects"][value="inbox"]`)), chromedp.Click(css(`input[name="objects"][value="contact"]`)))
		for _, d := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
			b.do("day "+d, chromedp.Click(css(`input[name="days"][value="`+d+`"]`)))
		}
		clearNotice()
		b.do("hours and cap", chromedp.SetValue(css(`#rule-from`), "00:00"), chromedp.SetValue(css(`#rule-to`), "23:59"),
			chromedp.SendKeys(css(`#rule-cap`), "50"), chromedp.Click(css(`#rule-form button[type="submit"]`)),
			chromedp.WaitVisible(css(`p.notice-ok`)))
		if got := b.text(`.assign-rules tbody tr:nth-child(2) strong`); got != "Poland" {
			t.Fatalf("the second rule is %q", got)
		}
		// Moved to the top: it is tried first.
		clearNotice()
		b.do("move it up", chromedp.Click(css(`.assign-rules tbody tr:nth-child(2) form[action$="/up"] button`)),
			chromedp.WaitVisible(css(`p.notice-ok`)))
		if got := b.text(`.assign-rules tbody tr:nth-child(1) strong`); got != "Poland" {
			t.Fatalf("after moving up, the first rule is %q", got)
		}
		clearNotice()
		b.do("the fallback user", chromedp.SetValue(css(`#fallback-user`), ada),
			chromedp.Click(css(`form[action="/settings/assignment/fallback"] button`)), chromedp.WaitVisible(css(`p.notice-ok`)))
		// A day off ending before it starts is refused under its field.
		b.do("a backwards day off", chromedp.SetValue(css(`#off-user`), ada), chromedp.SetValue(css(`#off-from`), "2030-12-31"),
			chromedp.SetValue(css(`#off-to`), "2030-12-24"), chromedp.Click(css(`form[action="/settings/assignment/days-off"] button`)),
			chromedp.WaitVisible(css(`#off_to-error`)))
		clearNotice()
		b.do("a day off", chromedp.SetValue(css(`#off-to`), "2031-01-02"),
			chromedp.Click(css(`form[action="/settings/assignment/days-off"] button`)), chromedp.WaitVisible(css(`p.notice-ok`)))
		b.shoot("assign-rules")

		// Through the real API: requests from a customer in Poland go to
		// the team in turn; a contact that names its owner keeps it.
		status, olga := s.call(t, token, "POST", "/api/v1/contacts", `{"first_name": "Olga", "owner_id": "`+ada+`",
			"emails": ["olga@example.pl"], "address": {"country": "PL"}}`)
		if status != 201 || olga["owner_id"] != ada {
			t.Errorf("a contact naming its owner: %d, owned by %v, want %s", status, olga["owner_id"], ada)
		}
		got := map[string]int{}
		for i := range 6 {
			status, req := s.call(t, token, "POST", "/api/v1/inbox", `{"name": "Olga", "email": "olga@example.pl", "message": "Order `+
				string(rune('A'+i))+`"}`)
			if status != 201 {
				t.Fatalf("inbox: %d %v", status, req)
			}
			got[req["assigned_user_id"].(string)]++
		}
		if got[members[0]] != 3 || got[members[1]] != 3 {
			t.Errorf("six requests went to %v, want three to each of %v", got, members)
		}
		// A request from nowhere in particular goes to the next rule.
		if status, req := s.call(t, token, "POST", "/api/v1/inbox", `{"name": "Someone", "message": "Hi"}`); status != 201 || req["assigned_user_id"] != ada {
			t.Errorf("a request from elsewhere: %d, assigned to %v, want %s", status, req["assigned_user_id"], ada)
		}
		status, contact := s.call(t, token, "POST", "/api/v1/contacts", `{"first_name": "Zofia", "address": {"country": "PL"}}`)
		if status != 201 || contact["owner_id"] != members[0] {
			t.Errorf("a contact in Poland: %d, owned by %v, want %s", status, contact["owner_id"], members[0])
		}
		status, bad := s.call(t, token, "PUT", "/api/v1/assignment-rules", `{"rules": [{"name": "X", "method": "round_robin", "team_id": "999"},
			{"name": "Y", "method": "user", "user_id": "`+ada+`", "hours": {"days": ["mon"], "from": "9am", "to": "18:00"}}]}`)
		if text, _ := json.Marshal(bad); status != 400 || !strings.Contains(string(text), `"rules[0].team_id"`) || !strings.Contains(string(text), `"rules[1].hours.from"`) {
			t.Errorf("bad rules: %d %s, want 400 naming rules[0].team_id and rules[1].hours.from", status, text)
		}

		b.do("the contact's timeline", chromedp.Navigate(s.base+"/contacts/"+contact["id"].(string)),
			chromedp.WaitVisible(css(`.entry-assigned .entry-title`)))
		if got := b.text(`.entry-assigned .entry-title`); !strings.Contains(got, "Jan Kowalski") || !strings.Contains(got, "Poland") {
			t.Errorf("the timeline says %q, want Jan Kowalski and the rule Poland", got)
		}
		b.shoot("assign-timeline")

		b.language("ru")
		b.do("the rules in Russian", chromedp.Navigate(s.base+"/settings/assignment"), chromedp.WaitVisible(css(`#rule-form`)))
		if got := b.text(`h1`); got != "Правила распределения" {
			t.Errorf("the Russian title is %q", got)
		}
		b.shoot("assign-rules-ru")
		b.do("the timeline in Russian", chromedp.Navigate(s.base+"/contacts/"+contact["id"].(string)),
			chromedp.WaitVisible(css(`.entry-assigned .entry-title`)))
		if got := b.text(`.entry-assigned .entry-kind`); got != "Назначено" {
			t.Errorf("the Russian entry is %q", got)
		}
		b.shoot("assign-timeline-ru")
		b.language("en")
	})
}

package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserGoals sets two goals on the goals page, a company's and Ada's
// own, on calls, and sees their progress on the dashboard and on My day.
// It saves the screenshots goals, goals-dashboard and goals-myday.
func TestBrowserGoals(t *testing.T) {
	signedIn(t, func(t *testing.T, s *server, b *browser, token string, db []string) {
		css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
		next := func(what string, steps ...chromedp.Action[chromedp.Void]) {
			t.Helper()
			b.eval(`(document.body.dataset.old = "1") === "1"`)
			b.do(what, append(steps, chromedp.WaitNotPresent(css(`body[data-old]`)), chromedp.WaitVisible(css(`#main`)))...)
		}
		// One call made today counts toward both goals.
		now := time.Now().UTC().Format(time.RFC3339)
		if status, body := s.call(t, token, "POST", "/api/v1/calls", `{"direction": "outbound", "phone": "415 555 2671", "started_at": "`+now+`"}`); status != 201 {
			t.Fatalf("a call: %d %v", status, body)
		}
		b.do("open the goals", chromedp.Navigate(b.base+"/goals"), chromedp.WaitVisible(css(`#add-metric`)))
		setGoal := func(who string) {
			t.Helper()
			if !b.eval(`(() => { const m = document.querySelector("#add-metric"); m.value = "calls";
				const f = document.querySelector("#add-for"); const o = [...f.options].find((o) => o.text === ` + "`" + who + "`" + `);
				if (!o) return false; f.value = o.value; return true })()`) {
				t.Fatalf("no choice %q in the goal's form", who)
			}
			next("set a goal for "+who, chromedp.SendKeys(css(`#add-target`), "4"), chromedp.Submit(css(`#add-target`)))
		}
		setGoal("Whole company")
		setGoal("Ada Lovelace")
		if got := b.text(".goals-block"); strings.Count(got, "1 / 4") != 2 {
			t.Errorf("the goals page shows %q", got)
		}
		b.shoot("goals")

		next("open the dashboard", chromedp.Navigate(b.base+"/dashboard"))
		if got := b.text("#main"); strings.Count(got, "1 / 4") != 2 || !strings.Contains(got, "3 to go") {
			t.Errorf("the dashboard's goals read %q", got)
		}
		if got := b.text("#kpi-churn_rate"); !strings.Contains(got, "—") {
			t.Errorf("the churn slot reads %q", got)
		}
		b.shoot("goals-dashboard")

		next("open My day", chromedp.Navigate(b.base+"/"))
		got := b.text(".goals-block")
		if strings.Count(got, "1 / 4") != 1 || !strings.Contains(got, "Ada Lovelace") || strings.Contains(got, "Whole company") {
			t.Errorf("My day's goals read %q", got)
		}
		b.shoot("goals-myday")

		// An administrator's spend per channel, and a digest of two
		// indicators.
		next("open the spend", chromedp.Navigate(b.base+"/settings/spend"))
		next("enter a month's spend", chromedp.SendKeys(css(`#add-amount`), "1200"), chromedp.Submit(css(`#add-amount`)))
		if got := b.text(".set-card table"); !strings.Contains(got, "1,200.00") {
			t.Errorf("the spend reads %q", got)
		}
		b.shoot("goals-spend")
		next("open the user's page", chromedp.Navigate(b.base+"/me"))
		next("open the digest from there", chromedp.Click(css(`a[href="/me/digest"]`)))
		next("choose two indicators", chromedp.Click(css(`input[value="kpi:close_rate"]`)), chromedp.Click(css(`input[name="indicator"][value^="goal:"]`)),
			chromedp.Submit(css(`#digest-hour`)))
		if !b.eval(`document.querySelectorAll('input[name="indicator"]:checked').length === 2`) {
			t.Error("the digest did not keep its two indicators")
		}
		b.shoot("goals-digest")
	})
}

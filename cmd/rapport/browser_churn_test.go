package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserChurnRate fills the workspace with demo history, fits the
// models from the scores settings, and finds the dashboard's churn rate
// as a percentage with the date it was counted, in English and in
// Russian. It saves the screenshots churn-dashboard and
// churn-dashboard-ru.
func TestBrowserChurnRate(t *testing.T) {
	signedIn(t, func(t *testing.T, s *server, b *browser, token string, db []string) {
		css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
		next := func(what string, steps ...chromedp.Action[chromedp.Void]) {
			t.Helper()
			b.eval(`(document.body.dataset.old = "1") === "1"`)
			b.do(what, append(steps, chromedp.WaitNotPresent(css(`body[data-old]`)), chromedp.WaitVisible(css(`#main`)))...)
		}
		// Demo history spans years: won deals long ago, activities since.
		rapport(t, append([]string{"demo", "--contacts", "400"}, db...)...)
		next("open the scores settings", chromedp.Navigate(b.base+"/settings/scores"))
		next("fit the models", chromedp.Click(css(`form[action="/settings/scores/train"] button`)))
		next("open the dashboard", chromedp.Navigate(b.base+"/dashboard"))
		rate := regexp.MustCompile(`^Churn rate\s*\d{1,3}\.\d %\s*as of \S`)
		if got := strings.TrimSpace(b.text("#kpi-churn_rate")); !rate.MatchString(got) {
			t.Errorf("the churn rate's tile reads %q", got)
		}
		b.shoot("churn-dashboard")

		b.do("speak Russian", chromedp.SetValue(css(`#lang-pick`), "ru"),
			chromedp.WaitVisible(css(`html[lang="ru"]`)))
		next("open the dashboard in Russian", chromedp.Navigate(b.base+"/dashboard"))
		if got := b.text("#kpi-churn_rate"); !strings.Contains(got, "Отток клиентов") || !strings.Contains(got, "на ") {
			t.Errorf("the Russian churn rate's tile reads %q", got)
		}
		b.shoot("churn-dashboard-ru")
	})
}

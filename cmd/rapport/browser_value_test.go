package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserValue opens the customer-value report in Chromium: first
// before anything was computed (it says so and offers to compute), then
// over demo data (won deals of a hundred contacts over the past months,
// which the demo command scores), with its segment bars, top customers and
// fitted parameters, a top customer's page with its value fields, the
// companies' report, and Russian, with axe-core's accessibility checks; screenshots at
// desktop width and at 375 px. The API's report agrees with the page.
func TestBrowserValue(t *testing.T) {
	signedIn(t, func(t *testing.T, s *server, b *browser, token string, db []string) {
		css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
		b.do("the report before any computation", chromedp.Navigate(s.base+"/reports/customers"), chromedp.WaitVisible(css(`.empty`)))
		b.shoot("value-empty")

		rapport(t, append([]string{"demo", "--contacts", "100", "--deals", "2000", "--activities", "-1"}, db...)...)
		b.do("the report of contacts", chromedp.Navigate(s.base+"/reports/customers"), chromedp.WaitVisible(css(`#chart-segments`)))
		page := b.text(`#main`)
		status, rep := s.call(t, token, "GET", "/api/v1/reports/customers", "")
		if status != http.StatusOK {
			t.Fatalf("GET /api/v1/reports/customers: %d %v", status, rep)
		}
		fit, _ := rep["fit"].(map[string]any)
		if fit == nil || fit["status"] != "fitted" {
			t.Fatalf("the demo's contacts should be enough for a prediction: %v", rep["fit"])
		}
		top, _ := rep["top"].([]any)
		if len(top) == 0 {
			t.Fatal("the report lists no top customers")
		}
		first := top[0].(map[string]any)["name"].(string)
		if !strings.Contains(page, first) || !strings.Contains(page, "Champions") {
			t.Errorf("the page lacks the top customer %q or the champions:\n%.1500s", first, page)
		}
		if !b.eval(`document.querySelectorAll('#chart-segments ~ * svg.bar, .chart-table svg.bar rect').length > 0`) {
			t.Error("the segments have no bars")
		}
		b.shoot("value-contacts")
		b.axeAtWidths("value-contacts-en", true)

		b.do("the top customer's page", chromedp.Click(css(`#top-customers ~ * tbody a, .value-table tbody th a`)),
			chromedp.WaitVisible(css(`#main h1`)))
		if got := b.text(`#main`); !strings.Contains(got, "Customer value") || !strings.Contains(got, "Predicted value (12 months)") {
			t.Errorf("the contact's page lacks the customer value fields:\n%.1500s", got)
		}
		b.shoot("value-record")

		b.do("back to the report", chromedp.Navigate(s.base+"/reports/customers"), chromedp.WaitVisible(css(`#chart-segments`)))
		b.do("the companies' report", chromedp.Click(css(`nav.scopes a[href$="companies"]`)),
			chromedp.WaitVisible(css(`nav.scopes a[href$="companies"][aria-current="page"]`)))
		b.shoot("value-companies")

		b.do("the report in Russian", chromedp.Navigate(s.base+"/reports/customers"), chromedp.WaitVisible(css(`#chart-segments`)),
			chromedp.SetValue(css(`#lang-pick`), "ru"), chromedp.WaitVisible(css(`html[lang="ru"] #chart-segments`)))
		if got := b.text(`h1`); got != "Ценность клиентов" {
			t.Errorf("in Russian, the title reads %q", got)
		}
		b.shoot("value-ru")
		b.axeAtWidths("value-contacts-ru", false)

		// Last, as its redirect must not race a navigation of the test's.
		b.do("recompute now", chromedp.Click(css(`button.value-refresh`)), chromedp.WaitVisible(css(`.notice-ok`)))
	})
}

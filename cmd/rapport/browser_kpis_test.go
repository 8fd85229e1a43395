package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserKPIsReportFilter opens the revenue report with the deals
// list's filter in its address: it counts the pears only, says so, keeps
// the filter through the period form, and drops it by its link. It saves
// the screenshot kpis-report-filter.
func TestBrowserKPIsReportFilter(t *testing.T) {
	signedIn(t, func(t *testing.T, s *server, b *browser, token string, db []string) {
		css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
		create := func(path, body string) string {
			t.Helper()
			status, rec := s.call(t, token, "POST", path, body)
			if status != http.StatusCreated {
				t.Fatalf("POST %s: %d %v", path, status, rec)
			}
			return rec["id"].(string)
		}
		pipeline := create("/api/v1/pipelines", `{"name": "Fruit"}`)
		stage := create("/api/v1/stages", `{"pipeline_id": "`+pipeline+`", "name": "Picked"}`)
		for i, title := range []string{"Apples", "Pears"} {
			create("/api/v1/deals", fmt.Sprintf(`{"title": %q, "stage_id": %q, "status": "won", "value": {"amount": %d, "currency": "EUR"}}`,
				title, stage, 777700-i*765400))
		}
		q := url.Values{"by": {"month"}, "f0": {"title"}, "o0": {"contains"}, "v0": {"Pear"}}
		b.do("open the filtered report", chromedp.Navigate(b.base+"/reports/revenue?"+q.Encode()), chromedp.WaitVisible(css(`#report-deal-filter`)))
		if got := b.text("#report-deal-filter"); !strings.Contains(got, "Only the deals") {
			t.Errorf("the filter's notice reads %q", got)
		}
		if got := b.text("#main"); !strings.Contains(got, "123.00") || strings.Contains(got, "7,777.00") {
			t.Errorf("the filtered report reads %q", got)
		}
		b.shoot("kpis-report-filter")
		// The link loads the whole report as a new page: its #main is read
		// once that page has it, not while the old one is going.
		b.do("drop the filter", chromedp.Click(css(`#report-deal-filter a`)), chromedp.WaitNotPresent(css(`#report-deal-filter`)),
			chromedp.Poll[chromedp.Void](`document.readyState === "complete" && !!document.querySelector("#main")`))
		if got := b.text("#main"); !strings.Contains(got, "7,900.00") {
			t.Errorf("the whole report reads %q", got)
		}
	})
}

package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserReports opens the reports hub and every report in Chromium
// after a few deals went through a pipeline (one moved on, one won, one
// lost), checks that each page shows its figures, and saves each at
// desktop and phone widths, the summary in Russian too.
func TestBrowserReports(t *testing.T) {
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
		patch := func(path, body string) {
			t.Helper()
			if status, rec := s.call(t, token, "PATCH", path, body); status != http.StatusOK {
				t.Fatalf("PATCH %s: %d %v", path, status, rec)
			}
		}
		pipeline := create("/api/v1/pipelines", `{"name": "New <b>customers</b>"}`)
		var stages []string
		for _, name := range []string{"Lead in", "Qualified", "Proposal"} {
			stages = append(stages, create("/api/v1/stages", `{"pipeline_id": "`+pipeline+`", "name": "`+name+`"}`))
		}
		reason := create("/api/v1/loss_reasons", `{"name": "Price too high"}`)
		var deals []string
		for i, title := range []string{"Difference engine", "Jacquard loom", "Mill", "Store"} {
			deals = append(deals, create("/api/v1/deals", fmt.Sprintf(`{"title": %q, "stage_id": %q, "value": {"amount": %d, "currency": "EUR"}}`,
				title, stages[0], (i+1)*125000)))
		}
		patch("/api/v1/deals/"+deals[0], `{"version": 1, "stage_id": "`+stages[1]+`"}`)
		patch("/api/v1/deals/"+deals[0], `{"version": 2, "stage_id": "`+stages[2]+`"}`)
		patch("/api/v1/deals/"+deals[0], `{"version": 3, "status": "won"}`)
		patch("/api/v1/deals/"+deals[1], `{"version": 1, "stage_id": "`+stages[2]+`"}`)
		patch("/api/v1/deals/"+deals[1], `{"version": 2, "status": "lost", "loss_reason_id": "`+reason+`"}`)
		create("/api/v1/calls", `{"direction": "outbound", "phone": "+442079460958", "started_at": "`+time.Now().UTC().Format(time.RFC3339)+`", "record_type": "deal", "record_id": "`+deals[2]+`"}`)

		b.do("phone width", chromedp.EmulateViewport(375, 812))
		for _, name := range []string{"revenue", "employees", "funnel"} {
			b.do("open the "+name+" on a phone", chromedp.Navigate(s.base+"/reports/"+name), chromedp.WaitVisible(css(`.report-table`)))
			if b.eval(`document.documentElement.scrollWidth > document.documentElement.clientWidth`) {
				t.Errorf("the %s report is wider than a phone", name)
			}
		}
		b.do("desktop width", chromedp.EmulateViewport(1280, 860))
		b.do("open the hub", chromedp.Navigate(s.base+"/reports"), chromedp.WaitVisible(css(`.report-hub`)))
		b.shoot("reports-hub")
		for _, c := range []struct{ name, sel, want string }{
			{"summary", `.tiles`, "€1,250.00"},
			{"funnel", `#report-funnel`, "100.0 %"},
			{"cycle", `#report-cycle-deals`, "Won"},
			{"revenue", `#report-revenue`, "€1,250.00"},
			{"employees", `#report-employees`, "Ada Lovelace"},
			{"events", `.report-filter`, "Events"},
		} {
			b.do("open the "+c.name, chromedp.Navigate(s.base+"/reports/"+c.name), chromedp.WaitVisible(css(c.sel)))
			if got := b.text("#main"); !strings.Contains(got, c.want) {
				t.Errorf("the %s report does not show %q:\n%.1500s", c.name, c.want, got)
			}
			b.shoot("reports-" + c.name)
		}
		b.do("the funnel of the pipeline", chromedp.Navigate(s.base+"/reports/funnel?pipeline="+pipeline), chromedp.WaitVisible(css(`#report-funnel-lost`)))
		if got := b.text("#report-funnel"); got != "New <b>customers</b>" {
			t.Errorf("the pipeline's name reads %q: markup in it must show as text", got)
		}
		if b.eval(`document.documentElement.scrollWidth > document.documentElement.clientWidth`) {
			t.Error("the funnel is wider than the window")
		}
		if got := b.text("#report-funnel-lost + .table-wrap"); !strings.Contains(got, "Price too high") {
			t.Errorf("the lost deals by stage read %q", got)
		}
		b.do("a period that ends before it starts", chromedp.Navigate(s.base+"/reports/summary?from=2026-11-10&to=2026-11-01"),
			chromedp.WaitVisible(css(`#to-error`)))
		b.shoot("reports-bad-period")
		b.do("Russian", chromedp.Navigate(s.base+"/reports/summary"), chromedp.WaitVisible(css(`.tiles`)))
		b.do("choose Russian", chromedp.SetValue(css(`#lang-pick`), "ru"), chromedp.WaitVisible(css(`html[lang="ru"] .tiles`)))
		b.shoot("reports-summary-ru")
	})
}

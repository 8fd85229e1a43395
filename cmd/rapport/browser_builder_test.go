package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserBuilder builds two reports in the report builder: deals
// counted by stage (a funnel), and the sum of their value by owner by
// month (a line); saves the second, opens it again from the saved
// reports, and downloads it as CSV. Screenshots "builder-stage" and
// "builder-owner-month".
func TestBrowserBuilder(t *testing.T) {
	signedIn(t, func(t *testing.T, s *server, b *browser, token string, db []string) {
		css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
		must := func(path, body string) string {
			t.Helper()
			status, got := s.call(t, token, "POST", path, body)
			if status != 201 {
				t.Fatalf("POST %s: %d %v", path, status, got)
			}
			return fmt.Sprint(got["id"])
		}
		pipeline := must("/api/v1/pipelines", `{"name": "Sales"}`)
		var stages []string
		for i, n := range []string{"Lead", "Offer", "Won"} {
			stages = append(stages, must("/api/v1/stages", fmt.Sprintf(`{"name": %q, "pipeline_id": %q, "position": %d}`, n, pipeline, i)))
		}
		for _, d := range []struct {
			stage      int
			amount     int
			date, name string
		}{{0, 1000, "2026-01-10", "A"}, {0, 2000, "2026-02-03", "B"}, {1, 500, "2026-02-20", "C"}, {2, 4000, "2026-03-05", "D"}, {0, 250, "2026-03-09", "E"}} {
			must("/api/v1/deals", fmt.Sprintf(`{"title": %q, "pipeline_id": %q, "stage_id": %q, "value": {"amount": %d, "currency": "EUR"},
				"expected_close_date": %q}`, d.name, pipeline, stages[d.stage], d.amount, d.date))
		}
		choose := func(sel, value string) chromedp.Action[chromedp.Void] {
			return chromedp.Evaluate[chromedp.Void](`(() => { const el = document.querySelector(` + quoteJS(sel) + `);
				el.value = ` + quoteJS(value) + `; el.dispatchEvent(new Event("change", {bubbles: true})); })()`)
		}

		b.do("open the builder", chromedp.Navigate(s.base+"/reports/builder"), chromedp.WaitVisible(css(`#report-form`)))
		b.do("deals by stage", choose("#rb-object", "deals"), chromedp.WaitVisible(css(`.report-table`)),
			choose("#rb-g1", "stage_id"), chromedp.WaitReady(css(`#rb-g1 option[value="stage_id"][selected]`)),
			chromedp.SetValue(css(`#rb-chart`), "funnel"), chromedp.Click(css(`.builder-apply .primary`)),
			chromedp.WaitReady(css(`#rb-chart option[value="funnel"][selected]`)))
		if rows := b.text(`.report-table tbody`); !strings.Contains(rows, "Lead\t3") && !strings.Contains(rows, "Lead 3") {
			if !strings.Contains(rows, "Lead") || !strings.Contains(rows, "3") || strings.Index(rows, "Lead") > strings.Index(rows, "Won") {
				t.Errorf("by stage: %q", rows)
			}
		}
		if !b.eval(`document.querySelectorAll(".builder-chart rect").length === 3 && !!document.querySelector(".builder-chart title")`) {
			t.Error("the funnel is not drawn with a bar per stage and a title")
		}
		b.shoot("builder-stage")

		b.do("sum of value by owner by month", choose("#rb-g1", "owner_id"), chromedp.WaitReady(css(`#rb-g1 option[value="owner_id"][selected]`)),
			choose("#rb-g2", "expected_close_date"), chromedp.WaitVisible(css(`#rb-b2`)),
			choose("#rb-m1", "sum"), chromedp.WaitVisible(css(`#rb-mf1`)),
			chromedp.SetValue(css(`#rb-mf1`), "value"), chromedp.SetValue(css(`#rb-chart`), "line"),
			chromedp.Click(css(`.builder-apply .primary`)), chromedp.WaitReady(css(`#rb-chart option[value="line"][selected]`)))
		rows := b.text(`.report-table tbody`)
		for _, want := range []string{"Ada Lovelace", "2026-01", "2026-02", "2026-03", "42.50", "25.00"} {
			if !strings.Contains(rows, want) {
				t.Errorf("by owner by month: no %q in %q", want, rows)
			}
		}
		if !b.eval(`document.querySelectorAll(".builder-chart circle").length === 3`) {
			t.Error("the line has not a point per month")
		}
		b.shoot("builder-owner-month")

		b.do("save it", chromedp.SendKeys(css(`#report-name`), "Value by owner"), chromedp.SetValue(css(`#report-visibility`), "workspace"),
			chromedp.Click(css(`.save-view button`)), chromedp.WaitVisible(css(`.saved-reports a[aria-current="true"]`)))
		if h := b.text("h1"); h != "Value by owner" {
			t.Errorf("the saved report is headed %q", h)
		}
		b.do("open it again", chromedp.Navigate(s.base+"/reports/builder"), chromedp.WaitVisible(css(`.saved-reports a`)),
			chromedp.Click(css(`.saved-reports a`)), chromedp.WaitVisible(css(`.report-table`)))
		if rows := b.text(`.report-table tbody`); !strings.Contains(rows, "42.50") {
			t.Errorf("the saved report shows %q", rows)
		}
		csv, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`(() => { const a = document.querySelector('.report-exports a[href*="format=csv"]');
			const x = new XMLHttpRequest(); x.open("GET", a.href, false); x.send(); return x.status + " " + x.responseText; })()`))
		if err != nil || !strings.HasPrefix(csv, "200 Owner,") || !strings.Contains(csv, "Ada Lovelace,2026-03,42.5") {
			t.Errorf("the CSV export is not the report's table: %v %q", err, csv)
		}
	})
}

package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestBrowserBoard drags deals across the board in Chromium: into a
// stage that requires a field (the form asks for it, the move saves),
// then to Lost with a reason; a move the server refuses (the deal
// changed meanwhile) puts the card back with the reason; a deal moved by
// keyboard alone, and one by a finger. It logs the time from navigation to a usable board,
// the median of 20, and saves the board (in English and in Russian), its
// gate form and the dashboard as screenshots.
func TestBrowserBoard(t *testing.T) {
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
		pipeline := create("/api/v1/pipelines", `{"name": "New customers"}`)
		var stages []string
		for _, st := range []string{`"name": "Lead in", "probability": 10, "rotting_days": 7`, `"name": "Qualified", "probability": 30`,
			`"name": "Contract sent", "probability": 90, "required_fields": ["expected_close_date"]`} {
			stages = append(stages, create("/api/v1/stages", `{"pipeline_id": "`+pipeline+`", `+st+`}`))
		}
		create("/api/v1/loss_reasons", `{"name": "Price too high"}`)
		company := create("/api/v1/companies", `{"name": "Analytical <b>Engines</b> Ltd"}`)
		var deals []string
		for i, title := range []string{"Difference engine", "Jacquard loom", "Mill <script>window.pwned=1</script>", "Store"} {
			deals = append(deals, create("/api/v1/deals", fmt.Sprintf(`{"title": %q, "company_id": %q, "stage_id": %q,
				"value": {"amount": %d, "currency": "EUR"}}`, title, company, stages[i%2], (i+1)*125000)))
		}
		create("/api/v1/tasks", `{"title": "Send the offer", "due_at": "2030-01-10T09:00:00Z", "record_type": "deal", "record_id": "`+deals[0]+`"}`)

		b.do("open the board", chromedp.Navigate(s.base+"/board"), chromedp.WaitVisible(css(`#deal-`+deals[0])))
		if b.eval(`window.pwned === 1`) {
			t.Error("a deal's title ran as a script on the board")
		}
		b.shoot("board")
		// What a first visit to the board transfers, compressed: the page
		// and every asset, whether or not this tab had them cached.
		size, _ := chromedp.Run(b.ctx, chromedp.Evaluate[float64](`performance.getEntriesByType("navigation").concat(performance.getEntriesByType("resource")).reduce((n, e) => n + e.encodedBodySize, 0)`))
		t.Logf("the board's page and assets: %.0f bytes compressed", size)

		column := func(stage string) string { return `[data-drop="` + stage + `"]` }
		b.drag(`#deal-`+deals[0], column(stages[2]))
		b.do("the gate asks for the close date", chromedp.WaitVisible(css(`dialog.ask input[name="expected_close_date"]`)))
		b.shoot("board-gate")
		b.do("fill in the close date and save", chromedp.SetValue(css(`dialog.ask input[name="expected_close_date"]`), "2030-03-01"),
			chromedp.Click(css(`dialog.ask button[type="submit"]`)),
			chromedp.WaitVisible(css(column(stages[2])+` #deal-`+deals[0]+`[data-version="2"]`)))
		if got := b.text(`#head-` + stages[2] + ` .col-count`); got != "1 deal" {
			t.Errorf("the gated stage's heading reads %q after the move", got)
		}

		b.drag(`#deal-`+deals[0], `[data-drop="lost"]`)
		b.do("Lost asks why", chromedp.WaitVisible(css(`dialog.ask select[name="loss_reason_id"]`)))
		b.do("choose a reason and save", chromedp.SetValue(css(`dialog.ask select[name="loss_reason_id"]`), b.optionValue(`dialog.ask select[name="loss_reason_id"] option:nth-child(2)`)),
			chromedp.SendKeys(css(`dialog.ask textarea[name="loss_note"]`), "Went with a cheaper loom"),
			chromedp.Click(css(`dialog.ask button[type="submit"]`)), chromedp.WaitNotPresent(css(`#deal-`+deals[0])))
		_, lost := s.call(t, token, "GET", "/api/v1/deals/"+deals[0], "")
		if lost["status"] != "lost" || lost["loss_note"] != "Went with a cheaper loom" {
			t.Errorf("the deal dropped on Lost reads %v, %v", lost["status"], lost["loss_note"])
		}

		// Someone else changes the deal: the move is refused and the
		// card goes back to its column.
		if status, _ := s.call(t, token, "PATCH", "/api/v1/deals/"+deals[1], `{"version": 1, "title": "Jacquard loom, rush"}`); status != http.StatusOK {
			t.Fatalf("changing the deal through the API: %d", status)
		}
		b.drag(`#deal-`+deals[1], column(stages[0]))
		b.do("the refusal shows", chromedp.WaitVisible(css(`[data-board-refusal]`)))
		if !b.eval(`!!document.querySelector('` + column(stages[1]) + ` #deal-` + deals[1] + `')`) {
			t.Error("the refused card did not go back to its column")
		}
		if got := b.text(`[data-board-refusal]`); got == "" {
			t.Error("the refusal gives no reason")
		}

		b.do("lift a card with the keyboard", chromedp.Focus(css(`#deal-`+deals[2])), chromedp.KeyEvent(" "),
			chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(" "),
			chromedp.WaitVisible(css(column(stages[1])+` #deal-`+deals[2]+`[data-version="2"]`)))
		if !b.eval(`document.activeElement && document.activeElement.id === "deal-` + deals[2] + `"`) {
			t.Error("the focus did not stay on the card moved by keyboard")
		}
		if got := b.text(`[data-board-status]`); got == "" {
			t.Error("the keyboard move was not announced")
		}

		b.touchDrag(`#deal-`+deals[3], column(stages[0]))
		b.do("a card dragged by a finger moves", chromedp.WaitVisible(css(column(stages[0])+` #deal-`+deals[3]+`[data-version="2"]`)))

		// A sum in the hundreds of millions, as a large company's pipeline
		// carries, which must not widen the dashboard on a phone.
		create("/api/v1/deals", `{"title": "Analytical engine", "stage_id": "`+stages[2]+`", "expected_close_date": "2030-03-01",
			"value": {"amount": 98765432100, "currency": "EUR"}}`)
		b.do("the dashboard", chromedp.Navigate(s.base+"/dashboard"), chromedp.WaitVisible(css(`.chart-table`)))
		b.shoot("dashboard")
		b.do("the dashboard at a phone's width", chromedp.EmulateViewport(375, 812))
		if wide, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.documentElement.scrollWidth > 375 ? [...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > 376 && !e.closest(".nav")).map(e => e.tagName + "." + e.className).slice(0, 5).join(" ") : ""`)); wide != "" {
			t.Errorf("the dashboard is wider than a phone: %s", wide)
		}
		b.shoot("dashboard-phone")
		b.do("back to desktop width", chromedp.EmulateViewport(1280, 860))

		b.do("the board in Russian", chromedp.Navigate(s.base+"/board"), chromedp.WaitVisible(css(`#deal-`+deals[1])),
			chromedp.SetValue(css(`#lang-pick`), "ru"), chromedp.WaitVisible(css(`html[lang="ru"] .board`)))
		if got := b.text(`#head-` + stages[0] + ` .col-count`); got != "1 сделка" {
			t.Errorf("in Russian, the first column counts %q", got)
		}
		b.shoot("board-ru")

		t.Logf("time from navigation to a usable board, median of 20: %v", b.median(20, func() {
			b.do("reload the board", chromedp.Navigate(s.base+"/board"), chromedp.WaitVisible(css(`#deal-`+deals[1])),
				chromedp.Poll[chromedp.Void](`document.readyState === "complete" && !!window.htmx`))
		}))
	})
}

// drag presses the mouse on the element from matches, moves it in steps
// to the element to matches (looked up once the drag has begun, as the
// Won and Lost zones appear only then) and lets go.
func (b *browser) drag(from, to string) {
	b.t.Helper()
	b.do("drag "+from+" to "+to, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		x, y, err := center(ctx, t, from)
		if err != nil {
			return err
		}
		mouse := func(typ input.DispatchMouseEventType, x, y float64) error {
			p := input.DispatchMouseEventParams{Type: typ, X: x, Y: y, Button: input.MouseButtonLeft, Buttons: 1, ClickCount: 1}
			_, err := cdp.Call(ctx, t, input.DispatchMouseEvent, p)
			return err
		}
		if err := mouse(chromedp.MousePressed, x, y); err != nil {
			return err
		}
		for i := 1; i <= 3; i++ {
			if err := mouse(chromedp.MouseMoved, x+float64(4*i), y+float64(4*i)); err != nil {
				return err
			}
		}
		tx, ty, err := center(ctx, t, to)
		if err != nil {
			return err
		}
		for i := 1; i <= 10; i++ {
			f := float64(i) / 10
			if err := mouse(chromedp.MouseMoved, x+(tx-x)*f, y+(ty-y)*f); err != nil {
				return err
			}
		}
		return mouse(chromedp.MouseReleased, tx, ty)
	}))
}

// touchDrag holds a finger on the element from matches until the card
// lifts, moves it in steps to the element to matches and lifts it.
func (b *browser) touchDrag(from, to string) {
	b.t.Helper()
	b.do("touch-drag "+from+" to "+to, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := cdp.Call(ctx, t, emulation.SetTouchEmulationEnabled, emulation.SetTouchEmulationEnabledParams{Enabled: true}); err != nil {
			return err
		}
		x, y, err := center(ctx, t, from)
		if err != nil {
			return err
		}
		tx, ty, err := center(ctx, t, to)
		if err != nil {
			return err
		}
		touch := func(typ input.DispatchTouchEventType, points ...*input.TouchPoint) error {
			_, err := cdp.Call(ctx, t, input.DispatchTouchEvent, input.DispatchTouchEventParams{Type: typ, TouchPoints: points})
			return err
		}
		if err := touch(input.DispatchTouchEventTypeTouchStart, &input.TouchPoint{X: x, Y: y}); err != nil {
			return err
		}
		time.Sleep(500 * time.Millisecond) // the hold that tells a drag from a swipe
		for i := 1; i <= 10; i++ {
			f := float64(i) / 10
			if err := touch(input.DispatchTouchEventTypeTouchMove, &input.TouchPoint{X: x + (tx-x)*f, Y: y + (ty-y)*f}); err != nil {
				return err
			}
		}
		return touch(input.DispatchTouchEventTypeTouchEnd)
	}))
}

// center is the middle of the first element sel matches, in the viewport.
func center(ctx context.Context, t *chromedp.Target, sel string) (float64, float64, error) {
	r, err := chromedp.Evaluate[[]float64](`(() => { const el = document.querySelector(`+fmt.Sprintf("%q", sel)+`);
		el.scrollIntoView({block: "nearest", inline: "nearest"}); const r = el.getBoundingClientRect();
		return [r.left + r.width / 2, r.top + Math.min(r.height / 2, 40)] })()`)(ctx, t)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", sel, err)
	}
	return r[0], r[1], nil
}

// optionValue is the value of the option sel matches.
func (b *browser) optionValue(sel string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.querySelector(`+fmt.Sprintf("%q", sel)+`).value`))
	if err != nil {
		b.t.Fatal(err)
	}
	return v
}

// median runs f n times and returns the median of its durations.
func (b *browser) median(n int, f func()) time.Duration {
	times := make([]time.Duration, n)
	for i := range times {
		start := time.Now()
		f()
		times[i] = time.Since(start)
	}
	slices.Sort(times)
	return times[n/2]
}

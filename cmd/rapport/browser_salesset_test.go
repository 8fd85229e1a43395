package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestBrowserSalesSettings drives the sales settings in Chromium: a
// pipeline added with three stages, a stage dragged by its handle and one
// moved with the keyboard (both orders still there after a reload), a
// field required by a stage, and a custom field of deals. It saves the
// screenshots settings, settings-pipeline and settings-fields.
func TestBrowserSalesSettings(t *testing.T) {
	signedIn(t, func(t *testing.T, s *server, b *browser, token string, db []string) {
		css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
		// next runs steps that load another page and waits until the page
		// they started on is gone, so that nothing is read from it.
		next := func(what string, steps ...chromedp.Action[chromedp.Void]) {
			t.Helper()
			b.eval(`(document.body.dataset.old = "1") === "1"`)
			b.do(what, append(steps, chromedp.WaitNotPresent(css(`body[data-old]`)), chromedp.WaitVisible(css(`#main`)))...)
		}
		// A loss reason and a product, so the other pages have something.
		s.call(t, token, "POST", "/api/v1/loss_reasons", `{"name": "Price too high"}`)
		_, product := s.call(t, token, "POST", "/api/v1/products", `{"name": "Analytical engine", "sku": "AE-1"}`)
		s.call(t, token, "POST", "/api/v1/products/"+product["id"].(string)+"/stock/adjustments", `{"delta": 4, "reason": "counted"}`)

		b.do("open the contacts", chromedp.Navigate(b.base+"/contacts"), chromedp.WaitVisible(css(`.nav a[href="/settings"]`)))
		next("open settings from the navigation", chromedp.Click(css(`.nav a[href="/settings"]`)))
		b.shoot("settings")

		next("open the pipelines", chromedp.Click(css(`a[href="/settings/pipelines"]`)))
		next("add a pipeline", chromedp.SendKeys(css(`#add-name`), "Repeat <b>customers</b>"), chromedp.Submit(css(`#add-name`)))
		if got := b.text("h1"); got != "Repeat <b>customers</b>" {
			t.Errorf("the new pipeline's page is headed %q", got)
		}
		for _, name := range []string{"Qualified", "Proposal", "Negotiation"} {
			next("add the stage "+name, chromedp.SendKeys(css(`#add-name`), name), chromedp.Submit(css(`#add-name`)))
		}
		order := func() string {
			t.Helper()
			ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
			defer cancel()
			got, err := chromedp.Run(ctx, chromedp.Evaluate[string](
				`[...document.querySelectorAll('.set-stage input[name="name"]')].map((i) => i.value).join(",")`))
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		if got := order(); got != "Qualified,Proposal,Negotiation" {
			t.Fatalf("the stages read %s", got)
		}

		b.do("drag Negotiation above Qualified", chromedp.DragAndDrop(css(`.set-stage:nth-child(3) .drag`), css(`.set-stage:nth-child(1) .drag`)),
			chromedp.WaitReady(css(`.set-stages[data-saved="1"]`)))
		if got := order(); got != "Negotiation,Qualified,Proposal" {
			t.Errorf("after dragging the stages read %s", got)
		}
		b.do("move Negotiation down with the keyboard", chromedp.Focus(css(`.set-stage:nth-child(1) form[data-move="down"] button`)),
			chromedp.KeyEvent(kb.Enter), chromedp.WaitReady(css(`.set-stages[data-saved="2"]`)))
		if got := order(); got != "Qualified,Negotiation,Proposal" {
			t.Errorf("after moving with the keyboard the stages read %s", got)
		}
		if !b.eval(`document.activeElement && document.activeElement.closest('form[data-move="down"]') !== null &&
			document.activeElement.closest(".set-stage").querySelector('input[name="name"]').value === "Negotiation"`) {
			t.Error("the focus left the button that moved the stage")
		}
		next("reload", chromedp.Reload())
		if got := order(); got != "Qualified,Negotiation,Proposal" {
			t.Errorf("after a reload the stages read %s", got)
		}

		// A stage requires the deal's value; the stage's form still saves
		// after the moves changed its version.
		next("require the value in Negotiation", chromedp.Click(css(`.set-stage:nth-child(2) summary`)),
			chromedp.Click(css(`.set-stage:nth-child(2) input[name="required_fields"][value="value"]`)),
			chromedp.SendKeys(css(`.set-stage:nth-child(2) input[name="probability"]`), "60"),
			chromedp.Click(css(`.set-stage:nth-child(2) .set-stage-form button[type="submit"]`)))
		if !b.eval(`(() => { const st = document.querySelector(".set-stage:nth-child(2)");
			return st.querySelector('input[name="required_fields"][value="value"]').checked &&
				st.querySelector('input[name="probability"]').value === "60" && !document.querySelector(".set-stage .error") })()`) {
			t.Error("Negotiation does not require the value after saving")
		}
		b.do("open the required fields for the picture", chromedp.Click(css(`.set-stage:nth-child(2) summary`)))
		b.shoot("settings-pipeline")

		next("open the fields of deals", chromedp.Navigate(b.base+"/settings/fields?object=deals"))
		b.do("type a label", chromedp.SendKeys(css(`#add-label`), "Contract ends"))
		if !b.eval(`document.getElementById("add-name").value === "contract_ends"`) {
			t.Error("the field's name did not follow its label")
		}
		next("add a custom field of deals", chromedp.SetValue(css(`#add-name`), "Contract end"), chromedp.Submit(css(`#add-label`)))
		if got := b.text(`#add-name-error`); got == "" {
			t.Error("a field's name with a space has no error beside it")
		}
		next("correct its name", chromedp.SetValue(css(`#add-name`), "contract_end"), chromedp.SetValue(css(`#add-type`), "date"),
			chromedp.Submit(css(`#add-label`)))
		if got := b.text(`.set-card table tbody`); !strings.Contains(got, "Contract ends") || !strings.Contains(got, "contract_end") {
			t.Errorf("the fields of deals read %q", got)
		}
		b.shoot("settings-fields")

		// The other pages, in Russian, for a look at each.
		s.call(t, token, "POST", "/api/v1/price_lists", `{"name": "Опт", "currency": "EUR"}`)
		b.do("speak Russian", chromedp.SetValue(css(`#lang-pick`), "ru"), chromedp.Submit(css(`#lang-pick`)),
			chromedp.WaitVisible(css(`html[lang="ru"]`)))
		for _, page := range []string{"workspace", "loss-reasons", "lists", "currencies", "price-lists", "stock"} {
			next("open "+page, chromedp.Navigate(b.base+"/settings/"+page))
			b.shoot("settings-" + page)
		}
		if b.eval(`document.querySelector("b") !== null`) {
			t.Error("a pipeline's name was drawn as HTML")
		}
	})
}

package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserDupes drives the duplicates in Chromium: a doubtful pair in
// the review queue with its probability and each field's contribution,
// "different" taking it out for good, "same" leading to the merge screen,
// and the administrators' settings with the histogram. It saves the
// screenshots dupes-review, dupes-groups, dupes-settings and
// dupes-review-ru.
func TestBrowserDupes(t *testing.T) {
	signedIn(t, func(t *testing.T, s *server, b *browser, token string, db []string) {
		css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
		next := func(what string, steps ...chromedp.Action[chromedp.Void]) {
			t.Helper()
			b.eval(`(document.body.dataset.old = "1") === "1"`)
			b.do(what, append(steps, chromedp.WaitNotPresent(css(`body[data-old]`)), chromedp.WaitVisible(css(`#main`)))...)
		}
		// Two pairs of namesakes, nothing else alike: both to review.
		s.call(t, token, "POST", "/api/v1/contacts", `{"first_name": "Charles", "last_name": "Babbage", "emails": [{"value": "charles@engines.example"}]}`)
		s.call(t, token, "POST", "/api/v1/contacts", `{"first_name": "Charles", "last_name": "Babbage", "address": {"city": "London"}}`)
		s.call(t, token, "POST", "/api/v1/contacts", `{"first_name": "Mary", "last_name": "Somerville <b>", "phones": ["+44 20 7946 0001"]}`)
		s.call(t, token, "POST", "/api/v1/contacts", `{"first_name": "Mary", "last_name": "Somerville <b>", "address": {"city": "Jedburgh"}}`)

		next("open the review queue", chromedp.Navigate(b.base+"/duplicates/review"))
		if n := strings.Count(b.text(`.dupes-pairs`), "%"); n < 2 {
			t.Fatalf("the queue shows %d pairs:\n%s", n, b.text(`#main`))
		}
		if got := b.text(`.dupes-pairs`); !strings.Contains(got, "name identical") {
			t.Errorf("the queue does not explain its pairs:\n%s", got)
		}
		if b.eval(`document.querySelector(".dupes-pairs b") !== null`) {
			t.Error("a name was drawn as HTML")
		}
		b.shoot("dupes-review")

		// "Different": the pair leaves the queue, and stays out after a
		// reload.
		first := b.text(`.dupes-pair:first-child .dupes-records`)
		next("say the first pair is different", chromedp.Click(css(`.dupes-pair:first-child button.secondary`)))
		if got := b.text(`.notice-ok`); got == "" {
			t.Error("no word that the decision was kept")
		}
		next("reload the queue", chromedp.Navigate(b.base+"/duplicates/review"))
		if b.eval(`document.querySelectorAll(".dupes-pair").length !== 1`) {
			t.Errorf("after one pair was said different the queue reads:\n%s", b.text(`#main`))
		}
		if got := b.text(`#main`); strings.Contains(got, first) {
			t.Errorf("the pair said different is still there: %q", first)
		}

		// "Same": on to the merge screen.
		next("say the other pair is the same", chromedp.Click(css(`.dupes-pair:first-child button.primary`)))
		if !b.eval(`location.pathname.endsWith("/merge")`) {
			t.Errorf("same did not lead to the merge screen")
		}
		// The pair said to be the same is a group until it is merged.
		next("open the groups", chromedp.Navigate(b.base+"/duplicates"))
		if !b.eval(`document.querySelectorAll(".dupes-members").length === 1 && document.querySelectorAll(".dupes-members a[href*='/merge?with=']").length === 1`) {
			t.Errorf("the groups read:\n%s", b.text(`#main`))
		}
		b.shoot("dupes-groups")

		next("open the settings", chromedp.Navigate(b.base+"/settings/duplicates"))
		if !b.eval(`document.querySelectorAll(".dupes-histogram meter").length === 20`) {
			t.Error("the histogram has not 20 bands")
		}
		b.shoot("dupes-settings")
		next("refuse a threshold below the other", chromedp.SetValue(css(`#set-duplicate_threshold`), "0.3"), chromedp.Submit(css(`#set-review_threshold`)))
		if got := b.text(`#main`); !b.eval(`document.querySelector("#set-duplicate_threshold[aria-invalid=true]") !== null && document.querySelector("#set-duplicate_threshold").value === "0.3"`) {
			t.Errorf("a duplicate threshold below the review one was not refused:\n%s", got)
		}
		next("save the thresholds", chromedp.SetValue(css(`#set-duplicate_threshold`), "0.95"), chromedp.Submit(css(`#set-review_threshold`)))
		if got := b.text(`.notice-ok`); got == "" {
			t.Error("saving said nothing")
		}
		next("re-estimate", chromedp.Click(css(`form[action="/settings/duplicates/estimate"] button`)))

		b.do("speak Russian", chromedp.SetValue(css(`#lang-pick`), "ru"),
			chromedp.WaitVisible(css(`html[lang="ru"]`)))
		next("the queue in Russian", chromedp.Navigate(b.base+"/duplicates/review"))
		b.shoot("dupes-review-ru")
	})
}

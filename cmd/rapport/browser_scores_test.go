package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserScores drives the scores in Chromium: the settings page
// refuses a rule whose value is not one of the field's options (the error
// beside the value), takes a good one, fits the models (too little
// history: no score), and a contact's page lists its lead score with the
// rules that make it, after a logged call a rule counts. A salesperson
// finds no settings page. It saves the screenshots scores-settings,
// scores-refused, scores-record and scores-list, and the first and
// second in Russian.
func TestBrowserScores(t *testing.T) {
	signedIn(t, func(t *testing.T, s *server, b *browser, token string, db []string) {
		css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
		next := func(what string, steps ...chromedp.Action[chromedp.Void]) {
			t.Helper()
			b.eval(`(document.body.dataset.old = "1") === "1"`)
			b.do(what, append(steps, chromedp.WaitNotPresent(css(`body[data-old]`)), chromedp.WaitVisible(css(`#main`)))...)
		}
		_, p := s.call(t, token, "POST", "/api/v1/pipelines", `{"name": "Sales"}`)
		s.call(t, token, "POST", "/api/v1/stages", `{"pipeline_id": "`+p["id"].(string)+`", "name": "Lead"}`)
		s.call(t, token, "POST", "/api/v1/scores/rules", `{"object": "contact", "kind": "activity", "activity": "call_answered", "points": 5}`)
		_, c := s.call(t, token, "POST", "/api/v1/contacts", `{"first_name": "Grace", "last_name": "Hopper", "source": "web_form"}`)
		contact := c["id"].(string)

		next("open the scores settings", chromedp.Navigate(b.base+"/settings/scores"))
		next("add a rule with a value that is no option", chromedp.SetValue(css(`#field-field`), "contact/source"),
			chromedp.SetValue(css(`#field-value`), "carrier pigeon"), chromedp.Submit(css(`#field-value`)))
		if got := b.text(`#field-value-error`); got == "" {
			t.Error("a value that is not an option has no error beside it")
		}
		b.shoot("scores-refused")
		next("add the rule right", chromedp.SetValue(css(`#field-value`), "web_form"), chromedp.Submit(css(`#field-value`)))
		if got := b.text(`.set-rows`); !strings.Contains(got, "Source is Web form") || !strings.Contains(got, "+10") {
			t.Errorf("the rules read %q", got)
		}
		next("fit the models", chromedp.Click(css(`form[action="/settings/scores/train"] button`)))
		if got := b.text(`#main`); !strings.Contains(got, "Too little history") {
			t.Errorf("the models with no history read %q", got)
		}
		// Enough history for the win model: won deals had calls, most
		// lost ones none.
		_, reason := s.call(t, token, "POST", "/api/v1/loss_reasons", `{"name": "Price"}`)
		for i := range 2 * 50 {
			status, calls := "won", 2
			if i%2 == 1 {
				status, calls = "lost", i%3/2
			}
			_, d := s.call(t, token, "POST", "/api/v1/deals", `{"title": "Deal", "value": {"amount": 100000, "currency": "EUR"}}`)
			id := d["id"].(string)
			for range calls {
				s.call(t, token, "POST", "/api/v1/calls", `{"direction": "outbound", "record_type": "deal", "record_id": "`+id+`"}`)
			}
			if code, body := s.call(t, token, "PATCH", "/api/v1/deals/"+id, `{"version": 1, "status": "`+status+`", "loss_reason_id": `+map[bool]string{true: `"` + reason["id"].(string) + `"`, false: "null"}[status == "lost"]+`}`); code != 200 {
				t.Fatalf("close a deal: %d %v", code, body)
			}
		}
		_, open := s.call(t, token, "POST", "/api/v1/deals", `{"title": "Open deal"}`)
		next("fit the models again", chromedp.Click(css(`form[action="/settings/scores/train"] button`)))
		if got := b.text(`#main`); !strings.Contains(got, "AUC") || !strings.Contains(got, "Calls, last 30 days") {
			t.Errorf("the fitted win model reads %q", got)
		}
		b.shoot("scores-settings")
		next("open the open deal", chromedp.Navigate(b.base+"/deals/"+open["id"].(string)))
		if got := b.text(`.scores-block`); !strings.Contains(got, "Win probability") || !strings.Contains(got, "%") {
			t.Errorf("the open deal's scores read %q", got)
		}

		s.call(t, token, "POST", "/api/v1/calls", `{"direction": "inbound", "call_result": "answered", "record_type": "contact", "record_id": "`+contact+`"}`)
		next("open the contact", chromedp.Navigate(b.base+"/contacts/"+contact))
		got := b.text(`.scores-block`)
		for _, want := range []string{"+15", "+10", "+5", "Call answered", "too little history"} {
			if !strings.Contains(got, want) {
				t.Errorf("the contact's scores lack %q: %q", want, got)
			}
		}
		b.shoot("scores-record")

		// The list of contacts filtered and sorted by lead score, with the
		// score as a column.
		s.call(t, token, "POST", "/api/v1/contacts", `{"first_name": "Alan", "last_name": "Turing", "source": "referral"}`)
		next("list contacts by lead score", chromedp.Navigate(b.base+"/contacts?col=full_name&col=lead_score&sort=-lead_score&f0=lead_score&o0=gte&v0=15"))
		if got := b.text(`#main table`); !strings.Contains(got, "Grace Hopper") || !strings.Contains(got, "15") || strings.Contains(got, "Turing") {
			t.Errorf("contacts with a lead score of 15 or more read %q", got)
		}
		b.shoot("scores-list")

		b.do("speak Russian", chromedp.SetValue(css(`#lang-pick`), "ru"), chromedp.Submit(css(`#lang-pick`)),
			chromedp.WaitVisible(css(`html[lang="ru"]`)))
		next("open the scores settings in Russian", chromedp.Navigate(b.base+"/settings/scores"))
		if got := b.text(`h1`); got != "Оценки" {
			t.Errorf("the Russian page is headed %q", got)
		}
		b.shoot("scores-settings-ru")
		next("open the contact in Russian", chromedp.Navigate(b.base+"/contacts/"+contact))
		b.shoot("scores-record-ru")

		s.call(t, token, "POST", "/api/v1/users", `{"email": "sam@example.com", "name": "Sam", "password": "correct horse battery",
			"role": "salesperson", "language": "en", "time_zone": "UTC"}`)
		rep := newBrowser(t, s.base, b.dir)
		rep.signIn("sam@example.com", "correct horse battery")
		rep.do("open the scores settings as a salesperson", chromedp.Navigate(rep.base+"/settings/scores"), chromedp.WaitVisible(css(`#main`)))
		if rep.eval(`document.querySelector(".scores-forms") !== null`) {
			t.Error("a salesperson sees the scores settings")
		}
	})
}

package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserInbox: a form embedded in a plain HTML page served on
// another port posts a lead from one tab, and it appears live in the
// assigned user's inbox open in another; she accepts it into a stage.
func TestBrowserInbox(t *testing.T) {
	signedIn(t, func(t *testing.T, s *server, b *browser, token string, db []string) {
		css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
		_, users := s.call(t, token, "GET", "/api/v1/users", "")
		data, _ := users["data"].([]any)
		if len(data) == 0 {
			t.Fatalf("users: %v", users)
		}
		ada, _ := data[0].(map[string]any)["id"].(string)
		status, pipe := s.call(t, token, "POST", "/api/v1/pipelines", `{"name": "Web leads"}`)
		if status != 201 {
			t.Fatalf("pipeline: %d %v", status, pipe)
		}
		pid := pipe["id"].(string)
		if status, body := s.call(t, token, "POST", "/api/v1/stages", `{"pipeline_id": "`+pid+`", "name": "First call"}`); status != 201 {
			t.Fatalf("stage: %d %v", status, body)
		}
		// The other site: a plain page with the form's embed snippet.
		var snippet string
		site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, "<!doctype html><html lang=\"en\"><title>Acme bakery</title><h1>Order a cake</h1>\n%s", snippet)
		}))
		t.Cleanup(site.Close)
		status, form := s.call(t, token, "POST", "/api/v1/forms", `{"name": "Cake orders", "pipeline_id": "`+pid+`",
			"assigned_user_id": "`+ada+`", "allowed_origins": ["`+site.URL+`"], "min_fill_seconds": 1,
			"consent_text": "You may call me about my order.", "thank_you": "Thank you, we will call you back.",
			"fields": [{"name": "name", "label": "Your name", "maps_to": "contact.name", "required": true},
			{"name": "phone", "label": "Phone", "maps_to": "contact.phone", "type": "phone"},
			{"name": "cake", "label": "Which cake?", "maps_to": "message", "type": "textarea"}]}`)
		if status != 201 {
			t.Fatalf("form: %d %v", status, form)
		}
		res, err := http.Get(s.base + "/f/" + form["public_id"].(string) + "/embed")
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(res.Body)
		res.Body.Close()
		snippet = string(raw)

		b.do("the other site's form", chromedp.Navigate(site.URL+"/"), chromedp.WaitVisible(css(`form[data-rapport-form]`)))
		b.shoot("inbox-site-form")
		b.do("the inbox, its stream live", chromedp.Navigate(s.base+"/inbox"), chromedp.WaitVisible(css(`.inbox-empty`)),
			chromedp.WaitVisible(css(`#bell[data-live="true"]`)))
		b.shoot("inbox-empty")

		// A visitor, in a browser of their own, fills the form on the
		// other site.
		visitor := newBrowser(t, site.URL, b.dir)
		visitor.do("the other site's page", chromedp.Navigate(site.URL+"/?utm_source=flyer&utm_campaign=spring"),
			chromedp.WaitVisible(css(`form[data-rapport-form] input[name="name"]`)),
			chromedp.Poll[chromedp.Void](`!!document.querySelector('input[name="_t"]') && document.querySelector('input[name="_t"]').value !== ""`),
			chromedp.SendKeys(css(`input[name="name"]`), "Grace <b>Hopper</b>"),
			chromedp.SendKeys(css(`input[name="phone"]`), "+44 20 7946 0123"),
			chromedp.SendKeys(css(`textarea[name="cake"]`), "Chocolate, for 12"),
			chromedp.Click(css(`input[name="_consent"]`)))
		time.Sleep(1200 * time.Millisecond) // a person takes longer than the form's minimum
		visitor.do("send it", chromedp.Click(css(`form[data-rapport-form] button[type="submit"]`)),
			chromedp.WaitVisible(css(`p[role="status"]`)))
		if got := visitor.text(`p[role="status"]`); got != "Thank you, we will call you back." {
			t.Errorf("the visitor reads %q", got)
		}
		visitor.shoot("inbox-site-thanks")
		// The lead arrives in Ada's open inbox without a reload.
		b.do("the lead arrives live", chromedp.WaitVisible(css(`.inbox-request`)))
		if got := b.text(`.inbox-request .inbox-name`); got != "Grace <b>Hopper</b>" {
			t.Errorf("the inbox names %q", got)
		}
		if got := b.text(`.inbox-request`); !strings.Contains(got, "Chocolate, for 12") || !strings.Contains(got, "flyer") ||
			!strings.Contains(got, "Web form") {
			t.Errorf("the request reads %q", got)
		}
		if b.eval(`document.querySelector('.inbox-request b') !== null`) {
			t.Error("the visitor's markup was rendered")
		}
		b.shoot("inbox-arrived")
		b.axeAtWidths("inbox", true)
		b.do("accept it", chromedp.Click(css(`.inbox-request form[action$="/accept"] button`)),
			chromedp.WaitVisible(css(`.notice-ok`)), chromedp.WaitVisible(css(`.inbox-empty`)))
		b.shoot("inbox-accepted")
		// She writes again: the new request is matched to the contact
		// just made, and her page shows it waiting, a likely duplicate
		// marked on both sides.
		status, again := s.call(t, token, "POST", "/api/v1/inbox", `{"channel": "api", "name": "G. Hopper", "phone": "+442079460123",
			"message": "And a second cake"}`)
		grace, _ := again["contact_id"].(string)
		if status != 201 || grace == "" {
			t.Fatalf("the second request: %d %v", status, again)
		}
		b.do("her page", chromedp.Navigate(s.base+"/contacts/"+grace), chromedp.WaitVisible(css(`#waiting-requests`)))
		if got := b.text(`#waiting-requests`); !strings.Contains(got, "G. Hopper") || !strings.Contains(got, "Waiting in the inbox") {
			t.Errorf("her page's waiting requests read %q", got)
		}
		b.shoot("inbox-waiting-on-contact")
		// The form builder in settings lists the form with its snippet and
		// makes another.
		b.do("the form builder", chromedp.Navigate(s.base+"/settings/forms"), chromedp.WaitVisible(css(`.forms-snippet`)),
			chromedp.SendKeys(css(`#form-name`), "Newsletter"), chromedp.SendKeys(css(`input[name="f0.label"]`), "E-mail"),
			chromedp.SetValue(css(`select[name="f0.maps_to"]`), "contact.email"), chromedp.Click(css(`input[name="f0.required"]`)),
			chromedp.SendKeys(css(`#form-origins`), site.URL))
		b.shoot("inbox-form-builder")
		b.axeAtWidths("settings-forms", false)
		b.do("make it", chromedp.Click(css(`.forms-builder button[type="submit"]`)), chromedp.WaitVisible(css(`.notice-ok`)))
		if n := b.eval(`document.querySelectorAll('.forms-snippet').length === 2`); !n {
			t.Error("the new form is not listed")
		}
		_, deals := s.call(t, token, "GET", "/api/v1/deals", "")
		list, _ := deals["data"].([]any)
		if len(list) != 1 || list[0].(map[string]any)["pipeline_id"] != pid {
			t.Errorf("deals after accepting: %v", deals)
		}
	})
}

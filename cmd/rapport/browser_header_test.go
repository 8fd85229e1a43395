package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestBrowserHeader drives the header's tools: Ctrl+K opens the command
// menu, which finds a contact and a command as the user types, and Enter
// opens the chosen one; "?" shows the shortcuts, and key sequences open a
// form and a page; a task reminder made by the server's job raises the
// bell's count and shows a toast without a reload; the caller screen of a
// known number and of an unknown one; a language switched from the menu.
// The server makes reminders every second, so the job is not waited for
// long.
func TestBrowserHeader(t *testing.T) {
	t.Setenv("RAPPORT_REMIND_EVERY", "1s")
	signedIn(t, func(t *testing.T, s *server, b *browser, token string, db []string) {
		css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
		status, contact := s.call(t, token, "POST", "/api/v1/contacts",
			`{"first_name":"Contessa","last_name":"<script>window.pwned=1</script>","phones":["+44 20 7946 0001"]}`)
		if status != 201 {
			t.Fatalf("create contact: %d %v", status, contact)
		}
		name := "Contessa <script>window.pwned=1</script>"
		for i := 0; ; i++ {
			_, found := s.call(t, token, "GET", "/api/v1/search?q=contessa", "")
			if hits, _ := found["data"].([]any); len(hits) > 0 {
				break
			}
			if i == 100 {
				t.Fatal("the search index did not take in the contact")
			}
			time.Sleep(100 * time.Millisecond)
		}

		if status, body := s.call(t, token, "POST", "/api/v1/notes",
			`{"body":"Asked about the <b>price</b>","record_type":"contact","record_id":"`+contact["id"].(string)+`"}`); status != 201 {
			t.Fatalf("create note: %d %v", status, body)
		}
		// A deal with no next step, which My day lists.
		_, pipeline := s.call(t, token, "POST", "/api/v1/pipelines", `{"name":"Sales"}`)
		_, stage := s.call(t, token, "POST", "/api/v1/stages", `{"name":"Proposal","pipeline_id":"`+fmt.Sprint(pipeline["id"])+`"}`)
		if status, body := s.call(t, token, "POST", "/api/v1/deals", `{"title":"Engine <i>order</i>","pipeline_id":"`+fmt.Sprint(pipeline["id"])+
			`","stage_id":"`+fmt.Sprint(stage["id"])+`","value":{"amount":120000,"currency":"GBP"},"contacts":[{"id":"`+contact["id"].(string)+`"}]}`); status != 201 {
			t.Fatalf("create deal: %d %v", status, body)
		}
		b.do("open My day", chromedp.Navigate(s.base+"/"), chromedp.WaitVisible(css(`#deals-without-task`)))
		if got := b.text(`.deal-lines a`); got != "Engine <i>order</i>" {
			t.Errorf("My day lists the deal without a next step as %q", got)
		}
		b.shoot("header-myday")
		b.do("Ctrl+K opens the command menu", chromedp.KeyEvent("k", chromedp.KeyModifiers(chromedp.ModifierCtrl)),
			chromedp.WaitVisible(css(`#command-menu[open] #command-results [role="option"]`)))
		if !b.eval(`document.activeElement.id === "command-box"`) {
			t.Error("the command menu's box does not have the focus")
		}
		b.do("type in the command menu", chromedp.SendKeys(css(`#command-box`), "cont"),
			chromedp.WaitVisible(css(`#command-results a[href="/contacts/`+contact["id"].(string)+`"]`)))
		if got := b.text(`#command-results`); !strings.Contains(got, "Go to Contacts") || !strings.Contains(got, "New contact") || !strings.Contains(got, name) {
			t.Errorf("the command menu found %q", got)
		}
		if !b.eval(`document.getElementById("command-box").getAttribute("aria-activedescendant") === document.querySelector('#command-results [role="option"]').id`) {
			t.Error("the first option is not chosen")
		}
		b.shoot("header-command-menu")
		b.do("the arrows move to the contact", chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowDown))
		if !b.eval(`document.querySelector('#command-results [aria-selected="true"]').getAttribute("href") === "/contacts/` + contact["id"].(string) + `"`) {
			t.Error("two arrows down did not choose the contact")
		}
		b.do("Enter opens the contact", chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(css(`.groups`)))
		if got := b.text("h1"); got != name {
			t.Errorf("Enter opened %q", got)
		}
		b.do("a command", chromedp.KeyEvent("k", chromedp.KeyModifiers(chromedp.ModifierCtrl)),
			chromedp.WaitVisible(css(`#command-menu[open] #command-results [role="option"]`)),
			chromedp.SendKeys(css(`#command-box`), "go to comp"),
			chromedp.WaitNotPresent(css(`#command-results a[href="/contacts"]`)),
			chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(css(`.nav a[href="/companies"][aria-current="page"]`)))
		if b.eval(`window.pwned === 1`) {
			t.Error("a contact's name ran as a script")
		}

		b.do("? shows the shortcuts", shortcutKey("?"), chromedp.WaitVisible(css(`#shortcuts-dialog[open]`)))
		if got := b.text(`#shortcuts-dialog`); !strings.Contains(got, "Open the command menu") || !strings.Contains(got, "New deal") {
			t.Errorf("the shortcuts read %q", got)
		}
		b.shoot("header-shortcuts")
		b.do("Escape closes them", chromedp.KeyEvent(kb.Escape), chromedp.WaitNotVisible(css(`#shortcuts-dialog`)))
		b.do("n then c opens a new contact's form", shortcutKey("n"), chromedp.WaitVisible(css(`.quick-menu`)), shortcutKey("c"),
			chromedp.WaitVisible(css(`form[action="/contacts/new"]`)))
		b.do("g then h goes to My day", shortcutKey("g"), shortcutKey("h"), chromedp.WaitVisible(css(`.nav a[href="/"][aria-current="page"]`)))

		// A reminder, made by the server's job, arrives live.
		b.do("My day, its count live", chromedp.Navigate(s.base+"/"), chromedp.WaitVisible(css(`#bell[data-live="true"]`)))
		if !b.eval(`document.getElementById("bell-count").hidden`) {
			t.Error("the bell counts something before any notification")
		}
		due := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
		if status, body := s.call(t, token, "POST", "/api/v1/tasks", `{"title":"Call <b>Contessa</b>","due_at":"`+due+`"}`); status != 201 {
			t.Fatalf("create task: %d %v", status, body)
		}
		b.do("the reminder arrives", chromedp.WaitVisible(css(`#bell-count`)), chromedp.WaitVisible(css(`#toasts .toast`)))
		if got := b.text(`#bell-count`); !strings.HasPrefix(got, "1") {
			t.Errorf("the bell counts %q", got)
		}
		if got := b.text(`#toasts .toast`); got != "Task overdue Call <b>Contessa</b>" {
			t.Errorf("the toast reads %q", got)
		}
		b.do("open the bell", chromedp.Click(css(`#bell`)), chromedp.WaitVisible(css(`#bell-panel .note.unread`)))
		b.shoot("header-notifications")
		b.do("mark it read", chromedp.Click(css(`#bell-panel .note button`)), chromedp.WaitNotPresent(css(`#bell-panel .note.unread`)),
			chromedp.WaitNotVisible(css(`#bell-count`)))

		b.do("the caller screen", chromedp.Navigate(s.base+"/call?number="+url.QueryEscape("+44 20 7946 0001")),
			chromedp.WaitVisible(css(`.caller`)))
		if got := b.text(`.caller .caller-name`); got != name {
			t.Errorf("the caller screen names %q", got)
		}
		if got := b.text(`.caller`); !strings.Contains(got, "Engine <i>order</i>") || !strings.Contains(got, "Asked about the price") {
			t.Errorf("the caller screen shows %q", got)
		}
		b.shoot("header-caller")
		b.do("an unknown number", chromedp.Navigate(s.base+"/call?number="+url.QueryEscape("+44 161 496 0000")),
			chromedp.WaitVisible(css(`a[href^="/contacts/new?phone="]`)))

		// A command that posts: the language, switched from the menu.
		b.do("switch to Russian from the menu", chromedp.KeyEvent("k", chromedp.KeyModifiers(chromedp.ModifierCtrl)),
			chromedp.WaitVisible(css(`#command-menu[open] #command-results [role="option"]`)),
			chromedp.SendKeys(css(`#command-box`), "Русский"),
			chromedp.WaitVisible(css(`#command-results [data-value="ru"][aria-selected="true"]`)),
			chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(css(`html[lang="ru"] #bell`)))
		if got := b.text(`.nav a[href="/contacts"]`); got != "Контакты" {
			t.Errorf("after the switch the navigation reads %q", got)
		}
		b.do("the notifications in Russian", chromedp.Navigate(s.base+"/notifications"), chromedp.WaitVisible(css(`.notes .note`)))
		if got := b.text(`.notes .note-kind`); got != "Задача просрочена" {
			t.Errorf("the reminder reads %q in Russian", got)
		}
		b.shoot("header-notifications-ru")
	})
}

// shortcutKey presses key as the page's shortcuts see it: a keydown and a
// keyup without the text the key would type. (chromedp.KeyEvent sends the
// text as an event of its own, which a handler of keydown cannot cancel
// as it cancels a real key's.)
func shortcutKey(key string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for _, kind := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeRawKeyDown, input.DispatchKeyEventTypeKeyUp} {
			if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, input.DispatchKeyEventParams{Type: kind, Key: key}); err != nil {
				return err
			}
		}
		return nil
	})
}

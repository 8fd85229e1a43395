package main

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// TestBrowserRecords drives a contact's page: a note that mentions a
// colleague picked with the keyboard from the @ picker, a task scheduled
// from the timeline's composer, each appearing at once without a reload,
// and the follow button. The colleague is told of the mention.
func TestBrowserRecords(t *testing.T) {
	signedIn(t, func(t *testing.T, s *server, b *browser, token string, db []string) {
		css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
		if status, _ := s.call(t, token, "POST", "/api/v1/users", `{"email": "grace@example.com", "name": "Grace Hopper",
			"password": "correct horse battery", "role": "administrator"}`); status != 201 {
			t.Fatalf("a colleague: %d", status)
		}
		status, contact := s.call(t, token, "POST", "/api/v1/contacts", `{"first_name": "Charles <script>window.pwned=1</script>", "last_name": "Babbage"}`)
		if status != 201 {
			t.Fatalf("a contact: %d", status)
		}
		page := "/contacts/" + contact["id"].(string)
		for _, body := range []string{`{"kind": "call", "direction": "inbound", "call_result": "answered", "duration_seconds": 420, "body": "Asked about the <b>difference engine</b>"}`,
			`{"kind": "note", "body": "<p>Met at the Royal Society; keen on <em>punched cards</em>.</p>"}`} {
			object := "calls"
			if strings.Contains(body, `"note"`) {
				object = "notes"
			}
			body = strings.Replace(body, `{"kind": "call", `, `{`, 1)
			body = strings.Replace(body, `{"kind": "note", `, `{`, 1)
			body = strings.TrimSuffix(body, "}") + `, "record_type": "contact", "record_id": "` + contact["id"].(string) + `"}`
			if status, _ := s.call(t, token, "POST", "/api/v1/"+object, body); status != 201 {
				t.Fatalf("%s: %d", object, status)
			}
		}

		b.do("open the contact", chromedp.Navigate(b.base+page), chromedp.WaitVisible(css(`#composer`)),
			chromedp.WaitVisible(css(`#timeline-items .entry-call`)))
		b.do("type a mention", chromedp.Click(css(`#c-note-body`)), chromedp.SendKeys(css(`#c-note-body`), "Ask @gra"),
			chromedp.WaitVisible(css(`#mention-list [role="option"][data-name="Grace Hopper"]`)))
		if !b.eval(`(() => { const box = document.getElementById("c-note-body"), first = document.querySelector('#mention-list [role="option"]');
			return box.getAttribute("aria-expanded") === "true" && box.getAttribute("aria-activedescendant") === first.id })()`) {
			t.Error("the picker does not mark its first colleague as chosen")
		}
		b.shoot("record-composer")
		b.do("pick her with Enter and finish the note", pressEnter(),
			chromedp.SendKeys(css(`#c-note-body`), "about the loom cards"))
		if got, _ := chromedp.Run(b.ctx, chromedp.Value(css(`#c-note-body`))); got != "Ask @Grace Hopper about the loom cards" {
			t.Errorf("the note reads %q", got)
		}
		b.do("add the note", chromedp.Click(css(`#panel-note button[type="submit"]`)),
			chromedp.WaitVisible(css(`#timeline-items .entry-note a[href="mailto:grace@example.com"]`)))
		if got := b.text(`#c-note-body`); got != "" {
			t.Errorf("the composer still holds %q", got)
		}
		if !b.eval(`document.getElementById("timeline-status").textContent.trim() === "Added to the timeline."`) {
			t.Error("the status line does not say the note was added")
		}

		b.do("schedule a task", chromedp.Click(css(`#tab-task`)), chromedp.WaitVisible(css(`#c-task-title`)),
			chromedp.SendKeys(css(`#c-task-title`), "Send the engine drawings"),
			chromedp.SetValue(css(`#c-task-due`), "2030-01-02T09:30"),
			chromedp.Click(css(`#panel-task button[type="submit"]`)),
			chromedp.WaitVisible(css(`#timeline-items .entry-task`)))
		if got := b.text(`#timeline-items .entry-task .entry-title`); got != "Send the engine drawings" {
			t.Errorf("the new task reads %q", got)
		}
		if !b.eval(`document.activeElement && document.activeElement.id === "c-task-title" && document.getElementById("c-task-title").value === ""`) {
			t.Error("the task form did not come back empty with the focus in it")
		}
		if !b.eval(`document.querySelector("#timeline-items > li").classList.contains("entry-task")`) {
			t.Error("the task due in 2030 is not at the top of the timeline")
		}
		b.shoot("record-timeline")
		b.do("a phone's width", chromedp.EmulateViewport(375, 812))
		if wide, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.documentElement.scrollWidth > 375 ? [...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > 376 && !e.closest(".nav")).map(e => e.tagName + "." + e.className).slice(0, 5).join(" ") : ""`)); wide != "" {
			t.Errorf("wider than a phone: %s", wide)
		}
		b.do("back to desktop width", chromedp.EmulateViewport(1280, 860))

		b.do("in Russian", chromedp.SetValue(css(`#lang-pick`), "ru"), chromedp.WaitVisible(css(`html[lang="ru"] #composer`)))
		if got := b.text(`#tab-task`); got != "Задача" {
			t.Errorf("in Russian, the task tab reads %q", got)
		}
		b.shoot("record-timeline-ru")
		b.do("back to English", chromedp.SetValue(css(`#lang-pick`), "en"), chromedp.WaitVisible(css(`html[lang="en"] #composer`)))

		b.do("stop following", chromedp.Click(css(`.follow button`)), chromedp.WaitVisible(css(`.follow button[aria-pressed="false"]`)))
		if !b.eval(`document.activeElement === document.querySelector(".follow button")`) {
			t.Error("the follow button lost the focus")
		}
		if b.eval(`window.pwned === 1`) {
			t.Error("a contact's name ran as a script")
		}

		// A deal of the contact's company, moved on a stage: the company's
		// and the deal's pages name each other, and the deal's stages.
		_, pipeline := s.call(t, token, "POST", "/api/v1/pipelines", `{"name": "Sales"}`)
		var stages []string
		for _, name := range []string{"Qualified", "Proposal"} {
			_, st := s.call(t, token, "POST", "/api/v1/stages", `{"pipeline_id": "`+pipeline["id"].(string)+`", "name": "`+name+`"}`)
			stages = append(stages, st["id"].(string))
		}
		_, company := s.call(t, token, "POST", "/api/v1/companies", `{"name": "Analytical Engines Ltd"}`)
		status, deal := s.call(t, token, "POST", "/api/v1/deals", `{"title": "Difference engine No. 2", "pipeline_id": "`+pipeline["id"].(string)+`", "company_id": "`+company["id"].(string)+
			`", "contacts": [{"id": "`+contact["id"].(string)+`"}], "value": {"amount": 1750000, "currency": "GBP"}}`)
		if status != 201 {
			t.Fatalf("a deal: %d %v", status, deal)
		}
		if status, _ := s.call(t, token, "PATCH", "/api/v1/deals/"+deal["id"].(string), `{"version": 1, "stage_id": "`+stages[1]+`"}`); status != 200 {
			t.Fatalf("moving the deal: %d", status)
		}
		b.do("the deal", chromedp.Navigate(b.base+"/deals/"+deal["id"].(string)), chromedp.WaitVisible(css(`#stage-history`)))
		if got := b.text(`.stays li .value`); got != "Proposal" {
			t.Errorf("the latest stage reads %q", got)
		}
		b.shoot("record-deal")

		grace := strings.TrimSpace(lastLine(rapport(t, append([]string{"token", "create", "--email", "grace@example.com", "--name", "grace"}, db...)...)))
		_, inbox := s.call(t, grace, "GET", "/api/v1/notifications", "")
		list, _ := inbox["data"].([]any)
		if len(list) != 1 || list[0].(map[string]any)["kind"] != "mentioned" {
			t.Errorf("Grace's notifications: %v", inbox)
		}
	})
}

// pressEnter presses Enter as a keyboard does, in one key-down event that
// carries the key's text, so that a page that prevents the key-down keeps
// the line break out of a text area. chromedp.KeyEvent sends the text in a
// separate char event, which types it whatever the page does.
func pressEnter() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		down := input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeKeyDown, Key: "Enter", Code: "Enter",
			WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13, Text: "\r", UnmodifiedText: "\r"}
		if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, down); err != nil {
			return err
		}
		up := input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeKeyUp, Key: "Enter", Code: "Enter", WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13}
		_, err := cdp.Call(ctx, t, input.DispatchKeyEvent, up)
		return err
	})
}

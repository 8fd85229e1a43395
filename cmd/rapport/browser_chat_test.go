package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserChatChannels: an administrator finds chat channels in
// settings, makes a channel from the Telegram example the form starts
// with (a refused path is named under its field), and gives a provider
// the address and token the page shows once. A bot update posted there
// with that token arrives in the open inbox as a request from an unknown
// sender; the list counts it. The channel is renamed, then deleted after
// a page that asks, and its address stops taking messages. In English
// and in Russian.
func TestBrowserChatChannels(t *testing.T) {
	signedIn(t, func(t *testing.T, s *server, b *browser, token string, db []string) {
		css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
		value := func(sel string) string {
			t.Helper()
			v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.querySelector(`+fmt.Sprintf("%q", sel)+`).value`))
			if err != nil {
				t.Fatalf("value of %s: %v", sel, err)
			}
			return v
		}
		part := func(name string) string { return `input[name="field_map.` + name + `"]` }

		b.do("settings links to chat channels", chromedp.Navigate(s.base+"/settings"), chromedp.Click(css(`a[href="/settings/chat"]`)),
			chromedp.WaitVisible(css(`.empty`)))
		b.shoot("chat-empty")
		b.do("a new channel", chromedp.Click(css(`#new-channel`)), chromedp.WaitVisible(css(`#chat-form`)))
		if got := value(part("message_id")) + " " + value(part("sender_id")) + " " + value(part("text")); got != "update_id message.from.id message.text" {
			t.Errorf("the new channel's form starts with %q, want the Telegram example", got)
		}
		// No name and a path that is not one: each refused under its field,
		// with what was typed kept.
		b.do("a refused channel", chromedp.SetValue(css(part("text")), "message..text"), chromedp.Click(css(`#chat-form button[type="submit"]`)),
			chromedp.WaitVisible(css(`#name-error`)), chromedp.WaitVisible(css(`[id="field_map.text-error"]`)))
		if got := value(part("text")); got != "message..text" {
			t.Errorf("the refused form shows the path %q", got)
		}
		if !b.eval(`document.querySelector('input[name="field_map.text"]').getAttribute('aria-describedby') === 'field_map.text-error'`) {
			t.Error("the refused path does not name its error")
		}
		b.shoot("chat-refused")
		b.do("the channel made", chromedp.SendKeys(css(`#chat-name`), "Telegram"), chromedp.SetValue(css(part("text")), "message.text"),
			chromedp.Click(css(`#chat-form button[type="submit"]`)), chromedp.WaitVisible(css(`#chat-token`)))
		address, secret := value(`#chat-url`), value(`#chat-token`)
		if !strings.HasPrefix(address, s.base+"/api/v1/chat/") || !strings.HasPrefix(secret, "chat_") {
			t.Fatalf("the new channel shows the address %q and the token %q", address, secret)
		}
		if got := b.text(`.chat-channels tbody tr td:nth-child(3)`); got != "0" {
			t.Errorf("a new channel has taken %q messages", got)
		}
		b.shoot("chat-created")
		b.axeAtWidths("settings-chat", true)

		// Chats go to Ada, whose open inbox shows what comes in at once.
		_, me := s.call(t, token, "GET", "/api/v1/me", "")
		_, rules := s.call(t, token, "GET", "/api/v1/assignment-rules", "")
		if status, body := s.call(t, token, "PUT", "/api/v1/assignment-rules", fmt.Sprintf(`{"rules": [{"name": "Chats", "objects": ["inbox"],
			"sources": ["chat"], "method": "user", "user_id": %q}], "version": %v}`, me["id"], rules["version"])); status != 200 {
			t.Fatalf("the rule: %d %v", status, body)
		}
		// The provider posts a bot update while the inbox is open.
		// Its live stream must be open first: a request that lands before
		// it is shown at the next minute's refresh, not at once.
		b.do("the inbox, its stream live", chromedp.Navigate(s.base+"/inbox"), chromedp.WaitVisible(css(`.inbox-empty`)),
			chromedp.WaitVisible(css(`#bell[data-live="true"]`)))
		update := `{"update_id": 7001, "message": {"message_id": 12, "date": 1796630400,
			"from": {"id": 424242, "first_name": "Nikolai"}, "text": "Do you deliver to Almaty?"}}`
		req, _ := http.NewRequest("POST", address, strings.NewReader(update))
		req.Header.Set("Authorization", "Bearer "+secret)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]string
		json.NewDecoder(res.Body).Decode(&got)
		res.Body.Close()
		if res.StatusCode != 201 || got["request_id"] == "" {
			t.Fatalf("the bot update: %d %v", res.StatusCode, got)
		}
		b.do("the message arrives", chromedp.WaitVisible(css(`#request-`+got["request_id"])))
		if text := b.text(`#request-` + got["request_id"]); !strings.Contains(text, "Nikolai") || !strings.Contains(text, "Do you deliver to Almaty?") {
			t.Errorf("the request says %q", text)
		}
		b.shoot("chat-inbox")

		b.do("the list counts it", chromedp.Navigate(s.base+"/settings/chat"), chromedp.WaitVisible(css(`.chat-channels`)))
		if n, last := b.text(`.chat-channels tbody tr td:nth-child(3)`), b.text(`.chat-channels tbody tr td:nth-child(4)`); n != "1" || last == "—" {
			t.Errorf("after one message the list says %q taken, the last at %q", n, last)
		}
		if b.eval(`document.body.textContent.includes(` + fmt.Sprintf("%q", secret) + `)`) {
			t.Error("the token is shown again")
		}
		b.do("edit it", chromedp.Click(css(`.chat-channels a[href$="/edit"].button`)), chromedp.WaitVisible(css(`#chat-form`)))
		if got := value(part("sender_name")); got != "message.from.first_name" {
			t.Errorf("the edit form reads the sender's name from %q", got)
		}
		b.shoot("chat-edit")
		b.do("renamed", chromedp.SetValue(css(`#chat-name`), "Telegram bot"), chromedp.Click(css(`#chat-form button[type="submit"]`)),
			chromedp.WaitVisible(css(`p.notice-ok`)))
		if got := b.text(`.chat-channels tbody tr td:first-child`); got != "Telegram bot" {
			t.Errorf("after renaming, the list names %q", got)
		}
		b.shoot("chat-list")

		b.language("ru")
		if got := b.text(`h1`); got != "Чат-каналы" {
			t.Errorf("the Russian title is %q", got)
		}
		b.shoot("chat-list-ru")
		b.do("the form in Russian", chromedp.Click(css(`#new-channel`)), chromedp.WaitVisible(css(`#chat-form`)))
		b.eval(`(document.querySelector('input[name="field_map.sender_id"]').value = '') === ''`)
		b.do("refused in Russian", chromedp.Click(css(`#chat-form button[type="submit"]`)),
			chromedp.WaitVisible(css(`[id="field_map.sender_id-error"]`)))
		b.shoot("chat-refused-ru")
		b.do("the question in Russian", chromedp.Navigate(s.base+"/settings/chat"), chromedp.WaitVisible(css(`.chat-channels`)),
			chromedp.Click(css(`.chat-channels a[href$="/delete"]`)), chromedp.WaitVisible(css(`form[action$="/delete"] button`)))
		b.shoot("chat-delete-ru")
		b.language("en")

		if got := b.text(`h1`); got != "Delete the channel Telegram bot?" {
			t.Errorf("the question is %q", got)
		}
		b.do("deleted", chromedp.Click(css(`form[action$="/delete"] button`)), chromedp.WaitVisible(css(`p.notice-ok`)),
			chromedp.WaitVisible(css(`.empty`)))
		req, _ = http.NewRequest("POST", address, strings.NewReader(strings.Replace(update, "7001", "7002", 1)))
		req.Header.Set("Authorization", "Bearer "+secret)
		res, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 404 {
			t.Errorf("a message to the deleted channel: %d, want 404", res.StatusCode)
		}
	})
}

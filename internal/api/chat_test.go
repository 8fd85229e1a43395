package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestChatChannels posts messages as a provider would, through the real
// API: a known contact's message lands on their timeline, an unknown
// sender's in the inbox, a repeat is written once, bad input is refused
// with the right status, and a reply becomes the outbox event chat.reply.
func TestChatChannels(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWalker(t, db)
		count := func(query string, args ...any) int {
			var n int
			if err := db.Reader().QueryRowContext(t.Context(), query, args...).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		post := func(public, token, body string) (int, map[string]string) {
			got, text := w.send("POST", "/api/v1/chat/"+public+"/messages", "token="+token, []byte(body), nil)
			out := map[string]string{}
			json.Unmarshal([]byte(text), &out)
			if got >= 500 {
				t.Errorf("%s: %d %s", body, got, text)
			}
			return got, out
		}
		public, token, contact := w.ids["chat_public"], w.ids["chat_token"], w.ids["chat_contact"]
		notes := func() int {
			return count(`SELECT count(*) FROM activities WHERE kind = 'note' AND record_type = 'contact' AND record_id = ?`, contact)
		}
		before := notes()

		// The sender is remembered by their first message's e-mail.
		msg := `{"message": {"id": "m-2", "text": "Is my order shipped?"}, "sender": {"id": "known"}}`
		got, first := post(public, token, msg)
		if got != 201 || first["contact_id"] != contact || first["note_id"] == "" {
			t.Fatalf("known sender: %d %v", got, first)
		}
		if _, text := w.send("GET", "/api/v1/notes/"+first["note_id"], "", nil, nil); !strings.Contains(text, "Is my order shipped?") {
			t.Errorf("the note: %s", text)
		}
		got, again := post(public, token, msg)
		if got != 200 || again["note_id"] != first["note_id"] || notes() != before+1 {
			t.Errorf("repeat: %d %v; notes %d, want %d", got, again, notes(), before+1)
		}

		// An unknown sender is an inbox request of channel chat.
		got, unknown := post(public, token, `{"message": {"id": "m-3", "text": "Prices?"}, "sender": {"id": "new-1", "name": "Stranger", "phone": "+1 415 555 0142"}}`)
		if got != 201 || unknown["request_id"] == "" || unknown["contact_id"] != "" {
			t.Fatalf("unknown sender: %d %v", got, unknown)
		}
		if _, text := w.send("GET", "/api/v1/inbox/"+unknown["request_id"], "", nil, nil); !strings.Contains(text, `"channel":"chat"`) ||
			!strings.Contains(text, "Stranger") {
			t.Errorf("the request: %s", text)
		}
		post(public, token, `{"message": {"id": "m-3", "text": "Prices?"}, "sender": {"id": "new-1", "name": "Stranger"}}`)
		if n := count(`SELECT count(*) FROM inbox_requests WHERE channel = 'chat' AND name = 'Stranger'`); n != 1 {
			t.Errorf("%d requests for one message", n)
		}

		// Once the request is accepted, the sender is its contact.
		got, text := w.send("POST", "/api/v1/inbox/"+unknown["request_id"]+"/accept", "", []byte(`{"pipeline_id": "`+w.ids["pipeline"]+
			`", "stage_id": "`+w.ids["stage"]+`"}`), nil)
		var accepted struct {
			ContactID string `json:"contact_id"`
		}
		if json.Unmarshal([]byte(text), &accepted); got != 200 || accepted.ContactID == "" {
			t.Fatalf("accept: %d %s", got, text)
		}
		got, later := post(public, token, `{"message": {"id": "m-3b", "text": "And delivery?"}, "sender": {"id": "new-1"}}`)
		if got != 201 || later["contact_id"] != accepted.ContactID || later["note_id"] == "" {
			t.Errorf("a message after the request was accepted: %d %v, want contact %s", got, later, accepted.ContactID)
		}

		// Bad input.
		for _, c := range []struct {
			public, token, body string
			status              int
			names               string
		}{
			{public, "chat_wrong", msg, 401, ""},
			{public, "", msg, 401, ""},
			{"1-0000000000000000", token, msg, 404, ""},
			{public, token, `{"message": {"id": "m-4", "text": `, 400, ""},
			{public, token, `{"message": {"id": "m-4"}, "sender": {"id": "x"}}`, 400, "message.text"},
			{public, token, `{"message": {"text": "hi", "id": {"a": 1}}, "sender": {"id": "x"}}`, 400, "message.id"},
			{public, token, `{"message": {"id": "m-5", "text": "` + strings.Repeat("a", 70<<10) + `"}, "sender": {"id": "x"}}`, 413, ""},
		} {
			got, text := w.send("POST", "/api/v1/chat/"+c.public+"/messages", "token="+c.token, []byte(c.body), nil)
			if got != c.status || !strings.Contains(text, c.names) {
				t.Errorf("%.60s: %d %s, want %d naming %q", c.body, got, text, c.status, c.names)
			}
		}

		// A Telegram-style channel maps the bot API's update.
		got, text = w.send("POST", "/api/v1/chat-channels", "", []byte(`{"name": "Telegram", "field_map": {"message_id": "update_id",
			"sender_id": "message.from.id", "sender_name": "message.from.first_name", "text": "message.text", "sent_at": "message.date"}}`), nil)
		var tg struct {
			PublicID string `json:"public_id"`
			Token    string `json:"token"`
		}
		json.Unmarshal([]byte(text), &tg)
		if got != 201 || tg.Token == "" {
			t.Fatalf("telegram channel: %d %s", got, text)
		}
		if _, text := w.send("GET", "/api/v1/chat-channels", "", nil, nil); strings.Contains(text, tg.Token) || strings.Contains(text, "token_hash") {
			t.Errorf("the list shows a token: %s", text)
		}
		got, tgot := post(tg.PublicID, tg.Token, `{"update_id": 815, "message": {"message_id": 3, "date": 1765000000,
			"from": {"id": 4242, "first_name": "Tom"}, "chat": {"id": 4242}, "text": "Hello from Telegram"}}`)
		if got != 201 || tgot["request_id"] == "" || tgot["message_id"] != "815" {
			t.Errorf("telegram message: %d %v", got, tgot)
		}

		// A reply to the known contact is the outbox event chat.reply.
		got, text = w.send("POST", "/api/v1/chat-channels/"+w.ids["chat"]+"/replies", "", []byte(`{"contact_id": "`+contact+`", "text": "Shipped today"}`), nil)
		if got != 201 || !strings.Contains(text, `"recipient_id":"known"`) {
			t.Fatalf("reply: %d %s", got, text)
		}
		if n := count(`SELECT count(*) FROM outbox WHERE object = 'chat' AND action = 'reply' AND record_id = ? AND CAST(changes AS TEXT) LIKE '%Shipped today%'
			AND CAST(changes AS TEXT) LIKE '%known%'`, contact); n != 1 {
			t.Errorf("%d chat.reply events", n)
		}
		got, text = w.send("POST", "/api/v1/chat-channels/"+w.ids["chat"]+"/replies", "", []byte(`{"contact_id": "`+w.ids["contact"]+`", "text": "Hi"}`), nil)
		if got != 400 || !strings.Contains(text, "contact_id") {
			t.Errorf("a reply to a contact unknown on the channel: %d %s", got, text)
		}
	})
}

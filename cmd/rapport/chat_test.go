package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestChatReplyReachesWebhook: a provider's message from a known contact
// lands on their timeline, and a user's reply reaches the provider's
// adapter, a webhook endpoint subscribed to the kind reply, as chat.reply.
func TestChatReplyReachesWebhook(t *testing.T) {
	for name, db := range dbArgs(t) {
		t.Run(name, func(t *testing.T) {
			rapport(t, append([]string{"user", "create", "--email", "ada@example.com", "--password", "analytical-engine", "--role", "administrator"}, db...)...)
			token := strings.TrimSpace(lastLine(rapport(t, append([]string{"token", "create", "--email", "ada@example.com", "--name", "chat"}, db...)...)))
			srv := startServer(t, db)
			var mu sync.Mutex
			var got []string
			adapter := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				mu.Lock()
				got = append(got, string(body))
				mu.Unlock()
				w.WriteHeader(http.StatusNoContent)
			}))
			defer adapter.Close()
			if status, body := srv.call(t, token, "POST", "/api/v1/webhooks", `{"url": "`+adapter.URL+`/out", "events": ["reply"],
				"allow_private": ["127.0.0.0/8"]}`); status != 201 {
				t.Fatalf("subscribe: %d %v", status, body)
			}
			status, ch := srv.call(t, token, "POST", "/api/v1/chat-channels", `{"name": "Site chat"}`)
			if status != 201 {
				t.Fatalf("channel: %d %v", status, ch)
			}
			status, contact := srv.call(t, token, "POST", "/api/v1/contacts", `{"first_name": "Grace", "emails": ["grace@hopper.test"]}`)
			if status != 201 {
				t.Fatalf("contact: %d %v", status, contact)
			}
			status, landed := srv.call(t, ch["token"].(string), "POST", "/api/v1/chat/"+ch["public_id"].(string)+"/messages",
				`{"message": {"id": "w-1", "text": "Where is my order?"}, "sender": {"id": "visitor-7", "email": "grace@hopper.test"}}`)
			if status != 201 || landed["contact_id"] != contact["id"] {
				t.Fatalf("message: %d %v", status, landed)
			}
			// A busy channel posts from one address faster than requests
			// without credentials may come; wrong tokens are limited.
			for i := range 30 {
				if status, body := srv.call(t, ch["token"].(string), "POST", "/api/v1/chat/"+ch["public_id"].(string)+"/messages",
					fmt.Sprintf(`{"message": {"id": "burst-%d", "text": "Hi"}, "sender": {"id": "visitor-7"}}`, i)); status != 201 {
					t.Fatalf("message %d of a burst: %d %v", i, status, body)
				}
			}
			limited := 0
			for range 30 {
				status, _ := srv.call(t, "chat_wrong", "POST", "/api/v1/chat/"+ch["public_id"].(string)+"/messages", `{"message": {"id": "x", "text": "Hi"}, "sender": {"id": "x"}}`)
				if status == http.StatusTooManyRequests {
					limited++
				} else if status != http.StatusUnauthorized {
					t.Fatalf("a wrong token: %d", status)
				}
			}
			if limited == 0 {
				t.Error("30 wrong tokens at once were not limited")
			}
			status, replied := srv.call(t, token, "POST", "/api/v1/chat-channels/"+ch["id"].(string)+"/replies",
				`{"contact_id": "`+contact["id"].(string)+`", "text": "On its way"}`)
			if status != 201 {
				t.Fatalf("reply: %d %v", status, replied)
			}
			for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
				mu.Lock()
				n := len(got)
				mu.Unlock()
				if n > 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("no reply reached the adapter")
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if len(got) != 1 || !strings.Contains(got[0], `"type":"chat.reply"`) || !strings.Contains(got[0], `"recipient_id":"visitor-7"`) ||
				!strings.Contains(got[0], "On its way") {
				t.Errorf("the adapter got %q", got)
			}
		})
	}
}

package web_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

var chatEditLink = regexp.MustCompile(`/settings/chat/(\d+)/edit`)

// TestChatChannelSettings makes, changes and deletes a chat channel
// through its settings screens: refused parts are named under their
// fields with what was typed kept, the token is shown once, a stale save
// is refused, and deleting asks first. A salesperson finds none of it.
func TestChatChannelSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newApp(t, db)
		a.setUp()
		token := a.csrf()
		telegram := []string{"field_map.message_id", "update_id", "field_map.sender_id", "message.from.id",
			"field_map.sender_name", "message.from.first_name", "field_map.sent_at", "message.date"}
		a.get("/settings").want(t, "the settings index", http.StatusOK, `href="/settings/chat"`)
		a.get("/settings/chat").want(t, "no channels", http.StatusOK, "No chat channels yet", `href="/settings/chat/new"`)
		a.get("/settings/chat/new").want(t, "the new channel's form", http.StatusOK, `value="update_id"`, `value="message.from.id"`,
			`value="message.text"`)

		refused := a.post("/settings/chat", a.form(token, append(telegram, "name", " ", "field_map.text", "message..text")...))
		refused.want(t, "a refused channel", http.StatusBadRequest, `<p class="error" id="name-error">`,
			`<p class="error" id="field_map.text-error">`, `value="message..text"`, `aria-describedby="field_map.text-error"`)

		made := a.post("/settings/chat", a.form(token, append(telegram, "name", "Telegram <b>", "field_map.text", "message.text")...))
		made.want(t, "the channel made", http.StatusCreated, "Telegram &lt;b&gt;", `id="chat-token"`, `value="chat_`, "/api/v1/chat/1-")
		m := chatEditLink.FindStringSubmatch(made.body)
		if m == nil {
			t.Fatalf("no edit link in %.300s", made.body)
		}
		id := m[1]
		if list := a.get("/settings/chat"); strings.Contains(list.body, `value="chat_`) || !strings.Contains(list.body, "Telegram &lt;b&gt;") {
			t.Error("the list shows the token again, or not the channel")
		}

		a.get("/settings/chat/"+id+"/edit").want(t, "the edit form", http.StatusOK, `name="version" value="1"`,
			`value="message.from.first_name"`, "/api/v1/chat/1-")
		save := func(name string) answer {
			return a.post("/settings/chat/"+id+"/edit", a.form(token, append(telegram, "name", name, "field_map.text", "message.caption",
				"version", "1")...))
		}
		save("Bot").want(t, "renamed", http.StatusSeeOther, "/settings/chat?done=saved")
		save("Bot again").want(t, "a stale save", http.StatusConflict, "Someone changed this channel", `value="Bot again"`)
		a.get("/settings/chat?done=saved").want(t, "after saving", http.StatusOK, "The channel is saved.", ">Bot<")

		a.get("/settings/chat/"+id+"/delete").want(t, "the question", http.StatusOK, "Delete the channel Bot?",
			`action="/settings/chat/`+id+`/delete"`)
		a.post("/settings/chat/"+id+"/delete", a.form(token)).want(t, "deleted", http.StatusSeeOther, "/settings/chat?done=deleted")
		a.get("/settings/chat/"+id+"/edit").want(t, "a deleted channel", http.StatusNotFound)

		a.post("/settings/chat", a.form(token, append(telegram, "name", "Kept", "field_map.text", "message.text")...)).
			want(t, "another channel", http.StatusCreated)
		a.colleague("sam@example.com", "Sam", "salesperson")
		a.signInWith("sam@example.com", "a long secret")
		token = a.csrf()
		for _, path := range []string{"/settings/chat", "/settings/chat/new", "/settings/chat/2/edit", "/settings/chat/2/delete"} {
			a.get(path).want(t, "a salesperson's GET "+path, http.StatusNotFound)
		}
		for _, path := range []string{"/settings/chat", "/settings/chat/2/edit", "/settings/chat/2/delete"} {
			a.post(path, a.form(token, append(telegram, "name", "Sam's", "field_map.text", "t", "version", "1")...)).
				want(t, "a salesperson's POST "+path, http.StatusNotFound)
		}
		var names []string
		rows, err := db.Reader().QueryContext(t.Context(), `SELECT name FROM chat_channels ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var n string
			rows.Scan(&n)
			names = append(names, n)
		}
		rows.Close()
		if strings.Join(names, ",") != "Kept" {
			t.Errorf("after a salesperson's posts the channels are %v", names)
		}
	})
}

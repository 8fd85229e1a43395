package web

import (
	"net/http"
	"strconv"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/inbox"
	"github.com/rapport-crm/rapport/internal/locale"
)

// The chat channels in settings (docs/decisions/0052-chat-channels.md):
// the list with each channel's message address and what it has taken, a
// form that makes or changes one, and a page that asks before deleting.
// They call the inbox service the API calls.

// chatPage lists the channels. Token is a channel's token just made,
// shown this once.
type chatPage struct {
	frame
	Channels        []chatRow
	Token, TokenFor string
	TokenURL        string // the new channel's message address
	Notice, Problem string
}

// chatRow is one channel as the list shows it.
type chatRow struct {
	ID, Name, URL, Messages, Last string
}

// chatFormPage makes (no ID) or changes one channel.
type chatFormPage struct {
	frame
	ID, Name, URL string
	Version       int64
	Parts         []chatPart
	Errors        map[string]string
	Problem       string
}

// chatPart is one part of a message and the path the channel reads it
// from; Key is its input's name and its error's field.
type chatPart struct {
	Key, Label, Path string
	Required         bool
}

// chatDeletePage asks before a channel is deleted.
type chatDeletePage struct {
	frame
	ID, Name, Messages string
}

// telegramMap is what a new channel's form holds: a Telegram bot's
// update, the README's example, so that the form shows what a path looks
// like. The generic shape is named in the form's hint.
var telegramMap = inbox.FieldMap{MessageID: "update_id", SenderID: "message.from.id", SenderName: "message.from.first_name",
	Text: "message.text", SentAt: "message.date"}

// chatParts are the parts of a message in the form's order, with the
// paths of m.
func chatParts(p *locale.Printer, m inbox.FieldMap) []chatPart {
	return []chatPart{
		{Key: "field_map.message_id", Label: p.T("web.chat.part.message_id"), Path: m.MessageID, Required: true},
		{Key: "field_map.sender_id", Label: p.T("web.chat.part.sender_id"), Path: m.SenderID, Required: true},
		{Key: "field_map.text", Label: p.T("web.chat.part.text"), Path: m.Text, Required: true},
		{Key: "field_map.sender_name", Label: p.T("web.chat.part.sender_name"), Path: m.SenderName},
		{Key: "field_map.sender_phone", Label: p.T("web.chat.part.sender_phone"), Path: m.SenderPhone},
		{Key: "field_map.sender_email", Label: p.T("web.chat.part.sender_email"), Path: m.SenderEmail},
		{Key: "field_map.sent_at", Label: p.T("web.chat.part.sent_at"), Path: m.SentAt},
	}
}

// chatURL is the address a provider posts channel public's messages to.
func chatURL(r *http.Request, public string) string {
	base := "http://" + r.Host
	if r.TLS != nil {
		base = "https://" + r.Host
	}
	return base + "/api/v1/chat/" + public + "/messages"
}

func (s *Server) chatList(w http.ResponseWriter, r *http.Request, v *visit) {
	s.chatShow(w, r, v, http.StatusOK, &chatPage{Notice: chatNotice(v, r.URL.Query().Get("done"))})
}

func chatNotice(v *visit, code string) string {
	switch code {
	case "saved":
		return v.p.T("web.chat.saved")
	case "deleted":
		return v.p.T("web.chat.deleted")
	}
	return ""
}

func (s *Server) chatShow(w http.ResponseWriter, r *http.Request, v *visit, status int, data *chatPage) {
	if s.inbox == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	list, err := s.inbox.Channels(r.Context())
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	taken, err := s.inbox.ChannelsActivity(r.Context())
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data.frame = frame{Nav: "settings"}
	for _, c := range list {
		row := chatRow{ID: c.ID, Name: c.Name, URL: chatURL(r, c.PublicID), Messages: v.p.Number(float64(taken[c.ID].Messages), 0), Last: "—"}
		if at := taken[c.ID].LastAt; at != nil {
			row.Last = v.moment(*at)
		}
		data.Channels = append(data.Channels, row)
	}
	s.render(w, r, v, status, "settings_chat", data)
}

// chatEdit shows the form of a new channel (no id) or of one to change.
func (s *Server) chatEdit(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.inbox == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	data := &chatFormPage{frame: frame{Nav: "settings"}, Parts: chatParts(v.p, telegramMap)}
	if id := r.PathValue("id"); id != "" {
		c, err := s.inbox.GetChannel(r.Context(), id)
		if err != nil {
			s.fail(w, r, v, err)
			return
		}
		data.ID, data.Name, data.URL, data.Version, data.Parts = c.ID, c.Name, chatURL(r, c.PublicID), c.Version, chatParts(v.p, c.FieldMap)
	}
	s.render(w, r, v, http.StatusOK, "settings_chat_channel", data)
}

// chatSave makes or changes a channel from the form; a new channel's
// token is shown on the list, this once.
func (s *Server) chatSave(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.inbox == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	r.ParseForm()
	f := func(k string) string { return r.PostFormValue("field_map." + k) }
	m := inbox.FieldMap{MessageID: f("message_id"), SenderID: f("sender_id"), SenderName: f("sender_name"), SenderPhone: f("sender_phone"),
		SenderEmail: f("sender_email"), Text: f("text"), SentAt: f("sent_at")}
	in := inbox.ChannelInput{Name: r.PostFormValue("name"), FieldMap: &m}
	id := r.PathValue("id")
	var err error
	if id == "" {
		var c inbox.Channel
		if c, err = s.inbox.CreateChannel(r.Context(), in); err == nil {
			s.chatShow(w, r, v, http.StatusCreated, &chatPage{Token: c.Token, TokenFor: c.Name, TokenURL: chatURL(r, c.PublicID)})
			return
		}
	} else {
		in.Version, _ = strconv.ParseInt(r.PostFormValue("version"), 10, 64)
		if _, err = s.inbox.UpdateChannel(r.Context(), id, in); err == nil {
			doneAt(w, r, "/settings/chat", "saved")
			return
		}
	}
	data := &chatFormPage{frame: frame{Nav: "settings"}, ID: id, Name: in.Name, Version: in.Version, Parts: chatParts(v.p, m)}
	if id != "" {
		c, gerr := s.inbox.GetChannel(r.Context(), id)
		if gerr != nil {
			s.fail(w, r, v, gerr)
			return
		}
		data.URL = chatURL(r, c.PublicID)
	}
	if errs, ok := fieldErrors(v, err); ok && len(errs) > 0 && errs["version"] == "" {
		data.Errors = errs
	} else if fault.Is(err, fault.ECONFLICT) {
		data.Problem = v.p.T("web.chat.conflict")
	} else if text, ok := peopleRefusal(v, err); ok {
		data.Problem = text
	} else {
		s.fail(w, r, v, err)
		return
	}
	status := http.StatusBadRequest
	if fault.Is(err, fault.ECONFLICT) {
		status = http.StatusConflict
	}
	s.render(w, r, v, status, "settings_chat_channel", data)
}

// chatAskDelete asks before deleting a channel: its address stops taking
// messages, which a provider may still be sending.
func (s *Server) chatAskDelete(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.inbox == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	c, err := s.inbox.GetChannel(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	taken, err := s.inbox.ChannelsActivity(r.Context())
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	s.render(w, r, v, http.StatusOK, "settings_chat_delete", &chatDeletePage{frame: frame{Nav: "settings"}, ID: c.ID, Name: c.Name,
		Messages: v.p.Number(float64(taken[c.ID].Messages), 0)})
}

func (s *Server) chatDelete(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.inbox == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	if err := s.inbox.DeleteChannel(r.Context(), r.PathValue("id")); err != nil {
		s.fail(w, r, v, err)
		return
	}
	doneAt(w, r, "/settings/chat", "deleted")
}

// Samples for the tests that render every page.

func exampleChat(p *locale.Printer) page {
	return &chatPage{frame: frame{Nav: "settings"}, Token: "chat_0123", TokenFor: "Telegram <b>", Notice: p.T("web.chat.saved"),
		TokenURL: "https://crm.example.com/api/v1/chat/1-ab/messages",
		Channels: []chatRow{{ID: "1", Name: "Telegram <b>", URL: "https://crm.example.com/api/v1/chat/1-ab/messages", Messages: "1,024", Last: "7 Dec 2026, 09:30"},
			{ID: "2", Name: "Site chat", URL: "https://crm.example.com/api/v1/chat/1-cd/messages", Messages: "0", Last: "—"}}}
}

func exampleChatChannel(p *locale.Printer) page {
	m := telegramMap
	m.Text = "message..text"
	return &chatFormPage{frame: frame{Nav: "settings"}, ID: "1", Name: "Telegram <b>", Version: 3, Problem: p.T("web.chat.conflict"),
		URL: "https://crm.example.com/api/v1/chat/1-ab/messages", Parts: chatParts(p, m),
		Errors: map[string]string{"field_map.text": p.FieldError(fault.FieldError{Code: "format"}), "name": p.FieldError(fault.FieldError{Code: "required"})}}
}

func exampleChatDelete(p *locale.Printer) page {
	return &chatDeletePage{frame: frame{Nav: "settings"}, ID: "1", Name: "Telegram <b>", Messages: "1,024"}
}

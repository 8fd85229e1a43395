package api

import (
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/inbox"
)

// selfLimited are the public routes that authenticate by a token of their
// own and take from the per-address bucket of requests without
// credentials only when that token fails: a provider posts every message
// of a busy channel from one address, which the bucket's one a second
// would refuse. They are posted server to server, so no Origin is
// checked.
var selfLimited = map[string]bool{"POST /api/v1/chat/{channel}/messages": true}

// chatRoutes adds the chat channels (docs/decisions/0052-chat-channels.md):
// administrators manage them, a provider posts messages with the
// channel's token and no other credentials, and users reply.
func (s *Server) chatRoutes(route, public router) {
	if s.Inbox == nil {
		return
	}
	route("GET /api/v1/chat-channels", s.listChannels)
	route("POST /api/v1/chat-channels", s.createChannel)
	route("GET /api/v1/chat-channels/{id}", s.getChannel)
	route("PUT /api/v1/chat-channels/{id}", s.updateChannel)
	route("DELETE /api/v1/chat-channels/{id}", s.deleteChannel)
	route("POST /api/v1/chat-channels/{id}/replies", s.replyChat)
	public("POST /api/v1/chat/{channel}/messages", s.receiveChat, "token")
}

func (s *Server) listChannels(w http.ResponseWriter, r *http.Request) {
	l, err := s.Inbox.Channels(r.Context())
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"data": l})
}

func (s *Server) createChannel(w http.ResponseWriter, r *http.Request) {
	var in inbox.ChannelInput
	if err := decodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	c, err := s.Inbox.CreateChannel(r.Context(), in)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/chat-channels/"+c.ID)
	writeJSON(w, r, http.StatusCreated, c)
}

func (s *Server) getChannel(w http.ResponseWriter, r *http.Request) {
	c, err := s.Inbox.GetChannel(r.Context(), r.PathValue("id"))
	answer(w, r, http.StatusOK, c, err)
}

func (s *Server) updateChannel(w http.ResponseWriter, r *http.Request) {
	answerBody(w, r, http.StatusOK, func(in inbox.ChannelInput) (any, error) {
		return s.Inbox.UpdateChannel(r.Context(), r.PathValue("id"), in)
	})
}

func (s *Server) deleteChannel(w http.ResponseWriter, r *http.Request) {
	if err := s.Inbox.DeleteChannel(r.Context(), r.PathValue("id")); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) replyChat(w http.ResponseWriter, r *http.Request) {
	answerBody(w, r, http.StatusCreated, func(in inbox.Reply) (any, error) {
		return s.Inbox.Reply(r.Context(), r.PathValue("id"), in)
	})
}

// receiveChat takes a provider's message: the token in the Authorization
// header as a bearer token, or in the token parameter (which wins) for
// providers that cannot set headers. A first message answers 201, a repeat 200 with the
// same body.
func (s *Server) receiveChat(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	if token == "" {
		token, _ = strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, inbox.MaxChatPayload+1))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			err = fault.Errorf(fault.ETOOLARGE, "a message must be at most %d bytes", inbox.MaxChatPayload)
		}
		writeError(w, r, err)
		return
	}
	got, repeated, err := s.Inbox.ReceiveChat(r.Context(), r.PathValue("channel"), token, body)
	if err != nil {
		if (fault.Is(err, fault.EUNAUTHORIZED) || fault.Is(err, fault.ENOTFOUND)) && !s.takeAnonymous(w, r) {
			return
		}
		writeError(w, r, err)
		return
	}
	status := http.StatusCreated
	if repeated {
		status = http.StatusOK
	}
	writeJSON(w, r, status, got)
}

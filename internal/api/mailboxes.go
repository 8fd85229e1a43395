package api

import (
	"net/http"

	"github.com/rapport-crm/rapport/internal/mailbox"
)

// mailboxRoutes adds the connected IMAP mailboxes
// (docs/decisions/0053-imap-mailboxes.md) and the SMTP server through
// which a personal one sends its owner's letters
// (docs/decisions/0057-send-through-the-users-mailbox.md). Passwords go in
// and never come out.
func (s *Server) mailboxRoutes(route router) {
	if s.Mailboxes == nil {
		return
	}
	route("GET /api/v1/mailboxes", s.listMailboxes)
	route("POST /api/v1/mailboxes", s.connectMailbox)
	route("DELETE /api/v1/mailboxes/{id}", s.disconnectMailbox)
	route("PUT /api/v1/mailboxes/{id}/outgoing", s.setMailboxOutgoing)
}

func (s *Server) listMailboxes(w http.ResponseWriter, r *http.Request) {
	list, err := s.Mailboxes.List(r.Context())
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"data": list})
}

func (s *Server) connectMailbox(w http.ResponseWriter, r *http.Request) {
	answerBody(w, r, http.StatusCreated, func(in mailbox.Input) (any, error) {
		return s.Mailboxes.Connect(r.Context(), in)
	})
}

func (s *Server) disconnectMailbox(w http.ResponseWriter, r *http.Request) {
	if err := s.Mailboxes.Disconnect(r.Context(), r.PathValue("id")); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) setMailboxOutgoing(w http.ResponseWriter, r *http.Request) {
	answerBody(w, r, http.StatusOK, func(out mailbox.Outgoing) (any, error) {
		return s.Mailboxes.SetOutgoing(r.Context(), r.PathValue("id"), out)
	})
}

package api

import (
	"net/http"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/letter"
)

// letterRoutes adds the mail templates, the letters written from them and
// each user's signature (docs/decisions/0056-mail-templates.md).
// Administrators write templates; everyone reads them, previews a letter
// for a record they may read and sends it.
func (s *Server) letterRoutes(route router) {
	if s.Letters == nil {
		return
	}
	route("GET /api/v1/mail-templates", s.listTemplates)
	route("POST /api/v1/mail-templates", s.createTemplate)
	route("GET /api/v1/mail-templates/{id}", s.getTemplate)
	route("PATCH /api/v1/mail-templates/{id}", s.updateTemplate)
	route("DELETE /api/v1/mail-templates/{id}", s.deleteTemplate)
	route("GET /api/v1/mail-templates/{id}/letter", s.renderLetter, "record_id")
	route("POST /api/v1/mail-templates/{id}/send", s.sendLetters)
	route("POST /api/v1/letters", s.sendDraft)
	route("GET /api/v1/me/signature", s.getSignature)
	route("PUT /api/v1/me/signature", s.putSignature)
}

func (s *Server) listTemplates(w http.ResponseWriter, r *http.Request) {
	list, err := s.Letters.List(r.Context())
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"data": list})
}

func (s *Server) getTemplate(w http.ResponseWriter, r *http.Request) {
	t, err := s.Letters.Get(r.Context(), r.PathValue("id"))
	answer(w, r, http.StatusOK, t, err)
}

func (s *Server) createTemplate(w http.ResponseWriter, r *http.Request) {
	answerBody(w, r, http.StatusCreated, func(in letter.Input) (any, error) {
		return s.Letters.Create(r.Context(), in)
	})
}

func (s *Server) updateTemplate(w http.ResponseWriter, r *http.Request) {
	answerBody(w, r, http.StatusOK, func(in letter.Input) (any, error) {
		return s.Letters.Update(r.Context(), r.PathValue("id"), in)
	})
}

func (s *Server) deleteTemplate(w http.ResponseWriter, r *http.Request) {
	if err := s.Letters.Delete(r.Context(), r.PathValue("id")); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) renderLetter(w http.ResponseWriter, r *http.Request) {
	record := r.URL.Query().Get("record_id")
	if record == "" {
		writeError(w, r, fault.Field("record_id", "required", "name the record to write the letter for"))
		return
	}
	l, err := s.Letters.Render(r.Context(), r.PathValue("id"), record)
	answer(w, r, http.StatusOK, l, err)
}

func (s *Server) sendLetters(w http.ResponseWriter, r *http.Request) {
	answerBody(w, r, http.StatusAccepted, func(in letter.Sending) (any, error) {
		return s.Letters.Send(r.Context(), r.PathValue("id"), in)
	})
}

// sendDraft queues a letter the caller wrote, often an answer to a kept
// one (docs/decisions/0061-compose-and-reply.md).
func (s *Server) sendDraft(w http.ResponseWriter, r *http.Request) {
	answerBody(w, r, http.StatusAccepted, func(in letter.Draft) (any, error) {
		return s.Letters.SendDraft(r.Context(), in)
	})
}

// signatureBody is the body of GET and PUT /me/signature.
type signatureBody struct {
	Signature *string `json:"signature"`
}

func (s *Server) getSignature(w http.ResponseWriter, r *http.Request) {
	sig, err := s.Letters.Signature(r.Context())
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, signatureBody{Signature: &sig})
}

func (s *Server) putSignature(w http.ResponseWriter, r *http.Request) {
	var in signatureBody
	if err := decodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	if in.Signature == nil {
		writeError(w, r, fault.Field("signature", "required", "give the signature; an empty one removes it"))
		return
	}
	if err := s.Letters.SetSignature(r.Context(), *in.Signature); err != nil {
		writeError(w, r, err)
		return
	}
	s.getSignature(w, r)
}

package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/inbox"
)

// inboxRoutes adds the inbox of incoming requests and the web forms that
// feed it (docs/decisions/0046-inbox-and-web-forms.md). Requests are read
// and sorted under the caller's permissions on deals; forms are settings,
// for administrators.
func (s *Server) inboxRoutes(route router) {
	if s.Inbox == nil {
		return
	}
	route("GET /api/v1/inbox", s.listInbox, "status", "channel", "pipeline_id", "contact_id", "company_id", "limit", "cursor")
	route("POST /api/v1/inbox", s.createInbox)
	route("GET /api/v1/inbox/summary", s.inboxSummary, "from", "to")
	route("GET /api/v1/inbox/{id}", s.getInbox)
	route("POST /api/v1/inbox/{id}/accept", s.acceptInbox)
	route("POST /api/v1/inbox/{id}/link", s.linkInbox)
	route("POST /api/v1/inbox/{id}/decline", s.declineInbox)
	route("GET /api/v1/forms", s.listForms)
	route("POST /api/v1/forms", s.createForm)
	route("GET /api/v1/forms/{id}", s.getForm)
	route("PUT /api/v1/forms/{id}", s.updateForm)
	route("DELETE /api/v1/forms/{id}", s.deleteForm)
}

func (s *Server) listInbox(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := inbox.Filter{Status: q.Get("status"), Channel: q.Get("channel"), PipelineID: q.Get("pipeline_id"),
		ContactID: q.Get("contact_id"), CompanyID: q.Get("company_id"), Cursor: q.Get("cursor")}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil {
			writeError(w, r, fault.Field("limit", "type", "must be a whole number"))
			return
		}
		f.Limit = n
	}
	page, err := s.Inbox.List(r.Context(), f)
	answer(w, r, http.StatusOK, page, err)
}

func (s *Server) createInbox(w http.ResponseWriter, r *http.Request) {
	var in inbox.Input
	if err := decodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	req, err := s.Inbox.Create(r.Context(), in)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/inbox/"+req.ID)
	writeJSON(w, r, http.StatusCreated, req)
}

func (s *Server) getInbox(w http.ResponseWriter, r *http.Request) {
	req, err := s.Inbox.Get(r.Context(), r.PathValue("id"))
	answer(w, r, http.StatusOK, req, err)
}

// inboxSummary counts the requests per channel; from and to are days
// (YYYY-MM-DD, UTC), to inclusive.
func (s *Server) inboxSummary(w http.ResponseWriter, r *http.Request) {
	var from, to time.Time
	if err := queryDays(r, &from, &to); err != nil {
		writeError(w, r, err)
		return
	}
	if !to.IsZero() {
		to = to.AddDate(0, 0, 1)
	}
	sum, err := s.Inbox.Summary(r.Context(), from, to)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"data": sum})
}

// queryDays reads the query's from and to as days (YYYY-MM-DD) into from
// and to, leaving either as it is when absent; a malformed one is a field
// error naming it.
func queryDays(r *http.Request, from, to *time.Time) error {
	var c fault.Collector
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"from", from}, {"to", to}} {
		v := r.URL.Query().Get(p.name)
		if v == "" {
			continue
		}
		d, err := time.Parse(time.DateOnly, v)
		if err != nil {
			c.Add(p.name, "format", "must be a date, YYYY-MM-DD")
			continue
		}
		*p.t = d
	}
	return c.Err()
}

func (s *Server) acceptInbox(w http.ResponseWriter, r *http.Request) {
	answerOptionalBody(w, r, http.StatusOK, func(in inbox.Accept) (any, error) {
		return s.Inbox.Accept(r.Context(), r.PathValue("id"), in)
	})
}

func (s *Server) linkInbox(w http.ResponseWriter, r *http.Request) {
	var in struct {
		DealID string `json:"deal_id"`
	}
	if err := decodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	req, err := s.Inbox.Link(r.Context(), r.PathValue("id"), in.DealID)
	answer(w, r, http.StatusOK, req, err)
}

func (s *Server) declineInbox(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	req, err := s.Inbox.Decline(r.Context(), r.PathValue("id"), in.Reason)
	answer(w, r, http.StatusOK, req, err)
}

func (s *Server) listForms(w http.ResponseWriter, r *http.Request) {
	forms, err := s.Inbox.Forms(r.Context())
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"data": forms})
}

func (s *Server) createForm(w http.ResponseWriter, r *http.Request) {
	var in inbox.FormInput
	if err := decodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	f, err := s.Inbox.CreateForm(r.Context(), in)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/forms/"+f.ID)
	writeJSON(w, r, http.StatusCreated, f)
}

func (s *Server) getForm(w http.ResponseWriter, r *http.Request) {
	f, err := s.Inbox.GetForm(r.Context(), r.PathValue("id"))
	answer(w, r, http.StatusOK, f, err)
}

func (s *Server) updateForm(w http.ResponseWriter, r *http.Request) {
	answerBody(w, r, http.StatusOK, func(in inbox.FormInput) (any, error) {
		return s.Inbox.UpdateForm(r.Context(), r.PathValue("id"), in)
	})
}

func (s *Server) deleteForm(w http.ResponseWriter, r *http.Request) {
	if err := s.Inbox.DeleteForm(r.Context(), r.PathValue("id")); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/phone"
)

// phoneRoutes adds telephony (docs/decisions/0050-telephony.md): the
// phone integrations, for administrators; the call-event endpoint, which
// a phone system calls with its integration's token instead of a user's
// credentials; the calls report; and click-to-call.
func (s *Server) phoneRoutes(route, token router) {
	if s.Phone == nil {
		return
	}
	route("GET /api/v1/phone-integrations", s.listPhoneIntegrations)
	route("POST /api/v1/phone-integrations", s.createPhoneIntegration)
	route("GET /api/v1/phone-integrations/{id}", s.getPhoneIntegration)
	route("PUT /api/v1/phone-integrations/{id}", s.updatePhoneIntegration)
	route("DELETE /api/v1/phone-integrations/{id}", s.deletePhoneIntegration)
	route("POST /api/v1/phone-integrations/{id}/rotate", s.rotatePhoneIntegration)
	route("GET /api/v1/phone/report", s.phoneReport, "from", "to")
	route("POST /api/v1/phone/originate", s.originate)
	token("POST /api/v1/calls/events", s.callEvent)
}

func (s *Server) listPhoneIntegrations(w http.ResponseWriter, r *http.Request) {
	list, err := s.Phone.List(r.Context())
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"data": list})
}

func (s *Server) getPhoneIntegration(w http.ResponseWriter, r *http.Request) {
	i, err := s.Phone.Get(r.Context(), r.PathValue("id"))
	answer(w, r, http.StatusOK, i, err)
}

func (s *Server) createPhoneIntegration(w http.ResponseWriter, r *http.Request) {
	var in phone.Input
	if err := decodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	i, err := s.Phone.Create(r.Context(), in)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/phone-integrations/"+i.ID)
	writeJSON(w, r, http.StatusCreated, i)
}

func (s *Server) updatePhoneIntegration(w http.ResponseWriter, r *http.Request) {
	answerBody(w, r, http.StatusOK, func(in phone.Input) (any, error) {
		return s.Phone.Update(r.Context(), r.PathValue("id"), in)
	})
}

func (s *Server) deletePhoneIntegration(w http.ResponseWriter, r *http.Request) {
	if err := s.Phone.Delete(r.Context(), r.PathValue("id")); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) rotatePhoneIntegration(w http.ResponseWriter, r *http.Request) {
	i, err := s.Phone.Rotate(r.Context(), r.PathValue("id"))
	answer(w, r, http.StatusOK, i, err)
}

// callEvent applies one event of a call. The integration's token comes
// as a bearer token; a wrong one counts like a request without
// credentials, so that guessing tokens runs into the same limit.
func (s *Server) callEvent(w http.ResponseWriter, r *http.Request) {
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	var e phone.Event
	if err := decodeJSON(r, &e); err != nil {
		writeError(w, r, err)
		return
	}
	out, err := s.Phone.Receive(r.Context(), strings.TrimSpace(token), e)
	if fault.Is(err, fault.EUNAUTHORIZED) && !s.takeAnonymous(w, r) {
		return
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, out)
}

// phoneReport answers the calls per user and day; from and to are days
// (YYYY-MM-DD), both included; the default is the last 30 days.
func (s *Server) phoneReport(w http.ResponseWriter, r *http.Request) {
	to := time.Now().UTC()
	from := to.AddDate(0, 0, -29)
	if err := queryDays(r, &from, &to); err != nil {
		writeError(w, r, err)
		return
	}
	rows, err := s.Phone.Report(r.Context(), from, to)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"data": rows})
}

// originate asks the phone system to ring the caller's extension and then
// dial a number.
func (s *Server) originate(w http.ResponseWriter, r *http.Request) {
	answerBody(w, r, http.StatusAccepted, func(in phone.Originate) (any, error) {
		return s.Phone.Originate(r.Context(), in)
	})
}

package api

import (
	"net/http"

	"github.com/rapport-crm/rapport/internal/assign"
)

// assignmentRoutes adds the assignment rules, for administrators only:
// one ordered list per workspace, read and replaced whole
// (docs/decisions/0051-assignment-rules.md).
func (s *Server) assignmentRoutes(route router) {
	if s.DB == nil {
		return
	}
	h := assignmentHandlers{svc: assign.New(s.DB, assign.Options{Logger: s.Log})}
	route("GET /api/v1/assignment-rules", h.get)
	route("PUT /api/v1/assignment-rules", h.put)
}

type assignmentHandlers struct{ svc *assign.Service }

func (h assignmentHandlers) get(w http.ResponseWriter, r *http.Request) {
	st, err := h.svc.Get(r.Context())
	answer(w, r, http.StatusOK, st, err)
}

func (h assignmentHandlers) put(w http.ResponseWriter, r *http.Request) {
	answerBody(w, r, http.StatusOK, func(in assign.Settings) (any, error) {
		return h.svc.Put(r.Context(), in)
	})
}

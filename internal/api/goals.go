package api

import (
	"net/http"
	"time"

	"github.com/rapport-crm/rapport/internal/goals"
)

// goalRoutes adds the goals' endpoints. A goal is answered with its
// progress; one the caller may not see is not found
// (docs/decisions/0032-goals-and-digest.md).
func (s *Server) goalRoutes(route router) {
	if s.DB == nil || s.Engine == nil {
		return
	}
	g := goals.New(s.DB, s.Engine, s.Sales)
	h := goalHandlers{svc: g}
	route("GET /api/v1/goals", h.list, "period")
	route("POST /api/v1/goals", h.create)
	route("GET /api/v1/goals/{id}", h.get)
	route("PATCH /api/v1/goals/{id}", h.update)
	route("DELETE /api/v1/goals/{id}", h.delete)
}

type goalHandlers struct{ svc *goals.Service }

// progress answers goals with their progress as of today (UTC).
func (h goalHandlers) progress(w http.ResponseWriter, r *http.Request, status int, list []goals.Goal, one bool) {
	out, err := h.svc.ProgressOf(r.Context(), list, time.Now().UTC())
	if err != nil {
		writeError(w, r, err)
		return
	}
	if one && len(out) == 1 {
		writeJSON(w, r, status, out[0])
		return
	}
	writeJSON(w, r, status, map[string]any{"data": out})
}

func (h goalHandlers) list(w http.ResponseWriter, r *http.Request) {
	list, err := h.svc.List(r.Context(), r.URL.Query().Get("period"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	h.progress(w, r, http.StatusOK, list, false)
}

func (h goalHandlers) get(w http.ResponseWriter, r *http.Request) {
	g, err := h.svc.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	h.progress(w, r, http.StatusOK, []goals.Goal{g}, true)
}

func (h goalHandlers) create(w http.ResponseWriter, r *http.Request) {
	var in goals.Input
	if err := decodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	g, err := h.svc.Create(r.Context(), in)
	if err != nil {
		writeError(w, r, err)
		return
	}
	h.progress(w, r, http.StatusCreated, []goals.Goal{g}, true)
}

func (h goalHandlers) update(w http.ResponseWriter, r *http.Request) {
	var in goals.Input
	if err := decodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	g, err := h.svc.Update(r.Context(), r.PathValue("id"), in)
	if err != nil {
		writeError(w, r, err)
		return
	}
	h.progress(w, r, http.StatusOK, []goals.Goal{g}, true)
}

func (h goalHandlers) delete(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.Delete(r.Context(), r.PathValue("id")); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// addGoalPaths describes the goals' endpoints.
func addGoalPaths(paths, schemas obj) {
	schemas["Goal"] = obj{"type": "object", "properties": obj{
		"id": obj{"type": "string", "readOnly": true}, "version": obj{"type": "integer", "readOnly": true},
		"metric":     obj{"type": "string", "enum": goals.Metrics},
		"subject":    obj{"type": "string", "enum": goals.Subjects},
		"subject_id": obj{"type": "string", "description": "the user's or the team's id; none for the company"},
		"period":     obj{"type": "string", "description": "a month (2026-12) or a quarter (2026-Q4)"},
		"target":     obj{"type": "integer", "minimum": 1, "description": "a count, or for won_value an amount in minor units of currency"},
		"currency":   obj{"type": "string", "description": "ISO 4217; required for won_value, converted at the rates of the period's last day"},
		"editable":   obj{"type": "boolean", "readOnly": true}}}
	schemas["GoalProgress"] = obj{"allOf": []obj{ref("Goal"), {"type": "object", "properties": obj{
		"done":        obj{"type": []string{"integer", "null"}, "description": "null when the caller's role hides deals' value"},
		"gap":         obj{"type": []string{"integer", "null"}},
		"percent":     obj{"type": "integer"},
		"days_left":   obj{"type": "integer", "description": "working days (Monday to Friday) left in the period, today included"},
		"per_day":     obj{"type": []string{"integer", "null"}, "description": "the gap per working day left"},
		"unconverted": obj{"type": "array", "items": str()}}}}}
	id := []obj{{"name": "id", "in": "path", "required": true, "schema": str()}}
	desc := "A user sees their own goals and their team's; a team's manager the team's and its members'; " +
		"a role that reads every deal also the company's; administrators all. Administrators and team managers set them."
	op := func(opID, status, schema string, params []obj, body bool) obj {
		o := obj{"tags": []string{"goals"}, "operationId": opID, "description": desc,
			"responses": obj{status: response("the goal with its progress", schema), "4XX": problem}}
		if len(params) > 0 {
			o["parameters"] = params
		}
		if body {
			o["requestBody"] = jsonBody("Goal")
		}
		return o
	}
	deleteOp := obj{"tags": []string{"goals"}, "operationId": "delete_goal", "description": desc,
		"responses": obj{"204": obj{"description": "deleted"}, "4XX": problem}}
	paths["/goals"] = obj{
		"get":  op("list_goals", "200", "GoalProgress", []obj{{"name": "period", "in": "query", "schema": str()}}, false),
		"post": op("create_goal", "201", "GoalProgress", nil, true)}
	paths["/goals/{id}"] = obj{"parameters": id,
		"get":    op("get_goal", "200", "GoalProgress", nil, false),
		"patch":  op("update_goal", "200", "GoalProgress", nil, true),
		"delete": deleteOp}
}

package api

import (
	"net/http"

	"github.com/rapport-crm/rapport/internal/scores"
)

// scoreRoutes are the lead score of a record, which whoever may read the
// record sees, and the scoring rules and models, which administrators
// manage (docs/decisions/0031-scores.md).
func (s *Server) scoreRoutes(route router) {
	if s.Scores == nil {
		return
	}
	route("GET /api/v1/contacts/{id}/score", s.recordScore("contact"))
	route("GET /api/v1/deals/{id}/score", s.recordScore("deal"))
	route("GET /api/v1/scores/rules", s.listScoreRules)
	route("POST /api/v1/scores/rules", s.addScoreRule)
	route("DELETE /api/v1/scores/rules/{id}", s.deleteScoreRule)
	route("GET /api/v1/scores/models", s.listScoreModels)
}

func (s *Server) recordScore(object string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sc, err := s.Scores.Explain(r.Context(), object, r.PathValue("id"))
		if err != nil {
			writeError(w, r, err)
			return
		}
		writeJSON(w, r, http.StatusOK, sc)
	}
}

func (s *Server) listScoreRules(w http.ResponseWriter, r *http.Request) {
	if _, err := RequireAdmin(r.Context()); err != nil {
		writeError(w, r, err)
		return
	}
	rules, err := s.Scores.Rules(r.Context(), "")
	if err != nil {
		writeError(w, r, err)
		return
	}
	if rules == nil {
		rules = []scores.Rule{}
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"data": rules})
}

func (s *Server) addScoreRule(w http.ResponseWriter, r *http.Request) {
	if _, err := RequireAdmin(r.Context()); err != nil {
		writeError(w, r, err)
		return
	}
	var in scores.Rule
	if err := decodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	in.ID = ""
	rule, err := s.Scores.AddRule(r.Context(), in)
	answer(w, r, http.StatusCreated, rule, err)
}

func (s *Server) deleteScoreRule(w http.ResponseWriter, r *http.Request) {
	if _, err := RequireAdmin(r.Context()); err != nil {
		writeError(w, r, err)
		return
	}
	if err := s.Scores.DeleteRule(r.Context(), r.PathValue("id")); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listScoreModels(w http.ResponseWriter, r *http.Request) {
	if _, err := RequireAdmin(r.Context()); err != nil {
		writeError(w, r, err)
		return
	}
	models, err := s.Scores.Models(r.Context())
	if err != nil {
		writeError(w, r, err)
		return
	}
	if models == nil {
		models = []scores.Status{}
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"data": models, "min_per_class": scores.MinClass,
		"churn_window_days": int(scores.ChurnWindow.Hours() / 24)})
}

// addScorePaths describes the scores' endpoints: the lead score of a
// record to everyone, the rules and models to administrators.
func addScorePaths(paths obj, admin bool) {
	id := []obj{{"name": "id", "in": "path", "required": true, "schema": str()}}
	op := func(opID, desc, status string, body bool) obj {
		o := obj{"tags": []string{"scores"}, "operationId": opID, "description": desc,
			"responses": obj{status: obj{"description": "the result"}, "4XX": problem}}
		if body {
			o["requestBody"] = obj{"required": true, "content": obj{"application/json": obj{"schema": obj{"type": "object"}}}}
		}
		return o
	}
	for _, p := range []string{"contacts", "deals"} {
		paths["/"+p+"/{id}/score"] = obj{"parameters": id, "get": op("get_"+p+"_score",
			`The record's lead score and the rules that make it: {"total": n, "reasons": [{"rule": …, "count": n, "points": n}]}. `+
				"A reason about a field the caller's role hides is left out.", "200", false)}
	}
	if !admin {
		return
	}
	paths["/scores/rules"] = obj{
		"get": op("list_score_rules", "The lead scoring rules (administrators).", "200", false),
		"post": op("add_score_rule", `A rule: {"object": "contact"|"deal", "kind": "field", "field": "source" or "company.size", "value": "web_form", "points": 10} `+
			`or {"object": …, "kind": "activity", "activity": "call"|"call_answered"|"meeting"|"note"|"task_done"|"idle_day", "points": -1}. `+
			"Points from -1000 to 1000, not 0; a select's value must be one of its options.", "201", true)}
	paths["/scores/rules/{id}"] = obj{"parameters": id, "delete": op("delete_score_rule", "", "204", false)}
	paths["/scores/models"] = obj{"get": op("list_score_models",
		"The win and churn models: whether each had enough history, its held-out AUC and its standardised factors (administrators).", "200", false)}
}

package api

import (
	"encoding/json"
	"net/http"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/records"
)

// initRoles picks the RolePolicy that keeps roles: the engine's own when it
// grants by role, so that a role changed here applies to the very next
// request; a fresh one over the database otherwise.
func (s *Server) initRoles() {
	if s.Roles != nil {
		return
	}
	p := s.Engine.Policy()
	if u, ok := p.(interface{ Unwrap() access.Policy }); ok {
		p = u.Unwrap()
	}
	if rp, ok := p.(*access.RolePolicy); ok {
		s.Roles = rp
		return
	}
	s.Roles = access.NewRolePolicy(s.DB)
}

// listRoles answers GET /api/v1/roles. Who may see and change roles is
// itself a grant (object "role"), which only administrators hold by default.
func (s *Server) listRoles(w http.ResponseWriter, r *http.Request) {
	roles, err := s.Roles.Roles(r.Context())
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"data": roles})
}

func (s *Server) getRole(w http.ResponseWriter, r *http.Request) {
	role, err := s.Roles.Role(r.Context(), r.PathValue("name"))
	answer(w, r, http.StatusOK, role, err)
}

func (s *Server) createRole(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var spec access.RoleSpec
	if err := records.DecodeStrict(body, &spec); err != nil {
		writeError(w, r, err)
		return
	}
	role, err := s.Roles.CreateRole(r.Context(), spec)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/roles/"+role.Name)
	writeJSON(w, r, http.StatusCreated, role)
}

// updateRole answers PATCH /api/v1/roles/{name} with a JSON merge patch
// (RFC 7396): {"grants": {"contact": {"delete": "none"}}} changes one grant,
// and null removes a field rule.
func (s *Server) updateRole(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	patch, err := records.DecodeInput(body)
	if err != nil {
		writeError(w, r, err)
		return
	}
	role, err := s.Roles.UpdateRole(r.Context(), r.PathValue("name"), func(spec *access.RoleSpec) error {
		return applyMergePatch(spec, patch)
	})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, role)
}

func (s *Server) deleteRole(w http.ResponseWriter, r *http.Request) {
	if err := s.Roles.DeleteRole(r.Context(), r.PathValue("name")); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// applyMergePatch applies patch to spec as JSON, then reads the result
// back strictly, so a misspelt key is named rather than ignored.
func applyMergePatch(spec *access.RoleSpec, patch map[string]any) error {
	cur, err := json.Marshal(spec)
	if err != nil {
		return err
	}
	var doc map[string]any
	if err := json.Unmarshal(cur, &doc); err != nil {
		return err
	}
	next, err := json.Marshal(mergePatch(doc, patch))
	if err != nil {
		return err
	}
	var out access.RoleSpec
	if err := records.DecodeStrict(next, &out); err != nil {
		return err
	}
	*spec = out
	return nil
}

// mergePatch is RFC 7396: objects merge key by key, null deletes, anything
// else replaces.
func mergePatch(target any, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
			continue
		}
		t[k] = mergePatch(t[k], v)
	}
	return t
}

// addRolePaths documents the roles endpoints, for callers who may read
// roles.
func addRolePaths(paths, schemas obj) {
	scopes := obj{"enum": []string{"none", "own", "team", "all"}}
	actions := obj{"type": "object", "additionalProperties": scopes,
		"description": "action (create, read, update, delete, export) -> scope"}
	rules := obj{"type": "object", "additionalProperties": obj{"type": "object",
		"additionalProperties": obj{"enum": []string{"hidden", "read_only"}}}, "description": "object -> field -> rule"}
	grants := obj{"type": "object", "additionalProperties": actions, "description": "object -> action -> scope"}
	schemas["RoleInput"] = obj{"type": "object", "required": []string{"name"}, "additionalProperties": false,
		"properties": obj{"name": obj{"type": "string", "pattern": "^[a-z][a-z0-9_]{0,62}$"}, "label": str(),
			"grants": grants, "fields": rules}}
	schemas["Role"] = obj{"type": "object", "properties": obj{"name": str(), "label": str(),
		"builtin": obj{"type": "boolean"}, "grants": grants, "fields": rules,
		"created_at": obj{"type": "string", "format": "date-time"}, "updated_at": obj{"type": "string", "format": "date-time"}}}
	name := obj{"name": "name", "in": "path", "required": true, "schema": str()}
	tags := []string{"roles"}
	paths["/roles"] = obj{
		"get": obj{"tags": tags, "operationId": "list_roles", "responses": obj{"200": obj{"description": "the roles",
			"content": obj{"application/json": obj{"schema": obj{"type": "object", "properties": obj{
				"data": obj{"type": "array", "items": ref("Role")}}}}}}, "4XX": problem}},
		"post": obj{"tags": tags, "operationId": "create_role", "requestBody": jsonBody("RoleInput"),
			"responses": obj{"201": response("created", "Role"), "4XX": problem}},
	}
	paths["/roles/{name}"] = obj{
		"parameters": []obj{name},
		"get":        obj{"tags": tags, "operationId": "get_role", "responses": obj{"200": response("the role", "Role"), "4XX": problem}},
		"patch": obj{"tags": tags, "operationId": "update_role", "description": "a JSON merge patch; built-in roles cannot change",
			"requestBody": obj{"required": true, "content": obj{"application/merge-patch+json": obj{"schema": obj{"type": "object"}}}},
			"responses":   obj{"200": response("the role", "Role"), "4XX": problem}},
		"delete": obj{"tags": tags, "operationId": "delete_role", "description": "only a role that is not built in and that no user has",
			"responses": obj{"204": obj{"description": "deleted"}, "4XX": problem}},
	}
}

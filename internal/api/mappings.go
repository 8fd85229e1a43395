package api

import (
	"net/http"

	"github.com/rapport-crm/rapport/internal/importer"
)

// mappingRoutes adds the saved import mappings: a column header → field
// map kept by name per object (docs/decisions/0062-import-mappings.md),
// which POST /api/v1/imports takes as mapping_id.
func (s *Server) mappingRoutes(route router) {
	route("GET /api/v1/import-mappings", s.listMappings, "object")
	route("POST /api/v1/import-mappings", s.saveMapping)
	route("GET /api/v1/import-mappings/{id}", s.getMapping)
	route("PUT /api/v1/import-mappings/{id}", s.updateMapping)
	route("DELETE /api/v1/import-mappings/{id}", s.deleteMapping)
}

func (s *Server) listMappings(w http.ResponseWriter, r *http.Request) {
	list, err := s.imports.Mappings(r.Context(), r.URL.Query().Get("object"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"data": list})
}

func (s *Server) getMapping(w http.ResponseWriter, r *http.Request) {
	m, err := s.imports.Mapping(r.Context(), r.PathValue("id"))
	answer(w, r, http.StatusOK, m, err)
}

func (s *Server) saveMapping(w http.ResponseWriter, r *http.Request) {
	var in importer.MappingInput
	if err := decodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	m, err := s.imports.SaveMapping(r.Context(), in)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/import-mappings/"+m.ID)
	writeJSON(w, r, http.StatusCreated, m)
}

func (s *Server) updateMapping(w http.ResponseWriter, r *http.Request) {
	answerBody(w, r, http.StatusOK, func(in importer.MappingInput) (any, error) {
		return s.imports.UpdateMapping(r.Context(), r.PathValue("id"), in)
	})
}

func (s *Server) deleteMapping(w http.ResponseWriter, r *http.Request) {
	if err := s.imports.DeleteMapping(r.Context(), r.PathValue("id")); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// addMappingPaths describes the saved import mappings.
func addMappingPaths(paths obj) {
	tags := []string{"imports"}
	id := obj{"name": "id", "in": "path", "required": true, "schema": str()}
	one := obj{"description": "the saved mapping: id, object, name, mapping, version, created_by, created_at, updated_at",
		"content": obj{"application/json": obj{}}}
	body := obj{"required": true, "content": obj{"application/json": obj{"schema": obj{"type": "object", "properties": obj{
		"object":  obj{"enum": importerObjects(), "description": "on a save; a mapping's object cannot change"},
		"name":    obj{"type": "string", "description": "unique per object, in any case; at most 100 characters"},
		"mapping": obj{"type": "object", "additionalProperties": str(), "description": `column header to field, as an import's mapping; "" leaves a column out`},
		"version": obj{"type": "integer", "description": "on a change: refused (409) when the mapping is at another"},
	}}}}}
	paths["/import-mappings"] = obj{
		"get": obj{"tags": tags, "operationId": "list_import_mappings",
			"description": "The saved mappings of the objects the caller may import, by object and name.",
			"parameters": []obj{{"name": "object", "in": "query", "schema": obj{"enum": importerObjects()},
				"description": "only this object's"}},
			"responses": obj{"200": obj{"description": "the mappings", "content": obj{"application/json": obj{}}}, "4XX": problem}},
		"post": obj{"tags": tags, "operationId": "save_import_mapping",
			"description": "Saves a column header → field map by name, for POST /imports?mapping_id=. Its fields are checked as an import checks them.",
			"requestBody": body, "responses": obj{"201": one, "4XX": problem}},
	}
	paths["/import-mappings/{id}"] = obj{
		"get": obj{"tags": tags, "operationId": "get_import_mapping", "parameters": []obj{id},
			"responses": obj{"200": one, "4XX": problem}},
		"put": obj{"tags": tags, "operationId": "update_import_mapping", "parameters": []obj{id},
			"description": "Renames the mapping or changes its map; the parts left out stay.",
			"requestBody": body, "responses": obj{"200": one, "4XX": problem}},
		"delete": obj{"tags": tags, "operationId": "delete_import_mapping", "parameters": []obj{id},
			"responses": obj{"204": obj{"description": "deleted"}, "4XX": problem}},
	}
}

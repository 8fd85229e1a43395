package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/duplicate"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
)

// duplicateRoutes adds duplicate detection and merging. The paths name
// their object literally: a pattern such as /{object}/duplicates would
// overlap /fields/{object}, which ServeMux refuses.
func (s *Server) duplicateRoutes(route router) {
	if s.Duplicates == nil {
		return
	}
	for _, object := range []string{"contacts", "companies"} {
		route("GET /api/v1/"+object+"/duplicates", s.withObject(object, s.listDuplicates), "limit", "cursor")
		route("POST /api/v1/"+object+"/duplicates/check", s.withObject(object, s.checkDuplicates))
		route("POST /api/v1/"+object+"/merge", s.withObject(object, s.merge))
		// dupes: begin
		route("GET /api/v1/"+object+"/duplicates/review", s.withObject(object, s.reviewDuplicates), "limit", "cursor")
		route("POST /api/v1/"+object+"/duplicates/decisions", s.withObject(object, s.decideDuplicates))
		route("GET /api/v1/"+object+"/duplicates/settings", s.withObject(object, s.duplicateSettings))
		route("PUT /api/v1/"+object+"/duplicates/settings", s.withObject(object, s.saveDuplicateSettings))
		route("POST /api/v1/"+object+"/duplicates/estimate", s.withObject(object, s.estimateDuplicates))
		// dupes: end
	}
}

// withObject serves h with the object set as a /{object}/… route would.
func (s *Server) withObject(object string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.SetPathValue("object", object)
		h(w, r)
	}
}

// DuplicatesHeader lists the likely duplicates of a record just created.
const DuplicatesHeader = "Rapport-Duplicates"

// warnDuplicates adds to the answer of a create the likely duplicates of
// the new record, as "contact 12, contact 40". It never refuses the record:
// a failure to look is logged and the answer goes out without the header.
func (s *Server) warnDuplicates(w http.ResponseWriter, r *http.Request, rec records.Record) {
	if s.Duplicates == nil {
		return
	}
	obj := s.Engine.Object(r.PathValue("object"))
	if obj == nil || (obj.Name != "contact" && obj.Name != "company") {
		return
	}
	found, err := s.Duplicates.Of(r.Context(), obj.Name, rec["id"].(string))
	if err != nil {
		logger(r.Context()).Warn("look for duplicates", "err", err)
		return
	}
	if len(found) == 0 {
		return
	}
	names := make([]string, len(found))
	for i, f := range found {
		names[i] = obj.Name + " " + f.ID
	}
	w.Header().Set(DuplicatesHeader, strings.Join(names, ", "))
}

// pageLimit reads the limit parameter; 0 when absent.
func pageLimit(r *http.Request) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fault.Field("limit", "type", "must be a whole number")
	}
	return n, nil
}

func (s *Server) listDuplicates(w http.ResponseWriter, r *http.Request) {
	limit, err := pageLimit(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	page, err := s.Duplicates.Groups(r.Context(), r.PathValue("object"), r.URL.Query().Get("cursor"), limit)
	answer(w, r, http.StatusOK, page, err)
}

func (s *Server) checkDuplicates(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	draft, err := records.DecodeInput(body)
	if err != nil {
		writeError(w, r, err)
		return
	}
	found, err := s.Duplicates.Check(r.Context(), r.PathValue("object"), draft)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if found == nil {
		found = []duplicate.Suspect{}
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"data": found})
}

func (s *Server) merge(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var req duplicate.MergeRequest
	if err := records.DecodeStrict(body, &req); err != nil {
		writeError(w, r, err)
		return
	}
	rec, err := s.Duplicates.Merge(r.Context(), r.PathValue("object"), req)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(rec))
	writeJSON(w, r, http.StatusOK, rec)
}

// dupes: begin

func (s *Server) reviewDuplicates(w http.ResponseWriter, r *http.Request) {
	limit, err := pageLimit(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	page, err := s.Duplicates.Review(r.Context(), r.PathValue("object"), r.URL.Query().Get("cursor"), limit)
	answer(w, r, http.StatusOK, page, err)
}

func (s *Server) decideDuplicates(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var d duplicate.Decision
	if err := records.DecodeStrict(body, &d); err != nil {
		writeError(w, r, err)
		return
	}
	if err := s.Duplicates.Decide(r.Context(), r.PathValue("object"), d); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) duplicateSettings(w http.ResponseWriter, r *http.Request) {
	o, err := s.Duplicates.Overview(r.Context(), r.PathValue("object"))
	answer(w, r, http.StatusOK, o, err)
}

func (s *Server) saveDuplicateSettings(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var set duplicate.Settings
	if err := records.DecodeStrict(body, &set); err != nil {
		writeError(w, r, err)
		return
	}
	if err := s.Duplicates.SaveSettings(r.Context(), r.PathValue("object"), set); err != nil {
		writeError(w, r, err)
		return
	}
	s.duplicateSettings(w, r)
}

func (s *Server) estimateDuplicates(w http.ResponseWriter, r *http.Request) {
	if err := s.Duplicates.RequestEstimate(r.Context(), r.PathValue("object")); err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusAccepted, map[string]string{"status": "queued"})
}

// dupes: end

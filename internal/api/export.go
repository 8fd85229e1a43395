package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/erasure"
	"github.com/rapport-crm/rapport/internal/export"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
)

// exportParams are the export's own parameters; the others filter and
// sort as in a list.
var exportParams = []string{"format", "columns"}

// exportRoutes adds the export of a list, and a person's requests to see
// their data and to be erased. The export's path puts the word first:
// /{object}/export would overlap /fields/{object}.
func (s *Server) exportRoutes(route router) {
	route("GET /api/v1/exports/{object}", s.export, append([]string{"format", "columns", "sort", "deleted"}, Filters)...)
	route("GET /api/v1/contacts/{id}/personal-data", s.personalData)
	route("POST /api/v1/contacts/{id}/erase", s.erase)
}

// eraseRequest confirms an erasure: Confirm must repeat the contact's id,
// so that no mistyped or reused request erases someone else.
type eraseRequest struct {
	Confirm *string `json:"confirm"`
}

// erase erases a contact at the person's request (administrators only):
// the record is anonymised, and its data scrubbed from its activities, the
// audit trail and every derived copy. The answer counts what was scrubbed.
func (s *Server) erase(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := erasure.Allowed(r.Context()); err != nil {
		writeError(w, r, err)
		return
	}
	var in eraseRequest
	if err := decodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	// An id spelt another way ("02") names no contact, rather than
	// failing the confirmation.
	if _, err := s.Engine.Get(r.Context(), "contacts", id, true); err != nil {
		writeError(w, r, err)
		return
	}
	switch {
	case in.Confirm == nil:
		writeError(w, r, fault.Field("confirm", "required", "repeat the contact's id to confirm the erasure, which cannot be undone"))
		return
	case *in.Confirm != id:
		writeError(w, r, fault.Field("confirm", "mismatch", "must be the id of the contact to erase, %s", id))
		return
	}
	report, err := erasure.Contact(r.Context(), s.DB, s.Engine, id)
	answer(w, r, http.StatusOK, report, err)
}

// personalData answers a person's request to see what is held about
// them: one JSON document, for an administrator to hand over.
func (s *Server) personalData(w http.ResponseWriter, r *http.Request) {
	data, err := export.Person(r.Context(), s.DB, s.Engine, r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Disposition", `attachment; filename="contact-`+r.PathValue("id")+`.json"`)
	writeJSON(w, r, http.StatusOK, data)
}

// export streams the records of a list as CSV, XLSX or JSON. Everything
// that can be refused is checked before the first byte, so bad input gets
// its 4xx; a failure after that cuts the download short, which the client
// sees as an incomplete transfer.
func (s *Server) export(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	req := export.Request{Object: r.PathValue("object"), Format: v.Get("format")}
	if req.Format == "" {
		req.Format = "csv"
	}
	if c := strings.TrimSpace(v.Get("columns")); c != "" {
		req.Columns = strings.Split(c, ",")
		for i := range req.Columns {
			req.Columns[i] = strings.TrimSpace(req.Columns[i])
		}
	}
	for _, p := range exportParams {
		v.Del(p)
	}
	q, err := records.ParseParams(v)
	if err != nil {
		writeError(w, r, err)
		return
	}
	req.Query = q
	if _, err := export.Check(r.Context(), s.Engine, req); err != nil {
		writeError(w, r, records.NameParams(err, q, "filter"))
		return
	}
	// The server's write timeout suits pages, not a million rows: an
	// export has up to half an hour to reach the client.
	http.NewResponseController(w).SetWriteDeadline(time.Now().Add(30 * time.Minute))
	name := req.Object + "." + req.Format
	w.Header().Set("Content-Type", export.ContentTypes[req.Format])
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	if _, err := export.Write(r.Context(), s.DB, s.Engine, req, w); err != nil {
		logger(r.Context()).Warn("export cut short", "object", req.Object, "err", err)
		panic(http.ErrAbortHandler)
	}
}

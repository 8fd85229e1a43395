package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/assign"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
)

// readBody reads the request body; an empty body is invalid input, an
// oversized one is refused by the MaxBytesReader around every request.
func readBody(r *http.Request) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") &&
		!strings.HasPrefix(ct, "application/merge-patch+json") {
		return nil, fault.Field("", "content_type", "send JSON with Content-Type: application/json, not %s", ct)
	}
	body, err := io.ReadAll(r.Body)
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, err
	}
	if err != nil {
		return nil, &bodyError{err}
	}
	if len(body) == 0 {
		return nil, fault.Field("", "required", "the request needs a JSON body")
	}
	return body, nil
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	q, err := records.ParseParams(r.URL.Query())
	if err != nil {
		writeError(w, r, err)
		return
	}
	// A filter from the query string is named by its parameter in errors.
	s.page(w, r, q, func(err error) error { return records.NameParams(err, q, "filter") })
}

func (s *Server) query(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	q, err := records.ParseQueryBody(body)
	if err != nil {
		writeError(w, r, err)
		return
	}
	s.page(w, r, q, func(err error) error { return err })
}

// page answers one page of a list. A query over the cost limit is refused
// with 400; an expensive one waits for its turn among the expensive reads,
// and a cheap one goes straight on.
func (s *Server) page(w http.ResponseWriter, r *http.Request, q records.Query, name func(error) error) {
	object := r.PathValue("object")
	cost, err := s.Engine.Cost(r.Context(), object, q)
	if err != nil {
		writeError(w, r, name(err))
		return
	}
	if cost.Expensive() {
		release, ok := s.admit(w, r)
		if !ok {
			return
		}
		defer release()
	}
	page, err := s.Engine.List(r.Context(), object, q)
	if err != nil {
		writeError(w, r, name(err))
		return
	}
	writeJSON(w, r, http.StatusOK, page)
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	in, err := records.DecodeInput(body)
	if err != nil {
		writeError(w, r, err)
		return
	}
	ctx := r.Context()
	if _, named := in["owner_id"]; !named {
		// The assignment rules choose the owner of a deal or contact
		// created without one (docs/decisions/0051-assignment-rules.md).
		ctx = assign.Unowned(ctx)
	}
	rec, err := s.Engine.Create(ctx, r.PathValue("object"), in)
	if err != nil {
		writeError(w, r, err)
		return
	}
	s.warnDuplicates(w, r, rec)
	w.Header().Set("ETag", etag(rec))
	w.Header().Set("Location", r.URL.Path+"/"+rec["id"].(string))
	writeJSON(w, r, http.StatusCreated, rec)
}

func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	var deleted bool
	switch r.URL.Query().Get("deleted") {
	case "":
	case "include":
		deleted = true
	default:
		writeError(w, r, fault.Field("deleted", "option", "must be include, to find a record in the trash too"))
		return
	}
	rec, err := s.Engine.Get(r.Context(), r.PathValue("object"), r.PathValue("id"), deleted)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(rec))
	writeJSON(w, r, http.StatusOK, rec)
}

func (s *Server) update(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	in, err := records.DecodeInput(body)
	if err != nil {
		writeError(w, r, err)
		return
	}
	version, err := versionOf(r, in)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if version == 0 {
		writeError(w, r, &fault.Error{Code: codePrecondition, Message: "say which version the change is based on, " +
			"with \"version\" in the body or an If-Match header, so that a concurrent change is never silently overwritten",
			Fields: []fault.FieldError{{Field: "version", Code: "required", Message: "is required"}}})
		return
	}
	rec, err := s.Engine.Update(r.Context(), r.PathValue("object"), r.PathValue("id"), version, in)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(rec))
	writeJSON(w, r, http.StatusOK, rec)
}

func (s *Server) delete(w http.ResponseWriter, r *http.Request) {
	version, err := versionOf(r, nil)
	if err != nil {
		writeError(w, r, err)
		return
	}
	object, id := r.PathValue("object"), r.PathValue("id")
	switch r.URL.Query().Get("permanent") {
	case "true", "1":
		err = s.Engine.Purge(r.Context(), object, id, version)
	case "", "false", "0":
		err = s.Engine.Delete(r.Context(), object, id, version)
	default:
		err = fault.Field("permanent", "type", "must be true or false")
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) restore(w http.ResponseWriter, r *http.Request) {
	rec, err := s.Engine.Restore(r.Context(), r.PathValue("object"), r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(rec))
	writeJSON(w, r, http.StatusOK, rec)
}

func etag(rec records.Record) string {
	return `"` + strconv.FormatInt(rec["version"].(int64), 10) + `"`
}

// versionOf reads the version a write is based on, from If-Match or from
// "version" in the body (which it removes from in). 0 means none was sent.
func versionOf(r *http.Request, in map[string]any) (int64, error) {
	var version int64
	if v, ok := in["version"]; ok {
		n, isNum := v.(json.Number)
		x, err := strconv.ParseInt(string(n), 10, 64)
		if !isNum || err != nil || x <= 0 {
			return 0, fault.Field("version", "type", "must be the positive integer version you read")
		}
		version = x
		delete(in, "version")
	}
	if h := r.Header.Get("If-Match"); h != "" {
		h = strings.Trim(strings.TrimPrefix(strings.TrimSpace(h), "W/"), `"`)
		x, err := strconv.ParseInt(h, 10, 64)
		if err != nil || x <= 0 {
			return 0, fault.Field("If-Match", "format", `must be the ETag you read, like "3"`)
		}
		if version != 0 && version != x {
			return 0, fault.Field("version", "mismatch", "the body says version %d but If-Match says %d", version, x)
		}
		version = x
	}
	return version, nil
}

func (s *Server) listFields(w http.ResponseWriter, r *http.Request) {
	fields, err := s.Engine.Fields(r.Context(), r.PathValue("object"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"data": fields})
}

func (s *Server) addField(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var spec records.FieldSpec
	if err := records.DecodeStrict(body, &spec); err != nil {
		writeError(w, r, err)
		return
	}
	f, err := s.Engine.AddField(r.Context(), r.PathValue("object"), spec)
	answer(w, r, http.StatusCreated, f, err)
}

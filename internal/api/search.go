package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/search"
)

// searchRoutes adds global search and the caller lookup.
func (s *Server) searchRoutes(route router) {
	if s.Search == nil {
		return
	}
	route("GET /api/v1/search", s.search, "q", "limit", "objects")
	route("GET /api/v1/lookup/phone", s.lookupPhone, "number")
}

// search answers GET /search?q=…&limit=…&objects=contact,deal with the
// records the caller may read, best first.
func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	q := search.Query{Text: v.Get("q")}
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			writeError(w, r, fault.Field("limit", "type", "must be a whole number between 1 and %d", search.MaxLimit))
			return
		}
		q.Limit = n
	}
	for o := range strings.SplitSeq(v.Get("objects"), ",") {
		if o = strings.TrimSpace(o); o != "" {
			q.Objects = append(q.Objects, o)
		}
	}
	// Search reads an index of every record and ranks what it finds: it
	// takes its turn among the expensive reads.
	release, ok := s.admit(w, r)
	if !ok {
		return
	}
	defer release()
	hits, err := s.Search.Search(r.Context(), q)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"data": hits})
}

// lookupPhone answers GET /lookup/phone?number=… with who the number
// belongs to.
func (s *Server) lookupPhone(w http.ResponseWriter, r *http.Request) {
	c, err := s.Search.Lookup(r.Context(), r.URL.Query().Get("number"))
	answer(w, r, http.StatusOK, c, err)
}

package api

import (
	"net/http"

	"github.com/rapport-crm/rapport/internal/records"
)

// listView is a list definition as the API shows it.
type listView struct {
	Name   string           `json:"name"`
	Plural string           `json:"plural"`
	Label  string           `json:"label"`
	Fields []*records.Field `json:"fields"`
}

func viewOfList(o *records.Object) listView {
	return listView{Name: o.Name, Plural: o.Plural, Label: o.Label, Fields: o.Fields}
}

// listLists answers GET /api/v1/lists: the workspace's user-defined lists.
func (s *Server) listLists(w http.ResponseWriter, r *http.Request) {
	lists, err := s.Engine.Lists(r.Context())
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := make([]listView, 0, len(lists))
	for _, o := range lists {
		out = append(out, viewOfList(o))
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"data": out})
}

// defineList answers POST /api/v1/lists. The new list's records are then
// at /api/v1/{plural}, and its custom fields at /api/v1/fields/{plural}.
func (s *Server) defineList(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var spec records.ListSpec
	if err := records.DecodeStrict(body, &spec); err != nil {
		writeError(w, r, err)
		return
	}
	o, err := s.Engine.DefineList(r.Context(), spec)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusCreated, viewOfList(o))
}

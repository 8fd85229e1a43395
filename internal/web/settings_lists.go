package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/rapport-crm/rapport/internal/records"
)

// listsPage lists the workspace's user-defined lists ("Suppliers"), each
// with a link to its fields, and a form to define one.
type listsPage struct {
	frame
	settingsForm
	Lists []listRow
}

type listRow struct {
	Name, Plural, Label string
}

func (s *Server) listsPage(w http.ResponseWriter, r *http.Request, v *visit) {
	s.showLists(w, r, v, http.StatusOK, &listsPage{})
}

func (s *Server) showLists(w http.ResponseWriter, r *http.Request, v *visit, status int, data *listsPage) {
	lists, err := s.engine.Lists(r.Context())
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data.frame = frame{Nav: "settings"}
	for _, l := range lists {
		data.Lists = append(data.Lists, listRow{Name: l.Name, Plural: l.Plural, Label: l.Label})
	}
	s.render(w, r, v, status, "settings_lists", data)
}

// defineList defines a list through the engine, as the API does, and
// opens its fields to add some.
func (s *Server) defineList(w http.ResponseWriter, r *http.Request, v *visit) {
	o, err := s.engine.DefineList(r.Context(), records.ListSpec{Name: strings.TrimSpace(r.PostFormValue("name")),
		Plural: strings.TrimSpace(r.PostFormValue("plural")), Label: strings.TrimSpace(r.PostFormValue("label"))})
	if err != nil {
		data := &listsPage{}
		if !data.refuse(v, r, "add", err, v.p.T("web.settings.changed")) {
			s.fail(w, r, v, err)
			return
		}
		s.showLists(w, r, v, http.StatusBadRequest, data)
		return
	}
	saved(w, r, "/settings/fields?object="+url.QueryEscape(o.Plural))
}

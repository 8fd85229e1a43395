package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/rapport-crm/rapport/internal/records"
)

// setListsPage lists the workspace's user-defined lists ("Suppliers"), each
// with a link to its fields, and a form to define one.
type setListsPage struct {
	frame
	settingsForm
	Lists []setListRow
}

type setListRow struct {
	Name, Plural, Label string
}

func (s *Server) setListsPage(w http.ResponseWriter, r *http.Request, v *visit) {
	s.setShowLists(w, r, v, http.StatusOK, &setListsPage{})
}

func (s *Server) setShowLists(w http.ResponseWriter, r *http.Request, v *visit, status int, data *setListsPage) {
	lists, err := s.engine.Lists(r.Context())
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data.frame = frame{Nav: "settings"}
	for _, l := range lists {
		data.Lists = append(data.Lists, setListRow{Name: l.Name, Plural: l.Plural, Label: l.Label})
	}
	s.render(w, r, v, status, "settings_lists", data)
}

// setDefineList defines a list through the engine, as the API does, and
// opens its fields to add some.
func (s *Server) setDefineList(w http.ResponseWriter, r *http.Request, v *visit) {
	o, err := s.engine.DefineList(r.Context(), records.ListSpec{Name: strings.TrimSpace(r.PostFormValue("name")),
		Plural: strings.TrimSpace(r.PostFormValue("plural")), Label: strings.TrimSpace(r.PostFormValue("label"))})
	if err != nil {
		data := &setListsPage{}
		if !data.refuse(v, r, "add", err, v.p.T("web.settings.changed")) {
			s.fail(w, r, v, err)
			return
		}
		s.setShowLists(w, r, v, http.StatusBadRequest, data)
		return
	}
	settingsSaved(w, r, "/settings/fields?object="+url.QueryEscape(o.Plural))
}

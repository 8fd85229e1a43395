package web

import (
	"net/http"

	"github.com/rapport-crm/rapport/internal/locale"
	"github.com/rapport-crm/rapport/internal/records"
)

// listsPage lists the lists the workspace's administrators defined
// ("Suppliers", "Contracts"), each a link to its own list.
type listsPage struct {
	frame
	Lists []listLink
}

type listLink struct {
	Href, Label string
}

// viewFor is the view of the object a request's path names: one of
// Rapport's own, or a list a user defined, whose records have a name and
// an owner and any custom fields. Records of such lists are made through
// the API for now: the web app lists them and shows them.
func (s *Server) viewFor(r *http.Request) (*objectView, error) {
	plural := r.PathValue("object")
	if view := views[plural]; view != nil {
		return view, nil
	}
	lists, err := s.engine.Lists(r.Context())
	if err != nil {
		return nil, err
	}
	for _, o := range lists {
		if o.Plural == plural {
			return userListView(o), nil
		}
	}
	return nil, errNotFound
}

func userListView(o *records.Object) *objectView {
	return &objectView{object: o.Name, plural: o.Plural, name: "name", label: o.Label,
		columns: []string{"name", "owner_id", "updated_at"},
		groups:  []fieldGroupView{{func(*locale.Printer) string { return o.Label }, []string{"name", "owner_id"}}},
		empty: func(p *locale.Printer) (string, string) {
			return p.T("web.lists.empty_title"), p.T("web.lists.empty_text")
		},
		shownOnly: true}
}

// userLists is the page of the workspace's own lists.
func (s *Server) userLists(w http.ResponseWriter, r *http.Request, v *visit) {
	lists, err := s.engine.Lists(r.Context())
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data := &listsPage{frame: frame{Nav: "lists"}}
	for _, o := range lists {
		data.Lists = append(data.Lists, listLink{Href: "/" + o.Plural, Label: o.Label})
	}
	s.render(w, r, v, http.StatusOK, "lists", data)
}

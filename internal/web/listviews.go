package web

import (
	"net/http"
	"net/url"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/savedview"
)

// viewMenu is the menu of a list's saved views, with the form that saves
// the list as it is now as a new one.
type viewMenu struct {
	Items   []viewItem
	Current string // the name of the view the list was opened from
	Query   string // the list's parameters, which saving keeps
	Error   string // why the last save was refused
	Name    string // the name that was typed
	Back    string
}

// viewItem is one saved view in the menu. Mine says the user may rename
// and delete it.
type viewItem struct {
	ID, Name, Href string
	Shared         string // who else sees it, "" for a private view
	Current, Mine  bool
}

// viewMenu reads the views the user may see of the list.
func (s *Server) viewMenu(r *http.Request, v *visit, st *listState) (viewMenu, error) {
	m := viewMenu{Query: st.q.values(true).Encode(), Back: st.q.address(st.view.plural), Error: st.viewError, Name: st.viewName}
	if s.views == nil {
		return m, nil
	}
	list, err := s.views.List(r.Context(), st.view.plural)
	if err != nil {
		return m, err
	}
	for _, sv := range list {
		item := viewItem{ID: sv.ID, Name: sv.Name, Href: "/" + st.view.plural + "?" + url.Values{"view": {sv.ID}}.Encode(),
			Current: sv.ID == st.q.View, Mine: sv.Mine}
		switch sv.Visibility {
		case savedview.Team:
			item.Shared = v.p.T("web.lists.views.team")
		case savedview.Workspace:
			item.Shared = v.p.T("web.lists.views.workspace")
		}
		if item.Current {
			m.Current = sv.Name
		}
		m.Items = append(m.Items, item)
	}
	return m, nil
}

// saveView saves the list as it is now (its columns, sort and filter) as
// a view, and opens it.
func (s *Server) saveView(w http.ResponseWriter, r *http.Request, v *visit) {
	params, _ := url.ParseQuery(r.PostFormValue("query"))
	q := parseListQuery(params)
	q.View = ""
	st, err := s.listState(r, q)
	if err != nil || s.views == nil {
		s.fail(w, r, v, cmp(err, errNotFound))
		return
	}
	saved, err := s.views.Save(r.Context(), savedview.View{Object: st.view.plural, Name: r.PostFormValue("name"),
		Visibility: r.PostFormValue("visibility"), Columns: q.Columns, Sort: q.Sort, Filter: q.savedFilter()})
	if errs, ok := fieldErrors(v, err); ok {
		st.viewError, st.viewName = errs["name"]+errs["visibility"], r.PostFormValue("name")
		s.showList(w, r, v, st, nil)
		return
	}
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	http.Redirect(w, r, "/"+st.view.plural+"?"+url.Values{"view": {saved.ID}}.Encode(), http.StatusSeeOther)
}

// renameView renames a view and comes back to the list.
func (s *Server) renameView(w http.ResponseWriter, r *http.Request, v *visit) {
	s.changeView(w, r, v, func(id string) error { return s.views.Rename(r.Context(), id, r.PostFormValue("name")) })
}

// deleteView deletes a view and comes back to the list.
func (s *Server) deleteView(w http.ResponseWriter, r *http.Request, v *visit) {
	s.changeView(w, r, v, func(id string) error { return s.views.Delete(r.Context(), id) })
}

// changeView makes a change to a view the user may change, and comes
// back to the list. A blank new name changes nothing; a view they may
// not change is refused.
func (s *Server) changeView(w http.ResponseWriter, r *http.Request, v *visit, change func(id string) error) {
	if s.views == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	err := change(r.PathValue("id"))
	if err != nil && !fault.Is(err, fault.EINVALID) {
		s.fail(w, r, v, err)
		return
	}
	http.Redirect(w, r, localPath(r.PostFormValue("back"), "/"), http.StatusSeeOther)
}

// cmp is err, or def when err is nil.
func cmp(err, def error) error {
	if err != nil {
		return err
	}
	return def
}

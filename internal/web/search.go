package web

import (
	"net/http"
	"strings"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/search"
)

// searchPage is global search: the records that match what the user
// typed, grouped by object. The header's search box asks for its
// results fragment as the user types; without htmx it is a page.
type searchPage struct {
	frame
	Query  string
	Groups []hitGroup
	// Hint replaces the results when the query cannot be searched: too
	// short, too long, or without a letter or digit.
	Hint string
}

// hitGroup is the records found of one object.
type hitGroup struct {
	ID    string // the id of its heading, which its options are labelled by
	Title string
	Hits  []hitView
}

// hitView is one record found: its name, which links to its page, and a
// line of what else identifies it.
type hitView struct {
	Href     string
	Title    string
	Subtitle string
}

// Limits of the results: a few as the user types, more on the page.
const (
	searchAsYouType = 10
	searchPageLimit = search.MaxLimit
)

func (s *Server) searchRecords(w http.ResponseWriter, r *http.Request, v *visit) {
	// A web app built without the search service has no search page.
	if s.search == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	fragment := r.Header.Get("HX-Request") == "true"
	data := &searchPage{frame: frame{Nav: "search"}, Query: strings.TrimSpace(r.URL.Query().Get("q"))}
	limit := searchPageLimit
	if fragment {
		limit = searchAsYouType
	}
	if data.Query != "" {
		// Only the objects the web app has pages for: a result is a link.
		hits, err := s.search.Search(r.Context(), search.Query{Text: data.Query, Limit: limit, Objects: searchedObjects()})
		switch {
		case fault.Code(err) == fault.EINVALID:
			data.Hint = v.p.T("web.search.hint")
		case err != nil:
			s.fail(w, r, v, err)
			return
		default:
			data.Groups = groupHits(v, hits)
		}
	}
	if fragment {
		s.fragment(w, r, v, "search", "search_results", data)
		return
	}
	s.render(w, r, v, http.StatusOK, "search", data)
}

// searchedObjects are the engine's names of the objects the web app
// shows, in a fixed order.
func searchedObjects() []string {
	var out []string
	for _, plural := range []string{"contacts", "companies", "deals"} {
		if view := views[plural]; view != nil {
			out = append(out, view.object)
		}
	}
	return out
}

// groupHits groups the hits by object, the groups in the order of their
// best hit, each group's hits best first.
func groupHits(v *visit, hits []search.Hit) []hitGroup {
	var groups []hitGroup
	at := map[string]int{}
	for _, h := range hits {
		view := viewOf(h.Object)
		if view == nil {
			continue
		}
		i, ok := at[h.Object]
		if !ok {
			i = len(groups)
			at[h.Object] = i
			groups = append(groups, hitGroup{ID: "search-group-" + view.plural, Title: v.p.T("object." + view.plural + ".name")})
		}
		groups[i].Hits = append(groups[i].Hits, hitView{Href: "/" + view.plural + "/" + h.ID, Title: h.Title, Subtitle: h.Subtitle})
	}
	return groups
}

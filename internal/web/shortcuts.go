package web

import "net/http"

// shortcutsPage lists every keyboard shortcut. The "?" key shows the same
// list in a dialog over the page; this is its page, for a link and for a
// browser without our script.
type shortcutsPage struct {
	frame
}

func (s *Server) shortcuts(w http.ResponseWriter, r *http.Request, v *visit) {
	s.render(w, r, v, http.StatusOK, "shortcuts", &shortcutsPage{frame: frame{Nav: "shortcuts"}})
}

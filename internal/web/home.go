package web

import "net/http"

// home is the front door: the set-up page while the workspace has no
// user, My day for a signed-in user, the sign-in page for others.
func (s *Server) home(w http.ResponseWriter, r *http.Request, v *visit) {
	need, err := s.accounts.NeedsSetUp(r.Context(), defaultWorkspace)
	switch {
	case err != nil:
		s.fail(w, r, v, err)
	case need:
		s.render(w, r, v, http.StatusOK, "setup", newSetUpPage(v.lang, s.phoneRegion))
	case v.user != nil:
		s.myDay(w, r, v)
	default:
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
	}
}

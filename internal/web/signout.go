package web

import "net/http"

// signOut ends the session and shows the sign-in page.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request, v *visit) {
	if err := s.accounts.SignOut(r.Context(), v.session.ID); err != nil {
		s.fail(w, r, v, err)
		return
	}
	clearSessionCookie(w)
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

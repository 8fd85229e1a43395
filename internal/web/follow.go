package web

import (
	"net/http"
)

// followRecord makes the user follow the record, or stop following it,
// as the form says. htmx swaps the button for its new state; a plain form
// comes back to the record page.
func (s *Server) followRecord(w http.ResponseWriter, r *http.Request, v *visit) {
	view := views[r.PathValue("object")]
	if view == nil || s.activity == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	here := "/" + view.plural + "/" + r.PathValue("id")
	on := r.PostFormValue("follow") == "true"
	if err := s.activity.Follow(r.Context(), view.object, r.PathValue("id"), on); err != nil {
		s.fail(w, r, v, err)
		return
	}
	if r.Header.Get("HX-Request") != "true" {
		http.Redirect(w, r, here, http.StatusSeeOther)
		return
	}
	s.fragment(w, r, v, "record", "follow", &recordPage{frame: frame{Nav: view.plural}, Plural: view.plural,
		Follow: here + "/follow", Following: on})
}

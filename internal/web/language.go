package web

import (
	"net/http"
	"time"

	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/locale"
)

// chooseLanguage takes the language picked in the picker: a signed-in
// user's account keeps it, and a cookie keeps it for the sign-in page.
// The browser goes back to the page it came from.
func (s *Server) chooseLanguage(w http.ResponseWriter, r *http.Request, v *visit) {
	lang := r.PostFormValue("lang")
	back := localPath(r.PostFormValue("back"), "/")
	if !locale.Supported(lang) {
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	if v.user != nil {
		if !goodToken(r, v.session) {
			s.fail(w, r, v, errForbidden)
			return
		}
		if _, _, err := s.accounts.UpdateMe(r.Context(), account.MyChange{Language: &lang}, v.session.ID); err != nil {
			s.fail(w, r, v, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: languageCookie, Value: lang, Path: "/", MaxAge: int(365 * 24 * time.Hour / time.Second),
		Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, back, http.StatusSeeOther)
}

package web

import (
	"net/http"
	"strconv"
	"strings"
)

// forgotPage asks for the e-mail address to send a reset link to, and
// then says that the link is on its way.
type forgotPage struct {
	frame
	Email string
	Sent  bool
}

// resetPage takes a new password with the token of a reset link. The
// token is in the link's fragment, which never reaches the server: our
// script copies it into the form. Problem says why the last try failed.
type resetPage struct {
	frame
	Problem string
	Errors  map[string]string
}

func (s *Server) forgotForm(w http.ResponseWriter, r *http.Request, v *visit) {
	s.render(w, r, v, http.StatusOK, "forgot", &forgotPage{})
}

// forgot mails a reset link. The answer is the same whether or not the
// address has an account, and a failure is logged, never shown, so that
// the page tells nobody which addresses have accounts.
func (s *Server) forgot(w http.ResponseWriter, r *http.Request, v *visit) {
	email := strings.TrimSpace(r.PostFormValue("email"))
	if err := s.accounts.RequestPasswordReset(r.Context(), defaultWorkspace, email, s.clientAddress(r)); err != nil {
		s.logger(r).Error("password reset request", "err", err)
	}
	s.render(w, r, v, http.StatusOK, "forgot", &forgotPage{Email: email, Sent: true})
}

func (s *Server) resetForm(w http.ResponseWriter, r *http.Request, v *visit) {
	s.render(w, r, v, http.StatusOK, "reset", &resetPage{})
}

// reset sets the new password, which signs the user out everywhere, and
// shows the sign-in page.
func (s *Server) reset(w http.ResponseWriter, r *http.Request, v *visit) {
	token, password := r.PostFormValue("token"), r.PostFormValue("password")
	u, _, err := s.accounts.ResetPassword(r.Context(), token, password, s.clientAddress(r))
	if errs, ok := fieldErrors(v, err); ok {
		page := &resetPage{Errors: errs}
		if _, spent := errs["token"]; spent || token == "" {
			page.Problem = v.p.T("web.reset.expired")
		}
		s.render(w, r, v, http.StatusBadRequest, "reset", page)
		return
	}
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	// Whoever holds the mailbox has proved themselves: the lock-out of the
	// account's e-mail no longer serves.
	s.guard.Succeed(strconv.FormatInt(u.WorkspaceID, 10) + ":" + u.Email)
	if v.user != nil {
		clearSessionCookie(w) // the reset ended every session
	}
	s.render(w, r, &visit{lang: v.lang, p: v.p}, http.StatusOK, "signin", &signInPage{Email: u.Email, Next: "/",
		Notice: v.p.T("web.reset.done")})
}

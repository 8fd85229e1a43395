package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/fault"
)

// signInPage is the sign-in form. Problem says why the last attempt
// failed.
type signInPage struct {
	frame
	Email   string
	Next    string
	Problem string
	Notice  string // good news, such as a new password
}

// signInCodePage asks for the two-factor code after a good password.
type signInCodePage struct {
	frame
	Token   string
	Next    string
	Problem string
}

func (s *Server) signInPage(w http.ResponseWriter, r *http.Request, v *visit) {
	next := localPath(r.URL.Query().Get("next"), "/")
	if v.user != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	if need, err := s.accounts.NeedsSetUp(r.Context(), defaultWorkspace); err != nil || need {
		s.home(w, r, v)
		return
	}
	s.render(w, r, v, http.StatusOK, "signin", &signInPage{Next: next})
}

func (s *Server) signIn(w http.ResponseWriter, r *http.Request, v *visit) {
	email, password := strings.TrimSpace(r.PostFormValue("email")), r.PostFormValue("password")
	next := localPath(r.PostFormValue("next"), "/")
	again := &signInPage{Email: email, Next: next}
	err := s.attempt(w, r, email, password, "", next)
	switch {
	case err == nil:
		return
	case errors.Is(err, account.ErrTOTPRequired):
		token := s.pending.add(email, password)
		s.render(w, r, v, http.StatusOK, "signin_code", &signInCodePage{Token: token, Next: next})
	case errors.Is(err, errLockedOut):
		again.Problem = v.p.T("web.signin.locked")
		s.render(w, r, v, http.StatusTooManyRequests, "signin", again)
	case account.IsWrongPassword(err) || isUnauthorized(err):
		again.Problem = v.p.T("web.signin.wrong")
		s.render(w, r, v, http.StatusUnauthorized, "signin", again)
	default:
		s.fail(w, r, v, err)
	}
}

func (s *Server) signInCode(w http.ResponseWriter, r *http.Request, v *visit) {
	token, next := r.PostFormValue("token"), localPath(r.PostFormValue("next"), "/")
	first, ok := s.pending.get(token)
	if !ok {
		s.render(w, r, v, http.StatusUnauthorized, "signin", &signInPage{Next: next, Problem: v.p.T("web.signin.expired")})
		return
	}
	code := strings.Join(strings.Fields(r.PostFormValue("code")), "")
	err := s.attempt(w, r, first.email, first.password, code, next)
	switch {
	case err == nil:
		s.pending.done(token)
	case errors.Is(err, errLockedOut):
		s.pending.done(token)
		s.render(w, r, v, http.StatusTooManyRequests, "signin", &signInPage{Email: first.email, Next: next, Problem: v.p.T("web.signin.locked")})
	case isUnauthorized(err):
		s.render(w, r, v, http.StatusUnauthorized, "signin_code", &signInCodePage{Token: token, Next: next, Problem: v.p.T("web.signin.wrong_code")})
	default:
		s.fail(w, r, v, err)
	}
}

var errLockedOut = errors.New("too many failed sign-ins")

// attempt signs in through the account service, counting failures per
// e-mail and per client address with the API's counters, and on success
// sets the session cookie and sends the browser on to next.
func (s *Server) attempt(w http.ResponseWriter, r *http.Request, email, password, code, next string) error {
	addr := s.clientAddress(r)
	emailKey := strconv.Itoa(defaultWorkspace) + ":" + strings.ToLower(email)
	addrKey := api.LimitKey(addr)
	if s.guard.Wait(emailKey, addrKey) > 0 {
		return errLockedOut
	}
	sess, _, err := s.accounts.SignIn(r.Context(), account.SignIn{Workspace: defaultWorkspace, Email: email,
		Password: password, TOTPCode: code, Address: addr, UserAgent: r.UserAgent()})
	if account.IsWrongPassword(err) {
		s.guard.Fail(emailKey, addrKey)
	}
	if err != nil {
		return err
	}
	s.guard.Succeed(emailKey)
	setSessionCookie(w, sess)
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func isUnauthorized(err error) bool { return fault.Is(err, fault.EUNAUTHORIZED) }

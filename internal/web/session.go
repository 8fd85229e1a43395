package web

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/locale"
)

// languageCookie keeps the language picked before signing in.
const languageCookie = "rapport_lang"

// csrfField is the form field that carries the session's CSRF token; htmx
// sends the same token in the api.CSRFHeader header instead.
const csrfField = "csrf_token"

// visit is what every handler knows about the request: who makes it, if
// anyone, and in which language to answer.
type visit struct {
	lang    string
	p       *locale.Printer
	user    *account.User    // nil when nobody is signed in
	session *account.Session // the session of user
}

// handler is the shape of every page and action.
type handler func(w http.ResponseWriter, r *http.Request, v *visit)

// open wraps a page anyone may see. A session, when the request has a
// good one, is still read, for the language and the frame. A form posted
// from another site is refused.
func (s *Server) open(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, r := s.visit(w, r)
		if err := s.origins.Check(r); err != nil {
			s.fail(w, r, v, errForbidden)
			return
		}
		if v.user == nil && r.Method == http.MethodPost {
			if ok, _ := s.guard.TakeAnonymous(api.LimitKey(s.clientAddress(r))); !ok {
				s.fail(w, r, v, errTooMany)
				return
			}
		}
		h(w, r, v)
	})
}

// signedIn wraps a page or action that needs a session. Without one, a
// page sends the browser to sign in and back; an action that changes
// something needs the session's CSRF token as well.
func (s *Server) signedIn(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, r := s.visit(w, r)
		if v.user == nil {
			s.toSignIn(w, r)
			return
		}
		if err := s.origins.Check(r); err != nil || !safe(r.Method) && !goodToken(r, v.session) {
			s.fail(w, r, v, errForbidden)
			return
		}
		h(w, r, v)
	})
}

// visit reads the session cookie and picks the language. A cookie that no
// longer opens a session is dropped; one that could not be checked (the
// database failed) is kept for the next request.
func (s *Server) visit(w http.ResponseWriter, r *http.Request) (*visit, *http.Request) {
	v := &visit{}
	if c, err := r.Cookie(api.SessionCookie); err == nil && c.Value != "" {
		actor, sess, err := s.accounts.AuthenticateSession(r.Context(), c.Value)
		if err == nil {
			actor.Address = s.clientAddress(r)
			ctx := access.WithActor(r.Context(), actor)
			if me, err := s.accounts.Me(ctx); err == nil {
				r = r.WithContext(ctx)
				v.user, v.session = &me.User, &sess
				if info, ok := ctx.Value(infoKey{}).(*reqInfo); ok {
					info.log = info.log.With("user_id", me.ID)
				}
			}
		} else if fault.Is(err, fault.EUNAUTHORIZED) {
			clearSessionCookie(w)
		}
	}
	v.lang = s.language(r, v.user)
	v.p = locale.For(v.lang)
	return v, r
}

// language is the signed-in user's language when Rapport speaks it, else
// the one picked on the sign-in page, else the browser's best match.
func (s *Server) language(r *http.Request, u *account.User) string {
	if u != nil && locale.Supported(u.Language) {
		return u.Language
	}
	if c, err := r.Cookie(languageCookie); err == nil && locale.Supported(c.Value) {
		return c.Value
	}
	return locale.Negotiate(r.Header.Get("Accept-Language"))
}

// toSignIn sends the browser to the sign-in page, which brings it back
// here afterwards. htmx follows HX-Redirect with a full page load.
func (s *Server) toSignIn(w http.ResponseWriter, r *http.Request) {
	target := "/signin"
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-Redirect", target)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// localPath returns next when it is a path on this site, so that the
// sign-in page cannot be made to send anyone elsewhere, and def otherwise.
func localPath(next, def string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return def
	}
	return next
}

func safe(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}

// goodToken reports whether the request carries the session's CSRF token
// in the header (htmx) or in the form field (a plain form).
func goodToken(r *http.Request, sess *account.Session) bool {
	got := r.Header.Get(api.CSRFHeader)
	if got == "" {
		got = r.PostFormValue(csrfField)
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(sess.CSRFToken)) == 1
}

func setSessionCookie(w http.ResponseWriter, sess account.Session) {
	http.SetCookie(w, &http.Cookie{Name: api.SessionCookie, Value: sess.Secret, Path: "/", Expires: sess.EndsAt,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

func clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: api.SessionCookie, Value: "", Path: "/", MaxAge: -1,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// clientAddress is the address the request came from, read as the API
// reads it.
func (s *Server) clientAddress(r *http.Request) string { return api.ClientAddress(r, s.ipHeader) }

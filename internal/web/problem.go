package web

import (
	"errors"
	"net/http"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/locale"
)

// Errors the web app raises itself.
var (
	errForbidden = fault.Errorf(fault.EFORBIDDEN, "the request was refused")
	errTooMany   = fault.Errorf("rate_limited", "too many requests")
	errNotFound  = fault.Errorf(fault.ENOTFOUND, "no such page")
)

// problemPage is the page of a request that went wrong.
type problemPage struct {
	frame
	Title, Text string
	RequestID   string
}

// fail answers a request that went wrong with a page in the visit's
// language. A record that is missing and one out of the user's reach look
// the same, so that the page does not tell which records exist; a session
// that ended sends the browser to sign in.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, v *visit, err error) {
	var title, text string
	var status int
	switch fault.Code(err) {
	case fault.ENOTFOUND:
		title, text, status = v.p.T("web.problem.not_found.title"), v.p.T("web.problem.not_found.text"), http.StatusNotFound
	case fault.EFORBIDDEN:
		if r.Method == http.MethodGet {
			title, text, status = v.p.T("web.problem.not_found.title"), v.p.T("web.problem.not_found.text"), http.StatusNotFound
		} else {
			title, text, status = v.p.T("web.problem.forbidden.title"), v.p.T("web.problem.forbidden.text"), http.StatusForbidden
		}
	case fault.EUNAUTHORIZED:
		s.toSignIn(w, r)
		return
	case "rate_limited":
		title, text, status = v.p.T("web.problem.busy.title"), v.p.T("web.problem.busy.text"), http.StatusTooManyRequests
	case fault.EINVALID:
		title, text, status = v.p.T("web.problem.not_found.title"), v.p.T("web.problem.not_found.text"), http.StatusNotFound // only a hand-made URL gets here
	default:
		s.logger(r).Error("web request failed", "path", r.URL.Path, "err", err)
		title, text, status = v.p.T("web.problem.broken.title"), v.p.T("web.problem.broken.text"), http.StatusInternalServerError
	}
	s.render(w, r, v, status, "problem", &problemPage{Title: title, Text: text, RequestID: w.Header().Get("X-Request-Id")})
}

// broken answers a request whose handler panicked with the error page in
// the language of the browser (the session is not read again: it may be
// what failed), naming the request so that the log entry can be found.
func (s *Server) broken(w http.ResponseWriter, r *http.Request) {
	lang := s.language(r, nil)
	v := &visit{lang: lang, p: locale.For(lang)}
	s.render(w, r, v, http.StatusInternalServerError, "problem", &problemPage{Title: v.p.T("web.problem.broken.title"),
		Text: v.p.T("web.problem.broken.text"), RequestID: w.Header().Get("X-Request-Id")})
}

// notFound answers every path that no page serves.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request, v *visit) {
	s.fail(w, r, v, errNotFound)
}

// fieldErrors turns invalid input into each field's message in the
// visit's language, keyed by the field's path (emails[0].value), which is
// the name of its input; ok is false when err is not invalid input. A
// form shows each message beside its input and keeps what was typed.
func fieldErrors(v *visit, err error) (errs map[string]string, ok bool) {
	var fe *fault.Error
	if !errors.As(err, &fe) || fe.Code != fault.EINVALID {
		return nil, false
	}
	errs = map[string]string{}
	for _, f := range fe.Fields {
		if _, seen := errs[f.Field]; !seen {
			errs[f.Field] = v.p.FieldError(f)
		}
	}
	return errs, true
}

package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/locale"
)

// mePage is the user's own page: their name, language and time zone;
// two-factor sign-in; and the browsers they are signed in on.
type mePage struct {
	frame
	Name, Language, TimeZone string
	Zones                    []string
	Errors                   map[string]string // of the profile form
	TwoFactor                bool
	Enrol                    *enrolView // while enrolling
	TOTPError                string     // of the code or the password, beside it
	Sessions                 []sessionRow
	Notice                   string
	Problem                  string
}

// enrolView is a new two-factor secret to scan or type into an
// authenticator app.
type enrolView struct {
	Secret string
	QR     any // template.HTML made by qrSVG
}

// sessionRow is one signed-in browser.
type sessionRow struct {
	ID, Device, Address, LastSeen string
	Current                       bool
}

func (s *Server) mePage(w http.ResponseWriter, r *http.Request, v *visit) {
	data, err := s.meData(r, v)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data.Notice = peopleNotice(v, r.URL.Query().Get("done"))
	s.render(w, r, v, http.StatusOK, "me", data)
}

func (s *Server) meData(r *http.Request, v *visit) (*mePage, error) {
	sessions, err := s.accounts.MySessions(r.Context(), v.session.ID)
	if err != nil {
		return nil, err
	}
	u := v.user
	data := &mePage{frame: frame{Nav: "me"}, Name: u.Name, Language: u.Language, TimeZone: u.TimeZone, Zones: timeZones,
		TwoFactor: u.TwoFactor}
	if !slices.Contains(timeZones, u.TimeZone) {
		// A zone by an older name (Europe/Kiev) stays the user's until
		// they pick another.
		data.Zones = append([]string{u.TimeZone}, timeZones...)
	}
	for _, o := range sessions {
		data.Sessions = append(data.Sessions, sessionRow{ID: o.ID, Device: device(v, o.UserAgent), Address: o.Address,
			LastSeen: v.moment(o.LastSeenAt), Current: o.Current})
	}
	return data, nil
}

// saveMe changes the user's name, language and time zone through the same
// call as PATCH /api/v1/me.
func (s *Server) saveMe(w http.ResponseWriter, r *http.Request, v *visit) {
	name, lang, tz := strings.TrimSpace(r.PostFormValue("name")), r.PostFormValue("language"), r.PostFormValue("time_zone")
	// The service takes any language tag; the page offers, and takes,
	// only those Rapport speaks.
	var err error = fault.Field("language", "option", "must be a language Rapport speaks")
	if locale.Supported(lang) {
		_, _, err = s.accounts.UpdateMe(r.Context(), account.MyChange{Name: &name, Language: &lang, TimeZone: &tz}, v.session.ID)
	}
	if err == nil {
		doneAt(w, r, "/me", "saved")
		return
	}
	errs, ok := fieldErrors(v, err)
	if !ok {
		s.fail(w, r, v, err)
		return
	}
	data, derr := s.meData(r, v)
	if derr != nil {
		s.fail(w, r, v, derr)
		return
	}
	data.Name, data.TimeZone, data.Errors = name, tz, errs
	s.render(w, r, v, http.StatusBadRequest, "me", data)
}

// beginTOTP makes a new two-factor secret, as POST /api/v1/me/totp does,
// and shows it as a QR code and as text.
func (s *Server) beginTOTP(w http.ResponseWriter, r *http.Request, v *visit) {
	e, err := s.accounts.BeginTOTP(r.Context())
	if err != nil {
		s.meRefused(w, r, v, err, "")
		return
	}
	data, err := s.meData(r, v)
	if err == nil {
		data.Enrol, err = enrolment(v, e.Secret, e.URL)
	}
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	s.render(w, r, v, http.StatusOK, "me", data)
}

func enrolment(v *visit, secret, url string) (*enrolView, error) {
	qr, err := qrSVG(url, v.p.T("web.people.me.qr"))
	if err != nil {
		return nil, err
	}
	return &enrolView{Secret: secret, QR: qr}, nil
}

// confirmTOTP turns two-factor sign-in on with a code from the app, as
// POST /api/v1/me/totp/confirm does. A wrong code shows the same secret
// again, which the form carries back for that alone: the service checks
// the code against the secret it keeps, never against this one.
func (s *Server) confirmTOTP(w http.ResponseWriter, r *http.Request, v *visit) {
	code := strings.Join(strings.Fields(r.PostFormValue("code")), "")
	err := s.accounts.ConfirmTOTP(r.Context(), code)
	if err == nil {
		doneAt(w, r, "/me", "totp_on")
		return
	}
	if !fault.Is(err, fault.EUNAUTHORIZED) && !fault.Is(err, fault.EINVALID) {
		s.meRefused(w, r, v, err, "")
		return
	}
	data, derr := s.meData(r, v)
	if derr != nil {
		s.fail(w, r, v, derr)
		return
	}
	secret := r.PostFormValue("secret")
	if data.Enrol, derr = enrolment(v, secret, account.OTPAuthURL(v.user.Email, secret)); derr != nil {
		s.fail(w, r, v, derr)
		return
	}
	data.TOTPError = v.p.T("web.signin.wrong_code")
	s.render(w, r, v, http.StatusBadRequest, "me", data)
}

// disableTOTP turns two-factor sign-in off with the password, as DELETE
// /api/v1/me/totp does, under the lock-out of sign-in so that a stolen
// session cannot guess the password here.
func (s *Server) disableTOTP(w http.ResponseWriter, r *http.Request, v *visit) {
	emailKey := strconv.Itoa(defaultWorkspace) + ":" + strings.ToLower(v.user.Email)
	addrKey := api.LimitKey(s.clientAddress(r))
	if s.guard.Wait(emailKey, addrKey) > 0 {
		s.meRefused(w, r, v, errLockedOut, v.p.T("web.signin.locked"))
		return
	}
	err := s.accounts.DisableTOTP(r.Context(), r.PostFormValue("password"))
	if account.IsWrongPassword(err) {
		s.guard.Fail(emailKey, addrKey)
		s.meRefused(w, r, v, err, v.p.T("web.people.me.wrong_password"))
		return
	}
	if err != nil {
		s.meRefused(w, r, v, err, "")
		return
	}
	doneAt(w, r, "/me", "totp_off")
}

// signOutOthers ends every other session of the user.
func (s *Server) signOutOthers(w http.ResponseWriter, r *http.Request, v *visit) {
	if _, err := s.accounts.SignOutOthers(r.Context(), v.session.ID); err != nil {
		s.fail(w, r, v, err)
		return
	}
	doneAt(w, r, "/me", "signed_out")
}

// meRefused shows the page again with why a change of two-factor sign-in
// was refused: totpError beside the form when given, else the service's
// refusal above.
func (s *Server) meRefused(w http.ResponseWriter, r *http.Request, v *visit, err error, totpError string) {
	data, derr := s.meData(r, v)
	if derr != nil {
		s.fail(w, r, v, derr)
		return
	}
	status := http.StatusBadRequest
	switch {
	case errors.Is(err, errLockedOut):
		data.TOTPError, status = totpError, http.StatusTooManyRequests
	case totpError != "":
		data.TOTPError = totpError
	default:
		text, ok := peopleRefusal(v, err)
		if !ok {
			s.fail(w, r, v, err)
			return
		}
		data.Problem, status = text, http.StatusConflict
	}
	s.render(w, r, v, status, "me", data)
}

// device names the browser of a session from its user agent, roughly:
// enough for a person to tell their phone from their laptop.
func device(v *visit, ua string) string {
	var browser, system string
	for _, b := range []string{"Edg", "OPR", "Firefox", "Chrome", "Safari"} {
		if strings.Contains(ua, b+"/") {
			browser = map[string]string{"Edg": "Edge", "OPR": "Opera"}[b]
			if browser == "" {
				browser = b
			}
			break
		}
	}
	for _, o := range []string{"Android", "iPhone", "iPad", "Windows", "Mac OS", "Linux"} {
		if strings.Contains(ua, o) {
			system = strings.Replace(o, "Mac OS", "macOS", 1)
			break
		}
	}
	switch {
	case browser != "" && system != "":
		return v.p.T("web.people.me.device", "browser", browser, "system", system)
	case browser != "":
		return browser
	case ua != "":
		return ua
	}
	return v.p.T("web.people.me.unknown_device")
}

// TOTPProblem is the error of the two-factor forms, for the field_error
// partial.
func (m *mePage) TOTPProblem() fieldProblem { return fieldProblem{ID: "totp-error", Text: m.TOTPError} }

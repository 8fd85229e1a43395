package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
)

// The pages of people and security (users, teams, roles, the audit trail,
// jobs) are for administrators: whoever holds a role that manages roles.
// Anyone else gets the not-found page, for a GET as for a POST, so the
// pages do not even say that they exist. The services check again.

// roles is the policy that keeps roles: the engine's own, as the API
// picks it, so that a role changed here applies to the very next request.
func (s *Server) roles() *access.RolePolicy {
	p := s.engine.Policy()
	if u, ok := p.(interface{ Unwrap() access.Policy }); ok {
		p = u.Unwrap()
	}
	if rp, ok := p.(*access.RolePolicy); ok {
		return rp
	}
	return access.NewRolePolicy(s.db)
}

// doneAt sends the browser back to path after a change, with a code that
// the page turns into a notice (post, redirect, get: a reload does not
// post again).
func doneAt(w http.ResponseWriter, r *http.Request, path, code string) {
	http.Redirect(w, r, path+"?done="+url.QueryEscape(code), http.StatusSeeOther)
}

// peopleNotice is the notice of a change that doneAt reported; an unknown
// code shows nothing.
func peopleNotice(v *visit, code string) string {
	switch code {
	case "added":
		return v.p.T("web.people.done.added")
	case "saved":
		return v.p.T("web.people.done.saved")
	case "deactivated":
		return v.p.T("web.people.done.deactivated")
	case "reactivated":
		return v.p.T("web.people.done.reactivated")
	case "deleted":
		return v.p.T("web.people.done.deleted")
	case "revoked":
		return v.p.T("web.people.done.revoked")
	case "signed_out":
		return v.p.T("web.people.done.signed_out")
	case "totp_on":
		return v.p.T("web.people.done.totp_on")
	case "totp_off":
		return v.p.T("web.people.done.totp_off")
	}
	return ""
}

// peopleRefusal is the sentence for a change that a service refused other than
// for invalid input: a conflict (the last administrator, a built-in role,
// a team with members), or a right the user lacks. ok is false for any
// other error, which the caller hands to fail.
func peopleRefusal(v *visit, err error) (string, bool) {
	var fe *fault.Error
	if !errors.As(err, &fe) {
		return "", false
	}
	switch fe.Code {
	case fault.ECONFLICT:
		return v.p.T("web.people.conflict"), true
	case fault.EFORBIDDEN:
		return v.p.T("web.people.forbidden"), true
	case fault.EINVALID:
		return v.p.T("web.people.invalid"), true
	}
	return "", false
}

package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
)

// defaultWorkspace is the workspace a sign-in or password reset is for
// when the request names none: the only one of a single-company install.
const defaultWorkspace = 1

// signInRequest is the body of POST /api/v1/sessions.
type signInRequest struct {
	Email     string `json:"email"`
	Password  string `json:"password"`
	TOTPCode  string `json:"totp_code"`
	Workspace string `json:"workspace"`
}

// signedIn is the answer to a sign-in: the session (its id stays in the
// cookie) and the user.
type signedIn struct {
	account.Session
	User account.User `json:"user"`
}

func (s *Server) signIn(w http.ResponseWriter, r *http.Request) {
	var in signInRequest
	if err := decodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	ws, err := workspaceOf(in.Workspace)
	if err != nil {
		writeError(w, r, err)
		return
	}
	addr := s.clientAddress(r)
	emailKey, addrKey := strconv.FormatInt(ws, 10)+":"+strings.ToLower(strings.TrimSpace(in.Email)), LimitKey(addr)
	if wait := max(s.guards.emails.Wait(emailKey), s.guards.addresses.Wait(addrKey)); wait > 0 {
		tooMany(w, r, wait, "too many failed sign-ins")
		return
	}
	sess, u, err := s.Accounts.SignIn(r.Context(), account.SignIn{Workspace: ws, Email: in.Email, Password: in.Password,
		TOTPCode: in.TOTPCode, Address: addr, UserAgent: r.UserAgent()})
	if account.IsWrongPassword(err) {
		s.guards.emails.Fail(emailKey)
		s.guards.addresses.Fail(addrKey)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	s.guards.emails.Reset(emailKey)
	setSessionCookie(w, sess)
	writeJSON(w, r, http.StatusCreated, signedIn{Session: sess, User: u})
}

// workspaceOf reads the optional workspace of a sign-in or reset request.
func workspaceOf(s string) (int64, error) {
	if s == "" {
		return defaultWorkspace, nil
	}
	ws, err := strconv.ParseInt(s, 10, 64)
	if err != nil || ws <= 0 {
		return 0, fault.Field("workspace", "invalid", "must be a workspace id")
	}
	return ws, nil
}

func (s *Server) signOut(w http.ResponseWriter, r *http.Request) {
	sess := credentialFrom(r.Context()).session
	if sess == nil {
		writeError(w, r, fault.Errorf(fault.ENOTFOUND, "this request was not made with a session cookie; API tokens are revoked with DELETE /api/v1/tokens/{id}"))
		return
	}
	if err := s.Accounts.SignOut(r.Context(), sess.ID); err != nil {
		writeError(w, r, err)
		return
	}
	clearSessionCookie(w)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) requestReset(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email     string `json:"email"`
		Workspace string `json:"workspace"`
	}
	if err := decodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	ws, err := workspaceOf(in.Workspace)
	if err != nil {
		writeError(w, r, err)
		return
	}
	// The answer is the same whether or not the address has an account;
	// a failure is logged, never shown, for the same reason.
	if err := s.Accounts.RequestPasswordReset(r.Context(), ws, in.Email, s.clientAddress(r)); err != nil {
		logger(r.Context()).Error("password reset request", "err", err)
	}
	writeJSON(w, r, http.StatusAccepted, map[string]string{
		"status": "if an active account has this address, a link to reset its password is on its way"})
}

// resetPassword sets a new password with the token of a reset link. The
// token comes in the body, never in the URL, which access logs and
// proxies keep.
func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Token    string `json:"token"`
		Password string `json:"password"`
	}
	if err := decodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	if in.Token == "" {
		writeError(w, r, fault.Field("token", "required", "send the token from the reset link (after #token=)"))
		return
	}
	u, out, err := s.Accounts.ResetPassword(r.Context(), in.Token, in.Password, s.clientAddress(r))
	if err != nil {
		writeError(w, r, err)
		return
	}
	// Whoever holds the mailbox has proved themselves: the lock-out of the
	// account's e-mail no longer serves.
	s.guards.emails.Reset(strconv.FormatInt(u.WorkspaceID, 10) + ":" + u.Email)
	writeJSON(w, r, http.StatusOK, passwordReset{SignedOut: out})
}

// resetInPath answers a reset whose token came in the URL, as it once
// did: the token belongs in the body. The access log has not kept it
// either (see loggedPath).
func (s *Server) resetInPath(w http.ResponseWriter, r *http.Request) {
	writeError(w, r, fault.Errorf(fault.ENOTFOUND, "a reset token never goes in a URL: send "+
		`{"token": "…", "password": "…"} to POST /api/v1/password-resets/confirm`))
}

// passwordReset answers a password reset with what it ended.
type passwordReset struct {
	SignedOut account.SignedOut `json:"signed_out"`
}

// decodeJSON reads a JSON body into dst, refusing unknown fields so that
// a typo is an error rather than silently ignored.
func decodeJSON(r *http.Request, dst any) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	return records.DecodeStrict(body, dst)
}

// decodeOptional is decodeJSON for a body that may be left out.
func decodeOptional(r *http.Request, dst any) error {
	if r.ContentLength == 0 {
		return nil
	}
	return decodeJSON(r, dst)
}

// nulls reports which of keys the JSON object body sets to null, which
// decoding into a pointer cannot tell from leaving them out.
func nulls(body []byte, keys ...string) map[string]bool {
	var raw map[string]json.RawMessage
	out := map[string]bool{}
	if json.Unmarshal(body, &raw) != nil {
		return out
	}
	for _, k := range keys {
		if v, ok := raw[k]; ok && string(bytes.TrimSpace(v)) == "null" {
			out[k] = true
		}
	}
	return out
}

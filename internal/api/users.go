package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/records"
)

// accountRoutes adds the endpoints of users, teams, the signed-in user,
// sessions, password resets and tokens. route authenticates; public does
// not, and limits instead.
func (s *Server) accountRoutes(public, route router) {
	public("POST /api/v1/sessions", s.signIn)
	public("POST /api/v1/password-resets", s.requestReset)
	public("POST /api/v1/password-resets/confirm", s.resetPassword)
	public("POST /api/v1/password-resets/{token}", s.resetInPath)
	route("DELETE /api/v1/sessions/current", s.signOut)

	route("GET /api/v1/me", s.me)
	route("PATCH /api/v1/me", s.updateMe)
	route("POST /api/v1/me/totp", s.beginTOTP)
	route("POST /api/v1/me/totp/confirm", s.confirmTOTP)
	route("DELETE /api/v1/me/totp", s.disableTOTP)

	route("GET /api/v1/users", s.listUsers, "status", "team_id")
	route("POST /api/v1/users", s.addUser)
	route("GET /api/v1/users/{id}", s.getUser)
	route("PATCH /api/v1/users/{id}", s.updateUser)
	route("POST /api/v1/users/{id}/deactivate", s.deactivateUser)
	route("POST /api/v1/users/{id}/reactivate", s.reactivateUser)

	route("GET /api/v1/teams", s.listTeams)
	route("POST /api/v1/teams", s.createTeam)
	route("GET /api/v1/teams/{id}", s.getTeam)
	route("PATCH /api/v1/teams/{id}", s.updateTeam)
	route("DELETE /api/v1/teams/{id}", s.deleteTeam)

	route("GET /api/v1/tokens", s.listTokens)
	route("POST /api/v1/tokens", s.createToken)
	route("DELETE /api/v1/tokens/{id}", s.revokeToken)
}

// list wraps a list of items as every list of the API answers.
type list[T any] struct {
	Data []T `json:"data"`
}

// meView is the signed-in user, with the CSRF token of their session when
// they came with one, and after a change of password what it ended.
type meView struct {
	account.Profile
	CSRFToken string             `json:"csrf_token,omitempty"`
	SignedOut *account.SignedOut `json:"signed_out,omitempty"`
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	p, err := s.Accounts.Me(r.Context())
	answer(w, r, http.StatusOK, s.meView(r, p), err)
}

func (s *Server) meView(r *http.Request, p account.Profile) meView {
	v := meView{Profile: p}
	if sess := credentialFrom(r.Context()).session; sess != nil {
		v.CSRFToken = sess.CSRFToken
	}
	return v
}

func (s *Server) updateMe(w http.ResponseWriter, r *http.Request) {
	var ch account.MyChange
	if err := decodeJSON(r, &ch); err != nil {
		writeError(w, r, err)
		return
	}
	keep := ""
	if sess := credentialFrom(r.Context()).session; sess != nil {
		keep = sess.ID
	}
	var p account.Profile
	var out *account.SignedOut
	err := s.provingPassword(w, r, func() (err error) {
		p, out, err = s.Accounts.UpdateMe(r.Context(), ch, keep)
		return err
	})
	if err != errLockedOut {
		v := s.meView(r, p)
		v.SignedOut = out
		answer(w, r, http.StatusOK, v, err)
	}
}

// errLockedOut says that provingPassword has already answered 429.
var errLockedOut = errors.New("locked out")

// provingPassword runs fn, which checks the actor's password, under the
// same lock-out as sign-in, so that a stolen session cannot guess the
// password through PATCH /me or DELETE /me/totp.
func (s *Server) provingPassword(w http.ResponseWriter, r *http.Request, fn func() error) error {
	a, err := access.ActorFrom(r.Context())
	if err != nil {
		return err
	}
	u, err := s.Accounts.Me(r.Context())
	if err != nil {
		return err
	}
	key := strconv.FormatInt(a.WorkspaceID, 10) + ":" + u.Email
	if wait := s.guards.emails.Wait(key); wait > 0 {
		tooMany(w, r, wait, "too many wrong passwords")
		return errLockedOut
	}
	err = fn()
	if account.IsWrongPassword(err) {
		s.guards.emails.Fail(key)
	}
	return err
}

func (s *Server) beginTOTP(w http.ResponseWriter, r *http.Request) {
	e, err := s.Accounts.BeginTOTP(r.Context())
	answer(w, r, http.StatusCreated, e, err)
}

func (s *Server) confirmTOTP(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Code string `json:"code"`
	}
	if err := decodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	answer(w, r, http.StatusNoContent, nil, s.Accounts.ConfirmTOTP(r.Context(), in.Code))
}

func (s *Server) disableTOTP(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Password string `json:"password"`
	}
	if err := decodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	err := s.provingPassword(w, r, func() error { return s.Accounts.DisableTOTP(r.Context(), in.Password) })
	if err != errLockedOut {
		answer(w, r, http.StatusNoContent, nil, err)
	}
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	users, err := s.Accounts.ListUsers(r.Context(), account.UserFilter{Status: q.Get("status"), TeamID: q.Get("team_id")})
	answer(w, r, http.StatusOK, list[account.User]{Data: users}, err)
}

func (s *Server) addUser(w http.ResponseWriter, r *http.Request) {
	var n account.NewUser
	if err := decodeJSON(r, &n); err != nil {
		writeError(w, r, err)
		return
	}
	u, err := s.Accounts.AddUser(r.Context(), n)
	answer(w, r, http.StatusCreated, u, err)
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	u, err := s.Accounts.GetUser(r.Context(), r.PathValue("id"))
	answer(w, r, http.StatusOK, u, err)
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var ch account.UserChange
	if err := records.DecodeStrict(body, &ch); err != nil {
		writeError(w, r, err)
		return
	}
	if nulls(body, "team_id")["team_id"] {
		none := ""
		ch.TeamID = &none
	}
	u, err := s.Accounts.UpdateUser(r.Context(), r.PathValue("id"), ch)
	answer(w, r, http.StatusOK, u, err)
}

func (s *Server) deactivateUser(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ReassignTo string `json:"reassign_to"`
	}
	if err := decodeOptional(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	d, err := s.Accounts.DeactivateUser(r.Context(), r.PathValue("id"), in.ReassignTo)
	answer(w, r, http.StatusOK, d, err)
}

func (s *Server) reactivateUser(w http.ResponseWriter, r *http.Request) {
	u, err := s.Accounts.ReactivateUser(r.Context(), r.PathValue("id"))
	answer(w, r, http.StatusOK, u, err)
}

func (s *Server) listTeams(w http.ResponseWriter, r *http.Request) {
	teams, err := s.Accounts.ListTeams(r.Context())
	answer(w, r, http.StatusOK, list[account.Team]{Data: teams}, err)
}

func (s *Server) getTeam(w http.ResponseWriter, r *http.Request) {
	t, err := s.Accounts.GetTeam(r.Context(), r.PathValue("id"))
	answer(w, r, http.StatusOK, t, err)
}

// teamInput reads a team's body, where "manager_id": null removes the
// manager.
func teamInput(r *http.Request) (account.TeamInput, error) {
	var in account.TeamInput
	body, err := readBody(r)
	if err == nil {
		err = records.DecodeStrict(body, &in)
	}
	if err == nil && nulls(body, "manager_id")["manager_id"] {
		none := ""
		in.ManagerID = &none
	}
	return in, err
}

func (s *Server) createTeam(w http.ResponseWriter, r *http.Request) {
	in, err := teamInput(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	t, err := s.Accounts.CreateTeam(r.Context(), in)
	answer(w, r, http.StatusCreated, t, err)
}

func (s *Server) updateTeam(w http.ResponseWriter, r *http.Request) {
	in, err := teamInput(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	t, err := s.Accounts.UpdateTeam(r.Context(), r.PathValue("id"), in)
	answer(w, r, http.StatusOK, t, err)
}

func (s *Server) deleteTeam(w http.ResponseWriter, r *http.Request) {
	answer(w, r, http.StatusNoContent, nil, s.Accounts.DeleteTeam(r.Context(), r.PathValue("id")))
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) {
	tokens, err := s.Accounts.ListTokens(r.Context())
	answer(w, r, http.StatusOK, list[account.Token]{Data: tokens}, err)
}

// newToken is a token as made: its description and, this once, itself.
type newToken struct {
	account.Token
	Secret string `json:"token"`
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	var n account.NewToken
	if err := decodeJSON(r, &n); err != nil {
		writeError(w, r, err)
		return
	}
	t, secret, err := s.Accounts.IssueToken(r.Context(), n)
	answer(w, r, http.StatusCreated, newToken{Token: t, Secret: secret}, err)
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) {
	answer(w, r, http.StatusNoContent, nil, s.Accounts.RevokeToken(r.Context(), r.PathValue("id")))
}

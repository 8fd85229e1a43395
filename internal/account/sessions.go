package account

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/audit"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/store"
)

// sessionPrefix marks session ids, like tokenPrefix marks tokens.
const sessionPrefix = "rps_"

// touchEvery bounds how often a session's expiry or a token's last use
// is written: at most once a minute each, not on every request.
const touchEvery = time.Minute

// SignIn is one sign-in attempt.
type SignIn struct {
	Workspace int64
	Email     string
	Password  string
	TOTPCode  string
	Address   string // the client's address, for the audit trail
	UserAgent string
}

// Session is a signed-in browser. Secret, the cookie's value, leaves the
// server once, at sign-in; the database keeps only its hash.
type Session struct {
	ID        string    `json:"id"`
	UserID    string    `json:"user_id"`
	Secret    string    `json:"-"`
	CSRFToken string    `json:"csrf_token"`
	ExpiresAt time.Time `json:"expires_at"`
	// EndsAt is when the session ends however busy it is.
	EndsAt time.Time `json:"ends_at"`
}

// errSignIn is the one answer to every failed sign-in, whichever part was
// wrong, so that a caller learns nothing about which accounts exist.
var errSignIn = fault.Errorf(fault.EUNAUTHORIZED, "the e-mail address or the password is wrong")

// ErrTOTPRequired answers a correct password for an account with
// two-factor sign-in when no code came with it: the client asks for the
// code and signs in again.
var ErrTOTPRequired = &fault.Error{Code: fault.EUNAUTHORIZED, Message: "enter the code from your authenticator app",
	Fields: []fault.FieldError{{Field: "totp_code", Code: "required", Message: "is required for this account"}}}

// signInRow is what a sign-in reads about the user.
type signInRow struct {
	id       int64
	hash     string
	status   string
	totp     sql.NullString
	lastStep int64
}

// SignIn checks the credentials of in and opens a session. Every failure
// is written to the audit trail with the client's address.
func (s *Service) SignIn(ctx context.Context, in SignIn) (Session, User, error) {
	row, err := s.signInUser(ctx, in.Workspace, in.Email)
	if err != nil {
		return Session{}, User{}, err
	}
	if ok, _ := CheckPassword(row.hash, in.Password); !ok || row.status != StatusActive {
		reason := "password"
		if ok {
			reason = "deactivated"
		} else if row.id == 0 {
			reason = "unknown_email"
		}
		return Session{}, User{}, s.signInFailed(ctx, in, row.id, reason, errSignIn)
	}
	if row.totp.Valid && in.TOTPCode == "" {
		return Session{}, User{}, ErrTOTPRequired
	}
	var sess Session
	var u User
	err = s.db.Tx(ctx, func(q store.Querier) error {
		if row.totp.Valid {
			if err := s.useTOTP(ctx, q, in.Workspace, row.id, row.totp.String, in.TOTPCode, row.lastStep); err != nil {
				return err
			}
		}
		var err error
		if sess, err = s.openSession(ctx, q, in, row.id); err != nil {
			return err
		}
		if u, err = s.loadUser(ctx, q, in.Workspace, row.id); err != nil {
			return err
		}
		return s.audit(ctx, q, in.Workspace, event{object: "session", id: sess.ID, action: audit.ActionSignIn,
			actor: row.id, address: in.Address, details: map[string]any{"user_agent": in.UserAgent}})
	})
	if errors.Is(err, errTOTPCode) {
		return Session{}, User{}, s.signInFailed(ctx, in, row.id, "totp", err)
	}
	return sess, u, err
}

// signInUser reads the user signing in. An unknown e-mail gets a row with
// a dummy hash, so that checking its password takes as long as a real one
// and the timing tells nothing.
func (s *Service) signInUser(ctx context.Context, ws int64, email string) (signInRow, error) {
	var r signInRow
	err := s.db.Reader().QueryRowContext(ctx, `SELECT id, password_hash, status, totp_secret, totp_last_step FROM users
		WHERE workspace_id = ? AND email = ?`, ws, normalEmail(email)).Scan(&r.id, &r.hash, &r.status, &r.totp, &r.lastStep)
	if errors.Is(err, sql.ErrNoRows) {
		return signInRow{hash: s.dummyHash()}, nil
	}
	return r, err
}

// dummyHash is a hash of a random password at the service's cost.
func (s *Service) dummyHash() string {
	s.dummyOnce.Do(func() {
		secret, _ := newSecret()
		s.dummy, _ = s.opts.Password.Hash(secret)
	})
	return s.dummy
}

// signInFailed writes a failed sign-in to the audit trail and returns
// answer.
func (s *Service) signInFailed(ctx context.Context, in SignIn, uid int64, reason string, answer error) error {
	err := s.db.Tx(ctx, func(q store.Querier) error {
		return s.audit(ctx, q, in.Workspace, event{object: "session", action: audit.ActionSignInFailed, actor: uid,
			address: in.Address, details: map[string]any{"email": normalEmail(in.Email), "reason": reason}})
	})
	if err != nil {
		return err
	}
	return answer
}

// openSession stores a new session for user uid.
func (s *Service) openSession(ctx context.Context, q store.Querier, in SignIn, uid int64) (Session, error) {
	secret, err := credential(sessionPrefix, in.Workspace)
	if err != nil {
		return Session{}, err
	}
	now := s.now()
	sess := Session{UserID: formatID(uid), Secret: secret, CSRFToken: csrfToken(secret),
		ExpiresAt: now.Add(s.opts.SessionIdle), EndsAt: now.Add(s.opts.SessionMax)}
	sess.ExpiresAt = earliest(sess.ExpiresAt, sess.EndsAt)
	var id int64
	d := s.db.Dialect
	err = q.QueryRowContext(ctx, `INSERT INTO sessions (workspace_id, user_id, hash, address, user_agent, created_at, last_seen_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, in.Workspace, uid, hashSecret(secret), in.Address, truncate(in.UserAgent, 300),
		d.Time(now), d.Time(now), d.Time(sess.ExpiresAt)).Scan(&id)
	sess.ID = formatID(id)
	return sess, err
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// csrfToken derives a session's CSRF token from its secret. The database
// holds neither, a page of another site can read neither, and the server
// recomputes it on each request, so it needs no storage of its own.
func csrfToken(secret string) string {
	sum := sha256.Sum256([]byte("rapport csrf token\x00" + secret))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// AuthenticateSession returns the actor and session that a session cookie
// stands for, pushing its expiry back at most once a minute. Every failure
// looks the same.
func (s *Service) AuthenticateSession(ctx context.Context, secret string) (access.Actor, Session, error) {
	denied := fault.Errorf(fault.EUNAUTHORIZED, "the session has ended; sign in again")
	ws, ok := credentialWorkspace(sessionPrefix, secret)
	if !ok {
		return access.Actor{}, Session{}, denied
	}
	var id, uid int64
	var role, status string
	var created, seen, expires any
	err := s.db.Reader().QueryRowContext(ctx, `SELECT s.id, s.user_id, s.created_at, s.last_seen_at, s.expires_at, u.role, u.status
		FROM sessions s JOIN users u ON u.workspace_id = s.workspace_id AND u.id = s.user_id
		WHERE s.workspace_id = ? AND s.hash = ?`, ws, hashSecret(secret)).Scan(&id, &uid, &created, &seen, &expires, &role, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return access.Actor{}, Session{}, denied
	}
	if err != nil {
		return access.Actor{}, Session{}, err
	}
	now := s.now()
	start, _ := store.ParseTime(created)
	sess := Session{ID: formatID(id), UserID: formatID(uid), Secret: secret, CSRFToken: csrfToken(secret), EndsAt: start.Add(s.opts.SessionMax)}
	sess.ExpiresAt, _ = store.ParseTime(expires)
	if status != StatusActive || !now.Before(sess.ExpiresAt) {
		return access.Actor{}, Session{}, denied
	}
	if last, _ := store.ParseTime(seen); now.Sub(last) >= touchEvery {
		sess.ExpiresAt = earliest(now.Add(s.opts.SessionIdle), sess.EndsAt)
		if err := s.touchSession(ctx, ws, id, now, sess.ExpiresAt); err != nil {
			return access.Actor{}, Session{}, err
		}
	}
	return access.Actor{WorkspaceID: ws, UserID: uid, Role: role}, sess, nil
}

func (s *Service) touchSession(ctx context.Context, ws, id int64, now, expires time.Time) error {
	d := s.db.Dialect
	return s.db.Tx(ctx, func(q store.Querier) error {
		_, err := q.ExecContext(ctx, `UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE workspace_id = ? AND id = ? AND last_seen_at < ?`,
			d.Time(now), d.Time(expires), ws, id, d.Time(now.Add(-touchEvery)))
		return err
	})
}

// SignOut ends the actor's session id.
func (s *Service) SignOut(ctx context.Context, id string) error {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return err
	}
	sid, err := parseID("session", id)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(q store.Querier) error {
		res, err := q.ExecContext(ctx, `DELETE FROM sessions WHERE workspace_id = ? AND id = ? AND user_id = ?`, a.WorkspaceID, sid, a.UserID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fault.Errorf(fault.ENOTFOUND, "no session with id %s", id)
		}
		return s.audit(ctx, q, a.WorkspaceID, event{object: "session", id: id, action: ActionSignOut, actor: a.UserID, address: a.Address})
	})
}

// endSessions ends every session of user uid except keep (0 for none)
// and returns how many ended.
func (s *Service) endSessions(ctx context.Context, q store.Querier, ws, uid, keep int64) (int, error) {
	res, err := q.ExecContext(ctx, `DELETE FROM sessions WHERE workspace_id = ? AND user_id = ? AND id <> ?`, ws, uid, keep)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// PurgeExpired deletes the sessions and reset links that can no longer be
// used, in every workspace, and returns how many went. A recurring job
// calls it; expired rows are refused anyway, so this only keeps tables
// small.
func (s *Service) PurgeExpired(ctx context.Context) (int64, error) {
	var total int64
	now := s.db.Dialect.Time(s.now())
	err := s.db.Tx(ctx, func(q store.Querier) error {
		total = 0 // a retried transaction counts afresh
		for _, table := range []string{"sessions", "password_resets"} {
			res, err := q.ExecContext(ctx, `DELETE FROM `+table+` WHERE expires_at < ?`, now)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			total += n
		}
		return nil
	})
	return total, err
}

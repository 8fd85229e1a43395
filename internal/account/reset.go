package account

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/mail"
	"github.com/rapport-crm/rapport/internal/store"
)

// resetPrefix marks password-reset tokens.
const resetPrefix = "rpr_"

// ResetLifetime is how long a password-reset link works.
const ResetLifetime = time.Hour

// ResetPath is where a reset link points, under Options.BaseURL. The
// token travels in the link's fragment (#token=…), which a browser never
// sends to a server, so no access log or proxy on the way records it; the
// page there reads it, asks for the new password and posts both in the
// body of POST /api/v1/password-resets/confirm
// (docs/decisions/0012a-secrets-out-of-urls.md).
const ResetPath = "/password-reset"

// ResetFragment precedes the token in a reset link's fragment.
const ResetFragment = "#token="

// RequestPasswordReset mails a single-use reset link to the active user of
// workspace ws with e-mail email. When there is no such user it does
// nothing and says nothing, so that the answer never tells which
// addresses have accounts.
func (s *Service) RequestPasswordReset(ctx context.Context, ws int64, email, address string) error {
	u, err := s.UserByEmail(ctx, ws, email)
	if fault.Is(err, fault.ENOTFOUND) || (err == nil && u.Status != StatusActive) {
		return nil
	}
	if err != nil {
		return err
	}
	token, err := credential(resetPrefix, ws)
	if err != nil {
		return err
	}
	uid, _ := parseID("user", u.ID)
	now := s.now()
	err = s.db.Tx(ctx, func(q store.Querier) error {
		d := s.db.Dialect
		if _, err := q.ExecContext(ctx, `INSERT INTO password_resets (workspace_id, user_id, hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
			ws, uid, hashSecret(token), d.Time(now), d.Time(now.Add(ResetLifetime))); err != nil {
			return err
		}
		return s.audit(ctx, q, ws, event{object: "user", id: u.ID, action: ActionResetRequested, address: address})
	})
	if err != nil {
		return err
	}
	return s.opts.Mail.Send(ctx, resetMessage(u, s.opts.BaseURL+ResetPath+ResetFragment+url.QueryEscape(token)))
}

func resetMessage(u User, link string) mail.Message {
	return mail.Message{To: u.Email, Subject: "Reset your Rapport password", Text: fmt.Sprintf(`Hello %s,

someone (we hope you) asked to reset the password of your Rapport account.
To choose a new password, open this link within an hour:

%s

The link works once. If you did not ask for it, ignore this message: your
password stays as it is.
`, u.Name, link)}
}

// errResetLink answers a reset token that is unknown, expired or used.
var errResetLink = fault.Field("token", "expired", "this reset link has expired or was already used; ask for a new one")

// ResetPassword sets a new password through a reset token, once: the
// token and every other open link of the user are spent, every session of
// the user ends and every API token of the user is revoked, since whoever
// made the reset necessary may hold any of them. It returns the user whose
// password changed and what ended.
func (s *Service) ResetPassword(ctx context.Context, token, password, address string) (User, SignedOut, error) {
	var c fault.Collector
	checkPassword(&c, "password", password)
	if err := c.Err(); err != nil {
		return User{}, SignedOut{}, err
	}
	ws, ok := credentialWorkspace(resetPrefix, token)
	if !ok {
		return User{}, SignedOut{}, errResetLink
	}
	hash, err := s.opts.Password.Hash(password)
	if err != nil {
		return User{}, SignedOut{}, err
	}
	var u User
	var out SignedOut
	err = s.db.Tx(ctx, func(q store.Querier) error {
		uid, err := s.spendResetToken(ctx, q, ws, token)
		if err != nil {
			return err
		}
		if u, err = s.loadUser(ctx, q, ws, uid); err != nil {
			return err
		}
		if u.Status != StatusActive {
			return errResetLink
		}
		if _, err := q.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE workspace_id = ? AND id = ?`, hash, ws, uid); err != nil {
			return err
		}
		out = SignedOut{}
		if out.Sessions, err = s.endSessions(ctx, q, ws, uid, 0); err != nil {
			return err
		}
		if out.Tokens, err = s.revokeTokens(ctx, q, ws, uid); err != nil {
			return err
		}
		return s.audit(ctx, q, ws, event{object: "user", id: u.ID, action: ActionPasswordReset, actor: uid, address: address,
			details: map[string]any{"sessions_ended": out.Sessions, "tokens_revoked": out.Tokens}})
	})
	if err != nil {
		return User{}, SignedOut{}, err
	}
	out.Message = resetNotice(&out)
	return u, out, nil
}

// spendResetToken marks the reset token used, with every other open link
// of its user, and returns the user's id. The conditional update lets one
// of two concurrent uses win.
func (s *Service) spendResetToken(ctx context.Context, q store.Querier, ws int64, token string) (int64, error) {
	var id, uid int64
	var expires, used any
	err := q.QueryRowContext(ctx, `SELECT id, user_id, expires_at, used_at FROM password_resets WHERE workspace_id = ? AND hash = ?`,
		ws, hashSecret(token)).Scan(&id, &uid, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errResetLink
	}
	if err != nil {
		return 0, err
	}
	now := s.now()
	if t, _ := store.ParseTime(expires); used != nil || !now.Before(t) {
		return 0, errResetLink
	}
	res, err := q.ExecContext(ctx, `UPDATE password_resets SET used_at = ? WHERE workspace_id = ? AND user_id = ? AND used_at IS NULL`,
		s.db.Dialect.Time(now), ws, uid)
	if err != nil {
		return 0, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return 0, errResetLink
	}
	return uid, nil
}

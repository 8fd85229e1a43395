package account

import (
	"context"
	"strconv"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/store"
)

// Profile is the signed-in user as they see themselves: their user, with
// their team spelt out.
type Profile struct {
	User
	Team *Team `json:"team"`
}

// Me returns the actor's profile. A read-only token may read it.
func (s *Service) Me(ctx context.Context) (Profile, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return Profile{}, err
	}
	u, err := s.loadUser(ctx, s.db.Reader(), a.WorkspaceID, a.UserID)
	if err != nil {
		return Profile{}, err
	}
	p := Profile{User: u}
	if u.TeamID == nil {
		return p, nil
	}
	tid, _ := parseID("team", *u.TeamID)
	t, err := s.loadTeam(ctx, s.db.Reader(), a.WorkspaceID, tid)
	if err == nil {
		p.Team = &t
	}
	if fault.Is(err, fault.ENOTFOUND) {
		err = nil // the team went away meanwhile
	}
	return p, err
}

// MyChange is what users may change about themselves. Changing the
// password takes the current one, and revokes the user's API tokens
// unless KeepTokens says to keep them.
type MyChange struct {
	Name            *string `json:"name"`
	Language        *string `json:"language"`
	TimeZone        *string `json:"time_zone"`
	Password        *string `json:"password"`
	CurrentPassword string  `json:"current_password"`
	KeepTokens      *bool   `json:"keep_tokens"`
}

// SignedOut says what a new password ended: the user's other sessions and,
// unless kept, their API tokens, with a sentence that tells the user so.
type SignedOut struct {
	Sessions   int    `json:"sessions"`
	Tokens     int    `json:"tokens"`
	TokensKept bool   `json:"tokens_kept"`
	Message    string `json:"message"`
}

// UpdateMe changes the actor's own name, language, time zone or password.
// A new password ends every other session of the user (keepSession, the
// caller's own session or "" for a token, stays open) and revokes every
// API token of the user, the one this call came with included, unless
// ch.KeepTokens asks to keep them: whoever knew the old password may have
// made one. The second result says what ended; it is nil when the
// password did not change.
func (s *Service) UpdateMe(ctx context.Context, ch MyChange, keepSession string) (Profile, *SignedOut, error) {
	a, err := self(ctx)
	if err != nil {
		return Profile{}, nil, err
	}
	var c fault.Collector
	sets := profileSets(&c, ch.Name, ch.Language, ch.TimeZone)
	if ch.Password != nil {
		checkPassword(&c, "password", *ch.Password)
		if ch.CurrentPassword == "" {
			c.Add("current_password", "required", "is required to change the password")
		}
	} else if ch.KeepTokens != nil {
		c.Add("keep_tokens", "without_password", "says what becomes of your API tokens when the password changes; send it with password")
	}
	if err := c.Err(); err != nil {
		return Profile{}, nil, err
	}
	var hash string
	if ch.Password != nil {
		if err := s.checkCurrentPassword(ctx, a.WorkspaceID, a.UserID, ch.CurrentPassword); err != nil {
			return Profile{}, nil, err
		}
		if hash, err = s.opts.Password.Hash(*ch.Password); err != nil {
			return Profile{}, nil, err
		}
	}
	keep, _ := parseID("session", keepSession)
	var out *SignedOut
	err = s.db.Tx(ctx, func(q store.Querier) error {
		old, err := s.loadUser(ctx, q, a.WorkspaceID, a.UserID)
		if err != nil {
			return err
		}
		if _, err := s.writeUser(ctx, q, a.UserID, old, sets); err != nil {
			return err
		}
		if hash == "" {
			return nil
		}
		keepTokens := ch.KeepTokens != nil && *ch.KeepTokens
		out, err = s.changePassword(ctx, q, a.WorkspaceID, a.UserID, keep, hash, keepTokens, a.Address)
		return err
	})
	if err != nil {
		return Profile{}, nil, err
	}
	p, err := s.Me(ctx)
	return p, out, err
}

// changePassword stores a new password hash, ends the user's other
// sessions and, unless keepTokens, revokes their API tokens: any of them
// may belong to whoever knew the old password.
func (s *Service) changePassword(ctx context.Context, q store.Querier, ws, uid, keepSession int64, hash string, keepTokens bool,
	address string) (*SignedOut, error) {
	if _, err := q.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE workspace_id = ? AND id = ?`, hash, ws, uid); err != nil {
		return nil, err
	}
	out := &SignedOut{TokensKept: keepTokens}
	var err error
	if out.Sessions, err = s.endSessions(ctx, q, ws, uid, keepSession); err != nil {
		return nil, err
	}
	if !keepTokens {
		if out.Tokens, err = s.revokeTokens(ctx, q, ws, uid); err != nil {
			return nil, err
		}
	}
	out.Message = changeMessage(out)
	return out, s.audit(ctx, q, ws, event{object: "user", id: formatID(uid), action: ActionPasswordChange, actor: uid, address: address,
		details: map[string]any{"sessions_ended": out.Sessions, "tokens_revoked": out.Tokens}})
}

// changeMessage tells the user what a password change ended.
func changeMessage(o *SignedOut) string {
	msg := "Your password was changed. " + count(o.Sessions, "other session was", "other sessions were") + " signed out"
	if o.TokensKept {
		return msg + "; your API tokens were kept, as you asked."
	}
	if o.Tokens == 0 {
		return msg + "; you had no API tokens to revoke."
	}
	return msg + ", and " + count(o.Tokens, "API token was", "API tokens were") +
		" revoked: make new tokens for the tools that used them."
}

// resetNotice tells the user what a password reset ended.
func resetNotice(o *SignedOut) string {
	msg := "Your password was reset. " + count(o.Sessions, "session was", "sessions were") + " signed out"
	if o.Tokens == 0 {
		return msg + "; you had no API tokens to revoke. Sign in with the new password."
	}
	return msg + ", and " + count(o.Tokens, "API token was", "API tokens were") +
		" revoked. Sign in with the new password, and make new tokens for the tools that used them."
}

// count writes n with the singular or plural noun phrase.
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

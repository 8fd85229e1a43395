package account

import (
	"context"

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
// password takes the current one.
type MyChange struct {
	Name            *string `json:"name"`
	Language        *string `json:"language"`
	TimeZone        *string `json:"time_zone"`
	Password        *string `json:"password"`
	CurrentPassword string  `json:"current_password"`
}

// UpdateMe changes the actor's own name, language, time zone or password.
// A new password ends every other session of the user; keepSession (the
// caller's own session, or "" for a token) stays open.
func (s *Service) UpdateMe(ctx context.Context, ch MyChange, keepSession string) (Profile, error) {
	a, err := self(ctx)
	if err != nil {
		return Profile{}, err
	}
	var c fault.Collector
	sets := profileSets(&c, ch.Name, ch.Language, ch.TimeZone)
	if ch.Password != nil {
		checkPassword(&c, "password", *ch.Password)
		if ch.CurrentPassword == "" {
			c.Add("current_password", "required", "is required to change the password")
		}
	}
	if err := c.Err(); err != nil {
		return Profile{}, err
	}
	var hash string
	if ch.Password != nil {
		if err := s.checkCurrentPassword(ctx, a.WorkspaceID, a.UserID, ch.CurrentPassword); err != nil {
			return Profile{}, err
		}
		if hash, err = s.opts.Password.Hash(*ch.Password); err != nil {
			return Profile{}, err
		}
	}
	keep, _ := parseID("session", keepSession)
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
		return s.changePassword(ctx, q, a.WorkspaceID, a.UserID, keep, hash, a.Address)
	})
	if err != nil {
		return Profile{}, err
	}
	return s.Me(ctx)
}

// changePassword stores a new password hash and ends the user's other
// sessions, which may belong to whoever knew the old password.
func (s *Service) changePassword(ctx context.Context, q store.Querier, ws, uid, keepSession int64, hash, address string) error {
	if _, err := q.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE workspace_id = ? AND id = ?`, hash, ws, uid); err != nil {
		return err
	}
	if err := s.endSessions(ctx, q, ws, uid, keepSession); err != nil {
		return err
	}
	return s.audit(ctx, q, ws, event{object: "user", id: formatID(uid), action: ActionPasswordChange, actor: uid, address: address})
}

package account

import (
	"context"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/store"
)

// ActionSignOutOthers is the audit action of ending every other session.
const ActionSignOutOthers = "sign_out_others"

// OpenSession is one of the actor's signed-in browsers, as they see it in
// their session list: never its secret.
type OpenSession struct {
	ID         string    `json:"id"`
	Address    string    `json:"address"`
	UserAgent  string    `json:"user_agent"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	Current    bool      `json:"current"`
}

// maxListedSessions bounds the session list: sessions end by themselves
// within SessionMax, so a longer list is a sign of a script signing in.
const maxListedSessions = 100

// MySessions returns the actor's sessions that have not expired, the most
// recently seen first; current is the caller's own session id ("" for a
// token), which is marked.
func (s *Service) MySessions(ctx context.Context, current string) ([]OpenSession, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, address, user_agent, created_at, last_seen_at FROM sessions
		WHERE workspace_id = ? AND user_id = ? AND expires_at > ? ORDER BY last_seen_at DESC, id DESC LIMIT ?`,
		a.WorkspaceID, a.UserID, s.db.Dialect.Time(s.now()), maxListedSessions)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []OpenSession{}
	for rows.Next() {
		var o OpenSession
		var id int64
		var created, seen any
		if err := rows.Scan(&id, &o.Address, &o.UserAgent, &created, &seen); err != nil {
			return nil, err
		}
		o.ID = formatID(id)
		o.CreatedAt, _ = store.ParseTime(created)
		o.LastSeenAt, _ = store.ParseTime(seen)
		o.Current = o.ID == current
		out = append(out, o)
	}
	return out, rows.Err()
}

// SignOutOthers ends every session of the actor except keep (the caller's
// own, "" to end them all) and returns how many ended: "sign out
// everywhere else", for a user who left a browser signed in somewhere.
func (s *Service) SignOutOthers(ctx context.Context, keep string) (int, error) {
	a, err := self(ctx)
	if err != nil {
		return 0, err
	}
	k, _ := parseID("session", keep)
	var n int
	err = s.db.Tx(ctx, func(q store.Querier) error {
		var err error
		if n, err = s.endSessions(ctx, q, a.WorkspaceID, a.UserID, k); err != nil {
			return err
		}
		return s.audit(ctx, q, a.WorkspaceID, event{object: "session", id: keep, action: ActionSignOutOthers, actor: a.UserID,
			address: a.Address, details: map[string]any{"sessions": n}})
	})
	return n, err
}

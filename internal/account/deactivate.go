package account

import (
	"context"
	"encoding/json"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/store"
)

// ownedObjects are the record objects whose owner_id a deactivation can
// move to another user. Each new object with an owner adds a line here.
var ownedObjects = []struct{ object, table string }{
	{"contact", "contacts"},
	{"company", "companies"},
}

// Deactivation is the outcome of DeactivateUser: the user as they are
// now, and how many records of each table moved to the new owner.
type Deactivation struct {
	User       User           `json:"user"`
	Reassigned map[string]int `json:"reassigned"`
}

// DeactivateUser stops user id from signing in: their sessions end and
// their tokens are revoked in the same transaction, so the next request
// with either is refused. When reassignTo names another active user,
// everything id owns (and every team id manages) moves to them in that
// transaction too, each moved record with an outbox event so its history
// shows the change. The last active administrator cannot be deactivated;
// deactivating any administrator takes the right to manage roles, and
// handing records over the right to change them (see mayReassign).
// Reassignment alone, without deactivating, is left to the records API.
func (s *Service) DeactivateUser(ctx context.Context, id, reassignTo string) (Deactivation, error) {
	a, err := s.authorize(ctx, "user", access.Update)
	if err != nil {
		return Deactivation{}, err
	}
	uid, err := parseID("user", id)
	if err != nil {
		return Deactivation{}, err
	}
	res := Deactivation{Reassigned: map[string]int{}}
	err = s.db.Tx(ctx, func(q store.Querier) error {
		old, err := s.loadUser(ctx, q, a.WorkspaceID, uid)
		if err != nil {
			return err
		}
		if old.Status != StatusActive {
			return fault.Errorf(fault.ECONFLICT, "user %s is already deactivated", id)
		}
		if err := s.guardAdministrator(ctx, q, old); err != nil {
			return err
		}
		return s.keepAdministrators(ctx, q, a.WorkspaceID, func() error {
			if reassignTo != "" {
				to, err := s.reassignTarget(ctx, q, a.WorkspaceID, uid, reassignTo)
				if err != nil {
					return err
				}
				if err := s.mayReassign(ctx, q, a, uid, to); err != nil {
					return err
				}
				if res.Reassigned, err = s.reassign(ctx, q, a, uid, to); err != nil {
					return err
				}
			}
			if err := s.endCredentials(ctx, q, a.WorkspaceID, uid); err != nil {
				return err
			}
			res.User, err = s.setStatus(ctx, q, a, old, StatusDeactivated)
			return err
		})
	})
	s.invalidate(a.WorkspaceID)
	return res, err
}

// ReactivateUser lets a deactivated user sign in again. Their old sessions
// and tokens stay ended; they sign in afresh.
func (s *Service) ReactivateUser(ctx context.Context, id string) (User, error) {
	a, err := s.authorize(ctx, "user", access.Update)
	if err != nil {
		return User{}, err
	}
	uid, err := parseID("user", id)
	if err != nil {
		return User{}, err
	}
	var u User
	err = s.db.Tx(ctx, func(q store.Querier) error {
		old, err := s.loadUser(ctx, q, a.WorkspaceID, uid)
		if err != nil {
			return err
		}
		if old.Status == StatusActive {
			return fault.Errorf(fault.ECONFLICT, "user %s is already active", id)
		}
		if err := s.guardAdministrator(ctx, q, old); err != nil {
			return err
		}
		u, err = s.setStatus(ctx, q, a, old, StatusActive)
		return err
	})
	s.invalidate(a.WorkspaceID)
	return u, err
}

// setStatus writes a user's status and publishes the change.
func (s *Service) setStatus(ctx context.Context, q store.Querier, a access.Actor, old User, status string) (User, error) {
	uid, _ := parseID("user", old.ID)
	var at any
	action := ActionUserReactivate
	if status == StatusDeactivated {
		at, action = s.db.Dialect.Time(s.now()), ActionUserDeactivate
	}
	if _, err := q.ExecContext(ctx, `UPDATE users SET status = ?, deactivated_at = ? WHERE workspace_id = ? AND id = ?`,
		status, at, a.WorkspaceID, uid); err != nil {
		return old, err
	}
	u, err := s.loadUser(ctx, q, a.WorkspaceID, uid)
	if err != nil {
		return u, err
	}
	return u, s.publish(ctx, q, a.WorkspaceID, event{object: "user", id: u.ID, action: action, actor: a.UserID,
		changes: userChanges(old, u)})
}

// reassignTarget checks that to names another active user of ws.
func (s *Service) reassignTarget(ctx context.Context, q store.Querier, ws, from int64, to string) (int64, error) {
	bad := fault.Field("reassign_to", "invalid", "must be the id of another active user")
	tid, err := parseID("user", to)
	if err != nil || tid == from {
		return 0, bad
	}
	u, err := s.loadUser(ctx, q, ws, tid)
	if fault.Is(err, fault.ENOTFOUND) || (err == nil && u.Status != StatusActive) {
		return 0, bad
	}
	return tid, err
}

// mayReassign checks that the actor could hand what from owns to to
// without this shortcut: read and update every owned object's records of
// either owner, as the records API asks of a change of owner one record
// at a time; and, when from manages teams, which move too, the right to
// manage roles that changing a team's manager takes.
func (s *Service) mayReassign(ctx context.Context, q store.Querier, a access.Actor, from, to int64) error {
	if s.opts.Policy != nil {
		for _, o := range ownedObjects {
			for _, owner := range []int64{from, to} {
				rec := map[string]any{"owner_id": formatID(owner)}
				for _, act := range []access.Action{access.Read, access.Update} {
					err := s.opts.Policy.Authorize(ctx, a, o.object, act, rec)
					if fault.Is(err, fault.EFORBIDDEN) {
						return fault.Errorf(fault.EFORBIDDEN, "handing over user %d's records to user %d takes the right to %s "+
							"the %s records of both, which your role does not give", from, to, act, o.object)
					}
					if err != nil {
						return err
					}
				}
			}
		}
	}
	teams, err := s.listTeams(ctx, q, a.WorkspaceID, "manager_id = ?", from)
	if err != nil || len(teams) == 0 {
		return err
	}
	return s.needRoles(ctx, "handing over the teams a user manages")
}

// reassign moves every record (live or in the trash) and every team that
// from owns or manages to to. Every moved record gets an outbox event and
// a new version, so a client holding the old version sees a conflict
// rather than writing the old owner back. All moved rows share one
// change, so one INSERT … SELECT writes their events.
func (s *Service) reassign(ctx context.Context, q store.Querier, a access.Actor, from, to int64) (map[string]int, error) {
	moved := map[string]int{}
	owner, err := json.Marshal(map[string]change{"owner_id": {Before: formatID(from), After: formatID(to)}})
	if err != nil {
		return nil, err
	}
	d, now := s.db.Dialect, s.db.Dialect.Time(s.now())
	for _, o := range ownedObjects {
		_, err := q.ExecContext(ctx, `INSERT INTO outbox (workspace_id, object, record_id, action, actor_id, changes, created_at)
			SELECT workspace_id, ?, CAST(id AS TEXT), 'update', ?, `+d.JSONIn()+`, ? FROM `+o.table+`
			WHERE workspace_id = ? AND owner_id = ? ORDER BY id`,
			o.object, a.UserID, string(owner), now, a.WorkspaceID, from)
		if err != nil {
			return nil, err
		}
		res, err := q.ExecContext(ctx, `UPDATE `+o.table+` SET owner_id = ?, version = version + 1, updated_at = ?
			WHERE workspace_id = ? AND owner_id = ?`, to, now, a.WorkspaceID, from)
		if err != nil {
			return nil, err
		}
		n, _ := res.RowsAffected()
		moved[o.table] = int(n)
	}
	// The inbox requests still waiting for the user go with their records,
	// so that no lead waits for someone who has left.
	res, err := q.ExecContext(ctx, `UPDATE inbox_requests SET assigned_user_id = ? WHERE workspace_id = ? AND assigned_user_id = ?
		AND status IN ('new', 'spam')`, to, a.WorkspaceID, from)
	if err != nil {
		return nil, err
	}
	waiting, _ := res.RowsAffected()
	moved["inbox_requests"] = int(waiting)
	n, err := s.moveManagedTeams(ctx, q, a, from, to)
	moved["teams"] = n
	return moved, err
}

// moveManagedTeams hands the teams from manages to to, with an event each.
func (s *Service) moveManagedTeams(ctx context.Context, q store.Querier, a access.Actor, from, to int64) (int, error) {
	teams, err := s.listTeams(ctx, q, a.WorkspaceID, "manager_id = ?", from)
	if err != nil {
		return 0, err
	}
	for _, t := range teams {
		tid, _ := parseID("team", t.ID)
		if _, err := q.ExecContext(ctx, `UPDATE teams SET manager_id = ? WHERE workspace_id = ? AND id = ?`, to, a.WorkspaceID, tid); err != nil {
			return 0, err
		}
		err := s.publish(ctx, q, a.WorkspaceID, event{object: "team", id: t.ID, action: "update", actor: a.UserID,
			changes: map[string]change{"manager_id": {Before: formatID(from), After: formatID(to)}}})
		if err != nil {
			return 0, err
		}
	}
	return len(teams), nil
}

// endCredentials ends every session and revokes every token of a user.
func (s *Service) endCredentials(ctx context.Context, q store.Querier, ws, uid int64) error {
	if _, err := s.endSessions(ctx, q, ws, uid, 0); err != nil {
		return err
	}
	_, err := s.revokeTokens(ctx, q, ws, uid)
	return err
}

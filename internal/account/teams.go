package account

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/input"
	"github.com/rapport-crm/rapport/internal/store"
)

// Team is a group of users, such as a department or a sales region, with
// an optional manager. The team scope of a role reaches its members'
// records, and a manager's reaches every team they manage.
type Team struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	ManagerID *string   `json:"manager_id"`
	Members   int       `json:"members"`
	CreatedAt time.Time `json:"created_at"`
}

// TeamInput creates or changes a team; nil fields stay as they are. A
// ManagerID pointing at "" removes the manager.
type TeamInput struct {
	Name      *string `json:"name"`
	ManagerID *string `json:"manager_id"`
}

const teamColumns = `id, name, manager_id, created_at,
	(SELECT count(*) FROM users u WHERE u.workspace_id = teams.workspace_id AND u.team_id = teams.id)`

func scanTeam(row scanner) (Team, error) {
	var t Team
	var id int64
	var manager sql.NullInt64
	var created any
	if err := row.Scan(&id, &t.Name, &manager, &created, &t.Members); err != nil {
		return t, err
	}
	t.ID = formatID(id)
	if manager.Valid {
		m := formatID(manager.Int64)
		t.ManagerID = &m
	}
	t.CreatedAt, _ = store.ParseTime(created)
	return t, nil
}

// listTeams returns the teams of ws that match the condition cond (on
// the teams table) in name order.
func (s *Service) listTeams(ctx context.Context, q store.Querier, ws int64, cond string, args ...any) ([]Team, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+teamColumns+` FROM teams WHERE workspace_id = ? AND `+cond+` ORDER BY name, id`,
		append([]any{ws}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	teams := []Team{}
	for rows.Next() {
		t, err := scanTeam(rows)
		if err != nil {
			return nil, err
		}
		teams = append(teams, t)
	}
	return teams, rows.Err()
}

// ListTeams returns every team of the actor's workspace.
func (s *Service) ListTeams(ctx context.Context) ([]Team, error) {
	a, err := s.authorize(ctx, "team", access.Read)
	if err != nil {
		return nil, err
	}
	return s.listTeams(ctx, s.db.Reader(), a.WorkspaceID, "1 = 1")
}

// GetTeam returns one team.
func (s *Service) GetTeam(ctx context.Context, id string) (Team, error) {
	a, err := s.authorize(ctx, "team", access.Read)
	if err != nil {
		return Team{}, err
	}
	tid, err := parseID("team", id)
	if err != nil {
		return Team{}, err
	}
	return s.loadTeam(ctx, s.db.Reader(), a.WorkspaceID, tid)
}

func (s *Service) loadTeam(ctx context.Context, q store.Querier, ws, id int64) (Team, error) {
	teams, err := s.listTeams(ctx, q, ws, "id = ?", id)
	if err != nil {
		return Team{}, err
	}
	if len(teams) == 0 {
		return Team{}, fault.Errorf(fault.ENOTFOUND, "no team with id %d", id)
	}
	return teams[0], nil
}

// teamChange is what changing a team is called when it is refused: a
// team decides whose records its manager and members reach, so making,
// changing and deleting teams takes the right to manage roles as well.
const teamChange = "making, changing or deleting a team"

// CreateTeam adds a team; it needs a name.
func (s *Service) CreateTeam(ctx context.Context, in TeamInput) (Team, error) {
	a, err := s.authorize(ctx, "team", access.Create)
	if err == nil {
		err = s.needRoles(ctx, teamChange)
	}
	if err != nil {
		return Team{}, err
	}
	if in.Name == nil {
		return Team{}, fault.Field("name", "required", "is required")
	}
	var t Team
	err = s.db.Tx(ctx, func(q store.Querier) error {
		name, manager, err := s.checkTeam(ctx, q, a.WorkspaceID, in)
		if err != nil {
			return err
		}
		var id int64
		err = q.QueryRowContext(ctx, `INSERT INTO teams (workspace_id, name, manager_id, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
			a.WorkspaceID, name, manager, s.db.Dialect.Time(s.now())).Scan(&id)
		if store.IsUniqueViolation(err) {
			return fault.Field("name", "duplicate", "a team called %s already exists", name)
		}
		if err != nil {
			return err
		}
		if t, err = s.loadTeam(ctx, q, a.WorkspaceID, id); err != nil {
			return err
		}
		return s.publish(ctx, q, a.WorkspaceID, event{object: "team", id: t.ID, action: "create", actor: a.UserID,
			details: map[string]any{"name": t.Name, "manager_id": deref(t.ManagerID)}})
	})
	s.invalidate(a.WorkspaceID)
	return t, err
}

// UpdateTeam renames a team or changes its manager.
func (s *Service) UpdateTeam(ctx context.Context, id string, in TeamInput) (Team, error) {
	a, err := s.authorize(ctx, "team", access.Update)
	if err == nil {
		err = s.needRoles(ctx, teamChange)
	}
	if err != nil {
		return Team{}, err
	}
	tid, err := parseID("team", id)
	if err != nil {
		return Team{}, err
	}
	var t Team
	err = s.db.Tx(ctx, func(q store.Querier) error {
		old, err := s.loadTeam(ctx, q, a.WorkspaceID, tid)
		if err != nil {
			return err
		}
		if in.Name == nil {
			in.Name = &old.Name
		}
		if in.ManagerID == nil {
			in.ManagerID = old.ManagerID
		}
		name, manager, err := s.checkTeam(ctx, q, a.WorkspaceID, in)
		if err != nil {
			return err
		}
		_, err = q.ExecContext(ctx, `UPDATE teams SET name = ?, manager_id = ? WHERE workspace_id = ? AND id = ?`, name, manager, a.WorkspaceID, tid)
		if store.IsUniqueViolation(err) {
			return fault.Field("name", "duplicate", "a team called %s already exists", name)
		}
		if err != nil {
			return err
		}
		if t, err = s.loadTeam(ctx, q, a.WorkspaceID, tid); err != nil {
			return err
		}
		return s.publish(ctx, q, a.WorkspaceID, event{object: "team", id: t.ID, action: "update", actor: a.UserID,
			changes: teamChanges(old, t)})
	})
	s.invalidate(a.WorkspaceID)
	return t, err
}

func teamChanges(old, t Team) map[string]change {
	out := map[string]change{}
	if old.Name != t.Name {
		out["name"] = change{Before: old.Name, After: t.Name}
	}
	if deref(old.ManagerID) != deref(t.ManagerID) {
		out["manager_id"] = change{Before: deref(old.ManagerID), After: deref(t.ManagerID)}
	}
	return out
}

// DeleteTeam removes a team; its members stay, in no team.
func (s *Service) DeleteTeam(ctx context.Context, id string) error {
	a, err := s.authorize(ctx, "team", access.Delete)
	if err == nil {
		err = s.needRoles(ctx, teamChange)
	}
	if err != nil {
		return err
	}
	tid, err := parseID("team", id)
	if err != nil {
		return err
	}
	err = s.db.Tx(ctx, func(q store.Querier) error {
		old, err := s.loadTeam(ctx, q, a.WorkspaceID, tid)
		if err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, `UPDATE users SET team_id = NULL WHERE workspace_id = ? AND team_id = ?`, a.WorkspaceID, tid); err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, `DELETE FROM teams WHERE workspace_id = ? AND id = ?`, a.WorkspaceID, tid); err != nil {
			return err
		}
		return s.publish(ctx, q, a.WorkspaceID, event{object: "team", id: old.ID, action: "delete", actor: a.UserID,
			changes: map[string]change{"name": {Before: old.Name}, "manager_id": {Before: deref(old.ManagerID)}}})
	})
	s.invalidate(a.WorkspaceID)
	return err
}

// checkTeam validates a team's name and manager and returns them as
// stored.
func (s *Service) checkTeam(ctx context.Context, q store.Querier, ws int64, in TeamInput) (string, any, error) {
	var c fault.Collector
	name := strings.TrimSpace(*in.Name)
	if name == "" {
		c.Add("name", "required", "is required")
	} else if utf8.RuneCountInString(name) > 200 {
		c.Add("name", "too_long", "must be at most 200 characters")
	} else {
		c.Include(input.Line("name", name))
	}
	var manager any
	if in.ManagerID != nil && *in.ManagerID != "" {
		mid, err := parseID("user", *in.ManagerID)
		if err == nil {
			_, err = s.loadUser(ctx, q, ws, mid)
		}
		switch {
		case fault.Is(err, fault.ENOTFOUND):
			c.Add("manager_id", "invalid", "must be the id of a user")
		case err != nil:
			return "", nil, err
		default:
			manager = mid
		}
	}
	return name, manager, c.Err()
}

// teamRef checks that a user's team_id names a team of ws and returns
// the value to store: nil for none.
func (s *Service) teamRef(ctx context.Context, q store.Querier, ws int64, id *string) (any, error) {
	if id == nil || *id == "" {
		return nil, nil
	}
	bad := fault.Field("team_id", "invalid", "must be the id of a team")
	tid, err := parseID("team", *id)
	if err != nil {
		return nil, bad
	}
	var one int
	err = q.QueryRowContext(ctx, `SELECT 1 FROM teams WHERE workspace_id = ? AND id = ?`, ws, tid).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bad
	}
	return tid, err
}

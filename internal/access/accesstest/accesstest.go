// Package accesstest builds the people and roles that permission tests
// need: an actor with a teammate, a member of a team the actor manages and
// an outsider, roles that grant one action at one scope, and the outcome
// each combination must have, stated apart from the policy that decides it.
package accesstest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/store"
)

// The owners of the records a permission test probes, as seen from the
// actor.
const (
	Self     = "self"
	Teammate = "teammate" // in the actor's team
	Managed  = "managed"  // in a team the actor manages
	Outsider = "outsider" // in a team of its own
)

// Classes lists every kind of owner.
var Classes = []string{Self, Teammate, Managed, Outsider}

// People are the users of one workspace that a permission test uses.
type People struct {
	WS    int64
	Admin int64            // an administrator in no team, who sets things up
	ByCls map[string]int64 // user id by class; Self is the actor
	Email map[string]string
}

// Actor returns the acting user's id.
func (p People) Actor() int64 { return p.ByCls[Self] }

// Setup creates, in workspace ws, three teams and the people around an
// actor: the actor and a teammate in team A, a member of team B which the
// actor manages, and an outsider in team C; plus an administrator. Every
// one starts as an administrator; SetRole changes the actor's role.
func Setup(t testing.TB, db *store.DB, ws int64) People {
	t.Helper()
	p := People{WS: ws, ByCls: map[string]int64{}, Email: map[string]string{}}
	p.Admin = AddUser(t, db, ws, fmt.Sprintf("admin%d@example.com", ws), access.RoleAdministrator, 0)
	p.Email["admin"] = fmt.Sprintf("admin%d@example.com", ws)
	a, b, c := AddTeam(t, db, ws, "A"), AddTeam(t, db, ws, "B"), AddTeam(t, db, ws, "C")
	for cls, team := range map[string]int64{Self: a, Teammate: a, Managed: b, Outsider: c} {
		email := fmt.Sprintf("%s%d@example.com", cls, ws)
		p.ByCls[cls] = AddUser(t, db, ws, email, access.RoleAdministrator, team)
		p.Email[cls] = email
	}
	exec(t, db, `UPDATE teams SET manager_id = ? WHERE workspace_id = ? AND id = ?`, p.Actor(), ws, b)
	return p
}

// AddTeam creates a team and returns its id.
func AddTeam(t testing.TB, db *store.DB, ws int64, name string) int64 {
	t.Helper()
	var id int64
	err := db.Tx(context.Background(), func(q store.Querier) error {
		return q.QueryRowContext(context.Background(), `INSERT INTO teams (workspace_id, name, created_at) VALUES (?, ?, ?) RETURNING id`,
			ws, name, db.Dialect.Time(time.Now())).Scan(&id)
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// AddUser creates an active user with role in team (0 for none) and
// returns its id. Its password hash matches no password: tests act through
// tokens.
func AddUser(t testing.TB, db *store.DB, ws int64, email, role string, team int64) int64 {
	t.Helper()
	var teamID any
	if team != 0 {
		teamID = team
	}
	var id int64
	err := db.Tx(context.Background(), func(q store.Querier) error {
		return q.QueryRowContext(context.Background(), `INSERT INTO users (workspace_id, email, name, password_hash, role, team_id, created_at)
			VALUES (?, ?, ?, '!', ?, ?, ?) RETURNING id`, ws, email, email, role, teamID, db.Dialect.Time(time.Now())).Scan(&id)
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// SetRole gives user the role called role.
func SetRole(t testing.TB, db *store.DB, ws, user int64, role string) {
	t.Helper()
	exec(t, db, `UPDATE users SET role = ? WHERE workspace_id = ? AND id = ?`, role, ws, user)
}

// AddWorkspace creates workspace ws with its built-in roles.
func AddWorkspace(t testing.TB, db *store.DB, ws int64) {
	t.Helper()
	err := db.Tx(context.Background(), func(q store.Querier) error {
		_, err := q.ExecContext(context.Background(), `INSERT INTO workspaces (id, name, created_at) VALUES (?, ?, ?)`,
			ws, fmt.Sprintf("Workspace %d", ws), db.Dialect.Time(time.Now()))
		if err != nil {
			return err
		}
		return access.SeedRoles(context.Background(), q, db.Dialect, ws)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func exec(t testing.TB, db *store.DB, query string, args ...any) {
	t.Helper()
	err := db.Tx(context.Background(), func(q store.Querier) error {
		_, err := q.ExecContext(context.Background(), query, args...)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// MatrixRole is a role that grants act on object at scope. It also reads
// every record of object, so that a refused write shows as refused rather
// than as not found; a read role grants nothing else.
func MatrixRole(object string, act access.Action, scope access.Scope) access.Role {
	g := access.Grants{object: {act: scope}}
	if act != access.Read {
		g[object][access.Read] = access.All
	}
	return access.Role{Name: fmt.Sprintf("m_%s_%s_%s", object, act, scope), Grants: g}
}

// Reaches reports whether scope reaches a record owned by an owner of cls:
// the rule of DESIGN.md point 5, written out once more so that the policy
// is checked against it rather than against itself.
func Reaches(scope access.Scope, cls string) bool {
	switch scope {
	case access.All:
		return true
	case access.Team:
		return cls != Outsider
	case access.Own:
		return cls == Self
	}
	return false
}

// The outcomes of one operation.
const (
	OK        = "ok"
	Forbidden = "forbidden"
	NotFound  = "not_found"
)

// Outcome is what act on a record of object owned by an owner of cls must
// give an actor with role r: a record the actor may not read is not found,
// one it may read but not change is forbidden.
func Outcome(r access.Role, object string, act access.Action, cls string) string {
	if act == access.Create {
		if Reaches(r.Scope(object, access.Create), cls) {
			return OK
		}
		return Forbidden
	}
	if !Reaches(r.Scope(object, access.Read), cls) {
		return NotFound
	}
	if !Reaches(r.Scope(object, act), cls) {
		return Forbidden
	}
	return OK
}

// Case is one role probed on one action of one object.
type Case struct {
	Role   access.Role
	Object string
	Act    access.Action
}

// Cases are every object × action × scope, each in a role granting that
// alone (see MatrixRole), and every built-in role on every object and
// action. Export has no engine operation yet; the policy's own tests
// cover it.
func Cases() []Case {
	var cases []Case
	for _, object := range []string{"contact", "company"} {
		for _, act := range []access.Action{access.Create, access.Read, access.Update, access.Delete} {
			for _, scope := range access.Scopes {
				cases = append(cases, Case{MatrixRole(object, act, scope), object, act})
			}
			for _, r := range access.BuiltinRoles() {
				cases = append(cases, Case{r, object, act})
			}
		}
	}
	return cases
}

package account

import (
	"context"
	"database/sql"
	"errors"
	"net/mail"
	"strings"
	"time"
	_ "time/tzdata" // time zones validate the same on hosts without zoneinfo
	"unicode/utf8"

	"golang.org/x/text/language"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/input"
	"github.com/rapport-crm/rapport/internal/store"
)

// User is a person who signs in to a workspace. It holds no secret, so
// every member of the workspace may read it.
type User struct {
	ID            string     `json:"id"`
	WorkspaceID   int64      `json:"-"`
	Email         string     `json:"email"`
	Name          string     `json:"name"`
	Role          string     `json:"role"`
	Status        string     `json:"status"`
	Language      string     `json:"language"`
	TimeZone      string     `json:"time_zone"`
	TeamID        *string    `json:"team_id"`
	TwoFactor     bool       `json:"two_factor"`
	CreatedAt     time.Time  `json:"created_at"`
	DeactivatedAt *time.Time `json:"deactivated_at"`
}

// userColumns is the SELECT list that scanUser reads.
const userColumns = `id, email, name, role, status, language, time_zone, team_id,
	CASE WHEN totp_secret IS NULL THEN 0 ELSE 1 END, created_at, deactivated_at`

type scanner interface{ Scan(dest ...any) error }

func scanUser(row scanner, ws int64) (User, error) {
	u := User{WorkspaceID: ws}
	var id int64
	var team sql.NullInt64
	var twoFactor int
	var created, deactivated any
	err := row.Scan(&id, &u.Email, &u.Name, &u.Role, &u.Status, &u.Language, &u.TimeZone, &team, &twoFactor, &created, &deactivated)
	if err != nil {
		return u, err
	}
	u.ID, u.TwoFactor = formatID(id), twoFactor == 1
	if team.Valid {
		t := formatID(team.Int64)
		u.TeamID = &t
	}
	u.CreatedAt, _ = store.ParseTime(created)
	u.DeactivatedAt = timeOrNil(deactivated)
	return u, nil
}

// NewUser is what it takes to add a user. Language, TimeZone and TeamID
// are optional.
type NewUser struct {
	Email    string  `json:"email"`
	Name     string  `json:"name"`
	Password string  `json:"password"`
	Role     string  `json:"role"`
	Language string  `json:"language"`
	TimeZone string  `json:"time_zone"`
	TeamID   *string `json:"team_id"`
}

// AddUser adds a user to the actor's workspace. Only administrators may.
func (s *Service) AddUser(ctx context.Context, n NewUser) (User, error) {
	a, err := s.authorize(ctx, "user", access.Create)
	if err != nil {
		return User{}, err
	}
	if err := s.needRoles(ctx, "adding a user, who gets a role and a team,"); err != nil {
		return User{}, err
	}
	u, err := s.insertUser(ctx, a.WorkspaceID, a.UserID, n)
	s.invalidate(a.WorkspaceID)
	return u, err
}

func (s *Service) insertUser(ctx context.Context, ws, actorID int64, n NewUser) (User, error) {
	var c fault.Collector
	n, hash, err := s.prepareNewUser(ctx, &c, ws, n)
	if err != nil {
		return User{}, err
	}
	var u User
	err = s.db.Tx(ctx, func(q store.Querier) error {
		var err error
		u, err = s.writeNewUser(ctx, q, ws, actorID, n, hash)
		return err
	})
	return u, err
}

// prepareNewUser checks n as checkNewUser does and, when neither n nor
// what c holds already is wrong, hashes its password: the slow part, done
// before the transaction that writes the user.
func (s *Service) prepareNewUser(ctx context.Context, c *fault.Collector, ws int64, n NewUser) (NewUser, string, error) {
	n, err := s.checkNewUser(ctx, c, ws, n)
	if err != nil {
		return n, "", err
	}
	if err := c.Err(); err != nil {
		return n, "", err
	}
	hash, err := s.opts.Password.Hash(n.Password)
	return n, hash, err
}

// checkNewUser adds to c what is wrong with n and returns n with its
// e-mail, name, language and time zone in their canonical forms.
func (s *Service) checkNewUser(ctx context.Context, c *fault.Collector, ws int64, n NewUser) (NewUser, error) {
	n.Email = checkEmail(c, n.Email)
	checkPassword(c, "password", n.Password)
	lang, tz := "", "UTC"
	if n.Language != "" {
		lang = checkLanguage(c, n.Language)
	} else {
		def, err := s.workspaceLanguage(ctx, ws)
		if err != nil {
			return n, err
		}
		lang = def
	}
	if n.TimeZone != "" {
		tz = checkTimeZone(c, n.TimeZone)
	}
	n.Language, n.TimeZone = lang, tz
	n.Name = checkName(c, n.Name)
	ok, err := s.roleExists(ctx, s.db.Reader(), ws, n.Role)
	if err == nil && !ok {
		addRoleError(c)
	}
	return n, err
}

// writeNewUser inserts a user whose input insertUser has checked and whose
// password it has hashed, and publishes the event, in q's transaction.
func (s *Service) writeNewUser(ctx context.Context, q store.Querier, ws, actorID int64, n NewUser, hash string) (User, error) {
	team, err := s.teamRef(ctx, q, ws, n.TeamID)
	if err != nil {
		return User{}, err
	}
	var id int64
	err = q.QueryRowContext(ctx, `INSERT INTO users (workspace_id, email, name, password_hash, role, status, language, time_zone, team_id, created_at)
		VALUES (?, ?, ?, ?, ?, 'active', ?, ?, ?, ?) RETURNING id`,
		ws, n.Email, n.Name, hash, n.Role, n.Language, n.TimeZone, team, s.db.Dialect.Time(s.now())).Scan(&id)
	if store.IsUniqueViolation(err) {
		return User{}, fault.Field("email", "duplicate", "a user with e-mail %s already exists", n.Email)
	}
	if err != nil {
		return User{}, err
	}
	u, err := s.loadUser(ctx, q, ws, id)
	if err != nil {
		return User{}, err
	}
	return u, s.publish(ctx, q, ws, event{object: "user", id: u.ID, action: "create", actor: actorID,
		details: map[string]any{"email": u.Email, "name": u.Name, "role": u.Role, "team_id": deref(u.TeamID)}})
}

func (s *Service) loadUser(ctx context.Context, q store.Querier, ws, id int64) (User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE workspace_id = ? AND id = ?`, ws, id), ws)
	if errors.Is(err, sql.ErrNoRows) {
		return u, fault.Errorf(fault.ENOTFOUND, "no user with id %d", id)
	}
	return u, err
}

// UserFilter narrows ListUsers; empty fields match every user.
type UserFilter struct {
	Status string
	TeamID string
}

// ListUsers returns the users of the actor's workspace ordered by name:
// the directory every member may read. A workspace has hundreds of users
// at most, so the list is not paged.
func (s *Service) ListUsers(ctx context.Context, f UserFilter) ([]User, error) {
	a, err := s.authorize(ctx, "user", access.Read)
	if err != nil {
		return nil, err
	}
	where, args := "workspace_id = ?", []any{a.WorkspaceID}
	if f.Status != "" {
		if f.Status != StatusActive && f.Status != StatusDeactivated {
			return nil, fault.Field("status", "option", "must be %s or %s", StatusActive, StatusDeactivated)
		}
		where, args = where+" AND status = ?", append(args, f.Status)
	}
	if f.TeamID != "" {
		team, err := parseID("team", f.TeamID)
		if err != nil {
			return nil, fault.Field("team_id", "invalid", "must be a team id")
		}
		where, args = where+" AND team_id = ?", append(args, team)
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+where+` ORDER BY name, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	users := []User{}
	for rows.Next() {
		u, err := scanUser(rows, a.WorkspaceID)
		if err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	return users, rows.Err()
}

// GetUser returns one user of the actor's workspace.
func (s *Service) GetUser(ctx context.Context, id string) (User, error) {
	a, err := s.authorize(ctx, "user", access.Read)
	if err != nil {
		return User{}, err
	}
	n, err := parseID("user", id)
	if err != nil {
		return User{}, err
	}
	return s.loadUser(ctx, s.db.Reader(), a.WorkspaceID, n)
}

// UserChange is a partial update of a user by an administrator; nil
// fields stay as they are. A TeamID pointing at "" takes the user out of
// their team.
type UserChange struct {
	Name     *string `json:"name"`
	Language *string `json:"language"`
	TimeZone *string `json:"time_zone"`
	TeamID   *string `json:"team_id"`
	Role     *string `json:"role"`
}

// UpdateUser changes a user's profile, team or role. Changing a team or a
// role, or anything of an administrator, takes the right to manage roles
// as well. A change that would leave the workspace without an active
// administrator is refused.
func (s *Service) UpdateUser(ctx context.Context, id string, ch UserChange) (User, error) {
	a, err := s.authorize(ctx, "user", access.Update)
	if err != nil {
		return User{}, err
	}
	if ch.Role != nil {
		if err := s.needRoles(ctx, "assigning a role"); err != nil {
			return User{}, err
		}
	}
	if ch.TeamID != nil {
		if err := s.needRoles(ctx, "moving a user into or out of a team"); err != nil {
			return User{}, err
		}
	}
	uid, err := parseID("user", id)
	if err != nil {
		return User{}, err
	}
	var c fault.Collector
	sets := profileSets(&c, ch.Name, ch.Language, ch.TimeZone)
	if err := c.Err(); err != nil {
		return User{}, err
	}
	var u User
	err = s.db.Tx(ctx, func(q store.Querier) error {
		old, err := s.loadUser(ctx, q, a.WorkspaceID, uid)
		if err != nil {
			return err
		}
		if err := s.guardAdministrator(ctx, q, old); err != nil {
			return err
		}
		if ch.Role != nil && *ch.Role != old.Role {
			ok, err := s.roleExists(ctx, q, a.WorkspaceID, *ch.Role)
			if err != nil {
				return err
			}
			if !ok {
				var c fault.Collector
				addRoleError(&c)
				return c.Err()
			}
			sets["role"] = *ch.Role
		}
		if ch.TeamID != nil {
			team, err := s.teamRef(ctx, q, a.WorkspaceID, ch.TeamID)
			if err != nil {
				return err
			}
			sets["team_id"] = team
		}
		write := func() (err error) {
			u, err = s.writeUser(ctx, q, a.UserID, old, sets)
			return err
		}
		if _, changesRole := sets["role"]; changesRole {
			return s.keepAdministrators(ctx, q, a.WorkspaceID, write)
		}
		return write()
	})
	s.invalidate(a.WorkspaceID)
	return u, err
}

// profileSets validates the fields a user may change about themselves and
// returns them as column -> value.
func profileSets(c *fault.Collector, name, lang, tz *string) map[string]any {
	sets := map[string]any{}
	if name != nil {
		sets["name"] = checkName(c, *name)
	}
	if lang != nil {
		sets["language"] = checkLanguage(c, *lang)
	}
	if tz != nil {
		sets["time_zone"] = checkTimeZone(c, *tz)
	}
	return sets
}

// writeUser applies sets to old, records the change, and returns the user
// as stored.
func (s *Service) writeUser(ctx context.Context, q store.Querier, actorID int64, old User, sets map[string]any) (User, error) {
	uid, _ := parseID("user", old.ID)
	if len(sets) == 0 {
		return old, nil
	}
	cols := make([]string, 0, len(sets))
	args := make([]any, 0, len(sets)+2)
	for _, col := range []string{"name", "language", "time_zone", "team_id", "role"} {
		if v, ok := sets[col]; ok {
			cols = append(cols, col+" = ?")
			args = append(args, v)
		}
	}
	args = append(args, old.WorkspaceID, uid)
	if _, err := q.ExecContext(ctx, `UPDATE users SET `+strings.Join(cols, ", ")+` WHERE workspace_id = ? AND id = ?`, args...); err != nil {
		return old, err
	}
	u, err := s.loadUser(ctx, q, old.WorkspaceID, uid)
	if err != nil {
		return u, err
	}
	changes := userChanges(old, u)
	if len(changes) == 0 {
		return u, nil
	}
	return u, s.publish(ctx, q, old.WorkspaceID, event{object: "user", id: u.ID, action: "update", actor: actorID, changes: changes})
}

// userChanges lists the profile fields that differ between two versions
// of a user, in the outbox's before/after form.
func userChanges(old, u User) map[string]change {
	out := map[string]change{}
	add := func(name string, before, after any) {
		if before != after {
			out[name] = change{Before: before, After: after}
		}
	}
	add("name", old.Name, u.Name)
	add("language", old.Language, u.Language)
	add("time_zone", old.TimeZone, u.TimeZone)
	add("role", old.Role, u.Role)
	add("status", old.Status, u.Status)
	add("team_id", deref(old.TeamID), deref(u.TeamID))
	return out
}

func deref(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

// keepAdministrators runs change and refuses it (rolling the transaction
// back) when it leaves the workspace with no active user whose role may
// manage roles, the test access.CountAdministrators defines. The
// workspace's row is locked first, so that on PostgreSQL two
// administrators demoting each other at once are taken in turn and the
// second sees the first's change.
func (s *Service) keepAdministrators(ctx context.Context, q store.Querier, ws int64, change func() error) error {
	var id int64
	if err := q.QueryRowContext(ctx, `SELECT id FROM workspaces WHERE id = ?`+s.db.Dialect.LockRows(), ws).Scan(&id); err != nil {
		return err
	}
	before, err := access.CountAdministrators(ctx, q, s.db.Dialect, ws)
	if err != nil {
		return err
	}
	if err := change(); err != nil {
		return err
	}
	after, err := access.CountAdministrators(ctx, q, s.db.Dialect, ws)
	if err != nil {
		return err
	}
	if before > 0 && after == 0 {
		return fault.Errorf(fault.ECONFLICT, "this would leave the workspace with no active administrator; make someone else an administrator first")
	}
	return nil
}

// roleExists reports whether role is built in or defined in the
// workspace's roles table.
func (s *Service) roleExists(ctx context.Context, q store.Querier, ws int64, role string) (bool, error) {
	for _, r := range Roles {
		if r == role {
			return true, nil
		}
	}
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM roles WHERE workspace_id = ? AND name = ?`, ws, role).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

func addRoleError(c *fault.Collector) {
	c.Add("role", "option", "must be a role of this workspace, such as %s", strings.Join(Roles, ", "))
}

func checkEmail(c *fault.Collector, email string) string {
	trimmed := strings.TrimSpace(email)
	if fe := input.Line("email", trimmed); fe != nil {
		c.Include(fe)
		return ""
	}
	addr, err := mail.ParseAddress(trimmed)
	if err != nil || addr.Address != trimmed {
		c.Add("email", "email", "must be an e-mail address like name@example.com")
		return ""
	}
	return strings.ToLower(addr.Address)
}

func checkPassword(c *fault.Collector, field, password string) {
	if len(password) < 10 {
		c.Add(field, "too_short", "must be at least 10 characters")
	}
	if len(password) > 1024 {
		c.Add(field, "too_long", "must be at most 1024 characters")
	}
}

func checkName(c *fault.Collector, name string) string {
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) > 200 {
		c.Add("name", "too_long", "must be at most 200 characters")
	} else {
		c.Include(input.Line("name", name))
	}
	return name
}

// checkLanguage accepts a BCP 47 tag and returns its canonical form.
func checkLanguage(c *fault.Collector, tag string) string {
	t, err := language.Parse(strings.TrimSpace(tag))
	if err != nil || tag == "" {
		c.Add("language", "invalid", "must be a language tag such as en, de or pt-BR")
		return ""
	}
	return t.String()
}

// checkTimeZone accepts an IANA time zone name such as Europe/Berlin.
func checkTimeZone(c *fault.Collector, tz string) string {
	tz = strings.TrimSpace(tz)
	if tz == "" || tz == "Local" {
		c.Add("time_zone", "invalid", "must be a time zone name such as UTC or Europe/Berlin")
		return ""
	}
	if _, err := time.LoadLocation(tz); err != nil {
		c.Add("time_zone", "invalid", "must be a time zone name such as UTC or Europe/Berlin")
		return ""
	}
	return tz
}

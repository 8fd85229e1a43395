package access

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/store"
)

// CacheTTL is how long a RolePolicy trusts what it read about a user or a
// role. Changes made through the same RolePolicy take effect at once; this
// bounds how long another process keeps acting on an old role.
const CacheTTL = 5 * time.Second

// RolePolicy is the Policy that grants by role: it reads the actor's role
// and team from the database and answers from the role's grants and field
// rules. It also keeps the roles themselves (see CreateRole and friends),
// so that a change made through it reaches its cache at once. It is safe
// for concurrent use.
type RolePolicy struct {
	db  *store.DB
	ttl time.Duration
	now func() time.Time

	mu    sync.Mutex
	gen   map[int64]uint64 // per workspace, bumped by every invalidation
	users map[userKey]cachedUser
	roles map[roleKey]cachedRole
}

type userKey struct{ ws, user int64 }
type roleKey struct {
	ws   int64
	name string
}

// cachedUser is what the policy knows of one user: the role's name and the
// ids of the users whose records the team scope reaches.
type cachedUser struct {
	role string
	team []string
	at   time.Time
}

type cachedRole struct {
	role *Role // nil when no role has the name
	at   time.Time
}

// NewRolePolicy returns a RolePolicy over db.
func NewRolePolicy(db *store.DB) *RolePolicy {
	return &RolePolicy{db: db, ttl: CacheTTL, now: time.Now, gen: map[int64]uint64{},
		users: map[userKey]cachedUser{}, roles: map[roleKey]cachedRole{}}
}

// Invalidate forgets everything cached about workspace ws. Whoever changes
// a user's role or team, or a team's members or manager, calls it so the
// change applies to the next request rather than a few seconds later.
func (p *RolePolicy) Invalidate(ws int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.gen[ws]++
	for k := range p.users {
		if k.ws == ws {
			delete(p.users, k)
		}
	}
	for k := range p.roles {
		if k.ws == ws {
			delete(p.roles, k)
		}
	}
}

// subject is an actor as the policy sees it.
type subject struct {
	role *Role
	team []string
}

// subject returns a's role and team. An actor with a user id gets the
// role the database holds for that user now, not the one its token or
// session was issued with; an actor without one (a system job) is taken at
// its word.
func (p *RolePolicy) subject(ctx context.Context, a Actor) (subject, error) {
	if a.UserID == 0 {
		r, err := p.role(ctx, a.WorkspaceID, a.Role)
		return subject{role: r}, err
	}
	u, err := p.user(ctx, a.WorkspaceID, a.UserID)
	if err != nil {
		return subject{}, err
	}
	r, err := p.role(ctx, a.WorkspaceID, u.role)
	return subject{role: r, team: u.team}, err
}

func (p *RolePolicy) fresh(at time.Time) bool { return p.now().Sub(at) < p.ttl }

// user returns the cached facts about one user, reading them when stale.
// A result read across an invalidation is used but not kept, so the cache
// never holds data older than the last change made through p.
func (p *RolePolicy) user(ctx context.Context, ws, id int64) (cachedUser, error) {
	k := userKey{ws, id}
	p.mu.Lock()
	c, ok := p.users[k]
	gen := p.gen[ws]
	p.mu.Unlock()
	if ok && p.fresh(c.at) {
		return c, nil
	}
	c, err := p.readUser(ctx, ws, id)
	if err != nil {
		return c, err
	}
	p.mu.Lock()
	if p.gen[ws] == gen {
		p.sweep()
		p.users[k] = c
	}
	p.mu.Unlock()
	return c, nil
}

// maxCached is how many users the cache holds before it drops the stale
// ones, so that a server of many workspaces does not keep every user that
// ever made a request.
const maxCached = 10000

// sweep drops stale entries when the cache is full; p.mu is held.
func (p *RolePolicy) sweep() {
	if len(p.users) < maxCached {
		return
	}
	for k, c := range p.users {
		if !p.fresh(c.at) {
			delete(p.users, k)
		}
	}
	for k, c := range p.roles {
		if !p.fresh(c.at) {
			delete(p.roles, k)
		}
	}
}

func (p *RolePolicy) readUser(ctx context.Context, ws, id int64) (cachedUser, error) {
	c := cachedUser{at: p.now()}
	var team sql.NullInt64
	// Inside a transaction, through it: a write waiting for a second
	// connection of the pool while the writes that hold them all wait
	// for its locks would never end. (Role and user changes call
	// Invalidate, so what a transaction read is not kept past them.)
	err := p.db.Read(ctx).QueryRowContext(ctx, `SELECT role, team_id FROM users WHERE workspace_id = ? AND id = ?`, ws, id).
		Scan(&c.role, &team)
	if errors.Is(err, sql.ErrNoRows) {
		return c, nil // no such user: no role, no grants
	}
	if err != nil {
		return c, fmt.Errorf("read actor: %w", err)
	}
	// The team scope reaches the actor, the actor's team, and every team
	// the actor manages.
	rows, err := p.db.Read(ctx).QueryContext(ctx, `SELECT id FROM users WHERE workspace_id = ? AND (id = ? OR team_id IN (
		SELECT id FROM teams WHERE workspace_id = ? AND (id = ? OR manager_id = ?)))`, ws, id, ws, team, id)
	if err != nil {
		return c, fmt.Errorf("read team: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var member int64
		if err := rows.Scan(&member); err != nil {
			return c, err
		}
		c.team = append(c.team, strconv.FormatInt(member, 10))
	}
	return c, rows.Err()
}

// role returns the role called name in ws, nil when there is none.
func (p *RolePolicy) role(ctx context.Context, ws int64, name string) (*Role, error) {
	k := roleKey{ws, name}
	p.mu.Lock()
	c, ok := p.roles[k]
	gen := p.gen[ws]
	p.mu.Unlock()
	if ok && p.fresh(c.at) {
		return c.role, nil
	}
	// Inside a transaction, through it (see readUser).
	r, err := readRole(ctx, p.db.Read(ctx), p.db.Dialect, ws, name)
	if fault.Is(err, fault.ENOTFOUND) {
		r, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	if p.gen[ws] == gen {
		p.roles[k] = cachedRole{role: r, at: p.now()}
	}
	p.mu.Unlock()
	return r, nil
}

// readRole reads one role.
func readRole(ctx context.Context, q store.Querier, d store.Dialect, ws int64, name string) (*Role, error) {
	r, err := scanRole(q.QueryRowContext(ctx, `SELECT `+roleColumns(d)+` FROM roles WHERE workspace_id = ? AND name = ?`, ws, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fault.Errorf(fault.ENOTFOUND, "no role called %q", name)
	}
	return r, err
}

// roleColumns are the columns scanRole reads.
func roleColumns(d store.Dialect) string {
	return `name, label, builtin, ` + d.JSONOut("grants") + `, ` + d.JSONOut("fields") + `, created_at, updated_at`
}

// scanRole reads a role from a row of roleColumns, as a complete table.
func scanRole(row interface{ Scan(...any) error }) (*Role, error) {
	r := &Role{}
	var grants, fields string
	var created, updated any
	if err := row.Scan(&r.Name, &r.Label, &r.Builtin, &grants, &fields, &created, &updated); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		return nil, fmt.Errorf("read role: %w", err)
	}
	if err := json.Unmarshal([]byte(grants), &r.Grants); err != nil {
		return nil, fmt.Errorf("role %s grants: %w", r.Name, err)
	}
	if err := json.Unmarshal([]byte(fields), &r.Fields); err != nil {
		return nil, fmt.Errorf("role %s fields: %w", r.Name, err)
	}
	if r.Builtin {
		r.fillFromBuiltin()
	}
	r.CreatedAt, _ = store.ParseTime(created)
	r.UpdatedAt, _ = store.ParseTime(updated)
	r.normalize()
	return r, nil
}

// Authorize allows act on object when the actor's role grants it with a
// scope that reaches the record's owner. Without a record it asks whether
// the role grants act on object at all.
func (p *RolePolicy) Authorize(ctx context.Context, a Actor, object string, act Action, record map[string]any) error {
	if a.ReadOnly && act != Read && act != Export {
		return fault.Errorf(fault.EFORBIDDEN, "this token may only read")
	}
	sub, err := p.subject(ctx, a)
	if err != nil {
		return err
	}
	scope := sub.role.Scope(object, act)
	if scope == None {
		return fault.Errorf(fault.EFORBIDDEN, "your role does not allow you to %s %s records", act, object)
	}
	if record == nil || scope == All || !isRecordObject(object) {
		return nil
	}
	if reaches(scope, a, sub.team, ownerOf(record)) {
		return nil
	}
	if scope == Own {
		return fault.Errorf(fault.EFORBIDDEN, "your role allows you to %s only the %s records you own", act, object)
	}
	return fault.Errorf(fault.EFORBIDDEN, "your role allows you to %s only the %s records of your team", act, object)
}

func isRecordObject(object string) bool {
	for _, o := range RecordObjects {
		if o == object {
			return true
		}
	}
	// An object added to the engine but not yet to RecordObjects is a
	// record object too; only the settings are not.
	for _, o := range SettingObjects {
		if o == object {
			return false
		}
	}
	return true
}

// reaches reports whether scope lets a act on a record owned by owner.
func reaches(scope Scope, a Actor, team []string, owner string) bool {
	switch scope {
	case All:
		return true
	case Own:
		return owner != "" && owner == strconv.FormatInt(a.UserID, 10)
	case Team:
		for _, id := range team {
			if owner != "" && owner == id {
				return true
			}
		}
	}
	return false
}

// ownerOf returns the owner id of a record or of a write's input, "" when
// it has none.
func ownerOf(record map[string]any) string {
	switch v := record["owner_id"].(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case int64:
		return strconv.FormatInt(v, 10)
	}
	return ""
}

// Restrict limits reads to the owners the actor's read scope reaches. No
// read grant at all restricts to nothing, which lists show as empty.
func (p *RolePolicy) Restrict(ctx context.Context, a Actor, object string) ([]Restriction, error) {
	sub, err := p.subject(ctx, a)
	if err != nil {
		return nil, err
	}
	switch sub.role.Scope(object, Read) {
	case All:
		return nil, nil
	case Own:
		if a.UserID == 0 {
			break
		}
		return []Restriction{{Field: "owner_id", In: []string{strconv.FormatInt(a.UserID, 10)}}}, nil
	case Team:
		return []Restriction{{Field: "owner_id", In: sub.team}}, nil
	}
	return []Restriction{{Field: "owner_id", In: []string{}}}, nil
}

// Fields returns the actor's role's rules for the fields of object.
func (p *RolePolicy) Fields(ctx context.Context, a Actor, object string) (map[string]FieldRule, error) {
	sub, err := p.subject(ctx, a)
	if err != nil || sub.role == nil {
		return nil, err
	}
	return sub.role.Fields[object], nil
}

// OwnerCondition is the SQL condition that keeps rows whose owner column
// (as column, e.g. "d.owner_id") is within rs, with its arguments: "" when
// rs restricts nothing. Restrictions are by owner; one on any other field,
// or one that allows nobody, matches nothing, so an unknown rule fails
// closed.
func OwnerCondition(rs []Restriction, column string) (string, []any) {
	var conds []string
	var args []any
	for _, r := range rs {
		var marks []string
		for _, v := range r.In {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				marks, args = append(marks, "?"), append(args, n)
			}
		}
		if r.Field != "owner_id" || len(marks) == 0 {
			return "1=0", nil
		}
		conds = append(conds, column+" IN ("+strings.Join(marks, ", ")+")")
	}
	return strings.Join(conds, " AND "), args
}

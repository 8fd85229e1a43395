package access

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/outbox"
	"github.com/rapport-crm/rapport/internal/store"
)

// RoleSpec is what a caller writes of a role.
type RoleSpec struct {
	Name   string     `json:"name"`
	Label  string     `json:"label"`
	Grants Grants     `json:"grants"`
	Fields FieldRules `json:"fields"`
}

// Spec returns the writable part of r.
func (r Role) Spec() RoleSpec {
	return RoleSpec{Name: r.Name, Label: r.Label, Grants: r.Grants, Fields: r.Fields}
}

// begin resolves the actor of a role operation and checks that its role
// allows act on roles.
func (p *RolePolicy) begin(ctx context.Context, act Action) (Actor, error) {
	a, err := ActorFrom(ctx)
	if err != nil {
		return a, err
	}
	return a, p.Authorize(ctx, a, "role", act, nil)
}

// Roles returns the roles of the acting workspace in name order.
func (p *RolePolicy) Roles(ctx context.Context) ([]Role, error) {
	a, err := p.begin(ctx, Read)
	if err != nil {
		return nil, err
	}
	// One query for all of them, so a page that lists roles makes as
	// many queries for forty roles as for four.
	rows, err := p.db.Reader().QueryContext(ctx, `SELECT `+roleColumns(p.db.Dialect)+` FROM roles WHERE workspace_id = ? ORDER BY name`,
		a.WorkspaceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Role{}
	for rows.Next() {
		r, err := scanRole(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	return out, rows.Err()
}

// Role returns the role called name in the acting workspace.
func (p *RolePolicy) Role(ctx context.Context, name string) (Role, error) {
	a, err := p.begin(ctx, Read)
	if err != nil {
		return Role{}, err
	}
	r, err := readRole(ctx, p.db.Reader(), p.db.Dialect, a.WorkspaceID, name)
	if err != nil {
		return Role{}, err
	}
	return *r, nil
}

// CreateRole adds a role to the acting workspace.
func (p *RolePolicy) CreateRole(ctx context.Context, spec RoleSpec) (Role, error) {
	a, err := p.begin(ctx, Create)
	if err != nil {
		return Role{}, err
	}
	r := fromSpec(spec)
	if err := r.check(); err != nil {
		return Role{}, err
	}
	r.normalize()
	now := p.now().UTC()
	r.CreatedAt, r.UpdatedAt = now, now
	err = p.db.Tx(ctx, func(q store.Querier) error {
		if err := insertRole(ctx, q, p.db.Dialect, a.WorkspaceID, r, ""); err != nil {
			return err
		}
		return p.roleEvent(ctx, q, a, r.Name, "create", nil, &r)
	})
	if store.IsUniqueViolation(err) {
		return Role{}, fault.Field("name", "duplicate", "a role called %q already exists", r.Name)
	}
	if err != nil {
		return Role{}, err
	}
	p.Invalidate(a.WorkspaceID)
	return r, nil
}

func fromSpec(spec RoleSpec) Role {
	r := Role{Name: strings.TrimSpace(spec.Name), Label: strings.TrimSpace(spec.Label), Grants: spec.Grants, Fields: spec.Fields}
	if r.Label == "" {
		r.Label = strings.ReplaceAll(r.Name, "_", " ")
	}
	return r
}

// insertRole writes r; conflict is appended to the INSERT (an ON CONFLICT
// clause for seeding, or nothing).
func insertRole(ctx context.Context, q store.Querier, d store.Dialect, ws int64, r Role, conflict string) error {
	r.normalize()
	grants, _ := json.Marshal(r.Grants)
	fields, _ := json.Marshal(r.Fields)
	_, err := q.ExecContext(ctx, `INSERT INTO roles (workspace_id, name, label, builtin, grants, fields, created_at, updated_at)
		VALUES (?, ?, ?, ?, `+d.JSONIn()+`, `+d.JSONIn()+`, ?, ?)`+conflict,
		ws, r.Name, r.Label, r.Builtin, string(grants), string(fields), d.Time(r.CreatedAt), d.Time(r.UpdatedAt))
	return err
}

// UpdateRole changes the role called name: change receives what can be
// written of it and edits it in place. It runs inside the write, so two
// concurrent edits never lose one another. Built-in roles cannot change;
// nor can a role change so that no active user is left who manages roles.
func (p *RolePolicy) UpdateRole(ctx context.Context, name string, change func(*RoleSpec) error) (Role, error) {
	a, err := p.begin(ctx, Update)
	if err != nil {
		return Role{}, err
	}
	var r Role
	err = p.db.Tx(ctx, func(q store.Querier) error {
		old, err := readRole(ctx, q, p.db.Dialect, a.WorkspaceID, name)
		if err != nil {
			return err
		}
		if old.Builtin {
			return fault.Errorf(fault.ECONFLICT, "%s is a built-in role and cannot change; create a role of your own instead", name)
		}
		spec := old.Spec()
		if err := change(&spec); err != nil {
			return err
		}
		if spec.Name != name {
			return fault.Field("name", "read_only", "a role cannot be renamed; create a new one and move its users")
		}
		r = fromSpec(spec)
		if err := r.check(); err != nil {
			return err
		}
		r.normalize()
		r.CreatedAt, r.UpdatedAt = old.CreatedAt, p.now().UTC()
		return p.replaceRole(ctx, q, a, old, &r)
	})
	if err != nil {
		return Role{}, err
	}
	p.Invalidate(a.WorkspaceID)
	return r, nil
}

// replaceRole stores r over old, refusing the change when it would leave
// the workspace without an administrator. The workspace's row is locked
// first, as the account service does when it changes a user's role, so
// that on PostgreSQL two such changes are taken in turn and the second
// counts with the first's result.
func (p *RolePolicy) replaceRole(ctx context.Context, q store.Querier, a Actor, old, r *Role) error {
	d := p.db.Dialect
	var ws int64
	if err := q.QueryRowContext(ctx, `SELECT id FROM workspaces WHERE id = ?`+d.LockRows(), a.WorkspaceID).Scan(&ws); err != nil {
		return err
	}
	before, err := CountAdministrators(ctx, q, d, a.WorkspaceID)
	if err != nil {
		return err
	}
	grants, _ := json.Marshal(r.Grants)
	fields, _ := json.Marshal(r.Fields)
	_, err = q.ExecContext(ctx, `UPDATE roles SET label = ?, grants = `+d.JSONIn()+`, fields = `+d.JSONIn()+`, updated_at = ?
		WHERE workspace_id = ? AND name = ?`, r.Label, string(grants), string(fields), d.Time(r.UpdatedAt), a.WorkspaceID, r.Name)
	if err != nil {
		return err
	}
	after, err := CountAdministrators(ctx, q, d, a.WorkspaceID)
	if err != nil {
		return err
	}
	if before > 0 && after == 0 {
		return fault.Errorf(fault.ECONFLICT, "this change would leave no active user who may manage roles; "+
			"give someone the administrator role first")
	}
	return p.roleEvent(ctx, q, a, r.Name, "update", old, r)
}

// DeleteRole removes a role that is neither built in nor held by any user.
func (p *RolePolicy) DeleteRole(ctx context.Context, name string) error {
	a, err := p.begin(ctx, Delete)
	if err != nil {
		return err
	}
	err = p.db.Tx(ctx, func(q store.Querier) error {
		old, err := readRole(ctx, q, p.db.Dialect, a.WorkspaceID, name)
		if err != nil {
			return err
		}
		if old.Builtin {
			return fault.Errorf(fault.ECONFLICT, "%s is a built-in role and cannot be deleted", name)
		}
		var holders int
		if err := q.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE workspace_id = ? AND role = ?`,
			a.WorkspaceID, name).Scan(&holders); err != nil {
			return err
		}
		if holders > 0 {
			return fault.Errorf(fault.ECONFLICT, "%d users have the role %s; give them another role first", holders, name)
		}
		if _, err := q.ExecContext(ctx, `DELETE FROM roles WHERE workspace_id = ? AND name = ?`, a.WorkspaceID, name); err != nil {
			return err
		}
		return p.roleEvent(ctx, q, a, name, "delete", old, nil)
	})
	if err != nil {
		return err
	}
	p.Invalidate(a.WorkspaceID)
	return nil
}

// CountAdministrators returns how many active users of ws hold a role that
// manages roles. Whoever changes a user's role or deactivates a user
// compares it before and after, as UpdateRole does, so that a workspace
// never loses its last administrator.
func CountAdministrators(ctx context.Context, q store.Querier, d store.Dialect, ws int64) (int, error) {
	rows, err := q.QueryContext(ctx, `SELECT name, `+d.JSONOut("grants")+` FROM roles WHERE workspace_id = ?`, ws)
	if err != nil {
		return 0, err
	}
	var admins []any
	for rows.Next() {
		var r Role
		var grants string
		if err := rows.Scan(&r.Name, &grants); err != nil {
			rows.Close()
			return 0, err
		}
		if err := json.Unmarshal([]byte(grants), &r.Grants); err != nil {
			rows.Close()
			return 0, fmt.Errorf("role %s grants: %w", r.Name, err)
		}
		if r.ManagesRoles() {
			admins = append(admins, r.Name)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(admins) == 0 {
		return 0, err
	}
	var n int
	err = q.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE workspace_id = ? AND status = 'active'
		AND deactivated_at IS NULL AND role IN (`+store.Marks(len(admins))+`)`,
		append([]any{ws}, admins...)...).Scan(&n)
	return n, err
}

// ManagesRoles reports whether the role called name in ws may manage
// roles, which makes whoever holds it an administrator. A role that does
// not exist manages nothing.
func ManagesRoles(ctx context.Context, q store.Querier, d store.Dialect, ws int64, name string) (bool, error) {
	r, err := readRole(ctx, q, d, ws, name)
	if fault.Is(err, fault.ENOTFOUND) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return r.ManagesRoles(), nil
}

// roleEvent writes a role change to the outbox in the caller's transaction,
// so that it reaches the audit trail like a change of a record.
func (p *RolePolicy) roleEvent(ctx context.Context, q store.Querier, a Actor, name, action string, before, after *Role) error {
	type change struct {
		Before any `json:"before"`
		After  any `json:"after"`
	}
	parts := func(r *Role) map[string]any {
		if r == nil {
			return map[string]any{}
		}
		return map[string]any{"label": r.Label, "grants": r.Grants, "fields": r.Fields}
	}
	b, aft := parts(before), parts(after)
	changes := map[string]change{}
	for _, k := range []string{"label", "grants", "fields"} {
		if !reflect.DeepEqual(b[k], aft[k]) {
			changes[k] = change{Before: b[k], After: aft[k]}
		}
	}
	return outbox.Write(ctx, q, p.db.Dialect, outbox.Event{WorkspaceID: a.WorkspaceID, Object: "role", RecordID: name,
		Action: action, ActorID: a.UserID, Changes: changes, At: p.now()})
}

// SeedRoles gives workspace ws the built-in roles it lacks, inside the
// caller's transaction; whoever creates a workspace calls it. Running it
// again changes nothing.
func SeedRoles(ctx context.Context, q store.Querier, d store.Dialect, ws int64) error {
	now := time.Now().UTC()
	for _, r := range BuiltinRoles() {
		r.CreatedAt, r.UpdatedAt = now, now
		if err := insertRole(ctx, q, d, ws, r, ` ON CONFLICT (workspace_id, name) DO NOTHING`); err != nil {
			return fmt.Errorf("seed role %s: %w", r.Name, err)
		}
	}
	return nil
}

// Administers reports whether a's role manages roles (ManagesRoles): the
// rule of who reaches the administrators' settings, read from the
// policy's cache of roles, so that asking on every page costs no query.
func (p *RolePolicy) Administers(ctx context.Context, a Actor) (bool, error) {
	r, err := p.role(ctx, a.WorkspaceID, a.Role)
	if err != nil || r == nil {
		return false, err
	}
	return r.ManagesRoles(), nil
}

// Package savedview keeps the saved views of lists: a name for a choice of
// columns, a sort and a filter, which its owner keeps private or shares
// with their team or the whole workspace. A view holds field names only;
// whoever opens it still lists through the records engine, so a field
// their role hides stays hidden and a record out of their reach stays
// out of the list.
package savedview

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/store"
)

// The visibilities of a view.
const (
	Private   = "private"
	Team      = "team"
	Workspace = "workspace"
)

// administrator is the built-in role that may rename and delete views
// shared with others as well as its own.
const administrator = "administrator"

// maxName bounds a view's name, which a menu shows on one line.
const maxName = 100

// maxViews bounds the views one list shows in its menu.
const maxViews = 200

// View is a saved view of one object's list.
type View struct {
	ID         string          `json:"id"`
	Object     string          `json:"object"` // the list's plural, e.g. "contacts"
	Name       string          `json:"name"`
	OwnerID    string          `json:"owner_id"`
	Visibility string          `json:"visibility"`
	Columns    []string        `json:"columns"`
	Sort       string          `json:"sort"`
	Filter     json.RawMessage `json:"filter"`
	// Mine says the acting user may rename and delete it: it is theirs,
	// or they are an administrator.
	Mine bool `json:"mine"`
}

// Service keeps views.
type Service struct {
	db  *store.DB
	now func() time.Time
}

// New returns the service over db.
func New(db *store.DB) *Service { return &Service{db: db, now: time.Now} }

// seen is the condition on list_views (aliased v) that admits the views
// an actor may see: their own, those shared with the workspace, and
// those shared with their team.
const seen = `v.workspace_id = ? AND (v.owner_id = ? OR v.visibility = 'workspace' OR v.visibility = 'team'
	AND v.team_id = (SELECT team_id FROM users WHERE workspace_id = ? AND id = ?))`

func (s *Service) selectViews() string {
	d := s.db.Dialect
	return `SELECT v.id, v.object, v.name, v.owner_id, v.visibility, ` + d.JSONOut("v.columns") + `, v.sort, ` +
		d.JSONOut("v.filter") + ` FROM list_views v WHERE ` + seen
}

// List returns the views of object the actor may see, by name.
func (s *Service) List(ctx context.Context, object string) ([]View, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Read(ctx).QueryContext(ctx, s.selectViews()+` AND v.object = ? ORDER BY v.name, v.id LIMIT ?`,
		a.WorkspaceID, a.UserID, a.WorkspaceID, a.UserID, object, maxViews)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []View
	for rows.Next() {
		v, err := scan(rows, a)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Get returns one view the actor may see; any other is not found.
func (s *Service) Get(ctx context.Context, id string) (View, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return View{}, err
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return View{}, fault.Errorf(fault.ENOTFOUND, "no such view")
	}
	v, err := scan(s.db.Read(ctx).QueryRowContext(ctx, s.selectViews()+` AND v.id = ?`,
		a.WorkspaceID, a.UserID, a.WorkspaceID, a.UserID, n), a)
	if errors.Is(err, sql.ErrNoRows) {
		return View{}, fault.Errorf(fault.ENOTFOUND, "no such view")
	}
	return v, err
}

type scanner interface{ Scan(dest ...any) error }

func scan(row scanner, a access.Actor) (View, error) {
	var v View
	var id, owner int64
	var cols, filter string
	if err := row.Scan(&id, &v.Object, &v.Name, &owner, &v.Visibility, &cols, &v.Sort, &filter); err != nil {
		return v, err
	}
	v.ID, v.OwnerID = strconv.FormatInt(id, 10), strconv.FormatInt(owner, 10)
	v.Filter = json.RawMessage(filter)
	if err := json.Unmarshal([]byte(cols), &v.Columns); err != nil {
		return v, err
	}
	v.Mine = owner == a.UserID || a.Role == administrator
	return v, nil
}

// Save adds a view owned by the actor. A view shared with the team is
// shared with the team the owner is in now.
func (s *Service) Save(ctx context.Context, v View) (View, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return View{}, err
	}
	if err := check(&v); err != nil {
		return View{}, err
	}
	cols, _ := json.Marshal(v.Columns)
	if len(v.Filter) == 0 {
		v.Filter = json.RawMessage("{}")
	}
	d, now := s.db.Dialect, s.stamp()
	var id int64
	err = s.db.Tx(ctx, func(q store.Querier) error {
		return q.QueryRowContext(ctx, `INSERT INTO list_views (workspace_id, object, name, owner_id, visibility, team_id,
			columns, sort, filter, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, (SELECT team_id FROM users WHERE workspace_id = ? AND id = ?), `+d.JSONIn()+`, ?, `+d.JSONIn()+`, ?, ?)
			RETURNING id`, a.WorkspaceID, v.Object, v.Name, a.UserID, v.Visibility, a.WorkspaceID, a.UserID,
			string(cols), v.Sort, string(v.Filter), d.Time(now), d.Time(now)).Scan(&id)
	})
	if err != nil {
		return View{}, err
	}
	v.ID, v.OwnerID, v.Mine = strconv.FormatInt(id, 10), strconv.FormatInt(a.UserID, 10), true
	return v, nil
}

// stamp is the time of a write, in UTC.
func (s *Service) stamp() time.Time { return s.now().UTC() }

// check trims and checks what a user gave a view.
func check(v *View) error {
	var c fault.Collector
	v.Name = strings.TrimSpace(v.Name)
	switch {
	case v.Name == "":
		c.Add("name", "required", "is required")
	case utf8.RuneCountInString(v.Name) > maxName:
		c.Add("name", "too_long", "must be at most %d characters", maxName)
	}
	switch v.Visibility {
	case Private, Team, Workspace:
	case "":
		v.Visibility = Private
	default:
		c.Add("visibility", "option", "must be private, team or workspace")
	}
	if v.Filter != nil && !json.Valid(v.Filter) {
		c.Add("filter", "json", "must be JSON")
	}
	return c.Err()
}

// Rename renames a view the actor may change: their own, or as an
// administrator any they see.
func (s *Service) Rename(ctx context.Context, id, name string) error {
	v, err := s.mine(ctx, id)
	if err != nil {
		return err
	}
	v.Name = name
	if err := check(&v); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(q store.Querier) error {
		_, err := q.ExecContext(ctx, `UPDATE list_views SET name = ?, updated_at = ? WHERE workspace_id = ? AND id = ?`,
			v.Name, s.db.Dialect.Time(s.stamp()), workspaceOf(ctx), v.ID)
		return err
	})
}

// Delete deletes a view the actor may change.
func (s *Service) Delete(ctx context.Context, id string) error {
	v, err := s.mine(ctx, id)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(q store.Querier) error {
		_, err := q.ExecContext(ctx, `DELETE FROM list_views WHERE workspace_id = ? AND id = ?`, workspaceOf(ctx), v.ID)
		return err
	})
}

// mine is a view the actor sees and may change; one they see but may
// not change is forbidden, one they do not see is not found.
func (s *Service) mine(ctx context.Context, id string) (View, error) {
	v, err := s.Get(ctx, id)
	if err != nil {
		return v, err
	}
	if !v.Mine {
		return v, fault.Errorf(fault.EFORBIDDEN, "only its owner or an administrator may change a shared view")
	}
	return v, nil
}

func workspaceOf(ctx context.Context) int64 {
	a, _ := access.ActorFrom(ctx)
	return a.WorkspaceID
}

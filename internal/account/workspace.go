package account

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/nyaruka/phonenumbers"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/input"
	"github.com/rapport-crm/rapport/internal/store"
)

// Workspace is what the workspace's settings say of it besides money: its
// name, the country whose numbering plan reads phone numbers written
// without a country code, and the language its new users start with ("" for
// English).
type Workspace struct {
	Name        string `json:"name"`
	PhoneRegion string `json:"phone_region"`
	Language    string `json:"language"`
}

// WorkspaceChange changes some of a workspace's settings; nil leaves one as
// it is.
type WorkspaceChange struct {
	Name        *string `json:"name"`
	PhoneRegion *string `json:"phone_region"`
	Language    *string `json:"language"`
}

// Workspace returns the acting workspace's settings.
func (s *Service) Workspace(ctx context.Context) (Workspace, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return Workspace{}, err
	}
	return s.workspace(ctx, s.db.Reader(), a.WorkspaceID)
}

func (s *Service) workspace(ctx context.Context, q store.Querier, ws int64) (Workspace, error) {
	var w Workspace
	var region, lang sql.NullString
	err := q.QueryRowContext(ctx, `SELECT w.name, st.phone_region, st.language FROM workspaces w
		LEFT JOIN workspace_settings st ON st.workspace_id = w.id WHERE w.id = ?`, ws).Scan(&w.Name, &region, &lang)
	if errors.Is(err, sql.ErrNoRows) {
		return w, fault.Errorf(fault.ENOTFOUND, "no workspace %d", ws)
	}
	w.PhoneRegion, w.Language = region.String, lang.String
	return w, err
}

// UpdateWorkspace renames the workspace or changes its phone region or
// default language. They shape everyone's work, so it takes the right to
// manage roles: an administrator's. The change reaches the audit trail.
func (s *Service) UpdateWorkspace(ctx context.Context, ch WorkspaceChange) (Workspace, error) {
	a, err := s.authorize(ctx, "role", access.Update)
	if err != nil {
		return Workspace{}, err
	}
	if err := checkWorkspace(&ch); err != nil {
		return Workspace{}, err
	}
	var after Workspace
	err = s.db.Tx(ctx, func(q store.Querier) error {
		before, err := s.workspace(ctx, q, a.WorkspaceID)
		if err != nil {
			return err
		}
		after = before
		for _, p := range []struct{ to, from *string }{{&after.Name, ch.Name}, {&after.PhoneRegion, ch.PhoneRegion}, {&after.Language, ch.Language}} {
			if p.from != nil {
				*p.to = *p.from
			}
		}
		if err := s.writeWorkspace(ctx, q, a.WorkspaceID, after); err != nil {
			return err
		}
		return s.publish(ctx, q, a.WorkspaceID, event{object: "workspace", id: formatID(a.WorkspaceID), action: "update",
			actor: a.UserID, changes: workspaceChanges(before, after)})
	})
	return after, err
}

// checkWorkspace puts a change's values in their canonical forms, or says
// what is wrong with each.
func checkWorkspace(ch *WorkspaceChange) error {
	var c fault.Collector
	if ch.Name != nil {
		name := strings.TrimSpace(*ch.Name)
		if name == "" {
			c.Add("name", "required", "is required")
		} else {
			c.Include(input.Line("name", name))
		}
		ch.Name = &name
	}
	if ch.PhoneRegion != nil {
		region := strings.ToUpper(strings.TrimSpace(*ch.PhoneRegion))
		if phonenumbers.GetCountryCodeForRegion(region) == 0 {
			c.Add("phone_region", "country", "must be a country code such as DE or US")
		}
		ch.PhoneRegion = &region
	}
	if ch.Language != nil && strings.TrimSpace(*ch.Language) != "" {
		lang := checkLanguage(&c, *ch.Language)
		ch.Language = &lang
	}
	return c.Err()
}

func (s *Service) writeWorkspace(ctx context.Context, q store.Querier, ws int64, w Workspace) error {
	if _, err := q.ExecContext(ctx, `UPDATE workspaces SET name = ? WHERE id = ?`, w.Name, ws); err != nil {
		return err
	}
	_, err := q.ExecContext(ctx, `INSERT INTO workspace_settings (workspace_id, phone_region, language, updated_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (workspace_id) DO UPDATE SET phone_region = excluded.phone_region,
		language = excluded.language, updated_at = excluded.updated_at`,
		ws, w.PhoneRegion, w.Language, s.db.Dialect.Time(s.now()))
	return err
}

func workspaceChanges(before, after Workspace) map[string]change {
	out := map[string]change{}
	for name, p := range map[string][2]string{"name": {before.Name, after.Name},
		"phone_region": {before.PhoneRegion, after.PhoneRegion}, "language": {before.Language, after.Language}} {
		if p[0] != p[1] {
			out[name] = change{Before: p[0], After: p[1]}
		}
	}
	return out
}

// workspaceLanguage is the language new users of ws start with when no
// one picks theirs: the workspace's default, or English.
func (s *Service) workspaceLanguage(ctx context.Context, ws int64) (string, error) {
	var lang string
	err := s.db.Reader().QueryRowContext(ctx, `SELECT language FROM workspace_settings WHERE workspace_id = ?`, ws).Scan(&lang)
	if errors.Is(err, sql.ErrNoRows) || err == nil && lang == "" {
		return "en", nil
	}
	return lang, err
}

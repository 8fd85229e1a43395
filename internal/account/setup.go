package account

import (
	"context"
	"strings"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/currency"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/input"
	"github.com/rapport-crm/rapport/internal/store"
)

// FirstRun is what the first-run set-up asks for: the workspace's name,
// base currency and default country for phone numbers, and the first
// administrator, who gets Language as theirs.
type FirstRun struct {
	Workspace    string
	BaseCurrency string
	PhoneRegion  string
	Language     string
	Name         string
	Email        string
	Password     string
}

// NeedsSetUp reports whether workspace ws has no user yet, so that the
// first visitor may set it up.
func (s *Service) NeedsSetUp(ctx context.Context, ws int64) (bool, error) {
	var n int
	err := s.db.Reader().QueryRowContext(ctx, `SELECT count(*) FROM users WHERE workspace_id = ? AND password_hash <> '!'`, ws).Scan(&n)
	return n == 0, err
}

// SetUp names workspace ws, sets its base currency and phone region and
// creates its first administrator, in one transaction. It is refused once
// the workspace has a user: set-up needs no credentials, so it must not
// be able to add a second administrator.
func (s *Service) SetUp(ctx context.Context, ws int64, in FirstRun) (User, error) {
	var c fault.Collector
	name := strings.TrimSpace(in.Workspace)
	if name == "" {
		c.Add("workspace", "required", "is required")
	} else {
		c.Include(input.Line("workspace", name))
	}
	code, err := currency.ParseISO(strings.TrimSpace(in.BaseCurrency))
	if err != nil || len(strings.TrimSpace(in.BaseCurrency)) != 3 {
		c.Add("base_currency", "currency", "must be an ISO 4217 currency code such as EUR")
	}
	region := strings.ToUpper(strings.TrimSpace(in.PhoneRegion))
	if phonenumbers.GetCountryCodeForRegion(region) == 0 {
		c.Add("phone_region", "country", "must be a country code such as DE or US")
	}
	n, hash, err := s.prepareNewUser(ctx, &c, ws, NewUser{Email: in.Email, Name: in.Name, Password: in.Password,
		Role: Administrator, Language: in.Language})
	if err != nil {
		return User{}, err
	}
	var u User
	err = s.db.Tx(ctx, func(q store.Querier) error {
		if err := s.lockEmptyWorkspace(ctx, q, ws); err != nil {
			return err
		}
		d := s.db.Dialect
		if _, err := q.ExecContext(ctx, `UPDATE workspaces SET name = ? WHERE id = ?`, name, ws); err != nil {
			return err
		}
		_, err := q.ExecContext(ctx, `INSERT INTO workspace_settings (workspace_id, base_currency, phone_region, updated_at)
			VALUES (?, ?, ?, ?) ON CONFLICT (workspace_id) DO UPDATE SET base_currency = excluded.base_currency,
			phone_region = excluded.phone_region, updated_at = excluded.updated_at`,
			ws, code.String(), region, d.Time(s.now()))
		if err != nil {
			return err
		}
		u, err = s.writeNewUser(ctx, q, ws, 0, n, hash)
		return err
	})
	s.invalidate(ws)
	return u, err
}

// lockEmptyWorkspace locks the workspace's row, so that two set-ups at
// once are taken in turn, and refuses when it has a user already.
func (s *Service) lockEmptyWorkspace(ctx context.Context, q store.Querier, ws int64) error {
	var id int64
	if err := q.QueryRowContext(ctx, `SELECT id FROM workspaces WHERE id = ?`+s.db.Dialect.LockRows(), ws).Scan(&id); err != nil {
		return err
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE workspace_id = ? AND password_hash <> '!'`, ws).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return fault.Errorf(fault.ECONFLICT, "this workspace is set up already; sign in instead")
	}
	return nil
}

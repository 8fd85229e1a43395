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

// Token scopes.
const (
	ScopeReadWrite = "read_write"
	ScopeRead      = "read"
)

// tokenPrefix marks Rapport API tokens so that secret scanners can find
// them; the workspace id follows so that the lookup is keyed by workspace
// like every other tenant-owned row.
const tokenPrefix = "rpt_"

// Token describes an API token; the token itself is shown once, when it
// is made, and never stored.
type Token struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Scope      string     `json:"scope"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
}

// NewToken is what it takes to make a token. An empty Scope means
// read_write; a nil ExpiresAt means it does not expire.
type NewToken struct {
	Name      string     `json:"name"`
	Scope     string     `json:"scope"`
	ExpiresAt *time.Time `json:"expires_at"`
}

// CreateToken issues a new API token for the user with e-mail email on
// behalf of the operator (the command line) and returns it.
func (s *Service) CreateToken(ctx context.Context, ws int64, email, name, scope string, expires *time.Time) (string, error) {
	if err := s.checkToken(&NewToken{Name: name, Scope: scope, ExpiresAt: expires}, false); err != nil {
		return "", err
	}
	u, err := s.UserByEmail(ctx, ws, email)
	if err != nil {
		return "", err
	}
	uid, _ := parseID("user", u.ID)
	_, token, err := s.issueToken(ctx, access.Actor{WorkspaceID: ws}, uid, NewToken{Name: name, Scope: scope, ExpiresAt: expires})
	return token, err
}

// IssueToken makes a token for the actor and returns it with its
// description. A read-only token cannot make tokens.
func (s *Service) IssueToken(ctx context.Context, n NewToken) (Token, string, error) {
	a, err := self(ctx)
	if err != nil {
		return Token{}, "", err
	}
	if err := s.checkToken(&n, true); err != nil {
		return Token{}, "", err
	}
	return s.issueToken(ctx, a, a.UserID, n)
}

// checkToken validates n and fills in its defaults. Tokens made through
// the API must expire in the future; the operator may also make one that
// has already expired, which tests use.
func (s *Service) checkToken(n *NewToken, future bool) error {
	var c fault.Collector
	n.Name = strings.TrimSpace(n.Name)
	if n.Name == "" {
		c.Add("name", "required", "is required")
	} else if utf8.RuneCountInString(n.Name) > 200 {
		c.Add("name", "too_long", "must be at most 200 characters")
	} else {
		c.Include(input.Line("name", n.Name))
	}
	if n.Scope == "" {
		n.Scope = ScopeReadWrite
	}
	if n.Scope != ScopeReadWrite && n.Scope != ScopeRead {
		c.Add("scope", "option", "must be %s or %s", ScopeReadWrite, ScopeRead)
	}
	if future && n.ExpiresAt != nil && !n.ExpiresAt.After(s.now()) {
		c.Add("expires_at", "past", "must be in the future")
	}
	return c.Err()
}

func (s *Service) issueToken(ctx context.Context, a access.Actor, uid int64, n NewToken) (Token, string, error) {
	token, err := credential(tokenPrefix, a.WorkspaceID)
	if err != nil {
		return Token{}, "", err
	}
	d := s.db.Dialect
	t := Token{Name: n.Name, Scope: n.Scope, CreatedAt: s.now(), ExpiresAt: n.ExpiresAt}
	var exp any
	if n.ExpiresAt != nil {
		utc := n.ExpiresAt.UTC()
		t.ExpiresAt, exp = &utc, d.Time(utc)
	}
	err = s.db.Tx(ctx, func(q store.Querier) error {
		var id int64
		err := q.QueryRowContext(ctx, `INSERT INTO api_tokens (workspace_id, user_id, name, hash, scope, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, a.WorkspaceID, uid, t.Name, hashSecret(token), t.Scope, d.Time(t.CreatedAt), exp).Scan(&id)
		if err != nil {
			return err
		}
		t.ID = formatID(id)
		return s.audit(ctx, q, a.WorkspaceID, event{object: "token", id: t.ID, action: ActionTokenCreate, actor: a.UserID,
			address: a.Address, details: map[string]any{"name": t.Name, "scope": t.Scope, "user_id": formatID(uid)}})
	})
	return t, token, err
}

// ListTokens returns the actor's tokens that are not revoked, newest
// first, expired ones included so their owner sees why they stopped.
func (s *Service) ListTokens(ctx context.Context) ([]Token, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, name, scope, created_at, last_used_at, expires_at FROM api_tokens
		WHERE workspace_id = ? AND user_id = ? AND revoked_at IS NULL ORDER BY created_at DESC, id DESC`, a.WorkspaceID, a.UserID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	tokens := []Token{}
	for rows.Next() {
		var t Token
		var id int64
		var created, used, expires any
		if err := rows.Scan(&id, &t.Name, &t.Scope, &created, &used, &expires); err != nil {
			return nil, err
		}
		t.ID = formatID(id)
		t.CreatedAt, _ = store.ParseTime(created)
		t.LastUsedAt, t.ExpiresAt = timeOrNil(used), timeOrNil(expires)
		tokens = append(tokens, t)
	}
	return tokens, rows.Err()
}

// RevokeToken revokes one of the actor's tokens at once.
func (s *Service) RevokeToken(ctx context.Context, id string) error {
	a, err := self(ctx)
	if err != nil {
		return err
	}
	tid, err := parseID("token", id)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(q store.Querier) error {
		res, err := q.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE workspace_id = ? AND id = ? AND user_id = ? AND revoked_at IS NULL`,
			s.db.Dialect.Time(s.now()), a.WorkspaceID, tid, a.UserID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fault.Errorf(fault.ENOTFOUND, "no token with id %s", id)
		}
		return s.audit(ctx, q, a.WorkspaceID, event{object: "token", id: id, action: ActionTokenRevoke, actor: a.UserID, address: a.Address})
	})
}

// Authenticate returns the actor a bearer token stands for. Every failure
// looks the same to the caller, so a probe learns nothing about which
// tokens exist. The token's last use is written at most once a minute.
func (s *Service) Authenticate(ctx context.Context, token string) (access.Actor, error) {
	a, _, err := s.authenticate(ctx, token)
	return a, err
}

// authenticate is Authenticate that also returns the user's e-mail
// address, read in the same query, for a sign-in that names it.
func (s *Service) authenticate(ctx context.Context, token string) (access.Actor, string, error) {
	denied := fault.Errorf(fault.EUNAUTHORIZED, "the token is not valid")
	ws, ok := credentialWorkspace(tokenPrefix, token)
	if !ok {
		return access.Actor{}, "", denied
	}
	var tokenID, userID int64
	var scope, role, status, email string
	var expires, revoked, used any
	err := s.db.Reader().QueryRowContext(ctx, `SELECT t.id, t.user_id, t.scope, t.expires_at, t.revoked_at, t.last_used_at, u.role, u.status, u.email
		FROM api_tokens t JOIN users u ON u.workspace_id = t.workspace_id AND u.id = t.user_id
		WHERE t.workspace_id = ? AND t.hash = ?`, ws, hashSecret(token)).
		Scan(&tokenID, &userID, &scope, &expires, &revoked, &used, &role, &status, &email)
	if errors.Is(err, sql.ErrNoRows) {
		return access.Actor{}, "", denied
	}
	if err != nil {
		return access.Actor{}, "", err
	}
	now := s.now()
	if revoked != nil || status != StatusActive {
		return access.Actor{}, "", denied
	}
	if t := timeOrNil(expires); t != nil && !now.Before(*t) {
		return access.Actor{}, "", denied
	}
	if last := timeOrNil(used); last == nil || now.Sub(*last) >= touchEvery {
		if err := s.touchToken(ctx, ws, tokenID, now); err != nil {
			return access.Actor{}, "", err
		}
	}
	return access.Actor{WorkspaceID: ws, UserID: userID, Role: role, ReadOnly: scope == ScopeRead}, email, nil
}

func (s *Service) touchToken(ctx context.Context, ws, id int64, now time.Time) error {
	d := s.db.Dialect
	return s.db.Tx(ctx, func(q store.Querier) error {
		_, err := q.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = ?
			WHERE workspace_id = ? AND id = ? AND (last_used_at IS NULL OR last_used_at < ?)`,
			d.Time(now), ws, id, d.Time(now.Add(-touchEvery)))
		return err
	})
}

// revokeTokens revokes every token of user uid still in force and returns
// how many it revoked.
func (s *Service) revokeTokens(ctx context.Context, q store.Querier, ws, uid int64) (int, error) {
	res, err := q.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE workspace_id = ? AND user_id = ? AND revoked_at IS NULL`,
		s.db.Dialect.Time(s.now()), ws, uid)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// Package account keeps users and API tokens: creating them, checking
// passwords, and turning a bearer token into the actor of a request.
package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/store"
)

// Roles are the built-in roles. What each may do is decided by the access
// policy; here they are only names.
var Roles = []string{"administrator", "manager", "salesperson", "read_only"}

// Token scopes.
const (
	ScopeReadWrite = "read_write"
	ScopeRead      = "read"
)

// User is a person who signs in to a workspace.
type User struct {
	ID          string    `json:"id"`
	WorkspaceID int64     `json:"-"`
	Email       string    `json:"email"`
	Name        string    `json:"name"`
	Role        string    `json:"role"`
	Status      string    `json:"status"`
	CreatedAt   time.Time `json:"created_at"`
}

// Service reads and writes users and tokens.
type Service struct {
	db  *store.DB
	now func() time.Time
}

// New returns a Service over db.
func New(db *store.DB) *Service { return &Service{db: db, now: time.Now} }

// CreateUser adds a user to workspace ws.
func (s *Service) CreateUser(ctx context.Context, ws int64, email, name, password, role string) (User, error) {
	var c fault.Collector
	addr, err := mail.ParseAddress(strings.TrimSpace(email))
	if err != nil || addr.Address != strings.TrimSpace(email) {
		c.Add("email", "email", "must be an e-mail address like name@example.com")
	}
	if len(password) < 10 {
		c.Add("password", "too_short", "must be at least 10 characters")
	}
	if len(password) > 1024 {
		c.Add("password", "too_long", "must be at most 1024 characters")
	}
	if !validRole(role) {
		c.Add("role", "option", "must be one of %s", strings.Join(Roles, ", "))
	}
	if err := c.Err(); err != nil {
		return User{}, err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return User{}, err
	}
	u := User{WorkspaceID: ws, Email: strings.ToLower(addr.Address), Name: strings.TrimSpace(name), Role: role,
		Status: "active", CreatedAt: s.now().UTC()}
	err = s.db.Tx(ctx, func(q store.Querier) error {
		var id int64
		err := q.QueryRowContext(ctx, `INSERT INTO users (workspace_id, email, name, password_hash, role, status, created_at)
			VALUES (?, ?, ?, ?, ?, 'active', ?) RETURNING id`, ws, u.Email, u.Name, hash, role, s.db.Dialect.Time(u.CreatedAt)).Scan(&id)
		if store.IsUniqueViolation(err) {
			return fault.Field("email", "duplicate", "a user with e-mail %s already exists", u.Email)
		}
		u.ID = strconv.FormatInt(id, 10)
		return err
	})
	return u, err
}

func validRole(r string) bool {
	for _, x := range Roles {
		if x == r {
			return true
		}
	}
	return false
}

// CountUsers returns how many users exist in all workspaces; the server uses
// it to tell the operator how to create the first administrator.
func (s *Service) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.db.Reader().QueryRowContext(ctx, `SELECT count(*) FROM users WHERE password_hash <> '!'`).Scan(&n)
	return n, err
}

// UserByEmail finds a user of workspace ws by e-mail.
func (s *Service) UserByEmail(ctx context.Context, ws int64, email string) (User, error) {
	var u User
	var id int64
	var created any
	err := s.db.Reader().QueryRowContext(ctx, `SELECT id, email, name, role, status, created_at FROM users
		WHERE workspace_id = ? AND email = ?`, ws, strings.ToLower(strings.TrimSpace(email))).
		Scan(&id, &u.Email, &u.Name, &u.Role, &u.Status, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return u, fault.Errorf(fault.ENOTFOUND, "no user with e-mail %s", email)
	}
	if err != nil {
		return u, err
	}
	u.ID, u.WorkspaceID = strconv.FormatInt(id, 10), ws
	u.CreatedAt, _ = store.ParseTime(created)
	return u, nil
}

// tokenPrefix marks Rapport API tokens so that secret scanners can find
// them; the workspace id follows so that the lookup is keyed by workspace
// like every other tenant-owned row.
const tokenPrefix = "rpt_"

// CreateToken issues a new API token for the user with e-mail email and
// returns it. Only its SHA-256 hash is stored: tokens carry 256 random bits,
// so a fast hash is enough and keeps each request cheap.
func (s *Service) CreateToken(ctx context.Context, ws int64, email, name, scope string, expires *time.Time) (string, error) {
	if strings.TrimSpace(name) == "" {
		return "", fault.Field("name", "required", "is required")
	}
	if scope == "" {
		scope = ScopeReadWrite
	}
	if scope != ScopeReadWrite && scope != ScopeRead {
		return "", fault.Field("scope", "option", "must be %s or %s", ScopeReadWrite, ScopeRead)
	}
	u, err := s.UserByEmail(ctx, ws, email)
	if err != nil {
		return "", err
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return "", err
	}
	token := tokenPrefix + strconv.FormatInt(ws, 10) + "_" + base64.RawURLEncoding.EncodeToString(secret)
	var exp any
	if expires != nil {
		exp = s.db.Dialect.Time(*expires)
	}
	uid, _ := strconv.ParseInt(u.ID, 10, 64)
	err = s.db.Tx(ctx, func(q store.Querier) error {
		_, err := q.ExecContext(ctx, `INSERT INTO api_tokens (workspace_id, user_id, name, hash, scope, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, ws, uid, strings.TrimSpace(name), hashToken(token), scope, s.db.Dialect.Time(s.now()), exp)
		return err
	})
	return token, err
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Authenticate returns the actor a bearer token stands for. Every failure
// looks the same to the caller, so a probe learns nothing about which
// tokens exist.
func (s *Service) Authenticate(ctx context.Context, token string) (access.Actor, error) {
	denied := fault.Errorf(fault.EUNAUTHORIZED, "the token is not valid")
	rest, ok := strings.CutPrefix(token, tokenPrefix)
	if !ok {
		return access.Actor{}, denied
	}
	wsText, _, ok := strings.Cut(rest, "_")
	ws, err := strconv.ParseInt(wsText, 10, 64)
	if !ok || err != nil || ws <= 0 {
		return access.Actor{}, denied
	}
	var tokenID, userID int64
	var scope, role, status string
	var expires, revoked any
	err = s.db.Reader().QueryRowContext(ctx, `SELECT t.id, t.user_id, t.scope, t.expires_at, t.revoked_at, u.role, u.status
		FROM api_tokens t JOIN users u ON u.workspace_id = t.workspace_id AND u.id = t.user_id
		WHERE t.workspace_id = ? AND t.hash = ?`, ws, hashToken(token)).
		Scan(&tokenID, &userID, &scope, &expires, &revoked, &role, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return access.Actor{}, denied
	}
	if err != nil {
		return access.Actor{}, err
	}
	if revoked != nil || status != "active" {
		return access.Actor{}, denied
	}
	if expires != nil {
		if t, ok := store.ParseTime(expires); ok && !s.now().Before(t) {
			return access.Actor{}, denied
		}
	}
	return access.Actor{WorkspaceID: ws, UserID: userID, Role: role, ReadOnly: scope == ScopeRead}, nil
}

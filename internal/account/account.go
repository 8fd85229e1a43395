// Package account keeps users, teams, sessions, password resets, two-factor
// enrolment and API tokens: creating them, checking credentials, and
// turning a session cookie or a bearer token into the actor of a request.
package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/input"
	"github.com/rapport-crm/rapport/internal/mail"
	"github.com/rapport-crm/rapport/internal/store"
)

// Roles are the built-in roles. What each may do is decided by the access
// policy; here they are only names.
var Roles = []string{"administrator", "manager", "salesperson", "read_only"}

// Administrator is the built-in role that manages users, teams and
// settings; without a Policy it alone may change them. A workspace always
// keeps at least one active user whose role manages roles.
const Administrator = "administrator"

// User statuses.
const (
	StatusActive      = "active"
	StatusDeactivated = "deactivated"
)

// Options tune a Service. The zero value gives the production defaults.
type Options struct {
	// Password is the argon2id cost of new hashes; zero means
	// DefaultPasswordParams. Tests that sign in many times lower it.
	Password PasswordParams
	// SessionIdle ends a session that has not been used for this long;
	// every use pushes the end back (sliding expiry). Zero means 7 days.
	SessionIdle time.Duration
	// SessionMax ends a session this long after sign-in, however busy it
	// is. Zero means 30 days.
	SessionMax time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Policy decides who manages users and teams (the "user", "team" and
	// "role" settings objects). Nil lets everyone read and administrators
	// write.
	Policy access.Policy
	// Mail sends password-reset links; nil writes them to the log.
	Mail mail.Sender
	// BaseURL is where users reach Rapport, for links in e-mails, such as
	// https://crm.example.com. Empty means http://127.0.0.1:8080.
	BaseURL string
}

// Service reads and writes users, teams, sessions and tokens.
type Service struct {
	db   *store.DB
	now  func() time.Time
	opts Options

	dummyOnce sync.Once
	dummy     string // see dummyHash

	checked checkedPasswords // see Basic
}

// New returns a Service over db with the default options.
func New(db *store.DB) *Service { return NewWithOptions(db, Options{}) }

// NewWithOptions returns a Service over db tuned by o.
func NewWithOptions(db *store.DB, o Options) *Service {
	if o.Password == (PasswordParams{}) {
		o.Password = DefaultPasswordParams
	}
	if o.SessionIdle <= 0 {
		o.SessionIdle = 7 * 24 * time.Hour
	}
	if o.SessionMax <= 0 {
		o.SessionMax = 30 * 24 * time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Mail == nil {
		o.Mail = mail.LogSender{Log: slog.Default()}
	}
	if o.BaseURL == "" {
		o.BaseURL = "http://127.0.0.1:8080"
	}
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	return &Service{db: db, now: func() time.Time { return o.Now().UTC() }, opts: o}
}

// CreateUser adds a user to workspace ws on behalf of the operator (the
// command line and the first start); the API adds users through AddUser.
func (s *Service) CreateUser(ctx context.Context, ws int64, email, name, password, role string) (User, error) {
	return s.insertUser(ctx, ws, 0, NewUser{Email: email, Name: name, Password: password, Role: role})
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
	row := s.db.Reader().QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE workspace_id = ? AND email = ?`,
		ws, normalEmail(email))
	u, err := scanUser(row, ws)
	if errors.Is(err, sql.ErrNoRows) {
		return u, fault.Errorf(fault.ENOTFOUND, "no user with e-mail %s", email)
	}
	return u, err
}

func normalEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// newSecret returns 256 random bits, URL-safe. Secrets this long are
// stored as a fast SHA-256 hash: nothing can be guessed, so a slow hash
// would only cost every request time.
func newSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// hashSecret is what the database keeps of a token, session or reset link.
func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// credential builds a secret credential that names its workspace:
// prefix, workspace id, "_", random secret. The workspace keys the lookup
// like every other tenant-owned row.
func credential(prefix string, ws int64) (string, error) {
	secret, err := newSecret()
	if err != nil {
		return "", err
	}
	return prefix + strconv.FormatInt(ws, 10) + "_" + secret, nil
}

// credentialWorkspace returns the workspace a credential names, or false
// when it is not one of prefix's shape.
func credentialWorkspace(prefix, value string) (int64, bool) {
	rest, ok := strings.CutPrefix(value, prefix)
	if !ok {
		return 0, false
	}
	wsText, secret, ok := strings.Cut(rest, "_")
	ws, err := strconv.ParseInt(wsText, 10, 64)
	if !ok || err != nil || ws <= 0 || secret == "" {
		return 0, false
	}
	return ws, true
}

// IsSecret reports whether s has the shape of a credential Rapport
// issues: an API token, a session cookie or a password-reset token. The
// access log replaces such a path segment, so that a secret sent in a URL
// by mistake is not kept.
func IsSecret(s string) bool {
	for _, prefix := range []string{tokenPrefix, sessionPrefix, resetPrefix} {
		if _, ok := credentialWorkspace(prefix, s); ok {
			return true
		}
	}
	return false
}

// parseID turns an opaque id into a row id; anything else, even another
// spelling of the same number ("03", "+3"), names nothing.
func parseID(what, id string) (int64, error) {
	n, ok := input.ID(id)
	if !ok {
		return 0, fault.Errorf(fault.ENOTFOUND, "no %s with id %q", what, id)
	}
	return n, nil
}

func formatID(id int64) string { return strconv.FormatInt(id, 10) }

// authorize returns the actor of ctx when they may act on object ("user",
// "team", "role"). With a policy the role's grants decide; without one,
// everyone reads and administrators write. Read-only tokens never write.
func (s *Service) authorize(ctx context.Context, object string, act access.Action) (access.Actor, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return a, err
	}
	if a.ReadOnly && act != access.Read {
		return a, fault.Errorf(fault.EFORBIDDEN, "this token may only read")
	}
	if s.opts.Policy != nil {
		return a, s.opts.Policy.Authorize(ctx, a, object, act, nil)
	}
	if act != access.Read && a.Role != Administrator {
		return a, fault.Errorf(fault.EFORBIDDEN, "only administrators may %s %ss", act, object)
	}
	return a, nil
}

// needRoles checks that the actor may manage roles. Everything that
// widens whose records someone reaches takes that right, not just the
// right to manage users: assigning a role, changing teams, their members
// or their managers, and acting on an administrator; otherwise a role
// that may update users could make itself, or a friend, see everything.
// why names the change, for the refusal.
func (s *Service) needRoles(ctx context.Context, why string) error {
	_, err := s.authorize(ctx, "role", access.Update)
	if fault.Is(err, fault.EFORBIDDEN) {
		return fault.Errorf(fault.EFORBIDDEN, "%s takes the right to manage roles, which your role does not give", why)
	}
	return err
}

// guardAdministrator refuses a change to u, read in q, unless the actor
// may manage roles too, when u is an administrator: whoever could change,
// deactivate or take over an administrator could take their place.
func (s *Service) guardAdministrator(ctx context.Context, q store.Querier, u User) error {
	admin, err := access.ManagesRoles(ctx, q, s.db.Dialect, u.WorkspaceID, u.Role)
	if err != nil || !admin {
		return err
	}
	return s.needRoles(ctx, "acting on an administrator ("+u.Email+")")
}

// self returns the actor of ctx for a change to their own account, which
// a read-only token may not make.
func self(ctx context.Context) (access.Actor, error) {
	a, err := access.ActorFrom(ctx)
	if err == nil && a.ReadOnly {
		err = fault.Errorf(fault.EFORBIDDEN, "this token may only read")
	}
	return a, err
}

// invalidate tells the policy that users or teams of ws changed, so the
// next request sees the change rather than a cached role or team.
func (s *Service) invalidate(ws int64) {
	if inv, ok := s.opts.Policy.(interface{ Invalidate(ws int64) }); ok {
		inv.Invalidate(ws)
	}
}

// timeOrNil converts an optional timestamp column.
func timeOrNil(v any) *time.Time {
	if v == nil {
		return nil
	}
	t, ok := store.ParseTime(v)
	if !ok {
		return nil
	}
	return &t
}

package account

import (
	"context"
	"crypto/sha256"
	"strings"
	"sync"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
)

// errSecondFactor answers a password sent with HTTP Basic for an account
// with two-factor sign-in: Basic has no place for the code, and taking
// the password alone would undo the second factor, so such a user makes
// an API token and uses it as the password.
var errSecondFactor = fault.Errorf(fault.EUNAUTHORIZED,
	"this account signs in with a second factor: make an API token and use it as the password")

// Basic checks the credentials a client sends with every request (HTTP
// Basic, for CardDAV and CalDAV programs): the user's e-mail address with
// either their password or one of their API tokens. It opens no session.
// A wrong password is written to the audit trail like a failed sign-in
// and answers an error for which IsWrongPassword holds, so that the
// caller counts it against the same limits.
//
// A calendar program sends the password on every request, and argon2id
// costs tens of milliseconds by design; so a password once found right is
// remembered, in memory, as a hash of itself and of the stored hash. A
// changed password changes the stored hash, so the remembered one stops
// matching at once; a deactivated account is refused by its status, which
// is read on every request.
func (s *Service) Basic(ctx context.Context, in SignIn) (access.Actor, error) {
	if _, ok := credentialWorkspace(tokenPrefix, in.Password); ok {
		return s.basicToken(ctx, in)
	}
	row, err := s.signInUser(ctx, in.Workspace, in.Email)
	if err != nil {
		return access.Actor{}, err
	}
	key := sha256.Sum256([]byte(row.hash + "\x00" + in.Password))
	ok := row.id != 0 && s.checked.has(key)
	if !ok {
		ok, _ = CheckPassword(row.hash, in.Password)
	}
	if !ok || row.status != StatusActive {
		reason := "password"
		if ok {
			reason = "deactivated"
		} else if row.id == 0 {
			reason = "unknown_email"
		}
		return access.Actor{}, s.signInFailed(ctx, in, row.id, reason, errSignIn)
	}
	if row.totp.Valid {
		return access.Actor{}, errSecondFactor
	}
	s.checked.add(key)
	var role string
	if err := s.db.Reader().QueryRowContext(ctx, `SELECT role FROM users WHERE workspace_id = ? AND id = ?`,
		in.Workspace, row.id).Scan(&role); err != nil {
		return access.Actor{}, err
	}
	return access.Actor{WorkspaceID: in.Workspace, UserID: row.id, Role: role}, nil
}

// basicToken authenticates an API token sent as the password; the e-mail
// address must be its user's, so that a token found somewhere cannot be
// used under another name in the logs.
func (s *Service) basicToken(ctx context.Context, in SignIn) (access.Actor, error) {
	a, email, err := s.authenticate(ctx, in.Password)
	if err != nil {
		return a, err
	}
	if !strings.EqualFold(email, normalEmail(in.Email)) {
		return access.Actor{}, fault.Errorf(fault.EUNAUTHORIZED, "the token is not valid")
	}
	return a, nil
}

// checkedPasswords remembers hashes of passwords found right (see Basic),
// at most maxChecked of them; when full it forgets them all, which costs
// only one slow check each.
type checkedPasswords struct {
	mu   sync.Mutex
	keys map[[32]byte]struct{}
}

const maxChecked = 10000

func (c *checkedPasswords) has(k [32]byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.keys[k]
	return ok
}

func (c *checkedPasswords) add(k [32]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.keys == nil || len(c.keys) >= maxChecked {
		c.keys = make(map[[32]byte]struct{})
	}
	c.keys[k] = struct{}{}
}

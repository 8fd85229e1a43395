package account_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

func TestPasswordHash(t *testing.T) {
	h, err := account.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$") {
		t.Fatalf("hash %q is not argon2id", h)
	}
	h2, _ := account.HashPassword("correct horse battery")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	for pw, want := range map[string]bool{"correct horse battery": true, "correct horse batterY": false, "": false} {
		ok, err := account.CheckPassword(h, pw)
		if err != nil || ok != want {
			t.Errorf("CheckPassword(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
	if _, err := account.CheckPassword("$2a$10$notargon", "x"); err == nil {
		t.Error("a foreign hash was accepted")
	}
}

func TestUsersAndTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := account.New(db)
		if _, err := s.CreateUser(ctx, 1, "Ada@Example.com", "Ada", "analytical-engine", "administrator"); err != nil {
			t.Fatal(err)
		}
		_, err := s.CreateUser(ctx, 1, "ada@example.com", "Ada again", "analytical-engine", "administrator")
		if !fault.Is(err, fault.EINVALID) {
			t.Fatalf("duplicate e-mail: %v", err)
		}
		_, err = s.CreateUser(ctx, 1, "not an address", "", "short", "emperor")
		var fe *fault.Error
		if !asFault(err, &fe) || len(fe.Fields) != 3 {
			t.Fatalf("bad user: want three field errors, got %v", err)
		}

		token, err := s.CreateToken(ctx, 1, "ada@example.com", "cli", account.ScopeReadWrite, nil)
		if err != nil {
			t.Fatal(err)
		}
		a, err := s.Authenticate(ctx, token)
		if err != nil || a.WorkspaceID != 1 || a.Role != "administrator" || a.ReadOnly {
			t.Fatalf("authenticate: %+v %v", a, err)
		}
		ro, _ := s.CreateToken(ctx, 1, "ada@example.com", "ro", account.ScopeRead, nil)
		if a, _ := s.Authenticate(ctx, ro); !a.ReadOnly {
			t.Error("a read token is not read-only")
		}
		past := time.Now().Add(-time.Hour)
		expired, _ := s.CreateToken(ctx, 1, "ada@example.com", "old", account.ScopeReadWrite, &past)
		// The same secret presented for another workspace must not work.
		other := strings.Replace(token, "rpt_1_", "rpt_2_", 1)
		flip := byte('A')
		if token[len(token)-1] == 'A' {
			flip = 'B'
		}
		tampered := token[:len(token)-1] + string(flip)
		for name, tok := range map[string]string{"expired": expired, "other workspace": other, "garbage": "rpt_x", "empty": "",
			"tampered": tampered} {
			if _, err := s.Authenticate(ctx, tok); !fault.Is(err, fault.EUNAUTHORIZED) {
				t.Errorf("%s token: %v", name, err)
			}
		}
		if _, err := s.CreateToken(ctx, 1, "nobody@example.com", "x", "", nil); !fault.Is(err, fault.ENOTFOUND) {
			t.Errorf("token for unknown user: %v", err)
		}
	})
}

func asFault(err error, target **fault.Error) bool {
	fe, ok := err.(*fault.Error)
	*target = fe
	return ok
}

// TestPurgeExpired removes sessions past their expiry and keeps live ones.
func TestPurgeExpired(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := account.New(db)
		u, err := s.CreateUser(ctx, 1, "ada@example.com", "Ada", "analytical-engine", "administrator")
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		for i, expires := range []time.Time{now.Add(-time.Hour), now.Add(time.Hour)} {
			_, err := db.Raw().ExecContext(ctx, db.Dialect.Rebind(`INSERT INTO sessions
				(workspace_id, user_id, hash, created_at, last_seen_at, expires_at) VALUES (1, ?, ?, ?, ?, ?)`),
				u.ID, "hash"+strconv.Itoa(i), db.Dialect.Time(now), db.Dialect.Time(now), db.Dialect.Time(expires))
			if err != nil {
				t.Fatal(err)
			}
		}
		n, err := s.PurgeExpired(ctx)
		if err != nil || n != 1 {
			t.Fatalf("PurgeExpired = %d, %v; want 1 row", n, err)
		}
		var left string
		if err := db.Reader().QueryRowContext(ctx, `SELECT hash FROM sessions`).Scan(&left); err != nil || left != "hash1" {
			t.Fatalf("left %q, %v; want the live session", left, err)
		}
	})
}

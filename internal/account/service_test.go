package account_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/mail"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// cheap is an argon2id cost for tests that hash many passwords; the
// default stays what production uses.
var cheap = account.PasswordParams{Memory: 64, Time: 1, Threads: 1}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) pass(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// outbox collects sent mail.
type outbox struct {
	mu   sync.Mutex
	sent []mail.Message
}

func (o *outbox) Send(_ context.Context, m mail.Message) error {
	o.mu.Lock()
	o.sent = append(o.sent, m)
	o.mu.Unlock()
	return nil
}

// fixture is a service over a fresh database with an administrator and a
// salesperson.
type fixture struct {
	s           *account.Service
	db          *store.DB
	clock       *clock
	mail        *outbox
	admin, sale account.User
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	f := &fixture{db: db, clock: &clock{t: time.Now().UTC()}, mail: &outbox{}}
	f.s = account.NewWithOptions(db, account.Options{Password: cheap, Now: f.clock.Now, Mail: f.mail,
		BaseURL: "https://crm.example.com/", SessionIdle: time.Hour, SessionMax: 4 * time.Hour})
	var err error
	ctx := context.Background()
	if f.admin, err = f.s.CreateUser(ctx, 1, "admin@example.com", "Admin", "correct horse battery", account.Administrator); err != nil {
		t.Fatal(err)
	}
	if f.sale, err = f.s.CreateUser(ctx, 1, "sam@example.com", "Sam", "sales sales sales", "salesperson"); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) as(u account.User) context.Context {
	id := mustID(u.ID)
	return access.WithActor(context.Background(), access.Actor{WorkspaceID: 1, UserID: id, Role: u.Role, Address: "192.0.2.1"})
}

func mustID(s string) int64 {
	var n int64
	for _, c := range s {
		n = n*10 + int64(c-'0')
	}
	return n
}

func (f *fixture) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := f.db.Reader().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSessionsSlideAndEnd(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		in := account.SignIn{Workspace: 1, Email: "ADMIN@example.com", Password: "correct horse battery", Address: "192.0.2.1"}
		sess, u, err := f.s.SignIn(ctx, in)
		if err != nil || u.ID != f.admin.ID || !strings.HasPrefix(sess.Secret, "rps_1_") || sess.CSRFToken == "" {
			t.Fatalf("sign in: %+v %+v %v", sess, u, err)
		}
		if n := f.count(t, `SELECT count(*) FROM sessions WHERE hash = ?`, sess.Secret); n != 0 {
			t.Fatal("the session id is stored in the clear")
		}
		// Used every 50 minutes, a session with a one-hour idle limit
		// lives on, up to its four-hour maximum.
		for range 4 {
			f.clock.pass(50 * time.Minute)
			a, got, err := f.s.AuthenticateSession(ctx, sess.Secret)
			if err != nil || a.UserID != mustID(f.admin.ID) || got.CSRFToken != sess.CSRFToken {
				t.Fatalf("after %v: %+v %v", f.clock.Now().Sub(sess.EndsAt), a, err)
			}
		}
		f.clock.pass(50 * time.Minute)
		if _, _, err := f.s.AuthenticateSession(ctx, sess.Secret); !fault.Is(err, fault.EUNAUTHORIZED) {
			t.Fatalf("past the maximum: %v", err)
		}

		idle, _, _ := f.s.SignIn(ctx, in)
		f.clock.pass(61 * time.Minute)
		if _, _, err := f.s.AuthenticateSession(ctx, idle.Secret); !fault.Is(err, fault.EUNAUTHORIZED) {
			t.Fatalf("idle for over an hour: %v", err)
		}

		out, _, _ := f.s.SignIn(ctx, in)
		if err := f.s.SignOut(f.as(f.admin), out.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.s.AuthenticateSession(ctx, out.Secret); !fault.Is(err, fault.EUNAUTHORIZED) {
			t.Fatalf("after sign-out: %v", err)
		}
		tampered := strings.Replace(out.Secret, "rps_1_", "rps_2_", 1)
		for _, bad := range []string{tampered, "rps_1_", "rpt_1_x", "", "rps_x_y"} {
			if _, _, err := f.s.AuthenticateSession(ctx, bad); !fault.Is(err, fault.EUNAUTHORIZED) {
				t.Errorf("cookie %q: %v", bad, err)
			}
		}
	})
}

func TestSignInFailuresAreAlikeAndAudited(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		if _, err := f.s.DeactivateUser(f.as(f.admin), f.sale.ID, ""); err != nil {
			t.Fatal(err)
		}
		var messages []string
		for _, in := range []account.SignIn{
			{Email: "admin@example.com", Password: "wrong password"},
			{Email: "nobody@example.com", Password: "correct horse battery"},
			{Email: "sam@example.com", Password: "sales sales sales"}, // deactivated
		} {
			in.Workspace, in.Address = 1, "198.51.100.7"
			_, _, err := f.s.SignIn(ctx, in)
			if !fault.Is(err, fault.EUNAUTHORIZED) || !account.IsWrongPassword(err) {
				t.Fatalf("%s: %v", in.Email, err)
			}
			messages = append(messages, err.Error())
		}
		if messages[0] != messages[1] || messages[1] != messages[2] {
			t.Errorf("failures tell apart: %q", messages)
		}
		if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'sign_in_failed' AND actor_address = '198.51.100.7'`); n != 3 {
			t.Errorf("%d failed sign-ins audited, want 3", n)
		}
	})
}

func TestTOTPSignIn(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx, me := context.Background(), f.as(f.admin)
		e, err := f.s.BeginTOTP(me)
		if err != nil || !strings.HasPrefix(e.URL, "otpauth://totp/Rapport:admin@example.com?") {
			t.Fatalf("begin: %+v %v", e, err)
		}
		in := account.SignIn{Workspace: 1, Email: "admin@example.com", Password: "correct horse battery"}
		if _, _, err := f.s.SignIn(ctx, in); err != nil {
			t.Fatalf("an unconfirmed enrolment already asks for a code: %v", err)
		}
		if err := f.s.ConfirmTOTP(me, "000000"); !fault.Is(err, fault.EINVALID) {
			t.Fatalf("confirm with a wrong code: %v", err)
		}
		code, _ := account.TOTPCode(e.Secret, f.clock.Now())
		if err := f.s.ConfirmTOTP(me, code); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.s.SignIn(ctx, in); err != account.ErrTOTPRequired {
			t.Fatalf("no code: %v", err)
		}
		in.TOTPCode = code
		if _, _, err := f.s.SignIn(ctx, in); !account.IsWrongPassword(err) {
			t.Fatalf("the code that confirmed enrolment is replayed: %v", err)
		}
		f.clock.pass(30 * time.Second)
		in.TOTPCode, _ = account.TOTPCode(e.Secret, f.clock.Now())
		if _, _, err := f.s.SignIn(ctx, in); err != nil {
			t.Fatalf("a fresh code: %v", err)
		}
		if _, _, err := f.s.SignIn(ctx, in); !account.IsWrongPassword(err) {
			t.Fatalf("a code used twice: %v", err)
		}
		if err := f.s.DisableTOTP(me, "wrong password"); !account.IsWrongPassword(err) {
			t.Fatalf("disable with a wrong password: %v", err)
		}
		if err := f.s.DisableTOTP(me, "correct horse battery"); err != nil {
			t.Fatal(err)
		}
		in.TOTPCode = ""
		if _, _, err := f.s.SignIn(ctx, in); err != nil {
			t.Fatalf("after disabling: %v", err)
		}
	})
}

func TestPasswordReset(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		old, _, _ := f.s.SignIn(ctx, account.SignIn{Workspace: 1, Email: "sam@example.com", Password: "sales sales sales"})
		for _, email := range []string{"nobody@example.com", "SAM@example.com"} {
			if err := f.s.RequestPasswordReset(ctx, 1, email, "192.0.2.9"); err != nil {
				t.Fatal(err)
			}
		}
		if len(f.mail.sent) != 1 || f.mail.sent[0].To != "sam@example.com" {
			t.Fatalf("mail: %+v", f.mail.sent)
		}
		link := f.mail.sent[0].Text[strings.Index(f.mail.sent[0].Text, "https://"):]
		link = strings.Fields(link)[0]
		token, ok := strings.CutPrefix(link, "https://crm.example.com/password-reset#token=")
		if !ok {
			t.Fatalf("link %q", link)
		}
		if _, _, err := f.s.ResetPassword(ctx, token, "short", ""); !fault.Is(err, fault.EINVALID) {
			t.Fatalf("short password: %v", err)
		}
		cli, err := f.s.CreateToken(ctx, 1, "sam@example.com", "cli", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		_, out, err := f.s.ResetPassword(ctx, token, "a brand new password", "")
		if err != nil {
			t.Fatalf("reset: %v", err)
		}
		if out.Sessions != 1 || out.Tokens != 1 || out.TokensKept || !strings.Contains(out.Message, "1 API token was revoked") {
			t.Errorf("the reset ended %+v, want 1 session and 1 token", out)
		}
		if _, _, err := f.s.AuthenticateSession(ctx, old.Secret); err == nil {
			t.Error("a session outlived the password reset")
		}
		if _, err := f.s.Authenticate(ctx, cli); err == nil {
			t.Error("an API token outlived the password reset")
		}
		if _, _, err := f.s.ResetPassword(ctx, token, "yet another password", ""); !fault.Is(err, fault.EINVALID) {
			t.Fatalf("reused link: %v", err)
		}
		if _, _, err := f.s.SignIn(ctx, account.SignIn{Workspace: 1, Email: "sam@example.com", Password: "a brand new password"}); err != nil {
			t.Fatalf("sign in with the new password: %v", err)
		}

		f.s.RequestPasswordReset(ctx, 1, "sam@example.com", "")
		late := strings.Fields(f.mail.sent[1].Text[strings.Index(f.mail.sent[1].Text, "#token=")+7:])[0]
		f.clock.pass(account.ResetLifetime + time.Second)
		if _, _, err := f.s.ResetPassword(ctx, late, "too late password", ""); !fault.Is(err, fault.EINVALID) {
			t.Fatalf("expired link: %v", err)
		}
	})
}

func TestTokenLastUseIsWrittenAtMostOnceAMinute(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		tok, secret, err := f.s.IssueToken(f.as(f.admin), account.NewToken{Name: "ci", Scope: account.ScopeRead})
		if err != nil {
			t.Fatal(err)
		}
		lastUsed := func() *time.Time {
			list, err := f.s.ListTokens(f.as(f.admin))
			if err != nil || len(list) != 1 || list[0].ID != tok.ID {
				t.Fatalf("list: %+v %v", list, err)
			}
			return list[0].LastUsedAt
		}
		if lastUsed() != nil {
			t.Fatal("an unused token has a last use")
		}
		f.s.Authenticate(ctx, secret)
		first := lastUsed()
		f.clock.pass(30 * time.Second)
		f.s.Authenticate(ctx, secret)
		if second := lastUsed(); second == nil || !second.Equal(*first) {
			t.Fatalf("written again within the minute: %v then %v", first, second)
		}
		f.clock.pass(31 * time.Second)
		f.s.Authenticate(ctx, secret)
		if third := lastUsed(); !third.After(*first) {
			t.Fatalf("not written after a minute: %v then %v", first, third)
		}
		if _, _, err := f.s.IssueToken(f.as(f.admin), account.NewToken{Name: "x", ExpiresAt: &time.Time{}}); !fault.Is(err, fault.EINVALID) {
			t.Errorf("a token expiring in the past: %v", err)
		}
		if err := f.s.RevokeToken(f.as(f.sale), tok.ID); !fault.Is(err, fault.ENOTFOUND) {
			t.Errorf("someone else's token revoked: %v", err)
		}
		if err := f.s.RevokeToken(f.as(f.admin), tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Authenticate(ctx, secret); !fault.Is(err, fault.EUNAUTHORIZED) {
			t.Fatalf("revoked token: %v", err)
		}
	})
}

func TestDeactivationReassignsAndEndsCredentials(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx, admin := context.Background(), f.as(f.admin)
		now := db.Dialect.Time(time.Now())
		for _, q := range []string{
			`INSERT INTO contacts (workspace_id, first_name, owner_id, created_at, updated_at) VALUES (1, 'A', ?, ?, ?)`,
			`INSERT INTO contacts (workspace_id, first_name, owner_id, created_at, updated_at, deleted_at) VALUES (1, 'B', ?, ?, ?, ?)`,
			`INSERT INTO companies (workspace_id, name, owner_id, created_at, updated_at) VALUES (1, 'C', ?, ?, ?)`,
		} {
			args := []any{mustID(f.sale.ID), now, now}
			if strings.Contains(q, "deleted_at") {
				args = append(args, now)
			}
			if err := db.Tx(ctx, func(tx store.Querier) error { _, err := tx.ExecContext(ctx, q, args...); return err }); err != nil {
				t.Fatal(err)
			}
		}
		team, err := f.s.CreateTeam(admin, account.TeamInput{Name: ptr("North"), ManagerID: &f.sale.ID})
		if err != nil {
			t.Fatal(err)
		}
		sess, _, _ := f.s.SignIn(ctx, account.SignIn{Workspace: 1, Email: "sam@example.com", Password: "sales sales sales"})
		token, _ := f.s.CreateToken(ctx, 1, "sam@example.com", "cli", "", nil)

		if _, err := f.s.DeactivateUser(admin, f.sale.ID, f.sale.ID); !fault.Is(err, fault.EINVALID) {
			t.Fatalf("reassign to oneself: %v", err)
		}
		if _, err := f.s.DeactivateUser(f.as(f.sale), f.admin.ID, ""); !fault.Is(err, fault.EFORBIDDEN) {
			t.Fatalf("a salesperson deactivates: %v", err)
		}
		d, err := f.s.DeactivateUser(admin, f.sale.ID, f.admin.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d.User.Status != account.StatusDeactivated || d.Reassigned["contacts"] != 2 || d.Reassigned["companies"] != 1 || d.Reassigned["teams"] != 1 {
			t.Fatalf("deactivation: %+v", d)
		}
		if n := f.count(t, `SELECT count(*) FROM contacts WHERE owner_id = ? AND version = 2`, mustID(f.admin.ID)); n != 2 {
			t.Errorf("%d contacts moved with a new version, want 2", n)
		}
		if n := f.count(t, `SELECT count(*) FROM outbox WHERE object IN ('contact', 'company') AND action = 'update' AND actor_id = ?`, mustID(f.admin.ID)); n != 3 {
			t.Errorf("%d ownership events, want 3", n)
		}
		if n := f.count(t, `SELECT count(*) FROM outbox WHERE object = 'user' AND action = 'deactivate' AND record_id = ?`, f.sale.ID); n != 1 {
			t.Errorf("%d deactivation events, want 1", n)
		}
		if got, _ := f.s.GetTeam(admin, team.ID); got.ManagerID == nil || *got.ManagerID != f.admin.ID {
			t.Errorf("team manager: %+v", got)
		}
		if _, _, err := f.s.AuthenticateSession(ctx, sess.Secret); err == nil {
			t.Error("the session of a deactivated user still works")
		}
		if _, err := f.s.Authenticate(ctx, token); err == nil {
			t.Error("the token of a deactivated user still works")
		}
		if _, err := f.s.DeactivateUser(admin, f.admin.ID, ""); !fault.Is(err, fault.ECONFLICT) {
			t.Fatalf("the last administrator deactivated: %v", err)
		}
		if _, err := f.s.UpdateUser(admin, f.admin.ID, account.UserChange{Role: ptr("manager")}); !fault.Is(err, fault.ECONFLICT) {
			t.Fatalf("the last administrator demoted: %v", err)
		}
		if _, err := f.s.ReactivateUser(admin, f.sale.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Authenticate(ctx, token); err == nil {
			t.Error("reactivation brought a revoked token back")
		}
	})
}

func ptr[T any](v T) *T { return &v }

func TestConcurrentDemotionsKeepAnAdministrator(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		other, err := f.s.CreateUser(context.Background(), 1, "ada@example.com", "Ada", "analytical engine", account.Administrator)
		if err != nil {
			t.Fatal(err)
		}
		for round := range 5 {
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i, pair := range [][2]account.User{{f.admin, other}, {other, f.admin}} {
				wg.Go(func() {
					_, errs[i] = f.s.UpdateUser(f.as(pair[0]), pair[1].ID, account.UserChange{Role: ptr("manager")})
				})
			}
			wg.Wait()
			if (errs[0] == nil) == (errs[1] == nil) || !fault.Is(errors.Join(errs[0], errs[1]), fault.ECONFLICT) {
				t.Fatalf("round %d: want one demotion and one conflict, got %v and %v", round, errs[0], errs[1])
			}
			if n := f.count(t, `SELECT count(*) FROM users WHERE role = 'administrator' AND status = 'active'`); n != 1 {
				t.Fatalf("round %d: %d administrators", round, n)
			}
			demoted := f.admin
			if errs[0] == nil {
				demoted = other
			}
			survivor := f.admin
			if demoted.ID == f.admin.ID {
				survivor = other
			}
			survivor.Role = account.Administrator
			if _, err := f.s.UpdateUser(f.as(survivor), demoted.ID, account.UserChange{Role: ptr(account.Administrator)}); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func TestWorkspacesStayApart(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		err := db.Tx(ctx, func(q store.Querier) error {
			_, err := q.ExecContext(ctx, `INSERT INTO workspaces (id, name, created_at) VALUES (2, 'Other', ?)`, db.Dialect.Time(time.Now()))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		// The same address in another workspace is another account.
		them, err := f.s.CreateUser(ctx, 2, "admin@example.com", "Their admin", "their own password", account.Administrator)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.s.SignIn(ctx, account.SignIn{Workspace: 2, Email: "admin@example.com", Password: "correct horse battery"}); err == nil {
			t.Fatal("workspace 1's password opened workspace 2")
		}
		sess, _, err := f.s.SignIn(ctx, account.SignIn{Workspace: 2, Email: "admin@example.com", Password: "their own password"})
		if err != nil {
			t.Fatal(err)
		}
		a, _, err := f.s.AuthenticateSession(ctx, sess.Secret)
		if err != nil || a.WorkspaceID != 2 {
			t.Fatalf("session: %+v %v", a, err)
		}
		if _, _, err := f.s.AuthenticateSession(ctx, strings.Replace(sess.Secret, "rps_2_", "rps_1_", 1)); err == nil {
			t.Fatal("a session of workspace 2 opened workspace 1")
		}
		theirs := access.WithActor(ctx, access.Actor{WorkspaceID: 2, UserID: mustID(them.ID), Role: account.Administrator})
		users, err := f.s.ListUsers(theirs, account.UserFilter{})
		if err != nil || len(users) != 1 || users[0].ID != them.ID {
			t.Fatalf("workspace 2 lists %+v %v", users, err)
		}
		if _, err := f.s.GetUser(theirs, f.sale.ID); !fault.Is(err, fault.ENOTFOUND) {
			t.Errorf("workspace 2 reads a user of workspace 1: %v", err)
		}
		if _, err := f.s.DeactivateUser(theirs, f.sale.ID, ""); !fault.Is(err, fault.ENOTFOUND) {
			t.Errorf("workspace 2 deactivates a user of workspace 1: %v", err)
		}
		if _, err := f.s.CreateTeam(theirs, account.TeamInput{Name: ptr("Spies"), ManagerID: &f.sale.ID}); !fault.Is(err, fault.EINVALID) {
			t.Errorf("workspace 2 names a manager from workspace 1: %v", err)
		}
	})
}

package account_test

import (
	"context"
	"testing"

	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

func TestMySessionsAndSigningOutEverywhereElse(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		in := account.SignIn{Workspace: 1, Email: "admin@example.com", Password: "correct horse battery", Address: "192.0.2.1", UserAgent: "Laptop"}
		here, _, err := f.s.SignIn(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		in.Address, in.UserAgent = "198.51.100.7", "Phone"
		phone, _, _ := f.s.SignIn(ctx, in)
		theirs, _, _ := f.s.SignIn(ctx, account.SignIn{Workspace: 1, Email: "sam@example.com", Password: "sales sales sales"})

		list, err := f.s.MySessions(f.as(f.admin), here.ID)
		if err != nil || len(list) != 2 {
			t.Fatalf("my sessions: %+v %v", list, err)
		}
		for _, o := range list {
			if o.Current != (o.ID == here.ID) || (o.ID == phone.ID && (o.UserAgent != "Phone" || o.Address != "198.51.100.7")) {
				t.Errorf("session %+v", o)
			}
		}

		n, err := f.s.SignOutOthers(f.as(f.admin), here.ID)
		if err != nil || n != 1 {
			t.Fatalf("sign out others: %d %v", n, err)
		}
		if _, _, err := f.s.AuthenticateSession(ctx, phone.Secret); !fault.Is(err, fault.EUNAUTHORIZED) {
			t.Errorf("the phone's session still opens: %v", err)
		}
		for _, s := range []account.Session{here, theirs} {
			if _, _, err := f.s.AuthenticateSession(ctx, s.Secret); err != nil {
				t.Errorf("session %s ended too: %v", s.ID, err)
			}
		}
		if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = ?`, account.ActionSignOutOthers); n != 1 {
			t.Errorf("%d audit entries of signing out others", n)
		}
	})
}

package account_test

import (
	"context"
	"testing"

	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

func TestUpdateWorkspace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		admin := f.as(f.admin)
		name, region, lang := "Lovelace & Co", "gb", "pl"
		if _, err := f.s.UpdateWorkspace(f.as(f.sale), account.WorkspaceChange{Name: &name}); !fault.Is(err, fault.EFORBIDDEN) {
			t.Errorf("a salesperson renames the workspace: %v; want forbidden", err)
		}
		blank, nowhere, klingon := " ", "XX", "not a language!"
		_, err := f.s.UpdateWorkspace(admin, account.WorkspaceChange{Name: &blank, PhoneRegion: &nowhere, Language: &klingon})
		for _, field := range []string{"name", "phone_region", "language"} {
			if !hasField(err, field) {
				t.Errorf("a bad change: no error for %s in %v", field, err)
			}
		}
		ws, err := f.s.UpdateWorkspace(admin, account.WorkspaceChange{Name: &name, PhoneRegion: &region, Language: &lang})
		if err != nil || ws != (account.Workspace{Name: "Lovelace & Co", PhoneRegion: "GB", Language: "pl"}) {
			t.Fatalf("the workspace after the change: %+v, %v", ws, err)
		}
		if got, err := f.s.Workspace(admin); err != nil || got != ws {
			t.Errorf("Workspace = %+v, %v; want %+v", got, err, ws)
		}
		if n := f.count(t, `SELECT count(*) FROM outbox WHERE object = 'workspace' AND action = 'update' AND actor_id = ?`, mustID(f.admin.ID)); n != 1 {
			t.Errorf("%d workspace events in the outbox, want 1", n)
		}
		// A new user whose language nobody picked speaks the workspace's.
		u, err := f.s.CreateUser(context.Background(), 1, "new@example.com", "New", "a long enough secret", "salesperson")
		if err != nil || u.Language != "pl" {
			t.Errorf("a new user: %+v, %v; want the language pl", u, err)
		}
	})
}

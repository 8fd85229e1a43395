package account_test

import (
	"context"
	"testing"

	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

func TestSetUpCreatesTheFirstAdministratorOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := account.NewWithOptions(db, account.Options{Password: cheap})
		if need, err := s.NeedsSetUp(ctx, 1); err != nil || !need {
			t.Fatalf("NeedsSetUp on an empty workspace = %v, %v; want true", need, err)
		}
		_, err := s.SetUp(ctx, 1, account.FirstRun{Workspace: "", BaseCurrency: "EURO", PhoneRegion: "XX",
			Email: "not an address", Password: "short"})
		for _, field := range []string{"workspace", "base_currency", "phone_region", "email", "password"} {
			if !hasField(err, field) {
				t.Errorf("bad set-up: no error for %s in %v", field, err)
			}
		}
		in := account.FirstRun{Workspace: "Lovelace & Co", BaseCurrency: "gbp", PhoneRegion: "gb", Language: "ru",
			Name: "Ada", Email: "ada@example.com", Password: "analytical-engine"}
		u, err := s.SetUp(ctx, 1, in)
		if err != nil {
			t.Fatal(err)
		}
		if u.Role != account.Administrator || u.Language != "ru" || u.Name != "Ada" {
			t.Errorf("first user = %+v; want an administrator called Ada speaking ru", u)
		}
		var name, cur, region string
		err = db.Reader().QueryRowContext(ctx, `SELECT w.name, s.base_currency, s.phone_region FROM workspaces w
			JOIN workspace_settings s ON s.workspace_id = w.id WHERE w.id = 1`).Scan(&name, &cur, &region)
		if err != nil || name != "Lovelace & Co" || cur != "GBP" || region != "GB" {
			t.Errorf("workspace = %q %q %q, %v; want Lovelace & Co, GBP, GB", name, cur, region, err)
		}
		in.Email = "eve@example.com"
		if _, err := s.SetUp(ctx, 1, in); !fault.Is(err, fault.ECONFLICT) {
			t.Errorf("second set-up: %v; want a conflict", err)
		}
		if need, _ := s.NeedsSetUp(ctx, 1); need {
			t.Error("NeedsSetUp after set-up = true")
		}
	})
}

func hasField(err error, field string) bool {
	fe, ok := err.(*fault.Error)
	if !ok {
		return false
	}
	for _, f := range fe.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

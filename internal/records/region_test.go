package records_test

import (
	"context"
	"testing"

	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestPhonesAreReadWithTheWorkspacesCountry checks that a number written
// without a country code is read with the workspace's country when it has
// chosen one, with the server's otherwise, and with a new choice at once;
// and that a filter on a phone reads the typed number the same way.
func TestPhonesAreReadWithTheWorkspacesCountry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db) // the server's region is US
		phone := func(typed string) string {
			t.Helper()
			rec, err := v.e.Create(v.ctx, "contacts", map[string]any{"first_name": "P", "phones": []any{typed}})
			if err != nil {
				t.Fatal(err)
			}
			return rec["phones"].([]any)[0].(map[string]any)["value"].(string)
		}
		if got := phone("(201) 555-0123"); got != "+12015550123" {
			t.Errorf("with the server's country, (201) 555-0123 reads %q", got)
		}
		set := func(region string) {
			t.Helper()
			err := db.Tx(context.Background(), func(q store.Querier) error {
				return v.e.SetPhoneRegion(context.Background(), q, 1, region)
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		set("DE")
		if got := phone("030 12345678"); got != "+493012345678" {
			t.Errorf("in a German workspace, 030 12345678 reads %q", got)
		}
		if r := v.e.PhoneRegion(v.ctx, 1); r != "DE" {
			t.Errorf("the workspace's region reads %q", r)
		}
		page, err := v.e.List(v.ctx, "contacts", records.Query{Filter: &records.Filter{
			Field: "phones", Op: records.Eq, Value: "030 12345678"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Data) != 1 {
			t.Errorf("a filter on the number as typed in Germany found %d contacts", len(page.Data))
		}
		set("GB")
		if got := phone("020 7946 0958"); got != "+442079460958" {
			t.Errorf("after a change to Great Britain, 020 7946 0958 reads %q", got)
		}
	})
}

package records_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestCreateManyWritesWhatCreateWrites stores the same inputs once one at
// a time with Create and once together with CreateMany, and compares
// everything each write left: the refusals, the records as returned and
// as read back, their list index entries, links and events.
func TestCreateManyWritesWhatCreateWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		acme := v.create("companies", `{"name": "Acme"}`)
		hidden := v.create("companies", `{"name": "Gone"}`)
		if err := v.e.Delete(v.ctx, "companies", id(hidden), 1); err != nil {
			t.Fatal(err)
		}
		bodies := []string{
			fmt.Sprintf(`{"first_name": "Ada", "last_name": "Lovelace", "emails": ["ada@example.com"], "phones": ["+1 415 555 0100"],
				"tags": ["vip", "newsletter"], "companies": [{"id": %q, "role": "Countess"}], "birthday": "1815-12-10"}`, id(acme)),
			`{"first_name": "Grace", "emails": ["not an address"]}`,
			`{"first_name": "Alan", "phones": ["12"], "address": {"city": "Wilmslow", "country": "GB"}}`,
			fmt.Sprintf(`{"first_name": "Edsger", "companies": [{"id": %q}]}`, id(hidden)),
			`{"first_name": "Barbara", "companies": [{"id": "999999"}]}`,
			`{"first_name": "Donald", "colour": "blue"}`,
			`{"last_name": "Hopper", "owner_id": "424242"}`,
			`{"first_name": "Linus", "job_title": "Kernel"}`,
		}
		ins := func() []map[string]any {
			out := make([]map[string]any, len(bodies))
			for i, b := range bodies {
				out[i] = in(t, b)
			}
			return out
		}
		var one []records.Record
		var oneErrs []error
		for _, m := range ins() {
			rec, err := v.e.Create(v.ctx, "contacts", m)
			one, oneErrs = append(one, rec), append(oneErrs, err)
		}
		many, manyErrs, err := v.e.CreateMany(v.ctx, "contacts", ins())
		if err != nil {
			t.Fatal(err)
		}
		stored := 0
		for i := range bodies {
			if fmt.Sprint(oneErrs[i]) != fmt.Sprint(manyErrs[i]) {
				t.Errorf("input %d: Create said %v, CreateMany %v", i, oneErrs[i], manyErrs[i])
			}
			if (one[i] == nil) != (many[i] == nil) {
				t.Fatalf("input %d: Create stored %v, CreateMany %v", i, one[i], many[i])
			}
			if many[i] == nil {
				continue
			}
			stored++
			if a, b := comparable(one[i]), comparable(many[i]); a != b {
				t.Errorf("input %d: Create returned\n%s\nCreateMany returned\n%s", i, a, b)
			}
			if a, b := comparable(many[i]), comparable(v.get("contacts", id(many[i]))); a != b {
				t.Errorf("input %d: CreateMany returned\n%s\na read returns\n%s", i, a, b)
			}
			for _, q := range []string{
				`SELECT field || ':' || n || ':' || coalesce(CAST(num AS TEXT), '-') || ':' || coalesce(text, '-') FROM field_values WHERE object = 'contact' AND record_id = ? ORDER BY 1`,
				`SELECT company_id || ':' || coalesce(role, '-') FROM contact_companies WHERE contact_id = ? ORDER BY 1`,
				`SELECT action || ':' || CAST(changes AS TEXT) FROM outbox WHERE object = 'contact' AND record_id = CAST(? AS TEXT) ORDER BY 1`,
			} {
				if a, b := column(t, db, q, id(one[i])), column(t, db, q, id(many[i])); a != b || a == "" && i == 0 {
					t.Errorf("input %d: %s\nCreate left %s\nCreateMany left %s", i, q, a, b)
				}
			}
		}
		if stored != 3 {
			t.Errorf("stored %d of %d inputs, want 3 (Ada, Alan, Linus)", stored, len(bodies))
		}
	})
}

// comparable is rec as JSON without what differs between two creations
// of the same input.
func comparable(rec records.Record) string {
	c := records.Record{}
	for k, v := range rec {
		switch k {
		case "id", "created_at", "updated_at":
		default:
			c[k] = v
		}
	}
	return jsonOf(c)
}

// column returns the rows of a one-column query about record id, joined.
func column(t *testing.T, db *store.DB, query, id string) string {
	t.Helper()
	rows, err := db.Read(context.Background()).QueryContext(context.Background(), query, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := ""
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out += s + "\n"
	}
	return out
}

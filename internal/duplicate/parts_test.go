package duplicate_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/duplicate"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestRebuildInParts checks that a rebuild comparing its blocks a few
// records at a time, reading its keys a few a query, gives the keys,
// pairs and groups that the writes one by one gave, and that a rebuild
// in one part gives.
func TestRebuildInParts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := f.admin()
		first := []string{"Ann", "Anne", "Jan", "Ewa", "Piotr"}
		last := []string{"Lee", "Kowalski", "Nowak"}
		for i := range 40 {
			f.create(ctx, "contact", fmt.Sprintf(`{"first_name": %q, "last_name": %q, "emails": ["p%d@x.example"], "phones": ["+48 601 234 %03d"], "birthday": "1980-0%d-11"}`,
				first[i%5], last[i%3], i%13, i%7, 1+i%3))
		}
		tables := []string{"duplicate_keys", "duplicate_profiles", "duplicate_pairs", "duplicate_groups"}
		writes := dump(t, db, tables)
		if !strings.Contains(writes, "duplicate_pairs") || !strings.Contains(writes, "duplicate_groups") {
			t.Fatalf("no pairs or groups on the writes:\n%s", writes)
		}
		if err := f.svc.Rebuild(context.Background(), 1); err != nil {
			t.Fatal(err)
		}
		whole := dump(t, db, tables)
		t.Logf("pairs %d groups %d", strings.Count(whole, "duplicate_pairs"), strings.Count(whole, "duplicate_groups"))
		restore := duplicate.SetCompareParts(3, 7)
		err := f.svc.Rebuild(context.Background(), 1)
		restore()
		if err != nil {
			t.Fatal(err)
		}
		if parts := dump(t, db, tables); parts != whole {
			t.Errorf("a rebuild in parts:\n%s\nin one part:\n%s", parts, whole)
		}
		if whole != writes {
			t.Errorf("a rebuild:\n%s\nthe writes:\n%s", whole, writes)
		}
	})
}

// dump lists the rows of tables in order, probabilities rounded.
func dump(t *testing.T, db *store.DB, tables []string) string {
	t.Helper()
	var b strings.Builder
	for _, table := range tables {
		cols := map[string]string{
			"duplicate_keys":     "key, record_id",
			"duplicate_profiles": "record_id, owner_id, profile",
			"duplicate_pairs":    "a_id, b_id, round(probability * 1000000), a_owner, b_owner",
			"duplicate_groups":   "group_id, record_id, owner_id",
		}[table]
		rows, err := db.Raw().Query(`SELECT ` + cols + ` FROM ` + table + ` ORDER BY ` + cols)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			vals := make([]any, strings.Count(cols, ",")+1)
			ptrs := make([]any, len(vals))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(&b, table, fmt.Sprint(vals...))
		}
		rows.Close()
	}
	return b.String()
}

package duplicate_test

import (
	"context"
	"slices"
	"testing"

	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestGroupsDoNotChain checks that one record bridging two clusters of
// duplicates joins one of them instead of chaining both into one group,
// on a write and after a rebuild alike.
func TestGroupsDoNotChain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := f.admin()
		// Three records sharing an e-mail; three sharing another e-mail
		// and a phone; the same name throughout.
		var mail, phone []string
		for range 3 {
			mail = append(mail, f.create(ctx, "contact", `{"first_name": "Ann", "last_name": "Lee", "emails": ["ann@x.example"]}`))
		}
		for range 3 {
			phone = append(phone, f.create(ctx, "contact", `{"first_name": "Ann", "last_name": "Lee", "emails": ["lee@y.example"], "phones": ["+1 312 555 0199"]}`))
		}
		before := f.pages(ctx, 50)
		if len(before) != 2 || !slices.Equal(before[0].IDs, sorted(mail...)) || !slices.Equal(before[1].IDs, sorted(phone...)) {
			t.Fatalf("groups before the bridge: %v", before)
		}
		// The bridge holds the first e-mail and the phone: a duplicate of
		// all six, but the two sides are duplicates of only a quarter of
		// each other's members with it, so they stay apart.
		bridge := f.create(ctx, "contact", `{"first_name": "Ann", "last_name": "Lee", "emails": ["ann@x.example"], "phones": ["+1 312 555 0199"]}`)
		if got := f.of(ctx, "contact", bridge); !slices.Equal(got, sorted(append(slices.Clone(mail), phone...)...)) {
			t.Fatalf("the bridge's duplicates: %v", got)
		}
		after := f.pages(ctx, 50)
		if len(after) != 2 {
			t.Fatalf("groups after the bridge: %v", after)
		}
		for _, g := range after {
			if slices.Contains(g.IDs, mail[0]) && slices.Contains(g.IDs, phone[0]) {
				t.Fatalf("the bridge chained both clusters: %v", after)
			}
			if len(g.IDs) != 3 && !slices.Contains(g.IDs, bridge) {
				t.Errorf("group %v", g.IDs)
			}
		}
		// Groups built on the writes are those a rebuild gives.
		if err := f.svc.Rebuild(context.Background(), 1); err != nil {
			t.Fatal(err)
		}
		rebuilt := f.pages(ctx, 50)
		if len(rebuilt) != len(after) {
			t.Fatalf("after Rebuild: %v, on the writes: %v", rebuilt, after)
		}
		for i := range after {
			if !slices.Equal(rebuilt[i].IDs, after[i].IDs) {
				t.Errorf("after Rebuild: %v, on the writes: %v", rebuilt, after)
			}
		}
		// Without the bridge, the two clusters are as they were.
		if err := f.engine.Delete(ctx, "contact", bridge, 0); err != nil {
			t.Fatal(err)
		}
		if g := f.pages(ctx, 50); len(g) != 2 || !slices.Equal(g[0].IDs, before[0].IDs) || !slices.Equal(g[1].IDs, before[1].IDs) {
			t.Errorf("groups after the bridge's delete: %v", g)
		}
	})
}

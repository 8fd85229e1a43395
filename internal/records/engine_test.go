package records_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

func TestLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		acme := v.create("companies", `{"name": "Acme", "website": "www.acme.com"}`)
		if acme["domain"] != "acme.com" {
			t.Errorf("domain = %v, want it taken from the website", acme["domain"])
		}
		c := v.create("contacts", fmt.Sprintf(`{"first_name": " Ada ", "last_name": "Lovelace", "job_title": "Analyst",
			"emails": ["ada@example.com"], "companies": [{"id": %q, "role": "Countess"}]}`, id(acme)))
		if version(c) != 1 || c["full_name"] != "Ada Lovelace" || c["first_name"] != "Ada" {
			t.Fatalf("created %v", c)
		}

		got := v.get("contacts", id(c))
		if jsonOf(got) != jsonOf(c) {
			t.Errorf("get returned\n%s\ncreate returned\n%s", jsonOf(got), jsonOf(c))
		}

		// A partial update leaves the other fields alone.
		up, err := v.e.Update(v.ctx, "contacts", id(c), 1, in(t, `{"last_name": "King"}`))
		if err != nil {
			t.Fatal(err)
		}
		if version(up) != 2 || up["last_name"] != "King" || up["full_name"] != "Ada King" || up["job_title"] != "Analyst" ||
			jsonOf(up["emails"]) != jsonOf(c["emails"]) || jsonOf(up["companies"]) != jsonOf(c["companies"]) {
			t.Fatalf("updated %v", up)
		}
		if got := v.get("contacts", id(c)); jsonOf(got) != jsonOf(up) {
			t.Errorf("get after update returned\n%s\nupdate returned\n%s", jsonOf(got), jsonOf(up))
		}

		// Clearing a field with null.
		up, err = v.e.Update(v.ctx, "contacts", id(c), 2, in(t, `{"job_title": null, "emails": []}`))
		if err != nil {
			t.Fatal(err)
		}
		if up["job_title"] != nil || up["emails"] != nil || version(up) != 3 {
			t.Fatalf("cleared %v", up)
		}

		// Soft delete: gone from get and list unless asked for.
		if err := v.e.Delete(v.ctx, "contacts", id(c), 3); err != nil {
			t.Fatal(err)
		}
		_, err = v.e.Get(v.ctx, "contacts", id(c), false)
		wantCode(t, err, fault.ENOTFOUND)
		trashed, err := v.e.Get(v.ctx, "contacts", id(c), true)
		if err != nil || trashed["deleted_at"] == nil || version(trashed) != 4 {
			t.Fatalf("get with deleted: %v %v", trashed, err)
		}
		if err := v.e.Delete(v.ctx, "contacts", id(c), 0); fault.Code(err) != fault.ENOTFOUND {
			t.Errorf("second delete: %v, want not found", err)
		}
		_, err = v.e.Update(v.ctx, "contacts", id(c), 4, in(t, `{"last_name": "X"}`))
		wantCode(t, err, fault.ENOTFOUND)
		// The link stays, hidden from the company while the contact is in
		// the trash.
		if co := v.get("companies", id(acme)); jsonOf(co["contacts"]) != "[]" {
			t.Errorf("company of a deleted contact lists %v", co["contacts"])
		}

		restored, err := v.e.Restore(v.ctx, "contacts", id(c))
		if err != nil {
			t.Fatal(err)
		}
		if restored["deleted_at"] != nil || version(restored) != 5 || restored["last_name"] != "King" {
			t.Fatalf("restored %v", restored)
		}
		_, err = v.e.Restore(v.ctx, "contacts", id(c))
		wantCode(t, err, fault.ECONFLICT)
		if co := v.get("companies", id(acme)); jsonOf(co["contacts"]) != fmt.Sprintf(`[{"id":%q,"role":"Countess"}]`, id(c)) {
			t.Errorf("company of a restored contact lists %v", jsonOf(co["contacts"]))
		}

		// Purge removes the record and its links, whether or not it is in
		// the trash.
		if err := v.e.Purge(v.ctx, "contacts", id(c), 0); err != nil {
			t.Fatal(err)
		}
		_, err = v.e.Get(v.ctx, "contacts", id(c), true)
		wantCode(t, err, fault.ENOTFOUND)
		if n := v.count(`SELECT count(*) FROM contact_companies`); n != 0 {
			t.Errorf("%d links left after purge", n)
		}
		if err := v.e.Purge(v.ctx, "contacts", id(c), 0); fault.Code(err) != fault.ENOTFOUND {
			t.Errorf("second purge: %v, want not found", err)
		}
		if co := v.get("companies", id(acme)); version(co) != 1 {
			t.Errorf("purging a contact changed its company: %v", co)
		}
	})
}

func TestPurgeCompanyRemovesLinks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		a := v.create("companies", `{"name": "A"}`)
		b := v.create("companies", `{"name": "B"}`)
		c := v.create("contacts", fmt.Sprintf(`{"first_name": "C", "companies": [%q, %q]}`, id(a), id(b)))
		if err := v.e.Delete(v.ctx, "companies", id(a), 0); err != nil {
			t.Fatal(err)
		}
		if err := v.e.Purge(v.ctx, "companies", id(a), 0); err != nil {
			t.Fatal(err)
		}
		if n := v.count(`SELECT count(*) FROM contact_companies WHERE company_id = ?`, id(a)); n != 0 {
			t.Errorf("%d links to the purged company remain", n)
		}
		if got := v.get("contacts", id(c)); jsonOf(got["companies"]) != fmt.Sprintf(`[{"id":%q}]`, id(b)) {
			t.Errorf("contact links %s after purge", jsonOf(got["companies"]))
		}
	})
}

func TestUnknownObjectAndBadIDs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		_, err := v.e.Create(v.ctx, "widgets", map[string]any{})
		wantCode(t, err, fault.ENOTFOUND)
		_, err = v.e.List(v.ctx, "widgets", records.Query{})
		wantCode(t, err, fault.ENOTFOUND)
		for _, bad := range []string{"", "0", "-1", "abc", "1.5", "99999999999999999999", "12345"} {
			_, err := v.e.Get(v.ctx, "contacts", bad, true)
			wantCode(t, err, fault.ENOTFOUND)
			_, err = v.e.Update(v.ctx, "contacts", bad, 1, map[string]any{})
			wantCode(t, err, fault.ENOTFOUND)
			wantCode(t, v.e.Delete(v.ctx, "contacts", bad, 0), fault.ENOTFOUND)
			wantCode(t, v.e.Purge(v.ctx, "contacts", bad, 0), fault.ENOTFOUND)
			_, err = v.e.Restore(v.ctx, "contacts", bad)
			wantCode(t, err, fault.ENOTFOUND)
		}
		// No actor, no access.
		_, err = v.e.List(context.Background(), "contacts", records.Query{})
		wantCode(t, err, fault.EUNAUTHORIZED)
		// A read-only token reads but does not write.
		ro := access.WithActor(context.Background(), access.Actor{WorkspaceID: 1, ReadOnly: true})
		_, err = v.e.Create(ro, "contacts", map[string]any{"first_name": "X"})
		wantCode(t, err, fault.EFORBIDDEN)
		if _, err := v.e.List(ro, "contacts", records.Query{}); err != nil {
			t.Error(err)
		}
	})
}

func TestStaleVersion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		c := v.create("contacts", `{"first_name": "Ada"}`)
		if _, err := v.e.Update(v.ctx, "contacts", id(c), 1, in(t, `{"first_name": "Bea"}`)); err != nil {
			t.Fatal(err)
		}
		before := v.snapshot()
		_, err := v.e.Update(v.ctx, "contacts", id(c), 1, in(t, `{"first_name": "Cy"}`))
		wantCode(t, err, fault.ECONFLICT)
		wantCode(t, v.e.Delete(v.ctx, "contacts", id(c), 1), fault.ECONFLICT)
		if after := v.snapshot(); after != before {
			t.Errorf("a stale write changed the database: %s → %s", before, after)
		}
		if got := v.get("contacts", id(c)); got["first_name"] != "Bea" || version(got) != 2 {
			t.Errorf("after stale writes: %v", got)
		}
	})
}

// TestConcurrentWrites starts several writes from the same version at once:
// exactly one may win, and the others must be told of the conflict.
func TestConcurrentWrites(t *testing.T) {
	const n = 6
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		// Rounds: updates twice, then deletes, then purges.
		for round := range 4 {
			c := v.create("contacts", `{"first_name": "Ada"}`)
			skip := len(v.events(1, 0))
			var wg sync.WaitGroup
			errs := make([]error, n)
			for i := range n {
				wg.Go(func() {
					var err error
					switch round {
					case 0, 1:
						_, err = v.e.Update(v.ctx, "contacts", id(c), 1, map[string]any{"first_name": fmt.Sprint("Writer ", i)})
					case 2:
						err = v.e.Delete(v.ctx, "contacts", id(c), 1)
					case 3:
						err = v.e.Purge(v.ctx, "contacts", id(c), 0)
					}
					errs[i] = err
				})
			}
			wg.Wait()
			winner := -1
			for i, err := range errs {
				switch {
				case err == nil && winner >= 0:
					t.Errorf("round %d: writers %d and %d both won", round, winner, i)
				case err == nil:
					winner = i
				case fault.Code(err) == fault.ECONFLICT, round >= 2 && fault.Code(err) == fault.ENOTFOUND:
				default:
					t.Errorf("round %d: writer %d: %v", round, i, err)
				}
			}
			if winner < 0 {
				t.Fatalf("round %d: nobody won: %v", round, errs)
			}
			if evs := v.events(1, skip); len(evs) != 1 {
				t.Errorf("round %d: %d events for one winning write: %+v", round, len(evs), evs)
			}
			if round == 3 {
				_, err := v.e.Get(v.ctx, "contacts", id(c), true)
				wantCode(t, err, fault.ENOTFOUND)
				continue
			}
			got := v.get("contacts", id(c))
			if version(got) != 2 {
				t.Errorf("round %d: version %d after one winning write", round, version(got))
			}
			if round < 2 && got["first_name"] != fmt.Sprint("Writer ", winner) {
				t.Errorf("round %d: first_name %v, winner was %d", round, got["first_name"], winner)
			}
		}
	})
}

func TestOutbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		var actor int64
		fmt.Sscan(v.user, &actor)
		co := v.create("companies", `{"name": "Acme"}`)
		skip := len(v.events(1, 0))

		// expect checks that the write just done left exactly one event.
		expect := func(action, recordID string, fields ...string) event {
			t.Helper()
			evs := v.events(1, skip)
			skip += len(evs)
			if len(evs) != 1 {
				t.Fatalf("%s left %d events, want 1: %+v", action, len(evs), evs)
			}
			ev := evs[0]
			if ev.Object != "contact" || ev.RecordID != recordID || ev.Action != action || ev.Actor == nil || *ev.Actor != actor {
				t.Errorf("event %+v, want contact %s %s by %d", ev, recordID, action, actor)
			}
			var got []string
			for k := range ev.Changes {
				got = append(got, k)
			}
			slices.Sort(got)
			slices.Sort(fields)
			if fields != nil && !slices.Equal(got, fields) {
				t.Errorf("%s event changes %q, want %q", action, got, fields)
			}
			return ev
		}

		// Empty values are no change.
		empty := v.create("contacts", `{"first_name": "E", "job_title": null, "tags": [], "emails": [], "companies": [], "address": {}}`)
		expect("create", id(empty), "first_name", "full_name", "owner_id") // the actor owns what it creates

		c := v.create("contacts", fmt.Sprintf(`{"first_name": "Ada", "last_name": "Lovelace", "job_title": null, "tags": ["a"], "companies": [%q]}`, id(co)))
		ev := expect("create", id(c), "first_name", "last_name", "full_name", "tags", "companies", "owner_id")
		if ch := ev.Changes["full_name"]; ch.Before != nil || ch.After != "Ada Lovelace" {
			t.Errorf("create full_name change %+v", ch)
		}

		_, err := v.e.Update(v.ctx, "contacts", id(c), 1, in(t, `{"last_name": "King", "first_name": "Ada", "tags": ["a"]}`))
		if err != nil {
			t.Fatal(err)
		}
		ev = expect("update", id(c), "last_name", "full_name")
		if ch := ev.Changes["last_name"]; ch.Before != "Lovelace" || ch.After != "King" {
			t.Errorf("update last_name change %+v", ch)
		}

		// A write that changes nothing is no event and no new version.
		same, err := v.e.Update(v.ctx, "contacts", id(c), 2, in(t, `{"last_name": "King"}`))
		if err != nil || version(same) != 2 {
			t.Fatalf("no-op update: %v %v", same, err)
		}
		if evs := v.events(1, skip); len(evs) != 0 {
			t.Errorf("no-op update left events %+v", evs)
		}

		if _, err := v.e.Update(v.ctx, "contacts", id(c), 2, in(t, `{"companies": []}`)); err != nil {
			t.Fatal(err)
		}
		expect("update", id(c), "companies")

		if err := v.e.Delete(v.ctx, "contacts", id(c), 3); err != nil {
			t.Fatal(err)
		}
		ev = expect("delete", id(c), "deleted_at")
		if ch := ev.Changes["deleted_at"]; ch.Before != nil || ch.After == nil {
			t.Errorf("delete change %+v", ch)
		}
		if _, err := v.e.Restore(v.ctx, "contacts", id(c)); err != nil {
			t.Fatal(err)
		}
		ev = expect("restore", id(c), "deleted_at")
		if ch := ev.Changes["deleted_at"]; ch.Before == nil || ch.After != nil {
			t.Errorf("restore change %+v", ch)
		}
		if err := v.e.Purge(v.ctx, "contacts", id(c), 0); err != nil {
			t.Fatal(err)
		}
		ev = expect("purge", id(c))
		if ch := ev.Changes["last_name"]; ch.Before != "King" || ch.After != nil {
			t.Errorf("purge change %+v", ch)
		}

		// Refused writes leave no event, even when refused inside the
		// transaction (a reference to a missing record).
		_, err = v.e.Create(v.ctx, "contacts", in(t, `{"first_name": "X", "companies": ["999"]}`))
		wantInvalid(t, err, "companies[0].id")
		if evs := v.events(1, skip); len(evs) != 0 {
			t.Errorf("refused create left events %+v", evs)
		}
	})
}

func TestWorkspaceIsolation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		addWorkspace(t, db, 2)
		other := &env{t: t, db: db, e: v.e}
		other.user = addUser(t, db, 2, "other@example.com")
		other.ctx = actorCtx(2, other.user)
		other.addField("contacts", records.FieldSpec{Name: "secret", Type: records.Text})
		other.addField("contacts", records.FieldSpec{Name: "employer", Type: records.Relation, Target: "companies"})
		v.addField("contacts", records.FieldSpec{Name: "employer", Type: records.Relation, Target: "companies"})

		theirCo := other.create("companies", `{"name": "Theirs"}`)
		theirs := other.create("contacts", fmt.Sprintf(`{"first_name": "Hidden", "secret": "s", "owner_id": %q,
			"employer": %q, "companies": [%q]}`, other.user, id(theirCo), id(theirCo)))
		mine := v.create("contacts", `{"first_name": "Mine"}`)
		before := v.snapshot()
		ourEvents := len(v.events(1, 0))

		_, err := v.e.Get(v.ctx, "contacts", id(theirs), true)
		wantCode(t, err, fault.ENOTFOUND)
		_, err = v.e.Get(v.ctx, "companies", id(theirCo), true)
		wantCode(t, err, fault.ENOTFOUND)
		_, err = v.e.Update(v.ctx, "contacts", id(theirs), 1, in(t, `{"first_name": "Pwned"}`))
		wantCode(t, err, fault.ENOTFOUND)
		wantCode(t, v.e.Delete(v.ctx, "contacts", id(theirs), 0), fault.ENOTFOUND)
		wantCode(t, v.e.Purge(v.ctx, "companies", id(theirCo), 0), fault.ENOTFOUND)
		_, err = v.e.Restore(v.ctx, "contacts", id(theirs))
		wantCode(t, err, fault.ENOTFOUND)

		// References into the other workspace are refused.
		for _, body := range []struct{ body, field string }{
			{fmt.Sprintf(`{"companies": [%q]}`, id(theirCo)), "companies[0].id"},
			{fmt.Sprintf(`{"owner_id": %q}`, other.user), "owner_id"},
			{fmt.Sprintf(`{"employer": %q}`, id(theirCo)), "employer"},
			{`{"secret": "x"}`, "secret"}, // their custom field is not ours
		} {
			_, err := v.e.Create(v.ctx, "contacts", in(t, body.body))
			wantInvalid(t, err, body.field)
			_, err = v.e.Update(v.ctx, "contacts", id(mine), 1, in(t, body.body))
			wantInvalid(t, err, body.field)
		}
		_, err = v.e.Create(v.ctx, "companies", in(t, fmt.Sprintf(`{"name": "X", "contacts": [%q]}`, id(theirs))))
		wantInvalid(t, err, "contacts[0].id")

		// Lists and counts hide them, whatever the filter.
		for _, q := range []records.Query{
			{Count: true},
			{Count: true, Deleted: "include"},
			{Count: true, Filter: &records.Filter{Field: "id", Op: records.Eq, Value: id(theirs)}},
			{Count: true, Filter: &records.Filter{Field: "companies", Op: records.Eq, Value: id(theirCo)}},
			{Count: true, Filter: &records.Filter{Field: "employer", Op: records.Eq, Value: id(theirCo)}},
			{Count: true, Filter: &records.Filter{Field: "owner_id", Op: records.Eq, Value: other.user}},
		} {
			page, err := v.e.List(v.ctx, "contacts", q)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range page.Data {
				if id(r) == id(theirs) {
					t.Errorf("list %+v shows the other workspace's record", q)
				}
			}
			if want := int64(len(page.Data)); *page.Total != want || want > 1 {
				t.Errorf("list %+v counts %d", q, *page.Total)
			}
		}

		if after := v.snapshot(); after != before {
			t.Errorf("refused writes changed the database: %s → %s", before, after)
		}
		if n := len(v.events(1, 0)); n != ourEvents {
			t.Errorf("refused writes left %d events", n-ourEvents)
		}
		if got := other.get("contacts", id(theirs)); version(got) != 1 || got["first_name"] != "Hidden" || got["secret"] != "s" {
			t.Errorf("their record is now %v", got)
		}
	})
}

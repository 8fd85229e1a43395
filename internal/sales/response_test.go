package sales_test

import (
	"context"
	"database/sql"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/activity"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestFirstResponseFollowsWrites checks the first response kept on a deal
// against the definition worked out from the activities, after each kind
// of write that can change it: an activity made, moved to another deal,
// given to another owner, deleted and restored, and the deal given to
// another owner.
func TestFirstResponseFollowsWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		activity.New(db, f.engine, activity.Options{Logger: slog.New(slog.DiscardHandler), PhoneRegion: "GB"})
		rep, admin := strconv.FormatInt(f.repID, 10), strconv.FormatInt(f.adminID, 10)
		deal := f.create(f.admin, "deal", `{"title": "D", "owner_id": "`+rep+`"}`)
		other := f.create(f.admin, "deal", `{"title": "E", "owner_id": "`+rep+`"}`)
		about := func(id string) string { return `"record_type": "deal", "record_id": "` + id + `"` }

		// stored reads the deal's first_response_at; want works it out.
		stored := func(id string) sql.NullString {
			var v sql.NullString
			if err := db.Reader().QueryRowContext(context.Background(), `SELECT CAST(first_response_at AS TEXT) FROM deals WHERE workspace_id = 1 AND id = ?`, id).Scan(&v); err != nil {
				t.Fatal(err)
			}
			return v
		}
		want := func(id string) sql.NullString {
			var v sql.NullString
			err := db.Reader().QueryRowContext(context.Background(), `SELECT CAST(min(a.occurred_at) AS TEXT) FROM activities a JOIN deals d ON d.workspace_id = a.workspace_id
				AND CAST(d.id AS TEXT) = a.record_id WHERE a.workspace_id = 1 AND a.record_type = 'deal' AND a.record_id = ?
				AND a.owner_id = d.owner_id AND a.occurred_at >= d.created_at AND a.deleted_at IS NULL`, id).Scan(&v)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		check := func(step string, wantSet bool) {
			t.Helper()
			for _, id := range []string{deal, other} {
				if got, w := stored(id), want(id); got != w {
					t.Fatalf("%s: deal %s: first response %v, want %v", step, id, got, w)
				}
			}
			if got := stored(deal); got.Valid != wantSet {
				t.Fatalf("%s: first response %v, want set %v", step, got, wantSet)
			}
		}

		check("new deal", false)
		later := f.now().Add(time.Hour).UTC().Format(time.RFC3339)
		call := f.create(f.admin, "call", `{"direction": "outbound", "started_at": "`+later+`", `+about(deal)+`, "owner_id": "`+admin+`"}`)
		check("a call of someone else's", false)
		note := f.create(f.rep, "note", `{"body": "N", `+about(deal)+`}`)
		check("the owner's note", true)
		if _, err := f.update(f.rep, "note", note, `{"record_id": "`+other+`"}`); err != nil {
			t.Fatal(err)
		}
		check("the note moved to another deal", false)
		if _, err := f.update(f.admin, "deal", deal, `{"owner_id": "`+admin+`"}`); err != nil {
			t.Fatal(err)
		}
		check("the deal given to the caller", true)
		if err := f.engine.Delete(f.admin, "call", call, 1); err != nil {
			t.Fatal(err)
		}
		check("the call deleted", false)
		if _, err := f.engine.Restore(f.admin, "call", call); err != nil {
			t.Fatal(err)
		}
		check("the call restored", true)
		before := f.now().Add(-24 * time.Hour).UTC().Format(time.RFC3339)
		if _, err := f.update(f.admin, "call", call, `{"started_at": "`+before+`"}`); err != nil {
			t.Fatal(err)
		}
		check("the call moved to before the deal", false)
		if _, err := f.update(f.admin, "call", call, `{"started_at": "`+later+`"}`); err != nil {
			t.Fatal(err)
		}
		check("the call moved back", true)
		if _, err := f.update(f.admin, "call", call, `{"owner_id": "`+rep+`"}`); err != nil {
			t.Fatal(err)
		}
		check("the call given to someone else", false)
	})
}

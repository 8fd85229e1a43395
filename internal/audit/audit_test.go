package audit_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/audit"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

var quiet = slog.New(slog.DiscardHandler)

// addUser creates a user of workspace 1 and returns its id.
func addUser(t *testing.T, db *store.DB, email string) int64 {
	t.Helper()
	u, err := account.New(db).CreateUser(context.Background(), 1, email, "Someone", "correct horse battery", "administrator")
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	fmt.Sscan(u.ID, &id)
	return id
}

// as returns a context acting as user in workspace ws.
func as(ws, user int64) context.Context {
	return access.WithActor(context.Background(), access.Actor{WorkspaceID: ws, UserID: user, Role: "administrator"})
}

func consume(t *testing.T, db *store.DB) int {
	t.Helper()
	n, err := audit.NewConsumer(db, audit.Options{Logger: quiet}).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func list(t *testing.T, ctx context.Context, db *store.DB, f audit.Filter) []audit.Entry {
	t.Helper()
	page, err := audit.List(ctx, db, f, "", audit.MaxLimit)
	if err != nil {
		t.Fatal(err)
	}
	return page.Data
}

func TestRecordChangesReachTheTrail(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		user := addUser(t, db, "ada@example.com")
		ctx := as(1, user)
		engine := records.New(db, records.Options{Logger: quiet})
		rec, err := engine.Create(ctx, "contact", map[string]any{"first_name": "Ada", "last_name": "Byron"})
		if err != nil {
			t.Fatal(err)
		}
		id := rec["id"].(string)
		if _, err := engine.Update(ctx, "contact", id, 1, map[string]any{"last_name": "Lovelace"}); err != nil {
			t.Fatal(err)
		}
		if err := engine.Delete(ctx, "contact", id, 2); err != nil {
			t.Fatal(err)
		}
		if n := consume(t, db); n < 3 { // creating the user is an event too
			t.Fatalf("copied %d events, want at least 3", n)
		}
		if n := consume(t, db); n != 0 {
			t.Fatalf("a second run copied %d events again", n)
		}
		entries := list(t, ctx, db, audit.Filter{Object: "contact", RecordID: id})
		if len(entries) != 3 {
			t.Fatalf("%d entries, want 3: %+v", len(entries), entries)
		}
		for i, action := range []string{"delete", "update", "create"} { // newest first
			e := entries[i]
			if e.Action != action || e.ActorID != user || e.Object != "contact" || e.RecordID != id || e.At.IsZero() {
				t.Errorf("entry %d: %+v, want %s by %d", i, e, action, user)
			}
		}
		if c := entries[2].Changes["last_name"]; c.Before != nil || c.After != "Byron" {
			t.Errorf("create: last_name %+v", c)
		}
		if c := entries[1].Changes["last_name"]; c.Before != "Byron" || c.After != "Lovelace" || len(entries[1].Changes) != 2 {
			t.Errorf("update: changes %+v", entries[1].Changes) // last_name and the derived full_name
		}
		if c := entries[0].Changes["deleted_at"]; c.Before != nil || c.After == nil {
			t.Errorf("delete: deleted_at %+v", c)
		}
	})
}

func TestRecordAndFilters(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		bg := context.Background()
		base := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
		entries := []audit.Entry{
			{WorkspaceID: 1, ActorID: 5, ActorAddress: "192.0.2.7", Action: audit.ActionSignIn, At: base},
			{WorkspaceID: 1, Action: audit.ActionSignInFailed, ActorAddress: "198.51.100.1", At: base.Add(time.Hour),
				Changes: map[string]audit.Change{"email": {After: "who@example.com"}}},
			{WorkspaceID: 1, ActorID: 6, Action: audit.ActionRoleChange, Object: "user", RecordID: "5", At: base.Add(2 * time.Hour),
				Changes: map[string]audit.Change{"role": {Before: "salesperson", After: "manager"}}},
			{WorkspaceID: 1, ActorID: 5, Action: audit.ActionExport, Object: "contact", At: base.Add(3 * time.Hour)},
			{WorkspaceID: 2, ActorID: 9, Action: audit.ActionSignIn, At: base.Add(time.Hour)},
		}
		for _, e := range entries {
			err := db.Tx(bg, func(q store.Querier) error { return audit.Record(bg, q, db.Dialect, e) })
			if err != nil {
				t.Fatal(err)
			}
		}
		ctx := as(1, 6)
		tests := []struct {
			name    string
			filter  audit.Filter
			actions []string
		}{
			{"all of the workspace", audit.Filter{}, []string{"export", "role_change", "sign_in_failed", "sign_in"}},
			{"by user", audit.Filter{UserID: 5}, []string{"export", "sign_in"}},
			{"by action", audit.Filter{Action: audit.ActionSignIn}, []string{"sign_in"}},
			{"by record", audit.Filter{Object: "user", RecordID: "5"}, []string{"role_change"}},
			{"by time", audit.Filter{From: base.Add(time.Hour), To: base.Add(3 * time.Hour)}, []string{"role_change", "sign_in_failed"}},
		}
		for _, tt := range tests {
			var got []string
			for _, e := range list(t, ctx, db, tt.filter) {
				got = append(got, e.Action)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.actions) {
				t.Errorf("%s: %v, want %v", tt.name, got, tt.actions)
			}
		}
		role := list(t, ctx, db, audit.Filter{Action: audit.ActionRoleChange})[0]
		if role.ActorID != 6 || role.Changes["role"].Before != "salesperson" || role.Changes["role"].After != "manager" {
			t.Errorf("role change entry %+v", role)
		}
		if failed := list(t, ctx, db, audit.Filter{Action: audit.ActionSignInFailed})[0]; failed.ActorID != 0 || failed.ActorAddress != "198.51.100.1" {
			t.Errorf("failed sign-in entry %+v", failed)
		}
	})
}

func TestListPagesWithACursor(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		bg := context.Background()
		at := time.Now().Add(-time.Hour)
		err := db.Tx(bg, func(q store.Querier) error {
			for i := 0; i < 7; i++ {
				// Entries 2 and 3 share a time: the id breaks the tie.
				e := audit.Entry{WorkspaceID: 1, Action: fmt.Sprintf("a%d", i), At: at.Add(time.Duration(i/2) * time.Second)}
				if err := audit.Record(bg, q, db.Dialect, e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		cursor := ""
		for pages := 0; pages < 10; pages++ {
			page, err := audit.List(as(1, 1), db, audit.Filter{}, cursor, 3)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range page.Data {
				got = append(got, e.Action)
			}
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		if fmt.Sprint(got) != "[a6 a5 a4 a3 a2 a1 a0]" {
			t.Errorf("pages gave %v", got)
		}
		if _, err := audit.List(as(1, 1), db, audit.Filter{}, "not-a-cursor", 3); !fault.Is(err, fault.EINVALID) {
			t.Errorf("bad cursor: %v", err)
		}
		if _, err := audit.List(context.Background(), db, audit.Filter{}, "", 3); !fault.Is(err, fault.EUNAUTHORIZED) {
			t.Errorf("no actor: %v", err)
		}
	})
}

func TestPurgeRemovesOnlyOldEntries(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		bg := context.Background()
		now := time.Now()
		err := db.Tx(bg, func(q store.Querier) error {
			for _, age := range []time.Duration{400 * 24 * time.Hour, 366 * 24 * time.Hour, 10 * 24 * time.Hour, 0} {
				if err := audit.Record(bg, q, db.Dialect, audit.Entry{WorkspaceID: 1, Action: "export", At: now.Add(-age)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n, err := audit.Purge(bg, db, 0); n != 0 || err != nil {
			t.Fatalf("retention 0 purged %d, %v", n, err)
		}
		if n, err := audit.Purge(bg, db, 365*24*time.Hour); n != 2 || err != nil {
			t.Fatalf("purged %d, %v; want 2", n, err)
		}
		if left := list(t, as(1, 1), db, audit.Filter{}); len(left) != 2 {
			t.Errorf("%d entries left, want 2", len(left))
		}
	})
}

func TestRecordNeedsWorkspaceAndAction(t *testing.T) {
	t.Parallel()
	db := storetest.SQLite(t)
	bg := context.Background()
	for _, e := range []audit.Entry{{Action: "export"}, {WorkspaceID: 1}} {
		err := db.Tx(bg, func(q store.Querier) error { return audit.Record(bg, q, db.Dialect, e) })
		if err == nil {
			t.Errorf("%+v was recorded", e)
		}
	}
}

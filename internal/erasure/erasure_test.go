package erasure_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/activity"
	"github.com/rapport-crm/rapport/internal/duplicate"
	"github.com/rapport-crm/rapport/internal/erasure"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestReapply erases again, as a restore would after bringing back a
// backup taken before the erasures: the ids listed are erased, an id the
// database does not hold is skipped, and Erased lists what was erased.
func TestReapply(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		quiet := slog.New(slog.DiscardHandler)
		engine := records.New(db, records.Options{Policy: access.NewRolePolicy(db), Logger: quiet})
		activity.New(db, engine, activity.Options{Logger: quiet})
		duplicate.New(db, engine, duplicate.Options{Logger: quiet})
		admin := accesstest.AddUser(t, db, 1, "admin@example.com", access.RoleAdministrator, 0)
		ctx := access.WithActor(context.Background(), access.Actor{WorkspaceID: 1, UserID: admin, Role: access.RoleAdministrator})
		made := func(list string, in map[string]any) string {
			t.Helper()
			rec, err := engine.Create(ctx, list, in)
			if err != nil {
				t.Fatal(err)
			}
			return rec["id"].(string)
		}
		grace := made("contacts", map[string]any{"first_name": "Grace", "last_name": "Hopper", "emails": []any{"grace@navy.example"}})
		twin := made("contacts", map[string]any{"first_name": "Grace", "last_name": "Hopper", "emails": []any{"grace@navy.example"}})
		note := made("notes", map[string]any{"body": "Called about COBOL", "record_type": "contact", "record_id": grace})
		pairs := func() int {
			t.Helper()
			var n int
			if err := db.Reader().QueryRowContext(ctx, `SELECT count(*) FROM duplicate_pairs WHERE workspace_id = 1`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if pairs() != 1 {
			t.Fatalf("the twins are not a duplicate pair before the erasure: %d pairs", pairs())
		}

		n, err := erasure.Reapply(context.Background(), db, engine, 1, []string{grace, "999999"})
		if err != nil || n != 1 {
			t.Fatalf("reapplied %d, %v; want 1", n, err)
		}
		if rec, _ := engine.Get(ctx, "contacts", grace, false); rec["full_name"] != erasure.Name || rec["emails"] != nil {
			t.Errorf("the contact after Reapply: %v", rec)
		}
		if rec, _ := engine.Get(ctx, "notes", note, false); rec["body"] != erasure.Text {
			t.Errorf("the note after Reapply: %v", rec)
		}
		if rec, _ := engine.Get(ctx, "contacts", twin, false); rec["full_name"] != "Grace Hopper" {
			t.Errorf("the other contact changed: %v", rec)
		}
		// The twin no longer has the erased contact as its duplicate.
		if n := pairs(); n != 0 {
			t.Errorf("%d duplicate pairs left", n)
		}
		ids, err := erasure.Erased(ctx, db, 1)
		if err != nil || !slices.Equal(ids, []string{grace}) {
			t.Errorf("erased %v, %v; want [%s]", ids, err, grace)
		}
		// Only an administrator erases.
		seller := accesstest.AddUser(t, db, 1, "seller@example.com", access.RoleSalesperson, 0)
		as := access.WithActor(context.Background(), access.Actor{WorkspaceID: 1, UserID: seller, Role: access.RoleSalesperson})
		if _, err := erasure.Contact(as, db, engine, twin); fault.Code(err) != fault.EFORBIDDEN {
			t.Errorf("a salesperson erasing: %v", err)
		}
	})
}

// TestRequiredCustomFields: a contact whose workspace requires custom
// fields of every type that takes text is erased all the same, each
// required field holding a placeholder that its type accepts.
func TestRequiredCustomFields(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		engine := records.New(db, records.Options{Policy: access.NewRolePolicy(db), Logger: slog.New(slog.DiscardHandler)})
		admin := accesstest.AddUser(t, db, 1, "admin@example.com", access.RoleAdministrator, 0)
		ctx := access.WithActor(context.Background(), access.Actor{WorkspaceID: 1, UserID: admin, Role: access.RoleAdministrator})
		in := map[string]any{"first_name": "Grace"}
		values := map[records.Type]any{
			records.Text: "qzx", records.LongText: "qzx", records.Email: []any{"qzx@example.com"}, records.Phone: []any{"+1 415 555 0199"},
			records.URL: "https://qzx.example", records.URLs: []any{"https://qzx.example"}, records.Tags: []any{"qzx"},
			records.Address: map[string]any{"city": "qzx"}, records.Select: "qzx",
		}
		for typ, v := range values {
			spec := records.FieldSpec{Name: "f_" + string(typ), Label: string(typ), Type: typ, Required: true}
			if typ == records.Select {
				spec.Options = []string{"qzx"}
			}
			if _, err := engine.AddField(ctx, "contacts", spec); err != nil {
				t.Fatalf("%s: %v", typ, err)
			}
			in[spec.Name] = v
		}
		rec, err := engine.Create(ctx, "contacts", in)
		if err != nil {
			t.Fatal(err)
		}
		id := rec["id"].(string)
		if _, err := erasure.Contact(ctx, db, engine, id); err != nil {
			t.Fatalf("erasing: %v", err)
		}
		rec, _ = engine.Get(ctx, "contacts", id, false)
		for typ := range values {
			got, _ := json.Marshal(rec["f_"+string(typ)])
			if strings.Contains(string(got), "qzx") != (typ == records.Select) {
				t.Errorf("%s after the erasure: %s", typ, got)
			}
		}
	})
}

// TestErasedInTheTrash: a contact in the trash, and a note about it in
// the trash too, are erased and stay in the trash.
func TestErasedInTheTrash(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		quiet := slog.New(slog.DiscardHandler)
		engine := records.New(db, records.Options{Policy: access.NewRolePolicy(db), Logger: quiet})
		activity.New(db, engine, activity.Options{Logger: quiet})
		admin := accesstest.AddUser(t, db, 1, "admin@example.com", access.RoleAdministrator, 0)
		ctx := access.WithActor(context.Background(), access.Actor{WorkspaceID: 1, UserID: admin, Role: access.RoleAdministrator})
		rec, err := engine.Create(ctx, "contacts", map[string]any{"first_name": "Grace", "last_name": "Hopper"})
		if err != nil {
			t.Fatal(err)
		}
		id := rec["id"].(string)
		note, err := engine.Create(ctx, "notes", map[string]any{"body": "Called about COBOL", "record_type": "contact", "record_id": id})
		if err != nil {
			t.Fatal(err)
		}
		if err := engine.Delete(ctx, "notes", note["id"].(string), 0); err != nil {
			t.Fatal(err)
		}
		if err := engine.Delete(ctx, "contacts", id, 0); err != nil {
			t.Fatal(err)
		}
		r, err := erasure.Contact(ctx, db, engine, id)
		if err != nil || r.Activities != 1 {
			t.Fatalf("erasing from the trash: %+v, %v", r, err)
		}
		for _, c := range []struct{ list, id, field, want string }{
			{"contacts", id, "full_name", erasure.Name}, {"notes", note["id"].(string), "body", erasure.Text}} {
			got, err := engine.Get(ctx, c.list, c.id, true)
			if err != nil || got[c.field] != c.want || got["deleted_at"] == nil {
				t.Errorf("%s %s after the erasure: %v, %v", c.list, c.id, got, err)
			}
		}
	})
}

package importer_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/importer"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

func ptr[T any](v T) *T { return &v }

// field is the field a refusal names, and its code.
func field(err error) string {
	var fe *fault.Error
	if !asFault(err, &fe) || len(fe.Fields) == 0 {
		return fault.Code(err)
	}
	return fe.Fields[0].Field + " " + fe.Fields[0].Code
}

// TestSavedMappings saves, checks, finds, changes and deletes mappings,
// and imports with one as with the same mapping given inline.
func TestSavedMappings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		save := func(object, name string, m map[string]string) (importer.SavedMapping, error) {
			return v.im.SaveMapping(v.ctx, importer.MappingInput{Object: &object, Name: &name, Mapping: &m})
		}
		m, err := save("contacts", "Old CRM", map[string]string{"Kod": "external_id", "Vorname": "first_name", "Notes": ""})
		if err != nil || m.ID == "" || m.Version != 1 || m.CreatedBy == "" || m.Mapping["Vorname"] != "first_name" {
			t.Fatalf("%+v %v", m, err)
		}
		for _, c := range []struct {
			object, name string
			mapping      map[string]string
			want         string
		}{
			{"contacts", "old crm", map[string]string{"A": "first_name"}, "name taken"},
			{"contacts", "Other", map[string]string{"A": "shoe_size"}, "mapping unknown"},
			{"contacts", "Other", map[string]string{}, "mapping required"},
			{"contacts", " ", map[string]string{"A": "first_name"}, "name required"},
			{"invoices", "Other", map[string]string{"A": "name"}, "object option"},
		} {
			if _, err := save(c.object, c.name, c.mapping); field(err) != c.want {
				t.Errorf("%s %q %v: %v, want %s", c.object, c.name, c.mapping, err, c.want)
			}
		}
		// The same name serves another object.
		if _, err := save("companies", "OLD CRM", map[string]string{"Firma": "name"}); err != nil {
			t.Fatal(err)
		}
		if list, err := v.im.Mappings(v.ctx, "contacts"); err != nil || len(list) != 1 || list[0].Name != "Old CRM" {
			t.Errorf("contacts' mappings: %+v %v", list, err)
		}
		if list, err := v.im.Mappings(v.ctx, ""); err != nil || len(list) != 2 {
			t.Errorf("all mappings: %+v %v", list, err)
		}

		file := "Kod,Vorname,Notes\nK1,Jan,hello\nK2,Ola,\n"
		inline := v.run(file, importer.Options{Mapping: m.Mapping, DryRun: true})
		saved := v.run(file, importer.Options{MappingID: m.ID, DryRun: true})
		if counts(saved) != counts(inline) || saved.Created != 2 || saved.Mapping["Kod"] != "external_id" || saved.Mapping["Vorname"] != "first_name" {
			t.Errorf("saved %s %v, inline %s %v", counts(saved), saved.Mapping, counts(inline), inline.Mapping)
		}
		for _, c := range []struct {
			opts importer.Options
			want string
		}{
			{importer.Options{MappingID: m.ID, Mapping: map[string]string{"Kod": ""}}, "mapping_id conflict"},
			{importer.Options{MappingID: m.ID, Object: "companies"}, "mapping_id other_object"},
			{importer.Options{MappingID: "999999"}, "mapping_id unknown"},
		} {
			if _, err := v.try(file, c.opts); field(err) != c.want {
				t.Errorf("%+v: %v, want %s", c.opts, err, c.want)
			}
		}

		m2, err := v.im.UpdateMapping(v.ctx, m.ID, importer.MappingInput{Name: ptr("Older CRM"), Version: ptr(1)})
		if err != nil || m2.Name != "Older CRM" || m2.Version != 2 || m2.Mapping["Kod"] != "external_id" {
			t.Errorf("update: %+v %v", m2, err)
		}
		if _, err := v.im.UpdateMapping(v.ctx, m.ID, importer.MappingInput{Name: ptr("X"), Version: ptr(1)}); !fault.Is(err, fault.ECONFLICT) {
			t.Errorf("stale update: %v", err)
		}
		if _, err := v.im.UpdateMapping(v.ctx, m.ID, importer.MappingInput{Object: ptr("companies")}); field(err) != "object immutable" {
			t.Errorf("object change: %v", err)
		}
		if err := v.im.DeleteMapping(v.ctx, m.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := v.im.Mapping(v.ctx, m.ID); !fault.Is(err, fault.ENOTFOUND) {
			t.Errorf("deleted: %v", err)
		}
	})
}

// TestSavedMappingsAccess: whoever may create records of an object saves
// and uses its mappings, a read-only user or token saves none, and another
// workspace never sees them.
func TestSavedMappingsAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		e := records.New(db, records.Options{Policy: access.NewRolePolicy(db), Logger: log})
		im := importer.New(db, e, log)
		err := db.Tx(ctx, func(q store.Querier) error {
			if _, err := q.ExecContext(ctx, `INSERT INTO workspaces (id, name, created_at) VALUES (2, 'Other', ?)`, db.Dialect.Time(time.Now())); err != nil {
				return err
			}
			// The other workspace has the same roles, so that only the
			// workspace keeps its administrator from the mapping.
			_, err := q.ExecContext(ctx, `INSERT INTO roles (workspace_id, name, label, builtin, grants, fields, created_at, updated_at)
				SELECT 2, name, label, builtin, grants, fields, created_at, updated_at FROM roles WHERE workspace_id = 1`)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		as := func(ws int64, role string, readOnly bool) context.Context {
			return access.WithActor(ctx, access.Actor{WorkspaceID: ws, Role: role, ReadOnly: readOnly})
		}
		sales, reader := as(1, access.RoleSalesperson, false), as(1, access.RoleReadOnly, false)
		m, err := im.SaveMapping(sales, importer.MappingInput{Object: ptr("contacts"), Name: ptr("Sales"), Mapping: &map[string]string{"Mobile": "phones"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := im.SaveMapping(reader, importer.MappingInput{Object: ptr("contacts"), Name: ptr("Reader"),
			Mapping: &map[string]string{"Mobile": "phones"}}); !fault.Is(err, fault.EFORBIDDEN) {
			t.Errorf("read-only role saved: %v", err)
		}
		if list, err := im.Mappings(reader, ""); err != nil || len(list) != 0 {
			t.Errorf("read-only role lists %+v %v", list, err)
		}
		token := as(1, access.RoleAdministrator, true)
		if list, err := im.Mappings(token, "contacts"); err != nil || len(list) != 1 {
			t.Errorf("read-only token lists %+v %v", list, err)
		}
		if err := im.DeleteMapping(token, m.ID); !fault.Is(err, fault.EFORBIDDEN) {
			t.Errorf("read-only token deleted: %v", err)
		}
		other := as(2, access.RoleAdministrator, false)
		if list, err := im.Mappings(other, ""); err != nil || len(list) != 0 {
			t.Errorf("another workspace lists %+v %v", list, err)
		}
		if _, err := im.Mapping(other, m.ID); !fault.Is(err, fault.ENOTFOUND) {
			t.Errorf("another workspace reads: %v", err)
		}
		if _, err := im.UpdateMapping(other, m.ID, importer.MappingInput{Name: ptr("Mine")}); !fault.Is(err, fault.ENOTFOUND) {
			t.Errorf("another workspace changes: %v", err)
		}
		if err := im.DeleteMapping(other, m.ID); !fault.Is(err, fault.ENOTFOUND) {
			t.Errorf("another workspace deletes: %v", err)
		}
		// The same name is free in another workspace.
		if _, err := im.SaveMapping(other, importer.MappingInput{Object: ptr("contacts"), Name: ptr("sales"),
			Mapping: &map[string]string{"Mobile": "phones"}}); err != nil {
			t.Error(err)
		}
	})
}

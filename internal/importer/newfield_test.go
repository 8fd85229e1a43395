package importer_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/importer"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// newFieldsFile has a column of numbers, one of dates, one of codes with
// leading zeros, and one whose type the mapping gives.
const newFieldsFile = "Name,E-mail,Punkty lojalności,Pierwszy zakup,Kod,Источник\n" +
	"Ada,ada@example.com,\"12,5\",31.01.2024,007,ярмарка\n" +
	"Bea,bea@example.com,3,15.02.2024,120,сайт\n"

var newFieldsMapping = map[string]string{"Punkty lojalności": "new", "Pierwszy zakup": "new", "Kod": "new", "Источник": "new:long_text"}

func (v *env) fieldTypes() map[string]records.Type {
	v.t.Helper()
	fields, err := v.e.Fields(v.ctx, "contacts")
	if err != nil {
		v.t.Fatal(err)
	}
	out := map[string]records.Type{}
	for _, f := range fields {
		if f.Custom {
			out[f.Name] = f.Type
		}
	}
	return out
}

// TestImportMakesFields maps columns to new custom fields: a dry run and
// a refused strict import leave no field behind, the import makes them
// with the types their values read as and fills them, and its undo
// removes them again, but not one a later record has filled.
func TestImportMakesFields(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		dry := v.run(newFieldsFile, importer.Options{Mapping: newFieldsMapping, DryRun: true})
		if dry.Status != importer.StatusDryRun || dry.Created != 2 || len(dry.NewFields) != 4 {
			t.Fatalf("dry run: %s %s, fields %+v, problems %+v", dry.Status, counts(dry), dry.NewFields, dry.Problems)
		}
		if got := v.fieldTypes(); len(got) != 0 {
			t.Fatalf("a dry run left fields: %v", got)
		}
		strict := v.run(newFieldsFile+"Cy,not-an-address,1,01.03.2024,1,x\n", importer.Options{Mapping: newFieldsMapping, Strict: true})
		if strict.Status != importer.StatusRefused || len(v.fieldTypes()) != 0 {
			t.Fatalf("a refused strict import: %s, fields %v", strict.Status, v.fieldTypes())
		}

		s := v.run(newFieldsFile, importer.Options{Mapping: newFieldsMapping})
		if s.Status != importer.StatusCommitted || s.Created != 2 || s.Failed != 0 {
			t.Fatalf("import: %s %s %+v", s.Status, counts(s), s.Problems)
		}
		want := map[string]records.Type{"punkty_lojalnosci": records.Decimal, "pierwszy_zakup": records.Date, "kod": records.Text,
			"istochnik": records.LongText}
		if got := v.fieldTypes(); !maps(got, want) {
			t.Fatalf("fields %v, want %v", got, want)
		}
		if s.Mapping["Kod"] != "kod" {
			t.Errorf("the log's mapping: %v", s.Mapping)
		}
		list, err := v.e.List(v.ctx, "contacts", records.Query{})
		if err != nil {
			t.Fatal(err)
		}
		var ada records.Record
		for _, rec := range list.Data {
			if rec["first_name"] == "Ada" {
				ada = rec
			}
		}
		if ada == nil || ada["kod"] != "007" || ada["pierwszy_zakup"] != "2024-01-31" || ada["istochnik"] != "ярмарка" {
			t.Fatalf("Ada: %v", ada)
		}

		// A name in use or one that cannot be is refused naming mapping,
		// before anything is written.
		for _, m := range []map[string]string{{"Kod": "new"}, {"Kod": "new:colour"}, {"Kod": "new:text:Bad Name"},
			{"Name": "new:text:first_name"}, {"Kod": "new:text:x", "Name": "new:text:x"}} {
			_, err := v.try(newFieldsFile, importer.Options{Mapping: m})
			if !fault.Is(err, fault.EINVALID) || !strings.Contains(err.Error(), "mapping") {
				t.Errorf("%v: %v, want a refusal naming mapping", m, err)
			}
		}

		// A later contact fills one of the fields: the undo keeps it and
		// removes the others.
		v.create("contacts", `{"first_name": "Cy", "kod": "X1"}`)
		undone, err := v.im.Undo(v.ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		var removed []string
		for _, f := range undone.NewFields {
			if f.Removed {
				removed = append(removed, f.Name)
			}
		}
		slices.Sort(removed)
		if got := v.fieldTypes(); !maps(got, map[string]records.Type{"kod": records.Text}) ||
			strings.Join(removed, " ") != "istochnik pierwszy_zakup punkty_lojalnosci" {
			t.Fatalf("after the undo: fields %v, removed %v", got, removed)
		}
	})
}

func maps(a, b map[string]records.Type) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestUndoRestoresCustomFields updates contacts' custom fields, one the
// workspace had and one the import makes, and checks that the undo puts
// every value back: the contacts' rows and field values are as before,
// and the made field, empty again, is removed.
func TestUndoRestoresCustomFields(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		if _, err := v.e.AddField(v.ctx, "contacts", records.FieldSpec{Name: "tier", Label: "Tier", Type: records.Text}); err != nil {
			t.Fatal(err)
		}
		v.create("contacts", `{"first_name": "Ada", "emails": ["ada@example.com"], "tier": "gold"}`)
		v.create("contacts", `{"first_name": "Bea", "emails": ["bea@example.com"]}`)
		tables := []string{"contacts", "field_values", "custom_fields"}
		before := snapshot(t, db, tables)
		file := "E-mail,Tier,Kod\nada@example.com,silver,007\nbea@example.com,bronze,\n"
		s := v.run(file, importer.Options{OnDuplicate: importer.Update, Mapping: map[string]string{"Tier": "tier", "Kod": "new"}})
		if counts(s) != "rows 2, created 0, updated 2, skipped 0, failed 0" {
			t.Fatalf("%s %+v", counts(s), s.Problems)
		}
		if snapshot(t, db, tables) == before {
			t.Fatal("the import changed nothing")
		}
		if _, err := v.im.Undo(v.ctx, s.ID); err != nil {
			t.Fatal(err)
		}
		if after := snapshot(t, db, tables); after != before {
			t.Errorf("after the undo:\n%s\nbefore:\n%s", after, before)
		}
	})
}

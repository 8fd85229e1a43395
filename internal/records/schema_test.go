package records_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

func TestAddField(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		// Every custom type can be added, on either object.
		for _, object := range []string{"contacts", "company"} {
			allTypesOn(v, object)
		}
		f, err := v.e.AddField(v.ctx, "contacts", records.FieldSpec{Name: " plan_b ", Type: records.Relation, Target: "companies"})
		if err != nil {
			t.Fatal(err)
		}
		if f.Name != "plan_b" || f.Label != "plan b" || f.Target != "company" || !f.Custom {
			t.Errorf("added %+v", f)
		}

		for _, c := range []struct {
			name  string
			spec  records.FieldSpec
			field string
		}{
			{"duplicate custom", records.FieldSpec{Name: "f_text", Type: records.Text}, "name"},
			{"duplicate of another type", records.FieldSpec{Name: "f_text", Type: records.Integer}, "name"},
			{"standard field", records.FieldSpec{Name: "first_name", Type: records.Text}, "name"},
			{"relations field", records.FieldSpec{Name: "companies", Type: records.Text}, "name"},
			{"system field", records.FieldSpec{Name: "created_at", Type: records.DateTime}, "name"},
			{"id", records.FieldSpec{Name: "id", Type: records.Text}, "name"},
			{"reserved list parameter", records.FieldSpec{Name: "sort", Type: records.Text}, "name"},
			{"version", records.FieldSpec{Name: "version", Type: records.Integer}, "name"},
			{"workspace_id", records.FieldSpec{Name: "workspace_id", Type: records.Integer}, "name"},
			{"kind", records.FieldSpec{Name: "kind", Type: records.Text}, "name"},
			{"custom", records.FieldSpec{Name: "custom", Type: records.Text}, "name"},
			{"deleted_at", records.FieldSpec{Name: "deleted_at", Type: records.DateTime}, "name"},
			{"cursor", records.FieldSpec{Name: "cursor", Type: records.Text}, "name"},
			{"deleted", records.FieldSpec{Name: "deleted", Type: records.Boolean}, "name"},
			{"label with an override", records.FieldSpec{Name: "x", Label: "Tier\u202e", Type: records.Text}, "label"},
			{"label over two lines", records.FieldSpec{Name: "x", Label: "Tier\nTwo", Type: records.Text}, "label"},
			{"label with NUL", records.FieldSpec{Name: "x", Label: "Ti\x00er", Type: records.Text}, "label"},
			{"label not UTF-8", records.FieldSpec{Name: "x", Label: "Ti\xffer", Type: records.Text}, "label"},
			{"option with NUL", records.FieldSpec{Name: "x", Type: records.Select, Options: []string{"a", "b\x00"}}, "options[1]"},
			{"option with an isolate", records.FieldSpec{Name: "x", Type: records.Select, Options: []string{"\u2066a"}}, "options[0]"},
			{"empty name", records.FieldSpec{Name: "  ", Type: records.Text}, "name"},
			{"upper case", records.FieldSpec{Name: "Tier", Type: records.Text}, "name"},
			{"leading digit", records.FieldSpec{Name: "1st", Type: records.Text}, "name"},
			{"leading underscore", records.FieldSpec{Name: "_x", Type: records.Text}, "name"},
			{"dash", records.FieldSpec{Name: "a-b", Type: records.Text}, "name"},
			{"dot", records.FieldSpec{Name: "a.b", Type: records.Text}, "name"},
			{"quote", records.FieldSpec{Name: "a'b", Type: records.Text}, "name"},
			{"space", records.FieldSpec{Name: "a b", Type: records.Text}, "name"},
			{"unicode", records.FieldSpec{Name: "größe", Type: records.Text}, "name"},
			{"too long", records.FieldSpec{Name: "a" + strings.Repeat("b", 63), Type: records.Text}, "name"},
			{"long label", records.FieldSpec{Name: "x", Label: strings.Repeat("l", 201), Type: records.Text}, "label"},
			{"no type", records.FieldSpec{Name: "x"}, "type"},
			{"unknown type", records.FieldSpec{Name: "x", Type: "color"}, "type"},
			{"relations type", records.FieldSpec{Name: "x", Type: records.Relations, Target: "company"}, "type"},
			{"select without options", records.FieldSpec{Name: "x", Type: records.Select}, "options"},
			{"multi_select without options", records.FieldSpec{Name: "x", Type: records.MultiSelect, Options: []string{}}, "options"},
			{"blank option", records.FieldSpec{Name: "x", Type: records.Select, Options: []string{"a", " "}}, "options[1]"},
			{"repeated option", records.FieldSpec{Name: "x", Type: records.Select, Options: []string{"a", "a"}}, "options[1]"},
			{"options on text", records.FieldSpec{Name: "x", Type: records.Text, Options: []string{"a"}}, "options"},
			{"relation without target", records.FieldSpec{Name: "x", Type: records.Relation}, "target"},
			{"relation to nothing", records.FieldSpec{Name: "x", Type: records.Relation, Target: "widgets"}, "target"},
			{"target on text", records.FieldSpec{Name: "x", Type: records.Text, Target: "company"}, "target"},
		} {
			t.Run(c.name, func(t *testing.T) {
				before := v.snapshot()
				_, err := v.e.AddField(v.ctx, "contacts", c.spec)
				wantInvalid(t, err, c.field)
				if after := v.snapshot(); after != before {
					t.Errorf("a refused field changed the database: %s → %s", before, after)
				}
			})
		}
		// Notes share the activities table with tasks: a note's custom
		// field may not take the name of a task's column.
		_, err = v.e.AddField(v.ctx, "notes", records.FieldSpec{Name: "due_at", Type: records.Text})
		wantInvalid(t, err, "name")
		if _, err := v.e.AddField(v.ctx, "companies", records.FieldSpec{Name: "x", Label: "Größe – 大小", Type: records.Text}); err != nil {
			t.Errorf("a label in several scripts: %v", err)
		}
		_, err = v.e.AddField(v.ctx, "widgets", records.FieldSpec{Name: "x", Type: records.Text})
		wantCode(t, err, fault.ENOTFOUND)

		// The same name may be used on the other object.
		if _, err := v.e.AddField(v.ctx, "companies", records.FieldSpec{Name: "plan_b", Type: records.Text}); err != nil {
			t.Error(err)
		}
		fields, err := v.e.Fields(v.ctx, "contacts")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := len(fields), len(records.StandardObjects()[0].Fields)+len(records.CustomTypes)+1; got != want {
			t.Errorf("contacts have %d fields, want %d", got, want)
		}
	})
}

func allTypesOn(v *env, object string) {
	v.t.Helper()
	for _, typ := range records.CustomTypes {
		spec := records.FieldSpec{Name: "f_" + string(typ), Type: typ}
		switch typ {
		case records.Select, records.MultiSelect:
			spec.Options = []string{"x", "y"}
		case records.Relation:
			spec.Target = "contact"
		}
		v.addField(object, spec)
	}
}

// TestFieldUsableAtOnce adds a field and uses it on the same engine with no
// restart.
func TestFieldUsableAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		// Warm the engine's schema first, so that the new field must
		// replace it.
		v.create("contacts", `{"first_name": "Before"}`)
		f, err := v.e.AddField(v.ctx, "contacts", records.FieldSpec{Name: "score", Type: records.Integer})
		if err != nil {
			t.Fatal(err)
		}
		// The answer says how lists may use it, as the fields list will.
		if !f.Sortable || !slices.Contains(f.Filters, records.Gte) {
			t.Errorf("the new field answered sortable %v, filters %v", f.Sortable, f.Filters)
		}
		for i, s := range []int{30, 10, 20} {
			v.create("contacts", fmt.Sprintf(`{"first_name": "C%d", "score": %d}`, i, s))
		}
		page, err := v.e.List(v.ctx, "contacts", records.Query{
			Filter: &records.Filter{Field: "score", Op: records.Gte, Value: "15"}, Sort: []string{"-score"}})
		if err != nil {
			t.Fatal(err)
		}
		if got := names(page); got != "C0 C2" {
			t.Errorf("filtered and sorted by the new field: %s", got)
		}
	})
}

// TestFieldFromAnotherEngine adds a field through one engine and uses it
// through a second over the same database, as when two processes serve
// one database.
func TestFieldFromAnotherEngine(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newEnv(t, db)
		b := &env{t: t, db: db, e: newEngine(db), ctx: a.ctx, user: a.user}
		// Both engines know the schema before the field exists.
		old := b.create("contacts", `{"first_name": "Old"}`)
		if _, err := a.e.List(a.ctx, "contacts", records.Query{}); err != nil {
			t.Fatal(err)
		}

		// b learns of one field…
		a.addField("contacts", records.FieldSpec{Name: "note", Type: records.Text})
		b.create("contacts", `{"first_name": "Note", "note": "n"}`)
		// …but not yet of the next.
		a.addField("contacts", records.FieldSpec{Name: "score", Type: records.Integer})
		fromA := a.create("contacts", `{"first_name": "A", "score": 5, "note": "x"}`)

		// Reading: the value shows on b.
		if got := b.get("contacts", id(fromA)); jsonOf(got["score"]) != "5" {
			t.Errorf("b reads score %v", got["score"])
		}
		// Writing another custom field on b keeps the value.
		up, err := b.e.Update(b.ctx, "contacts", id(fromA), 1, in(t, `{"note": "y"}`))
		if err != nil {
			t.Fatal(err)
		}
		if jsonOf(up["score"]) != "5" {
			t.Errorf("b's update returned score %v", up["score"])
		}
		if got := a.get("contacts", id(fromA)); jsonOf(got["score"]) != "5" {
			t.Errorf("after b's update a reads score %v", got["score"])
		}

		// Sorting and filtering by it on b.
		page, err := b.e.List(b.ctx, "contacts", records.Query{Sort: []string{"-score"}})
		if err != nil {
			t.Fatalf("b sorts by the new field: %v", err)
		}
		if names(page) != "A Note Old" {
			t.Errorf("b sorted %s", names(page))
		}

		a.addField("contacts", records.FieldSpec{Name: "tier", Type: records.Select, Options: []string{"gold"}})
		page, err = b.e.List(b.ctx, "contacts", records.Query{Filter: &records.Filter{Field: "tier", Op: records.Empty, Value: true}})
		if err != nil || names(page) != "Old Note A" {
			t.Errorf("b filters by the new field: %s %v", names(page), err)
		}

		a.addField("contacts", records.FieldSpec{Name: "vip", Type: records.Boolean})
		if _, err := b.e.Update(b.ctx, "contacts", id(old), 1, in(t, `{"vip": true}`)); err != nil {
			t.Fatalf("b writes the new field: %v", err)
		}
		// A field b learned of is validated by b with its type.
		a.addField("contacts", records.FieldSpec{Name: "level", Type: records.Integer})
		_, err = b.e.Create(b.ctx, "contacts", in(t, `{"level": "high"}`))
		wantInvalid(t, err, "level")

		fields, err := b.e.Fields(b.ctx, "contacts")
		if err != nil {
			t.Fatal(err)
		}
		if last := fields[len(fields)-1]; last.Name != "level" {
			t.Errorf("b's fields end with %s", last.Name)
		}
	})
}

// names lists the first names of a page, in order.
func names(p records.Page) string {
	var s []string
	for _, r := range p.Data {
		s = append(s, fmt.Sprint(r["first_name"]))
	}
	return strings.Join(s, " ")
}

package records_test

import (
	"io"
	"log/slog"
	"slices"
	"testing"

	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// tight is an engine whose lists read by id at most 3 records and walk at
// most 7 index entries a page, so that a few records take every path the
// planner has: reading by id, walking, short pages, both ranges of a
// nullable key.
func tight(db *store.DB) *records.Engine {
	return records.New(db, records.Options{PhoneRegion: "US", DriveLimit: 3, Window: 7,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

// walkWith reads every page of q with engine e, pages of limit records,
// and returns the ids in order.
func walkWith(t *testing.T, v *env, e *records.Engine, object string, q records.Query) []string {
	t.Helper()
	var ids []string
	seen := map[string]bool{}
	for pages := 0; ; pages++ {
		if pages > 2000 {
			t.Fatalf("%s %+v: no end of pages", object, q)
		}
		page, err := e.List(v.ctx, object, q)
		if err != nil {
			t.Fatalf("%s %+v: %v", object, q, err)
		}
		if len(page.Data) > max(q.Limit, 1) && q.Limit != 0 {
			t.Fatalf("%s %+v: page of %d", object, q, len(page.Data))
		}
		for _, r := range page.Data {
			if seen[id(r)] {
				t.Fatalf("%s %+v: record %s twice", object, q, id(r))
			}
			seen[id(r)] = true
			ids = append(ids, id(r))
		}
		if page.NextCursor == "" {
			return ids
		}
		if len(page.Data) < q.Limit {
			short++
		}
		q.Cursor = page.NextCursor
	}
}

// short counts the pages walkWith saw come back short with a cursor.
var short int

// TestPlansAgree lists the same records in every order under a range of
// filters twice: with the default bounds, where a few records are always
// read by id, and with tight ones, where most lists walk an index in
// windows of 7 and come back in short pages. Both must give the same
// records in the same, correct order.
func TestPlansAgree(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		sortFixture(v, 30)
		if err := v.e.IndexAllFields(v.ctx); err != nil {
			t.Fatal(err)
		}
		small := tight(db)
		filters := []*records.Filter{
			nil,
			cond("last_name", records.Eq, "b"),
			cond("last_name", records.StartsWith, "B"),
			cond("last_name", records.Gte, "b"),
			cond("last_name", records.Empty, true),
			cond("score", records.In, []any{"2", "10"}),
			cond("tier", records.Ne, "gold"),
			cond("price.currency", records.StartsWith, "us"),
			cond("home.city", records.StartsWith, "O"),
			cond("since", records.Lt, "2020-01-01"),
			cond("owner_id", records.Eq, v.user),
			cond("nick", records.Contains, "x"),
			and(cond("score", records.Gt, "1"), cond("vip", records.Eq, "false")),
			or(cond("tier", records.Eq, "gold"), cond("nick", records.Eq, "y")),
		}
		// Orders by a key that is never NULL and by ones that often are,
		// by columns, folded text, parts and custom fields, both ways.
		orders := [][]string{nil, {"-id"}, {"last_name"}, {"-last_name"}, {"-score"}, {"tier"}, {"created_at"},
			{"-birthday"}, {"address.city"}, {"-home.city"}, {"vip"}, {"-met"}}
		short = 0
		for _, sort := range orders {
			for _, f := range filters {
				full, err := v.e.List(v.ctx, "contacts", records.Query{Filter: f, Sort: sort, Limit: records.MaxLimit, Count: true})
				if err != nil {
					t.Fatalf("sort %q filter %s: %v", sort, jsonOf(f), err)
				}
				checkOrder(t, sort, full.Data)
				if *full.Total != int64(len(full.Data)) || full.NextCursor != "" {
					t.Errorf("sort %q filter %s: %d records, total %d", sort, jsonOf(f), len(full.Data), *full.Total)
				}
				got := walkWith(t, v, small, "contacts", records.Query{Filter: f, Sort: sort, Limit: 4})
				if want := idsOf(full.Data); !slices.Equal(got, want) {
					t.Errorf("sort %q filter %s: tight walk\n%v\nwant\n%v", sort, jsonOf(f), got, want)
				}
				counted, err := small.List(v.ctx, "contacts", records.Query{Filter: f, Sort: sort, Limit: 1, Count: true})
				if err != nil || *counted.Total != *full.Total {
					t.Errorf("sort %q filter %s: tight count %v, want %d (%v)", sort, jsonOf(f), counted.Total, *full.Total, err)
				}
			}
		}
		if short == 0 {
			t.Error("no tight walk came back in a short page: the windows were never reached")
		}
	})
}

// bodies are bodies of valid records of the objects with indexes.
var bodies = map[string]string{
	"contacts": `{"first_name": "a"}`, "companies": `{"name": "a"}`, "deals": `{"title": "a"}`, "products": `{"name": "a"}`,
	"tasks": `{"title": "a"}`, "notes": `{"body": "a"}`, "calls": `{"direction": "inbound"}`,
	"meetings": `{"title": "a", "starts_at": "2026-01-01T00:00:00Z"}`, "suppliers": `{"name": "a"}`,
	"pipelines": `{"name": "a"}`, "loss_reasons": `{"name": "a"}`, "price_lists": `{"name": "a", "currency": "EUR"}`,
}

// sample is a value of a field of type t that a filter with op accepts.
func sample(t records.Type, op records.Op) any {
	v := map[records.Type]any{records.Integer: "1", records.Decimal: "1.5", records.Date: "2020-01-01",
		records.DateTime: "2020-01-01T00:00:00Z", records.Boolean: "true", records.User: "1", records.Relation: "1",
		records.Relations: "1", records.Email: "a@b.co", records.Phone: "+14155552671", records.URLs: "https://a.b"}[t]
	if v == nil {
		v = "a"
	}
	switch op {
	case records.Empty:
		return "false"
	case records.In:
		return []any{v, v}
	case records.Contains, records.StartsWith:
		return "a"
	}
	return v
}

// TestEveryListAnswers asks every object's list for every order the
// fields answer says it sorts by, both ways and from a cursor, and for
// every filter operator each field takes, through every path of the
// planner: each index the lists name must exist and serve its query
// (SQLite refuses an index that cannot), and nothing may fail.
func TestEveryListAnswers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		if _, err := v.e.DefineList(v.ctx, records.ListSpec{Name: "supplier", Plural: "suppliers", Label: "Suppliers"}); err != nil {
			t.Fatal(err)
		}
		for _, spec := range []records.FieldSpec{
			{Name: "rank", Type: records.Integer}, {Name: "code", Type: records.Text}, {Name: "kinds", Type: records.MultiSelect, Options: []string{"a", "b"}},
			{Name: "worth", Type: records.Money}, {Name: "where", Type: records.Address},
		} {
			for _, object := range []string{"contacts", "tasks", "suppliers", "pipelines"} {
				v.addField(object, spec)
			}
		}
		for object, body := range bodies {
			for range 3 {
				v.create(object, body)
			}
		}
		if err := v.e.IndexAllFields(v.ctx); err != nil {
			t.Fatal(err)
		}
		engines := []*records.Engine{v.e, tight(db)}
		for object := range bodies {
			fields, err := v.e.Fields(v.ctx, object)
			if err != nil {
				t.Fatal(err)
			}
			names := []*records.Field{{Name: "id", Type: records.Relation, Sortable: true, Filters: []records.Op{records.Eq, records.Gt}},
				{Name: "created_at", Type: records.DateTime, Sortable: true, Filters: []records.Op{records.Lt}}}
			for _, f := range fields {
				names = append(names, f)
				names = append(names, f.Parts...)
			}
			for _, f := range names {
				for _, e := range engines {
					if f.Sortable {
						for _, sort := range []string{f.Name, "-" + f.Name} {
							q := records.Query{Sort: []string{sort}, Limit: 1}
							page, err := e.List(v.ctx, object, q)
							if err != nil {
								t.Errorf("%s sorted by %s: %v", object, sort, err)
								continue
							}
							q.Cursor = page.NextCursor
							if _, err := e.List(v.ctx, object, q); err != nil && q.Cursor != "" {
								t.Errorf("%s sorted by %s, page 2: %v", object, sort, err)
							}
						}
					}
					for _, op := range f.Filters {
						q := records.Query{Filter: cond(f.Name, op, sample(f.Type, op)), Count: true}
						if f.Sortable {
							q.Sort = []string{"-" + f.Name}
						}
						if _, err := e.List(v.ctx, object, q); err != nil {
							t.Errorf("%s where %s %s: %v", object, f.Name, op, err)
						}
					}
				}
			}
		}
	})
}

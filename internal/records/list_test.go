package records_test

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// filterFixture makes contacts named ann to fay with custom fields of most
// types, and returns the ids of contacts and companies by name.
func filterFixture(v *env) map[string]string {
	v.t.Helper()
	for _, f := range []records.FieldSpec{
		{Name: "score", Type: records.Integer},
		{Name: "ratio", Type: records.Decimal},
		{Name: "vip", Type: records.Boolean},
		{Name: "tier", Type: records.Select, Options: []string{"gold", "silver"}},
		{Name: "price", Type: records.Money},
		{Name: "met", Type: records.DateTime},
		{Name: "since", Type: records.Date},
		{Name: "labels", Type: records.MultiSelect, Options: []string{"x", "y", "z"}},
		{Name: "ctags", Type: records.Tags},
		{Name: "cphones", Type: records.Phone},
		{Name: "cmails", Type: records.Email},
		{Name: "links", Type: records.URLs},
		{Name: "home", Type: records.Address},
		{Name: "employer", Type: records.Relation, Target: "company"},
		{Name: "buddy", Type: records.User},
		{Name: "site", Type: records.URL},
		{Name: "bio", Type: records.LongText},
		{Name: "nick", Type: records.Text},
	} {
		v.addField("contacts", f)
	}
	ids := map[string]string{}
	ids["acme"] = id(v.create("companies", `{"name": "Acme"}`))
	ids["globex"] = id(v.create("companies", `{"name": "Globex"}`))
	r := strings.NewReplacer("$ACME", ids["acme"], "$GLOBEX", ids["globex"], "$USER", v.user)
	for _, body := range []string{
		`{"first_name": "ann", "last_name": "Lee", "emails": ["ann@x.com", {"value": "ann.work@y.org"}], "phones": ["(415) 555-2671"],
		  "tags": ["vip", "west"], "birthday": "1990-05-01", "source": "web_form", "address": {"city": "Paris", "country": "FR"},
		  "owner_id": "$USER", "job_title": "Chief", "companies": ["$ACME"],
		  "score": 10, "ratio": 1.5, "vip": true, "tier": "gold", "price": {"amount": 1000, "currency": "EUR"},
		  "met": "2026-01-02T10:00:00Z", "since": "2020-01-01", "labels": ["x", "y"], "ctags": ["alpha"],
		  "cphones": ["+44 20 7946 0958"], "cmails": ["Ann@Home.org"], "links": ["ann.dev/blog"], "home": {"city": "Oslo"},
		  "employer": "$ACME", "buddy": "$USER", "site": "ann.dev", "nick": "Annie"}`,
		`{"owner_id": null, "first_name": "bob", "last_name": "Lee", "emails": ["bob@x.com"], "phones": ["+44 20 7946 0958"], "tags": ["east"],
		  "birthday": "1985-12-31", "source": "referral", "address": {"city": "London", "country": "GB"},
		  "job_title": "100% boss", "companies": [{"id": "$ACME", "role": "CFO"}, "$GLOBEX"],
		  "score": 20, "ratio": "2.25", "vip": false, "tier": "silver", "price": {"amount": 500, "currency": "USD"},
		  "met": "2025-06-01T00:00:00Z", "labels": ["y"], "nick": "Bobby"}`,
		`{"owner_id": null, "first_name": "cat", "last_name": "Moss", "job_title": "1000 x", "companies": ["$GLOBEX"], "ratio": 10}`,
		`{"owner_id": null, "first_name": "dan", "emails": ["dan_x@z.com"], "score": 5, "tier": "gold", "nick": "dan"}`,
		`{"owner_id": null, "first_name": "eve", "last_name": "O_Neil", "emails": ["danxy@q.com"], "score": 20}`,
		`{"owner_id": null, "first_name": "fay", "last_name": "OxNeil"}`,
	} {
		// Only ann has an owner; the others say so, or they would be
		// given the actor.
		rec := v.create("contacts", r.Replace(body))
		ids[rec["first_name"].(string)] = id(rec)
	}
	return ids
}

func cond(field string, op records.Op, value any) *records.Filter {
	return &records.Filter{Field: field, Op: op, Value: value}
}

func and(fs ...*records.Filter) *records.Filter { return &records.Filter{And: deref(fs)} }
func or(fs ...*records.Filter) *records.Filter  { return &records.Filter{Or: deref(fs)} }

func deref(fs []*records.Filter) []records.Filter {
	out := make([]records.Filter, len(fs))
	for i, f := range fs {
		out[i] = *f
	}
	return out
}

func TestFilters(t *testing.T) {
	num := func(s string) json.Number { return json.Number(s) }
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		ids := filterFixture(v)
		ref := func(name string) string { return ids[name] }
		all := "ann bob cat dan eve fay"
		for _, c := range []struct {
			filter *records.Filter
			want   string
		}{
			// Standard text.
			{cond("last_name", records.Eq, "Lee"), "ann bob"},
			{cond("last_name", records.Ne, "Lee"), "cat dan eve fay"},
			{cond("last_name", records.Lt, "Moss"), "ann bob"},
			{cond("last_name", records.Lte, "Moss"), "ann bob cat"},
			{cond("last_name", records.Gt, "Moss"), "eve fay"},
			{cond("last_name", records.Gte, "Moss"), "cat eve fay"},
			{cond("last_name", records.In, []any{"Lee", "Moss", "Nobody"}), "ann bob cat"},
			{cond("last_name", records.Contains, "nei"), "eve fay"},
			{cond("last_name", records.Contains, "NEI"), "eve fay"},
			{cond("last_name", records.StartsWith, "O_"), "eve"},
			{cond("last_name", records.Contains, "_"), "eve"},
			{cond("last_name", records.Contains, "%"), ""},
			{cond("last_name", records.Empty, true), "dan"},
			{cond("last_name", records.Empty, "false"), "ann bob cat eve fay"},
			{cond("last_name", "", "Moss"), "cat"},
			{cond("job_title", records.Contains, "100%"), "bob"},
			{cond("job_title", records.StartsWith, "100%"), "bob"},
			{cond("full_name", records.Eq, "ann Lee"), "ann"},
			// Standard date, select, user, address parts.
			{cond("birthday", records.Lt, "1990-01-01"), "bob"},
			{cond("birthday", records.Gte, "1990-05-01"), "ann"},
			{cond("birthday", records.Empty, true), "cat dan eve fay"},
			{cond("source", records.Eq, "referral"), "bob"},
			{cond("source", records.In, []any{"web_form", "referral"}), "ann bob"},
			{cond("source", records.Ne, "web_form"), "bob cat dan eve fay"},
			{cond("owner_id", records.Eq, v.user), "ann"},
			{cond("owner_id", records.Empty, false), "ann"},
			{cond("address.city", records.Eq, "Paris"), "ann"},
			{cond("address.city", records.StartsWith, "Lon"), "bob"},
			{cond("address.country", records.In, []any{"FR", "GB"}), "ann bob"},
			{cond("address.city", records.Empty, true), "cat dan eve fay"},
			{cond("address", records.Empty, false), "ann bob"},
			{cond("price", records.Empty, true), "cat dan eve fay"},
			// System fields.
			{cond("id", records.Eq, ref("ann")), "ann"},
			{cond("id", records.In, []any{ref("ann"), ref("cat")}), "ann cat"},
			{cond("id", records.Gt, ref("dan")), "eve fay"},
			{cond("created_at", records.Gte, "2000-01-01"), all},
			{cond("created_at", records.Lt, "2000-01-01T00:00:00Z"), ""},
			{cond("updated_at", records.Gt, "2000-01-01T00:00:00+02:00"), all},
			// Custom scalars: numbers compare as numbers.
			{cond("score", records.Eq, "10"), "ann"},
			{cond("score", records.Eq, num("10")), "ann"},
			{cond("score", records.Ne, "10"), "bob cat dan eve fay"},
			{cond("score", records.Lt, "20"), "ann dan"},
			{cond("score", records.Lt, "6"), "dan"},
			{cond("score", records.Lte, "20"), "ann bob dan eve"},
			{cond("score", records.Gt, num("5")), "ann bob eve"},
			{cond("score", records.Gte, "10"), "ann bob eve"},
			{cond("score", records.In, []any{"5", num("20")}), "bob dan eve"},
			{cond("score", records.Empty, true), "cat fay"},
			{cond("ratio", records.Gt, "2"), "bob cat"},
			{cond("ratio", records.Lt, num("2")), "ann"},
			{cond("ratio", records.Eq, "2.25"), "bob"},
			{cond("vip", records.Eq, true), "ann"},
			{cond("vip", records.Eq, "false"), "bob"},
			{cond("vip", records.Ne, true), "bob cat dan eve fay"},
			{cond("vip", records.Empty, false), "ann bob"},
			{cond("tier", records.Eq, "gold"), "ann dan"},
			{cond("tier", records.Ne, "gold"), "bob cat eve fay"},
			{cond("tier", records.In, []any{"silver"}), "bob"},
			{cond("tier", records.Contains, "OL"), "ann dan"},
			{cond("tier", records.StartsWith, "s"), "bob"},
			{cond("price.amount", records.Gt, "600"), "ann"},
			{cond("price.currency", records.Eq, "USD"), "bob"},
			{cond("price.amount", records.Empty, true), "cat dan eve fay"},
			{cond("met", records.Gt, "2026-01-01"), "ann"},
			{cond("met", records.Lt, "2026-01-01T00:00:00Z"), "bob"},
			{cond("met", records.Gte, "2026-01-02T11:00:00+01:00"), "ann"},
			{cond("since", records.Eq, "2020-01-01"), "ann"},
			{cond("buddy", records.Eq, v.user), "ann"},
			{cond("employer", records.Eq, ref("acme")), "ann"},
			{cond("employer", records.Empty, true), "bob cat dan eve fay"},
			{cond("site", records.Contains, "ann.dev"), "ann"},
			{cond("home.city", records.Eq, "Oslo"), "ann"},
			{cond("bio", records.Empty, true), all},
			{cond("nick", records.Eq, "dan"), "dan"},
			{cond("nick", records.Contains, "BB"), "bob"},
			{cond("nick", records.StartsWith, "an"), "ann"},
			{cond("nick", records.Lt, "B"), "ann"},
			// Lists match on any element, compared as stored.
			{cond("emails", records.Eq, "ANN@X.COM"), "ann"},
			{cond("emails", records.Eq, "ann.work@y.org"), "ann"},
			{cond("emails", records.Ne, "bob@x.com"), "ann cat dan eve fay"},
			{cond("emails", records.In, []any{"bob@x.com", "dan_x@z.com"}), "bob dan"},
			{cond("emails", records.Contains, "@X.com"), "ann bob"},
			{cond("emails", records.StartsWith, "dan_"), "dan"},
			{cond("emails", records.Empty, true), "cat fay"},
			{cond("emails", records.Empty, false), "ann bob dan eve"},
			{cond("phones", records.Eq, "+1 415-555-2671"), "ann"},
			{cond("phones", records.Eq, "(415) 555 2671"), "ann"},
			{cond("phones", records.Eq, "+442079460958"), "bob"},
			{cond("phones", records.Contains, "7946"), "bob"},
			{cond("phones", records.Empty, true), "cat dan eve fay"},
			{cond("tags", records.Eq, "vip"), "ann"},
			{cond("tags", records.Ne, "vip"), "bob cat dan eve fay"},
			{cond("tags", records.In, []any{"east", "west"}), "ann bob"},
			{cond("tags", records.Contains, "ST"), "ann bob"},
			{cond("tags", records.StartsWith, "e"), "bob"},
			{cond("tags", records.Empty, true), "cat dan eve fay"},
			{cond("labels", records.Eq, "y"), "ann bob"},
			{cond("labels", records.In, []any{"x"}), "ann"},
			{cond("labels", records.Empty, false), "ann bob"},
			{cond("ctags", records.Eq, "alpha"), "ann"},
			{cond("cphones", records.Eq, "+44 20 7946 0958"), "ann"},
			{cond("cmails", records.Eq, "ann@HOME.org"), "ann"},
			{cond("links", records.Contains, "ann.dev"), "ann"},
			{cond("links", records.Empty, true), "bob cat dan eve fay"},
			// Links.
			{cond("companies", records.Eq, ref("acme")), "ann bob"},
			{cond("companies", records.Eq, ref("globex")), "bob cat"},
			{cond("companies", records.In, []any{ref("acme"), ref("globex")}), "ann bob cat"},
			{cond("companies", records.Empty, true), "dan eve fay"},
			{cond("companies", records.Empty, false), "ann bob cat"},
			// Groups.
			{or(cond("last_name", records.Eq, "Lee"), cond("score", records.Lt, "6")), "ann bob dan"},
			{and(cond("last_name", records.Eq, "Lee"), or(cond("vip", records.Eq, true), cond("tier", records.Eq, "silver"))), "ann bob"},
			{and(cond("companies", records.Eq, ref("globex")), cond("score", records.Empty, false)), "bob"},
			{or(and(cond("tier", records.Eq, "gold"), cond("score", records.Gt, "6")), and(cond("tier", records.Eq, "silver"))), "ann bob"},
			{and(cond("tags", records.Eq, "vip"), cond("emails", records.Eq, "bob@x.com")), ""},
			{or(cond("tags", records.Eq, "vip"), cond("emails", records.Eq, "bob@x.com")), "ann bob"},
			{and(), all},
			{or(), ""},
			{and(or(and(or(and(or(and(cond("nick", records.Eq, "dan")))))))), "dan"},
		} {
			page, err := v.e.List(v.ctx, "contacts", records.Query{Filter: c.filter, Count: true})
			if err != nil {
				t.Errorf("%s: %v", jsonOf(c.filter), err)
				continue
			}
			if got := names(page); got != c.want {
				t.Errorf("%s: got %q, want %q", jsonOf(c.filter), got, c.want)
			}
			if *page.Total != int64(len(page.Data)) {
				t.Errorf("%s: total %d for %d records", jsonOf(c.filter), *page.Total, len(page.Data))
			}
		}
	})
}

func TestFilterErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		filterFixture(v)
		for _, c := range []struct {
			filter *records.Filter
			field  string
		}{
			{cond("nope", records.Eq, "x"), "filter.field"},
			{cond("", records.Eq, "x"), "filter.field"},
			{and(cond("last_name", records.Eq, "x"), cond("nope", records.Eq, "x")), "filter.and[1].field"},
			{or(cond("last_name", records.Eq, "x"), and(cond("score", records.Eq, "x"))), "filter.or[1].and[0].value"},
			{cond("address.planet", records.Eq, "x"), "filter.field"},
			{cond("price.cents", records.Eq, "1"), "filter.field"},
			{cond("address", records.Eq, "Paris"), "filter.field"},
			{cond("home", records.Contains, "Oslo"), "filter.field"},
			{cond("price", records.Gt, "5"), "filter.field"},
			{cond("last_name.x", records.Eq, "x"), "filter.field"},
			{cond("last_name", "like", "x"), "filter.op"},
			{cond("score", records.Contains, "1"), "filter.op"},
			{cond("birthday", records.StartsWith, "1990"), "filter.op"},
			{cond("vip", records.Gt, true), "filter.op"},
			{cond("companies", records.Lt, "1"), "filter.op"},
			{cond("companies", records.Contains, "1"), "filter.op"},
			{cond("emails", records.Gt, "a"), "filter.op"},
			{cond("score", records.Eq, "abc"), "filter.value"},
			{cond("score", records.Eq, "1.5"), "filter.value"},
			{cond("ratio", records.Gt, "many"), "filter.value"},
			{cond("vip", records.Eq, "yes please"), "filter.value"},
			{cond("birthday", records.Eq, "yesterday"), "filter.value"},
			{cond("met", records.Gt, "soon"), "filter.value"},
			{cond("created_at", records.Gt, "soon"), "filter.value"},
			{cond("id", records.Eq, "abc"), "filter.value"},
			{cond("owner_id", records.Eq, "-3"), "filter.value"},
			{cond("employer", records.Eq, "x"), "filter.value"},
			{cond("companies", records.Eq, "abc"), "filter.value"},
			{cond("companies", records.In, []any{"1", "x"}), "filter.value[1]"},
			{cond("score", records.In, "5"), "filter.value"},
			{cond("score", records.In, []any{}), "filter.value"},
			{cond("score", records.In, []any{"a"}), "filter.value[0]"},
			{cond("tags", records.In, []any{}), "filter.value"},
			{cond("tags", records.In, []any{map[string]any{}}), "filter.value[0]"},
			{cond("last_name", records.In, make([]any, 501)), "filter.value"},
			{cond("last_name", records.Empty, "maybe"), "filter.value"},
			{cond("tags", records.Empty, 3), "filter.value"},
			{cond("companies", records.Empty, "x"), "filter.value"},
			{cond("last_name", records.Eq, map[string]any{"a": 1}), "filter.value"},
			{cond("last_name", records.Eq, []any{"a"}), "filter.value"},
			{cond("last_name", records.Eq, nil), "filter.value"},
			{cond("last_name", records.Eq, strings.Repeat("x", 1001)), "filter.value"},
			{cond("last_name", records.Eq, "a\x00"), "filter.value"},
			{cond("last_name", records.Contains, "\xff"), "filter.value"},
			{cond("nick", records.Eq, "\x00"), "filter.value"},
			{cond("emails", records.Eq, "a\x00"), "filter.value"},
			{cond("tags", records.Contains, "\x00"), "filter.value"},
		} {
			_, err := v.e.List(v.ctx, "contacts", records.Query{Filter: c.filter})
			if fault.Code(err) != fault.EINVALID || !slices.Contains(errFields(err), c.field) {
				t.Errorf("%s: error %v (%s, fields %q), want EINVALID naming %s", jsonOf(c.filter), err, fault.Code(err), errFields(err), c.field)
			}
		}
	})
}

// sortFixture makes n contacts whose sort fields often tie and are often
// empty.
func sortFixture(v *env, n int) {
	v.t.Helper()
	for _, f := range []records.FieldSpec{
		{Name: "score", Type: records.Integer},
		{Name: "ratio", Type: records.Decimal},
		{Name: "vip", Type: records.Boolean},
		{Name: "tier", Type: records.Select, Options: []string{"gold", "silver", "bronze"}},
		{Name: "price", Type: records.Money},
		{Name: "met", Type: records.DateTime},
		{Name: "nick", Type: records.Text},
		{Name: "home", Type: records.Address},
		{Name: "buddy", Type: records.User},
		{Name: "since", Type: records.Date},
	} {
		v.addField("contacts", f)
	}
	r := rand.New(rand.NewPCG(7, 11))
	pick := func(vals ...string) string { return vals[r.IntN(len(vals))] }
	for i := range n {
		body := fmt.Sprintf(`{"first_name": "c%02d", "last_name": %s, "birthday": %s, "score": %s, "ratio": %s, "vip": %s,
			"tier": %s, "price": %s, "met": %s, "nick": %s, "home": %s, "address": %s, "buddy": %s, "source": %s,
			"since": %s, "owner_id": %s}`, i,
			pick(`null`, `"a"`, `"b"`, `"B"`, `"c"`),
			pick(`null`, `"1990-01-01"`, `"2000-02-02"`),
			pick(`null`, `-1`, `2`, `10`, `9007199254740991`),
			pick(`null`, `0.5`, `2`, `10`, `-3.25`),
			pick(`null`, `true`, `false`),
			pick(`null`, `"gold"`, `"silver"`),
			pick(`null`, `{"amount": 5, "currency": "EUR"}`, `{"amount": 40, "currency": "USD"}`),
			pick(`null`, `"2026-01-01T00:00:00Z"`, `"2026-01-01T00:00:00.5Z"`, `"2025-12-31T23:00:00-02:00"`),
			pick(`null`, `"x"`, `"y"`),
			pick(`null`, `{"city": "Oslo"}`, `{"city": "Bergen"}`),
			pick(`null`, `{"city": "Paris"}`, `{"country": "FR"}`),
			pick(`null`, `"`+v.user+`"`),
			pick(`null`, `"email"`, `"chat"`),
			pick(`null`, `"2020-01-01"`, `"2019-12-31"`),
			pick(`null`, `"`+v.user+`"`, `"`+v.user+`"`))
		v.create("contacts", body)
	}
}

// sortable lists every field of sortFixture that records sort by; each is
// tried in both directions, then in combinations.
var sortable = []string{"id", "first_name", "last_name", "full_name", "birthday", "source", "owner_id", "created_at",
	"updated_at", "address.city", "address.country", "score", "ratio", "vip", "tier", "price.amount", "price.currency",
	"met", "since", "nick", "home.city", "buddy"}

func sorts() [][]string {
	out := [][]string{nil}
	for _, f := range sortable {
		out = append(out, []string{f}, []string{"-" + f})
	}
	return append(out, []string{"source", "id"}, []string{"-score", "-id"})
}

func TestSortAndPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		const n = 55
		sortFixture(v, n)
		for _, sort := range sorts() {
			full, err := v.e.List(v.ctx, "contacts", records.Query{Sort: sort, Limit: records.MaxLimit, Count: true})
			if err != nil {
				t.Fatalf("sort %q: %v", sort, err)
			}
			if len(full.Data) != n || *full.Total != n || full.NextCursor != "" {
				t.Fatalf("sort %q: %d records, total %d, cursor %q", sort, len(full.Data), *full.Total, full.NextCursor)
			}
			checkOrder(t, sort, full.Data)
			for _, limit := range []int{2, 7} {
				got := walk(t, v, records.Query{Sort: sort, Limit: limit})
				if want := idsOf(full.Data); !slices.Equal(got, want) {
					t.Errorf("sort %q, pages of %d: walked\n%v\nwant\n%v", sort, limit, got, want)
				}
			}
			// A listing of versions walks the same pages, each record
			// with its id and version alone.
			if got := walk(t, v, records.Query{Sort: sort, Limit: 7, Versions: true}); !slices.Equal(got, idsOf(full.Data)) {
				t.Errorf("sort %q, versions alone: walked\n%v\nwant\n%v", sort, got, idsOf(full.Data))
			}
			lean, err := v.e.List(v.ctx, "contacts", records.Query{Sort: sort, Limit: records.MaxLimit, Versions: true})
			if err != nil || len(lean.Data) != n {
				t.Fatalf("sort %q, versions alone: %d records, %v", sort, len(lean.Data), err)
			}
			for i, r := range lean.Data {
				if len(r) != 2 || r["version"] != full.Data[i]["version"] {
					t.Fatalf("sort %q, versions alone: %v, want the id and version of %v", sort, r, full.Data[i])
				}
			}
		}
		// The default page.
		page, err := v.e.List(v.ctx, "contacts", records.Query{})
		if err != nil || len(page.Data) != records.DefaultLimit || page.NextCursor == "" || page.Total != nil {
			t.Errorf("default page: %d records, cursor %q, total %v, %v", len(page.Data), page.NextCursor, page.Total, err)
		}
	})
}

// walk reads every page of q and returns the ids in order, failing on a
// record seen twice.
func walk(t *testing.T, v *env, q records.Query) []string {
	t.Helper()
	var ids []string
	seen := map[string]bool{}
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatalf("query %+v: no end of pages", q)
		}
		page, err := v.e.List(v.ctx, "contacts", q)
		if err != nil {
			t.Fatalf("query %+v: %v", q, err)
		}
		if len(page.Data) > q.Limit {
			t.Fatalf("query %+v: page of %d", q, len(page.Data))
		}
		for _, r := range page.Data {
			if seen[id(r)] {
				t.Fatalf("query %+v: record %s twice", q, id(r))
			}
			seen[id(r)] = true
			ids = append(ids, id(r))
		}
		if page.NextCursor == "" {
			return ids
		}
		// A page may be short while a cursor goes on: a list reads a
		// bounded part of its index per request.
		q.Cursor = page.NextCursor
	}
}

func idsOf(recs []records.Record) []string {
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = id(r)
	}
	return ids
}

// checkOrder fails unless recs are in strictly increasing order of sort,
// with NULLs first when ascending and last when descending, ties broken by
// id in the direction of the last key. Text sorts without regard to case.
func checkOrder(t *testing.T, sort []string, recs []records.Record) {
	t.Helper()
	for i := 1; i < len(recs); i++ {
		if c := compareRecords(sort, recs[i-1], recs[i]); c >= 0 {
			t.Errorf("sort %q: record %s (%v) before %s (%v)", sort, id(recs[i-1]), sortValues(sort, recs[i-1]),
				id(recs[i]), sortValues(sort, recs[i]))
		}
	}
}

func sortValues(sort []string, r records.Record) []any {
	var out []any
	for _, s := range sort {
		out = append(out, valueAt(r, strings.TrimPrefix(s, "-")))
	}
	return out
}

func compareRecords(sort []string, a, b records.Record) int {
	desc := false
	for _, s := range sort {
		desc = strings.HasPrefix(s, "-")
		name := strings.TrimPrefix(s, "-")
		if name == "id" {
			break
		}
		x, y := valueAt(a, name), valueAt(b, name)
		if folded[name] {
			x, y = lower(x), lower(y)
		}
		var c int
		switch {
		case x == nil && y == nil:
		case x == nil:
			c = -1
		case y == nil:
			c = 1
		default:
			c = compareValues(x, y)
		}
		if desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	c := cmp.Compare(atoi(id(a)), atoi(id(b)))
	if desc {
		c = -c
	}
	return c
}

// folded are the fields of sortFixture that sort by their lower-case
// form: text, addresses and currencies.
var folded = map[string]bool{"first_name": true, "last_name": true, "full_name": true, "nick": true, "address.city": true,
	"address.country": true, "price.currency": true, "home.city": true}

func lower(v any) any {
	if s, ok := v.(string); ok {
		return strings.ToLower(s)
	}
	return v
}

// valueAt returns the value of a field, or of a part of one (address.city).
func valueAt(r records.Record, name string) any {
	base, part, _ := strings.Cut(name, ".")
	v := r[base]
	if part != "" {
		m, _ := v.(map[string]any)
		v = m[part]
	}
	return v
}

func compareValues(x, y any) int {
	switch a := x.(type) {
	case string:
		b := y.(string)
		if ai, bi, ok := bothIDs(a, b); ok { // user and relation ids
			return cmp.Compare(ai, bi)
		}
		return strings.Compare(a, b)
	case json.Number:
		af, _ := a.Float64()
		bf, _ := y.(json.Number).Float64()
		return cmp.Compare(af, bf)
	case bool:
		b := y.(bool)
		switch {
		case a == b:
			return 0
		case !a:
			return -1
		}
		return 1
	}
	panic(fmt.Sprintf("cannot compare %T", x))
}

func bothIDs(a, b string) (int64, int64, bool) {
	x, err1 := strconv.ParseInt(a, 10, 64)
	y, err2 := strconv.ParseInt(b, 10, 64)
	return x, y, err1 == nil && err2 == nil
}

func atoi(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

// TestPagesWhileWriting walks pages while records are added and deleted
// between them: every record that stayed put appears exactly once, a new
// record appears when it sorts after the cursor and not when before, and a
// deleted record not yet reached does not appear.
func TestPagesWhileWriting(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		sortFixture(v, 20)
		for _, sort := range [][]string{{"last_name"}, {"-last_name"}, {"-score"}, {"vip"}, nil} {
			before, err := v.e.List(v.ctx, "contacts", records.Query{Sort: sort, Limit: records.MaxLimit})
			if err != nil {
				t.Fatal(err)
			}
			q := records.Query{Sort: sort, Limit: 3}
			page, err := v.e.List(v.ctx, "contacts", q)
			if err != nil {
				t.Fatal(err)
			}
			last := page.Data[len(page.Data)-1]
			added := []records.Record{
				v.create("contacts", `{"first_name": "new1", "last_name": null, "score": null}`),
				v.create("contacts", `{"first_name": "new2", "last_name": "zzz", "score": -5, "vip": true, "ratio": 99}`),
			}
			gone := before.Data[len(before.Data)-2]
			if err := v.e.Delete(v.ctx, "contacts", id(gone), 0); err != nil {
				t.Fatal(err)
			}
			q.Cursor = page.NextCursor
			got := append(idsOf(page.Data), walk(t, v, q)...)

			for _, r := range before.Data {
				want := 1
				if id(r) == id(gone) {
					want = 0
				}
				if n := count(got, id(r)); n != want {
					t.Errorf("sort %q: record %s seen %d times, want %d", sort, id(r), n, want)
				}
			}
			for _, r := range added {
				want := 0
				if compareRecords(sort, r, last) > 0 {
					want = 1
				}
				if n := count(got, id(r)); n != want {
					t.Errorf("sort %q: record %s added between pages seen %d times, want %d", sort, r["first_name"], n, want)
				}
				if err := v.e.Purge(v.ctx, "contacts", id(r), 0); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := v.e.Restore(v.ctx, "contacts", id(gone)); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func count(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}

func TestCount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		sortFixture(v, 12)
		q := records.Query{Filter: cond("vip", records.Empty, false), Limit: 2, Sort: []string{"last_name"}}
		page, err := v.e.List(v.ctx, "contacts", q)
		if err != nil || page.Total != nil {
			t.Fatalf("total without asking: %v %v", page.Total, err)
		}
		all, err := v.e.List(v.ctx, "contacts", records.Query{Filter: q.Filter, Limit: records.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		want := int64(len(all.Data))
		q.Count = true
		for pages := 0; ; pages++ {
			page, err := v.e.List(v.ctx, "contacts", q)
			if err != nil {
				t.Fatal(err)
			}
			if page.Total == nil || *page.Total != want {
				t.Fatalf("page %d: total %v, want %d", pages, page.Total, want)
			}
			if page.NextCursor == "" {
				break
			}
			q.Cursor = page.NextCursor
		}
	})
}

// TestCappedCount checks that a count with a limit stops one past it, so
// that a list can say "more than N" without reading every record.
func TestCappedCount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		sortFixture(v, 12)
		all, err := v.e.List(v.ctx, "contacts", records.Query{Count: true, Limit: 1})
		if err != nil || all.Total == nil {
			t.Fatalf("the whole count: %v %v", all.Total, err)
		}
		for _, c := range []struct {
			filter *records.Filter
			limit  int
			want   int64
		}{
			{nil, 5, 6},
			{nil, 1000, *all.Total},
			{cond("vip", records.Empty, false), 1, 2},
		} {
			page, err := v.e.List(v.ctx, "contacts", records.Query{Filter: c.filter, Count: true, CountLimit: c.limit, Limit: 1})
			if err != nil || page.Total == nil || *page.Total != c.want {
				t.Errorf("count up to %d: %v %v, want %d", c.limit, page.Total, err, c.want)
			}
		}
	})
}

func TestBadPaging(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		sortFixture(v, 5)
		cursorFor := func(sort ...string) string {
			page, err := v.e.List(v.ctx, "contacts", records.Query{Sort: sort, Limit: 1})
			if err != nil || page.NextCursor == "" {
				t.Fatalf("no cursor: %v", err)
			}
			return page.NextCursor
		}
		forge := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
		for _, c := range []struct {
			q     records.Query
			field string
		}{
			{records.Query{Cursor: "!!!"}, "cursor"},
			{records.Query{Cursor: "e30"}, "cursor"},
			{records.Query{Cursor: forge(`[]`)}, "cursor"},
			{records.Query{Cursor: forge(`{"s": "", "v": []}`)}, "cursor"},
			{records.Query{Cursor: forge(`{"s": "", "v": [null]}`)}, "cursor"},
			{records.Query{Cursor: forge(`{"s": "", "v": ["1"]}`)}, "cursor"},
			{records.Query{Cursor: forge(`{"s": "", "v": [1.5]}`)}, "cursor"},
			{records.Query{Cursor: forge(`{"s": "", "v": [1, 2]}`)}, "cursor"},
			{records.Query{Cursor: forge(`{"s": "", "v": [99999999999999999999]}`)}, "cursor"},
			{records.Query{Sort: []string{"score"}, Cursor: forge(`{"s": "score", "v": ["abc", 1]}`)}, "cursor"},
			{records.Query{Sort: []string{"score"}, Cursor: forge(`{"s": "score", "v": [{}, 1]}`)}, "cursor"},
			{records.Query{Sort: []string{"vip"}, Cursor: forge(`{"s": "vip", "v": ["maybe", 1]}`)}, "cursor"},
			{records.Query{Sort: []string{"created_at"}, Cursor: forge(`{"s": "created_at", "v": ["noon", 1]}`)}, "cursor"},
			{records.Query{Sort: []string{"last_name"}, Cursor: forge(`{"s": "last_name", "v": ["a\u0000", 1]}`)}, "cursor"},
			{records.Query{Cursor: strings.Repeat("A", 20000)}, "cursor"},
			{records.Query{Sort: []string{"first_name"}, Cursor: cursorFor("last_name")}, "cursor"},
			{records.Query{Sort: []string{"-last_name"}, Cursor: cursorFor("last_name")}, "cursor"},
			{records.Query{Sort: []string{"last_name"}, Cursor: cursorFor()}, "cursor"},
			{records.Query{Cursor: cursorFor("score")}, "cursor"},
			{records.Query{Sort: []string{"last_name", "score"}}, "sort[1]"},
			{records.Query{Sort: []string{"id", "score"}}, "sort[0]"},
			{records.Query{Sort: []string{"score", "-id"}}, "sort[1]"},
			{records.Query{Sort: []string{"tags"}}, "sort[0]"},
			{records.Query{Sort: []string{"nope"}}, "sort[0]"},
			{records.Query{Sort: []string{"price"}}, "sort[0]"},
			{records.Query{Sort: []string{"home"}}, "sort[0]"},
			{records.Query{Sort: []string{"-emails"}}, "sort[0]"},
			{records.Query{Sort: []string{"last_name", "companies"}}, "sort[1]"},
			{records.Query{Sort: []string{"deleted_at"}}, "sort[0]"},
			{records.Query{Sort: []string{""}}, "sort[0]"},
			{records.Query{Sort: []string{"a", "b", "c", "d", "e", "f"}}, "sort"},
			{records.Query{Limit: -1}, "limit"},
			{records.Query{Limit: records.MaxLimit + 1}, "limit"},
			{records.Query{Deleted: "yes"}, "deleted"},
		} {
			_, err := v.e.List(v.ctx, "contacts", c.q)
			if fault.Code(err) != fault.EINVALID || !slices.Contains(errFields(err), c.field) {
				t.Errorf("%+v: error %v (fields %q), want EINVALID naming %s", c.q, err, errFields(err), c.field)
			}
		}
	})
}

func TestTrash(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		for _, n := range []string{"ann", "bob", "cat", "dan", "eve"} {
			v.create("contacts", `{"first_name": "`+n+`"}`)
		}
		page, _ := v.e.List(v.ctx, "contacts", records.Query{})
		for _, r := range page.Data {
			if r["first_name"] == "bob" || r["first_name"] == "dan" || r["first_name"] == "eve" {
				if err := v.e.Delete(v.ctx, "contacts", id(r), 0); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, c := range []struct {
			deleted string
			want    string
		}{
			{"", "ann cat"},
			{"false", "ann cat"},
			{"only", "bob dan eve"},
			{"include", "ann bob cat dan eve"},
		} {
			page, err := v.e.List(v.ctx, "contacts", records.Query{Deleted: c.deleted, Count: true})
			if err != nil {
				t.Fatal(err)
			}
			if names(page) != c.want || *page.Total != int64(len(page.Data)) {
				t.Errorf("deleted=%q: %s (total %d), want %s", c.deleted, names(page), *page.Total, c.want)
			}
			for _, r := range page.Data {
				if (r["deleted_at"] != nil) != strings.Contains("bob dan eve", r["first_name"].(string)) {
					t.Errorf("deleted=%q: %s has deleted_at %v", c.deleted, r["first_name"], r["deleted_at"])
				}
			}
			q := records.Query{Deleted: c.deleted, Limit: 1, Sort: []string{"-id"}}
			if got := walk(t, v, q); len(got) != len(page.Data) {
				t.Errorf("deleted=%q: walked %d records, want %d", c.deleted, len(got), len(page.Data))
			}
		}
	})
}

package records_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// anyOf is an or group of n contains conditions on field.
func anyOf(field string, n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf(`{"field": %q, "op": "contains", "value": "v%d"}`, field, i)
	}
	return `{"or": [` + strings.Join(parts, ", ") + `]}`
}

// nested wraps leaf in depth alternating and/or groups, each with a
// contains condition beside it.
func nested(leaf string, depth int) string {
	for i := range depth {
		key := []string{"and", "or"}[i%2]
		leaf = fmt.Sprintf(`{%q: [%s, {"field": "job_title", "op": "contains", "value": "x"}]}`, key, leaf)
	}
	return leaf
}

// The cost model sorts queries into cheap (served by indexes, or reading
// a window of one), expensive (many tests on each record of a window, a
// count of every record) and refused (over the limit, naming the part
// that costs most).
func TestCost(t *testing.T) {
	v := newEnv(t, storetest.SQLite(t))
	if err := v.e.IndexAllFields(v.ctx); err != nil { // e-mails are found through field_values once it is built
		t.Fatal(err)
	}
	const cheap, expensive, refused = "cheap", "expensive", "refused"
	in500 := `"x"` + strings.Repeat(`, "x"`, 499)
	for _, tc := range []struct {
		name, body, want, part string
	}{
		{"a page", `{}`, cheap, ""},
		{"a sort", `{"sort": "-birthday"}`, cheap, ""},
		{"an indexed equality", `{"filter": {"field": "last_name", "value": "Lee"}}`, cheap, ""},
		{"a prefix and a range", `{"filter": {"and": [{"field": "last_name", "op": "starts_with", "value": "Le"},
			{"field": "created_at", "op": "gte", "value": "2026-01-01"}]}}`, cheap, ""},
		{"an or of indexed equalities", `{"filter": {"or": [{"field": "last_name", "value": "Lee"},
			{"field": "first_name", "value": "Ann"}]}}`, cheap, ""},
		{"a list of values", `{"filter": {"field": "emails", "value": "a@b.c"}}`, cheap, ""},
		// A page reads at most a window of an index (plan.go), so one
		// condition tested on each record is cheap.
		{"contains", `{"filter": {"field": "last_name", "op": "contains", "value": "ee"}}`, cheap, ""},
		{"ne", `{"filter": {"field": "last_name", "op": "ne", "value": "Lee"}}`, cheap, ""},
		{"an or with one unserved alternative", `{"filter": {"or": [{"field": "last_name", "value": "Lee"},
			{"field": "job_title", "op": "contains", "value": "x"}]}}`, cheap, ""},
		{"a contains on a list beside an equality", `{"filter": {"and": [{"field": "last_name", "value": "Lee"},
			{"field": "emails", "op": "contains", "value": "x"}]}}`, expensive, "filter.and[1]"},
		{"a huge in list", `{"filter": {"field": "last_name", "op": "in", "value": [` + in500 + `]}}`, expensive, "filter"},
		{"count", `{"count": true}`, expensive, "count"},
		{"ten alternatives", `{"filter": ` + anyOf("last_name", 10) + `}`, expensive, "filter"},
		{"a deep tree", `{"filter": ` + nested(`{"field": "job_title", "op": "contains", "value": "x"}`, 8) + `}`, expensive, ""},
		{"a hundred alternatives", `{"filter": ` + anyOf("last_name", 100) + `}`, expensive, "filter"},
		{"deep in a tree", `{"filter": ` + nested(anyOf("phones", 40), 3) + `}`, expensive, "filter.and[0].or[0].and[0]"},
		{"a hundred alternatives on a list", `{"filter": ` + anyOf("emails", 100) + `}`, refused, "filter"},
		{"the costly part of an and", `{"filter": {"and": [{"field": "owner_id", "value": "1"}, ` + anyOf("emails", 60) + `]}}`,
			refused, "filter.and[1]"},
		{"count over a costly filter", `{"count": true, "filter": ` + anyOf("emails", 20) + `}`, refused, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, err := records.ParseQueryBody([]byte(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			c, err := v.e.Cost(v.ctx, "contacts", q)
			got := cheap
			switch {
			case err != nil:
				got = refused
			case c.Expensive():
				got = expensive
			}
			if got != tc.want {
				t.Fatalf("%s (cost %+v, %v), want %s", got, c, err, tc.want)
			}
			if tc.part != "" && c.Part != tc.part {
				t.Errorf("costliest part %q (%s), want %q", c.Part, c.Why, tc.part)
			}
			if err == nil {
				return
			}
			var fe *fault.Error
			if !errors.As(err, &fe) || fe.Code != fault.EINVALID || len(fe.Fields) != 1 || fe.Fields[0].Field != c.Part ||
				!strings.Contains(fe.Fields[0].Message, fmt.Sprint(records.MaxCost)) {
				t.Fatalf("refused with %#v, want an invalid-input error naming %s and the limit", err, c.Part)
			}
			// The list refuses the same query before it reaches the
			// database.
			if _, err := v.e.List(v.ctx, "contacts", q); err == nil || err.Error() != fe.Error() {
				t.Fatalf("the list answered %v, want %v", err, fe)
			}
		})
	}
}

// A filter on a field the caller cannot name costs nothing to refuse: the
// list reports the field as it always has.
func TestCostLeavesUnknownFieldsToList(t *testing.T) {
	v := newEnv(t, storetest.SQLite(t))
	q, _ := records.ParseQueryBody([]byte(`{"filter": ` + anyOf("no_such_field", 100) + `}`))
	if _, err := v.e.Cost(v.ctx, "contacts", q); err != nil {
		t.Fatalf("cost of unknown fields: %v", err)
	}
	if _, err := v.e.List(v.ctx, "contacts", q); !fault.Is(err, fault.EINVALID) || !strings.Contains(err.Error(), "no_such_field") {
		t.Fatalf("list: %v", err)
	}
}

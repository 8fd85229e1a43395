package records_test

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
)

// conditions returns the JSON of each condition of a query's top-level AND,
// sorted, since query-string parameters come in no particular order.
func conditions(q records.Query) []string {
	if q.Filter == nil {
		return nil
	}
	var out []string
	for _, c := range q.Filter.And {
		out = append(out, jsonOf(c))
	}
	slices.Sort(out)
	return out
}

func TestParseParams(t *testing.T) {
	for _, c := range []struct {
		query string
		conds []string
		want  records.Query // without Filter
	}{
		{"", nil, records.Query{}},
		{"first_name=Ada", []string{`{"field":"first_name","op":"eq","value":"Ada"}`}, records.Query{}},
		{"score[gt]=5&score[lte]=10", []string{`{"field":"score","op":"gt","value":"5"}`, `{"field":"score","op":"lte","value":"10"}`}, records.Query{}},
		{"tags[in]=a,b,", []string{`{"field":"tags","op":"in","value":["a","b",""]}`}, records.Query{}},
		{"last_name[empty]=true", []string{`{"field":"last_name","op":"empty","value":"true"}`}, records.Query{}},
		{"address.city[starts_with]=Par", []string{`{"field":"address.city","op":"starts_with","value":"Par"}`}, records.Query{}},
		{"tier=a&tier=b", []string{`{"field":"tier","op":"eq","value":"a"}`, `{"field":"tier","op":"eq","value":"b"}`}, records.Query{}},
		{"q=%00%ff", []string{`{"field":"q","op":"eq","value":"\u0000\ufffd"}`}, records.Query{}},
		{"sort=-last_name,%20first_name,&limit=10&count=true&deleted=only&cursor=abc", nil,
			records.Query{Sort: []string{"-last_name", "first_name"}, Limit: 10, Count: true, Deleted: "only", Cursor: "abc"}},
		{"count=1&deleted=include", nil, records.Query{Count: true, Deleted: "include"}},
		{"count=false", nil, records.Query{}},
	} {
		v, err := url.ParseQuery(c.query)
		if err != nil {
			t.Fatal(err)
		}
		q, err := records.ParseParams(v)
		if err != nil {
			t.Errorf("%s: %v", c.query, err)
			continue
		}
		if got := conditions(q); !slices.Equal(got, c.conds) {
			t.Errorf("%s: conditions %q, want %q", c.query, got, c.conds)
		}
		q.Filter = nil
		if jsonOf(q) != jsonOf(c.want) {
			t.Errorf("%s: query %+v, want %+v", c.query, q, c.want)
		}
	}
}

func TestParseParamsErrors(t *testing.T) {
	many := make([]string, 101)
	for i := range many {
		many[i] = "a=1"
	}
	for _, c := range []struct {
		query string
		field string
	}{
		{"score[gt=5", "score[gt"},
		{"score[like]=5", "score[like]"},
		{"score[]=5", "score[]"},
		{"score[gt]x]=5", "score[gt]x]"},
		{"limit=ten", "limit"},
		{"limit=501", "limit"},
		{"limit=-1", "limit"},
		{"limit=99999999999999999999", "limit"},
		{"count=yes", "count"},
		{"deleted=all", "deleted"},
		{"sort=a,b,c,d,e,f", "sort"},
		{strings.Join(many, "&"), ""},
	} {
		v, err := url.ParseQuery(c.query)
		if err != nil {
			t.Fatal(err)
		}
		_, err = records.ParseParams(v)
		if fault.Code(err) != fault.EINVALID || !slices.Contains(errFields(err), c.field) {
			t.Errorf("%s: error %v (fields %q), want EINVALID naming %q", c.query, err, errFields(err), c.field)
		}
	}
}

func TestParseQueryBody(t *testing.T) {
	for _, c := range []struct {
		body string
		want string // the Query as JSON
	}{
		{`{}`, `{"Filter":null,"Sort":null,"Limit":0,"Cursor":"","Count":false,"Deleted":""}`},
		{`{"filter": null, "sort": null}`, `{"Filter":null,"Sort":null,"Limit":0,"Cursor":"","Count":false,"Deleted":""}`},
		{`{"filter": {"field": "a", "value": "x"}}`, `{"Filter":{"field":"a","op":"eq","value":"x"},"Sort":null,"Limit":0,"Cursor":"","Count":false,"Deleted":""}`},
		{`{"filter": {"and": [{"field": "a", "op": "gt", "value": 12345678901234567890}, {"or": []}]}}`,
			`{"Filter":{"and":[{"field":"a","op":"gt","value":12345678901234567890},{}]},"Sort":null,"Limit":0,"Cursor":"","Count":false,"Deleted":""}`},
		{`{"filter": {"field": "a", "op": "empty"}}`, `{"Filter":{"field":"a","op":"empty"},"Sort":null,"Limit":0,"Cursor":"","Count":false,"Deleted":""}`},
		{`{"sort": "a, -b"}`, `{"Filter":null,"Sort":["a","-b"],"Limit":0,"Cursor":"","Count":false,"Deleted":""}`},
		{`{"sort": ["a", "-b"], "limit": 10, "count": true, "deleted": "only", "cursor": "x"}`,
			`{"Filter":null,"Sort":["a","-b"],"Limit":10,"Cursor":"x","Count":true,"Deleted":"only"}`},
		{" \n{}\n ", `{"Filter":null,"Sort":null,"Limit":0,"Cursor":"","Count":false,"Deleted":""}`},
	} {
		q, err := records.ParseQueryBody([]byte(c.body))
		if err != nil {
			t.Errorf("%s: %v", c.body, err)
			continue
		}
		if got := jsonOf(q); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.body, got, c.want)
		}
	}
	// An empty OR group stays distinct from an empty AND group.
	q, err := records.ParseQueryBody([]byte(`{"filter": {"or": []}}`))
	if err != nil || q.Filter.Or == nil || q.Filter.And != nil {
		t.Errorf("empty or: %+v %v", q.Filter, err)
	}
}

func TestParseQueryBodyErrors(t *testing.T) {
	nest := func(depth int) string {
		return strings.Repeat(`{"and": [`, depth) + `{"field": "a"}` + strings.Repeat(`]}`, depth)
	}
	many := `{"filter": {"or": [` + strings.Repeat(`{"field": "a"},`, 100) + `{"field": "a"}]}}`
	for _, c := range []struct {
		body  string
		field string
	}{
		{``, ""},
		{`{`, ""},
		{`{"limit": }`, ""},
		{`{} {}`, ""},
		{`{}}`, ""},
		{`{} x`, ""},
		{`[]`, ""},
		{`{"bogus": 1}`, "bogus"},
		{`{"filter": {"field": "a", "bogus": 1}}`, "bogus"},
		{`{"limit": "10"}`, "limit"},
		{`{"limit": 1.5}`, "limit"},
		{`{"limit": 501}`, "limit"},
		{`{"limit": -1}`, "limit"},
		{`{"count": "yes"}`, "count"},
		{`{"deleted": "x"}`, "deleted"},
		{`{"sort": 5}`, "sort"},
		{`{"sort": {"a": 1}}`, "sort"},
		{`{"sort": ["a", 5]}`, "sort[1]"},
		{`{"sort": "a,b,c,d,e,f"}`, "sort"},
		{`{"filter": {}}`, "filter"},
		{`{"filter": {"and": null}}`, "filter"},
		{`{"filter": {"and": [], "field": "a"}}`, "filter"},
		{`{"filter": {"and": [], "or": []}}`, "filter"},
		{`{"filter": {"op": "eq", "value": 1}}`, "filter.field"},
		{`{"filter": {"field": "a", "op": "like"}}`, "filter.op"},
		{`{"filter": {"and": [{"field": "a"}, {"or": [{}]}]}}`, "filter.and[1].or[0]"},
		{`{"filter": ` + nest(9) + `}`, "filter" + strings.Repeat(".and[0]", 9)},
		{many, "filter.or[100]"},
		{`{"filter": "a=b"}`, "filter"},
		{`{"filter": {"field": 5}}`, "filter.field"},
	} {
		_, err := records.ParseQueryBody([]byte(c.body))
		if fault.Code(err) != fault.EINVALID || !slices.Contains(errFields(err), c.field) {
			t.Errorf("%s: error %v (fields %q), want EINVALID naming %q", c.body, err, errFields(err), c.field)
		}
	}
	if _, err := records.ParseQueryBody([]byte(`{"filter": ` + nest(8) + `}`)); err != nil {
		t.Errorf("eight levels of nesting: %v", err)
	}
}

func TestDecodeInput(t *testing.T) {
	m, err := records.DecodeInput([]byte(` {"a": 12345678901234567890, "b": [1.50, true, null], "c": {"d": "e"}} `))
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := m["a"].(json.Number); !ok || n.String() != "12345678901234567890" {
		t.Errorf("a = %#v, want the exact number", m["a"])
	}
	if jsonOf(m) != `{"a":12345678901234567890,"b":[1.50,true,null],"c":{"d":"e"}}` {
		t.Errorf("decoded %s", jsonOf(m))
	}
	for _, body := range []string{``, ` `, `null`, `[]`, `[{}]`, `"x"`, `5`, `true`, `{"a":1} {"b":2}`, `{"a":1}]`, `{"a":1}}`,
		`{"a":}`, `{`, `{"a" 1}`, `{'a': 1}`, "\xff"} {
		_, err := records.DecodeInput([]byte(body))
		if fault.Code(err) != fault.EINVALID {
			t.Errorf("%q: error %v, want EINVALID", body, err)
		}
	}
}

func TestDecodeStrict(t *testing.T) {
	var spec records.FieldSpec
	if err := records.DecodeStrict([]byte(` {"name": "tier", "type": "select", "options": ["a"]} `), &spec); err != nil ||
		spec.Name != "tier" || spec.Type != records.Select || len(spec.Options) != 1 {
		t.Fatalf("decoded %+v, %v", spec, err)
	}
	for _, c := range []struct{ body, field string }{
		{`{"name": "x", "colour": "red"}`, "colour"},
		{`{"name": 5}`, "name"},
		{`{"name": "x"}]`, ""},
		{`{"name": "x"} {}`, ""},
		{`{"name": `, ""},
		{``, ""},
	} {
		err := records.DecodeStrict([]byte(c.body), &records.FieldSpec{})
		if fault.Code(err) != fault.EINVALID || !slices.Contains(errFields(err), c.field) {
			t.Errorf("%s: error %v (fields %q), want EINVALID naming %q", c.body, err, errFields(err), c.field)
		}
	}
}

package web

import (
	"encoding/json"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/locale"
	"github.com/rapport-crm/rapport/internal/records"
)

// TestListQueryRoundTrip checks that a list's address reads into the
// builder's conditions and writes back to the same address, and that a
// saved view's filter gives the same query again.
func TestListQueryRoundTrip(t *testing.T) {
	for _, raw := range []string{
		"",
		"col=full_name&col=emails&sort=-updated_at",
		"f0=source&o0=eq&v0=referral",
		"f0=source&o0=in&v0=referral&v0=event&f1=vip&o1=empty&v1=false",
		"m=or&f0=first_name&o0=starts_with&v0=Ad&f1=score&g1=1&m1=or&o1=gt&v1=5&f2=score&g2=1&o2=lt&v2=1&view=3",
		"f0=job_title&g0=2&m2=and&o0=contains&v0=%3Cscript%3E",
	} {
		v, _ := url.ParseQuery(raw)
		q := parseListQuery(v)
		if got := q.values(true).Encode(); got != v.Encode() {
			t.Errorf("%q came back as %q", v.Encode(), got)
		}
		again := fromSaved(q.View, q.Columns, q.Sort, q.savedFilter())
		if !reflect.DeepEqual(again.values(true), q.values(true)) {
			t.Errorf("%q saved came back as %q", v.Encode(), again.values(true).Encode())
		}
	}
}

// TestBuilderButtons checks the buttons of the builder without script:
// adding a row, adding a group, removing a row.
func TestBuilderButtons(t *testing.T) {
	q := parseListQuery(url.Values{"f0": {"source"}, "o0": {"eq"}, "v0": {"event"}, "add": {"0"}})
	if len(q.Conds) != 2 || !reflect.DeepEqual(q.Conds[1], condition{}) {
		t.Errorf("add: %+v", q.Conds)
	}
	q = parseListQuery(url.Values{"f0": {"source"}, "o0": {"eq"}, "add_group": {"1"}})
	if len(q.Conds) != 3 || q.Conds[1].Group != 1 || q.Groups[1] != "or" {
		t.Errorf("add a group: %+v %v", q.Conds, q.Groups)
	}
	q = parseListQuery(url.Values{"f0": {"source"}, "f1": {"vip"}, "del": {"0"}})
	if len(q.Conds) != 1 || q.Conds[0].Field != "vip" {
		t.Errorf("remove: %+v", q.Conds)
	}
}

// TestFilterTree checks the engine's filter a query makes: typed values,
// one level of groups, incomplete rows left out, and the paths that put
// the engine's errors beside their rows.
func TestFilterTree(t *testing.T) {
	fields := map[string]*records.Field{
		"score": {Name: "score", Type: records.Integer}, "vip": {Name: "vip", Type: records.Boolean},
		"source": {Name: "source", Type: records.Select}, "due_at": {Name: "due_at", Type: records.DateTime},
	}
	v, _ := url.ParseQuery("f0=source&o0=in&v0=event,referral&f1=score&o1=gt&v1=5&g1=1&m1=or&f2=vip&o2=eq&v2=true&g2=1" +
		"&f3=due_at&o3=lt&v3=2026-12-06T09:30&f4=&o4=&f5=vip&o5=empty&v5=false")
	loc, _ := time.LoadLocation("Europe/Moscow")
	f, paths := parseListQuery(v).filter(fields, loc)
	got, _ := json.Marshal(f)
	want := `{"and":[{"field":"source","op":"in","value":["event","referral"]},` +
		`{"or":[{"field":"score","op":"gt","value":5},{"field":"vip","op":"eq","value":true}]},` +
		`{"field":"due_at","op":"lt","value":"2026-12-06T06:30:00.000000Z"},{"field":"vip","op":"empty","value":false}]}`
	if string(got) != want {
		t.Errorf("filter\n got %s\nwant %s", got, want)
	}
	if f.And[3].Value != false {
		t.Errorf("not empty: %#v", f.And[3].Value)
	}
	for path, row := range map[string]int{"filter.and[0].value": 0, "filter.and[1].or[1].value": 2, "filter.and[3]": 5} {
		if i, ok := rowOfPath(paths, path); !ok || i != row {
			t.Errorf("%s: row %d %v, want %d", path, i, ok, row)
		}
	}
	if f, _ := parseListQuery(url.Values{"f0": {"vip"}, "o0": {"eq"}}).filter(fields, time.UTC); f != nil {
		t.Errorf("a row without a value filters: %+v", f)
	}
}

// TestCountText checks that a count past the cap says so rather than a
// number.
func TestCountText(t *testing.T) {
	p := locale.For("en")
	for n, want := range map[int64]string{1: "1 record", 9999: "9,999 records", countCap + 1: "10,000+ records"} {
		if got := countText(p, n); got != want {
			t.Errorf("%d: %q, want %q", n, got, want)
		}
	}
}

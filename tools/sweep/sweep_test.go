package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	seq := func(n int) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = float64(i + 1)
		}
		return out
	}
	for _, c := range []struct {
		values []float64
		p      float64
		want   float64
	}{
		{seq(20), 0.5, 10},
		{seq(20), 0.99, 20}, // of 20 runs, p99 is the slowest
		{seq(100), 0.99, 99},
		{seq(100), 0.5, 50},
		{seq(3), 0.99, 3},
		{seq(1), 0.5, 1},
		{seq(5), 0, 1},
		{seq(5), 1, 5},
		{nil, 0.99, 0},
	} {
		if got := percentile(c.values, c.p); got != c.want {
			t.Errorf("percentile of 1…%d at %v = %v, want %v", len(c.values), c.p, got, c.want)
		}
	}
}

// sampleOf makes records with the given values of one field.
func sampleOf(name string, values ...any) []record {
	out := make([]record, len(values))
	for i, v := range values {
		out[i] = record{"id": fmt.Sprint(i + 1), name: v}
	}
	return out
}

// pickMap returns the values picked for an operator by class.
func pickMap(f field, t *tally, op string) map[string]string {
	m := map[string]string{}
	for _, p := range picks(f, t, op) {
		m[p.class] = p.value
	}
	return m
}

func TestPicksText(t *testing.T) {
	f := complete(field{Name: "last_name", Type: "text"})
	var vals []any
	for range 6 {
		vals = append(vals, "Müller")
	}
	for range 3 {
		vals = append(vals, "Silva")
	}
	vals = append(vals, "Dubois", "Dubois", "Kowalski", "Novák", "Øvergaard-Lindqvist", nil, nil)
	tl := newTally(f, sampleOf("last_name", vals...))
	for _, c := range []struct {
		op     string
		common string
		rare   string
	}{
		{opEq, "Müller", "Novák"}, // the middle of the values seen once
		{opNe, "Müller", "Novák"},
		{opIn, "Müller,Silva,Dubois", "Kowalski,Novák,Øvergaard-Lindqvist"},
		{opStartsWith, "Mü", "Novák"},
		{opContains, "ll", "Novák"},
		{opLt, "Silva", "Dubois"}, // most rows lie below the 90th percentile, none below the least
		{opGte, "Dubois", "Øvergaard-Lindqvist"},
		{opEmpty, "", ""},
	} {
		got := pickMap(f, tl, c.op)
		if c.op == opEmpty {
			if got["true"] != "true" || got["false"] != "false" || len(got) != 2 {
				t.Errorf("empty: %v", got)
			}
			continue
		}
		if got["common"] != c.common || got["rare"] != c.rare {
			t.Errorf("%s: common %q rare %q, want %q and %q", c.op, got["common"], got["rare"], c.common, c.rare)
		}
	}
	long := newTally(f, sampleOf("last_name", "Müller", "Müller", "Wolfeschlegelsteinhausen", "Ab"))
	if got := pickMap(f, long, opStartsWith); got["rare"] != "Wolfes" {
		t.Errorf("a rare prefix is six characters of a rare value: %v", got)
	}
	if got := pickMap(f, long, opContains); got["rare"] != "egelst" {
		t.Errorf("a rare fragment is six characters from the middle of a rare value: %v", got)
	}
}

func TestPicksNumbersOrderAsNumbers(t *testing.T) {
	f := complete(field{Name: "owner_id", Type: "user"})
	var vals []any
	for i := 1; i <= 10; i++ {
		vals = append(vals, json.Number(fmt.Sprint(i*10))) // text order would put 100 first
	}
	vals = append(vals, json.Number("30"), json.Number("30"), json.Number("9"))
	tl := newTally(f, sampleOf("owner_id", vals...))
	if got := pickMap(f, tl, opEq); got["common"] != "30" {
		t.Errorf("most frequent owner: %v", got)
	}
	if got := pickMap(f, tl, opLt); got["rare"] != "9" || got["common"] != "80" {
		t.Errorf("lt thresholds: %v", got)
	}
	if got := pickMap(f, tl, opGt); got["rare"] != "100" || got["common"] != "10" {
		t.Errorf("gt thresholds: %v", got)
	}
}

func TestPicksListElements(t *testing.T) {
	f := complete(field{Name: "emails", Type: "email"})
	email := func(vs ...string) []any {
		var out []any
		for _, v := range vs {
			out = append(out, map[string]any{"label": "work", "value": v})
		}
		return out
	}
	sample := sampleOf("emails",
		email("info@acme.example", "ana@acme.example"),
		email("info@acme.example"),
		email("jorg@muller.example"),
		[]any{},
		nil,
	)
	tl := newTally(f, sample)
	if got := pickMap(f, tl, opEq); got["common"] != "info@acme.example" || got["rare"] != "jorg@muller.example" {
		t.Errorf("an exact e-mail of one record: %v", got)
	}
	links := complete(field{Name: "companies", Type: "relations"})
	lt := newTally(links, sampleOf("companies", []any{map[string]any{"id": "7", "role": "CEO"}}, []any{map[string]any{"id": "7"}},
		[]any{map[string]any{"id": "12"}}))
	if got := pickMap(links, lt, opEq); got["common"] != "7" || got["rare"] != "12" {
		t.Errorf("linked records' ids: %v", got)
	}
	tags := complete(field{Name: "tags", Type: "tags"})
	tt := newTally(tags, sampleOf("tags", []any{"vip", "a,b"}, []any{"vip", "new"}, []any{"vip", "new"}, []any{"x", "y"}))
	if got := pickMap(tags, tt, opIn); got["common"] != "vip,new,x" || got["rare"] != "y" {
		t.Errorf("an in list leaves out values with commas: %v", got)
	}
}

func TestPicksBooleanAndPartsAndNothing(t *testing.T) {
	b := complete(field{Name: "done", Type: "boolean"})
	bt := newTally(b, sampleOf("done", false, false, false))
	if got := pickMap(b, bt, opEq); got["common"] != "false" || got["rare"] != "true" {
		t.Errorf("a boolean seen one way: %v", got)
	}
	amount := field{Name: "value.amount", Type: "integer"}
	at := newTally(amount, sampleOf("value", map[string]any{"amount": json.Number("1500"), "currency": "EUR"},
		map[string]any{"amount": json.Number("1500"), "currency": "EUR"}, nil))
	if got := pickMap(amount, at, opEq); got["common"] != "1500" || len(got) != 1 {
		t.Errorf("a part of money, one value: %v", got)
	}
	empty := newTally(b, sampleOf("done", nil, nil))
	if got := picks(b, empty, opEq); got != nil {
		t.Errorf("no values, yet picked %v", got)
	}
	if got := picks(b, empty, opEmpty); len(got) != 2 {
		t.Errorf("empty is measured without values: %v", got)
	}
}

func TestSweepFields(t *testing.T) {
	no := false
	listed := []field{
		{Name: "name", Type: "text"},
		{Name: "address", Type: "address"},
		{Name: "address.city", Type: "text", Filters: &[]string{"eq", "starts_with"}},
		{Name: "price", Type: "money"},
		{Name: "emails", Type: "email"},
		{Name: "line_items", Type: "line_items"},
		{Name: "score", Type: "integer", Sortable: &no, Filters: &[]string{"eq"}},
		{Name: "created_at", Type: "datetime", Filters: &[]string{"gt"}},
	}
	got := map[string]field{}
	var names []string
	for _, f := range sweepFields(listed) {
		if _, dup := got[f.Name]; dup {
			t.Errorf("%s twice", f.Name)
		}
		got[f.Name] = f
		names = append(names, f.Name)
	}
	for _, want := range []string{"id", "updated_at", "address.street", "address.country", "price.amount", "price.currency"} {
		if _, ok := got[want]; !ok {
			t.Errorf("%s missing from %v", want, names)
		}
	}
	check := func(name string, sortable bool, ops ...string) {
		t.Helper()
		f := got[name]
		if *f.Sortable != sortable || !slices.Equal(*f.Filters, ops) {
			t.Errorf("%s: sortable %v, filters %v; want %v, %v", name, *f.Sortable, *f.Filters, sortable, ops)
		}
	}
	check("name", true, allOps...)
	check("address", false, opEmpty)
	check("address.city", true, "eq", "starts_with") // the server's word
	check("address.region", true, allOps...)
	check("price.amount", true, orderedOps...)
	check("emails", false, listOps...)
	check("line_items", false)
	check("score", false, "eq")
	check("created_at", true, "gt")
	check("id", true, orderedOps...)
}

// TestFailuresAreRecorded runs the sweep of one object against a server
// whose sorts answer 500, time out or refuse, and checks that every case
// is measured and reported as what it was, and that a case that times out
// is not repeated to the end.
func TestFailuresAreRecorded(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/fields/things", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"data": [{"name": "a", "type": "text", "sortable": true, "filters": ["eq"]},
			{"name": "b", "type": "integer", "sortable": true, "filters": ["lt", "gte", "lte"]}]}`))
	})
	mux.HandleFunc("GET /api/v1/things", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		switch {
		case q.Get("sort") == "a" && q.Get("limit") == pageSize:
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		case q.Get("sort") == "-a" && q.Get("limit") == pageSize:
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
			return
		case q.Has("a[contains]"):
			http.Error(w, `{"title": "Bad Request"}`, http.StatusBadRequest)
			return
		case q.Has("b[lt]"):
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"title": "Bad Request", "status": 400, "errors": [{"field": "filter.and[0].op", "code": "op", "message": "lt does not apply to b"}]}`))
			return
		}
		if q.Get("sort") == "-b" && q.Get("limit") == "1" {
			time.Sleep(80 * time.Millisecond) // longer than the give-up time
		}
		data := []string{`{"id": "1", "a": "x", "b": 1}`, `{"id": "2", "a": "x", "b": 2}`, `{"id": "3", "a": "y", "b": 3}`}
		if q.Get("sort") == "-id" {
			slices.Reverse(data)
		}
		next := ""
		if n, _ := strconv.Atoi(q.Get("limit")); n < len(data) {
			data, next = data[:n], "c"
		}
		w.Write([]byte(`{"data": [` + strings.Join(data, ", ") + `], "next_cursor": "` + next + `"}`))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	out := &output{}
	s := &sweeper{c: &client{base: srv.URL, http: &http.Client{Timeout: 100 * time.Millisecond}}, name: "test", out: out,
		o: options{runs: 6, clients: 2, sample: 100, target: 50 * time.Millisecond, giveUp: 50 * time.Millisecond,
			withSort: "-updated_at", deepPages: 2}}
	o := s.object("things")
	if o.Sampled != 3 || o.IDs != [2]int64{1, 3} {
		t.Errorf("sampled %d, ids %v", o.Sampled, o.IDs)
	}
	byLabel := map[string]result{}
	for _, r := range o.Results {
		byLabel[r.Label] = r
	}
	want := map[string]struct{ outcome, status string }{
		"sort=a":                            {failed, "500 (stopped after "},
		"sort=-a":                           {failed, "timeout (stopped after "},
		"b[lt]=2 · common":                  {refused, "400: filter.and[0].op: lt does not apply to b"},
		"a[eq]=x · common":                  {within, "ok"},
		"a[eq]=y · rare · sort=-updated_at": {within, "ok"},
		"sort=-b":                           {within, "ok"},
		"sort=b · page at the median":       {within, "ok"},
	}
	for label, w := range want {
		r, ok := byLabel[label]
		if !ok {
			t.Errorf("no case %q among %d", label, len(o.Results))
			continue
		}
		if r.Outcome != w.outcome && (w.outcome != within || r.Outcome != over) {
			t.Errorf("%s: outcome %s, want %s", label, r.Outcome, w.outcome)
		}
		if !strings.HasPrefix(r.Status, w.status) {
			t.Errorf("%s: status %q, want %q…", label, r.Status, w.status)
		}
		// Given up after three, or four when the second client had
		// started one more.
		if r.Outcome == failed && len(r.Runs) > 4 {
			t.Errorf("%s: %d runs, given up too late", label, len(r.Runs))
		}
		if r.Outcome != failed && len(r.Runs) != 6 {
			t.Errorf("%s: %d runs, want 6", label, len(r.Runs))
		}
	}
	if r := byLabel["a[ne]=x · common · undeclared"]; !r.Undeclared || r.Outcome == refused {
		t.Errorf("an operator the server takes but does not declare: %+v", r.testCase)
	}
	for _, r := range o.Results {
		if r.Field == "a" && r.Op == opContains {
			t.Errorf("an undeclared operator the server refuses is measured: %s", r.Label)
		}
	}
	if !slices.Contains(o.Notes, "a takes ne, in, lt, lte, gt, gte, starts_with, empty, which the fields answer does not list") {
		t.Errorf("undeclared operators are not noted: %q", o.Notes)
	}
	if !slices.Contains(o.Notes, "sort=-b: no deep page, "+errSlow.Error()) {
		t.Errorf("a deep page too slow to prepare is not noted: %q", o.Notes)
	}
	if r := byLabel["sort=-a"]; r.P99 < 100 {
		t.Errorf("a timed-out case reports p99 %.1f ms, under the client timeout", r.P99)
	}
	if r := byLabel["a[eq]=x · common"]; !strings.Contains(r.Path, url.Values{"a[eq]": {"x"}}.Encode()) {
		t.Errorf("path %s", r.Path)
	}
}

func TestStatusMixed(t *testing.T) {
	runs := []measurement{{Status: 200}, {Status: 503}, {Status: 200}, {Status: 0, Error: "timeout"}}
	s, outcome := status(runs)
	if s != "ok ×2, 503 ×1, timeout ×1" || outcome != failed {
		t.Errorf("status %q, outcome %s", s, outcome)
	}
	r := summarize(testCase{}, []measurement{{Status: 200, MS: 10}, {Status: 200, MS: 70}}, 2, 50*time.Millisecond)
	if r.Outcome != over || r.P99 != 70 || r.P50 != 10 {
		t.Errorf("over the target: %+v", r)
	}
}

func TestSpread(t *testing.T) {
	var cases []testCase
	for i := range 10 {
		cases = append(cases, testCase{Label: fmt.Sprint(i)})
	}
	var got []string
	for _, c := range spread(cases, 4) {
		got = append(got, c.Label)
	}
	if strings.Join(got, ",") != "0,2,5,7" {
		t.Errorf("spread: %v", got)
	}
	if len(spread(cases, 0)) != 10 || len(spread(cases, 20)) != 10 {
		t.Error("no limit keeps every case")
	}
}

// TestSample checks that a sample spreads over the whole id range, read
// in chunks from random ids, or one id at a time when the server refuses
// to filter by id.
func TestSample(t *testing.T) {
	for _, refuseID := range []bool{false, true} {
		const total = 2000
		mux := http.NewServeMux()
		rec := func(id int) string { return fmt.Sprintf(`{"id": "%d", "n": %d}`, id, id%7) }
		mux.HandleFunc("GET /api/v1/things/{id}", func(w http.ResponseWriter, r *http.Request) {
			id, err := strconv.Atoi(r.PathValue("id"))
			if err != nil || id < 1 || id > total || id%3 == 0 { // every third record is gone
				http.NotFound(w, r)
				return
			}
			w.Write([]byte(rec(id)))
		})
		mux.HandleFunc("GET /api/v1/things", func(w http.ResponseWriter, r *http.Request) {
			q := r.URL.Query()
			if q.Has("id[gte]") && refuseID {
				w.WriteHeader(http.StatusBadRequest)
				w.Write([]byte(`{"title": "Bad Request", "errors": [{"field": "id", "message": "cannot be filtered on"}]}`))
				return
			}
			from, _ := strconv.Atoi(q.Get("id[gte]"))
			limit, _ := strconv.Atoi(q.Get("limit"))
			var data []string
			for id := 1; id <= total && len(data) < limit; id++ {
				if id%3 != 0 && id >= from {
					data = append(data, rec(id))
				}
			}
			if q.Get("sort") == "-id" {
				data = []string{rec(total - 1)}
			}
			w.Write([]byte(`{"data": [` + strings.Join(data, ", ") + `], "next_cursor": "more"}`))
		})
		srv := httptest.NewServer(mux)
		s := &sweeper{c: &client{base: srv.URL, http: srv.Client()}}
		sample, ids, err := s.sampleRecords("things", 300)
		srv.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(sample) != 300 || ids != [2]int64{1, total - 1} {
			t.Errorf("refuse id filter %v: %d records, ids %v", refuseID, len(sample), ids)
		}
		seen := map[int64]bool{}
		var low, high int
		for _, r := range sample {
			id := idOf(r)
			if seen[id] || id%3 == 0 {
				t.Errorf("refuse id filter %v: record %d twice or made up", refuseID, id)
			}
			seen[id] = true
			if id < total/4 {
				low++
			}
			if id > total*3/4 {
				high++
			}
		}
		if low < 30 || high < 30 {
			t.Errorf("refuse id filter %v: the sample does not spread: %d in the first quarter, %d in the last", refuseID, low, high)
		}
	}
}

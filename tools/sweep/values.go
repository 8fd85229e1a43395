package main

import (
	"cmp"
	"encoding/json"
	"errors"
	"hash/fnv"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// record is one record as the API shows it, numbers kept as written.
type record map[string]any

// page is one page of a list.
type page struct {
	Data       []record `json:"data"`
	NextCursor string   `json:"next_cursor"`
}

// listPath is the list request of an object with the given parameters.
func listPath(object string, q url.Values) string {
	return "/api/v1/" + url.PathEscape(object) + "?" + q.Encode()
}

// chunk is how many consecutive records one sampling request reads: small
// enough that a sample spreads over the whole id range.
const chunk = 20

// sampleRecords reads about n records of object spread over its id range,
// as the token sees them: a short list whole, a long one in chunks that
// start at random ids (id[gte]=…), or, when that filter is refused, one
// random id at a time. It returns the records and the id range.
func (s *sweeper) sampleRecords(object string, n int) ([]record, [2]int64, error) {
	var ids [2]int64
	var first, last page
	if err := s.c.get(listPath(object, url.Values{"sort": {"id"}, "limit": {"500"}}), &first); err != nil {
		return nil, ids, err
	}
	if len(first.Data) == 0 {
		return nil, ids, nil
	}
	if err := s.c.get(listPath(object, url.Values{"sort": {"-id"}, "limit": {"1"}}), &last); err != nil {
		return nil, ids, err
	}
	ids = [2]int64{idOf(first.Data[0]), idOf(last.Data[0])}
	if first.NextCursor == "" {
		return first.Data[:min(n, len(first.Data))], ids, nil
	}
	seen := map[int64]bool{}
	var out []record
	keep := func(rs ...record) {
		for _, r := range rs {
			if id := idOf(r); !seen[id] && len(out) < n {
				seen[id] = true
				out = append(out, r)
			}
		}
	}
	r := rand.New(rand.NewPCG(seedOf(object), 1))
	byID := false
	for try, tries := 0, 3*n/chunk+10; len(out) < n && try < tries; try++ {
		at := ids[0] + r.Int64N(ids[1]-ids[0]+1)
		if !byID {
			var p page
			err := s.c.get(listPath(object, url.Values{"id[gte]": {strconv.FormatInt(at, 10)}, "sort": {"id"},
				"limit": {strconv.Itoa(chunk)}}), &p)
			var se *statusError
			switch {
			case errors.As(err, &se) && se.status == http.StatusBadRequest:
				byID, tries = true, try+2*n
			case err != nil:
				return out, ids, err
			}
			keep(p.Data...)
		}
		if byID {
			var rec record
			if err := s.c.get("/api/v1/"+url.PathEscape(object)+"/"+strconv.FormatInt(at, 10), &rec); err == nil {
				keep(rec)
			}
		}
	}
	return out, ids, nil
}

// seedOf makes the sample of an object the same from run to run.
func seedOf(object string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(object))
	return h.Sum64()
}

func idOf(r record) int64 {
	var s string
	switch v := r["id"].(type) {
	case string:
		s = v
	case json.Number:
		s = v.String()
	}
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

// valuesOf returns the values a field holds in one record as text: none
// for null or an empty list, the elements of a list (an e-mail's or a
// phone's value, a linked record's id), the part of an address or an
// amount.
func valuesOf(r record, name string) []string {
	base, sub := part(name)
	v := r[base]
	if sub != "" {
		m, _ := v.(map[string]any)
		v = m[sub]
	}
	if list, ok := v.([]any); ok {
		var out []string
		for _, e := range list {
			if m, ok := e.(map[string]any); ok {
				e = m["value"]
				if e == nil {
					e = m["id"]
				}
			}
			if s, ok := scalarText(e); ok {
				out = append(out, s)
			}
		}
		return out
	}
	if s, ok := scalarText(v); ok {
		return []string{s}
	}
	return nil
}

func scalarText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

// tally counts the values of one field in a sample.
type tally struct {
	numeric bool // values order as numbers, not as text
	counts  map[string]int
}

// numericType reports whether values of a type order as numbers (ids
// included).
func numericType(typ string) bool {
	switch typ {
	case "integer", "decimal", "user", "relation", typeRelations:
		return true
	}
	return false
}

func newTally(f field, sample []record) *tally {
	t := &tally{numeric: numericType(f.Type), counts: map[string]int{}}
	for _, r := range sample {
		for _, v := range valuesOf(r, f.Name) {
			t.counts[v]++
		}
	}
	return t
}

func (t *tally) less(a, b string) int {
	if t.numeric {
		x, errX := strconv.ParseFloat(a, 64)
		y, errY := strconv.ParseFloat(b, 64)
		if errX == nil && errY == nil {
			return cmp.Compare(x, y)
		}
	}
	return strings.Compare(a, b)
}

// distinct returns the values seen, most frequent first, equal counts in
// the values' order.
func (t *tally) distinct() []string {
	vals := make([]string, 0, len(t.counts))
	for v := range t.counts {
		vals = append(vals, v)
	}
	slices.SortFunc(vals, func(a, b string) int {
		if c := cmp.Compare(t.counts[b], t.counts[a]); c != 0 {
			return c
		}
		return t.less(a, b)
	})
	return vals
}

// common returns up to n of the most frequent values.
func (t *tally) common(n int) []string {
	d := t.distinct()
	return d[:min(n, len(d))]
}

// rare returns up to n of the least frequent values that are not among
// the n most frequent ones: for values all seen once, from the middle of
// their order rather than its start, so that a prefix of them is not
// a common one by accident.
func (t *tally) rare(n int) []string {
	d := t.distinct()
	if len(d) <= n {
		return nil
	}
	rest := d[n:]
	least := t.counts[rest[len(rest)-1]]
	lo := len(rest) - 1
	for lo > 0 && t.counts[rest[lo-1]] == least {
		lo--
	}
	tied := rest[lo:]
	start := max(0, min(len(tied)/2, len(tied)-n))
	out := slices.Clone(tied[start:min(start+n, len(tied))])
	for i := lo - 1; len(out) < n && i >= 0; i-- {
		out = append(out, rest[i])
	}
	return out
}

// quantile returns the value below which a share q of the sampled values
// lie (0 is the least, 1 the greatest).
func (t *tally) quantile(q float64) (string, bool) {
	var all []string
	for v, c := range t.counts {
		for range c {
			all = append(all, v)
		}
	}
	if len(all) == 0 {
		return "", false
	}
	slices.SortFunc(all, t.less)
	return all[int(q*float64(len(all)-1))], true
}

// prefix returns the first n characters of s.
func prefix(s string, n int) string {
	r := []rune(s)
	return string(r[:min(n, len(r))])
}

// middle returns n characters from the middle of s.
func middle(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	at := (len(r) - n) / 2
	return string(r[at : at+n])
}

// pick is one value a filter is measured with, and what kind of value it
// is: common or rare in the data, or true and false for empty.
type pick struct {
	class, value string
}

// How many values an in list holds, and how long prefixes and fragments
// are.
const (
	inValues   = 3
	shortText  = 2
	longerText = 6
)

// picks returns the values to measure an operator with on a field: a
// common and a rare one, taken from the sample. A field with no values in
// the sample gets none, except for empty.
func picks(f field, t *tally, op string) []pick {
	if op == opEmpty {
		return []pick{{"true", "true"}, {"false", "false"}}
	}
	common, rare := t.common(1), t.rare(1)
	if f.Type == "boolean" && len(common) == 1 && len(rare) == 0 {
		b, _ := strconv.ParseBool(common[0])
		rare = []string{strconv.FormatBool(!b)}
	}
	if len(common) == 0 {
		return nil
	}
	var c, r string
	switch op {
	case opEq, opNe:
		c = common[0]
		if len(rare) > 0 {
			r = rare[0]
		}
	case opIn:
		// A query string separates the values of in with commas, so values
		// that hold one are left out.
		in := t.without(func(v string) bool { return strings.Contains(v, ",") })
		c, r = strings.Join(in.common(inValues), ","), strings.Join(in.rare(inValues), ",")
	case opLt, opLte:
		c, _ = t.quantile(0.9)
		r, _ = t.quantile(0)
	case opGt, opGte:
		c, _ = t.quantile(0.1)
		r, _ = t.quantile(1)
	case opStartsWith:
		c = prefix(common[0], shortText)
		if len(rare) > 0 {
			r = prefix(rare[0], longerText)
		}
	case opContains:
		c = middle(common[0], shortText)
		if len(rare) > 0 {
			r = middle(rare[0], longerText)
		}
	default:
		return nil // an operator this tool cannot pick values for
	}
	var out []pick
	if c != "" {
		out = append(out, pick{"common", c})
	}
	if r != "" && r != c {
		out = append(out, pick{"rare", r})
	}
	return out
}

// without returns the tally less the values that drop says to.
func (t *tally) without(drop func(string) bool) *tally {
	out := *t
	out.counts = map[string]int{}
	for v, c := range t.counts {
		if !drop(v) {
			out.counts[v] = c
		}
	}
	return &out
}

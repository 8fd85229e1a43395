package main

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
)

// testCase is one request the sweep measures.
type testCase struct {
	Object string `json:"object"`
	Label  string `json:"case"`
	Path   string `json:"path"`
	Kind   string `json:"kind"` // sort, deep (a page inside a sort) or filter
	Field  string `json:"field"`
	Custom bool   `json:"custom,omitempty"` // a custom field, or a part of one
	Op     string `json:"op,omitempty"`
	Class  string `json:"class,omitempty"` // common or rare; true or false for empty
	Sort   string `json:"sort,omitempty"`
	// Undeclared is a sort or an operator that the fields answer does not
	// name, yet the server accepts.
	Undeclared bool `json:"undeclared,omitempty"`
}

// pageSize is the page every case asks for.
const pageSize = "50"

// sortCases are the first page of a sort by f both ways, and a page deep
// inside each. It also says why a deep page could not be made.
func (s *sweeper) sortCases(object string, f field, t *tally) ([]testCase, []string) {
	var out []testCase
	var notes []string
	median, _ := t.quantile(0.5)
	for _, sort := range []string{f.Name, "-" + f.Name} {
		q := url.Values{"sort": {sort}, "limit": {pageSize}}
		out = append(out, testCase{Object: object, Label: "sort=" + sort, Path: listPath(object, q), Kind: "sort",
			Field: f.Name, Custom: f.Custom, Sort: sort})
		cursor, where, why := s.deepCursor(object, f, sort, median)
		if cursor == "" {
			if why != "" {
				notes = append(notes, "sort="+sort+": no deep page, "+why)
			}
			continue
		}
		q.Set("cursor", cursor)
		out = append(out, testCase{Object: object, Label: "sort=" + sort + " · page " + where, Path: listPath(object, q),
			Kind: "deep", Field: f.Name, Custom: f.Custom, Sort: sort})
	}
	return out, notes
}

// deepCursor returns a cursor of a page deep inside a sort, and where it
// is. Best is the middle: the cursor after the first record at or past the
// sample's median, which names a position in the sort alone and so is
// taken by the list without the filter that found it. Otherwise the
// cursor after a few pages of 500. Without a cursor it says why, unless
// the list has a single page: a refused sort (which its first-page case
// shows), or a sort so slow that preparing the page took longer than the
// give-up time (measuring it would only show the same again).
func (s *sweeper) deepCursor(object string, f field, sort, median string) (cursor, where, why string) {
	slow := func(err error) bool { return errors.Is(err, errSlow) }
	op := opGte
	if sort[0] == '-' {
		op = opLte
	}
	if median != "" && slices.Contains(*f.Filters, op) {
		var p page
		q := url.Values{"sort": {sort}, "limit": {"1"}, f.Name + "[" + op + "]": {median}}
		err := s.prepare(listPath(object, q), &p)
		if err == nil && p.NextCursor != "" {
			check := url.Values{"sort": {sort}, "limit": {"1"}, "cursor": {p.NextCursor}}
			err = s.prepare(listPath(object, check), &page{})
			if err == nil {
				return p.NextCursor, "at the median", ""
			}
		}
		if slow(err) {
			return "", "", err.Error()
		}
	}
	rows := 0
	for range s.o.deepPages {
		q := url.Values{"sort": {sort}, "limit": {"500"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var p page
		err := s.prepare(listPath(object, q), &p)
		if err != nil {
			return "", "", err.Error()
		}
		if p.NextCursor == "" {
			break
		}
		cursor, rows = p.NextCursor, rows+len(p.Data)
	}
	if cursor == "" {
		return "", "", ""
	}
	return cursor, "after " + strconv.Itoa(rows), ""
}

// filterCases are every operator f takes, each with a common and a rare
// value (true and false for empty), with the default sort and with the
// common one. It also returns the declared operators it found no value
// for. Operators the field does not declare are tried once: one that the
// server accepts all the same is measured like the others and marked
// undeclared, since the fields answer should have named it.
func (s *sweeper) filterCases(object string, f field, t *tally) (out []testCase, missing []string) {
	ops := slices.Clone(*f.Filters)
	for _, op := range allOps {
		if !slices.Contains(ops, op) {
			ops = append(ops, op)
		}
	}
	for _, op := range ops {
		declared := slices.Contains(*f.Filters, op)
		ps := picks(f, t, op)
		if len(ps) == 0 {
			if declared {
				missing = append(missing, op)
			}
			continue
		}
		var cases []testCase
		for _, p := range ps {
			for _, sort := range []string{"", s.o.withSort} {
				q := url.Values{f.Name + "[" + op + "]": {p.value}, "limit": {pageSize}}
				label := fmt.Sprintf("%s[%s]=%s", f.Name, op, short(p.value))
				if op != opEmpty {
					label += " · " + p.class
				}
				if sort != "" {
					q.Set("sort", sort)
					label += " · sort=" + sort
				}
				cases = append(cases, testCase{Object: object, Label: label, Path: listPath(object, q), Kind: "filter",
					Field: f.Name, Custom: f.Custom, Op: op, Class: p.class, Sort: sort})
			}
		}
		if !declared {
			if !s.accepted(cases[0].Path) {
				continue
			}
			markUndeclared(cases)
		}
		out = append(out, cases...)
	}
	return out, missing
}

// accepted reports whether the server takes a request rather than refuse
// it with a 4xx, from one unmeasured try: a 5xx or a timeout means it
// tried.
func (s *sweeper) accepted(path string) bool {
	m := s.c.do(path)
	return m.Status < 400 || m.failed()
}

// markUndeclared marks cases of a sort or an operator that the fields
// answer does not name.
func markUndeclared(cases []testCase) {
	for i := range cases {
		cases[i].Undeclared = true
		cases[i].Label += " · undeclared"
	}
}

// short cuts a long value down for a label; the path holds all of it.
func short(v string) string {
	const most = 40
	if r := []rune(v); len(r) > most {
		return string(r[:most-1]) + "…"
	}
	return v
}

// spread keeps n of the cases, evenly spaced, so that a subset still
// touches every kind of field.
func spread(cases []testCase, n int) []testCase {
	if n <= 0 || n >= len(cases) {
		return cases
	}
	out := make([]testCase, n)
	for i := range out {
		out[i] = cases[i*len(cases)/n]
	}
	return out
}

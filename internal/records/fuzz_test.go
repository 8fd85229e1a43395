package records_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// The fuzz targets check the promise that bad input is a 4xx: whatever the
// bytes, parsing fails with EINVALID or yields something the engine answers
// without an internal error. Run one with, e.g.,
//
//	go test ./internal/records -run '^$' -fuzz FuzzCreate -fuzztime 30s

// fuzzEnv is a SQLite engine whose contacts have a custom field of every
// type (f_text, f_integer, …), a company and some contacts.
func fuzzEnv(f *testing.F) *env {
	v := newEnv(f, storetest.SQLite(f))
	allTypes(v)
	v.create("companies", `{"name": "Acme"}`)
	for _, body := range []string{
		`{"first_name": "Ada", "f_integer": 5, "f_decimal": 1.5, "f_boolean": true, "f_select": "gold", "tags": ["a"],
		  "emails": ["ada@example.com"], "companies": ["1"], "f_money": {"amount": 5, "currency": "EUR"}}`,
		`{"first_name": "Bob", "f_integer": -5, "f_datetime": "2026-01-01T00:00:00Z", "f_address": {"city": "Oslo"}}`,
		`{"last_name": "Cy"}`,
	} {
		v.create("contacts", body)
	}
	return v
}

// mustNotBeInternal fails when err is anything but a domain error.
func mustNotBeInternal(t *testing.T, what string, input any, err error) {
	t.Helper()
	if fault.Code(err) == fault.EINTERNAL {
		t.Fatalf("%s of %q: internal error %v", what, input, err)
	}
}

var queryBodies = []string{
	`{}`,
	`{"filter": {"field": "f_integer", "op": "gt", "value": "5"}, "sort": "-f_integer", "limit": 2, "count": true}`,
	`{"filter": {"or": [{"field": "emails", "op": "contains", "value": "%_\\"}, {"field": "tags", "op": "in", "value": ["a", 1, true]}]}}`,
	`{"filter": {"and": [{"field": "companies", "value": "1"}, {"field": "f_money.amount", "op": "lte", "value": 1e3}]}}`,
	`{"filter": {"field": "address.city", "op": "starts_with", "value": "O"}, "sort": ["-address.city", "f_boolean"]}`,
	`{"filter": {"field": "f_boolean", "op": "empty", "value": false}, "deleted": "include"}`,
	`{"filter": {"field": "created_at", "op": "gte", "value": "2026-01-01"}, "sort": "-updated_at"}`,
	`{"filter": {"field": "f_datetime", "op": "lt", "value": "2026-01-01T00:00:00+01:00"}}`,
	`{"filter": {"field": "f_decimal", "op": "eq", "value": 1e400}}`,
	`{"filter": {"field": "f_integer", "op": "in", "value": [99999999999999999999]}}`,
	`{"filter": {"field": "id", "op": "eq", "value": "\u0000"}}`,
	`{"cursor": "eyJzIjoiIiwidiI6WzFdfQ"}`,
	`{"sort": "f_text,-f_date,f_url,f_user,f_relation", "limit": 500}`,
}

func FuzzParseQueryBody(f *testing.F) {
	v := fuzzEnv(f)
	for _, b := range queryBodies {
		f.Add([]byte(b))
	}
	// Real cursors, for the fuzzer to mutate.
	for _, sort := range []string{`"f_integer"`, `"-f_boolean"`, `"last_name,id"`, `["f_datetime"]`, `"-created_at"`} {
		q, err := records.ParseQueryBody([]byte(`{"sort": ` + sort + `, "limit": 1}`))
		if err != nil {
			f.Fatal(err)
		}
		page, err := v.e.List(v.ctx, "contacts", q)
		if err != nil {
			f.Fatal(err)
		}
		f.Add([]byte(`{"sort": ` + sort + `, "limit": 1, "cursor": "` + page.NextCursor + `"}`))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		q, err := records.ParseQueryBody(data)
		if err != nil {
			if fault.Code(err) != fault.EINVALID {
				t.Fatalf("parse %q: %v is not EINVALID", data, err)
			}
			return
		}
		_, err = v.e.List(v.ctx, "contacts", q)
		mustNotBeInternal(t, "list", data, err)
	})
}

// params builds a query string without unescaping, so that any byte can
// reach a key or a value: "a=1&b[gt]=2".
func params(s string) url.Values {
	v := url.Values{}
	for _, part := range strings.Split(s, "&") {
		k, val, _ := strings.Cut(part, "=")
		v.Add(k, val)
	}
	return v
}

func FuzzParseParams(f *testing.F) {
	v := fuzzEnv(f)
	for _, s := range []string{
		"",
		"first_name=Ada",
		"f_integer[gt]=5&sort=-f_decimal&limit=2&count=true",
		"emails[contains]=%&tags[in]=a,b,",
		"companies[eq]=1&companies[in]=1,2,x",
		"f_boolean=true&f_select[ne]=gold&deleted=only",
		"address.city[starts_with]=_&f_address.city[empty]=1",
		"f_money.amount[gte]=-3&f_money.currency=EUR",
		"f_phone=(415) 555-2671&phones[contains]=+1",
		"created_at[gt]=2026-01-01T00:00:00Z&sort=created_at,-id",
		"f_date[lt]=2026-02-30",
		"x[[gt]]=1&[eq]=&=",
		"cursor=e30&sort=last_name",
		"limit=0&count=0",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := records.ParseParams(params(s))
		if err != nil {
			if fault.Code(err) != fault.EINVALID {
				t.Fatalf("parse %q: %v is not EINVALID", s, err)
			}
			return
		}
		_, err = v.e.List(v.ctx, "contacts", q)
		mustNotBeInternal(t, "list", s, err)
	})
}

func FuzzDecodeInput(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"a": 1}`, `{"a": 12345678901234567890, "b": [1.50, true, null], "c": {"d": "e"}}`,
		`{"a": "\u0000\ud800"}`, `{"a":1}]`, `{"a":1} {"b":2}`, `[]`, `null`, `"x"`, ` `, "\xff\xfe", `{"a": 1e999}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := records.DecodeInput(data)
		if err != nil {
			if fault.Code(err) != fault.EINVALID {
				t.Fatalf("decode %q: %v is not EINVALID", data, err)
			}
			return
		}
		if m == nil {
			t.Fatalf("decode %q: nil map without an error", data)
		}
		// What was decoded encodes again and decodes to the same.
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("decode %q: re-encoding: %v", data, err)
		}
		again, err := records.DecodeInput(b)
		if err != nil || jsonOf(again) != string(b) {
			t.Fatalf("decode %q: round trip gave %s, %v", data, jsonOf(again), err)
		}
	})
}

var createBodies = []string{
	`{"first_name": "Ada", "f_integer": 9007199254740992}`,
	`{"first_name": " ", "last_name": null, "full_name": ""}`,
	`{"f_money": {"amount": 1, "currency": "usd"}, "f_decimal": "0x1p-2"}`,
	`{"companies": [{"id": "1", "role": "CEO"}, "001", 1]}`,
	`{"companies": null, "f_relation": "1", "f_user": "1", "owner_id": "9223372036854775807"}`,
	`{"f_phone": ["(415) 555-2671", {"value": "+44 20 7946 0958", "label": "uk", "valid": false}], "phones": "12"}`,
	`{"f_text": "\u0000", "f_long_text": "\ud800"}`,
	`{"f_address": {"country": "ü", "city": "Oslo"}, "address": {"street": ""}}`,
	`{"f_datetime": "0001-01-01T00:00:00+01:00", "f_date": "0000-01-01"}`,
	`{"id": 1, "version": "x", "created_at": null, "custom": {}}`,
	`{"emails": "a@b.co", "f_email": [{"value": "A@B.CO", "label": null}]}`,
	`{"f_multi_select": ["x", "x"], "f_tags": [" t "], "tags": []}`,
	`{"f_url": "http://[::1]:80/", "website": "//x", "f_urls": ["a.b", "https://"]}`,
	`{"f_boolean": "true", "f_select": "", "source": "api", "birthday": "2024-02-29"}`,
}

// FuzzCreate feeds decoded bodies to Create and Update: bad input must be
// refused as such, never fail as an internal error, and what a write
// returns must be what a read returns.
func FuzzCreate(f *testing.F) {
	v := fuzzEnv(f)
	target := v.create("contacts", `{"first_name": "Target", "companies": ["1"]}`)
	for _, s := range createBodies {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := records.DecodeInput(data)
		if err != nil {
			return
		}
		rec, err := v.e.Create(v.ctx, "contacts", in)
		mustNotBeInternal(t, "create", data, err)
		if err == nil {
			got, err := v.e.Get(v.ctx, "contacts", id(rec), false)
			if err != nil || jsonOf(got) != jsonOf(rec) {
				t.Fatalf("create %q returned\n%s\nbut get returned\n%s (%v)", data, jsonOf(rec), jsonOf(got), err)
			}
		}
		rec, err = v.e.Update(v.ctx, "contacts", id(target), 0, in)
		mustNotBeInternal(t, "update", data, err)
		if err == nil {
			got, err := v.e.Get(v.ctx, "contacts", id(target), false)
			if err != nil || jsonOf(got) != jsonOf(rec) {
				t.Fatalf("update %q returned\n%s\nbut get returned\n%s (%v)", data, jsonOf(rec), jsonOf(got), err)
			}
		}
		_, err = v.e.Create(v.ctx, "companies", in)
		mustNotBeInternal(t, "create company", data, err)
	})
}

// TestFuzzSeeds runs the fuzz seeds on every database, since the fuzz
// targets run on SQLite alone and PostgreSQL refuses more (NUL characters,
// oversized index entries, mismatched types).
func TestFuzzSeeds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		allTypes(v)
		v.create("companies", `{"name": "Acme"}`)
		target := v.create("contacts", `{"first_name": "Target", "companies": ["1"]}`)
		for _, s := range createBodies {
			in, err := records.DecodeInput([]byte(s))
			if err != nil {
				t.Fatal(err)
			}
			_, err = v.e.Create(v.ctx, "contacts", in)
			mustNotBeInternal(t, "create", s, err)
			_, err = v.e.Update(v.ctx, "contacts", id(target), 0, in)
			mustNotBeInternal(t, "update", s, err)
		}
		for _, s := range append(queryBodies, extraQueryBodies...) {
			q, err := records.ParseQueryBody([]byte(s))
			if err != nil {
				t.Fatalf("%s: %v", s, err)
			}
			_, err = v.e.List(v.ctx, "contacts", q)
			mustNotBeInternal(t, "list", s, err)
		}
	})
}

// extraQueryBodies are filters whose values suit SQLite but might not suit
// PostgreSQL's types.
var extraQueryBodies = []string{
	`{"filter": {"field": "f_decimal", "op": "gt", "value": "NaN"}}`,
	`{"filter": {"field": "f_decimal", "op": "gt", "value": "-Inf"}}`,
	`{"filter": {"field": "f_decimal", "op": "lt", "value": 1e-400}}`,
	`{"filter": {"field": "f_integer", "op": "eq", "value": 9223372036854775807}}`,
	`{"filter": {"field": "f_integer", "op": "in", "value": [-9223372036854775808, 0]}}`,
	`{"filter": {"field": "f_money.amount", "op": "gt", "value": "x"}}`,
	`{"filter": {"field": "f_money", "op": "eq", "value": "5"}}`,
	`{"filter": {"field": "f_address", "op": "contains", "value": "Oslo"}}`,
	`{"filter": {"field": "address", "op": "eq", "value": "Oslo"}}`,
	`{"filter": {"field": "f_boolean", "op": "in", "value": [true, "false", 1]}}`,
	`{"filter": {"field": "f_date", "op": "gt", "value": "0000-01-01"}}`,
	`{"filter": {"field": "f_datetime", "op": "gt", "value": "9999-12-31T23:59:59-23:59"}}`,
	`{"filter": {"field": "created_at", "op": "gt", "value": "0001-01-01"}}`,
	`{"filter": {"field": "owner_id", "op": "eq", "value": "9223372036854775807"}}`,
	`{"filter": {"field": "f_user", "op": "lt", "value": 5}}`,
	`{"filter": {"field": "f_relation", "op": "in", "value": ["1", 2]}}`,
	`{"filter": {"field": "companies", "op": "in", "value": ["9223372036854775807"]}}`,
	`{"filter": {"field": "f_multi_select", "op": "contains", "value": 5}}`,
	`{"filter": {"field": "f_phone", "op": "eq", "value": "+1 (415) 555-2671"}}`,
	`{"filter": {"field": "f_urls", "op": "starts_with", "value": "https://"}}`,
	`{"filter": {"field": "f_long_text", "op": "contains", "value": "\\%"}}`,
	`{"sort": "f_decimal,-f_integer,f_boolean,f_money.amount,f_address.city"}`,
	`{"sort": "f_date,-f_datetime,f_select,f_email"}`,
}

package records_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// valueCase is one input value of one field. want is the JSON of the
// stored value; field, when set, is the field an EINVALID error must name
// instead.
type valueCase struct {
	field string
	value string // JSON; $CO, $DEL and $USER stand for ids
	want  string
	bad   string
}

func ok(field, value, want string) valueCase {
	return valueCase{field: field, value: value, want: want}
}
func no(field, value, bad string) valueCase { return valueCase{field: field, value: value, bad: bad} }

// allTypes adds to contacts one custom field of every type, named f_<type>.
func allTypes(v *env) {
	v.t.Helper()
	for _, typ := range records.CustomTypes {
		spec := records.FieldSpec{Name: "f_" + string(typ), Type: typ}
		switch typ {
		case records.Select:
			spec.Options = []string{"gold", "silver"}
		case records.MultiSelect:
			spec.Options = []string{"x", "y", "z"}
		case records.Relation:
			spec.Target = "companies"
		}
		v.addField("contacts", spec)
	}
}

func long(s string, n int) string { return `"` + strings.Repeat(s, n) + `"` }

var valueCases = []valueCase{
	ok("f_text", `"  hi  "`, `"hi"`),
	ok("f_text", `""`, `null`),
	ok("f_text", `"   "`, `null`),
	ok("f_text", `null`, `null`),
	ok("f_text", `"Zoë 🙂"`, `"Zoë 🙂"`),
	ok("f_text", long("é", 650), long("é", 650)),
	no("f_text", long("é", 651), "f_text"),
	ok("f_text", long("e", 1000), long("e", 1000)),
	no("f_text", long("e", 1001), "f_text"),
	no("f_text", `5`, "f_text"),
	no("f_text", `true`, "f_text"),
	no("f_text", `["a"]`, "f_text"),
	no("f_text", `{"a": 1}`, "f_text"),
	no("f_text", `"a\u0000b"`, "f_text"),
	no("f_text", `"invoice\u202egpj.exe"`, "f_text"), // a right-to-left override disguises the name
	no("f_text", `"Ada\u2067x"`, "f_text"),
	no("f_text", `"two\nlines"`, "f_text"),
	ok("f_text", `"Ada\n"`, `"Ada"`), // a line break at the end of one line is trimmed, as spaces are
	no("f_text", `"a\tb"`, "f_text"),
	no("f_text", `"Ada\u200f"`, "f_text"),
	no("f_text", `"\ufeffAda"`, "f_text"),
	no("f_text", `"a\u0007"`, "f_text"),
	ok("f_text", `"Zoë\u200d👩‍💻"`, `"Zoë\u200d👩‍💻"`),

	ok("f_long_text", `"  keep\nlines  "`, `"  keep\nlines  "`),
	ok("f_long_text", long("x", 5000), long("x", 5000)),
	no("f_long_text", `5`, "f_long_text"),
	no("f_long_text", `"\u0000"`, "f_long_text"),
	no("f_long_text", `"a\u202eb"`, "f_long_text"),
	no("f_long_text", `"a\u0001b"`, "f_long_text"),
	ok("f_long_text", `"שלום\u200f\tworld"`, `"שלום\u200f\tworld"`), // marks and tabs belong in running text

	ok("f_integer", `42`, `42`),
	ok("f_integer", `-0`, `0`),
	ok("f_integer", `9007199254740991`, `9007199254740991`),
	ok("f_integer", `-9007199254740991`, `-9007199254740991`),
	no("f_integer", `9007199254740992`, "f_integer"),
	no("f_integer", `-9007199254740992`, "f_integer"),
	no("f_integer", `123456789012345678901234567890`, "f_integer"),
	no("f_integer", `1.5`, "f_integer"),
	no("f_integer", `1e3`, "f_integer"),
	no("f_integer", `"42"`, "f_integer"),
	no("f_integer", `true`, "f_integer"),
	no("f_integer", `[1]`, "f_integer"),

	ok("f_decimal", `1.50`, `1.5`),
	ok("f_decimal", `"2.25"`, `2.25`),
	ok("f_decimal", `-0.001`, `-0.001`),
	ok("f_decimal", `1e-7`, `0.0000001`),
	ok("f_decimal", `999999999999999`, `999999999999999`),
	no("f_decimal", `1e15`, "f_decimal"),
	no("f_decimal", `-1e300`, "f_decimal"),
	no("f_decimal", `"abc"`, "f_decimal"),
	no("f_decimal", `"NaN"`, "f_decimal"),
	no("f_decimal", `"Inf"`, "f_decimal"),
	no("f_decimal", `true`, "f_decimal"),

	ok("f_money", `{"amount": 1999, "currency": "eur"}`, `{"amount":1999,"currency":"EUR"}`),
	ok("f_money", `{"amount": -5, "currency": "JPY"}`, `{"amount":-5,"currency":"JPY"}`),
	no("f_money", `{"amount": 1, "currency": "ABC"}`, "f_money.currency"),
	no("f_money", `{"amount": 1, "currency": "US"}`, "f_money.currency"),
	no("f_money", `{"amount": 1, "currency": "usdollar"}`, "f_money.currency"),
	no("f_money", `{"amount": 1, "currency": 840}`, "f_money.currency"),
	no("f_money", `{"amount": 1}`, "f_money.currency"),
	no("f_money", `{"currency": "USD"}`, "f_money.amount"),
	no("f_money", `{"amount": null, "currency": "USD"}`, "f_money.amount"),
	no("f_money", `{"amount": 1.5, "currency": "USD"}`, "f_money.amount"),
	no("f_money", `{"amount": "1", "currency": "USD"}`, "f_money.amount"),
	no("f_money", `{"amount": 9007199254740992, "currency": "USD"}`, "f_money.amount"),
	no("f_money", `{"amount": 1, "currency": "USD", "cents": 1}`, "f_money.cents"),
	no("f_money", `1999`, "f_money"),

	ok("f_date", `"2024-02-29"`, `"2024-02-29"`),
	ok("f_date", `" 2026-01-31 "`, `"2026-01-31"`),
	no("f_date", `"2026-02-29"`, "f_date"),
	no("f_date", `"31/01/2026"`, "f_date"),
	no("f_date", `"2026-01-31T00:00:00Z"`, "f_date"),
	no("f_date", `20260131`, "f_date"),

	ok("f_datetime", `"2026-01-31T09:30:00+01:00"`, `"2026-01-31T08:30:00.000000Z"`),
	ok("f_datetime", `"2026-01-31T09:30:00.123456789Z"`, `"2026-01-31T09:30:00.123456Z"`),
	no("f_datetime", `"2026-01-31"`, "f_datetime"),
	no("f_datetime", `"2026-01-31T09:30:00"`, "f_datetime"),
	no("f_datetime", `"0000-01-01T00:00:00Z"`, "f_datetime"),
	no("f_datetime", `"0001-01-01T00:00:00+01:00"`, "f_datetime"),
	ok("f_datetime", `"9999-12-31T23:00:00-00:59"`, `"9999-12-31T23:59:00.000000Z"`),
	no("f_datetime", `"9999-12-31T23:00:00-01:00"`, "f_datetime"),
	no("f_datetime", `1769851800`, "f_datetime"),

	ok("f_boolean", `true`, `true`),
	ok("f_boolean", `false`, `false`),
	no("f_boolean", `"true"`, "f_boolean"),
	no("f_boolean", `1`, "f_boolean"),

	ok("f_select", `"gold"`, `"gold"`),
	ok("f_select", `""`, `null`),
	no("f_select", `"bronze"`, "f_select"),
	no("f_select", `"Gold"`, "f_select"),
	no("f_select", `1`, "f_select"),
	no("f_select", `["gold"]`, "f_select"),

	ok("f_multi_select", `["y", "x", "y"]`, `["y","x"]`),
	ok("f_multi_select", `[]`, `null`),
	no("f_multi_select", `["w"]`, "f_multi_select[0]"),
	no("f_multi_select", `["x", ""]`, "f_multi_select[1]"),
	no("f_multi_select", `[1]`, "f_multi_select[0]"),
	no("f_multi_select", `"x"`, "f_multi_select"),

	ok("f_email", `"Ada@Example.COM"`, `[{"value":"ada@example.com"}]`),
	ok("f_email", `[{"value": " a@b.co ", "label": " work "}, "c@d.org", "A@B.CO"]`, `[{"value":"a@b.co","label":"work"},{"value":"c@d.org"}]`),
	ok("f_email", `[]`, `null`),
	no("f_email", `["a@b"]`, "f_email[0].value"),
	no("f_email", `["Ada <a@b.co>"]`, "f_email[0].value"),
	no("f_email", `["ok@x.org", "nope"]`, "f_email[1].value"),
	no("f_email", `[""]`, "f_email[0].value"),
	no("f_email", `[{"value": "a@b.co", "kind": "work"}]`, "f_email[0].kind"),
	no("f_email", `[{"label": "work"}]`, "f_email[0].value"),
	no("f_email", `[{"value": "a@b.co", "label": 5}]`, "f_email[0].label"),
	no("f_email", `[5]`, "f_email[0]"),
	no("f_email", `{"value": "a@b.co"}`, "f_email"),
	no("f_email", `["a@b.co", {"value": "c@d.co", "label": "x\u0000"}]`, "f_email[1].label"),
	no("f_email", `[{"value": "c@d.co", "label": "x\u200e"}]`, "f_email[0].label"),

	ok("f_phone", `"(415) 555-2671"`, `[{"value":"+14155552671","valid":true,"typed":"(415) 555-2671"}]`),
	ok("f_phone", `["+44 20 7946 0958"]`, `[{"value":"+442079460958","valid":true,"typed":"+44 20 7946 0958"}]`),
	ok("f_phone", `["+442079460958"]`, `[{"value":"+442079460958","valid":true}]`),
	ok("f_phone", `[{"value": "415.555.2671", "label": "cell"}, "+1 415 555 2671"]`, `[{"value":"+14155552671","label":"cell","valid":true,"typed":"415.555.2671"}]`),
	ok("f_phone", `["555"]`, `[{"value":"555","valid":false}]`),
	ok("f_phone", `["call me maybe"]`, `[{"value":"call me maybe","valid":false}]`),
	ok("f_phone", `["020 7946 0958"]`, `[{"value":"020 7946 0958","valid":false}]`), // a UK number without +44, in the US
	no("f_phone", `[5]`, "f_phone[0]"),
	no("f_phone", `[" "]`, "f_phone[0].value"),

	ok("f_url", `"acme.com"`, `"https://acme.com"`),
	ok("f_url", `"http://x.org/a?b=c#d"`, `"http://x.org/a?b=c#d"`),
	ok("f_url", `""`, `null`),
	no("f_url", `"ftp://x.org"`, "f_url"),
	no("f_url", `"https://"`, "f_url"),
	no("f_url", `"not a url"`, "f_url"),
	no("f_url", `"javascript:alert(1)"`, "f_url"),
	no("f_url", `5`, "f_url"),

	ok("f_relation", `"$CO"`, `"$CO"`),
	ok("f_relation", `$CO`, `"$CO"`),
	no("f_relation", `"00$CO"`, "f_relation"), // one spelling per id
	no("f_relation", `"+$CO"`, "f_relation"),
	no("f_relation", `" $CO"`, "f_relation"),
	no("f_relation", `"999"`, "f_relation"),
	no("f_relation", `"$DEL"`, "f_relation"),
	no("f_relation", `"abc"`, "f_relation"),
	no("f_relation", `"-1"`, "f_relation"),
	no("f_relation", `1.5`, "f_relation"),
	no("f_relation", `true`, "f_relation"),
	no("f_relation", `{"id": "$CO"}`, "f_relation"),

	ok("f_user", `"$USER"`, `"$USER"`),
	no("f_user", `"999"`, "f_user"),
	no("f_user", `true`, "f_user"),

	ok("f_address", `{"street": " 1 Main St ", "city": "Springfield", "country": "us", "region": ""}`,
		`{"city":"Springfield","country":"US","street":"1 Main St"}`),
	ok("f_address", `{}`, `null`),
	ok("f_address", `{"city": null}`, `null`),
	no("f_address", `{"planet": "Mars"}`, "f_address.planet"),
	no("f_address", `{"country": "USA"}`, "f_address.country"),
	no("f_address", `{"country": "u1"}`, "f_address.country"),
	no("f_address", `{"country": "ü"}`, "f_address.country"),
	no("f_address", `{"country": "--"}`, "f_address.country"),
	no("f_address", `{"city": 5}`, "f_address.city"),
	no("f_address", `{"city": "a\u0000"}`, "f_address.city"),
	no("f_address", `{"city": "a\nb"}`, "f_address.city"),
	ok("f_address", `{"street": "Flat 3\n12 High St"}`, `{"street":"Flat 3\n12 High St"}`),
	no("f_address", `"1 Main St"`, "f_address"),

	ok("f_tags", `[" a ", "b", "a"]`, `["a","b"]`),
	ok("f_tags", `[]`, `null`),
	no("f_tags", `[""]`, "f_tags[0]"),
	no("f_tags", `["ok", "a\u202eb"]`, "f_tags[1]"),
	no("f_tags", `["ok", 5]`, "f_tags[1]"),
	no("f_tags", `[`+strings.Repeat(`"t",`, 50)+`"u"]`, "f_tags"),
	no("f_tags", `[`+long("t", 101)+`]`, "f_tags[0]"),
	no("f_tags", `"a"`, "f_tags"),

	ok("f_urls", `["acme.com", {"value": "https://x.org", "label": "blog"}]`, `[{"value":"https://acme.com"},{"value":"https://x.org","label":"blog"}]`),
	no("f_urls", `["ftp://x.org"]`, "f_urls[0].value"),
	no("f_urls", `[{"value": 5}]`, "f_urls[0].value"),

	// Standard fields.
	ok("companies", `[{"id": "$CO", "role": " CEO "}]`, `[{"id":"$CO","role":"CEO"}]`),
	ok("companies", `null`, `[]`),
	ok("companies", `["$CO", "$CO"]`, `[{"id":"$CO"}]`),
	ok("companies", `[]`, `[]`),
	no("companies", `["999"]`, "companies[0].id"),
	no("companies", `["$DEL"]`, "companies[0].id"),
	no("companies", `[{"id": "$CO", "title": "CEO"}]`, "companies[0].title"),
	no("companies", `[{"id": "$CO", "role": 5}]`, "companies[0].role"),
	no("companies", `"$CO"`, "companies"),
	no("companies", `[5]`, "companies[0]"),
	ok("owner_id", `"$USER"`, `"$USER"`),
	no("owner_id", `"999"`, "owner_id"),
	ok("emails", `["ada@example.com"]`, `[{"value":"ada@example.com"}]`),
	no("emails", `["ada"]`, "emails[0].value"),
	ok("phones", `["+1 (415) 555-2671"]`, `[{"value":"+14155552671","valid":true,"typed":"+1 (415) 555-2671"}]`),
	ok("birthday", `"1990-05-01"`, `"1990-05-01"`),
	no("birthday", `"1990-13-01"`, "birthday"),
	ok("source", `"web_form"`, `"web_form"`),
	no("source", `"fax"`, "source"),
	ok("address", `{"city": "Paris", "country": "fr"}`, `{"city":"Paris","country":"FR"}`),
	ok("website", `"www.acme.com"`, `"https://www.acme.com"`),
	ok("social_profiles", `["github.com/ada"]`, `[{"value":"https://github.com/ada"}]`),
	ok("tags", `["vip"]`, `["vip"]`),
	ok("full_name", `"The Countess"`, `"The Countess"`),
	no("last_name", `{"x": 1}`, "last_name"),
	no("last_name", `"a\u0000"`, "last_name"),

	// Fields nobody may write.
	no("id", `"5"`, "id"),
	no("created_at", `"2026-01-01T00:00:00Z"`, "created_at"),
	no("updated_at", `null`, "updated_at"),
	no("deleted_at", `null`, "deleted_at"),
	no("nickname", `"Ada"`, "nickname"),
	no("custom", `{}`, "custom"),
	no("workspace_id", `2`, "workspace_id"),
}

// decode is a JSON text as a value, so that jsonOf puts object keys in one
// order.
func decode(t *testing.T, s string) any {
	t.Helper()
	var v any
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return v
}

func TestValues(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		allTypes(v)
		co := v.create("companies", `{"name": "Acme"}`)
		del := v.create("companies", `{"name": "Gone"}`)
		if err := v.e.Delete(v.ctx, "companies", id(del), 0); err != nil {
			t.Fatal(err)
		}
		ids := strings.NewReplacer("$CO", id(co), "$DEL", id(del), "$USER", v.user)
		target := v.create("contacts", `{"first_name": "Target"}`)
		for i, c := range valueCases {
			name := fmt.Sprintf("%03d_%s", i, c.field)
			body := ids.Replace(fmt.Sprintf(`{"first_name": "T", %q: %s}`, c.field, c.value))
			t.Run(name, func(t *testing.T) {
				if c.bad != "" {
					before := v.snapshot()
					_, err := v.e.Create(v.ctx, "contacts", in(t, body))
					wantInvalid(t, err, c.bad)
					_, err = v.e.Update(v.ctx, "contacts", id(target), 0, in(t, body))
					wantInvalid(t, err, c.bad)
					if after := v.snapshot(); after != before {
						t.Errorf("a refused write changed the database: %s → %s", before, after)
					}
					return
				}
				want := jsonOf(decode(t, ids.Replace(c.want)))
				rec, err := v.e.Create(v.ctx, "contacts", in(t, body))
				if err != nil {
					t.Fatalf("create %s: %v", body, err)
				}
				if got := jsonOf(rec[c.field]); got != want {
					t.Errorf("create %s: %s = %s, want %s", c.value, c.field, got, want)
				}
				if got := jsonOf(v.get("contacts", id(rec))[c.field]); got != want {
					t.Errorf("get after create %s: %s = %s, want %s", c.value, c.field, got, want)
				}
				up, err := v.e.Update(v.ctx, "contacts", id(target), 0, in(t, body))
				if err != nil {
					t.Fatalf("update %s: %v", body, err)
				}
				if got := jsonOf(up[c.field]); got != want {
					t.Errorf("update %s: %s = %s, want %s", c.value, c.field, got, want)
				}
				if got := jsonOf(v.get("contacts", id(target))[c.field]); got != want {
					t.Errorf("get after update %s: %s = %s, want %s", c.value, c.field, got, want)
				}
			})
		}
	})
}

// TestValuesAllErrors checks that one refusal lists every problem of the
// input, not just the first.
func TestValuesAllErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		allTypes(v)
		before := v.snapshot()
		_, err := v.e.Create(v.ctx, "contacts", in(t, `{"bogus": 1, "id": "5", "f_integer": "x", "f_select": "nope",
			"emails": ["x"], "f_money": {"amount": 1, "currency": "ZZZ"}, "version": 7}`))
		wantInvalid(t, err, "bogus", "id", "f_integer", "f_select", "emails[0].value", "f_money.currency")
		if n := len(errFields(err)); n != 6 {
			t.Errorf("error lists %q, want 6 fields", errFields(err))
		}
		if after := v.snapshot(); after != before {
			t.Errorf("a refused create changed the database: %s → %s", before, after)
		}
	})
}

func TestRequired(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		v.addField("companies", records.FieldSpec{Name: "ticker", Type: records.Text, Required: true})
		v.addField("companies", records.FieldSpec{Name: "tier", Type: records.Select, Options: []string{"a"}, Required: true})
		for _, c := range []struct {
			body   string
			fields []string
		}{
			{`{}`, []string{"name", "ticker", "tier"}},
			{`{"name": "", "ticker": "   ", "tier": ""}`, []string{"name", "ticker", "tier"}},
			{`{"name": null, "ticker": null, "tier": null}`, []string{"name", "ticker", "tier"}},
			{`{"name": "Acme", "tier": "a"}`, []string{"ticker"}},
		} {
			before := v.snapshot()
			_, err := v.e.Create(v.ctx, "companies", in(t, c.body))
			wantInvalid(t, err, c.fields...)
			if len(errFields(err)) != len(c.fields) {
				t.Errorf("%s: error lists %q, want %q", c.body, errFields(err), c.fields)
			}
			if after := v.snapshot(); after != before {
				t.Errorf("a refused create changed the database: %s → %s", before, after)
			}
		}
		co := v.create("companies", `{"name": "Acme", "ticker": "ACM", "tier": "a"}`)
		// A partial update need not repeat required fields, but cannot
		// clear them.
		if _, err := v.e.Update(v.ctx, "companies", id(co), 1, in(t, `{"industry": "Anvils"}`)); err != nil {
			t.Fatal(err)
		}
		_, err := v.e.Update(v.ctx, "companies", id(co), 2, in(t, `{"name": " ", "ticker": null}`))
		wantInvalid(t, err, "name", "ticker")
	})
}

// TestDerivedFields covers the values the engine fills in itself.
func TestDerivedFields(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		c := v.create("contacts", `{"first_name": "Ada"}`)
		if c["full_name"] != "Ada" {
			t.Errorf("full_name %v", c["full_name"])
		}
		up, err := v.e.Update(v.ctx, "contacts", id(c), 1, in(t, `{"last_name": " Lovelace "}`))
		if err != nil || up["full_name"] != "Ada Lovelace" {
			t.Fatalf("full_name after update %v %v", up["full_name"], err)
		}
		up, err = v.e.Update(v.ctx, "contacts", id(c), 2, in(t, `{"first_name": null, "last_name": ""}`))
		if err != nil || up["full_name"] != nil {
			t.Fatalf("full_name after clearing %v %v", up["full_name"], err)
		}
		// Names at their longest still make a valid record.
		name := long("n", 1000)
		c = v.create("contacts", `{"first_name": `+name+`, "last_name": `+name+`}`)
		if n := len([]rune(c["full_name"].(string))); n > 1000 {
			t.Errorf("full_name of %d characters", n)
		}

		co := v.create("companies", `{"name": "Acme", "website": "https://www.Acme.com/about"}`)
		if co["domain"] != "acme.com" {
			t.Errorf("domain %v", co["domain"])
		}
		co = v.create("companies", `{"name": "Beta", "website": "beta.io", "domain": "beta.example"}`)
		if co["domain"] != "beta.example" {
			t.Errorf("domain %v, want the one given", co["domain"])
		}
	})
}

// TestLongText stores long text in every indexed text column: what
// validation lets through, the database must take.
func TestLongText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		r := rand.New(rand.NewPCG(1, 2))
		var b strings.Builder
		for range 1000 {
			b.WriteRune(rune(0x4E00 + r.IntN(0x5000))) // CJK, three bytes each, hard to compress
		}
		s := b.String()
		for _, object := range []string{"contacts", "companies"} {
			for _, f := range []string{"first_name", "last_name", "full_name", "job_title", "language", "name", "domain", "industry"} {
				if fd, _ := fieldOf(v, object, f); fd == nil {
					continue
				}
				body := map[string]any{f: s}
				if object == "companies" && f != "name" {
					body["name"] = "x"
				}
				_, err := v.e.Create(v.ctx, object, body)
				wantInvalid(t, err, f)
				body[f] = string([]rune(s)[:430])
				if _, err := v.e.Create(v.ctx, object, body); err != nil {
					t.Errorf("%s.%s of 430 characters: %v", object, f, err)
				}
			}
		}
	})
}

func fieldOf(v *env, object, name string) (*records.Field, error) {
	fields, err := v.e.Fields(v.ctx, object)
	for _, f := range fields {
		if f.Name == name {
			return f, nil
		}
	}
	return nil, err
}

func TestNormalizePhone(t *testing.T) {
	for _, c := range []struct {
		in, region, want string
		valid            bool
	}{
		{"(415) 555-2671", "US", "+14155552671", true},
		{"415.555.2671", "US", "+14155552671", true},
		{"+1 415 555 2671", "", "+14155552671", true},
		{"+44 20 7946 0958", "US", "+442079460958", true},
		{"+44 (0)20 7946 0958", "", "+442079460958", true},
		{"020 7946 0958", "GB", "+442079460958", true},
		{"06 12 34 56 78", "FR", "+33612345678", true},
		{"(415) 555-2671", "", "(415) 555-2671", false},
		{"555", "US", "555", false},
		{"call me", "US", "call me", false},
		{"", "US", "", false},
	} {
		got, valid := records.NormalizePhone(c.in, c.region)
		if got != c.want || valid != c.valid {
			t.Errorf("NormalizePhone(%q, %q) = %q, %v; want %q, %v", c.in, c.region, got, valid, c.want, c.valid)
		}
	}
}

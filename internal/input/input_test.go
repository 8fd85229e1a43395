package input_test

import (
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/input"
)

func TestLineAndText(t *testing.T) {
	cases := []struct {
		s          string
		line, text string // the code each answers; "" means accepted
		mentions   string
	}{
		{"Ada Lovelace", "", "", ""},
		{"Мария Иванова", "", "", ""},
		{"שרה כהן", "", "", ""},
		{"👩\u200d💻 Zoë", "", "", ""},  // the zero-width joiner is part of the emoji
		{"می\u200cخواهم", "", "", ""}, // Persian needs the zero-width non-joiner
		{"a\x00b", "character", "character", "U+0000 NUL, found at character 2"},
		{"a\x07", "character", "character", "U+0007 a control character"},
		{"a\u0085", "character", "character", "U+0085"},
		{"abc\u202Egpj.exe", "character", "character", "U+202E RIGHT-TO-LEFT OVERRIDE, found at character 4"},
		{"\u2067x\u2069", "character", "character", "U+2067 RIGHT-TO-LEFT ISOLATE"},
		{"a\uFFFE", "character", "character", "noncharacter"},
		{"one\ntwo", "character", "", "line break"},
		{"one\ttwo", "character", "", "tab"},
		{"name\u200F", "character", "", "U+200F RIGHT-TO-LEFT MARK"},
		{"\uFEFFname", "character", "", "byte order mark"},
		{"na\u200Bme", "character", "", "ZERO WIDTH SPACE"},
		{"bad \xff byte", "encoding", "encoding", "byte 5"},
	}
	for _, c := range cases {
		for _, k := range []struct {
			name string
			fn   func(string, string) *fault.FieldError
			want string
		}{{"Line", input.Line, c.line}, {"Text", input.Text, c.text}} {
			fe := k.fn("f", c.s)
			switch {
			case k.want == "" && fe != nil:
				t.Errorf("%s(%q) = %+v, want accepted", k.name, c.s, fe)
			case k.want != "" && (fe == nil || fe.Code != k.want || fe.Field != "f"):
				t.Errorf("%s(%q) = %+v, want code %s", k.name, c.s, fe, k.want)
			case fe != nil && !strings.Contains(fe.Message, c.mentions):
				t.Errorf("%s(%q) says %q, want it to mention %q", k.name, c.s, fe.Message, c.mentions)
			}
		}
	}
}

func TestJSON(t *testing.T) {
	cases := []struct {
		doc, field, code string
	}{
		{`{"name": "Ada", "tags": ["a", "b"], "n": 1, "ok": true, "x": null}`, "", ""},
		{`{"note": "line one\nline two\t\u200f"}`, "", ""},                  // running text may hold these
		{`{"emoji": "\ud83d\ude00", "raw": "😀", "fffd": "\ufffd"}`, "", ""}, // whole pairs and U+FFFD itself
		{`{"name": "a\u0000b"}`, "name", "character"},
		{`{"a": {"b": [{"c": "ok"}, {"c": "x\u202ey"}]}}`, "a.b[1].c", "character"},
		{`[{"v": 1}, "\u0001"]`, "[1]", "character"},
		{"{\"name\": \"bad \xff\"}", "name", "encoding"},
		{`{"name": "half \ud800 pair"}`, "name", "encoding"},
		{`{"name": "low \udc00 first"}`, "name", "encoding"},
		{`{"name": "high at end \ud83d"}`, "name", "encoding"},
		{`{"name": "escaped \\ud800 is text"}`, "", ""},
		{`{"na\u0000me": "x"}`, `na\x00me`, "character"},
		{`{"outer": {"k\ny": 1}}`, `outer.k\ny`, "character"}, // a key is a name: no line breaks
		{"{\"k\xfe\": 1}", `k\xfe`, "encoding"},
		{`{"a" 1, "name": "a\u0000b"}`, "", ""}, // not JSON: left to the decoder
		{`{"a": 1} {"b": "\u0000"}`, "", ""},    // two documents: the decoder refuses them
		{`{"na\ud800me": 1}`, `na\\ud800me`, "encoding"},
		{`{"a": [[1, "x"], {"b": [true, null, "\u0085"]}]}`, "a[1].b[2]", "character"},
	}
	for _, c := range cases {
		fe := input.JSON([]byte(c.doc))
		switch {
		case c.code == "" && fe != nil:
			t.Errorf("%s: %+v, want accepted", c.doc, fe)
		case c.code != "" && fe == nil:
			t.Errorf("%s: accepted, want %s at %s", c.doc, c.code, c.field)
		case c.code != "" && (fe.Code != c.code || fe.Field != c.field):
			t.Errorf("%s: %+v, want %s at %s", c.doc, fe, c.code, c.field)
		}
	}
}

func TestQuery(t *testing.T) {
	v, fe := input.Query("first_name=Vic&tags[in]=a,b&q=caf%C3%A9+au+lait&empty=&tags[in]=c")
	if fe != nil {
		t.Fatal(fe)
	}
	if v.Get("q") != "café au lait" || len(v["tags[in]"]) != 2 || !v.Has("empty") {
		t.Fatalf("parsed %v", v)
	}
	cases := []struct{ raw, field, code string }{
		{"first_name=Vic1%ZZ", "first_name", "encoding"},
		{"cursor=%%%garbage", "cursor", "encoding"},
		{"limit=5;first_name=Vic", "limit", "format"},
		{"a=1&b%ZZ=2", "b%ZZ", "encoding"},
		{"name=a%00b", "name", "character"},
		{"name=a%FFb", "name", "encoding"},
		{"name=a%E2%80%AEb", "name", "character"},
		{"name=a%0Ab", "name", "character"},
		{"na%00me=x", `na\x00me`, "character"},
		{"=x", "", "format"},
	}
	for _, c := range cases {
		_, fe := input.Query(c.raw)
		if fe == nil || fe.Field != c.field || fe.Code != c.code {
			t.Errorf("%s: %+v, want %s at %q", c.raw, fe, c.code, c.field)
		}
	}
}

func TestID(t *testing.T) {
	for s, want := range map[string]int64{"1": 1, "3": 3, "10": 10, "9223372036854775807": 1<<63 - 1} {
		if n, ok := input.ID(s); !ok || n != want {
			t.Errorf("ID(%q) = %d, %v", s, n, ok)
		}
	}
	for _, s := range []string{"", "0", "03", "+3", "-3", " 3", "3 ", "3.0", "1e3", "0x3", "３", "9223372036854775808"} {
		if n, ok := input.ID(s); ok {
			t.Errorf("ID(%q) = %d, want no id", s, n)
		}
	}
}

// BenchmarkJSON measures the check every request body passes: a body of
// 200 contacts, about 60 KB.
func BenchmarkJSON(b *testing.B) {
	var doc strings.Builder
	doc.WriteString(`{"data": [`)
	for i := range 200 {
		if i > 0 {
			doc.WriteString(",")
		}
		doc.WriteString(`{"first_name": "Мария", "last_name": "Lovelace", "emails": [{"value": "ada@example.com", "label": "work"}],
			"address": {"street": "1 Main St", "city": "Springfield"}, "tags": ["vip", "2026"], "score": 42, "note": "Met at the fair.\nCall back."}`)
	}
	doc.WriteString(`]}`)
	body := []byte(doc.String())
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if fe := input.JSON(body); fe != nil {
			b.Fatal(fe)
		}
	}
}

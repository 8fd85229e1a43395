package export

import (
	"testing"

	"github.com/rapport-crm/rapport/internal/records"
)

// storedJSON are values as the JSON columns hold them, on SQLite and as
// PostgreSQL gives jsonb back, and values of other shapes.
var storedJSON = []string{
	`null`, `[]`, `{}`, ` [ ] `,
	`["vip","champion"]`, `["vip", "decision-maker"]`, `["a,b"]`,
	`[{"value":"emily@truline.example","type":"work"}]`,
	`[{"type": "mobile", "value": "+447956860279", "valid": true, "typed": "07956 860279"}, {"value": "+16176432107", "valid": false}]`,
	`[{"value":"x","value":"y"}]`, `[{"value":"x","value":null}]`, `[{"type":"work"}]`, `[{"value":1}]`, `[null]`, `["a",{"value":"b"}]`,
	`{"street":"136 Church Lane","city":"Bristol","region":"England","postal_code":"BS7 2GG","country":"GB"}`,
	`{"city": "Lyon", "country": "FR", "street": null}`, `{"city":"Lyon","city":null}`, `{"city":"Lyon","zip":"1"}`,
	`{"city":true}`, `{"city":1}`, `{"amount":123450,"currency":"EUR"}`, `{"currency":"EUR","amount":-5}`,
	`["caf\u00e9"]`, `["tab\there"]`, `["line\nbreak"]`, "[\"\xff\"]", `["x"`, `["x"]]`, `"text"`, `12`, `true`,
	`[{"value":"a"},]`, `{"city":"a",}`, `[{"id":"4","role":"CFO"}]`, `[["nested"]]`, `{"city":"a"} x`,
}

func TestJSONCellIsTextOfTheValue(t *testing.T) {
	for _, text := range storedJSON {
		checkCell(t, text)
	}
}

func FuzzJSONCell(f *testing.F) {
	for _, text := range storedJSON {
		f.Add(text)
	}
	f.Fuzz(checkCell)
}

// checkCell checks that the cell of text read from the text is the cell
// of its decoded value, and that text cell fails on is not JSON.
func checkCell(t *testing.T, text string) {
	v, decodeErr := records.JSONText(text).Value()
	got, ok := jsonCell(text)
	if ok && (decodeErr != nil || got != Text(v)) {
		t.Errorf("jsonCell(%q) = %q; the decoded value %#v (%v) is %q", text, got, v, decodeErr, Text(v))
	}
	c, err := cell(records.JSONText(text))
	if (err != nil) != (decodeErr != nil) || err == nil && c != Text(v) {
		t.Errorf("cell(%q) = %q, %v; the decoded value is %q, %v", text, c, err, Text(v), decodeErr)
	}
}

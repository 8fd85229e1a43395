package records

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// TestDecodeJSONKeepsNumbers checks that decodeJSON reads every JSON
// value as a decoder that keeps numbers as json.Number does, whether or
// not it takes the shorter way for values without numbers.
func TestDecodeJSONKeepsNumbers(t *testing.T) {
	for _, text := range []string{
		`[{"value": "ann@example.com", "label": "work"}]`,
		`[{"value": "+15551234567", "e164": "+15551234567", "label": null}]`,
		`{"street": "1 \"Main\" St 2-4", "city": "\\", "country": "GB"}`,
		`["vip", "b2b", "2024"]`,
		`{"amount": 1999, "currency": "EUR"}`,
		`{"a": -0.5, "b": [1, 2.25, 1e3], "c": "x"}`,
		`{"big": 12345678901234567890}`,
		`{"ok": true, "no": false, "none": null, "s": "\u00e9\n"}`,
		`"a string"`, `true`, `{"nested": {"deep": ["1", {"n": 2}]}}`,
		`{"esc": "a\\", "n": 3}`,
	} {
		d := json.NewDecoder(bytes.NewReader([]byte(text)))
		d.UseNumber()
		var want any
		if err := d.Decode(&want); err != nil {
			t.Fatal(text, err)
		}
		for _, v := range []any{text, []byte(text)} {
			got, err := decodeJSON(v)
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("%s: got %#v, %v; want %#v", text, got, err, want)
			}
		}
	}
	if _, err := decodeJSON(`{"broken": `); err == nil {
		t.Error("broken JSON decoded")
	}
}

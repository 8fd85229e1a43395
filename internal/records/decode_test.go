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
		`{"name": "Łukasz Żółć", "n": -12.5e-3, "list": [true, false, null, 0, {}]}`,
		"{\"bad\": \"\xff\"}",
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

// FuzzParseJSON checks that whatever parseJSON reads itself, it reads as
// encoding/json does with numbers kept as json.Number, and that
// decodeJSON agrees with encoding/json on every text.
func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{
		`[{"value": "ann@example.com", "label": "work"}]`, `{"a": -0.5e+3, "b": [1, 2.25, 1E3], "c": "x"}`,
		`{"name": "Łukasz Żółć", "city": "Алматы"}`, "\"\xff\"", `"tab	in"`, `01`, `-`, `1.`, `1e`, `[1,]`,
		`{"a":1,}`, `{"a" 1}`, `{"k": "v", "k": "w"}`, ` [ true , false , null ] `, `{} x`, `"\u00e9"`, `[[[[[]]]]]`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		d := json.NewDecoder(bytes.NewReader([]byte(text)))
		d.UseNumber()
		var want any
		wantErr := d.Decode(&want)
		if got, ok := parseJSON(text); ok {
			var all any
			if err := json.Unmarshal([]byte(text), &all); err != nil {
				t.Fatalf("%q: parsed, but encoding/json refuses it: %v", text, err)
			}
			if wantErr != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("%q: got %#v, want %#v (%v)", text, got, want, wantErr)
			}
		}
		if text == "null" || text == "{}" || text == "[]" {
			return
		}
		got, err := decodeJSON(text)
		if (err != nil) != (wantErr != nil) || err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: decodeJSON gave %#v, %v; want %#v, %v", text, got, err, want, wantErr)
		}
	})
}

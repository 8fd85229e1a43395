package linkage_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/rapport-crm/rapport/internal/linkage"
	"github.com/rapport-crm/rapport/internal/linkage/synth"
)

// FuzzReadRecord holds ReadRecord to encoding/json: whatever JSON the
// standard decoder reads as a Record, ReadRecord reads the same. The
// seeds are synthetic records as the store writes them, in Latin and
// Cyrillic, and a few written by hand.
func FuzzReadRecord(f *testing.F) {
	for _, r := range synth.Generate(300, 7, synth.Rich) {
		b, err := json.Marshal(r.Record)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	for _, s := range []string{
		`{"ID":"1","Kind":"company","Name":"Acme \u0026 Sons","Identifiers":{"tax":"PL 123"}}`,
		`{"ID":"2","FirstName":"Zoë","LastName":"O'Brien","Emails":[],"Phones":null,"Identifiers":null}`,
		`{"ID":"3","AddressLines":["ул. Ленина, 5","\t"],"Town":"Москва\n"}`,
		`{}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		var want linkage.Record
		if json.Unmarshal([]byte(text), &want) != nil {
			return
		}
		got, err := linkage.ReadRecord(text)
		if err != nil {
			t.Fatalf("ReadRecord(%q): %v; encoding/json reads %+v", text, err, want)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("ReadRecord(%q) = %+v, encoding/json reads %+v", text, got, want)
		}
	})
}

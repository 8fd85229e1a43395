package vcard

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/rapport-crm/rapport/internal/records"
)

// TestFromRecordReadsValuesAsJSONWould checks that reading a record's
// values directly gives the contact that the round trip through JSON
// gives, for records as the engine decodes them from a row.
func TestFromRecordReadsValuesAsJSONWould(t *testing.T) {
	rows := []string{
		`{"id": "7", "first_name": "Ann", "last_name": "Lee", "full_name": "Ann Lee", "job_title": "CTO",
		  "emails": [{"value": "ann@example.com", "label": "work"}, {"value": "a@example.org"}],
		  "phones": [{"value": "+15551234567", "label": null, "e164": "+15551234567"}],
		  "social_profiles": [], "tags": ["vip", "b2b"], "website": "https://example.com",
		  "address": {"street": "1 Main St", "city": "Springfield", "country": "US", "extra": 1},
		  "language": "en", "birthday": "1980-02-03", "lead_score": 12, "companies": null}`,
		`{"id": "8", "first_name": null, "emails": null, "address": {}, "tags": []}`,
		`{"id": "9"}`,
	}
	for _, row := range rows {
		d := json.NewDecoder(bytes.NewReader([]byte(row)))
		d.UseNumber()
		var rec records.Record
		if err := d.Decode(&rec); err != nil {
			t.Fatal(err)
		}
		got, err := fromValues(rec)
		if err != nil {
			t.Fatalf("%s: %v", row, err)
		}
		var want Contact
		b, _ := json.Marshal(rec)
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Input(), want.Input()) || (got.Address == nil) != (want.Address == nil) {
			t.Errorf("%s:\n got %+v\nwant %+v", row, got, want)
		}
		var gb, wb bytes.Buffer
		if err := Write(&gb, got, "3.0"); err != nil {
			t.Fatal(err)
		}
		Write(&wb, want, "3.0")
		if gb.String() != wb.String() {
			t.Errorf("%s: the cards differ:\n%s\n%s", row, gb.String(), wb.String())
		}
	}
	// A value of another Go type takes the round trip.
	c, err := FromRecord(records.Record{"tags": []string{"a"}, "emails": []Item{{Value: "x@example.com"}}})
	if err != nil || len(c.Tags) != 1 || c.Emails[0].Value != "x@example.com" {
		t.Errorf("%+v %v", c, err)
	}
}

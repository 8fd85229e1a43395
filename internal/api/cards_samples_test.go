package api_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
	"github.com/rapport-crm/rapport/internal/vcard"
)

// sampleData holds ez-vcard's and ical.js's sample files; CI has it
// beside the repository.
const sampleData = "../../../shared/data/vcard-ical"

// TestVCardSamplesThroughTheEngine imports every sample vCard file through
// the API and reads each contact back as a vCard: what the engine keeps
// is what the file said, in the engine's own forms (e-mails in lower
// case, valid phones in E.164, websites with their scheme). A file the
// engine refuses is listed with the card and field it names.
func TestVCardSamplesThroughTheEngine(t *testing.T) {
	if _, err := os.Stat(sampleData); err != nil {
		t.Skipf("no sample data at %s: %v", sampleData, err)
	}
	var files []string
	for _, pattern := range []string{"ez-vcard/*.vcf", "ical.js/test_parser/*.vcf"} {
		m, _ := filepath.Glob(filepath.Join(sampleData, pattern))
		files = append(files, m...)
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		for _, path := range files {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			want, err := vcard.Read(data)
			if err != nil {
				t.Errorf("%s: %v", path, err)
				continue
			}
			status, text := sendFile(t, e.srv.URL, e.token, "POST", "/api/v1/contacts/vcard", "text/vcard", string(data))
			if status == 422 && strings.Contains(text, `"field":"cards[`) {
				t.Logf("REFUSED by the engine %s: %s", filepath.Base(path), text[strings.Index(text, `"errors"`):])
				continue
			}
			if status != 201 {
				t.Fatalf("%s: %d %s", path, status, text)
			}
			for i, id := range idsOf(t, text) {
				status, card := sendFile(t, e.srv.URL, e.token, "GET", "/api/v1/contacts/"+id+"/vcard", "", "")
				got, err := vcard.Read([]byte(card))
				if status != 200 || err != nil {
					t.Fatalf("%s card %d: %d %v\n%s", path, i, status, err, card)
				}
				if w := stored(want[i]); !reflect.DeepEqual(got[0], w) {
					t.Errorf("%s card %d:\n got %+v %+v\nwant %+v %+v", filepath.Base(path), i, got[0], got[0].Address, w, w.Address)
				}
			}
		}
	})
}

// stored is c in the forms the engine stores.
func stored(c vcard.Contact) vcard.Contact {
	for i := range c.Emails {
		c.Emails[i].Value = strings.ToLower(c.Emails[i].Value)
	}
	for i := range c.Phones {
		c.Phones[i].Value, _ = records.NormalizePhone(c.Phones[i].Value, "US")
	}
	if c.Website != "" && !strings.Contains(c.Website, "://") {
		c.Website = "https://" + c.Website
	}
	return c
}

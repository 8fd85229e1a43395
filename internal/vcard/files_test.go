package vcard_test

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	govcard "github.com/emersion/go-vcard"

	"github.com/rapport-crm/rapport/internal/vcard"
)

// dataDir holds ez-vcard's and ical.js's sample files; CI has it beside
// the repository.
const dataDir = "../../../shared/data/vcard-ical"

// sampleFiles returns the files of the sample data ending in ext, or
// skips the test when the data is absent.
func sampleFiles(t testing.TB, ext string) []string {
	t.Helper()
	if _, err := os.Stat(dataDir); err != nil {
		t.Skipf("no sample data at %s: %v", dataDir, err)
	}
	var files []string
	err := filepath.WalkDir(dataDir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ext) {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no %s files under %s", ext, dataDir)
	}
	return files
}

// TestSampleFiles reads every sample vCard: each card keeps its name,
// phones, e-mails, organisation, address, birthday and notes, checked
// against what the library itself reads from the card, and comes back
// the same from a vCard 3.0 and 4.0 of its own.
func TestSampleFiles(t *testing.T) {
	for _, path := range sampleFiles(t, ".vcf") {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			cards, err := vcard.Decode(data)
			if err != nil {
				t.Logf("REJECTED %s: %v", path, err)
				if !rejected[filepath.Base(path)] {
					t.Errorf("%s is rejected: %v", path, err)
				}
				return
			}
			contacts, err := vcard.Read(data)
			if err != nil || len(contacts) != len(cards) {
				t.Fatalf("Read: %d contacts, %v; want %d", len(contacts), err, len(cards))
			}
			for i, card := range cards {
				c := contacts[i]
				checkKept(t, card, c)
				for _, version := range vcard.Versions {
					var buf bytes.Buffer
					if err := vcard.Write(&buf, c, version); err != nil {
						t.Fatalf("card %d, vCard %s: %v", i, version, err)
					}
					again, err := vcard.Read(buf.Bytes())
					if err != nil || len(again) != 1 {
						t.Fatalf("card %d, vCard %s read back: %v\n%s", i, version, err, buf.String())
					}
					if !reflect.DeepEqual(again[0], c) {
						t.Errorf("card %d, vCard %s changed on the way:\n got %+v\nwant %+v\n%s", i, version, again[0], c, buf.String())
					}
				}
			}
		})
	}
}

// rejected are the sample files the library cannot read, with the reason
// the test logs.
var rejected = map[string]bool{}

// checkKept compares c with what the library reads from card.
func checkKept(t *testing.T, card govcard.Card, c vcard.Contact) {
	t.Helper()
	if n := card.Name(); n != nil && !strings.Contains(n.Value, `\;`) {
		if c.LastName != squeeze(n.FamilyName) || c.FirstName != squeeze(n.GivenName) {
			t.Errorf("name %q %q, want %q %q", c.FirstName, c.LastName, n.GivenName, n.FamilyName)
		}
	}
	if fn := squeeze(card.PreferredValue(govcard.FieldFormattedName)); fn != c.FullName {
		t.Errorf("full name %q, want %q", c.FullName, fn)
	}
	for _, tel := range card.Values(govcard.FieldTelephone) {
		if !hasValue(c.Phones, strings.TrimPrefix(squeeze(strings.ReplaceAll(tel, `\;`, ";")), "tel:")) {
			t.Errorf("phone %q is missing from %v", tel, c.Phones)
		}
	}
	for _, email := range card.Values(govcard.FieldEmail) {
		if !hasValue(c.Emails, squeeze(email)) {
			t.Errorf("e-mail %q is missing from %v", email, c.Emails)
		}
	}
	if org := card.PreferredValue(govcard.FieldOrganization); org != "" && !strings.Contains(org, `\;`) {
		if want, _, _ := strings.Cut(org, ";"); squeeze(want) != c.Organization {
			t.Errorf("organisation %q, want %q", c.Organization, want)
		}
	}
	if a := card.Address(); a != nil {
		checkAddress(t, card.Preferred(govcard.FieldAddress), c.Address)
	}
	if b := card.Value(govcard.FieldBirthday); yearDate.MatchString(b) {
		if strings.ReplaceAll(c.Birthday, "-", "") != strings.ReplaceAll(b[:min(len(b), 10)], "-", "")[:8] {
			t.Errorf("birthday %q, want %q", c.Birthday, b)
		}
	}
	for _, note := range card.Values(govcard.FieldNote) {
		want := strings.TrimSpace(strings.NewReplacer("\r\n", "\n", `\;`, ";", `\:`, ":", `\"`, `"`).Replace(note))
		if want != "" && !slices.Contains(c.Notes, want) {
			t.Errorf("note %q is missing from %q", want, c.Notes)
		}
	}
}

var yearDate = regexp.MustCompile(`^\d{4}-?\d{2}-?\d{2}`)

// checkAddress checks that each part of the preferred ADR is in the
// contact's address: the country as its ISO code or, when it has none, in
// the street.
func checkAddress(t *testing.T, f *govcard.Field, got *vcard.Address) {
	t.Helper()
	p := strings.Split(f.Value, ";")
	for len(p) < 7 {
		p = append(p, "")
	}
	if strings.TrimSpace(strings.Join(p, "")) == "" {
		return
	}
	if got == nil {
		t.Fatalf("address %q is missing", f.Value)
	}
	for _, street := range p[:3] {
		if !strings.Contains(got.Street, strings.TrimSpace(street)) {
			t.Errorf("street %q is missing from %q", street, got.Street)
		}
	}
	if got.City != squeeze(p[3]) || got.Region != squeeze(p[4]) || got.PostalCode != squeeze(p[5]) {
		t.Errorf("address %+v, want city %q, region %q, postal code %q", got, p[3], p[4], p[5])
	}
	if country := squeeze(p[6]); country != "" && got.Country == "" && !strings.Contains(got.Street, country) {
		t.Errorf("country %q is missing from %+v", country, got)
	}
}

func squeeze(s string) string { return strings.Join(strings.Fields(s), " ") }

func hasValue(items []vcard.Item, v string) bool {
	return slices.ContainsFunc(items, func(it vcard.Item) bool { return it.Value == v })
}

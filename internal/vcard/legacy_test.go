package vcard_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/rapport-crm/rapport/internal/vcard"
)

// TestLegacyFiles checks, against the text of the files as a person reads
// it, what vCard 2.1 writes in its own way: quoted-printable values
// broken over lines, UTF-8 in a CHARSET, bare types, and the escaped
// colons of iPhone and Gmail exports.
func TestLegacyFiles(t *testing.T) {
	sampleFiles(t, ".vcf")
	ñ4 := "Ñ Ñ Ñ Ñ"
	tests := []struct {
		file  string
		card  int
		check func(c vcard.Contact) bool
	}{
		{"ez-vcard/io__text__John_Doe_ANDROID.vcf", 2, func(c vcard.Contact) bool {
			return c.LastName == ñ4 && c.FullName == ñ4+" Ñ" && c.Phones[0] == vcard.Item{Value: "123456789", Label: "cell"}
		}},
		{"ez-vcard/io__text__John_Doe_ANDROID.vcf", 4, func(c vcard.Contact) bool {
			return c.FirstName == "Ñ Ñ Ñ" && c.LastName == "Ñ Ñ" && c.Organization == "ÑÑÑÑÑÑÑÑÑÑÑÑ" &&
				c.Emails[0] == vcard.Item{Value: "bob@company.com", Label: "work"}
		}},
		{"ez-vcard/io__text__outlook-2003.vcf", 0, func(c vcard.Contact) bool {
			return slices.Equal(c.Notes, []string{"This is the note field!!\nSecond line\n\nThird line is empty"}) &&
				c.Birthday == "1980-03-21" && c.Address.Street == "TheOffice\n123 Main St" && c.Address.Country == "US" &&
				c.Phones[3] == vcard.Item{Value: "BusinessFaxPhone", Label: "work fax"}
		}},
		{"ez-vcard/io__text__outlook-2007.vcf", 0, func(c vcard.Contact) bool {
			return len(c.Notes) == 1 && c.Notes[0] == "This is the NOTE field\t\nI assume it encodes this text inside a NOTE vCard type.\n"+
				"But I'm not sure because there's text formatting going on here.\nIt does not preserve the formatting" &&
				c.Organization == "TheCompany" && c.JobTitle == "TheJobTitle"
		}},
		{"ez-vcard/io__text__John_Doe_IPHONE.vcf", 0, func(c vcard.Contact) bool {
			return c.Website == "http://www.ibm.com" && c.Phones[3] == vcard.Item{Value: "905-888-1234", Label: "home fax"}
		}},
	}
	for _, tt := range tests {
		data, err := os.ReadFile(filepath.Join(dataDir, tt.file))
		if err != nil {
			t.Fatal(err)
		}
		contacts, err := vcard.Read(data)
		if err != nil || len(contacts) <= tt.card {
			t.Fatalf("%s: %d cards, %v", tt.file, len(contacts), err)
		}
		if c := contacts[tt.card]; !tt.check(c) {
			t.Errorf("%s card %d: %+v %+v", tt.file, tt.card, c, c.Address)
		}
	}
}

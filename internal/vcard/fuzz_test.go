package vcard_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/rapport-crm/rapport/internal/vcard"
)

// FuzzReadVCard reads anything: it never panics nor hangs, and whatever
// it reads it can write and read again.
func FuzzReadVCard(f *testing.F) {
	f.Add([]byte("BEGIN:VCARD\r\nVERSION:2.1\r\nN;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:=C3=91;A=\r\nB\r\nEND:VCARD\r\n"))
	f.Add([]byte("BEGIN:VCARD\nVERSION:4.0\nADR;TYPE=work:a\\;b;;c;d;e;f;Germany\nEND:VCARD\n"))
	if _, err := os.Stat(dataDir); err == nil {
		for _, path := range sampleFiles(f, ".vcf") {
			if data, err := os.ReadFile(path); err == nil {
				f.Add(data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		contacts, err := vcard.Read(data)
		if err != nil {
			return
		}
		for _, c := range contacts {
			var buf bytes.Buffer
			if err := vcard.Write(&buf, c, "4.0"); err != nil {
				t.Fatalf("write %+v: %v", c, err)
			}
			if _, err := vcard.Read(buf.Bytes()); err != nil {
				t.Fatalf("read back %q: %v", buf.String(), err)
			}
		}
	})
}

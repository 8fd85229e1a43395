package tabular_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/rapport-crm/rapport/internal/tabular"
)

// FuzzReadCSV feeds Open arbitrary bytes: it must never panic or loop,
// and no row may hold more than the limit allows, whatever the input.
func FuzzReadCSV(f *testing.F) {
	for _, seed := range []string{
		"a,b\n1,2\n",
		"a;b\n\"x\ny\";2\n",
		"a\tb\n\"open",
		"\xEF\xBB\xBFa|b\n1|2|3\n",
		"\xFF\xFEa\x00,\x00b\x00\n\x00",
		"\xcf\xf0\xe8,\xe2\xe5\xf2\n",
		"a,b\n1,\"2\"3\n5\" x,6\n",
		"PK\x03\x04junk",
	} {
		f.Add([]byte(seed), byte(0), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, delim byte, none bool) {
		const maxLine = 256
		opts := tabular.Options{MaxLine: maxLine}
		if delim != 0 && delim < 0x80 {
			opts.Delimiter = rune(delim)
		}
		if none {
			opts.Quoting = tabular.QuoteNone
		}
		r, err := tabular.Open(bytes.NewReader(data), int64(len(data)), "fuzz.csv", opts)
		if err != nil {
			return
		}
		defer r.Close()
		last := 1
		for range len(data) + 1 {
			row, err := r.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				return
			}
			if row.Number <= last {
				t.Fatalf("row %d after row %d", row.Number, last)
			}
			last = row.Number
			size := 0
			for _, field := range row.Fields {
				size += len(field)
			}
			if size > maxLine+64<<10 {
				t.Fatalf("row %d holds %d bytes", row.Number, size)
			}
		}
		t.Fatalf("more rows than bytes in %q", data)
	})
}

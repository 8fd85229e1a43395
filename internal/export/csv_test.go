package export

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"testing"

	"github.com/rapport-crm/rapport/internal/records"
)

// cells are fields encoding/csv treats each in its own way.
var cells = []string{"", "plain", "a,b", `say "hi"`, "two\nlines", "cr\rhere", "crlf\r\n", " lead", "\tlead", "\u00a0nbsp",
	"\u3000wide", `\.`, `\.x`, "trail ", "é,", `"`, `""`, "'=1", "\xff\xfe", "\u2028", "ok\x00nul"}

func TestAppendCSVWritesAsEncodingCSV(t *testing.T) {
	for _, a := range cells {
		for _, b := range cells {
			var want bytes.Buffer
			w := csv.NewWriter(&want)
			if err := w.Write([]string{a, b}); err != nil {
				t.Fatal(err)
			}
			w.Flush()
			got := append(appendCSV(append(appendCSV(nil, a), ','), b), '\n')
			if !bytes.Equal(got, want.Bytes()) {
				t.Errorf("%q, %q: got %q, encoding/csv writes %q", a, b, got, want.Bytes())
			}
		}
	}
}

func TestLinksJSONWritesAsMarshal(t *testing.T) {
	cases := [][]records.LinkRef{nil, {}, {{ID: "1"}}, {{ID: "12", Role: "Chief Financial Officer"}, {ID: "3", Role: ""}}}
	for _, s := range cells {
		cases = append(cases, []records.LinkRef{{ID: "7", Role: s}, {ID: s, Role: "<b>&</b>"}})
	}
	for _, links := range cases {
		want, err := json.Marshal(links)
		if err != nil {
			t.Fatal(err)
		}
		if got := linksJSON(links); got != string(want) {
			t.Errorf("%v: got %s, json.Marshal writes %s", links, got, want)
		}
		if got := Text(links); got != string(want) {
			t.Errorf("Text(%v) = %s, want %s", links, got, want)
		}
	}
}

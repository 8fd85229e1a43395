package tabular_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/rapport-crm/rapport/internal/tabular"
)

// open opens data as a file called name.
func open(t *testing.T, data []byte, name string, opts tabular.Options) *tabular.Reader {
	t.Helper()
	r, err := tabular.Open(bytes.NewReader(data), int64(len(data)), name, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", name, err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// readAll returns every row, failing on an error that ends the reading.
func readAll(t *testing.T, r *tabular.Reader) []tabular.Row {
	t.Helper()
	var rows []tabular.Row
	for {
		row, err := r.Next()
		if err == io.EOF {
			return rows
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		rows = append(rows, row)
	}
}

func encode(t *testing.T, enc encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := enc.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encoding %q: %v", s, err)
	}
	return b
}

// Names in the product's languages, each as a file in an encoding that
// can hold it; detection must find the encoding from the text alone.
func TestEncodings(t *testing.T) {
	russian := "Имя,Фамилия,Город\nСергей,Кузнецов,Москва\nАнна,Петрова,Санкт-Петербург\nЁлка,Щукина,Новосибирск\n"
	polish := "Imię,Nazwisko,Miejscowość\nZażółć,Gęślą,Jaźń\nŁukasz,Wiśniewski,Łódź\nŚwiętosław,Żółkiewski,Kraków\n"
	lithuanian := "Vardas,Pavardė,Miestas\nJonas,Žukauskas,Šiauliai\nRūta,Kazlauskienė,Klaipėda\nAušra,Petrauskaitė,Panevėžys\nĮgaudas,Ąžuolas,Ųtena\n"
	romanian := "Prenume,Nume,Oraș\nȘtefan,Țărănescu,București\nIoana,Mureșan,Brașov\nAndrei,Popescu,Timișoara\nÎnvățătoare,Stănescu,Iași\n"
	// windows-1250 writes Romanian with the cedilla letters; its quotes
	// tell it from ISO-8859-16, which would read them with the comma below.
	romanian1250 := "Prenume,Nume,Poreclă\nŞtefan,Ţurcanu,„Fănel”\nIoana,Mureşan,„Ioniţă”\n"
	western := "Name,City\nHélène Dupré,Besançon\nJürgen Müller,München\nJosé Núñez,Málaga\n"
	cases := []struct {
		name, text string
		data       []byte
		want       string
	}{
		{"utf-8", russian, []byte(russian), "utf-8"},
		{"utf-8 bom", russian, append([]byte("\xEF\xBB\xBF"), russian...), "utf-8"},
		{"utf-16le bom", russian, encode(t, unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), russian), "utf-16le"},
		{"utf-16be bom", polish, encode(t, unicode.UTF16(unicode.BigEndian, unicode.UseBOM), polish), "utf-16be"},
		{"windows-1251", russian, encode(t, charmap.Windows1251, russian), "windows-1251"},
		{"koi8-r", russian, encode(t, charmap.KOI8R, russian), "koi8-r"},
		{"iso-8859-5", russian, encode(t, charmap.ISO8859_5, russian), "iso-8859-5"},
		{"windows-1250 polish", polish, encode(t, charmap.Windows1250, polish), "windows-1250"},
		{"iso-8859-2 polish", polish, encode(t, charmap.ISO8859_2, polish), "iso-8859-2"},
		{"windows-1257 lithuanian", lithuanian, encode(t, charmap.Windows1257, lithuanian), "windows-1257"},
		{"iso-8859-16 romanian", romanian, encode(t, charmap.ISO8859_16, romanian), "iso-8859-16"},
		{"windows-1250 romanian", romanian1250, encode(t, charmap.Windows1250, romanian1250), "windows-1250"},
		{"windows-1252", western, encode(t, charmap.Windows1252, western), "windows-1252"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := open(t, c.data, "people.csv", tabular.Options{})
			if got := r.Settings().Encoding; got != c.want {
				t.Errorf("encoding = %s, want %s", got, c.want)
			}
			lines := strings.Split(strings.TrimSpace(c.text), "\n")
			if got := strings.Join(r.Header(), ","); got != lines[0] {
				t.Errorf("header = %q, want %q", got, lines[0])
			}
			rows := readAll(t, r)
			if len(rows) != len(lines)-1 {
				t.Fatalf("%d rows, want %d", len(rows), len(lines)-1)
			}
			for i, row := range rows {
				if got := strings.Join(row.Fields, ","); got != lines[i+1] || row.Err != nil {
					t.Errorf("row %d = %q (%v), want %q", i+2, got, row.Err, lines[i+1])
				}
			}
		})
	}
}

func TestEncodingGiven(t *testing.T) {
	data := encode(t, charmap.Windows1251, "Имя;Город\nОлег;Тверь\n")
	r := open(t, data, "a.csv", tabular.Options{Encoding: "cp1251", Delimiter: ';'})
	if got := r.Settings(); got.Encoding != "windows-1251" || got.Delimiter != ";" {
		t.Errorf("settings = %+v", got)
	}
	if rows := readAll(t, r); rows[0].Fields[1] != "Тверь" {
		t.Errorf("row = %q", rows[0].Fields)
	}
	// A delimiter given still has its quoting detected.
	r = open(t, []byte("a,b|c\n5\" x,y|1\n"), "a.csv", tabular.Options{Delimiter: '|'})
	if s := r.Settings(); s.Quoting != tabular.QuoteNone || !slices.Equal(readAll(t, r)[0].Fields, []string{`5" x,y`, "1"}) {
		t.Errorf("given delimiter: %+v", s)
	}
	if _, err := tabular.Open(bytes.NewReader(data), int64(len(data)), "a.csv", tabular.Options{Encoding: "klingon"}); !errors.Is(err, tabular.ErrEncoding) {
		t.Errorf("unknown encoding: %v", err)
	}
}

func TestDelimitersAndQuoting(t *testing.T) {
	cases := []struct {
		name, data string
		delim      string
		quoting    tabular.Quoting
		want       [][]string
	}{
		{"comma", "a,b,c\n1,2,3\n", ",", tabular.QuoteDouble, [][]string{{"1", "2", "3"}}},
		{"semicolon with decimal commas", "name;amount\nAda;1,5\nBob;2\nCy;3,25\n", ";", tabular.QuoteDouble,
			[][]string{{"Ada", "1,5"}, {"Bob", "2"}, {"Cy", "3,25"}}},
		{"tab", "a\tb\n1\t2\n", "\t", tabular.QuoteDouble, [][]string{{"1", "2"}}},
		{"pipe", "a|b|c\nx|y, z|w\n", "|", tabular.QuoteDouble, [][]string{{"x", "y, z", "w"}}},
		{"quoted delimiter and newline", "name,note\n\"Smith, John\",\"line one\nline two\"\nAda,\"say \"\"hi\"\"\"\n", ",", tabular.QuoteDouble,
			[][]string{{"Smith, John", "line one\nline two"}, {"Ada", `say "hi"`}}},
		{"crlf", "a,b\r\n1,2\r\n", ",", tabular.QuoteDouble, [][]string{{"1", "2"}}},
		{"literal quotes", "item;size\nTV 5\" screen;40\"\nCable;2\"\n", ";", tabular.QuoteNone,
			[][]string{{"TV 5\" screen", "40\""}, {"Cable", "2\""}}},
		{"one column", "email\na@example.com\nb@example.com\n", ",", tabular.QuoteDouble,
			[][]string{{"a@example.com"}, {"b@example.com"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := open(t, []byte(c.data), "f.csv", tabular.Options{})
			s := r.Settings()
			if s.Delimiter != c.delim || s.Quoting != c.quoting {
				t.Errorf("settings = %q %s, want %q %s", s.Delimiter, s.Quoting, c.delim, c.quoting)
			}
			var got [][]string
			for _, row := range readAll(t, r) {
				if row.Err != nil {
					t.Errorf("row %d: %v", row.Number, row.Err)
				}
				got = append(got, row.Fields)
			}
			if !slices.EqualFunc(got, c.want, slices.Equal) {
				t.Errorf("rows = %q, want %q", got, c.want)
			}
		})
	}
}

func TestRowNumbersAndLines(t *testing.T) {
	r := open(t, []byte("a,b\n\"x\ny\",1\n\nz,2\n"), "f.csv", tabular.Options{})
	rows := readAll(t, r)
	if len(rows) != 2 || rows[0].Number != 2 || rows[0].Line != 2 || rows[1].Number != 3 || rows[1].Line != 5 {
		t.Errorf("rows = %+v", rows)
	}
}

// A row with more or fewer fields than the header comes back as it is,
// with an error naming it; the rows after it are read.
func TestRaggedRows(t *testing.T) {
	r := open(t, []byte("a,b,c\n1,2,3\n1,2\n1,2,3,4\n5,6,7\n"), "f.csv", tabular.Options{})
	rows := readAll(t, r)
	if len(rows) != 4 {
		t.Fatalf("%d rows", len(rows))
	}
	for i, want := range []string{"", "row 3: has 2 fields where the header has 3", "row 4: has 4 fields where the header has 3", ""} {
		got := ""
		if rows[i].Err != nil {
			got = rows[i].Err.Error()
			if !errors.Is(rows[i].Err, tabular.ErrRagged) {
				t.Errorf("row %d: %v is not ErrRagged", i+2, rows[i].Err)
			}
		}
		if got != want {
			t.Errorf("row %d error = %q, want %q", i+2, got, want)
		}
	}
	if len(rows[1].Fields) != 2 {
		t.Errorf("short row padded: %q", rows[1].Fields)
	}
}

func TestStrayQuoteIsARowError(t *testing.T) {
	r := open(t, []byte("a,b\n\"x\",\"y\"\n1,\"2\"3\nfine,row\n"), "f.csv", tabular.Options{})
	rows := readAll(t, r)
	if len(rows) != 3 || !errors.Is(rows[1].Err, tabular.ErrQuote) || rows[2].Err != nil || rows[2].Fields[0] != "fine" {
		t.Fatalf("rows = %+v", rows)
	}
}

// Bytes that are not UTF-8 in a UTF-8 file spoil their row alone.
func TestNotUTF8Row(t *testing.T) {
	r := open(t, []byte("a,b\nok,1\nbad\xff,2\nok,3\n"), "f.csv", tabular.Options{Encoding: "utf-8"})
	rows := readAll(t, r)
	if len(rows) != 3 || rows[0].Err != nil || rows[2].Err != nil || !errors.Is(rows[1].Err, tabular.ErrEncoding) ||
		rows[1].Err.Error() != "row 3: field 1 holds bytes that are not UTF-8; choose the file's encoding" {
		t.Errorf("rows = %+v", rows)
	}
}

func TestTruncated(t *testing.T) {
	r := open(t, []byte("a,b\n1,2\n3,\"cut sh"), "f.csv", tabular.Options{})
	if row, err := r.Next(); err != nil || row.Fields[0] != "1" {
		t.Fatalf("first row: %v %v", row, err)
	}
	_, err := r.Next()
	if !errors.Is(err, tabular.ErrTruncated) || !strings.HasPrefix(err.Error(), "row 3: ") {
		t.Errorf("err = %v", err)
	}
}

func TestLongLine(t *testing.T) {
	long := "a,b\n1,2\n3," + strings.Repeat("x", 5000) + "\n5,6\n"
	for _, q := range []tabular.Quoting{tabular.QuoteDouble, tabular.QuoteNone} {
		r := open(t, []byte(long), "f.csv", tabular.Options{MaxLine: 1000, Quoting: q})
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
		_, err := r.Next()
		if !errors.Is(err, tabular.ErrTooLong) || !strings.HasPrefix(err.Error(), "row 3: ") {
			t.Errorf("%s: err = %v", q, err)
		}
	}
	// A quote never closed over many short lines is bounded too.
	open := "a,b\n1,\"" + strings.Repeat("short line\n", 20000)
	r, err := tabular.Open(strings.NewReader(open), int64(len(open)), "f.csv", tabular.Options{MaxLine: 1000, Quoting: tabular.QuoteDouble})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); !errors.Is(err, tabular.ErrTooLong) || !strings.HasPrefix(err.Error(), "row 2: the row runs on past line") {
		t.Errorf("open quote: %v", err)
	}
}

func TestNotCSV(t *testing.T) {
	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"binary", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), tabular.ErrBinary},
		{"xls", []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest"), tabular.ErrFormat},
		{"empty", nil, tabular.ErrEmpty},
	}
	for _, c := range cases {
		_, err := tabular.Open(bytes.NewReader(c.data), int64(len(c.data)), "contacts.csv", tabular.Options{})
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), "contacts.csv") {
			t.Errorf("%s: err = %v, want %v naming the file", c.name, err, c.want)
		}
	}
}

func TestXLSX(t *testing.T) {
	f := excelize.NewFile()
	rows := [][]any{
		{"Name", "E-mail", "Amount"},
		{"Ada", "ada@example.com", 1234.5},
		nil,
		{"Bob", "", 7},
		{"Cy", "cy@example.com", 1, "extra"},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	date, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	f.SetCellValue("Sheet1", "D2", 45000) // 2023-03-15 as a serial day
	f.SetCellStyle("Sheet1", "D2", "D2", date)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	r := open(t, buf.Bytes(), "upload.csv", tabular.Options{}) // the name does not matter
	if s := r.Settings(); s.Format != tabular.XLSX || s.Sheet != "Sheet1" {
		t.Errorf("settings = %+v", s)
	}
	got := readAll(t, r)
	if len(got) != 3 {
		t.Fatalf("rows = %+v", got)
	}
	if !slices.Equal(got[0].Fields, []string{"Ada", "ada@example.com", "1234.5", "2023-03-15"}) || !errors.Is(got[0].Err, tabular.ErrRagged) {
		t.Errorf("row 2 = %q %v", got[0].Fields, got[0].Err)
	}
	if got[1].Number != 4 || !slices.Equal(got[1].Fields, []string{"Bob", "", "7"}) || got[1].Err != nil {
		t.Errorf("row 4 = %+v", got[1])
	}
	if got[2].Err == nil || got[2].Err.Error() != "row 5: has 4 fields where the header has 3" {
		t.Errorf("row 5 = %+v", got[2])
	}
	if _, err := tabular.Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "x.xlsx", tabular.Options{Sheet: "Nope"}); !errors.Is(err, tabular.ErrFormat) {
		t.Errorf("missing sheet: %v", err)
	}
}

func TestPreview(t *testing.T) {
	data := "a;b\n1;2\n3;4\n5;6\n"
	s, err := tabular.Preview(strings.NewReader(data), int64(len(data)), "f.csv", tabular.Options{}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if s.Settings.Delimiter != ";" || !slices.Equal(s.Header, []string{"a", "b"}) || len(s.Rows) != 2 || s.Rows[1].Fields[0] != "3" {
		t.Errorf("preview = %+v", s)
	}
	s, err = tabular.Preview(strings.NewReader("a,b\n1\n"), 6, "f.csv", tabular.Options{}, 5)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(s)
	want := `{"settings":{"format":"csv","encoding":"utf-8","delimiter":",","quoting":"double"},"header":["a","b"],` +
		`"rows":[{"number":2,"line":2,"fields":["1"],"error":"row 2: has 1 field where the header has 2"}]}`
	if string(b) != want {
		t.Errorf("preview as JSON = %s", b)
	}
}

// Files longer than the sample detection reads: the sample may end inside
// a character or a quoted field, and the reading goes past it.
func TestLongerThanTheSample(t *testing.T) {
	for pad := range 2 {
		var b strings.Builder
		b.WriteString("Имя;Заметка" + strings.Repeat(" ", pad) + "\n")
		rows := 0
		for b.Len() < 1<<20+50_000 {
			b.WriteString("Сергей;\"строка\nещё строка; с разделителем\"\n")
			rows++
		}
		for name, data := range map[string][]byte{
			"utf-8":        []byte(b.String()),
			"windows-1251": encode(t, charmap.Windows1251, b.String()),
		} {
			r := open(t, data, "big.csv", tabular.Options{})
			if s := r.Settings(); s.Encoding != name || s.Delimiter != ";" || s.Quoting != tabular.QuoteDouble {
				t.Errorf("pad %d %s: settings = %+v", pad, name, s)
			}
			got := readAll(t, r)
			if len(got) != rows || got[rows-1].Fields[1] != "строка\nещё строка; с разделителем" {
				t.Errorf("pad %d %s: %d rows, want %d; last %q", pad, name, len(got), rows, got[len(got)-1].Fields)
			}
		}
	}
}

// A file of mostly ASCII with a few letters beyond it still reads right.
// Where two code pages decode the letters alike (é in windows-1250 and
// windows-1252) either will do; what matters is the text.
func TestFewLetters(t *testing.T) {
	cases := []struct {
		text string
		enc  *charmap.Charmap
	}{
		{"name,city\nJohn,London\nAda,Łódź\n", charmap.Windows1250},
		{"name,city\nJohn,London\nAda,Gdańsk\n", charmap.Windows1250},
		{"name,city\nJohn,London\nOlga,Москва\n", charmap.Windows1251},
		{"name,city\nJohn,London\nOlga,Москва\n", charmap.KOI8R},
		{"name,city\nJohn,London\nRūta,Šiauliai\n", charmap.Windows1257},
		{"name,city\nJohn,London\nIon,Brașov\n", charmap.ISO8859_16},
		{"name,city\nJohn,London\nJosé,Málaga\n", charmap.Windows1252},
		{"name,city\nJohn,London\nHélène,Genève\n", charmap.Windows1252},
		{"name,price\nTV,100 €\n", charmap.Windows1252},
		{"ФИО;Город\nИВАНОВ ИВАН;ОМСК\n", charmap.KOI8R},
	}
	for _, c := range cases {
		r := open(t, encode(t, c.enc, c.text), "x.csv", tabular.Options{})
		var got []string
		for _, row := range readAll(t, r) {
			got = append(got, strings.Join(row.Fields, r.Settings().Delimiter))
		}
		want := strings.Split(strings.TrimSpace(c.text), "\n")[1:]
		if !slices.Equal(got, want) {
			t.Errorf("%v read as %s: %q, want %q", c.enc, r.Settings().Encoding, got, want)
		}
	}
}

package locale_test

import (
	"html/template"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/locale"
)

const nbsp = "\u00a0"

func TestNumber(t *testing.T) {
	cases := []struct {
		lang     string
		v        float64
		decimals int
		want     string
	}{
		{"en", 1234.5, 2, "1,234.50"},
		{"en", 1234567, 0, "1,234,567"},
		{"en", 0.125, 1, "0.1"},
		{"en", -12.5, 1, "-12.5"},
		{"en", -0.4, 0, "0"}, // not "-0"
		{"en", -0.04, 1, "0.0"},
		{"en", -0.06, 1, "-0.1"},
		{"en", 0.5, 0, "0"}, // ties to even
		{"en", 1.5, 0, "2"},
		{"ru", 1234.5, 2, "1" + nbsp + "234,50"},
		{"ru", 1234567, 0, "1" + nbsp + "234" + nbsp + "567"},
		{"ru", 2.4, -1, "2"}, // no fraction digits below zero
		{"ro", 1234.5, 2, "1.234,50"},
		{"lt", 12345.5, 1, "12" + nbsp + "345,5"},
		{"kk", 12345.5, 1, "12" + nbsp + "345,5"},
	}
	for _, c := range cases {
		if got := locale.For(c.lang).Number(c.v, c.decimals); got != c.want {
			t.Errorf("%s Number(%v, %d) = %q, want %q", c.lang, c.v, c.decimals, got, c.want)
		}
	}
}

func TestMoney(t *testing.T) {
	cases := []struct {
		lang, amount, currency, want string
	}{
		{"en", "1234.50", "USD", "$1,234.50"},
		{"en", "1234.5", "EUR", "€1,234.50"},
		{"en", "-3", "USD", "-$3.00"},
		{"ru", "1234.50", "RUB", "1" + nbsp + "234,50" + nbsp + "₽"},
		{"ru", "1234567.5", "EUR", "1" + nbsp + "234" + nbsp + "567,50" + nbsp + "€"},
		{"kk", "1234.50", "KZT", "1" + nbsp + "234,50" + nbsp + "₸"},
		{"pl", "12345.5", "PLN", "12" + nbsp + "345,50" + nbsp + "zł"},
		{"ro", "1234.5", "RON", "1.234,50" + nbsp + "RON"},
		// What is no amount shows as given rather than vanish.
		{"ru", "twelve", "RUB", "twelve RUB"},
		{"ru", "12", "XYZ", "12 XYZ"},
	}
	for _, c := range cases {
		if got := locale.For(c.lang).Money(c.amount, c.currency); got != c.want {
			t.Errorf("%s Money(%q, %q) = %q, want %q", c.lang, c.amount, c.currency, got, c.want)
		}
	}
}

func TestDateAndDateTime(t *testing.T) {
	// 22:30 UTC on 5 January is already 6 January in Moscow.
	at := time.Date(2026, 1, 5, 22, 30, 0, 0, time.UTC)
	moscow := time.FixedZone("MSK", 3*60*60)
	cases := []struct {
		lang      string
		tz        *time.Location
		date, dtm string
	}{
		{"en", nil, "Jan 5, 2026", "Jan 5, 2026, 10:30 pm"},
		{"en", moscow, "Jan 6, 2026", "Jan 6, 2026, 1:30 am"},
		{"ru", moscow, "6 янв. 2026 г.", "6 янв. 2026 г., 01:30"},
		{"ru", time.UTC, "5 янв. 2026 г.", "5 янв. 2026 г., 22:30"},
		{"pl", moscow, "6 sty 2026", "6 sty 2026, 01:30"},
		{"lt", moscow, "2026-01-06", "2026-01-06 01:30"},
	}
	for _, c := range cases {
		p := locale.For(c.lang)
		if got := p.Date(at, c.tz); got != c.date {
			t.Errorf("%s Date in %v = %q, want %q", c.lang, c.tz, got, c.date)
		}
		if got := p.DateTime(at, c.tz); got != c.dtm {
			t.Errorf("%s DateTime in %v = %q, want %q", c.lang, c.tz, got, c.dtm)
		}
	}
}

func TestFuncsInATemplate(t *testing.T) {
	const page = `{{t "object.deals.name"}}: {{n "object.deals.count" .N}}; ` +
		`{{number 1234.5 1}}; {{money "10" "EUR"}}; {{date .At .Zone}}; {{datetime .At .Zone}}; {{(t "language.ru")}}`
	tpl := template.Must(template.New("page").Funcs(locale.For("ru").Funcs()).Parse(page))
	var out strings.Builder
	data := map[string]any{"N": 5, "At": time.Date(2026, 3, 8, 9, 5, 0, 0, time.UTC), "Zone": time.UTC}
	if err := tpl.Execute(&out, data); err != nil {
		t.Fatal(err)
	}
	want := "Сделки: 5 сделок; 1" + nbsp + "234,5; 10,00" + nbsp + "€; 8 мар. 2026 г.; 8 мар. 2026 г., 09:05; Русский"
	if out.String() != want {
		t.Errorf("got  %q\nwant %q", out.String(), want)
	}
}

// Requests share the printers, so every method must be safe to call at
// once; this test finds a shared write only under -race.
func TestPrintersServeManyRequestsAtOnce(t *testing.T) {
	at := time.Date(2026, 1, 5, 22, 30, 0, 0, time.UTC)
	done := make(chan string)
	for i := range 8 {
		go func() {
			p := locale.For(locale.Languages[i%len(locale.Languages)])
			done <- p.T("object.deals.name") + p.N("object.deals.count", i) + p.Number(1234.5, 2) +
				p.Money("1234.50", "EUR") + p.Date(at, nil) + p.DateTime(at, time.UTC)
		}()
	}
	for range 8 {
		if s := <-done; strings.Contains(s, "object.") {
			t.Errorf("a message is missing: %q", s)
		}
	}
}

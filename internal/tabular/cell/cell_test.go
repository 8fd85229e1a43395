package cell

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDate(t *testing.T) {
	cases := []struct {
		in    string
		order Order
		want  string // a date, or the start of the error after "invalid value: "
		err   error
	}{
		{"2026-01-31", OrderUnknown, "2026-01-31", nil},
		{"2026.1.5", OrderUnknown, "2026-01-05", nil},
		{"2026-01-31T09:30:00Z", OrderUnknown, "2026-01-31", nil},
		{"31.01.2026", OrderUnknown, "2026-01-31", nil},
		{"05.03.2026", OrderUnknown, "2026-03-05", nil},
		{"05.03.26", OrderUnknown, "2026-03-05", nil},
		{"05.03.85", OrderUnknown, "1985-03-05", nil},
		{"31/01/2026", OrderUnknown, "2026-01-31", nil},
		{"01/31/2026", OrderUnknown, "2026-01-31", nil},
		{"03/04/2026", DayFirst, "2026-04-03", nil},
		{"03/04/2026", MonthFirst, "2026-03-04", nil},
		{"03-04-2026", OrderUnknown, "", ErrAmbiguous},
		{"04/04/2026", OrderUnknown, "2026-04-04", nil},
		{"31/02/2026", DayFirst, `"31/02/2026" is not a date: February 2026 has no day 31`, ErrInvalid},
		{"29.02.2024", OrderUnknown, "2024-02-29", nil},
		{"29.02.2026", OrderUnknown, `"29.02.2026" is not a date`, ErrInvalid},
		{"13/13/2026", OrderUnknown, `"13/13/2026" has no month 13`, ErrInvalid},
		{"31 January 2026", OrderUnknown, "2026-01-31", nil},
		{"January 31, 2026", OrderUnknown, "2026-01-31", nil},
		{"Jan 31st 2026", OrderUnknown, "2026-01-31", nil},
		{"31 января 2026 г.", OrderUnknown, "2026-01-31", nil},
		{"5 мая 2026", OrderUnknown, "2026-05-05", nil},
		{"5 stycznia 2026 r.", OrderUnknown, "2026-01-05", nil},
		{"2026 m. rugsėjo 5 d.", OrderUnknown, "2026-09-05", nil},
		{"5 septembrie 2026", OrderUnknown, "2026-09-05", nil},
		{"5 қаңтар 2026", OrderUnknown, "2026-01-05", nil},
		{"31.01.2026 14:30", OrderUnknown, "2026-01-31", nil},
		{"1/31/2026 2:30 PM", OrderUnknown, "2026-01-31", nil},
		{"31.01.2026 25:00", OrderUnknown, `"31.01.2026 25:00" has no such time`, ErrInvalid},
		{"tomorrow", OrderUnknown, `"tomorrow" is not a date`, ErrInvalid},
		{"", OrderUnknown, "a date is empty", ErrInvalid},
	}
	for _, c := range cases {
		got, err := Date(c.in, c.order)
		switch {
		case c.err == nil && (err != nil || got != c.want):
			t.Errorf("Date(%q) = %q, %v; want %q", c.in, got, err, c.want)
		case c.err != nil && !errors.Is(err, c.err):
			t.Errorf("Date(%q) = %q, %v; want %v", c.in, got, err, c.err)
		case c.err == ErrInvalid && !strings.HasPrefix(err.Error(), "invalid value: "+c.want):
			t.Errorf("Date(%q) error %q, want it to start %q", c.in, err, c.want)
		}
	}
}

func TestDateTime(t *testing.T) {
	almaty := time.FixedZone("Asia/Almaty", 5*3600)
	cases := []struct{ in, want string }{
		{"31.01.2026 14:30", "2026-01-31T09:30:00Z"},
		{"2026-01-31T14:30:00+01:00", "2026-01-31T13:30:00Z"},
		{"1/31/2026 2:30 PM", "2026-01-31T09:30:00Z"},
		{"31.01.2026", "2026-01-30T19:00:00Z"},
	}
	for _, c := range cases {
		if got, err := DateTime(c.in, MonthFirst, almaty); err != nil || got != c.want {
			t.Errorf("DateTime(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

func TestDateOrder(t *testing.T) {
	cases := []struct {
		values []string
		want   Order
		err    error
	}{
		{[]string{"03/04/2026", "25/12/2026"}, DayFirst, nil},
		{[]string{"03/04/2026", "12/25/2026 10:00"}, MonthFirst, nil},
		{[]string{"03/04/2026", "05/06/2026"}, OrderUnknown, ErrAmbiguous},
		{[]string{"25/12/2026", "12/25/2026"}, OrderUnknown, ErrInvalid},
		{[]string{"31.01.2026", "2026-01-01", ""}, OrderUnknown, nil},
	}
	for _, c := range cases {
		got, err := DateOrder(c.values)
		if got != c.want || !errors.Is(err, c.err) || (c.err == nil) != (err == nil) {
			t.Errorf("DateOrder(%q) = %v, %v; want %v, %v", c.values, got, err, c.want, c.err)
		}
	}
}

// No month name of one language is another month in another.
func TestMonthNames(t *testing.T) {
	want := map[string]int{"january": 1, "jan": 1, "января": 1, "stycznia": 1, "sausio": 1, "ianuarie": 1,
		"мая": 5, "maj": 5, "mai": 5, "sept": 9, "wrzesnia": 9, "декабря": 12, "gruodzio": 12, "желтоқсан": 12}
	for name, m := range want {
		if months[name] != m {
			t.Errorf("months[%q] = %d, want %d", name, months[name], m)
		}
	}
}

func TestNumber(t *testing.T) {
	cases := []struct {
		in   string
		mark rune
		want string
		err  error
	}{
		{"1234", 0, "1234", nil},
		{"-12", 0, "-12", nil},
		{"+7.5", 0, "7.5", nil},
		{"1 234,56", 0, "1234.56", nil},
		{"1\u00a0234,56", 0, "1234.56", nil},
		{"1,234.56", 0, "1234.56", nil},
		{"1.234,56", 0, "1234.56", nil},
		{"1'234.56", 0, "1234.56", nil},
		{"1.234.567", 0, "1234567", nil},
		{"1,234,567.5", 0, "1234567.5", nil},
		{"12,5", 0, "12.5", nil},
		{"0,125", 0, "0.125", nil},
		{".5", 0, "0.5", nil},
		{"1,234", 0, "", ErrAmbiguous},
		{"1,234", ',', "1.234", nil},
		{"1,234", '.', "1234", nil},
		{"1.5E+06", 0, "1500000", nil},
		{"−3,5", 0, "-3.5", nil},
		{"-0", 0, "0", nil},
		{"1,23,456", 0, "", ErrInvalid},
		{"12 34", 0, "", ErrInvalid},
		{"12a", 0, "", ErrInvalid},
		{"1.2.3,4", 0, "", ErrInvalid},
		{"", 0, "", ErrInvalid},
		{"-", 0, "", ErrInvalid},
	}
	for _, c := range cases {
		got, err := Number(c.in, c.mark)
		if got != c.want || !errors.Is(err, c.err) || (c.err == nil) != (err == nil) {
			t.Errorf("Number(%q, %q) = %q, %v; want %q, %v", c.in, c.mark, got, err, c.want, c.err)
		}
	}
}

func TestDecimalMark(t *testing.T) {
	cases := []struct {
		values []string
		want   rune
		err    error
	}{
		{[]string{"1,234", "2,5"}, ',', nil},
		{[]string{"1,234", "1,234.5"}, '.', nil},
		{[]string{"1,234", "12"}, 0, ErrAmbiguous},
		{[]string{"1,5", "2.5"}, 0, ErrInvalid},
		{[]string{"12", ""}, 0, nil},
	}
	for _, c := range cases {
		got, err := DecimalMark(c.values)
		if got != c.want || !errors.Is(err, c.err) || (c.err == nil) != (err == nil) {
			t.Errorf("DecimalMark(%q) = %q, %v; want %q, %v", c.values, got, err, c.want, c.err)
		}
	}
}

func TestParseMoney(t *testing.T) {
	cases := []struct {
		in   string
		want Money
		err  string
	}{
		{"12.50", Money{1250, "EUR"}, ""},
		{"$1,234.56", Money{123456, "USD"}, ""},
		{"1 234,56 ₽", Money{123456, "RUB"}, ""},
		{"1 234,56 руб.", Money{123456, "RUB"}, ""},
		{"5000 тг", Money{500000, "KZT"}, ""},
		{"12,99 zł", Money{1299, "PLN"}, ""},
		{"100 lei", Money{10000, "RON"}, ""},
		{"EUR 12,50", Money{1250, "EUR"}, ""},
		{"12.50 usd", Money{1250, "USD"}, ""},
		{"-5 €", Money{-500, "EUR"}, ""},
		{"500 JPY", Money{500, "JPY"}, ""},
		{"5.5 JPY", Money{}, `"5.5 JPY" has more decimals than JPY has (0)`},
		{"12 XYZ", Money{}, `"12 XYZ": "xyz" is not a currency sign or code Rapport knows`},
		{"ten EUR", Money{}, `"ten EUR" is not a number`},
	}
	for _, c := range cases {
		got, err := ParseMoney(c.in, 0, "EUR")
		if c.err == "" && (err != nil || got != c.want) {
			t.Errorf("ParseMoney(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
		if c.err != "" && (err == nil || err.Error() != "invalid value: "+c.err) {
			t.Errorf("ParseMoney(%q) error = %v, want %q", c.in, err, c.err)
		}
	}
	if _, err := ParseMoney("12", 0, ""); err == nil {
		t.Error("an amount with no currency and no fallback is accepted")
	}
}

func TestSplit(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"vip; partner ;vip", []string{"vip", "partner"}},
		{"a|b|", []string{"a", "b"}},
		{"a, b", []string{"a", "b"}},
		{"Smith, John; Doe, Jane", []string{"Smith, John", "Doe, Jane"}},
		{" ", nil},
	}
	for _, c := range cases {
		if got := Split(c.in); !slices.Equal(got, c.want) {
			t.Errorf("Split(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestEmail(t *testing.T) {
	good := map[string]string{
		"Ada@Example.com":                "ada@example.com",
		" ada@example.com ":              "ada@example.com",
		"Ada Lovelace <ada@example.com>": "ada@example.com",
	}
	for in, want := range good {
		if got, err := Email(in); err != nil || got != want {
			t.Errorf("Email(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"ada", "ada@localhost", "ada@@example.com", "a@b.com, c@d.com", ""} {
		if _, err := Email(in); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "e-mail address") {
			t.Errorf("Email(%q) = %v, want an error", in, err)
		}
	}
}

func TestParsePhone(t *testing.T) {
	cases := []struct {
		in, region string
		want       Phone
		ok         bool
	}{
		{"+7 701 123 45 67", "KZ", Phone{Value: "+77011234567", Typed: "+7 701 123 45 67", Valid: true}, true},
		{"8 (701) 123-45-67", "KZ", Phone{Value: "+77011234567", Typed: "8 (701) 123-45-67", Valid: true}, true},
		{"612 345 678", "PL", Phone{Value: "+48612345678", Typed: "612 345 678", Valid: true}, true},
		{"+48612345678", "LT", Phone{Value: "+48612345678", Valid: true}, true},
		{"12", "PL", Phone{Value: "12", Valid: false}, false},
	}
	for _, c := range cases {
		got, err := ParsePhone(c.in, c.region)
		if got != c.want || (err == nil) != c.ok {
			t.Errorf("ParsePhone(%q, %s) = %+v, %v; want %+v", c.in, c.region, got, err, c.want)
		}
	}
}

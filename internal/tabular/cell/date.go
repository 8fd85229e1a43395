package cell

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/go-playground/locales"
	"github.com/go-playground/locales/en"
	"github.com/go-playground/locales/kk"
	"github.com/go-playground/locales/lt"
	"github.com/go-playground/locales/pl"
	"github.com/go-playground/locales/ro"
	"github.com/go-playground/locales/ru"
	"golang.org/x/text/unicode/norm"
)

// Order says how a date written with numbers alone orders day and month.
type Order int

// The orders of day and month.
const (
	OrderUnknown Order = iota
	DayFirst           // 31/01/2026, as every language Rapport speaks but English writes it
	MonthFirst         // 01/31/2026, as American English writes it
)

var (
	// A year first is always followed by month and day: 2026-01-31,
	// 2026.01.31, 2026/01/31.
	yearFirst = regexp.MustCompile(`^(\d{4})[-./](\d{1,2})[-./](\d{1,2})\.?$`)
	// Day and month in either order, then the year: 31.01.2026, 1/31/26.
	numeric = regexp.MustCompile(`^(\d{1,2})([-./])(\d{1,2})[-./](\d{4}|\d{2})\.?$`)
	// A time of day after the date, with an optional zone.
	clock = regexp.MustCompile(`(?i)(?:^|[ T,]+)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*(am|pm)?\s*(z|utc|gmt|[+-]\d{2}:?\d{2})?$`)
)

// Date reads a date as the languages Rapport speaks write it, and returns
// it as the engine stores dates (2026-01-31). A time after the date is
// allowed and left out. order decides 03/04/2026; with OrderUnknown such a
// date is ambiguous. Dates with dots are always day first: no language
// writes the month first between dots.
func Date(s string, order Order) (string, error) {
	d, _, err := parse(s, order)
	if err != nil {
		return "", err
	}
	return d.Format(time.DateOnly), nil
}

// DateTime reads a date with an optional time of day and returns it in
// UTC as RFC 3339; a value without a zone is a time in loc.
func DateTime(s string, order Order, loc *time.Location) (string, error) {
	d, tod, err := parse(s, order)
	if err != nil {
		return "", err
	}
	zone := loc
	if tod.zone != nil {
		zone = tod.zone
	}
	t := time.Date(d.Year(), d.Month(), d.Day(), tod.hour, tod.minute, tod.second, 0, zone)
	return t.UTC().Format(time.RFC3339), nil
}

type timeOfDay struct {
	hour, minute, second int
	zone                 *time.Location
}

func parse(s string, order Order) (time.Time, timeOfDay, error) {
	text := strings.TrimSpace(s)
	if text == "" {
		return time.Time{}, timeOfDay{}, invalid("a date is empty")
	}
	var tod timeOfDay
	if m := clock.FindStringSubmatchIndex(text); m != nil && m[0] > 0 {
		var err error
		if tod, err = readClock(text, text[m[0]:], m); err != nil {
			return time.Time{}, timeOfDay{}, err
		}
		text = strings.TrimSpace(text[:m[0]])
	}
	d, err := readDate(s, text, order)
	return d, tod, err
}

func readClock(whole, part string, m []int) (timeOfDay, error) {
	group := func(i int) string {
		if m[2*i] < 0 {
			return ""
		}
		return whole[m[2*i]:m[2*i+1]]
	}
	var t timeOfDay
	t.hour, _ = strconv.Atoi(group(1))
	t.minute, _ = strconv.Atoi(group(2))
	t.second, _ = strconv.Atoi(group(3))
	switch strings.ToLower(group(4)) {
	case "am", "pm":
		if t.hour < 1 || t.hour > 12 {
			return t, invalid("%q has an hour %d with AM or PM", whole, t.hour)
		}
		t.hour %= 12
		if strings.EqualFold(group(4), "pm") {
			t.hour += 12
		}
	}
	if t.hour > 23 || t.minute > 59 || t.second > 59 {
		return t, invalid("%q has no such time of day as %s", whole, strings.TrimSpace(part))
	}
	switch z := strings.ToLower(group(5)); z {
	case "":
	case "z", "utc", "gmt":
		t.zone = time.UTC
	default:
		z = strings.ReplaceAll(z, ":", "")
		h, _ := strconv.Atoi(z[1:3])
		mi, _ := strconv.Atoi(z[3:5])
		offset := (h*60 + mi) * 60
		if z[0] == '-' {
			offset = -offset
		}
		t.zone = time.FixedZone(z, offset)
	}
	return t, nil
}

func readDate(whole, text string, order Order) (time.Time, error) {
	if m := yearFirst.FindStringSubmatch(text); m != nil {
		return civil(whole, atoi(m[1]), atoi(m[2]), atoi(m[3]))
	}
	if m := numeric.FindStringSubmatch(text); m != nil {
		a, b, year := atoi(m[1]), atoi(m[3]), fullYear(m[4])
		switch {
		case m[2] == "." || order == DayFirst:
			return civil(whole, year, b, a)
		case order == MonthFirst:
			return civil(whole, year, a, b)
		case a > 12:
			return civil(whole, year, b, a)
		case b > 12:
			return civil(whole, year, a, b)
		case a == b:
			return civil(whole, year, a, a)
		}
		return time.Time{}, ambiguous("%q could be day %d of month %d or month %d day %d; say whether the day or the month comes first", whole, a, b, a, b)
	}
	return textDate(whole, text)
}

// textDate reads a date with the month in words: 31 January 2026,
// January 31, 2026, 31 января 2026 г., 2026 m. sausio 31 d.
func textDate(whole, text string) (time.Time, error) {
	month, year, day := 0, 0, 0
	var numbers []int
	for _, w := range words(text) {
		if n, err := strconv.Atoi(w); err == nil {
			if len(w) == 4 {
				year = n
			} else {
				numbers = append(numbers, n)
			}
			continue
		}
		if m, ok := months[w]; ok && month == 0 {
			month = m
			continue
		}
		if !fillers[w] {
			return time.Time{}, invalid("%q is not a date (%q is not a month)", whole, w)
		}
	}
	if len(numbers) == 1 {
		day = numbers[0]
	}
	if month == 0 || year == 0 || day == 0 {
		return time.Time{}, invalid("%q is not a date; write it as 2026-01-31 or 31.01.2026", whole)
	}
	return civil(whole, year, month, day)
}

// words splits text into runs of letters and runs of digits, lower case
// and without accents.
func words(text string) []string {
	var out []string
	var w []rune
	digits := false
	flush := func() {
		if len(w) > 0 {
			out = append(out, string(w))
		}
		w = w[:0]
	}
	for _, r := range norm.NFKD.String(text) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case unicode.IsDigit(r) || unicode.IsLetter(r):
			if len(w) > 0 && unicode.IsDigit(r) != digits {
				flush()
			}
			digits = unicode.IsDigit(r)
			w = append(w, unicode.ToLower(r))
		default:
			flush()
		}
	}
	flush()
	return out
}

// civil checks that the day exists in the month and year.
func civil(whole string, year, month, day int) (time.Time, error) {
	if month < 1 || month > 12 {
		return time.Time{}, invalid("%q has no month %d", whole, month)
	}
	if year < 1 || year > 9999 {
		return time.Time{}, invalid("%q has a year out of range", whole)
	}
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if day < 1 || t.Day() != day {
		return time.Time{}, invalid("%q is not a date: %s %d has no day %d", whole, time.Month(month), year, day)
	}
	return t, nil
}

// fullYear reads a two-digit year as POSIX strptime does: 69 and below
// are 20xx, 70 and above 19xx.
func fullYear(s string) int {
	y := atoi(s)
	if len(s) == 2 {
		if y < 70 {
			return 2000 + y
		}
		return 1900 + y
	}
	return y
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// months maps the months' names and abbreviations in Rapport's languages
// (CLDR's, through go-playground/locales) to their numbers.
var months = monthNames()

// fillers are the words that may stand beside a date: "г." (year) in
// Russian, "m." and "d." in Lithuanian, "r." in Polish, "ж." in Kazakh,
// ordinal suffixes in English.
var fillers = map[string]bool{
	"г": true, "года": true, "год": true, "m": true, "d": true, "r": true, "roku": true,
	"ж": true, "жылгы": true, "of": true, "the": true, "st": true, "nd": true, "rd": true, "th": true,
}

func monthNames() map[string]int {
	out := map[string]int{}
	for _, tr := range []locales.Translator{en.New(), ru.New(), pl.New(), lt.New(), ro.New(), kk.New()} {
		for _, list := range [][]string{tr.MonthsWide(), tr.MonthsAbbreviated()} {
			for i, name := range list { // January first
				if ws := words(name); len(ws) == 1 {
					out[ws[0]] = i + 1
				}
			}
		}
	}
	out["sept"] = 9
	return out
}

// DateOrder decides the order of day and month of a column from its
// values: a first number above 12 means day first, a second above 12
// month first. A column with both is an error; one with neither but with
// dates that read both ways is ambiguous.
func DateOrder(values []string) (Order, error) {
	var dayFirst, monthFirst, unsure string
	for _, v := range values {
		m := numeric.FindStringSubmatch(strings.TrimSpace(clockless(v)))
		if m == nil || m[2] == "." {
			continue
		}
		a, b := atoi(m[1]), atoi(m[3])
		switch {
		case a > 12 && b <= 12 && dayFirst == "":
			dayFirst = v
		case b > 12 && a <= 12 && monthFirst == "":
			monthFirst = v
		case a <= 12 && b <= 12 && a != b && unsure == "":
			unsure = v
		}
	}
	switch {
	case dayFirst != "" && monthFirst != "":
		return OrderUnknown, invalid("the column mixes day-first dates (%q) with month-first ones (%q)", dayFirst, monthFirst)
	case dayFirst != "":
		return DayFirst, nil
	case monthFirst != "":
		return MonthFirst, nil
	case unsure != "":
		return OrderUnknown, ambiguous("no date in the column says whether the day or the month comes first (%q); choose the order", unsure)
	}
	return OrderUnknown, nil
}

func clockless(v string) string {
	if m := clock.FindStringIndex(v); m != nil && m[0] > 0 {
		return v[:m[0]]
	}
	return v
}

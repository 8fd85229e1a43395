package locale

import (
	"html/template"
	"math"
	"time"

	"github.com/bojanz/currency"
	"github.com/go-playground/locales"
	"github.com/go-playground/locales/en"
	"github.com/go-playground/locales/kk"
	"github.com/go-playground/locales/lt"
	"github.com/go-playground/locales/pl"
	"github.com/go-playground/locales/ro"
	"github.com/go-playground/locales/ru"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"

	"github.com/rapport-crm/rapport/internal/fault"
)

// formats holds a language's CLDR formatters: x/text for numbers,
// bojanz/currency for money (x/text has no currency symbols by locale),
// and go-playground/locales for dates (neither of the others has date
// patterns). See docs/decisions/0017-message-catalogue.md.
type formats struct {
	numbers *message.Printer
	money   *currency.Formatter
	dates   locales.Translator
}

// calendars are the CLDR date and time patterns of each language.
var calendars = map[string]func() locales.Translator{
	"en": en.New, "ru": ru.New, "ro": ro.New, "pl": pl.New, "lt": lt.New, "kk": kk.New,
}

func newFormats(lang string, tag language.Tag) formats {
	return formats{
		numbers: message.NewPrinter(tag),
		money:   currency.NewFormatter(currency.NewLocale(lang)),
		dates:   calendars[lang](),
	}
}

// Number formats v with exactly decimals digits after the decimal
// separator, grouped as the language groups digits, rounded to the nearest
// (ties to even, as x/text rounds: 2.5 is 2).
func (p *Printer) Number(v float64, decimals int) string {
	decimals = max(decimals, 0)
	// A negative value that rounds to zero would read "-0".
	if math.Abs(v) <= 0.5*math.Pow10(-decimals) {
		v = 0
	}
	return p.format.numbers.Sprint(number.Decimal(v, number.Scale(decimals)))
}

// Money formats an amount, a decimal string such as "1234.50", in an ISO
// 4217 currency, with the currency's symbol where the language has one.
// A value that is no amount or no currency is shown as given, so that it
// shows rather than vanishes.
func (p *Printer) Money(amount string, currencyCode string) string {
	a, err := currency.NewAmount(amount, currencyCode)
	if err != nil {
		return amount + " " + currencyCode
	}
	return p.format.money.Format(a)
}

// Date formats the day of t in the time zone tz (UTC when nil) in the
// language's medium date pattern ("6 янв. 2026 г.", "Jan 6, 2026").
func (p *Printer) Date(t time.Time, tz *time.Location) string {
	return p.format.dates.FmtDateMedium(t.In(zone(tz)))
}

// DateTime formats t in tz (UTC when nil): the medium date and the short
// time, joined as the language joins them.
func (p *Printer) DateTime(t time.Time, tz *time.Location) string {
	t = t.In(zone(tz))
	// How a language joins a date and a time is CLDR's dateTimeFormat; it
	// is a message of the catalogue because no library here exposes it.
	return p.T("format.datetime",
		"date", p.format.dates.FmtDateMedium(t),
		"time", p.format.dates.FmtTimeShort(t))
}

func zone(tz *time.Location) *time.Location {
	if tz == nil {
		return time.UTC
	}
	return tz
}

// FieldError translates an engine field error by its code (key
// "error.<code>"), falling back to its English message when the code has
// no key: codes that only an API client meets keep the engine's precise
// English.
func (p *Printer) FieldError(fe fault.FieldError) string {
	key := "error." + fe.Code
	if _, ok := p.messages[key]; !ok {
		return fe.Message
	}
	return p.T(key)
}

// Funcs are the template functions "t" (T), "n" (N), "number", "money",
// "date", "datetime" bound to p, for html/template.
func (p *Printer) Funcs() template.FuncMap {
	return template.FuncMap{
		"t":        p.T,
		"n":        p.N,
		"number":   p.Number,
		"money":    p.Money,
		"date":     p.Date,
		"datetime": p.DateTime,
	}
}

// Package locale is Rapport's message catalogue: every string a person
// sees, in every supported language, with plural forms and numbers, money
// and dates written the way each language writes them. The words live in
// messages/<lang>.json, embedded in the binary; the rules (plural forms,
// separators, date patterns) come from CLDR through well-kept libraries,
// so nothing here guesses how a language counts or writes a number.
package locale

import (
	"fmt"
	"strings"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

// Languages lists the supported languages, in the order a picker shows them.
var Languages = []string{"en", "ru", "ro", "pl", "lt", "kk"}

// fallback is the language of a request that asks for none we have, and
// of every key's source text.
const fallback = "en"

// printers holds one Printer per supported language, built once from the
// embedded catalogue; they are read-only afterwards, so requests share them.
var printers = loadPrinters()

// matcher picks among Languages by CLDR's language distances, so that
// "ru-KZ" gets Russian and "mo" Romanian without a table of our own.
var matcher = newMatcher()

func newMatcher() language.Matcher {
	tags := make([]language.Tag, len(Languages))
	for i, l := range Languages {
		tags[i] = language.MustParse(l)
	}
	return language.NewMatcher(tags)
}

// Supported reports whether lang is one of Languages.
func Supported(lang string) bool {
	_, ok := printers[lang]
	return ok
}

// Negotiate picks the best supported language for an Accept-Language header; "en" when none fits.
func Negotiate(acceptLanguage string) string {
	// A malformed header still yields the tags before the fault.
	tags, _, _ := language.ParseAcceptLanguage(acceptLanguage)
	if len(tags) == 0 {
		return fallback
	}
	_, i, confidence := matcher.Match(tags...)
	if confidence == language.No {
		return fallback
	}
	return Languages[i]
}

// Printer renders the messages of one language.
type Printer struct {
	lang     string
	tag      language.Tag
	messages map[string]entry
	format   formats
}

// For returns the printer of a language; an unsupported one gets English.
func For(lang string) *Printer {
	if p, ok := printers[lang]; ok {
		return p
	}
	return printers[fallback]
}

// Lang returns the printer's language code, one of Languages.
func (p *Printer) Lang() string { return p.lang }

// Name is the language's own name ("Русский"), for the picker.
func (p *Printer) Name() string { return p.T("language." + p.lang) }

// T translates key; data are name/value pairs filling {name} placeholders:
// T("list.shown", "from", 1, "to", 50). Integers are written as numbers of
// the language (1 234 in Russian); pass a string to keep digits as they are.
// A missing key renders as the key itself, so that it shows.
func (p *Printer) T(key string, data ...any) string {
	m, ok := p.messages[key]
	if !ok || m.forms != nil {
		return key
	}
	return p.fill(m.text, data)
}

// N picks the CLDR plural form of key for count (one/few/many/other as the
// language has them) and fills {count} (formatted per locale) and the data.
func (p *Printer) N(key string, count int, data ...any) string {
	m, ok := p.messages[key]
	if !ok || m.forms == nil {
		return key
	}
	text, ok := m.forms[p.form(count)]
	if !ok {
		text = m.forms[plural.Other]
	}
	return p.fill(text, append([]any{"count", count}, data...))
}

// form is the CLDR plural category of a whole number in p's language.
func (p *Printer) form(count int) plural.Form {
	if count < 0 {
		count = -count
	}
	// A whole number has no visible fraction digits: v, w, f and t are 0.
	return plural.Cardinal.MatchPlural(p.tag, count, 0, 0, 0, 0)
}

// fill replaces each {name} of text by its value in data; a placeholder
// without a value stays as it is, so that it shows.
func (p *Printer) fill(text string, data []any) string {
	if len(data) < 2 {
		return text
	}
	pairs := make([]string, 0, len(data))
	for i := 0; i+1 < len(data); i += 2 {
		pairs = append(pairs, "{"+fmt.Sprint(data[i])+"}", p.value(data[i+1]))
	}
	return strings.NewReplacer(pairs...).Replace(text)
}

// value writes one placeholder's value: whole numbers the language's way,
// anything else as fmt prints it.
func (p *Printer) value(v any) string {
	switch n := v.(type) {
	case int:
		return p.Number(float64(n), 0)
	case int64:
		return p.Number(float64(n), 0)
	case int32:
		return p.Number(float64(n), 0)
	}
	return fmt.Sprint(v)
}

package demo

import (
	"math/rand/v2"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// word is a name with its ASCII spelling, worked out once at start-up so
// that a million e-mail addresses cost no Unicode work.
type word struct{ text, ascii string }

func init() {
	for _, l := range locales {
		l.male = words(l, l.names.male)
		l.female = words(l, l.names.female)
		for _, s := range l.names.last {
			m, f, gendered := strings.Cut(s, "|")
			if !gendered {
				f = m
			}
			l.lastM = append(l.lastM, word{m, spell(l, m)})
			l.lastF = append(l.lastF, word{f, spell(l, f)})
		}
		l.heads = words(l, l.brands.heads)
		l.tails = words(l, l.brands.tails)
	}
}

func words(l *locale, list []string) []word {
	out := make([]word, len(list))
	for i, s := range list {
		out[i] = word{s, spell(l, s)}
	}
	return out
}

// latinSpelling covers the letters that Unicode decomposition leaves
// whole.
var latinSpelling = map[rune]string{'ß': "ss", 'ł': "l", 'ı': "i", 'đ': "d", 'ø': "o", 'æ': "ae", 'œ': "oe",
	'þ': "th", 'ð': "d"}

// spell returns s in lower-case ASCII letters and digits, as it would be
// written in an e-mail address or a domain name in l's country: first the
// locale's own rules (ü → ue in German, ж → zh in Russian), then the
// letter without its accents.
func spell(l *locale, s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if t, ok := l.translit[r]; ok {
			b.WriteString(t)
			continue
		}
		if t, ok := latinSpelling[r]; ok {
			b.WriteString(t)
			continue
		}
		for _, d := range norm.NFD.String(string(r)) {
			if d < unicode.MaxASCII && (unicode.IsLetter(d) || unicode.IsDigit(d)) {
				b.WriteRune(d)
			}
		}
	}
	return b.String()
}

const postalLetters = "ABDEFGHJLNPQRSTUWXYZ"

// expand replaces the placeholders of a phone or postal pattern: '#' by a
// digit, 'N' by a digit from 2 to 9, '@' by a letter.
func expand(r *rand.Rand, pattern string) string {
	b := make([]byte, len(pattern))
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; c {
		case '#':
			b[i] = byte('0' + r.IntN(10))
		case 'N':
			b[i] = byte('2' + r.IntN(8))
		case '@':
			b[i] = postalLetters[r.IntN(len(postalLetters))]
		default:
			b[i] = c
		}
	}
	return string(b)
}

// The stored JSON is written by hand: it is simple, and encoding/json's
// reflection would be the slowest part of generating a row. Keys are in
// the order encoding/json gives maps and the engine's Item struct, so demo
// rows look like rows the engine wrote.

// item is one entry of an e-mail, phone or URL list.
type item struct {
	value, label string
	phone        bool // phones carry "valid": true
}

func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

func appendItems(b []byte, items []item) []byte {
	b = append(b, '[')
	for i, it := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"value":`...)
		b = appendString(b, it.value)
		if it.label != "" {
			b = append(b, `,"label":`...)
			b = appendString(b, it.label)
		}
		if it.phone {
			b = append(b, `,"valid":true`...)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

func appendStrings(b []byte, list []string) []byte {
	b = append(b, '[')
	for i, s := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

// address is a postal address as the engine stores it.
type address struct {
	street, city, region, postal, country string
}

func appendAddress(b []byte, a address) []byte {
	b = append(b, `{"city":`...)
	b = appendString(b, a.city)
	b = append(b, `,"country":`...)
	b = appendString(b, a.country)
	b = append(b, `,"postal_code":`...)
	b = appendString(b, a.postal)
	if a.region != "" {
		b = append(b, `,"region":`...)
		b = appendString(b, a.region)
	}
	b = append(b, `,"street":`...)
	b = appendString(b, a.street)
	return append(b, '}')
}

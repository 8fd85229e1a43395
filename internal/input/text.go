// Package input holds the checks that every value from outside passes
// before a service keeps it: text that a database can store and a person
// can read back as it was meant, JSON bodies checked string by string, query
// strings parsed strictly, and ids in their one canonical form. It knows
// nothing of HTTP; the API applies it to every request in one place, and
// services apply it to the fields they keep.
package input

import (
	"fmt"
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/fault"
)

// Line checks s as one line of text: a name, a label, an option, an e-mail
// address, a query or path value. It refuses what Text refuses and also
// tabs, line breaks and the invisible marks that only make sense inside
// running text.
func Line(field, s string) *fault.FieldError { return check(field, s, false) }

// Text checks s as running text that may span lines, such as a note or a
// description: valid UTF-8 without NUL, control characters other than tab
// and line breaks, or the bidirectional embeddings, overrides and isolates
// that make text display in another order than it is stored (the trick
// behind a file name that is stored as "invoice" U+202E "fdp.exe" and
// shows as "invoiceexe.pdf").
func Text(field, s string) *fault.FieldError { return check(field, s, true) }

func check(field, s string, multiline bool) *fault.FieldError {
	n := 0
	for i, r := range s {
		n++
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return &fault.FieldError{Field: field, Code: "encoding",
					Message: "must be valid UTF-8; byte " + strconv.Itoa(i+1) + " is not"}
			}
		}
		if refused(r, multiline) {
			return &fault.FieldError{Field: field, Code: "character",
				Message: "must not contain " + describe(r) + ", found at character " + strconv.Itoa(n)}
		}
	}
	return nil
}

// refused reports whether r may not appear in text of the given kind.
func refused(r rune, multiline bool) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return !multiline
	case r < 0x20 || (r >= 0x7f && r <= 0x9f): // C0 and C1 controls, NUL and DEL
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x206f, r >= 0xfff9 && r <= 0xfffb:
		// Embeddings, overrides, isolates, deprecated format characters
		// and interlinear annotations.
		return true
	case unicode.Is(unicode.Noncharacter_Code_Point, r):
		return true
	case r == 0x200b, r == 0x200e, r == 0x200f, r == 0x061c, r == 0x180e, r == 0x2028, r == 0x2029,
		r >= 0x2060 && r <= 0x2064, r == 0xfeff:
		// Invisible in a name, meaningful in running text: marks that set
		// the direction of neutral characters, line separators, zero-width
		// spaces and joiners. (U+200C and U+200D, the zero-width
		// non-joiner and joiner, are part of how several scripts and emoji
		// are written, and stay allowed.)
		return !multiline
	}
	return false
}

var runeNames = map[rune]string{
	0x00: "NUL", 0x09: "a tab", 0x0a: "a line break (line feed)", 0x0d: "a line break (carriage return)",
	0x7f: "DEL", 0x061c: "ARABIC LETTER MARK", 0x180e: "MONGOLIAN VOWEL SEPARATOR",
	0x200b: "ZERO WIDTH SPACE", 0x200e: "LEFT-TO-RIGHT MARK", 0x200f: "RIGHT-TO-LEFT MARK",
	0x2028: "LINE SEPARATOR", 0x2029: "PARAGRAPH SEPARATOR",
	0x202a: "LEFT-TO-RIGHT EMBEDDING", 0x202b: "RIGHT-TO-LEFT EMBEDDING", 0x202c: "POP DIRECTIONAL FORMATTING",
	0x202d: "LEFT-TO-RIGHT OVERRIDE", 0x202e: "RIGHT-TO-LEFT OVERRIDE",
	0x2060: "WORD JOINER", 0x2066: "LEFT-TO-RIGHT ISOLATE", 0x2067: "RIGHT-TO-LEFT ISOLATE",
	0x2068: "FIRST STRONG ISOLATE", 0x2069: "POP DIRECTIONAL ISOLATE", 0xfeff: "ZERO WIDTH NO-BREAK SPACE (byte order mark)",
}

// describe names r for a person: its code point and what it is.
func describe(r rune) string {
	name, ok := runeNames[r]
	switch {
	case ok:
	case r < 0x20 || (r >= 0x7f && r <= 0x9f):
		name = "a control character"
	case unicode.Is(unicode.Noncharacter_Code_Point, r):
		name = "a noncharacter"
	default:
		name = "an invisible formatting character"
	}
	return fmt.Sprintf("U+%04X %s", r, name)
}

// ID returns the row id that an opaque id names. Only the canonical form
// names a record: decimal digits without sign, leading zero or spaces, so
// that "03", "+3" and " 3" are not a second spelling of record 3.
func ID(s string) (int64, bool) {
	if s == "" || s[0] < '1' || s[0] > '9' {
		return 0, false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

package search

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// words splits s into the words the index holds and queries look for:
// lower case, accents removed ("Zoë" and "zoe" are one word, and so are
// "Ёлка" and "елка"), anything that is not a letter or a digit a
// separator. The same function serves documents and queries on both
// databases, so they always agree on what a word is.
func words(s string) []string {
	return strings.FieldsFunc(fold(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
}

// fold lowers s and strips its combining marks.
func fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return norm.NFC.String(b.String())
}

// nameKey is the normalised form of a title that "names starting with"
// compares: its words joined by single spaces.
func nameKey(s string) string { return strings.Join(words(s), " ") }

// digits returns the decimal digits of s.
func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// reverse returns s backwards; s holds ASCII digits only.
func reverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

// phoneQuery reports whether q looks like part of a phone number: digits
// with the punctuation people type between them, at least minPhoneDigits
// of them. It returns the digits.
func phoneQuery(q string) (string, bool) {
	for _, r := range q {
		if !(r >= '0' && r <= '9') && !strings.ContainsRune("+-(). /", r) {
			return "", false
		}
	}
	d := digits(q)
	return d, len(d) >= minPhoneDigits
}

// upper is the exclusive upper bound of the strings that start with
// prefix, in byte order: no valid UTF-8 text sorts after U+10FFFF.
func upper(prefix string) string { return prefix + string(utf8.MaxRune) }

// prefixes returns the prefixes of w that the PostgreSQL index stores as
// lexemes of their own: those of the lengths SQLite's table indexes
// (prefixLengths), shorter than w.
func prefixes(w string) []string {
	var out []string
	n := 0
	for i := range w {
		if n > 0 && slices.Contains(prefixLengths, n) {
			out = append(out, w[:i])
		}
		n++
	}
	return out
}

// prefixLengths are the lengths of prefix that the indexes can look up
// directly, longest first: SQLite's table has prefix indexes of these
// lengths, and PostgreSQL's tsvector holds these prefixes of every word.
var prefixLengths = []int{6, 4, 3, 2}

// indexedPrefix shortens w to the longest prefix the indexes hold. FTS4
// reads a prefix index incrementally, stopping at the candidates wanted,
// but must load every document of a longer prefix before returning the
// first; a GIN index looks up a lexeme directly, but must visit every
// lexeme a prefix query begins. Candidates found by a shortened word are
// checked against the whole word.
func indexedPrefix(w string) string {
	n := runeLen(w)
	for _, l := range prefixLengths {
		if n >= l {
			return string([]rune(w)[:l])
		}
	}
	return w
}

// runeLen is the number of characters in s.
func runeLen(s string) int { return utf8.RuneCountInString(s) }

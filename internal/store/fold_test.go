package store

import (
	"context"
	"strings"
	"testing"
	"unicode"
)

// likeSuperset relies on what folding does to single characters: it maps
// each to one, and the only characters outside ASCII that fold into it
// are İ (to i) and the Kelvin sign (to k). A new Unicode version that
// changed that would fail here rather than miss records.
func TestFoldingKeepsToOneCharacter(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		lower := unicode.ToLower(r)
		if s := string(r); strings.ToLower(s) != string(lower) && !(r >= 0xD800 && r <= 0xDFFF) {
			t.Fatalf("%U folds to %q, not to one character", r, strings.ToLower(s))
		}
		if r >= 0x80 && lower < 0x80 && !strings.ContainsRune("ik", lower) {
			t.Errorf("%U folds to ASCII %q, which likeSuperset does not widen", r, lower)
		}
	}
}

// Every text whose fold starts with the fold of a prefix matches the
// prefix's LIKE pattern in SQLite, whatever the case of either.
func TestLikeSuperset(t *testing.T) {
	db, err := Open(context.Background(), "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range []struct{ text, prefix, pattern string }{
		{"München", "münche", "m_nche%"},
		{"MÜNCHEN", "Münche", "M_nche%"},
		{"İstanbul", "is", "_s%"},
		{"\u212Aelvin", "kel", "_el%"},
		{"100% sure", "100%", `100\%%`},
		{"a_b", "a_", `a\_%`},
	} {
		if got := likeSuperset(c.prefix); got != c.pattern {
			t.Errorf("likeSuperset(%q) = %q, want %q", c.prefix, got, c.pattern)
		}
		if !strings.HasPrefix(strings.ToLower(c.text), strings.ToLower(c.prefix)) {
			t.Errorf("%q does not start with %q when folded: a bad case", c.text, c.prefix)
		}
		cond, args := SQLite.FoldPrefix("?", c.prefix)
		var match bool
		if err := db.Reader().QueryRowContext(context.Background(), "SELECT "+cond, c.text, args[0], c.text, args[1]).Scan(&match); err != nil || !match {
			t.Errorf("%q starts with %q when folded, but SQLite says %v (%v)", c.text, c.prefix, match, err)
		}
	}
}

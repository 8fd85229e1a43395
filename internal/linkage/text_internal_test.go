package linkage

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// FuzzASCIIWords checks that the one-pass split of ASCII text gives the
// words of the general one, on random strings of every ASCII character
// and on the fuzzer's.
func FuzzASCIIWords(f *testing.F) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		b := make([]byte, r.IntN(24))
		for i := range b {
			b[i] = byte(r.IntN(128))
		}
		f.Add(string(b))
	}
	for _, s := range []string{"", " ", "O'Brien", "St. John's", "a..b", "`x`", "  Ada  LOVELACE ", "info@acme.example", "+1 (415) 555-2671", "'.'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !ascii(s) {
			return
		}
		got, want := asciiWords(s), anyWords(s)
		if !slices.Equal(got, want) {
			t.Errorf("words of %q: %q, want %q", s, got, want)
		}
	})
}

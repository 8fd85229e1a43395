package linkage

import (
	"math/rand/v2"
	"testing"
)

// TestWithinOneAgreesWithTheTable checks the one-pass answer against the
// dynamic programme on random ASCII strings one or two edits apart.
func TestWithinOneAgreesWithTheTable(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	word := func() string {
		b := make([]byte, 1+rng.IntN(12))
		for i := range b {
			b[i] = "abcde.@"[rng.IntN(7)]
		}
		return string(b)
	}
	edit := func(s string) string {
		b := []byte(s)
		switch i := rng.IntN(len(b) + 1); rng.IntN(4) {
		case 0:
			b = append(b[:i], append([]byte{"abcde"[rng.IntN(5)]}, b[i:]...)...)
		case 1:
			if i < len(b) {
				b = append(b[:i], b[i+1:]...)
			}
		case 2:
			if i < len(b) {
				b[i] = "abcde"[rng.IntN(5)]
			}
		default:
			if i+1 < len(b) {
				b[i], b[i+1] = b[i+1], b[i]
			}
		}
		return string(b)
	}
	for range 200000 {
		a := word()
		b := edit(a)
		if rng.IntN(2) == 0 {
			b = edit(b)
		}
		if a == b {
			continue
		}
		x, y := min(a, b), max(a, b)
		if got, want := withinOne(x, y), slowDistance(x, y, 1); (got <= 1) != (want <= 1) {
			t.Fatalf("%q %q: one pass %d, table %d", x, y, got, want)
		}
	}
}

// slowDistance is editDistance without its one-pass shortcut.
func slowDistance(a, b string, limit int) int {
	return editDistance("\u00e9"+a, "\u00e9"+b, limit)
}

// TestSimilarAtLeastAgreesWithJaroWinkler checks that the letter-count
// bound never turns away a pair that reaches the threshold.
func TestSimilarAtLeastAgreesWithJaroWinkler(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	word := func() string {
		b := make([]byte, 1+rng.IntN(20))
		for i := range b {
			b[i] = "abcdeno "[rng.IntN(8)]
		}
		return string(b)
	}
	reached := 0
	for range 300000 {
		a, b := word(), word()
		if rng.IntN(3) == 0 {
			b = a[:rng.IntN(len(a)+1)] + word()[:1]
		}
		for _, min := range []float64{0.8, 0.88, 0.92} {
			want := jaroWinkler(a, b) >= min
			if got := similarAtLeast(a, b, min); got != want {
				t.Fatalf("%q %q at %.2f: bound says %v, Jaro-Winkler %.4f", a, b, min, got, jaroWinkler(a, b))
			}
			if want {
				reached++
			}
		}
	}
	if reached == 0 {
		t.Fatal("no pair reached a threshold: the test checks nothing")
	}
}

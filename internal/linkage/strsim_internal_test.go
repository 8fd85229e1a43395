package linkage

import (
	"math/rand/v2"
	"testing"
)

// TestJaroWinklerASCII holds the ASCII fast path to the rune one.
func TestJaroWinklerASCII(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	word := func() string {
		b := make([]byte, 1+r.IntN(12))
		for i := range b {
			b[i] = "abcdeo"[r.IntN(6)]
		}
		return string(b)
	}
	for range 20000 {
		a, b := word(), word()
		if a > b {
			a, b = b, a
		}
		if a == b {
			continue
		}
		got := jaroWinklerASCII(a, b)
		if want := jaroWinklerRunes(a, b); got != want {
			t.Fatalf("%q %q: %v, want %v", a, b, got, want)
		}
	}
	if jaroWinkler("martha", "marhta") < 0.96 || jaroWinkler("dixon", "dicksonx") < 0.81 {
		t.Errorf("textbook values: %v %v", jaroWinkler("martha", "marhta"), jaroWinkler("dixon", "dicksonx"))
	}
}

package linkage_test

import (
	"testing"

	"github.com/rapport-crm/rapport/internal/linkage"
	"github.com/rapport-crm/rapport/internal/linkage/synth"
)

// BenchmarkPrepare normalises synthetic contacts (names in Latin and
// Cyrillic, e-mails, phones, birthdays, addresses).
func BenchmarkPrepare(b *testing.B) {
	recs := synth.Generate(1000, 3, synth.Rich)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		linkage.Prepare(recs[i%len(recs)].Record)
	}
}

// BenchmarkCompare weighs the candidate pairs of synthetic contacts with
// an estimated model.
func BenchmarkCompare(b *testing.B) {
	_, ps, m := synthModel(b)
	pairs := linkage.Pairs(ps, 0)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		p := pairs[i%len(pairs)]
		m.Compare(ps[p[0]], ps[p[1]])
	}
}

// BenchmarkBlocks computes the blocking keys of a prepared profile.
func BenchmarkBlocks(b *testing.B) {
	_, ps, _ := synthModel(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		ps[i%len(ps)].Blocks()
	}
}

package clv

import (
	"sync"
	"testing"
)

// The speed goals: fitting both models on 1,000,000 customers under 30 s,
// scoring them under 10 s (docs/BENCHMARKS.md, "Customer value").
//
//	go test ./internal/clv -run '^$' -bench . -benchtime 1x

var cdnowModel = Model{BG: BGNBD{R: 0.24259, Alpha: 4.41360, A: 0.79292, B: 2.42589},
	GG: GammaGamma{P: 6.25, Q: 3.74, Gamma: 15.44}}

var million = sync.OnceValue(func() []Summary { return Synthetic(1_000_000, cdnowModel, 78, 1) })

func BenchmarkFitMillion(b *testing.B) {
	s := million()
	b.ResetTimer()
	for b.Loop() {
		m, err := Fit(s)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(m.BG.R, "r")
		b.ReportMetric(m.GG.P, "p")
	}
}

func BenchmarkScoreMillion(b *testing.B) {
	s := million()
	b.ResetTimer()
	for b.Loop() {
		var total float64
		for i := range s {
			total += cdnowModel.Predict(s[i]).Value
		}
		b.ReportMetric(total/float64(len(s)), "value/customer")
	}
}

// The model recovers the parameters it drew the data from.
func TestFitRecoversSynthetic(t *testing.T) {
	s := Synthetic(20000, cdnowModel, 78, 7)
	m, err := Fit(s)
	if err != nil {
		t.Fatal(err)
	}
	within(t, "r", m.BG.R, cdnowModel.BG.R, 0.15)
	within(t, "alpha", m.BG.Alpha, cdnowModel.BG.Alpha, 0.2)
	within(t, "p", m.GG.P, cdnowModel.GG.P, 0.2)
}

package clv

import (
	"math/rand/v2"

	"gonum.org/v1/gonum/stat/distuv"
)

// Synthetic draws n customer summaries from the models with parameters m,
// each observed for up to maxT weeks: for benchmarks and tools that need
// realistic data in bulk.
func Synthetic(n int, m Model, maxT float64, seed uint64) []Summary {
	src := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	lam := distuv.Gamma{Alpha: m.BG.R, Beta: m.BG.Alpha, Src: src}
	drop := distuv.Beta{Alpha: m.BG.A, Beta: m.BG.B, Src: src}
	nu := distuv.Gamma{Alpha: m.GG.Q, Beta: m.GG.Gamma, Src: src}
	out := make([]Summary, n)
	for i := range out {
		T := 1 + src.Float64()*(maxT-1)
		l, p := lam.Rand(), drop.Rand()
		s := Summary{T: T}
		t := 0.0
		for {
			t += src.ExpFloat64() / l
			if t > T {
				break
			}
			s.X++
			s.Tx = t
			if src.Float64() < p {
				break
			}
		}
		if s.X > 0 {
			z := distuv.Gamma{Alpha: m.GG.P * float64(s.X), Beta: nu.Rand(), Src: src}
			s.Spend = z.Rand() / float64(s.X) // the mean of X purchases of gamma(p, nu)
		}
		out[i] = s
	}
	return out
}

package scores

import (
	"math/rand/v2"
	"testing"
	"time"
)

// BenchmarkChurnScoreMillion times what a refit of the churn model does
// past reading the tables: the features of 1,000,000 customers (each with
// two won deals and four activities) at two snapshots and today, the fit
// on those, and the scores of all of them.
//
//	go test ./internal/scores -run '^$' -bench ChurnScoreMillion -benchtime 1x
func BenchmarkChurnScoreMillion(b *testing.B) {
	const n = 1_000_000
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(5, 6))
	h := &history{}
	ago := func(maxDays int) time.Time { return now.Add(-time.Duration(rng.IntN(maxDays*24)) * time.Hour) }
	for i := range n {
		c := &customer{table: "contacts", id: int64(i + 1)}
		for range 2 {
			c.won = append(c.won, &deal{status: "won", value: float64(rng.IntN(100000)), closed: ago(900)})
		}
		for k := range 4 {
			c.acts = append(c.acts, newAct([]string{"call", "meeting", "note", "task"}[k], ago(900)))
		}
		h.people = append(h.people, c)
	}
	b.ResetTimer()
	for b.Loop() {
		d := h.churnData(now)
		m, err := Fit(d.trainX, d.trainY, Lambda)
		if err != nil {
			b.Fatal(err)
		}
		xs := make([][]float64, len(d.score))
		for i, s := range d.score {
			xs[i] = s.x
		}
		out := make([]int, len(xs))
		ScoreAll(m, xs, out)
	}
}

// BenchmarkScoreMillion times the scoring alone: 1,000,000 feature rows
// through a compiled model.
//
//	go test ./internal/scores -run '^$' -bench 'ScoreMillion$' -benchtime 10x
func BenchmarkScoreMillion(b *testing.B) {
	const n = 1_000_000
	rng := rand.New(rand.NewPCG(7, 8))
	xs := make([][]float64, n)
	for i := range xs {
		row := make([]float64, len(ChurnFeatures))
		for j := range row {
			row[j] = rng.Float64() * 100
		}
		xs[i] = row
	}
	m := &Model{Coef: make([]float64, len(ChurnFeatures)), Mean: make([]float64, len(ChurnFeatures)), Scale: make([]float64, len(ChurnFeatures))}
	for j := range m.Coef {
		m.Coef[j], m.Scale[j] = rng.NormFloat64(), 1
	}
	out := make([]int, n)
	for b.Loop() {
		ScoreAll(m, xs, out)
	}
}

package forecast

import (
	"math"
	"testing"
)

// BenchmarkSelect times the model choice on five years of monthly
// revenue, the most the revenue forecast reads.
func BenchmarkSelect(b *testing.B) {
	y := make([]float64, 60)
	for i := range y {
		y[i] = 1e6 + 2e4*float64(i) + 3e5*math.Sin(float64(i)*math.Pi/6) + float64(i*7919%13-6)*5e4
	}
	for b.Loop() {
		if _, err := Select(y, 12); err != nil {
			b.Fatal(err)
		}
	}
}

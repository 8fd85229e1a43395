package linkage_test

import (
	"syscall"
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
	cpu := cpuTime()
	for i := 0; b.Loop(); i++ {
		linkage.Prepare(recs[i%len(recs)].Record)
	}
	reportCPU(b, cpu)
}

// cpuTime is the process's CPU time so far, in nanoseconds.
func cpuTime() int64 {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return u.Utime.Nano() + u.Stime.Nano()
}

// reportCPU adds the CPU time per operation since start: on a machine
// shared with other builds, wall time per operation also counts the time
// the benchmark waited for a core.
func reportCPU(b *testing.B, start int64) {
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

// BenchmarkCompare weighs the candidate pairs of synthetic contacts with
// an estimated model.
func BenchmarkCompare(b *testing.B) {
	_, ps, m := synthModel(b)
	pairs := linkage.Pairs(ps, 0)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for i := 0; b.Loop(); i++ {
		p := pairs[i%len(pairs)]
		m.Compare(ps[p[0]], ps[p[1]])
	}
	reportCPU(b, cpu)
}

// BenchmarkBlocks computes the blocking keys of a prepared profile.
func BenchmarkBlocks(b *testing.B) {
	_, ps, _ := synthModel(b)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for i := 0; b.Loop(); i++ {
		ps[i%len(ps)].Blocks()
	}
	reportCPU(b, cpu)
}

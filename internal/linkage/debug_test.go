package linkage_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/rapport-crm/rapport/internal/linkage"
)

func dumpErrors(t *testing.T, m *linkage.Model, ps []*linkage.Profile, cluster []string, raw func(int) string) {
	if os.Getenv("LINKAGE_DEBUG") == "" {
		return
	}
	fp, fn := 0, 0
	for _, p := range linkage.Pairs(ps, linkage.MaxBlock) {
		r := m.Compare(ps[p[0]], ps[p[1]])
		dup := m.Decide(r) == linkage.DecisionDuplicate
		same := cluster[p[0]] == cluster[p[1]]
		if dup && !same && fp < 25 {
			fp++
			t.Logf("FP %.3f %v\n  %s\n  %s", r.Probability, r.Contributions, raw(p[0]), raw(p[1]))
		}
		if !dup && same && fn < 25 {
			fn++
			t.Logf("FN %.3f %v\n  %s\n  %s", r.Probability, r.Contributions, raw(p[0]), raw(p[1]))
		}
	}
}

func dumpUnblocked(t *testing.T, ps []*linkage.Profile, cluster []string, kinds []string) {
	if os.Getenv("LINKAGE_DEBUG") == "" {
		return
	}
	in := map[[2]int]bool{}
	for _, p := range linkage.Pairs(ps, linkage.MaxBlock) {
		in[p] = true
	}
	byC := map[string][]int{}
	for i, c := range cluster {
		byC[c] = append(byC[c], i)
	}
	n := 0
	for _, idx := range byC {
		for x, i := range idx {
			for _, j := range idx[x+1:] {
				if !in[[2]int{i, j}] && n < 30 {
					n++
					a, _ := json.Marshal(ps[i])
					b, _ := json.Marshal(ps[j])
					t.Logf("UNBLOCKED %s/%s\n  %s\n  %s", kinds[i], kinds[j], a, b)
				}
			}
		}
	}
}

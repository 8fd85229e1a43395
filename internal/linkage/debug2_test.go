package linkage_test

import (
	"os"
	"sort"
	"testing"

	"github.com/rapport-crm/rapport/internal/linkage"
)

func dumpPatterns(t *testing.T, m *linkage.Model, ps []*linkage.Profile, cluster []string) {
	if os.Getenv("LINKAGE_DEBUG") == "" {
		return
	}
	type cnt struct {
		same, diff int
		p          float64
	}
	pat := map[string]*cnt{}
	for _, p := range linkage.Pairs(ps, linkage.MaxBlock) {
		r := m.Compare(ps[p[0]], ps[p[1]])
		k := ""
		for _, c := range r.Contributions {
			k += c.Field[:2] + "=" + c.Level + " "
		}
		if pat[k] == nil {
			pat[k] = &cnt{}
		}
		pat[k].p = r.Probability
		if cluster[p[0]] == cluster[p[1]] {
			pat[k].same++
		} else {
			pat[k].diff++
		}
	}
	var ks []string
	for k := range pat {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool { return pat[ks[i]].same+pat[ks[i]].diff > pat[ks[j]].same+pat[ks[j]].diff })
	for _, k := range ks {
		c := pat[k]
		t.Logf("%-70s p=%.3f same=%5d diff=%5d", k, c.p, c.same, c.diff)
	}
}

package linkage_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/linkage"
	"github.com/rapport-crm/rapport/internal/linkage/synth"
)

// synthPersons is the synthetic data set's size: persons before copies.
const synthPersons = 3000

// TestSynthetic measures the matcher on synthetic contacts with corrupted
// copies (see package synth for the corruptions and their rates), with a
// model estimated from the records: in the rich setting, precision must
// reach 0.95 and recall 0.85 over all true pairs (the sparse setting, where
// a fifth of true pairs share nothing but a name, and the rich setting
// with another seed, never looked at while the matcher was built, are only
// reported); recall is reported per kind of corruption, and
// the old rule set is measured beside it.
func TestSynthetic(t *testing.T) {
	if testing.Short() {
		t.Skip("a measurement of some seconds of CPU; run without -short")
	}
	for _, c := range []struct {
		name   string
		seed   uint64
		shares synth.Shares
		check  bool
	}{{"rich", 1, synth.Rich, true}, {"sparse", 1, synth.Sparse, false}, {"rich_holdout", 2, synth.Rich, false}} {
		t.Run(c.name, func(t *testing.T) { synthetic(t, c.seed, c.shares, c.check) })
	}
}

func synthetic(t *testing.T, seed uint64, shares synth.Shares, check bool) {
	recs := synth.Generate(synthPersons, seed, shares)
	ps := make([]*linkage.Profile, len(recs))
	cluster := make([]string, len(recs))
	for i, r := range recs {
		ps[i] = linkage.Prepare(r.Record)
		cluster[i] = fmt.Sprint(r.Person)
	}
	m, err := linkage.Estimate(ps, nil, linkage.EstimateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	logModel(t, m)
	dumpPatterns(t, m, ps, cluster)
	kinds := make([]string, len(recs))
	for i, r := range recs {
		kinds[i] = r.Kind
	}
	dumpUnblocked(t, ps, cluster, kinds)
	pairs, n := decided(m, ps)
	all := pairScore(cluster, pairs)
	t.Logf("%d records, %d candidate pairs from blocks, holding %.3f of the true pairs", len(ps), n,
		pairScore(cluster, linkage.Pairs(ps, linkage.MaxBlock)).recall())
	t.Logf("probabilistic: %v", all)
	t.Logf("probabilistic, groups (connected components): %v", groupScore(cluster, pairs))
	t.Logf("probabilistic, groups (linkage.Cluster): %v", clusterScore(cluster, m, scoredEdges(m, ps)))
	t.Logf("probabilistic, at review or above: %v", pairScore(cluster, flagged(m, ps)))
	t.Log(kindTable(recs, pairs))
	if check && (all.precision() < 0.95 || all.recall() < 0.85) {
		t.Errorf("precision %.3f must reach 0.95 and recall %.3f 0.85", all.precision(), all.recall())
	}
}

// kindTable tells, per kind of corruption, how many copies' pairs with
// their original the matcher found.
func kindTable(recs []synth.Record, pairs [][2]int) string {
	type count struct{ truth, found int }
	byKind := map[string]*count{}
	original := map[int]int{}
	for i, r := range recs {
		if r.Kind == "" {
			original[r.Person] = i
		}
	}
	key := func(i, j int) [2]int { return [2]int{min(i, j), max(i, j)} }
	found := map[[2]int]bool{}
	for _, p := range pairs {
		found[p] = true
	}
	for i, r := range recs {
		if r.Kind == "" {
			continue
		}
		c := byKind[r.Kind]
		if c == nil {
			c = &count{}
			byKind[r.Kind] = c
		}
		k := key(original[r.Person], i)
		c.truth++
		if found[k] {
			c.found++
		}
	}
	var b strings.Builder
	b.WriteString("\n| corruption | pairs | recall |\n|---|---:|---:|\n")
	for _, k := range synth.Kinds {
		c := byKind[k]
		if c == nil {
			continue
		}
		fmt.Fprintf(&b, "| %s | %d | %.3f |\n", k, c.truth, float64(c.found)/float64(c.truth))
	}
	return b.String()
}

package linkage_test

import (
	"fmt"

	"github.com/rapport-crm/rapport/internal/linkage"
)

// score is pairwise precision and recall.
type score struct {
	found, right, truth int
}

func (s score) precision() float64 {
	if s.found == 0 {
		return 1
	}
	return float64(s.right) / float64(s.found)
}

func (s score) recall() float64 {
	if s.truth == 0 {
		return 1
	}
	return float64(s.right) / float64(s.truth)
}

func (s score) String() string {
	return fmt.Sprintf("precision %.3f, recall %.3f (%d pairs found, %d right, %d true)",
		s.precision(), s.recall(), s.found, s.right, s.truth)
}

// truePairs counts the pairs of records sharing a cluster.
func truePairs(cluster []string) int {
	n := map[string]int{}
	for _, c := range cluster {
		n[c]++
	}
	t := 0
	for _, k := range n {
		t += k * (k - 1) / 2
	}
	return t
}

// pairScore scores the pairs themselves.
func pairScore(cluster []string, pairs [][2]int) score {
	s := score{truth: truePairs(cluster)}
	for _, p := range pairs {
		s.found++
		if cluster[p[0]] == cluster[p[1]] {
			s.right++
		}
	}
	return s
}

// groupScore scores every pair within the connected components of pairs,
// which is what a list of duplicate groups shows.
func groupScore(cluster []string, pairs [][2]int) score {
	parent := make([]int, len(cluster))
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for _, p := range pairs {
		if a, b := find(p[0]), find(p[1]); a != b {
			parent[max(a, b)] = min(a, b)
		}
	}
	groups := map[int][]int{}
	for i := range cluster {
		groups[find(i)] = append(groups[find(i)], i)
	}
	s := score{truth: truePairs(cluster)}
	for _, g := range groups {
		for x, i := range g {
			for _, j := range g[x+1:] {
				s.found++
				if cluster[i] == cluster[j] {
					s.right++
				}
			}
		}
	}
	return s
}

// decided returns the candidate pairs the model calls duplicates (at its
// Duplicate threshold) and the number of candidate pairs.
func decided(m *linkage.Model, ps []*linkage.Profile) ([][2]int, int) {
	cands := linkage.Pairs(ps, linkage.MaxBlock)
	var out [][2]int
	for _, p := range cands {
		if m.Decide(m.Compare(ps[p[0]], ps[p[1]])) == linkage.DecisionDuplicate {
			out = append(out, p)
		}
	}
	return out, len(cands)
}

// flagged returns the candidate pairs the model calls duplicates or puts
// up for review (at its Review threshold).
func flagged(m *linkage.Model, ps []*linkage.Profile) [][2]int {
	var out [][2]int
	for _, p := range linkage.Pairs(ps, linkage.MaxBlock) {
		if m.Decide(m.Compare(ps[p[0]], ps[p[1]])) != linkage.DecisionDistinct {
			out = append(out, p)
		}
	}
	return out
}

func fmtG(f float64) string { return fmt.Sprintf("%.4g", f) }

// scoredEdges returns the candidate pairs at or above the model's Review
// threshold with their probabilities, as the product stores them.
func scoredEdges(m *linkage.Model, ps []*linkage.Profile) []linkage.Edge[int] {
	var out []linkage.Edge[int]
	for _, p := range linkage.Pairs(ps, linkage.MaxBlock) {
		if r := m.Compare(ps[p[0]], ps[p[1]]); r.Probability >= m.Review {
			out = append(out, linkage.Edge[int]{A: p[0], B: p[1], Probability: r.Probability})
		}
	}
	return out
}

// clusterScore scores every pair within the groups linkage.Cluster forms
// from edges, with the product's options (the duplicate threshold, at
// least half the pairs across duplicates, groups of at most 500).
func clusterScore(cluster []string, m *linkage.Model, edges []linkage.Edge[int]) score {
	s := score{truth: truePairs(cluster)}
	for _, g := range linkage.Cluster(edges, linkage.ClusterOptions{Link: m.Duplicate, Share: linkage.ClusterShare, MaxSize: 500}) {
		for x, i := range g {
			for _, j := range g[x+1:] {
				s.found++
				if cluster[i] == cluster[j] {
					s.right++
				}
			}
		}
	}
	return s
}

package linkage

import (
	"cmp"
	"container/heap"
	"slices"
)

// Edge is one scored pair of records for Cluster: the matcher's
// probability that A and B are one (1 for a pair someone decided "same").
type Edge[ID cmp.Ordered] struct {
	A, B        ID
	Probability float64
	// Same is someone's decision that A and B are one: they are put
	// together before anything else, whatever the rest.
	Same bool
}

// ClusterOptions are Cluster's thresholds.
type ClusterOptions struct {
	// Link is the probability an edge needs to bring two groups together
	// at all (the duplicate threshold).
	Link float64
	// Share is the share of the pairs of records across two groups that
	// must be duplicates (at or above Link) for their union: 0.5 reads "a
	// record joins a group when it is a duplicate of at least half of its
	// members". A pair never scored (the two records share no block)
	// counts as not a duplicate.
	Share float64
	// MaxSize bounds a group's size (0: unbounded).
	MaxSize int
}

// probScale turns probabilities into integers, so that sums are exact and
// the result cannot depend on the order they were added in.
const probScale = 1 << 20

// Cluster groups records by average linkage over the scored pairs, so
// that one wrong pair cannot chain two clusters: starting from single
// records, it repeatedly unites the two groups whose pairs across have
// the highest mean probability, among those where at least opts.Share of
// the pairs across are duplicates (at or above opts.Link). A record that
// is a duplicate of one of a pair's two records joins them (a share of
// 1/2), but one wrong pair between two clusters of three is 1/9 of the
// pairs across and unites nothing. Pairs decided "same" are united first,
// whatever the rest and the size bound. The result depends only on the edges, not
// on their order: ties go to the lowest ids; each group is sorted, the
// groups by their first id, and groups of one are left out. Cost is
// O(E log E) for E edges (each merge folds the smaller group's
// neighbours into the larger's).
func Cluster[ID cmp.Ordered](edges []Edge[ID], opts ClusterOptions) [][]ID {
	// Unions need a duplicate pair across, so each connected component of
	// duplicate pairs is clustered alone: memory follows the biggest
	// component, not the whole workspace.
	index := map[ID]int32{}
	var parent []int32
	number := func(id ID) int32 {
		i, ok := index[id]
		if !ok {
			i = int32(len(parent))
			index[id] = i
			parent = append(parent, i)
		}
		return i
	}
	find := func(x int32) int32 {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	for _, e := range edges {
		if e.A == e.B || !e.Same && (e.Probability < opts.Link || e.Probability <= 0) {
			continue
		}
		a, b := find(number(e.A)), find(number(e.B))
		if a != b {
			parent[max(a, b)] = min(a, b)
		}
	}
	byRoot := map[int32][]int{}
	for i, e := range edges {
		a, okA := index[e.A]
		b, okB := index[e.B]
		if !okA || !okB || e.A == e.B {
			continue
		}
		if r := find(a); r == find(b) {
			byRoot[r] = append(byRoot[r], i)
		}
	}
	var out [][]ID
	part := []Edge[ID]{}
	for _, list := range byRoot {
		part = part[:0]
		for _, i := range list {
			part = append(part, edges[i])
		}
		out = append(out, clusterComponent(part, opts)...)
	}
	slices.SortFunc(out, func(x, y []ID) int { return cmp.Compare(x[0], y[0]) })
	return out
}

// clusterComponent is Cluster within one connected component.
func clusterComponent[ID cmp.Ordered](edges []Edge[ID], opts ClusterOptions) [][]ID {
	// Records, numbered in id order.
	var ids []ID
	for _, e := range edges {
		if e.A != e.B {
			ids = append(ids, e.A, e.B)
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	index := make(map[ID]int32, len(ids))
	for i, id := range ids {
		index[id] = int32(i)
	}
	n := len(ids)
	// Each group's members, neighbours (sum of scaled probabilities
	// across) and whether a strong edge joins them; groups are named by
	// their lowest record number.
	type link struct {
		sum    int64
		strong int64
	}
	members := make([][]int32, n)
	adj := make([]map[int32]link, n)
	for i := range n {
		members[i] = []int32{int32(i)}
		adj[i] = map[int32]link{}
	}
	for _, e := range edges {
		if e.Same {
			e.Probability = 1
		}
		if e.A == e.B || e.Probability <= 0 {
			continue
		}
		a, b := index[e.A], index[e.B]
		p := int64(min(e.Probability, 1)*probScale + 0.5)
		l := adj[a][b]
		// A pair given twice keeps its highest probability.
		if p > l.sum {
			l.sum = p
		}
		if e.Probability >= opts.Link {
			l.strong = 1
		}
		adj[a][b], adj[b][a] = l, l
	}
	alive := make([]bool, n)
	version := make([]int32, n)
	group := make([]int32, n) // each record's group
	for i := range alive {
		alive[i] = true
		group[i] = int32(i)
	}
	h := &mergeHeap{}
	mean := func(a, b int32, l link) float64 {
		return float64(l.sum) / probScale / float64(len(members[a])*len(members[b]))
	}
	push := func(a, b int32, l link) {
		if l.strong == 0 {
			return
		}
		if float64(l.strong)/float64(len(members[a])*len(members[b])) < opts.Share {
			return
		}
		if opts.MaxSize > 0 && len(members[a])+len(members[b]) > opts.MaxSize {
			return
		}
		heap.Push(h, merge{mean: mean(a, b, l), a: min(a, b), b: max(a, b), va: version[min(a, b)], vb: version[max(a, b)]})
	}
	// unite folds group b into group a < b (the survivor keeps the lower
	// name, so names stay the lowest record number), moving the smaller
	// map of neighbours.
	unite := func(a, b int32) {
		if len(adj[b]) > len(adj[a]) {
			adj[a], adj[b] = adj[b], adj[a]
		}
		for _, g := range []int32{a, b} {
			delete(adj[a], g)
			delete(adj[b], g)
		}
		for c, l := range adj[b] {
			x := adj[a][c]
			x.sum += l.sum
			x.strong += l.strong
			adj[a][c] = x
		}
		for c, l := range adj[a] {
			delete(adj[c], b)
			adj[c][a] = l
		}
		for _, x := range members[b] {
			group[x] = a
		}
		members[a] = append(members[a], members[b]...)
		members[b], adj[b], alive[b] = nil, nil, false
		version[a]++
	}
	// Decisions "same" first, in id order.
	var same [][2]int32
	for _, e := range edges {
		if e.Same && e.A != e.B {
			a, b := index[e.A], index[e.B]
			same = append(same, [2]int32{min(a, b), max(a, b)})
		}
	}
	slices.SortFunc(same, func(x, y [2]int32) int {
		return cmp.Or(cmp.Compare(x[0], y[0]), cmp.Compare(x[1], y[1]))
	})
	for _, p := range same {
		if a, b := group[p[0]], group[p[1]]; a != b {
			unite(min(a, b), max(a, b))
		}
	}
	for a := range n {
		if !alive[a] {
			continue
		}
		for b, l := range adj[a] {
			if int32(a) < b {
				push(int32(a), b, l)
			}
		}
	}
	for h.Len() > 0 {
		m := heap.Pop(h).(merge)
		if !alive[m.a] || !alive[m.b] || version[m.a] != m.va || version[m.b] != m.vb {
			continue
		}
		unite(m.a, m.b)
		for c, l := range adj[m.a] {
			push(m.a, c, l)
		}
	}
	var out [][]ID
	for i := range n {
		if !alive[i] || len(members[i]) < 2 {
			continue
		}
		slices.Sort(members[i])
		g := make([]ID, len(members[i]))
		for j, x := range members[i] {
			g[j] = ids[x]
		}
		out = append(out, g)
	}
	return out
}

// merge is a candidate union of groups a < b at their versions va, vb.
type merge struct {
	mean   float64
	a, b   int32
	va, vb int32
}

// mergeHeap pops the highest mean first, then the lowest names.
type mergeHeap []merge

func (h mergeHeap) Len() int { return len(h) }
func (h mergeHeap) Less(i, j int) bool {
	if h[i].mean != h[j].mean {
		return h[i].mean > h[j].mean
	}
	if h[i].a != h[j].a {
		return h[i].a < h[j].a
	}
	return h[i].b < h[j].b
}
func (h mergeHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *mergeHeap) Push(x any)   { *h = append(*h, x.(merge)) }
func (h *mergeHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// ClusterShare is the share of duplicate pairs across two groups that
// their union needs: at least half.
const ClusterShare = 0.5

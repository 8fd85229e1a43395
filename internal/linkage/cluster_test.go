package linkage_test

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/rapport-crm/rapport/internal/linkage"
)

var clusterOpts = linkage.ClusterOptions{Link: 0.9, Share: 0.5, MaxSize: 500}

func TestClusterDoesNotChain(t *testing.T) {
	// Two triangles of sure pairs, joined by one wrong pair 3–4.
	edges := []linkage.Edge[int]{
		{1, 2, 0.99, false}, {2, 3, 0.98, false}, {1, 3, 0.97, false},
		{4, 5, 0.99, false}, {5, 6, 0.99, false}, {4, 6, 0.95, false},
		{3, 4, 0.93, false},
	}
	got := linkage.Cluster(edges, clusterOpts)
	want := [][]int{{1, 2, 3}, {4, 5, 6}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	// A pair below the link threshold never unites, however many.
	if got := linkage.Cluster([]linkage.Edge[int]{{1, 2, 0.8, false}, {2, 3, 0.95, false}}, clusterOpts); !reflect.DeepEqual(got, [][]int{{2, 3}}) {
		t.Fatalf("weak pair: got %v", got)
	}
	// A record scored alike with both members joins them.
	if got := linkage.Cluster([]linkage.Edge[int]{{1, 2, 0.99, false}, {2, 3, 0.95, false}, {1, 3, 0.6, false}}, clusterOpts); !reflect.DeepEqual(got, [][]int{{1, 2, 3}}) {
		t.Fatalf("triangle: got %v", got)
	}
	// A decision "same" unites its two records, whatever the rest (the
	// others then join the side holding at least half their duplicates).
	same := append(edges, linkage.Edge[int]{A: 2, B: 5, Same: true})
	if got := linkage.Cluster(same, clusterOpts); !reflect.DeepEqual(got, [][]int{{1, 3}, {2, 4, 5, 6}}) {
		t.Fatalf("same: got %v", got)
	}
	// The size bound holds.
	var star []linkage.Edge[int]
	for i := 1; i <= 10; i++ {
		for j := i + 1; j <= 10; j++ {
			star = append(star, linkage.Edge[int]{A: i, B: j, Probability: 0.99})
		}
	}
	for _, g := range linkage.Cluster(star, linkage.ClusterOptions{Link: 0.9, Share: 0.5, MaxSize: 4}) {
		if len(g) > 4 {
			t.Fatalf("group of %d over the bound of 4", len(g))
		}
	}
}

func TestClusterIgnoresOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	var edges []linkage.Edge[int]
	for range 3000 {
		a, b := r.IntN(400), r.IntN(400)
		// Probabilities from a few values, so that ties are common.
		edges = append(edges, linkage.Edge[int]{A: a, B: b, Probability: []float64{0.5, 0.9, 0.95, 0.99, 1}[r.IntN(5)], Same: r.IntN(200) == 0})
	}
	want := linkage.Cluster(edges, clusterOpts)
	for range 5 {
		r.Shuffle(len(edges), func(i, j int) { edges[i], edges[j] = edges[j], edges[i] })
		for i := range edges {
			if r.IntN(2) == 0 {
				edges[i].A, edges[i].B = edges[i].B, edges[i].A
			}
		}
		if got := linkage.Cluster(edges, clusterOpts); !reflect.DeepEqual(got, want) {
			t.Fatal("the groups depend on the order of the edges")
		}
	}
}

// clusterEdges makes edges like a workspace's stored pairs: n clusters of
// one to six records, most of their pairs scored (at 0.5 to 1), and one
// wrong duplicate pair per twenty clusters joining two of them.
func clusterEdges(n int) []linkage.Edge[int64] {
	r := rand.New(rand.NewPCG(1, 2))
	var edges []linkage.Edge[int64]
	var id int64
	var firsts []int64
	for range n {
		size := 1 + r.IntN(6)
		firsts = append(firsts, id)
		for i := range size {
			for j := i + 1; j < size; j++ {
				if r.IntN(10) < 8 {
					edges = append(edges, linkage.Edge[int64]{A: id + int64(i), B: id + int64(j), Probability: 0.5 + r.Float64()/2})
				}
			}
		}
		id += int64(size)
	}
	for range n / 20 {
		edges = append(edges, linkage.Edge[int64]{A: firsts[r.IntN(n)], B: firsts[r.IntN(n)], Probability: 0.95})
	}
	return edges
}

// BenchmarkCluster times Cluster beside connected components (union-find)
// on the same edges: go test ./internal/linkage -run '^$' -bench Cluster -benchtime 3x
func BenchmarkCluster(b *testing.B) {
	edges := clusterEdges(300_000)
	b.Logf("%d edges", len(edges))
	b.Run("components", func(b *testing.B) {
		for range b.N {
			parent := map[int64]int64{}
			var find func(int64) int64
			find = func(x int64) int64 {
				p, ok := parent[x]
				if !ok || p == x {
					parent[x] = x
					return x
				}
				r := find(p)
				parent[x] = r
				return r
			}
			for _, e := range edges {
				if e.Probability >= 0.9 {
					if ra, rb := find(e.A), find(e.B); ra != rb {
						parent[max(ra, rb)] = min(ra, rb)
					}
				}
			}
		}
	})
	b.Run("cluster", func(b *testing.B) {
		for range b.N {
			linkage.Cluster(edges, clusterOpts)
		}
	})
}

package linkage

import (
	"errors"
	"math"
	"math/rand/v2"
)

// Label is an administrator's verdict on a pair of records, by id.
type Label struct {
	A, B string
	Same bool
}

// EstimateOptions tune Estimate; the zero value is the default.
type EstimateOptions struct {
	// Kind is the kind of the profiles; "" takes the first profile's.
	Kind string
	// RandomPairs is how many random pairs estimate u (0: 200,000).
	RandomPairs int
	// Iterations bounds the expectation–maximisation rounds (0: 40).
	Iterations int
	// MaxBlock is the block-size cap (0: MaxBlock).
	MaxBlock int
	// Seed makes the random pairs repeatable (0: a fixed seed).
	Seed uint64
}

// ErrTooFew is returned when there are too few profiles to learn from;
// use Default.
var ErrTooFew = errors.New("linkage: too few records to estimate a model")

// MinRecords is the fewest profiles Estimate learns from.
const MinRecords = 50

// Estimate learns a model from a workspace's profiles, the way Splink
// does: u (how often unrelated records agree) from random pairs, which
// are nearly all unrelated; m (how often duplicates agree) and the share
// of duplicates among the candidate pairs by expectation–maximisation
// over the pairs that share a block, starting from Default; the prior is
// that share scaled from candidate pairs to all pairs. Labelled pairs
// count as known: same (1) or different (0) in every round. Term
// frequencies of given, family and company names come from ps.
func Estimate(ps []*Profile, labels []Label, opt EstimateOptions) (*Model, error) {
	if len(ps) < MinRecords {
		return nil, ErrTooFew
	}
	kind := opt.Kind
	if kind == "" {
		kind = ps[0].Kind
	}
	m := Default(kind)
	nc := len(m.Comparisons)
	seed := opt.Seed
	if seed == 0 {
		seed = 20261206
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	levels := make([]int8, 16)
	tf := make([]string, 16)

	// Term frequencies.
	m.TermFrequencies = map[string]map[string]float64{}
	count := func(field, v string) {
		if v == "" {
			return
		}
		if m.TermFrequencies[field] == nil {
			m.TermFrequencies[field] = map[string]float64{}
		}
		m.TermFrequencies[field][v]++
	}
	for _, p := range ps {
		if kind == KindCompany {
			count(FieldName, p.name)
		} else {
			count(FieldGiven, p.given)
			count(FieldFamily, p.family)
		}
	}
	for _, t := range m.TermFrequencies {
		n := 0.0
		for _, c := range t {
			n += c
		}
		for v, c := range t {
			if c < 2 {
				delete(t, v) // unseen-twice values keep the level's u
				continue
			}
			t[v] = c / n
		}
	}

	// u from random pairs.
	n := len(ps)
	all := float64(n) * float64(n-1) / 2
	samples := opt.RandomPairs
	if samples <= 0 {
		samples = 200000
	}
	samples = min(samples, int(all))
	uCount := make([][]float64, nc)
	for i := range uCount {
		uCount[i] = make([]float64, len(m.Comparisons[i].Levels))
	}
	for s := 0; s < samples; s++ {
		i, j := rng.IntN(n), rng.IntN(n-1)
		if j >= i {
			j++
		}
		fieldLevels(kind, ps[i], ps[j], levels, tf)
		for c := range nc {
			if l := levels[c]; l >= 0 {
				uCount[c][l]++
			}
		}
	}
	for c := range nc {
		total := 0.0
		for _, x := range uCount[c] {
			total += x
		}
		lv := m.Comparisons[c].Levels
		// Too few observations: keep the default u. Otherwise smooth with
		// half a pair per level so that no level is impossible.
		if total < 100 {
			continue
		}
		for l := range lv {
			lv[l].U = (uCount[c][l] + 0.5) / (total + 0.5*float64(len(lv)))
		}
	}

	// Candidate pairs and labels.
	pairs := Pairs(ps, opt.MaxBlock)
	index := make(map[string]int, n)
	for i, p := range ps {
		index[p.ID] = i
	}
	known := map[[2]int]float64{}
	for _, l := range labels {
		i, ok1 := index[l.A]
		j, ok2 := index[l.B]
		if !ok1 || !ok2 || i == j {
			continue
		}
		key := [2]int{min(i, j), max(i, j)}
		known[key] = 0
		if l.Same {
			known[key] = 1
		}
	}
	vecs := make([]int8, 0, (len(pairs)+len(known))*nc)
	fixed := make([]float64, 0, len(pairs)+len(known))
	addPair := func(i, j int, f float64) {
		fieldLevels(kind, ps[i], ps[j], levels, tf)
		vecs = append(vecs, levels[:nc]...)
		fixed = append(fixed, f)
	}
	for _, p := range pairs {
		f, ok := known[p]
		if !ok {
			f = -1
		} else {
			delete(known, p)
		}
		addPair(p[0], p[1], f)
	}
	for p, f := range known {
		addPair(p[0], p[1], f)
	}
	np := len(fixed)
	if np == 0 {
		return m, nil
	}

	// Expectation–maximisation over the candidate pairs, u held fixed.
	lambda := 0.1
	iters := opt.Iterations
	if iters <= 0 {
		iters = 40
	}
	post := make([]float64, np)
	mSum := make([][]float64, nc)
	for c := range mSum {
		mSum[c] = make([]float64, len(m.Comparisons[c].Levels))
	}
	for it := 0; it < iters; it++ {
		lw := logit(lambda)
		// weights per level this round
		var w [16][8]float64
		for c := range nc {
			for l, lv := range m.Comparisons[c].Levels {
				w[c][l] = bits(lv.M, lv.U)
			}
		}
		total := 0.0
		for k := 0; k < np; k++ {
			if fixed[k] >= 0 {
				post[k] = fixed[k]
			} else {
				s := lw
				for c, l := range vecs[k*nc : k*nc+nc] {
					if l >= 0 {
						s += w[c][l]
					}
				}
				post[k] = 1 / (1 + math.Exp2(-s))
			}
			total += post[k]
		}
		for c := range mSum {
			clear(mSum[c])
		}
		for k := 0; k < np; k++ {
			for c, l := range vecs[k*nc : k*nc+nc] {
				if l >= 0 {
					mSum[c][l] += post[k]
				}
			}
		}
		change := math.Abs(total/float64(np) - lambda)
		lambda = min(max(total/float64(np), 1e-6), 0.999)
		for c := range nc {
			lv := m.Comparisons[c].Levels
			sum := 0.0
			for _, x := range mSum[c] {
				sum += x
			}
			if sum < 1 {
				continue // too few likely duplicates show this field: keep the default m
			}
			for l := range lv {
				old := lv[l].M
				lv[l].M = (mSum[c][l] + 0.1) / (sum + 0.1*float64(len(lv)))
				change = max(change, math.Abs(lv[l].M-old))
			}
		}
		if change < 1e-5 {
			break
		}
	}
	m.Prior = min(max(lambda*float64(np)/all, 1e-9), 0.5)
	return m, nil
}

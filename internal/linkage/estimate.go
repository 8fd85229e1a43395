package linkage

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
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
	// RandomPairs is how many random pairs estimate u (0: 1,000,000).
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
// frequencies of names, e-mails and phones come from ps.
//
// Estimate works in memory: about 5,000 profiles take 2 s of CPU. For a
// big workspace pass a uniform random sample (100,000 profiles is plenty):
// the prior, m and u do not depend on the sample's size, only their
// precision does; term frequencies are then the sample's.
func Estimate(ps []*Profile, labels []Label, opt EstimateOptions) (*Model, error) {
	if len(ps) < MinRecords {
		return nil, ErrTooFew
	}
	kind := opt.Kind
	if kind == "" {
		kind = ps[0].Kind
	}
	m := Default(kind)
	m.Records = len(ps)
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
			for _, w := range p.Name {
				count(companyWords, w)
			}
		} else {
			if p.given != "" && p.family != "" {
				count(tfFullName, p.given+" "+p.family)
			}
			count(tfFamily, p.family)
		}
		for _, e := range p.Emails {
			count(FieldEmail, e)
		}
		for _, ph := range p.Phones {
			count(FieldPhone, ph)
		}
		count(tfPlace, p.place())
	}
	for table, t := range m.TermFrequencies {
		least := 2.0
		if table == FieldEmail || table == FieldPhone {
			least = 3 // a person's own records share theirs: only hubs count
		}
		n := 0.0
		for _, c := range t {
			n += c
		}
		// A value held by c records agrees with another record picked at
		// random with chance (c-1)/(n-1): a value held once never does,
		// and keeps the level's u.
		for v, c := range t {
			if c < least {
				delete(t, v)
				continue
			}
			t[v] = (c - 1) / (n - 1)
		}
	}

	// u from random pairs.
	n := len(ps)
	all := float64(n) * float64(n-1) / 2
	samples := opt.RandomPairs
	if samples <= 0 {
		samples = 1000000
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
		fieldLevels(m, ps[i], ps[j], levels, tf)
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

	// Labelled pairs.
	index := make(map[string]int, n)
	for i, p := range ps {
		index[p.ID] = i
	}
	known := map[[2]int32]float64{}
	for _, l := range labels {
		i, ok1 := index[l.A]
		j, ok2 := index[l.B]
		if !ok1 || !ok2 || i == j {
			continue
		}
		key := [2]int32{int32(min(i, j)), int32(max(i, j))}
		known[key] = 0
		if l.Same {
			known[key] = 1
		}
	}

	// Expectation–maximisation, one training session per family of
	// blocking rules: the pairs that share a block of the family, with the
	// comparisons the family's keys are made of held out (their agreement
	// is forced by blocking, not evidence of a match), as Splink does. Each
	// held-in comparison's m is the average over the sessions that
	// estimated it, weighted by their expected matches times their share
	// of matches: a session made mostly of unrelated pairs (every "Easter
	// Seals" site sharing a name prefix) separates the two classes worst. Each pair's
	// posterior from its first session counts towards the expected number
	// of duplicates, which over all pairs gives the prior.
	sessions := sessionPairs(ps, opt.MaxBlock)
	iters := opt.Iterations
	if iters <= 0 {
		iters = 40
	}
	mTotal := make([][]float64, nc)
	mWeight := make([]float64, nc)
	for c := range mTotal {
		mTotal[c] = make([]float64, len(m.Comparisons[c].Levels))
	}
	counted := map[[2]int32]bool{}
	expected := 0.0
	for _, s := range trainingSessions {
		pairs := sessions[s.name]
		if len(pairs) == 0 {
			continue
		}
		held := make([]bool, nc)
		for c, cmp := range m.Comparisons {
			held[c] = slices.Contains(s.fields, cmp.Field)
		}
		vecs := make([]int8, 0, len(pairs)*nc)
		fixed := make([]float64, 0, len(pairs))
		for _, p := range pairs {
			fieldLevels(m, ps[p[0]], ps[p[1]], levels, tf)
			for c := range nc {
				if held[c] {
					levels[c] = missing
				}
			}
			vecs = append(vecs, levels[:nc]...)
			f, ok := known[p]
			if !ok {
				f = -1
			}
			fixed = append(fixed, f)
		}
		post, mSum, lam := em(m, vecs, fixed, iters)
		if debugEM != nil {
			debugEM(s.name, len(pairs), lam, mSum)
		}
		for c := range nc {
			if held[c] {
				continue
			}
			sum := 0.0
			for _, x := range mSum[c] {
				sum += x
			}
			if sum < 1 {
				continue
			}
			for l := range mSum[c] {
				mTotal[c][l] += mSum[c][l] * lam
			}
			mWeight[c] += sum * lam
		}
		for k, p := range pairs {
			if !counted[p] {
				counted[p] = true
				expected += post[k]
			}
		}
	}
	for c := range nc {
		if mWeight[c] < 1 {
			continue // no session saw enough likely duplicates with this field: keep the default m
		}
		lv := m.Comparisons[c].Levels
		for l := range lv {
			lv[l].M = (mTotal[c][l] + 0.1) / (mWeight[c] + 0.1*float64(len(lv)))
		}
	}
	m.Prior = min(max(expected/all, 1e-9), 0.5)

	// The random pairs were a mixture: a share Prior of them duplicates,
	// showing the levels at rate m. Take those out, so that u is the rate
	// among unrelated pairs (where no two persons share an e-mail, the
	// random pairs' agreement was all duplicates'): u = (seen - Prior·m) /
	// (1 - Prior), but at least a tenth of what was seen and half an
	// observation: the sample tells little of rates far below its own.
	for c := range nc {
		total := 0.0
		for _, x := range uCount[c] {
			total += x
		}
		if total < 100 {
			continue
		}
		lv := m.Comparisons[c].Levels
		sum := 0.0
		for l := range lv {
			lv[l].U = max(lv[l].U-m.Prior*lv[l].M, lv[l].U/10, 0.5/total) / (1 - m.Prior)
			sum += lv[l].U
		}
		for l := range lv {
			lv[l].U /= sum
		}
	}
	return m, nil
}

// em runs expectation–maximisation over pairs given by their level
// vectors (missing or held-out comparisons -1), with m, u and the share of
// duplicates free, starting from m's values. Pairs with a fixed
// value (0 or 1, from labels) keep it. It returns each pair's posterior,
// the posterior sums per comparison and level, and the share.
func em(m *Model, vecs []int8, fixed []float64, iters int) ([]float64, [][]float64, float64) {
	nc := len(m.Comparisons)
	np := len(fixed)
	// Start from the default m, in a copy.
	ms := make([][]float64, nc)
	for c, cmp := range m.Comparisons {
		for _, l := range cmp.Levels {
			ms[c] = append(ms[c], l.M)
		}
	}
	// The unrelated pairs within a session are not like random pairs:
	// blocking made them agree on something, and records of one
	// organisation agree on several fields at once. So u is free within the
	// session too, starting from the random pairs' u; only m is kept.
	us := make([][]float64, nc)
	for c, cmp := range m.Comparisons {
		for _, l := range cmp.Levels {
			us[c] = append(us[c], l.U)
		}
	}
	uSum := make([][]float64, nc)
	for c := range uSum {
		uSum[c] = make([]float64, len(us[c]))
	}
	lambda := 0.3
	post := make([]float64, np)
	mSum := make([][]float64, nc)
	for c := range mSum {
		mSum[c] = make([]float64, len(ms[c]))
	}
	for it := 0; it < iters; it++ {
		lw := logit(lambda)
		var w [16][8]float64
		for c := range nc {
			for l := range m.Comparisons[c].Levels {
				w[c][l] = bits(ms[c][l], us[c][l])
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
			clear(uSum[c])
		}
		for k := 0; k < np; k++ {
			for c, l := range vecs[k*nc : k*nc+nc] {
				if l >= 0 {
					mSum[c][l] += post[k]
					uSum[c][l] += 1 - post[k]
				}
			}
		}
		change := math.Abs(total/float64(np) - lambda)
		lambda = min(max(total/float64(np), 1e-6), 0.999)
		for c := range nc {
			for _, x := range [][][]float64{{mSum[c], ms[c]}, {uSum[c], us[c]}} {
				sums, vals := x[0], x[1]
				sum := 0.0
				for _, v := range sums {
					sum += v
				}
				if sum < 1 {
					continue
				}
				for l := range vals {
					old := vals[l]
					vals[l] = (sums[l] + 0.1) / (sum + 0.1*float64(len(vals)))
					change = max(change, math.Abs(vals[l]-old))
				}
			}
		}
		if change < 1e-5 {
			break
		}
	}
	return post, mSum, lambda
}

// trainingSessions group the blocking rules whose pairs train together,
// each with the comparisons its keys are made of.
var trainingSessions = []struct {
	name   string
	rules  []string
	fields []string
}{
	{"email", []string{"e", "el"}, []string{FieldEmail, FieldDomain}},
	{"phone", []string{"p"}, []string{FieldPhone}},
	{"person", []string{"nb", "nn", "bd", "ft", "fi"}, []string{FieldName, FieldBirthday, FieldAddress}},
	{"address", []string{"a", "as"}, []string{FieldAddress}},
	{"name", []string{"c"}, []string{FieldName, FieldAddress}},
	{"works", []string{"ca"}, []string{FieldCompany, FieldName}},
	{"domain", []string{"d"}, []string{FieldDomain, FieldEmail}},
	{"identifier", []string{"id"}, []string{FieldIdentifier}},
}

// maxSessionPairs bounds a training session's pairs (the first ones in a
// fixed order are kept), so that estimation stays fast in big workspaces.
const maxSessionPairs = 2_000_000

// sessionPairs returns each training session's candidate pairs, each once.
func sessionPairs(ps []*Profile, maxBlock int) map[string][][2]int32 {
	if maxBlock <= 0 {
		maxBlock = MaxBlock
	}
	session := map[string]string{}
	for _, s := range trainingSessions {
		for _, r := range s.rules {
			session[r] = s.name
		}
	}
	blocks := map[string][]int32{}
	for i, p := range ps {
		for _, k := range p.Blocks() {
			blocks[k] = append(blocks[k], int32(i))
		}
	}
	keys := make([]string, 0, len(blocks))
	for k := range blocks {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	seen := map[string]map[[2]int32]bool{}
	out := map[string][][2]int32{}
	for _, k := range keys {
		members := blocks[k]
		rule, _, _ := strings.Cut(k, ":")
		s := session[rule]
		if len(members) < 2 || len(members) > maxBlock || s == "" {
			continue
		}
		if seen[s] == nil {
			seen[s] = map[[2]int32]bool{}
		}
		for x, i := range members {
			for _, j := range members[x+1:] {
				p := [2]int32{min(i, j), max(i, j)}
				if !seen[s][p] && len(out[s]) < maxSessionPairs {
					seen[s][p] = true
					out[s] = append(out[s], p)
				}
			}
		}
	}
	return out
}

// debugEM, when set (by the tests, under LINKAGE_DEBUG), is told what
// each training session found.
var debugEM func(session string, pairs int, lambda float64, mSum [][]float64)

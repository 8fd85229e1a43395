package linkage

// jaroWinkler returns the Jaro-Winkler similarity of a and b, from 0 (no
// letter in common) to 1 (equal). Its arguments are put in a fixed order
// first, so that it is exactly symmetric.
func jaroWinkler(a, b string) float64 {
	if a == b {
		return 1
	}
	if a > b {
		a, b = b, a
	}
	if a == "" {
		return 0
	}
	if len(a) <= 64 && len(b) <= 64 && ascii(a) && ascii(b) {
		return jaroWinklerASCII(a, b)
	}
	return jaroWinklerRunes(a, b)
}

// similarAtLeast reports whether jaroWinkler(a, b) >= min, skipping the
// quadratic comparison when the letters the two share cannot reach it:
// with p the common prefix (at most 4), JW = J + 0.1p(1-J) <= 0.4 + 0.6J,
// and J <= (m/|a| + m/|b| + 1)/3 where the matches m are at most the
// letters the two have in common (counted with repeats). Most pairs a
// rescore compares are unrelated names, which this settles in one pass.
func similarAtLeast(a, b string, min float64) bool {
	if a == b {
		return true
	}
	if a == "" || b == "" || !ascii(a) || !ascii(b) {
		return jaroWinkler(a, b) >= min
	}
	var counts [128]int16
	for i := 0; i < len(a); i++ {
		counts[a[i]]++
	}
	common := 0
	for i := 0; i < len(b); i++ {
		if counts[b[i]] > 0 {
			counts[b[i]]--
			common++
		}
	}
	m := float64(common)
	jaroMax := (m/float64(len(a)) + m/float64(len(b)) + 1) / 3
	if 0.4+0.6*jaroMax < min-1e-9 {
		return false
	}
	return jaroWinkler(a, b) >= min
}

// jaroWinklerRunes is jaroWinkler on runes, for a <= b.
func jaroWinklerRunes(a, b string) float64 {
	var buf1, buf2 [32]rune
	r1, r2 := appendRunes(buf1[:0], a), appendRunes(buf2[:0], b)
	window := max(max(len(r1), len(r2))/2-1, 0)
	var ubuf1, ubuf2 [32]bool
	used1, used2 := ubuf1[:0], ubuf2[:0]
	for range r1 {
		used1 = append(used1, false)
	}
	for range r2 {
		used2 = append(used2, false)
	}
	matches := 0
	for i, c := range r1 {
		lo, hi := max(0, i-window), min(len(r2), i+window+1)
		for j := lo; j < hi; j++ {
			if !used2[j] && r2[j] == c {
				used1[i], used2[j] = true, true
				matches++
				break
			}
		}
	}
	if matches == 0 {
		return 0
	}
	half, j := 0, 0
	for i, c := range r1 {
		if !used1[i] {
			continue
		}
		for !used2[j] {
			j++
		}
		if r2[j] != c {
			half++
		}
		j++
	}
	m := float64(matches)
	jaro := (m/float64(len(r1)) + m/float64(len(r2)) + (m-float64(half/2))/m) / 3
	prefix := 0
	for prefix < min(4, len(r1), len(r2)) && r1[prefix] == r2[prefix] {
		prefix++
	}
	return jaro + float64(prefix)*0.1*(1-jaro)
}

func appendRunes(dst []rune, s string) []rune {
	for _, r := range s {
		dst = append(dst, r)
	}
	return dst
}

// withinOne is editDistance(a, b, 1) of two different ASCII strings in
// one pass and no allocation: past their common prefix, one substitution,
// insertion, deletion or swap of neighbours must leave equal tails. The
// matcher asks this of millions of pairs of e-mails and names in a
// rescore.
func withinOne(a, b string) int {
	if len(a) < len(b) {
		a, b = b, a
	}
	if len(a)-len(b) > 1 {
		return 2
	}
	p := 0
	for p < len(b) && a[p] == b[p] {
		p++
	}
	switch {
	case len(a) > len(b):
		if a[p+1:] == b[p:] {
			return 1
		}
	case a[p+1:] == b[p+1:]:
		return 1
	case p+1 < len(a) && a[p] == b[p+1] && a[p+1] == b[p] && a[p+2:] == b[p+2:]:
		return 1
	}
	return 2
}

// editDistance is the optimal-string-alignment distance of a and b
// (insertions, deletions, substitutions and transpositions of neighbours),
// stopping early once it exceeds limit (it then returns limit+1).
func editDistance(a, b string, limit int) int {
	if a == b {
		return 0
	}
	if a > b {
		a, b = b, a
	}
	if limit == 1 && ascii(a) && ascii(b) {
		return withinOne(a, b)
	}
	var buf1, buf2 [32]rune
	r1, r2 := appendRunes(buf1[:0], a), appendRunes(buf2[:0], b)
	if d := len(r1) - len(r2); d > limit || -d > limit {
		return limit + 1
	}
	n := len(r2) + 1
	var rows [3 * 33]int
	var all []int
	if 3*n <= len(rows) {
		all = rows[:3*n]
	} else {
		all = make([]int, 3*n)
	}
	pp, prev, cur := all[:n], all[n:2*n], all[2*n:]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(r1); i++ {
		cur[0] = i
		best := i
		for j := 1; j <= len(r2); j++ {
			cost := 1
			if r1[i-1] == r2[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && r1[i-1] == r2[j-2] && r1[i-2] == r2[j-1] {
				v = min(v, pp[j-2]+1)
			}
			cur[j] = v
			best = min(best, v)
		}
		if best > limit {
			return limit + 1
		}
		pp, prev, cur = prev, cur, pp
	}
	return prev[len(r2)]
}

// jaroWinklerASCII is jaroWinkler for ASCII words of at most 64 bytes,
// with bit sets for the matched letters.
func jaroWinklerASCII(a, b string) float64 {
	window := max(max(len(a), len(b))/2-1, 0)
	var used1, used2 uint64
	matches := 0
	for i := 0; i < len(a); i++ {
		lo, hi := max(0, i-window), min(len(b), i+window+1)
		for j := lo; j < hi; j++ {
			if used2&(1<<j) == 0 && b[j] == a[i] {
				used1 |= 1 << i
				used2 |= 1 << j
				matches++
				break
			}
		}
	}
	if matches == 0 {
		return 0
	}
	half, j := 0, 0
	for i := 0; i < len(a); i++ {
		if used1&(1<<i) == 0 {
			continue
		}
		for used2&(1<<j) == 0 {
			j++
		}
		if b[j] != a[i] {
			half++
		}
		j++
	}
	m := float64(matches)
	jaro := (m/float64(len(a)) + m/float64(len(b)) + (m-float64(half/2))/m) / 3
	prefix := 0
	for prefix < min(4, len(a), len(b)) && a[prefix] == b[prefix] {
		prefix++
	}
	return jaro + float64(prefix)*0.1*(1-jaro)
}

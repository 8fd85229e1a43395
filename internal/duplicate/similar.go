package duplicate

import (
	"slices"
	"strings"
)

// No Go library for string similarity is among the project's approved
// modules, and the two measures below are short, so they are written
// here (docs/decisions/0008-duplicates.md).

// jaroWinkler returns the Jaro-Winkler similarity of a and b, from 0 (no
// character in common) to 1 (equal), comparing runes.
func jaroWinkler(a, b string) float64 {
	r1, r2 := []rune(a), []rune(b)
	if len(r1) == 0 || len(r2) == 0 {
		if len(r1) == len(r2) {
			return 1
		}
		return 0
	}
	window := max(len(r1), len(r2))/2 - 1
	window = max(window, 0)
	used1 := make([]bool, len(r1))
	used2 := make([]bool, len(r2))
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
	// Transpositions: matched characters that appear in a different order.
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

// ratio is the edit similarity of a and b: 1 minus their Levenshtein
// distance over the length of the longer, in runes.
func ratio(a, b string) float64 {
	r1, r2 := []rune(a), []rune(b)
	if len(r1) == 0 && len(r2) == 0 {
		return 1
	}
	prev := make([]int, len(r2)+1)
	cur := make([]int, len(r2)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(r1); i++ {
		cur[0] = i
		for j := 1; j <= len(r2); j++ {
			cost := 1
			if r1[i-1] == r2[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return 1 - float64(prev[len(r2)])/float64(max(len(r1), len(r2)))
}

// tokenSet is the token-set ratio of two sorted token lists: the tokens
// both share, compared with each side's shared tokens followed by the rest
// of its own, so that a name that adds words to another ("Acme" and "Acme
// Widgets") scores 1 while reordered or misspelt words still score high.
func tokenSet(a, b []string) float64 {
	var common, onlyA, onlyB []string
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || (i < len(a) && a[i] < b[j]):
			onlyA = append(onlyA, a[i])
			i++
		case i == len(a) || b[j] < a[i]:
			onlyB = append(onlyB, b[j])
			j++
		default:
			common = append(common, a[i])
			i, j = i+1, j+1
		}
	}
	sect := strings.Join(common, " ")
	withA := strings.TrimSpace(sect + " " + strings.Join(onlyA, " "))
	withB := strings.TrimSpace(sect + " " + strings.Join(onlyB, " "))
	best := ratio(withA, withB)
	if len(common) > 0 {
		best = max(best, ratio(sect, withA), ratio(sect, withB))
	}
	return best
}

// nameSimilarity is how alike two normalised names are: the better of
// the token-set ratio, which forgives added or reordered words, and the
// mean over the shorter name's words of their best Jaro-Winkler
// similarity with a word of the other, which forgives typing slips
// ("Jonathon" for "Jonathan") without taking "Jane" for "John".
func nameSimilarity(a, b []string) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	if slices.Equal(a, b) {
		return 1
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	sum := 0.0
	for _, x := range a {
		best := 0.0
		for _, y := range b {
			best = max(best, jaroWinkler(x, y))
		}
		sum += best
	}
	return max(sum/float64(len(a)), tokenSet(a, b))
}

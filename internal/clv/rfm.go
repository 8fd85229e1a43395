package clv

import "sort"

// RFMInput is what RFM scoring knows of one customer.
type RFMInput struct {
	DaysSince float64 // days since the last purchase
	Purchases int     // number of purchases
	Monetary  float64 // total value of the purchases
}

// RFM holds a customer's recency, frequency and monetary scores, each 1 to
// 5 (5 best: most recent, most frequent, most spent), and the segment.
type RFM struct {
	R, F, M int
	Segment string
}

// Segments in the order reports show them.
var Segments = []string{"champions", "loyal", "potential_loyalist", "new", "promising",
	"need_attention", "about_to_sleep", "at_risk", "cant_lose", "hibernating", "lost"}

// segmentTable gives the segment by recency score (rows, 1..5) and the
// rounded mean of the frequency and monetary scores (columns, 1..5).
var segmentTable = [5][5]string{
	{"lost", "lost", "lost", "cant_lose", "cant_lose"},                                  // R = 1
	{"hibernating", "hibernating", "at_risk", "at_risk", "at_risk"},                     // R = 2
	{"about_to_sleep", "need_attention", "need_attention", "loyal", "loyal"},            // R = 3
	{"promising", "potential_loyalist", "potential_loyalist", "champions", "champions"}, // R = 4
	{"new", "potential_loyalist", "potential_loyalist", "champions", "champions"},       // R = 5
}

// Segment returns the segment of recency score r and frequency and
// monetary scores f and m.
func Segment(r, f, m int) string {
	fm := (f + m + 1) / 2
	return segmentTable[clamp(r)-1][clamp(fm)-1]
}

func clamp(n int) int { return min(max(n, 1), 5) }

// ScoreRFM scores every customer by quintiles of the customers given:
// a customer's score is 1 plus the number of fifths of the customers that
// rank strictly below them, so equal values always score the same.
func ScoreRFM(in []RFMInput) []RFM {
	n := len(in)
	out := make([]RFM, n)
	if n == 0 {
		return out
	}
	r := quintiles(n, func(i int) float64 { return -in[i].DaysSince })
	f := quintiles(n, func(i int) float64 { return float64(in[i].Purchases) })
	m := quintiles(n, func(i int) float64 { return in[i].Monetary })
	for i := range out {
		out[i] = RFM{R: r[i], F: f[i], M: m[i], Segment: Segment(r[i], f[i], m[i])}
	}
	return out
}

// quintiles returns each item's quintile (1..5) of v, higher values higher.
func quintiles(n int, v func(int) float64) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return v(idx[a]) < v(idx[b]) })
	q := make([]int, n)
	below := 0 // rank of the first of a run of equal values
	for k, i := range idx {
		if k > 0 && v(i) != v(idx[k-1]) {
			below = k
		}
		q[i] = 1 + below*5/n
	}
	return q
}

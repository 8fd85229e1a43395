package forecast

import (
	"math"

	"gonum.org/v1/gonum/optimize"
)

// The bounds ets calls "usual": every smoothing parameter in [1e-4, 0.9999],
// β no larger than α and γ no larger than 1−α.
const (
	lowerBound = 1e-4
	upperBound = 0.9999
)

// MinLength is the fewest observations Fit accepts for a kind: two more
// than the model's parameters (counting σ²), and for a seasonal model two
// full seasons, so that the initial season is seen more than once.
func MinLength(kind Kind, period int) int {
	m := Model{Kind: kind, Period: period}
	n := m.Params() + 3
	if kind == AAA && n < 2*period {
		n = 2 * period
	}
	return n
}

// Fit estimates a model of the given kind by maximum likelihood: the
// smoothing parameters and the initial states together, by Nelder-Mead from
// the starting point ets uses, restarted until the likelihood stops
// improving (a restart gets the simplex out of the flat valleys that a
// smoothing parameter near its bound makes).
func Fit(y []float64, kind Kind, period int) (Run, error) {
	if kind != AAA {
		period = 1
	}
	if len(y) < MinLength(kind, period) {
		return Run{}, ErrTooShort
	}
	start := initial(y, kind, period)
	x := pack(start)
	obj := func(x []float64) float64 {
		m, ok := unpack(x, start)
		if !ok {
			return math.Inf(1)
		}
		sse := Filter(y, m).SSE
		if sse <= 0 || math.IsNaN(sse) {
			return math.Inf(1)
		}
		return float64(len(y)) * math.Log(sse)
	}
	// The first search starts like ets's: R's simplex, every vertex 10% of
	// the largest parameter away. ets stops there; we restart from the best
	// point with a fresh simplex until the criterion stops falling, because
	// Nelder-Mead often halts short of the optimum on these surfaces (on
	// austourists ets stops at log-likelihood −201.27, a restart reaches
	// −197.46; docs/decisions/0029-forecasts.md).
	size := 0.0
	for _, v := range x {
		size = max(size, 0.1*math.Abs(v))
	}
	best := obj(x)
	for round := 0; round < 10; round++ {
		res, err := optimize.Minimize(optimize.Problem{Func: obj}, x, &optimize.Settings{
			Converger:       &optimize.FunctionConverge{Relative: 1e-9, Iterations: 60},
			FuncEvaluations: 20000,
		}, &optimize.NelderMead{SimplexSize: size})
		if res == nil || (err != nil && res.F >= best) {
			break
		}
		improved := res.F < best-1e-9
		if res.F < best {
			x, best = res.X, res.F
		}
		if !improved {
			break
		}
		size = 0.01
	}
	m, _ := unpack(x, start)
	return Filter(y, m), nil
}

// Select fits every kind the series is long enough for and returns the one
// with the smallest AICc, as ets chooses among its candidates.
func Select(y []float64, period int) (Run, error) {
	var best Run
	found := false
	for _, k := range []Kind{ANN, AAN, AAA} {
		if k == AAA && period < 2 {
			continue
		}
		r, err := Fit(y, k, period)
		if err != nil {
			continue
		}
		if !found || r.AICc() < best.AICc() {
			best, found = r, true
		}
	}
	if !found {
		return Run{}, ErrTooShort
	}
	return best, nil
}

// initial is the starting point of ets (Hyndman et al. 2008, §2.6.1):
// the seasonal states from a classical additive decomposition of the first
// three seasons, level and trend from a line through the first ten
// seasonally adjusted values (at least two seasons), smoothing parameters
// near their lower bounds.
func initial(y []float64, kind Kind, period int) Model {
	m := Model{Kind: kind, Period: period}
	sa := y
	if kind == AAA {
		seasonal := decompose(y[:min(len(y), 3*period)], period)
		sa = make([]float64, len(y))
		for i := range y {
			sa[i] = y[i] - seasonal[i%period]
		}
		m.Season = make([]float64, period)
		for i := 0; i < period; i++ {
			// Season[period-1] is the state the first observation uses.
			m.Season[period-1-i] = seasonal[i]
		}
		m.Alpha = lowerBound + 0.2*(upperBound-lowerBound)/float64(period)
	} else {
		m.Alpha = lowerBound + 0.2*(upperBound-lowerBound)
	}
	if kind != ANN {
		m.Beta = lowerBound + 0.1*(min(upperBound, m.Alpha)-lowerBound)
	}
	if kind == AAA {
		m.Gamma = lowerBound + 0.05*(min(upperBound, 1-m.Alpha)-lowerBound)
	}
	n := min(max(10, 2*period), len(sa))
	if kind == ANN {
		m.Level = mean(sa[:n])
	} else {
		m.Level, m.Trend = line(sa[:n])
	}
	return m
}

// decompose returns the seasonal figure of a classical additive
// decomposition: the centred moving average of one season is the trend,
// the mean of the detrended values per position, centred on zero, the
// season.
func decompose(y []float64, period int) []float64 {
	sum := make([]float64, period)
	cnt := make([]float64, period)
	half := period / 2
	for t := range y {
		var trend float64
		if period%2 == 0 {
			if t-half < 0 || t+half >= len(y) {
				continue
			}
			trend = (y[t-half] + y[t+half]) / 2
			for j := t - half + 1; j < t+half; j++ {
				trend += y[j]
			}
		} else {
			if t-half < 0 || t+half >= len(y) {
				continue
			}
			for j := t - half; j <= t+half; j++ {
				trend += y[j]
			}
		}
		trend /= float64(period)
		sum[t%period] += y[t] - trend
		cnt[t%period]++
	}
	fig := make([]float64, period)
	for i := range fig {
		if cnt[i] > 0 {
			fig[i] = sum[i] / cnt[i]
		}
	}
	avg := mean(fig)
	for i := range fig {
		fig[i] -= avg
	}
	return fig
}

// line fits y = a + b·t by least squares over t = 1…n and returns the value
// at t = 0 and the slope.
func line(y []float64) (a, b float64) {
	n := float64(len(y))
	var st, sy, stt, sty float64
	for i, v := range y {
		t := float64(i + 1)
		st += t
		sy += v
		stt += t * t
		sty += t * v
	}
	b = (n*sty - st*sy) / (n*stt - st*st)
	a = (sy - b*st) / n
	return a, b
}

func mean(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// pack lays a model's free parameters out as the optimiser's vector; the
// last seasonal state is left out (the states sum to zero).
func pack(m Model) []float64 {
	x := []float64{m.Alpha}
	if m.Kind != ANN {
		x = append(x, m.Beta)
	}
	if m.Kind == AAA {
		x = append(x, m.Gamma)
	}
	x = append(x, m.Level)
	if m.Kind != ANN {
		x = append(x, m.Trend)
	}
	if m.Kind == AAA {
		x = append(x, m.Season[:m.Period-1]...)
	}
	return x
}

// unpack is pack's inverse; ok is false outside the usual bounds.
func unpack(x []float64, like Model) (Model, bool) {
	m := Model{Kind: like.Kind, Period: like.Period}
	i := 0
	next := func() float64 { v := x[i]; i++; return v }
	m.Alpha = next()
	if m.Kind != ANN {
		m.Beta = next()
	}
	if m.Kind == AAA {
		m.Gamma = next()
	}
	m.Level = next()
	if m.Kind != ANN {
		m.Trend = next()
	}
	if m.Kind == AAA {
		m.Season = make([]float64, m.Period)
		sum := 0.0
		for j := 0; j < m.Period-1; j++ {
			m.Season[j] = next()
			sum += m.Season[j]
		}
		m.Season[m.Period-1] = -sum
	}
	ok := m.Alpha >= lowerBound && m.Alpha <= upperBound
	if m.Kind != ANN {
		ok = ok && m.Beta >= lowerBound && m.Beta <= m.Alpha
	}
	if m.Kind == AAA {
		ok = ok && m.Gamma >= lowerBound && m.Gamma <= 1-m.Alpha
	}
	return m, ok
}

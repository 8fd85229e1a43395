// Package forecast holds the mathematics of forecasts: exponential smoothing
// in the additive-error state-space (ETS) form of Hyndman, Koehler, Ord and
// Snyder (2008), fitted by maximum likelihood, with prediction intervals and
// model choice by AICc. It knows nothing of deals or databases.
package forecast

import (
	"errors"
	"math"
)

// Kind names an exponential-smoothing model by its error, trend and season
// components, as R's forecast::ets does.
type Kind string

const (
	// ANN is simple exponential smoothing: additive error, no trend, no season.
	ANN Kind = "ANN"
	// AAN is Holt's linear method: additive error and trend, no season.
	AAN Kind = "AAN"
	// AAA is additive Holt-Winters: additive error, trend and season.
	AAA Kind = "AAA"
)

// Model is one model with all its parameters: smoothing parameters in the
// state-space form (Beta and Gamma multiply the one-step error, so Holt's
// textbook β* is Beta/Alpha) and the initial states.
type Model struct {
	Kind   Kind
	Period int // season length; used by AAA only
	Alpha  float64
	Beta   float64
	Gamma  float64
	Level  float64 // l0
	Trend  float64 // b0
	// Season holds the initial seasonal states newest first: s0, s-1, …,
	// s-(Period-1), so the first observation uses Season[Period-1].
	Season []float64
}

// State is the level, trend and seasonal states after the last observation.
type State struct {
	Level  float64
	Trend  float64
	Season []float64 // newest first
}

// Run is a model filtered over a series.
type Run struct {
	Model     Model
	N         int
	Fitted    []float64
	Residuals []float64
	SSE       float64
	Final     State
}

// ErrTooShort is returned when a series is too short for the model asked.
var ErrTooShort = errors.New("forecast: series too short for the model")

// Filter runs the model's recursions over y and returns the one-step
// fitted values, the residuals and the final state.
func Filter(y []float64, m Model) Run {
	l, b := m.Level, m.Trend
	hasTrend := m.Kind == AAN || m.Kind == AAA
	if !hasTrend {
		b = 0
	}
	var s []float64
	if m.Kind == AAA {
		s = append([]float64(nil), m.Season...)
	}
	r := Run{Model: m, N: len(y), Fitted: make([]float64, len(y)), Residuals: make([]float64, len(y))}
	for t, v := range y {
		mu := l + b
		var old float64
		if s != nil {
			old = s[len(s)-1]
			mu += old
		}
		e := v - mu
		r.Fitted[t], r.Residuals[t] = mu, e
		r.SSE += e * e
		l = l + b + m.Alpha*e
		if hasTrend {
			b += m.Beta * e
		}
		if s != nil {
			copy(s[1:], s[:len(s)-1])
			s[0] = old + m.Gamma*e
		}
	}
	r.Final = State{Level: l, Trend: b, Season: s}
	return r
}

// LogLik is the log-likelihood as R's ets reports it for additive errors:
// −n/2·log(SSE), the Gaussian likelihood with σ² concentrated out and the
// constants dropped.
func (r Run) LogLik() float64 {
	return -0.5 * float64(r.N) * math.Log(r.SSE)
}

// Params is the number of estimated parameters: the smoothing parameters
// and the free initial states (the seasonal states sum to zero, so one of
// them is not free).
func (m Model) Params() int {
	switch m.Kind {
	case ANN:
		return 2
	case AAN:
		return 4
	default:
		return 3 + 2 + m.Period - 1
	}
}

// Sigma2 is the residual variance with the degrees of freedom the fitted
// parameters took, as ets reports it.
func (r Run) Sigma2() float64 {
	df := r.N - r.Model.Params()
	if df <= 0 {
		return math.NaN()
	}
	return r.SSE / float64(df)
}

// AICc is Akaike's criterion corrected for small samples, counting σ² as a
// parameter as ets does.
func (r Run) AICc() float64 {
	k := float64(r.Model.Params() + 1)
	n := float64(r.N)
	if n-k-1 <= 0 {
		return math.Inf(1)
	}
	aic := -2*r.LogLik() + 2*k
	return aic + 2*k*(k+1)/(n-k-1)
}

// Point is one forecast step: the mean and, per asked level, the interval.
type Point struct {
	Mean   float64
	Levels []Interval
}

// Interval is a prediction interval at one coverage level (0.8, 0.95).
type Interval struct {
	Level        float64
	Lower, Upper float64
}

// Forecast returns the next h means with prediction intervals at the given
// levels. The intervals are the analytic ones of the additive-error class:
// var(h) = σ²·(1 + Σ_{j<h} c_j²), c_j = α + βj + γ·[j mod m = 0].
func (r Run) Forecast(h int, levels ...float64) []Point {
	m := r.Model
	sigma2 := r.Sigma2()
	out := make([]Point, h)
	sum := 0.0
	for i := 1; i <= h; i++ {
		mean := r.Final.Level
		if m.Kind != ANN {
			mean += float64(i) * r.Final.Trend
		}
		if m.Kind == AAA {
			p := len(r.Final.Season)
			mean += r.Final.Season[(p-(i%p))%p]
		}
		v := sigma2 * (1 + sum)
		c := m.Alpha
		if m.Kind != ANN {
			c += m.Beta * float64(i)
		}
		if m.Kind == AAA && i%m.Period == 0 {
			c += m.Gamma
		}
		sum += c * c
		pt := Point{Mean: mean}
		for _, lv := range levels {
			z := normalQuantile(0.5 + lv/2)
			d := z * math.Sqrt(v)
			pt.Levels = append(pt.Levels, Interval{Level: lv, Lower: mean - d, Upper: mean + d})
		}
		out[i-1] = pt
	}
	return out
}

// normalQuantile is the standard normal quantile through the inverse error
// function of the standard library.
func normalQuantile(p float64) float64 {
	return math.Sqrt2 * math.Erfinv(2*p-1)
}

// Package clv predicts what customers are worth: the BG/NBD model (Fader,
// Hardie & Lee 2005, "Counting Your Customers the Easy Way") for how many
// purchases a customer will make and whether they are still a customer,
// the Gamma-Gamma model (Fader & Hardie 2013) for what a purchase will be
// worth, and RFM scores and segments. It is pure: summaries in, numbers
// out; the value service feeds it from won deals.
//
// Time is measured in weeks, as in the papers: a customer's summary is the
// number of repeat purchases x, the time of the last one t_x and the age T,
// both counted from the first purchase.
package clv

import (
	"errors"
	"maps"
	"math"
	"slices"

	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/optimize"
)

// Summary is what the models know of one customer.
type Summary struct {
	X     int     // repeat purchases (all purchases but the first)
	Tx    float64 // weeks from the first purchase to the last
	T     float64 // weeks from the first purchase to the end of the period
	Spend float64 // mean value of the repeat purchases (0 when X is 0)
}

// ErrTooLittle says the history holds too few repeat customers to fit a
// model; the caller shows no prediction rather than an invented one.
var ErrTooLittle = errors.New("too little purchase history to fit the model")

// MinRepeatCustomers is the least number of customers with at least one
// repeat purchase that a fit needs. Below it the four (or three)
// parameters rest on a handful of people and the predictions mean little.
const MinRepeatCustomers = 20

// BGNBD holds the fitted parameters of the BG/NBD model: purchase rates
// are gamma(r, alpha) across customers, drop-out probabilities beta(a, b).
type BGNBD struct {
	R         float64 `json:"r"`
	Alpha     float64 `json:"alpha"`
	A         float64 `json:"a"`
	B         float64 `json:"b"`
	LogLik    float64 `json:"log_likelihood"` // at the fit
	Customers int     `json:"customers"`      // how many customers it was fitted on
}

// GammaGamma holds the fitted parameters of the Gamma-Gamma spend model.
type GammaGamma struct {
	P         float64 `json:"p"`
	Q         float64 `json:"q"`
	Gamma     float64 `json:"gamma"`
	LogLik    float64 `json:"log_likelihood"`
	Customers int     `json:"customers"` // repeat customers it was fitted on
}

// repeats counts the customers with a repeat purchase.
func repeats(s []Summary) int {
	n := 0
	for i := range s {
		if s[i].X > 0 {
			n++
		}
	}
	return n
}

// FitBGNBD fits the BG/NBD model by maximum likelihood.
func FitBGNBD(s []Summary) (BGNBD, error) {
	if repeats(s) < MinRepeatCustomers {
		return BGNBD{}, ErrTooLittle
	}
	for i := range s {
		if s[i].X < 0 || s[i].Tx < 0 || s[i].T < 0 || s[i].Tx > s[i].T || math.IsNaN(s[i].Tx+s[i].T) {
			return BGNBD{}, errors.New("clv: a summary needs 0 <= t_x <= T")
		}
	}
	ll := newBGLik(s)
	x, f, err := minimize(ll.eval, []float64{0, 0, 0, 0})
	if err != nil {
		return BGNBD{}, err
	}
	return BGNBD{R: math.Exp(x[0]), Alpha: math.Exp(x[1]), A: math.Exp(x[2]), B: math.Exp(x[3]),
		LogLik: -f * float64(len(s)), Customers: len(s)}, nil
}

// LogLikelihood returns the BG/NBD log-likelihood of s under m.
func (m BGNBD) LogLikelihood(s []Summary) float64 {
	g := make([]float64, 4)
	return -newBGLik(s).eval([]float64{math.Log(m.R), math.Log(m.Alpha), math.Log(m.A), math.Log(m.B)}, g) * float64(len(s))
}

// bgLik evaluates the mean negative log-likelihood and its gradient in
// log-parameters. The parts that depend only on x are summed once per
// distinct x, so a million customers cost a few logarithms each.
type bgLik struct {
	s      []Summary
	counts tally // customers by x
	n      float64
	// log(alpha + T) and log(alpha + t_x) need alpha; they are recomputed
	// per evaluation.
}

func newBGLik(s []Summary) *bgLik {
	c := map[int]float64{}
	for i := range s {
		c[s[i].X]++
	}
	return &bgLik{s: s, counts: tallyOf(c), n: float64(len(s))}
}

// tally is how many customers have each number of repeat purchases, in
// increasing order. A map would be summed in another order each time, and
// floating-point sums in another order differ in their last bits: enough
// for the optimiser to stop elsewhere, and for a recomputation on the same
// purchases to move predicted values by a few cents.
type tally struct {
	x []int
	n []float64
}

func tallyOf(counts map[int]float64) tally {
	t := tally{x: slices.Sorted(maps.Keys(counts))}
	for _, x := range t.x {
		t.n = append(t.n, counts[x])
	}
	return t
}

// eval returns the mean negative log-likelihood at theta = log(r, alpha,
// a, b) and writes its gradient into g.
func (l *bgLik) eval(theta, g []float64) float64 {
	r, al, a, b := math.Exp(theta[0]), math.Exp(theta[1]), math.Exp(theta[2]), math.Exp(theta[3])
	var ll, dr, dal, da, db float64
	lgR, _ := math.Lgamma(r)
	lgB, _ := math.Lgamma(b)
	lgAB, _ := math.Lgamma(a + b)
	psiR, psiB, psiAB := mathext.Digamma(r), mathext.Digamma(b), mathext.Digamma(a+b)
	logAl := math.Log(al)
	for i, x := range l.counts.x {
		fx, n := float64(x), l.counts.n[i]
		lg1, _ := math.Lgamma(r + fx)
		lg2, _ := math.Lgamma(b + fx)
		lg3, _ := math.Lgamma(a + b + fx)
		ll += n * (lg1 - lgR + r*logAl + lgAB + lg2 - lgB - lg3)
		dr += n * (mathext.Digamma(r+fx) - psiR + logAl)
		dal += n * r / al
		psi3 := mathext.Digamma(a + b + fx)
		da += n * (psiAB - psi3)
		db += n * (psiAB + mathext.Digamma(b+fx) - psiB - psi3)
	}
	logA := math.Log(a)
	for i := range l.s {
		c := &l.s[i]
		rx := r + float64(c.X)
		lT := math.Log(al + c.T)
		l3 := -rx * lT
		if c.X == 0 {
			ll += l3
			dr -= lT
			dal -= rx / (al + c.T)
			continue
		}
		lt := math.Log(al + c.Tx)
		bx := b + float64(c.X) - 1
		l4 := logA - math.Log(bx) - rx*lt
		// log(e^l3 + e^l4) and the weight w of the second term.
		hi, lo := l3, l4
		if lo > hi {
			hi, lo = lo, hi
		}
		e := math.Exp(lo - hi)
		ll += hi + math.Log1p(e)
		w := math.Exp(l4-hi) / (1 + e)
		dr += -(1-w)*lT - w*lt
		dal += -(1-w)*rx/(al+c.T) - w*rx/(al+c.Tx)
		da += w / a
		db -= w / bx
	}
	if g != nil {
		g[0], g[1], g[2], g[3] = -dr*r/l.n, -dal*al/l.n, -da*a/l.n, -db*b/l.n
	}
	return -ll / l.n
}

// minimize finds the minimum of f (which writes its gradient) from x0
// with BFGS, remembering the last point so the function and the gradient
// are computed together.
func minimize(f func(x, g []float64) float64, x0 []float64) ([]float64, float64, error) {
	var lastX, lastG []float64
	var lastF float64
	at := func(x []float64) {
		if lastX != nil && slices.Equal(x, lastX) {
			return
		}
		if lastG == nil {
			lastG = make([]float64, len(x))
		}
		lastF = f(x, lastG)
		lastX = append(lastX[:0], x...)
	}
	p := optimize.Problem{
		Func: func(x []float64) float64 { at(x); return lastF },
		Grad: func(grad, x []float64) { at(x); copy(grad, lastG) },
	}
	settings := &optimize.Settings{GradientThreshold: 1e-9, MajorIterations: 500,
		Converger: &optimize.FunctionConverge{Absolute: 1e-12, Relative: 1e-12, Iterations: 20}}
	res, err := optimize.Minimize(p, x0, settings, &optimize.BFGS{})
	if res == nil {
		return nil, 0, err
	}
	if math.IsNaN(res.F) || math.IsInf(res.F, 0) {
		return nil, 0, errors.New("clv: the fit did not converge")
	}
	// A line search that cannot improve further ends with an error while
	// the point is already the optimum to within rounding; keep it.
	return res.X, res.F, nil
}

// ExpectedPurchases is E[X(t)]: the purchases a new customer is expected
// to make in their first t weeks.
func (m BGNBD) ExpectedPurchases(t float64) float64 {
	z := t / (m.Alpha + t)
	h := mathext.Hypergeo(m.R, m.B, m.A+m.B-1, z)
	return (m.A + m.B - 1) / (m.A - 1) * (1 - math.Pow(m.Alpha/(m.Alpha+t), m.R)*h)
}

// ProbabilityAlive is the probability that a customer with summary c has
// not dropped out by the end of the period.
func (m BGNBD) ProbabilityAlive(c Summary) float64 {
	if c.X == 0 {
		return 1
	}
	x := float64(c.X)
	return 1 / (1 + m.A/(m.B+x-1)*math.Exp((m.R+x)*(math.Log(m.Alpha+c.T)-math.Log(m.Alpha+c.Tx))))
}

// ConditionalPurchases is E[Y(t) | x, t_x, T]: the purchases a customer
// with summary c is expected to make in the next t weeks.
func (m BGNBD) ConditionalPurchases(c Summary, t float64) float64 {
	x := float64(c.X)
	z := t / (m.Alpha + c.T + t)
	h := mathext.Hypergeo(m.R+x, m.B+x, m.A+m.B+x-1, z)
	num := (m.A + m.B + x - 1) / (m.A - 1) * (1 - math.Pow((m.Alpha+c.T)/(m.Alpha+c.T+t), m.R+x)*h)
	den := 1.0
	if c.X > 0 {
		den += m.A / (m.B + x - 1) * math.Exp((m.R+x)*(math.Log(m.Alpha+c.T)-math.Log(m.Alpha+c.Tx)))
	}
	return num / den
}

// FitGammaGamma fits the Gamma-Gamma spend model by maximum likelihood
// on the customers with repeat purchases and a positive mean spend.
func FitGammaGamma(s []Summary) (GammaGamma, error) {
	var use []Summary
	for _, c := range s {
		if c.X > 0 && c.Spend > 0 {
			use = append(use, c)
		}
	}
	if len(use) < MinRepeatCustomers {
		return GammaGamma{}, ErrTooLittle
	}
	l := newGGLik(use)
	x, f, err := minimize(l.eval, []float64{0, 0, 0})
	if err != nil {
		return GammaGamma{}, err
	}
	return GammaGamma{P: math.Exp(x[0]), Q: math.Exp(x[1]), Gamma: math.Exp(x[2]),
		LogLik: -f * float64(len(use)), Customers: len(use)}, nil
}

type ggLik struct {
	x, logM, logX []float64 // per customer
	m             []float64
	counts        tally
	n             float64
}

func newGGLik(s []Summary) *ggLik {
	l := &ggLik{n: float64(len(s))}
	counts := map[int]float64{}
	for _, c := range s {
		x := float64(c.X)
		l.x = append(l.x, x)
		l.m = append(l.m, c.Spend)
		l.logM = append(l.logM, math.Log(c.Spend))
		l.logX = append(l.logX, math.Log(x))
		counts[c.X]++
	}
	l.counts = tallyOf(counts)
	return l
}

// eval returns the mean negative log-likelihood at theta = log(p, q,
// gamma) and writes its gradient into g.
func (l *ggLik) eval(theta, g []float64) float64 {
	p, q, gm := math.Exp(theta[0]), math.Exp(theta[1]), math.Exp(theta[2])
	lgQ, _ := math.Lgamma(q)
	psiQ := mathext.Digamma(q)
	logG := math.Log(gm)
	var ll, dp, dq, dg float64
	for i, xi := range l.counts.x {
		x, n := float64(xi), l.counts.n[i]
		a, _ := math.Lgamma(p*x + q)
		b, _ := math.Lgamma(p * x)
		ll += n * (a - b - lgQ + q*logG)
		pa, pb := mathext.Digamma(p*x+q), mathext.Digamma(p*x)
		dp += n * x * (pa - pb)
		dq += n * (pa - psiQ + logG)
		dg += n * q / gm
	}
	for i, x := range l.x {
		px := p * x
		d := x*l.m[i] + gm
		ld := math.Log(d)
		ll += (px-1)*l.logM[i] + px*l.logX[i] - (px+q)*ld
		dp += x * (l.logM[i] + l.logX[i] - ld)
		dq -= ld
		dg -= (px + q) / d
	}
	if g != nil {
		g[0], g[1], g[2] = -dp*p/l.n, -dq*q/l.n, -dg*gm/l.n
	}
	return -ll / l.n
}

// ExpectedSpend is the expected value of a future purchase of a customer
// with summary c: a weighted mean of the population's mean and the
// customer's own, the more purchases the more their own counts. A customer
// without repeat purchases gets the population's mean.
func (m GammaGamma) ExpectedSpend(c Summary) float64 {
	if c.X == 0 || c.Spend <= 0 {
		return m.P * m.Gamma / (m.Q - 1)
	}
	x := float64(c.X)
	return m.P * (m.Gamma + x*c.Spend) / (m.P*x + m.Q - 1)
}

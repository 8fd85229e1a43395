// Package scores keeps the numbers Rapport puts on records to say what is
// likely to happen: a deal's probability of being won and a customer's
// risk of churning, from a logistic regression fitted per workspace on its
// own history, and a lead score summed from rules the administrators set.
// See docs/decisions/0031-scores.md.
package scores

import (
	"errors"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// Model is a fitted logistic regression on standardised features: the
// probability of the outcome is σ(Intercept + Σ Coef[i]·(x[i]−Mean[i])/Scale[i]).
type Model struct {
	Intercept float64   `json:"intercept"`
	Coef      []float64 `json:"coef"`
	Mean      []float64 `json:"mean"`
	Scale     []float64 `json:"scale"`
}

// ErrNoConvergence is returned when IRLS does not settle.
var ErrNoConvergence = errors.New("scores: the fit did not converge")

// Standardise returns the mean and scale (standard deviation, 1 when a
// feature does not vary) of each column of x.
func Standardise(x [][]float64) (mean, scale []float64) {
	if len(x) == 0 {
		return nil, nil
	}
	k := len(x[0])
	mean, scale = make([]float64, k), make([]float64, k)
	n := float64(len(x))
	for _, row := range x {
		for j, v := range row {
			mean[j] += v / n
		}
	}
	for _, row := range x {
		for j, v := range row {
			d := v - mean[j]
			scale[j] += d * d / n
		}
	}
	for j := range scale {
		scale[j] = math.Sqrt(scale[j])
		if scale[j] < 1e-12 {
			scale[j] = 1
		}
	}
	return mean, scale
}

// Fit fits a logistic regression of y (0 or 1) on x by iteratively
// reweighted least squares (Newton's method on the log-likelihood), with an
// L2 penalty lambda on the standardised coefficients (not on the
// intercept). lambda > 0 keeps the fit finite on separable data.
func Fit(x [][]float64, y []float64, lambda float64) (*Model, error) {
	n := len(x)
	if n == 0 || len(y) != n {
		return nil, errors.New("scores: fit needs as many outcomes as rows, and at least one")
	}
	mean, scale := Standardise(x)
	k := len(mean)
	p := k + 1
	// The design matrix: a column of ones, then the standardised features.
	z := mat.NewDense(n, p, nil)
	for i, row := range x {
		z.Set(i, 0, 1)
		for j, v := range row {
			z.Set(i, j+1, (v-mean[j])/scale[j])
		}
	}
	beta := mat.NewVecDense(p, nil)
	eta := mat.NewVecDense(n, nil)
	grad := mat.NewVecDense(p, nil)
	step := mat.NewVecDense(p, nil)
	hess := mat.NewSymDense(p, nil)
	r := mat.NewVecDense(n, nil)
	wz := mat.NewDense(n, p, nil)
	for iter := 0; iter < 100; iter++ {
		eta.MulVec(z, beta)
		for i := 0; i < n; i++ {
			mu := sigmoid(eta.AtVec(i))
			w := math.Max(mu*(1-mu), 1e-10)
			r.SetVec(i, y[i]-mu)
			for j := 0; j < p; j++ {
				wz.Set(i, j, w*z.At(i, j))
			}
		}
		// gradient: Zᵀ(y−μ) − λβ; Hessian: ZᵀWZ + λI (intercept unpenalised).
		grad.MulVec(z.T(), r)
		var h mat.Dense
		h.Mul(z.T(), wz)
		for a := 0; a < p; a++ {
			for b := a; b < p; b++ {
				hess.SetSym(a, b, h.At(a, b))
			}
		}
		for j := 1; j < p; j++ {
			grad.SetVec(j, grad.AtVec(j)-lambda*beta.AtVec(j))
			hess.SetSym(j, j, hess.At(j, j)+lambda)
		}
		var chol mat.Cholesky
		if !chol.Factorize(hess) {
			return nil, ErrNoConvergence
		}
		if err := chol.SolveVecTo(step, grad); err != nil {
			return nil, err
		}
		beta.AddVec(beta, step)
		if mat.Norm(step, math.Inf(1)) < 1e-9 {
			m := &Model{Intercept: beta.AtVec(0), Coef: make([]float64, k), Mean: mean, Scale: scale}
			for j := 0; j < k; j++ {
				m.Coef[j] = beta.AtVec(j + 1)
			}
			return m, nil
		}
	}
	return nil, ErrNoConvergence
}

// Predict returns the probability of the outcome for the features x.
func (m *Model) Predict(x []float64) float64 {
	s := m.Intercept
	for j, v := range x {
		s += m.Coef[j] * (v - m.Mean[j]) / m.Scale[j]
	}
	return sigmoid(s)
}

// Compile folds the standardisation into raw-feature weights, so that
// scoring many rows costs one dot product each: σ(b + w·x).
func (m *Model) Compile() (b float64, w []float64) {
	b = m.Intercept
	w = make([]float64, len(m.Coef))
	for j, c := range m.Coef {
		w[j] = c / m.Scale[j]
		b -= c * m.Mean[j] / m.Scale[j]
	}
	return b, w
}

// LogLikelihood is the log-likelihood of y under m, without the penalty.
func (m *Model) LogLikelihood(x [][]float64, y []float64) float64 {
	ll := 0.0
	for i, row := range x {
		p := m.Predict(row)
		p = math.Min(math.Max(p, 1e-15), 1-1e-15)
		ll += y[i]*math.Log(p) + (1-y[i])*math.Log(1-p)
	}
	return ll
}

func sigmoid(t float64) float64 {
	if t >= 0 {
		return 1 / (1 + math.Exp(-t))
	}
	e := math.Exp(t)
	return e / (1 + e)
}

// AUC is the area under the ROC curve of the scores p for outcomes y: the
// probability that a random positive scores above a random negative, ties
// counting half (the Mann–Whitney statistic). It is NaN when y holds only
// one class.
func AUC(p, y []float64) float64 {
	idx := make([]int, len(p))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		switch {
		case p[a] < p[b]:
			return -1
		case p[a] > p[b]:
			return 1
		}
		return 0
	})
	var pos, neg, rankSum float64
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && p[idx[j]] == p[idx[i]] {
			j++
		}
		avg := float64(i+j+1) / 2 // ranks are 1-based
		for t := i; t < j; t++ {
			if y[idx[t]] > 0.5 {
				rankSum += avg
				pos++
			} else {
				neg++
			}
		}
		i = j
	}
	if pos == 0 || neg == 0 {
		return math.NaN()
	}
	return (rankSum - pos*(pos+1)/2) / (pos * neg)
}

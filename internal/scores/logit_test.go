package scores

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/optimize"
)

// With one binary feature the maximum-likelihood fit reproduces each
// group's share of positives exactly: a closed-form answer to check IRLS
// against.
func TestFitKnownAnswer(t *testing.T) {
	var x [][]float64
	var y []float64
	add := func(v float64, pos, n int) {
		for i := 0; i < n; i++ {
			x = append(x, []float64{v})
			y = append(y, b2f(i < pos))
		}
	}
	add(0, 2, 8) // 25 %
	add(1, 6, 8) // 75 %
	m, err := Fit(x, y, 0)
	if err != nil {
		t.Fatal(err)
	}
	if p := m.Predict([]float64{0}); math.Abs(p-0.25) > 1e-9 {
		t.Errorf("p(x=0) = %v, want 0.25", p)
	}
	if p := m.Predict([]float64{1}); math.Abs(p-0.75) > 1e-9 {
		t.Errorf("p(x=1) = %v, want 0.75", p)
	}
	// On the raw scale the slope is logit(0.75) − logit(0.25) = 2·ln 3;
	// the feature's standard deviation is 0.5.
	if got, want := m.Coef[0]/m.Scale[0], 2*math.Log(3); math.Abs(got-want) > 1e-9 {
		t.Errorf("raw slope = %v, want %v", got, want)
	}
}

// IRLS and a quasi-Newton maximisation of the same penalised likelihood
// must land on the same coefficients.
func TestFitMatchesGradientSolution(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x, y := synthetic(rng, 400, []float64{1.5, -2, 0.3}, 0.5)
	const lambda = 1.0
	m, err := Fit(x, y, lambda)
	if err != nil {
		t.Fatal(err)
	}
	z := make([][]float64, len(x))
	for i, row := range x {
		z[i] = make([]float64, len(row))
		for j, v := range row {
			z[i][j] = (v - m.Mean[j]) / m.Scale[j]
		}
	}
	negLL := func(b []float64) float64 {
		s := 0.0
		for i, row := range z {
			eta := b[0]
			for j, v := range row {
				eta += b[j+1] * v
			}
			s += y[i]*eta - math.Log1p(math.Exp(eta))
		}
		for _, c := range b[1:] {
			s -= lambda / 2 * c * c
		}
		return -s
	}
	grad := func(g, b []float64) {
		for j := range g {
			g[j] = 0
		}
		for i, row := range z {
			eta := b[0]
			for j, v := range row {
				eta += b[j+1] * v
			}
			r := y[i] - sigmoid(eta)
			g[0] -= r
			for j, v := range row {
				g[j+1] -= r * v
			}
		}
		for j := 1; j < len(b); j++ {
			g[j] += lambda * b[j]
		}
	}
	res, err := optimize.Minimize(optimize.Problem{Func: negLL, Grad: grad}, make([]float64, 4), &optimize.Settings{GradientThreshold: 1e-7}, &optimize.BFGS{})
	if res == nil {
		t.Fatal(err)
	}
	// Near the optimum the line search may give up on rounding noise;
	// what counts is that it stopped where the gradient vanishes.
	for _, g := range res.Gradient {
		if math.Abs(g) > 1e-5 {
			t.Fatalf("BFGS stopped away from the optimum (%v): gradient %v", err, res.Gradient)
		}
	}
	want := res.X
	got := append([]float64{m.Intercept}, m.Coef...)
	for j := range want {
		if math.Abs(got[j]-want[j]) > 1e-5 {
			t.Errorf("coefficient %d: IRLS %v, BFGS %v", j, got[j], want[j])
		}
	}
	// The compiled weights score as the model does.
	b, w := m.Compile()
	for _, row := range x[:10] {
		s := b
		for j, v := range row {
			s += w[j] * v
		}
		if math.Abs(sigmoid(s)-m.Predict(row)) > 1e-12 {
			t.Fatalf("compiled %v, model %v", sigmoid(s), m.Predict(row))
		}
	}
}

func TestFitSeparableStaysFinite(t *testing.T) {
	x := [][]float64{{0}, {1}, {2}, {3}, {4}, {5}}
	y := []float64{0, 0, 0, 1, 1, 1}
	m, err := Fit(x, y, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	if math.IsNaN(m.Coef[0]) || math.IsInf(m.Coef[0], 0) || m.Coef[0] <= 0 {
		t.Fatalf("coefficient %v", m.Coef[0])
	}
}

func TestAUC(t *testing.T) {
	// Separable: every positive above every negative.
	if a := AUC([]float64{0.1, 0.2, 0.8, 0.9}, []float64{0, 0, 1, 1}); a != 1 {
		t.Errorf("separable AUC = %v", a)
	}
	// Ties count half.
	if a := AUC([]float64{0.5, 0.5}, []float64{0, 1}); a != 0.5 {
		t.Errorf("tied AUC = %v", a)
	}
	if a := AUC([]float64{0.5, 0.6}, []float64{1, 1}); !math.IsNaN(a) {
		t.Errorf("one class AUC = %v, want NaN", a)
	}
	// A noisy set: the rank formula agrees with counting pairs.
	rng := rand.New(rand.NewPCG(3, 4))
	p, y := make([]float64, 300), make([]float64, 300)
	for i := range p {
		y[i] = b2f(rng.Float64() < 0.4)
		p[i] = math.Round((y[i]*0.8+rng.NormFloat64())*10) / 10 // ties on purpose
	}
	var num, den float64
	for i := range p {
		for j := range p {
			if y[i] == 1 && y[j] == 0 {
				den++
				switch {
				case p[i] > p[j]:
					num++
				case p[i] == p[j]:
					num += 0.5
				}
			}
		}
	}
	if a := AUC(p, y); math.Abs(a-num/den) > 1e-12 {
		t.Errorf("AUC %v, pairs %v", a, num/den)
	}
	// A fitted model on noisy data beats chance on fresh data, short of 1.
	x, yy := synthetic(rng, 2000, []float64{1, -1}, 0)
	m, err := Fit(x[:1000], yy[:1000], 1)
	if err != nil {
		t.Fatal(err)
	}
	pred := make([]float64, 1000)
	for i, row := range x[1000:] {
		pred[i] = m.Predict(row)
	}
	if a := AUC(pred, yy[1000:]); a < 0.7 || a > 0.95 {
		t.Errorf("held-out AUC %v, want between 0.7 and 0.95", a)
	}
}

// synthetic draws n rows of standard normal features and outcomes from a
// logistic model with the given coefficients and intercept.
func synthetic(rng *rand.Rand, n int, coef []float64, intercept float64) ([][]float64, []float64) {
	x, y := make([][]float64, n), make([]float64, n)
	for i := range x {
		row := make([]float64, len(coef))
		eta := intercept
		for j, c := range coef {
			row[j] = rng.NormFloat64()*3 + 10
			eta += c * (row[j] - 10) / 3
		}
		x[i] = row
		y[i] = b2f(rng.Float64() < sigmoid(eta))
	}
	return x, y
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

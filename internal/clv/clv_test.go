package clv

import (
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// cdnow is the folder of the shared CDNOW data, relative to this package.
var cdnow = filepath.Join("..", "..", "..", "shared", "data", "cdnow")

// readSummaries reads a CDNOW summary file: ID, x, t_x, T[, zbar].
func readSummaries(t testing.TB, name string) []Summary {
	t.Helper()
	f, err := os.Open(filepath.Join(cdnow, name))
	if os.IsNotExist(err) {
		t.Skipf("the CDNOW data is absent (%s): skipping the published-results check", filepath.Join(cdnow, name))
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []Summary
	for _, row := range rows[1:] {
		num := func(i int) float64 {
			v, err := strconv.ParseFloat(row[i], 64)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		s := Summary{X: int(num(1)), Tx: num(2), T: num(3)}
		if len(row) > 4 {
			s.Spend = num(4)
		}
		out = append(out, s)
	}
	return out
}

func within(t *testing.T, name string, got, want, rel float64) {
	t.Helper()
	if math.Abs(got-want) > rel*math.Abs(want) {
		t.Errorf("%s = %.5f, published value %.5f (tolerance %.2g%%)", name, got, want, rel*100)
	}
}

// The published BG/NBD fit of the CDNOW sample (Fader, Hardie & Lee 2005).
func TestBGNBDReproducesCDNOW(t *testing.T) {
	s := readSummaries(t, "cdnow_customers_summary.csv")
	m, err := FitBGNBD(s)
	if err != nil {
		t.Fatal(err)
	}
	checkCDNOW(t, m)
}

// checkCDNOW compares a BG/NBD fit with the published values for the CDNOW
// sample; the product's own test through the database calls it too.
func checkCDNOW(t *testing.T, m BGNBD) {
	t.Helper()
	within(t, "r", m.R, 0.24259, 0.01)
	within(t, "alpha", m.Alpha, 4.41360, 0.01)
	within(t, "a", m.A, 0.79292, 0.01)
	within(t, "b", m.B, 2.42589, 0.01)
	within(t, "log-likelihood", m.LogLik, -9582.429, 0.0001)
	within(t, "E[Y(39) | 2, 30.43, 38.86]", m.ConditionalPurchases(Summary{X: 2, Tx: 30.43, T: 38.86}, 39), 1.226, 0.01)
	pub := BGNBD{R: 0.24259, Alpha: 4.41360, A: 0.79292, B: 2.42589}
	for _, c := range []struct{ t, want float64 }{
		{0.1429, 0.0078}, {1, 0.0532}, {3, 0.1506}, {31.8571, 1.0405}, {32, 1.0437}, {78, 1.8576},
	} {
		within(t, "E[X("+strconv.FormatFloat(c.t, 'f', -1, 64)+")] at the published fit", pub.ExpectedPurchases(c.t), c.want, 0.01)
		within(t, "E[X("+strconv.FormatFloat(c.t, 'f', -1, 64)+")] at our fit", m.ExpectedPurchases(c.t), c.want, 0.01)
	}
}

// The published Gamma-Gamma fit (Fader & Hardie 2013) on the 946 repeat
// customers of the CDNOW sample.
func TestGammaGammaReproducesCDNOW(t *testing.T) {
	s := readSummaries(t, "cdnow_customers_summary_with_transactions.csv")
	m, err := FitGammaGamma(s)
	if err != nil {
		t.Fatal(err)
	}
	if m.Customers != 946 {
		t.Errorf("fitted on %d customers, want the 946 repeat customers", m.Customers)
	}
	within(t, "p", m.P, 6.25, 0.01)
	within(t, "q", m.Q, 3.74, 0.01)
	within(t, "gamma", m.Gamma, 15.44, 0.01)
	within(t, "log-likelihood", m.LogLik, -4055.92, 0.001)
	want := []float64{24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17}
	for i, w := range want {
		if got := m.ExpectedSpend(s[i]); math.Abs(got-w) > 0.1 {
			t.Errorf("customer %d: expected spend %.2f, published %.2f", i+1, got, w)
		}
	}
}

func TestTooLittleHistory(t *testing.T) {
	s := []Summary{{X: 1, Tx: 2, T: 10, Spend: 5}, {X: 0, T: 5}}
	if _, err := FitBGNBD(s); err != ErrTooLittle {
		t.Errorf("BG/NBD on two customers: %v, want ErrTooLittle", err)
	}
	if _, err := FitGammaGamma(s); err != ErrTooLittle {
		t.Errorf("Gamma-Gamma on two customers: %v, want ErrTooLittle", err)
	}
}

func TestPredict(t *testing.T) {
	m := Model{BG: BGNBD{R: 0.24259, Alpha: 4.41360, A: 0.79292, B: 2.42589},
		GG: GammaGamma{P: 6.25, Q: 3.74, Gamma: 15.44}}
	active := m.Predict(Summary{X: 5, Tx: 38, T: 39, Spend: 30})
	lapsed := m.Predict(Summary{X: 5, Tx: 5, T: 39, Spend: 30})
	if !(active.Alive > lapsed.Alive && active.Value > lapsed.Value && active.Purchases > lapsed.Purchases) {
		t.Errorf("a customer who bought lately should be worth more than one who stopped: %+v vs %+v", active, lapsed)
	}
	undiscounted := active.Purchases * active.Spend
	if !(active.Value < undiscounted && active.Value > undiscounted*0.9) {
		t.Errorf("discounted value %.2f, undiscounted %.2f", active.Value, undiscounted)
	}
}

func TestRFM(t *testing.T) {
	in := []RFMInput{
		{DaysSince: 1, Purchases: 10, Monetary: 1000},
		{DaysSince: 400, Purchases: 1, Monetary: 10},
		{DaysSince: 5, Purchases: 1, Monetary: 10},
		{DaysSince: 300, Purchases: 8, Monetary: 900},
		{DaysSince: 100, Purchases: 3, Monetary: 200},
	}
	got := ScoreRFM(in)
	want := []RFM{
		{5, 5, 5, "champions"},
		{1, 1, 1, "lost"},
		{4, 1, 1, "promising"},
		{2, 4, 4, "at_risk"},
		{3, 3, 3, "need_attention"},
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("customer %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	for r := 1; r <= 5; r++ {
		for fm := 1; fm <= 5; fm++ {
			if Segment(r, fm, fm) == "" {
				t.Errorf("no segment for R=%d FM=%d", r, fm)
			}
		}
	}
}

// TestFitIsRepeatable fits the same purchases several times: the models
// come out the same to the last bit, so recomputing customer value on
// unchanged purchases changes no predicted value.
func TestFitIsRepeatable(t *testing.T) {
	s := Synthetic(20000, cdnowModel, 78, 3)
	first, err := Fit(s)
	if err != nil {
		t.Fatal(err)
	}
	for range 8 {
		again, err := Fit(s)
		if err != nil {
			t.Fatal(err)
		}
		if again != first {
			t.Fatalf("the same purchases fitted as\n%+v\nand\n%+v", first, again)
		}
	}
}

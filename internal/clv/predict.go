package clv

import "math"

// WeeksPerMonth is the length of an average month in weeks (365.25 / 12 / 7).
const WeeksPerMonth = 365.25 / 12 / 7

// Horizon and discounting of the predicted value: twelve months ahead,
// each month's expected purchases discounted to today at an annual rate of
// 10 %, month by month (docs/decisions/0030-customer-value.md).
const (
	HorizonMonths  = 12
	AnnualDiscount = 0.10
)

// Prediction is what the models say of one customer.
type Prediction struct {
	Purchases float64 // expected purchases in the next 12 months
	Alive     float64 // probability the customer is still a customer
	Spend     float64 // expected value of one purchase
	Value     float64 // predicted value over 12 months, discounted
}

// Model is a fitted pair of models that scores customers.
type Model struct {
	BG BGNBD
	GG GammaGamma
}

// Fit fits both models to s.
func Fit(s []Summary) (Model, error) {
	bg, err := FitBGNBD(s)
	if err != nil {
		return Model{}, err
	}
	gg, err := FitGammaGamma(s)
	if err != nil {
		return Model{}, err
	}
	return Model{BG: bg, GG: gg}, nil
}

// Predict scores one customer. The value sums, month by month, the
// purchases expected in that month times the expected value of a purchase,
// discounted to today.
func (m Model) Predict(c Summary) Prediction {
	monthly := math.Pow(1+AnnualDiscount, 1.0/12) - 1
	spend := m.GG.ExpectedSpend(c)
	var value, prev float64
	for i := 1; i <= HorizonMonths; i++ {
		cum := m.BG.ConditionalPurchases(c, float64(i)*WeeksPerMonth)
		value += (cum - prev) * spend / math.Pow(1+monthly, float64(i))
		prev = cum
	}
	return Prediction{Purchases: prev, Alive: m.BG.ProbabilityAlive(c), Spend: spend, Value: value}
}

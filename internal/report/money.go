package report

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/rapport-crm/rapport/internal/sales"
)

// adder sums amounts of many currencies into the base currency, each at
// the rate of its own day. A currency without a rate on a day is left out
// of the sum and named in Unconverted, never summed as if it were base.
type adder struct {
	conv        *sales.Converter
	hidden      bool // the role hides the deals' value: no sum at all
	unconverted []string
}

func (s *Service) adder(ctx context.Context, sc *scope) (*adder, error) {
	conv, err := s.sales.Converter(ctx)
	if err != nil {
		return nil, err
	}
	return &adder{conv: conv, hidden: sc.hidden["value"]}, nil
}

// base is the base currency.
func (ad *adder) base() string { return ad.conv.Base }

// zero is a sum of nothing, or nil when the role hides the value.
func (ad *adder) zero() *sales.Money {
	if ad.hidden {
		return nil
	}
	return &sales.Money{Currency: ad.conv.Base}
}

// add converts amount of currency at the rate of day (YYYY-MM-DD) and adds
// it to each of the sums.
func (ad *adder) add(ctx context.Context, currency, day string, amount int64, to ...*sales.Money) error {
	if ad.hidden || currency == "" || amount == 0 {
		return nil
	}
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		d = time.Now()
	}
	m, err := ad.conv.Convert(ctx, sales.Money{Amount: amount, Currency: currency}, d)
	if errors.Is(err, sales.ErrNoRate) {
		if !slices.Contains(ad.unconverted, currency) {
			ad.unconverted = append(ad.unconverted, currency)
			slices.Sort(ad.unconverted)
		}
		return nil
	}
	if err != nil {
		return err
	}
	for _, t := range to {
		if t != nil {
			t.Amount += m.Amount
		}
	}
	return nil
}

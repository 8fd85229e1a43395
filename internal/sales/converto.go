package sales

import (
	"context"
	"fmt"
	"math/big"
	"time"

	"github.com/rapport-crm/rapport/internal/fault"
)

// ConvertTo returns m in the currency to at the rates in force on day:
// through the base currency, so that any two currencies with a rate each
// convert. Goals name their own currency, which need not be the base.
func (c *Converter) ConvertTo(ctx context.Context, m Money, to string, day time.Time) (Money, error) {
	if m.Currency == to {
		return m, nil
	}
	base, err := c.Convert(ctx, m, day)
	if err != nil || to == c.Base {
		return base, err
	}
	// One unit of to is worth rate units of the base: read it through
	// the converter's memory of rates, which Convert fills.
	one, err := c.rateOf(ctx, to, day)
	if err != nil {
		return Money{}, err
	}
	v := new(big.Rat).Quo(new(big.Rat).SetInt64(base.Amount), one)
	v.Mul(v, scale(to, c.Base))
	amount, ok := round(v)
	if !ok {
		return Money{}, fault.Errorf(fault.EINVALID, "the converted amount is too large")
	}
	return Money{Amount: amount, Currency: to}, nil
}

// rateOf is how many units of the base one unit of code was worth on day.
func (c *Converter) rateOf(ctx context.Context, code string, day time.Time) (*big.Rat, error) {
	date := day.UTC().Format(time.DateOnly)
	key := code + "@" + date
	if rate, ok := c.rates[key]; ok {
		if rate == nil {
			return nil, fmt.Errorf("%w for %s on %s", ErrNoRate, code, date)
		}
		return rate, nil
	}
	// Convert reads and remembers the rate; its result is not needed.
	if _, err := c.Convert(ctx, Money{Amount: 1, Currency: code}, day); err != nil {
		return nil, err
	}
	return c.rates[key], nil
}

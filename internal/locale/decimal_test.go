package locale

import (
	"encoding/json"
	"testing"
)

// TestDecimal writes minor units in major units with each currency's
// decimals.
func TestDecimal(t *testing.T) {
	for _, c := range []struct {
		amount any
		code   string
		want   string
	}{
		{int64(2500), "EUR", "25.00"},
		{int64(5), "EUR", "0.05"},
		{int64(-1999), "USD", "-19.99"},
		{float64(2500), "JPY", "2500"},
		{json.Number("123456"), "KWD", "123.456"},
		{int64(0), "EUR", "0.00"},
	} {
		if got := Decimal(c.amount, c.code); got != c.want {
			t.Errorf("Decimal(%v, %s) = %q, want %q", c.amount, c.code, got, c.want)
		}
	}
}

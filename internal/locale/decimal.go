package locale

import (
	"encoding/json"
	"fmt"

	"golang.org/x/text/currency"
)

// Decimal writes an amount in minor units as a plain decimal in major
// units, with as many decimals as the currency has (two for EUR, none for
// JPY): the form of money in exports and form inputs, the same in every
// language.
func Decimal(amount any, code string) string {
	var minor int64
	switch a := amount.(type) {
	case int64:
		minor = a
	case float64:
		minor = int64(a)
	case json.Number:
		minor, _ = a.Int64()
	}
	scale := 2
	if unit, err := currency.ParseISO(code); err == nil {
		scale, _ = currency.Standard.Rounding(unit)
	}
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	digits := fmt.Sprintf("%0*d", scale+1, minor)
	if scale == 0 {
		return sign + digits
	}
	return sign + digits[:len(digits)-scale] + "." + digits[len(digits)-scale:]
}

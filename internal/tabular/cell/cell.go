// Package cell cleans the values of imported cells into the forms the
// records engine takes: dates, numbers, money, lists, e-mail addresses
// and phone numbers. Each cleaner returns the value or an error that says
// what is wrong with it; a column whose values can be read two ways (day
// or month first, comma or point as the decimal mark) is decided over the
// whole column, and reported as ambiguous when nothing in it decides.
package cell

import (
	"errors"
	"fmt"
)

// Errors the cleaners wrap; test for them with errors.Is.
var (
	ErrInvalid   = errors.New("invalid value")
	ErrAmbiguous = errors.New("ambiguous value")
)

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

func ambiguous(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrAmbiguous, fmt.Sprintf(format, args...))
}

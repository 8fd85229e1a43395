// Package fault defines the domain errors that services return. One
// function in the api package maps them to HTTP statuses, so no layer below
// HTTP needs to know about status codes.
package fault

import (
	"errors"
	"fmt"
)

// Error codes, in the style of WTF Dial: short, stable, and independent of
// the transport that reports them.
const (
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	ECONFLICT     = "conflict"
	EFORBIDDEN    = "forbidden"
	EUNAUTHORIZED = "unauthorized"
	ETOOLARGE     = "too_large"
	EINTERNAL     = "internal"
)

// FieldError names one field and what is wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error is a domain error with a code, a human message and, for invalid
// input, the list of fields at fault.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return e.Message
	}
	return fmt.Sprintf("%s: %s %s", e.Message, e.Fields[0].Field, e.Fields[0].Message)
}

// Errorf returns an Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error that lists the given field errors.
func Invalid(fields ...FieldError) *Error {
	return &Error{Code: EINVALID, Message: "the input is not valid", Fields: fields}
}

// Field returns an EINVALID error about one field.
func Field(field, code, format string, args ...any) *Error {
	return Invalid(FieldError{Field: field, Code: code, Message: fmt.Sprintf(format, args...)})
}

// Code returns the code of err, EINTERNAL for errors that are not domain
// errors, and "" for nil.
func Code(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// Is reports whether err carries the given code.
func Is(err error, code string) bool { return Code(err) == code }

// Collector gathers field errors during validation so that a caller sees
// every problem at once rather than one per round trip.
type Collector struct{ fields []FieldError }

// Add records a problem with one field.
func (c *Collector) Add(field, code, format string, args ...any) {
	c.fields = append(c.fields, FieldError{Field: field, Code: code, Message: fmt.Sprintf(format, args...)})
}

// Include records fe, a problem found by a check elsewhere, when there is
// one.
func (c *Collector) Include(fe *FieldError) {
	if fe != nil {
		c.fields = append(c.fields, *fe)
	}
}

// Err returns the collected errors as one EINVALID error, or nil.
func (c *Collector) Err() error {
	if len(c.fields) == 0 {
		return nil
	}
	return Invalid(c.fields...)
}

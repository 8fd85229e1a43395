package input

import (
	"net/url"
	"strings"

	"github.com/rapport-crm/rapport/internal/fault"
)

// Query parses a URL's raw query as url.ParseQuery does, but refuses what
// url.ParseQuery drops without a word (a pair with a malformed %-escape, a
// pair joined by ";") and what no parameter may hold (see Line), naming
// the parameter. Dropping a pair would silently drop a filter or a cursor
// and answer with the wrong records.
func Query(raw string) (url.Values, *fault.FieldError) {
	v := url.Values{}
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		rawKey, rawValue, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(rawKey)
		if err != nil {
			return nil, &fault.FieldError{Field: rawKey, Code: "encoding",
				Message: "is not a well-formed parameter name: " + escapeProblem(err)}
		}
		if strings.Contains(pair, ";") {
			return nil, &fault.FieldError{Field: key, Code: "format",
				Message: `holds ";": separate parameters with "&", and write ";" in a value as %3B`}
		}
		value, err := url.QueryUnescape(rawValue)
		if err != nil {
			return nil, &fault.FieldError{Field: key, Code: "encoding",
				Message: "is not a well-formed value: " + escapeProblem(err)}
		}
		if key == "" {
			return nil, &fault.FieldError{Field: "", Code: "format", Message: "a query parameter has no name"}
		}
		if fe := Line(Shown(key), key); fe != nil {
			fe.Message = "the name " + fe.Message
			return nil, fe
		}
		if fe := Line(key, value); fe != nil {
			return nil, fe
		}
		v[key] = append(v[key], value)
	}
	return v, nil
}

func escapeProblem(err error) string {
	if e, ok := err.(url.EscapeError); ok {
		return "%" + strings.TrimPrefix(string(e), "%") + ` is not a %-escape; write "%" itself as %25`
	}
	return err.Error()
}

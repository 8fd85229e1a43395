package records

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/fault"
)

// Decoding errors are reported in the words of JSON (a string, an array of
// strings, an object), never in those of the Go types behind them.

// valueError reports the errors of a value that encoding/json reads
// itself, such as a time, which say what is wrong in Go's words and not
// where; nil for any other error.
func valueError(data []byte, v any, err error) error {
	var parse *time.ParseError
	var message string
	switch {
	case asErr(err, &parse) || strings.HasPrefix(err.Error(), "Time.UnmarshalJSON"):
		message = "must be a date and time such as 2026-01-31T09:30:00Z"
	case strings.Contains(err.Error(), "invalid number literal"):
		message = "must be a number"
	default:
		return nil
	}
	return fault.Field(fieldOf(data, v), "type", "%s", message)
}

// jsonType names the JSON values that decode into t.
func jsonType(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == reflect.TypeFor[json.Number]():
		return "a number"
	case t == reflect.TypeFor[time.Time]():
		return "a date and time such as 2026-01-31T09:30:00Z"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		elem := strings.TrimPrefix(strings.TrimPrefix(jsonType(t.Elem()), "a "), "an ")
		switch elem {
		case "true or false":
			elem = "boolean"
		case "JSON value":
			elem = "value"
		}
		if strings.HasPrefix(elem, "date and time") {
			elem = "date and time"
		}
		return "an array of " + elem + "s"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a JSON value"
}

// fieldOf names the key of the JSON object data whose value makes decoding
// into v fail, for the errors that encoding/json does not place (a time
// that does not parse, a string that is no number): each key is decoded
// on its own until one fails.
func fieldOf(data []byte, v any) string {
	var m map[string]json.RawMessage
	t := reflect.TypeOf(v)
	if json.Unmarshal(data, &m) != nil || t.Kind() != reflect.Pointer {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		one, _ := json.Marshal(map[string]json.RawMessage{k: m[k]})
		if json.Unmarshal(one, reflect.New(t.Elem()).Interface()) != nil {
			return k
		}
	}
	return ""
}

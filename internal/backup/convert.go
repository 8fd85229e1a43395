package backup

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/rapport-crm/rapport/internal/store"
)

// convert turns a value read from a backup (nil, bool, json.Number or
// string from JSON lines; int64, float64 or string from a SQLite file,
// after encode) into what the target column of kind k takes on dialect d. A
// backup from either database holds booleans as true/false or 0/1, and
// times as text; the target's column says which they are.
func convert(v any, k kind, d store.Dialect) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case int64:
		switch k {
		case kindInt:
			return x, nil
		case kindBool:
			return x != 0, nil
		}
		v = json.Number(strconv.FormatInt(x, 10))
	case float64:
		if k == kindFloat {
			return x, nil
		}
		b, err := json.Marshal(x) // the text a backup of JSON lines holds
		if err != nil {
			return nil, err
		}
		v = json.Number(b)
	}
	switch k {
	case kindInt:
		switch x := v.(type) {
		case json.Number:
			return strconv.ParseInt(string(x), 10, 64)
		case bool:
			return boolInt(x), nil
		}
	case kindFloat:
		if x, ok := v.(json.Number); ok {
			return strconv.ParseFloat(string(x), 64)
		}
	case kindNumeric:
		s := fmt.Sprint(v) // a number, or PostgreSQL's text of one
		if d == store.Postgres {
			var n pgtype.Numeric
			err := n.Scan(s)
			return n, err
		}
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i, nil
		}
		return strconv.ParseFloat(s, 64)
	case kindBool:
		switch x := v.(type) {
		case bool:
			return x, nil
		case json.Number:
			return x != "0", nil
		}
	case kindTime:
		if s, ok := v.(string); ok {
			if t, ok := store.ParseTime(s); ok {
				return t, nil
			}
			return nil, fmt.Errorf("%q is not a time", s)
		}
	case kindTSVector:
		if s, ok := v.(string); ok {
			var t pgtype.TSVector
			err := t.Scan(s)
			return t, err
		}
	default: // text, JSON and the rest are text on both databases
		switch x := v.(type) {
		case string:
			return x, nil
		case json.Number:
			return string(x), nil
		case bool:
			return strconv.FormatBool(x), nil
		}
	}
	return nil, fmt.Errorf("%v (%T) does not fit a column of kind %d", v, v, k)
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

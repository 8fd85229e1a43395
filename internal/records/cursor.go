package records

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/store"
)

// A cursor is the position after the last record of a page: the sort it
// was made for and the sort value and id of that record. It is opaque to
// clients.
type cursor struct {
	Sort   string `json:"s"`
	Values []any  `json:"v"`
}

// position is a place in a list's order: the sort key's value (nil for
// NULL, absent when the list is in id order) and the id.
type position struct {
	key any
	id  int64
}

func encodeCursor(sort string, p position, keyed bool) string {
	vals := []any{p.id}
	if keyed {
		k := p.key
		switch x := k.(type) {
		case []byte:
			k = string(x)
		case time.Time:
			k = x.UTC().Format(time.RFC3339Nano)
		}
		vals = []any{k, p.id}
	}
	b, _ := json.Marshal(cursor{Sort: sort, Values: vals})
	return base64.RawURLEncoding.EncodeToString(b)
}

func badCursor() error {
	return fault.Field("cursor", "cursor", "is not a cursor from this list with this sort; start again without it")
}

// decodeCursor reads a cursor made for the sort o, converting its key
// back to what the key's SQL compares with.
func (e *Engine) decodeCursor(token string, o order) (*position, error) {
	if token == "" {
		return nil, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) > 8192 {
		return nil, badCursor()
	}
	var c cursor
	d := json.NewDecoder(strings.NewReader(string(raw)))
	d.UseNumber()
	want := 1
	if o.keyed() {
		want = 2
	}
	if err := d.Decode(&c); err != nil || c.Sort != o.name || len(c.Values) != want {
		return nil, badCursor()
	}
	n, ok := c.Values[len(c.Values)-1].(json.Number)
	if !ok {
		return nil, badCursor()
	}
	id, err := n.Int64()
	if err != nil {
		return nil, badCursor()
	}
	p := &position{id: id}
	if o.keyed() && c.Values[0] != nil {
		if p.key, err = e.keyValue(o, c.Values[0]); err != nil {
			return nil, badCursor()
		}
	}
	return p, nil
}

// keyValue converts a sort value read back from a cursor.
func (e *Engine) keyValue(o order, v any) (any, error) {
	if o.side != nil {
		switch x := v.(type) {
		case string:
			if o.side.numeric {
				return nil, badCursor()
			}
			return e.filterValue(&Field{Type: Text}, x)
		case json.Number:
			if !o.side.numeric {
				return nil, badCursor()
			}
			if n, err := x.Int64(); err == nil {
				return n, nil
			}
			return x.Float64()
		}
		return nil, badCursor()
	}
	f := o.field
	switch {
	case f.folded:
		if _, ok := v.(string); !ok {
			return nil, badCursor()
		}
		return e.filterValue(&Field{Type: Text}, v)
	case f.Type == DateTime && !f.Custom:
		s, _ := v.(string)
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			if t, err = time.Parse(store.TimeLayout, s); err != nil {
				return nil, err
			}
		}
		return e.db.Dialect.Time(t), nil
	case f.Type == Boolean && e.db.Dialect == store.SQLite:
		n, ok := v.(json.Number)
		if !ok {
			return nil, badCursor()
		}
		return n.Int64()
	}
	return e.filterValue(f, v)
}

// scanPosition reads the sort value and id a query selected after a
// record's columns.
func scanPosition(key any, id int64) position {
	if b, ok := key.([]byte); ok {
		key = string(b)
	}
	return position{key: key, id: id}
}

// numericKey turns a number PostgreSQL returned as text (a NUMERIC) into
// a number, so that a cursor keeps it as one.
func numericKey(p position) position {
	if s, ok := p.key.(string); ok {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			p.key = n
		} else if x, err := strconv.ParseFloat(s, 64); err == nil {
			p.key = x
		}
	}
	return p
}

// after is the condition that a row comes strictly after p in order o.
// key is the SQL of the sort key and id of the id. NULLs come first when
// ascending and last when descending. The first part is a plain range on
// the key whenever that is exact, so that an index walk starts at p
// rather than at the beginning.
func after(o order, key, id string, p *position) clause {
	if p == nil {
		return clause{}
	}
	gt, lt := ">", "<"
	if o.desc {
		gt, lt = lt, gt
	}
	if !o.keyed() {
		return clause{sql: id + " " + gt + " ?", args: []any{p.id}}
	}
	switch {
	case p.key == nil && !o.desc:
		// After NULL: the other NULLs with a greater id, then every value.
		return clause{sql: "((" + key + " IS NULL AND " + id + " > ?) OR " + key + " IS NOT NULL)", args: []any{p.id}}
	case p.key == nil:
		return clause{sql: key + " IS NULL AND " + id + " < ?", args: []any{p.id}}
	case !o.desc:
		return clause{sql: key + " >= ? AND (" + key + " > ? OR " + id + " > ?)", args: []any{p.key, p.key, p.id}}
	case o.nullable:
		return clause{sql: "(" + key + " < ? OR (" + key + " = ? AND " + id + " < ?) OR " + key + " IS NULL)",
			args: []any{p.key, p.key, p.id}}
	}
	return clause{sql: key + " <= ? AND (" + key + " < ? OR " + id + " < ?)", args: []any{p.key, p.key, p.id}}
}

// upTo is the condition that a row comes at or before p in order o.
func upTo(o order, key, id string, p *position) clause {
	if p == nil {
		return clause{}
	}
	switch {
	case !o.keyed() && o.desc:
		return clause{sql: id + " >= ?", args: []any{p.id}}
	case !o.keyed():
		return clause{sql: id + " <= ?", args: []any{p.id}}
	case p.key == nil && !o.desc:
		return clause{sql: key + " IS NULL AND " + id + " <= ?", args: []any{p.id}}
	case p.key == nil:
		return clause{sql: "(" + key + " IS NOT NULL OR " + id + " >= ?)", args: []any{p.id}}
	case o.desc:
		return clause{sql: key + " >= ? AND (" + key + " > ? OR " + id + " >= ?)", args: []any{p.key, p.key, p.id}}
	case o.nullable:
		return clause{sql: "(" + key + " IS NULL OR " + key + " < ? OR (" + key + " = ? AND " + id + " <= ?))",
			args: []any{p.key, p.key, p.id}}
	}
	return clause{sql: key + " <= ? AND (" + key + " < ? OR " + id + " <= ?)", args: []any{p.key, p.key, p.id}}
}

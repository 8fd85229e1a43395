package export

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/records"
)

// cell is a value as one cell of text, as Text writes it. A stored JSON
// value that an export reads as text (records.JSONText) is turned into
// its cell straight from the text when it has one of the common shapes,
// and decoded first otherwise; an error is a value that is not JSON, which
// reading it decoded would have failed on too.
func cell(v any) (string, error) {
	t, ok := v.(records.JSONText)
	if !ok {
		return Text(v), nil
	}
	if s, ok := jsonCell(string(t)); ok {
		return s, nil
	}
	x, err := t.Value()
	if err != nil {
		return "", err
	}
	return Text(x), nil
}

// jsonCell is Text of the decoded JSON text for the shapes stored fields
// mostly have: null, a list of strings (tags), a list of objects with a
// string "value" (e-mail addresses, phones, profiles) and an address.
// Strings must be plain (no escapes, valid UTF-8) and every other value a
// string, a boolean or null. ok is false for anything else, which the
// caller decodes.
func jsonCell(text string) (string, bool) {
	c := jsonCells{s: text}
	c.space()
	var out string
	var ok bool
	switch c.peek() {
	case 'n':
		out, ok = "", c.literal("null")
	case '[':
		out, ok = c.list()
	case '{':
		out, ok = c.address()
	}
	c.space()
	return out, ok && c.i == len(c.s)
}

// jsonCells reads JSON text for jsonCell.
type jsonCells struct {
	s     string
	i     int
	parts []string
}

func (c *jsonCells) space() {
	for c.i < len(c.s) && (c.s[c.i] == ' ' || c.s[c.i] == '\t' || c.s[c.i] == '\n' || c.s[c.i] == '\r') {
		c.i++
	}
}

func (c *jsonCells) peek() byte {
	if c.i < len(c.s) {
		return c.s[c.i]
	}
	return 0
}

// next skips space and reads b, if it comes next.
func (c *jsonCells) next(b byte) bool {
	c.space()
	if c.peek() == b {
		c.i++
		return true
	}
	return false
}

func (c *jsonCells) literal(word string) bool {
	if strings.HasPrefix(c.s[c.i:], word) {
		c.i += len(word)
		return true
	}
	return false
}

// str reads a plain string.
func (c *jsonCells) str() (string, bool) {
	if !c.next('"') {
		return "", false
	}
	start := c.i
	for c.i < len(c.s) {
		switch b := c.s[c.i]; {
		case b == '"':
			s := c.s[start:c.i]
			c.i++
			return s, utf8.ValidString(s)
		case b == '\\' || b < 0x20:
			return "", false
		}
		c.i++
	}
	return "", false
}

// The kinds of scalar.
const (
	jsonString = iota + 1
	jsonBool
	jsonNull
)

// scalar reads a plain string, a boolean or null, and tells which.
func (c *jsonCells) scalar() (s string, kind int, ok bool) {
	c.space()
	switch c.peek() {
	case '"':
		s, ok = c.str()
		return s, jsonString, ok
	case 't':
		return "", jsonBool, c.literal("true")
	case 'f':
		return "", jsonBool, c.literal("false")
	case 'n':
		return "", jsonNull, c.literal("null")
	}
	return "", 0, false
}

// members reads an object's members, calling fn with each key and value;
// fn answers whether the member is one the shape allows.
func (c *jsonCells) members(fn func(key, value string, kind int) bool) bool {
	if !c.next('{') {
		return false
	}
	if c.next('}') {
		return true
	}
	for {
		key, ok := c.str()
		if !ok || !c.next(':') {
			return false
		}
		value, kind, ok := c.scalar()
		if !ok || !fn(key, value, kind) {
			return false
		}
		if c.next('}') {
			return true
		}
		if !c.next(',') {
			return false
		}
	}
}

// list reads a list of strings or of objects with a string "value", and
// joins them as Text does.
func (c *jsonCells) list() (string, bool) {
	c.i++ // [
	c.parts = c.parts[:0]
	if c.next(']') {
		return "", true
	}
	for {
		c.space()
		switch c.peek() {
		case '"':
			s, ok := c.str()
			if !ok {
				return "", false
			}
			c.parts = append(c.parts, s)
		case '{':
			// The last "value" counts, as in the decoded map.
			value, has := "", false
			ok := c.members(func(key, v string, kind int) bool {
				if key == "value" {
					value, has = v, kind == jsonString
				}
				return true
			})
			if !ok || !has {
				return "", false
			}
			c.parts = append(c.parts, value)
		default:
			return "", false
		}
		if c.next(']') {
			return strings.Join(c.parts, "; "), true
		}
		if !c.next(',') {
			return "", false
		}
	}
}

// address reads an object of address parts, strings or null, and joins
// the parts as Text does.
func (c *jsonCells) address() (string, bool) {
	var parts [5]string
	ok := c.members(func(key, v string, kind int) bool {
		i := slices.Index(addressKeys, key)
		if i < 0 || kind == jsonBool {
			return false
		}
		parts[i] = v // null leaves "", as the decoded map's nil does
		return true
	})
	if !ok {
		return "", false
	}
	c.parts = c.parts[:0]
	for _, p := range parts {
		if p != "" {
			c.parts = append(c.parts, p)
		}
	}
	return strings.Join(c.parts, ", "), true
}

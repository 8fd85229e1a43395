package input

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/fault"
)

// JSON checks every string of a JSON document, naming the first one at
// fault by its path (contacts[0].name). Keys are names and checked as Line;
// values may be running text and are checked as Text, so a service still
// checks the values it keeps as names. encoding/json would quietly turn
// invalid UTF-8 and unpaired surrogate escapes (\ud800) into U+FFFD, so
// strings are read from the raw bytes here. A document that is not
// well-formed is left to the decoder that reads it, which says where it
// breaks.
func JSON(doc []byte) *fault.FieldError {
	if !json.Valid(doc) {
		return nil
	}
	// A scan of a document known to be well-formed: it only needs to
	// tell keys from values and know where each string stands.
	var stack []frame
	for i := 0; i < len(doc); {
		switch c := doc[i]; c {
		case '{', '[':
			stack = append(stack, frame{object: c == '{', wantKey: c == '{'})
			i++
		case '}', ']':
			stack = stack[:len(stack)-1]
			next(stack)
			i++
		case '"':
			end := stringEnd(doc, i)
			s, fe := unquote(doc[i+1 : end-1])
			i = end
			if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].wantKey {
				stack[n-1].key, stack[n-1].wantKey = s, false
				if fe == nil {
					if fe = Line("", s); fe != nil {
						fe.Message = "a key " + fe.Message
					}
				}
				if fe != nil {
					return at(fe, stack)
				}
				continue
			}
			if fe == nil {
				fe = Text("", s)
			}
			if fe != nil {
				return at(fe, stack)
			}
			next(stack)
		case ',', ':', ' ', '\t', '\n', '\r':
			i++
		default: // a number, true, false or null
			for i < len(doc) && !strings.ContainsRune(",]} \t\n\r", rune(doc[i])) {
				i++
			}
			next(stack)
		}
	}
	return nil
}

// frame is one open object or array on the way to the current value.
type frame struct {
	object  bool
	wantKey bool   // an object awaits a key, not a value
	key     string // an object's current key
	index   int    // an array's current index
}

// next moves the innermost frame past the value just read.
func next(stack []frame) {
	if len(stack) == 0 {
		return
	}
	f := &stack[len(stack)-1]
	if f.object {
		f.wantKey = true
	} else {
		f.index++
	}
}

// at names the value a problem was found in; the path is only written
// out then, since almost every document has none.
func at(fe *fault.FieldError, stack []frame) *fault.FieldError {
	fe.Field = pathOf(stack)
	return fe
}

// pathOf names the value the innermost frame is at, as field errors name
// fields: items[2].price.currency.
func pathOf(stack []frame) string {
	var b strings.Builder
	for _, f := range stack {
		if !f.object {
			b.WriteString("[" + strconv.Itoa(f.index) + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(Shown(f.key))
	}
	return b.String()
}

// Shown is s as it can be shown in a field name: printable characters as
// they are, escapes for anything else, so that an error can name a key or
// parameter whose name is itself at fault.
func Shown(s string) string {
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

// stringEnd returns the index just past the string literal that starts at
// doc[i].
func stringEnd(doc []byte, i int) int {
	for j := i + 1; j < len(doc); j++ {
		switch doc[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(doc)
}

// unquote decodes the inside of a string literal of a well-formed
// document. The string must be UTF-8 and its \u escapes whole characters;
// when it is not, the literal is returned as it stands, to name a key by.
func unquote(lit []byte) (string, *fault.FieldError) {
	if !utf8.Valid(lit) {
		i := 0
		for i < len(lit) {
			r, size := utf8.DecodeRune(lit[i:])
			if r == utf8.RuneError && size == 1 {
				break
			}
			i += size
		}
		return string(lit), &fault.FieldError{Code: "encoding",
			Message: "must be valid UTF-8; byte " + strconv.Itoa(i+1) + " of the string is not"}
	}
	if bytes.IndexByte(lit, '\\') < 0 {
		return string(lit), nil
	}
	out := make([]byte, 0, len(lit))
	for i := 0; i < len(lit); i++ {
		if lit[i] != '\\' {
			out = append(out, lit[i])
			continue
		}
		i++
		switch lit[i] {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r := hex4(lit[i+1 : i+5])
			i += 4
			if utf16.IsSurrogate(r) {
				low := rune(-1)
				if r < 0xdc00 && i+6 < len(lit) && lit[i+1] == '\\' && lit[i+2] == 'u' {
					low = hex4(lit[i+3 : i+7])
				}
				if low < 0xdc00 || low > 0xdfff {
					return string(lit), &fault.FieldError{Code: "encoding",
						Message: "holds \\u" + string(lit[i-3:i+1]) + ", half of a UTF-16 surrogate pair, which is not a character"}
				}
				r = utf16.DecodeRune(r, low)
				i += 6
			}
			out = utf8.AppendRune(out, r)
		default: // " \ /
			out = append(out, lit[i])
		}
	}
	return string(out), nil
}

// hex4 reads four hex digits, which a well-formed document has.
func hex4(b []byte) rune {
	n, _ := strconv.ParseUint(string(b), 16, 32)
	return rune(n)
}

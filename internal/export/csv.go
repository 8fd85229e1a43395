package export

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/analysis"
	"github.com/rapport-crm/rapport/internal/records"
)

// csvWriter writes one line per record, each field as text made safe.
// It writes what encoding/csv writes, but builds each line in one buffer:
// at a million records, encoding/csv's writes field by field and the
// slice of cells each line takes were a large part of the export.
type csvWriter struct {
	w      *bufio.Writer
	fields []*records.Field
	line   []byte
}

func newCSV(w io.Writer, fields []*records.Field, head []string) (*csvWriter, error) {
	c := &csvWriter{w: bufio.NewWriter(w), fields: fields}
	return c, c.writeLine(safeAll(head))
}

func (c *csvWriter) writeLine(cells []string) error {
	c.line = c.line[:0]
	for i, s := range cells {
		if i > 0 {
			c.line = append(c.line, ',')
		}
		c.line = appendCSV(c.line, s)
	}
	_, err := c.w.Write(append(c.line, '\n'))
	return err
}

func (c *csvWriter) record(rec records.Record) error {
	c.line = appendCSV(c.line[:0], analysis.Safe(Text(rec["id"])))
	for _, f := range c.fields {
		s, err := cell(rec[f.Name])
		if err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
		c.line = appendCSV(append(c.line, ','), analysis.Safe(s))
	}
	_, err := c.w.Write(append(c.line, '\n'))
	return err
}

func (c *csvWriter) close() error {
	return c.w.Flush()
}

// appendCSV appends field to b as encoding/csv writes a field with a comma
// for delimiter and lines ending in "\n": quoted, with its quotes doubled,
// when it holds a comma, a quote or a line break, begins with a space or
// is `\.`.
func appendCSV(b []byte, field string) []byte {
	if !csvQuoted(field) {
		return append(b, field...)
	}
	b = append(b, '"')
	for {
		i := strings.IndexByte(field, '"')
		if i < 0 {
			break
		}
		b = append(b, field[:i+1]...)
		b = append(b, '"')
		field = field[i+1:]
	}
	b = append(b, field...)
	return append(b, '"')
}

// csvQuoted is encoding/csv's fieldNeedsQuotes for a comma.
func csvQuoted(field string) bool {
	if field == "" {
		return false
	}
	if field == `\.` {
		return true
	}
	for i := 0; i < len(field); i++ {
		if c := field[i]; c == '\n' || c == '\r' || c == '"' || c == ',' {
			return true
		}
	}
	r, _ := utf8.DecodeRuneInString(field)
	return unicode.IsSpace(r)
}

// linksJSON is what json.Marshal writes for links, without its reflection
// for the common case of ids and roles that need no escaping: every
// contact of an export has its companies written so.
func linksJSON(links []records.LinkRef) string {
	if links == nil {
		return "null"
	}
	b := make([]byte, 0, 32*len(links)+2)
	b = append(b, '[')
	for i, l := range links {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(append(b, `{"id":`...), l.ID)
		if l.Role != "" {
			b = appendJSONString(append(b, `,"role":`...), l.Role)
		}
		b = append(b, '}')
	}
	return string(append(b, ']'))
}

// appendJSONString appends s as json.Marshal quotes it.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // escapes, HTML characters and the rest of Unicode as json does
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// Package tabular reads the spreadsheets people import: CSV in whatever
// encoding, delimiter and quoting they were saved with, and XLSX
// workbooks. It detects each setting from the file's content (every one
// can be given instead), streams the rows one at a time, and reports what
// is wrong with a row by its number, so that an import can show the user
// where to look. Package guess maps the header to fields, package cell
// cleans the values.
package tabular

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Format is the kind of file.
type Format string

// The formats Open reads.
const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)

// Quoting says whether a CSV file quotes its fields.
type Quoting string

// The quotings of CSV files.
const (
	// QuoteDouble is RFC 4180: a field may be enclosed in double quotes,
	// which may then hold delimiters, line breaks and doubled quotes.
	QuoteDouble Quoting = "double"
	// QuoteNone takes every character literally: a row is one line, split
	// at each delimiter.
	QuoteNone Quoting = "none"
)

// DefaultMaxLine is the longest line, and the longest row, Open accepts
// when Options.MaxLine is zero.
const DefaultMaxLine = 1 << 20

// sampleSize is how much of a file the detection reads.
const sampleSize = 1 << 20

// Options override what Open would detect. A zero field is detected.
type Options struct {
	Format Format
	// Encoding is a WHATWG label (golang.org/x/text/encoding/htmlindex):
	// "utf-8", "utf-16le", "windows-1251", "koi8-r", "iso-8859-2", …
	Encoding  string
	Delimiter rune
	Quoting   Quoting
	// Sheet is the XLSX worksheet to read; the first one when empty.
	Sheet string
	// MaxLine bounds a line and a row of a CSV file, in bytes after
	// decoding; DefaultMaxLine when zero.
	MaxLine int
}

// Settings are what Open read the file with, detected or given.
type Settings struct {
	Format    Format  `json:"format"`
	Encoding  string  `json:"encoding,omitempty"`
	Delimiter string  `json:"delimiter,omitempty"`
	Quoting   Quoting `json:"quoting,omitempty"`
	Sheet     string  `json:"sheet,omitempty"`
}

// Row is one row of data.
type Row struct {
	// Number is the row's place in the file as a spreadsheet numbers it:
	// the header is row 1 in a CSV file; an XLSX row keeps its sheet row.
	Number int
	// Line is the line of a CSV file where the row starts; 0 for XLSX.
	Line   int
	Fields []string
	// Err is what is wrong with this row alone (a field count unlike the
	// header's, a stray quote, bytes that are not text); the rows after it
	// are read all the same. Fields holds what could be read.
	Err error
}

// MarshalJSON writes the row with its error as a message, so that a
// preview can be sent as it is.
func (r Row) MarshalJSON() ([]byte, error) {
	out := struct {
		Number int      `json:"number"`
		Line   int      `json:"line,omitempty"`
		Fields []string `json:"fields"`
		Error  string   `json:"error,omitempty"`
	}{Number: r.Number, Line: r.Line, Fields: r.Fields}
	if r.Err != nil {
		out.Error = r.Err.Error()
	}
	return json.Marshal(out)
}

// Errors that Open and Next wrap; test for them with errors.Is.
var (
	ErrBinary    = errors.New("not a text file")
	ErrFormat    = errors.New("not a spreadsheet Rapport reads")
	ErrEncoding  = errors.New("not in the expected encoding")
	ErrEmpty     = errors.New("the file has no header row")
	ErrTooLong   = errors.New("line too long")
	ErrTruncated = errors.New("the file ends inside a quoted field")
	ErrRagged    = errors.New("wrong number of fields")
	ErrQuote     = errors.New("misplaced quote")
)

// Error is a problem at a place in the file.
type Error struct {
	Row  int // the row's Number; 0 when not known
	Line int // the CSV line; 0 when not known
	Err  error
	Msg  string
}

func (e *Error) Error() string {
	switch {
	case e.Row > 0 && e.Line > 0 && e.Line != e.Row:
		return fmt.Sprintf("row %d (line %d): %s", e.Row, e.Line, e.Msg)
	case e.Row > 0:
		return fmt.Sprintf("row %d: %s", e.Row, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// rows is what reads the rows of one format.
type rows interface {
	next() (Row, error)
	close() error
}

// Reader streams the rows of a spreadsheet after its header.
type Reader struct {
	settings Settings
	header   []string
	rows     rows
}

// Open detects the file's format and settings from its content, reads the
// header and returns a Reader positioned at the first row of data. name is
// only used in messages. The ReaderAt must stay readable until Close.
func Open(r io.ReaderAt, size int64, name string, opts Options) (*Reader, error) {
	format, err := sniffFormat(r, size, name, opts.Format)
	if err != nil {
		return nil, err
	}
	if format == XLSX {
		return openXLSX(r, size, opts)
	}
	return openCSV(r, size, name, opts)
}

// Settings returns what the file is read with.
func (r *Reader) Settings() Settings { return r.settings }

// Header returns the first row, the columns' names.
func (r *Reader) Header() []string { return r.header }

// Next returns the next row, or io.EOF after the last. Any other error
// ends the reading: the file is cut short, a line is too long, or the
// file cannot be read. A problem with one row alone is in Row.Err.
func (r *Reader) Next() (Row, error) {
	row, err := r.rows.next()
	if err != nil {
		return Row{}, err
	}
	if row.Err == nil && len(row.Fields) != len(r.header) {
		row.Err = &Error{Row: row.Number, Line: row.Line, Err: ErrRagged,
			Msg: fmt.Sprintf("has %s where the header has %d", fields(len(row.Fields)), len(r.header))}
	}
	return row, nil
}

func fields(n int) string {
	if n == 1 {
		return "1 field"
	}
	return fmt.Sprintf("%d fields", n)
}

// Close releases what the reader holds (an XLSX sheet's temporary file).
func (r *Reader) Close() error { return r.rows.close() }

// Sample is the start of a file as Open reads it.
type Sample struct {
	Settings Settings `json:"settings"`
	Header   []string `json:"header"`
	Rows     []Row    `json:"rows"`
}

// Preview opens the file and reads its header and first n rows, so that
// a user can check the detected settings before importing.
func Preview(r io.ReaderAt, size int64, name string, opts Options, n int) (*Sample, error) {
	rd, err := Open(r, size, name, opts)
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	s := &Sample{Settings: rd.Settings(), Header: rd.Header()}
	for len(s.Rows) < n {
		row, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return s, err
		}
		s.Rows = append(s.Rows, row)
	}
	return s, nil
}

package tabular

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/transform"
)

// delimiters are the candidates detection tries, in the order that breaks
// ties.
var delimiters = []rune{',', ';', '\t', '|'}

// maxSampleRows bounds the rows detection parses.
const maxSampleRows = 200

// bufferSize is the read buffer under the CSV parser; it is also how far
// the parser may read ahead of a row.
const bufferSize = 64 << 10

func openCSV(r io.ReaderAt, size int64, name string, opts Options) (*Reader, error) {
	cs, delim, quoting, err := detectCSV(r, size, name, opts)
	if err != nil {
		return nil, err
	}
	maxLine := opts.MaxLine
	if maxLine <= 0 {
		maxLine = DefaultMaxLine
	}
	var in io.Reader = io.NewSectionReader(r, int64(cs.bom), size-int64(cs.bom))
	if cs.enc != nil {
		in = transform.NewReader(in, cs.enc.NewDecoder())
	}
	lim := &limiter{r: in, max: int64(maxLine)}
	var rows rows
	if quoting == QuoteNone {
		rows = newLineRows(lim, delim, maxLine, cs.enc == nil)
	} else {
		rows = newCSVRows(lim, delim, cs.enc == nil)
	}
	header, err := rows.next()
	if err == io.EOF {
		return nil, fmt.Errorf("%w: %s is empty", ErrEmpty, name)
	}
	if err != nil {
		return nil, err
	}
	if header.Err != nil {
		return nil, header.Err
	}
	settings := Settings{Format: CSV, Encoding: cs.name, Delimiter: string(delim), Quoting: quoting}
	return &Reader{settings: settings, header: header.Fields, rows: rows}, nil
}

// detectCSV reads the first MiB of the file and finds its encoding, then
// its delimiter and quoting in the decoded text, each unless opts gives it.
func detectCSV(r io.ReaderAt, size int64, name string, opts Options) (charset, rune, Quoting, error) {
	sample := make([]byte, min(size, sampleSize))
	n, err := r.ReadAt(sample, 0)
	if err != nil && err != io.EOF {
		return charset{}, 0, "", err
	}
	sample = sample[:n]
	complete := int64(n) == size
	cs, err := chooseCharset(sample, complete, name, opts.Encoding)
	if err != nil {
		return charset{}, 0, "", err
	}
	text := sample[cs.bom:]
	if cs.enc != nil {
		if text, err = cs.enc.NewDecoder().Bytes(evenFor(cs, text)); err != nil {
			return charset{}, 0, "", fmt.Errorf("%w: %s cannot be read as %s: %v", ErrEncoding, name, cs.name, err)
		}
	}
	if !complete {
		text = text[:bytes.LastIndexByte(text, '\n')+1]
	}
	delim, quoting := detectLayout(string(text), opts.Delimiter)
	if opts.Quoting != "" {
		quoting = opts.Quoting
	}
	return cs, delim, quoting, checkLayout(delim, quoting)
}

func chooseCharset(sample []byte, complete bool, name, label string) (charset, error) {
	if label != "" {
		return namedCharset(label, sample)
	}
	cs := detectCharset(sample, complete)
	if cs.bom != 2 { // UTF-16 holds NUL bytes in plain text
		if err := checkText(sample, name); err != nil {
			return charset{}, err
		}
	}
	return cs, nil
}

// evenFor drops a last odd byte of a UTF-16 sample cut in the middle of a
// code unit.
func evenFor(cs charset, b []byte) []byte {
	if strings.HasPrefix(cs.name, "utf-16") && len(b)%2 == 1 {
		return b[:len(b)-1]
	}
	return b
}

func checkLayout(delim rune, quoting Quoting) error {
	if delim == '"' || delim == '\r' || delim == '\n' || delim == utf8.RuneError || !utf8.ValidRune(delim) {
		return fmt.Errorf("%w: %q cannot be a delimiter", ErrFormat, delim)
	}
	if quoting != QuoteDouble && quoting != QuoteNone {
		return fmt.Errorf("%w: quoting %q (choose double or none)", ErrFormat, quoting)
	}
	return nil
}

// detectLayout picks the delimiter under which the sample's rows have
// the most consistent number of fields (more than one), in the
// delimiters' order on a tie; a file of one column reads the same with
// any. given, unless 0, is the only candidate.
func detectLayout(text string, given rune) (rune, Quoting) {
	candidates := delimiters
	if given != 0 {
		candidates = []rune{given}
	}
	delim := candidates[0]
	quoting := quotingFor(text, delim)
	best := 0.0
	for _, d := range candidates {
		q := quotingFor(text, d)
		counts, _ := fieldCounts(text, d, q)
		if mode, share := modeOf(counts); mode > 1 && share > best {
			delim, quoting, best = d, q, share
		}
	}
	return delim, quoting
}

// quotingFor says how the sample quotes with delimiter delim: RFC 4180
// unless the sample has quoting errors and no field that starts with a
// quote, and then quotes are ordinary characters.
func quotingFor(text string, delim rune) Quoting {
	if _, clean := fieldCounts(text, delim, QuoteDouble); clean || startsQuoted(text, delim) {
		return QuoteDouble
	}
	return QuoteNone
}

// startsQuoted reports whether a field of the sample starts with a quote.
func startsQuoted(text string, delim rune) bool {
	for line := range strings.Lines(text) {
		if strings.HasPrefix(line, `"`) || strings.Contains(line, string(delim)+`"`) {
			return true
		}
	}
	return false
}

// fieldCounts parses the sample's rows and returns their numbers of
// fields, and whether they parsed without a quoting error. A quoted field
// left open at the sample's end is not an error: the sample may end in
// it.
func fieldCounts(text string, delim rune, q Quoting) ([]int, bool) {
	var counts []int
	if q == QuoteNone {
		for line := range strings.Lines(text) {
			if line = strings.TrimRight(line, "\r\n"); line != "" && len(counts) < maxSampleRows {
				counts = append(counts, strings.Count(line, string(delim))+1)
			}
		}
		return counts, true
	}
	lastLine := strings.Count(text, "\n")
	p := csv.NewReader(strings.NewReader(text))
	p.Comma, p.FieldsPerRecord = delim, -1
	for len(counts) < maxSampleRows {
		rec, err := p.Read()
		if err == io.EOF {
			break
		}
		var perr *csv.ParseError
		if errors.As(err, &perr) {
			return counts, perr.Err == csv.ErrQuote && perr.Line >= lastLine
		}
		if err != nil {
			return counts, false
		}
		counts = append(counts, len(rec))
	}
	return counts, true
}

// modeOf returns the most frequent count and the share of counts equal
// to it.
func modeOf(counts []int) (int, float64) {
	if len(counts) == 0 {
		return 0, 0
	}
	freq := map[int]int{}
	mode := counts[0]
	for _, c := range counts {
		freq[c]++
		if freq[c] > freq[mode] || freq[c] == freq[mode] && c > mode {
			mode = c
		}
	}
	return mode, float64(freq[mode]) / float64(len(counts))
}

// limiter passes the decoded text on while bounding the length of a line
// and of a row, so that a file with no line breaks, or a quote never
// closed, ends in an error instead of filling memory. It counts lines for
// the error.
type limiter struct {
	r       io.Reader
	max     int64
	passed  int64 // bytes passed on
	start   int64 // offset of the row being read
	lines   int   // line breaks passed on
	lineLen int64 // bytes passed on since the last line break
	eof     bool  // whether the text has ended
	err     error // the line that was too long
}

// errRowTooLong stands for a row longer than the limit; the reader that
// sees it knows the row.
var errRowTooLong = errors.New("row too long")

func (l *limiter) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	if l.passed-l.start > l.max+bufferSize {
		return 0, errRowTooLong
	}
	n, err := l.r.Read(p)
	l.eof = err == io.EOF
	for i := 0; i < n; {
		end := n
		j := bytes.IndexByte(p[i:n], '\n')
		if j >= 0 {
			end = i + j
		}
		if room := l.max - l.lineLen; int64(end-i) > room {
			// Pass on no more than the limit, so that the parser stops
			// at this line rather than after the rows that follow it.
			n = i + int(room)
			l.err = &Error{Line: l.lines + 1, Err: ErrTooLong,
				Msg: fmt.Sprintf("the line is longer than %d bytes; is this a CSV file?", l.max)}
			err = l.err
			break
		}
		l.lineLen += int64(end - i)
		if j < 0 {
			break
		}
		l.lines++
		l.lineLen = 0
		i = end + 1
	}
	l.passed += int64(n)
	return n, err
}

// csvRows reads RFC 4180 rows with encoding/csv.
type csvRows struct {
	lim   *limiter
	p     *csv.Reader
	utf8  bool // whether to check fields are UTF-8 (decoded text always is)
	count int
}

func newCSVRows(lim *limiter, delim rune, checkUTF8 bool) *csvRows {
	p := csv.NewReader(bufio.NewReaderSize(lim, bufferSize))
	p.Comma, p.FieldsPerRecord = delim, -1
	return &csvRows{lim: lim, p: p, utf8: checkUTF8}
}

func (c *csvRows) next() (Row, error) {
	fields, err := c.p.Read()
	if err == io.EOF {
		return Row{}, io.EOF
	}
	c.count++
	c.lim.start = c.p.InputOffset()
	row := Row{Number: c.count, Fields: fields}
	if len(fields) > 0 {
		row.Line, _ = c.p.FieldPos(0)
	}
	var perr *csv.ParseError
	switch {
	case err == nil:
		row.Err = checkUTF8(row, c.utf8)
		return row, nil
	case errors.As(err, &perr):
		return c.parseError(row, perr)
	case errors.Is(err, errRowTooLong):
		return Row{}, &Error{Row: c.count, Err: ErrTooLong,
			Msg: fmt.Sprintf("the row runs on past line %d, longer than %d bytes; is a quote left open?", c.lim.lines+1, c.lim.max)}
	}
	var terr *Error
	if errors.As(err, &terr) {
		terr.Row = c.count
	}
	return Row{}, err
}

// parseError turns the parser's complaint into the row's error, or into
// the end of reading when the file ends inside a quoted field.
func (c *csvRows) parseError(row Row, perr *csv.ParseError) (Row, error) {
	row.Line = perr.StartLine
	if perr.Err == csv.ErrQuote && c.lim.eof && c.p.InputOffset() == c.lim.passed {
		return Row{}, &Error{Row: row.Number, Line: perr.StartLine, Err: ErrTruncated,
			Msg: "a quoted field is not closed before the end of the file; is the file cut short?"}
	}
	msg := "a quote inside a field that does not start with one; double it or quote the whole field"
	if perr.Err == csv.ErrQuote {
		msg = fmt.Sprintf("a quote closes a field but more follows on line %d column %d; double the quotes inside a quoted field", perr.Line, perr.Column)
	}
	row.Err = &Error{Row: row.Number, Line: perr.StartLine, Err: ErrQuote, Msg: msg}
	return row, nil
}

func checkUTF8(row Row, check bool) error {
	if !check {
		return nil
	}
	for i, f := range row.Fields {
		if !utf8.ValidString(f) {
			return &Error{Row: row.Number, Line: row.Line, Err: ErrEncoding,
				Msg: fmt.Sprintf("field %d holds bytes that are not UTF-8; choose the file's encoding", i+1)}
		}
	}
	return nil
}

// lineRows reads unquoted rows: one per line, split at each delimiter.
type lineRows struct {
	lim   *limiter
	s     *bufio.Scanner
	delim string
	utf8  bool
	line  int
	count int
}

func newLineRows(lim *limiter, delim rune, maxLine int, checkUTF8 bool) *lineRows {
	s := bufio.NewScanner(lim)
	s.Buffer(make([]byte, 0, bufferSize), maxLine+2)
	s.Split(func(data []byte, atEOF bool) (int, []byte, error) {
		if atEOF && lim.err != nil && bytes.IndexByte(data, '\n') < 0 {
			return 0, nil, lim.err // not the end of the file: a long line's start
		}
		if lim.err != nil {
			atEOF = false
		}
		return bufio.ScanLines(data, atEOF)
	})
	return &lineRows{lim: lim, s: s, delim: string(delim), utf8: checkUTF8}
}

func (l *lineRows) next() (Row, error) {
	for l.s.Scan() {
		l.line++
		l.lim.start = l.lim.passed // a line is a row: only the line limit applies
		text := strings.TrimSuffix(l.s.Text(), "\r")
		if text == "" {
			continue
		}
		l.count++
		row := Row{Number: l.count, Line: l.line, Fields: strings.Split(text, l.delim)}
		row.Err = checkUTF8(row, l.utf8)
		return row, nil
	}
	err := l.s.Err()
	if err == nil {
		return Row{}, io.EOF
	}
	var terr *Error
	if errors.As(err, &terr) {
		terr.Row = l.count + 1
		return Row{}, err
	}
	if errors.Is(err, bufio.ErrTooLong) {
		return Row{}, &Error{Row: l.count + 1, Line: l.line + 1, Err: ErrTooLong,
			Msg: fmt.Sprintf("the line is longer than %d bytes; is this a CSV file?", l.lim.max)}
	}
	return Row{}, err
}

func (l *lineRows) close() error { return nil }

func (c *csvRows) close() error { return nil }

package tabular

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"
)

// xlsxOptions make dates in the built-in formats read as ISO dates, which
// the date cleaner reads without guessing the order of day and month, and
// refuse a workbook that unpacks to more than 2 GiB (excelize's own limit
// is 16 GB) so that a small file cannot fill the disk.
var xlsxOptions = excelize.Options{
	ShortDatePattern: "yyyy-mm-dd", LongTimePattern: "hh:mm:ss",
	UnzipSizeLimit: 2 << 30,
}

// openXLSX reads a workbook's sheet. excelize holds the compressed file in
// memory and streams the sheet's rows from a temporary file when it is
// large.
func openXLSX(r io.ReaderAt, size int64, opts Options) (*Reader, error) {
	f, err := excelize.OpenReader(io.NewSectionReader(r, 0, size), xlsxOptions)
	if err != nil {
		return nil, fmt.Errorf("%w: the XLSX workbook cannot be opened: %v", ErrFormat, err)
	}
	sheet := opts.Sheet
	sheets := f.GetSheetList()
	if sheet == "" && len(sheets) > 0 {
		sheet = sheets[0]
	}
	if !slices.Contains(sheets, sheet) {
		f.Close()
		return nil, fmt.Errorf("%w: the workbook has no sheet %q (it has %s)", ErrFormat, sheet, strings.Join(sheets, ", "))
	}
	it, err := f.Rows(sheet)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: sheet %q: %v", ErrFormat, sheet, err)
	}
	x := &xlsxRows{f: f, it: it}
	header, err := x.next()
	if err != nil {
		x.close()
		if err == io.EOF {
			return nil, fmt.Errorf("%w: sheet %q is empty", ErrEmpty, sheet)
		}
		return nil, err
	}
	x.width = len(header.Fields)
	return &Reader{settings: Settings{Format: XLSX, Sheet: sheet}, header: header.Fields, rows: x}, nil
}

// xlsxRows streams a sheet's rows, skipping empty ones. A sheet stores no
// empty cells, so a row shorter than the header is filled out with empty
// fields; only cells beyond the header's make a row ragged.
type xlsxRows struct {
	f      *excelize.File
	it     *excelize.Rows
	number int
	width  int // the header's, once read
}

func (x *xlsxRows) next() (Row, error) {
	for x.it.Next() {
		x.number++
		cells, err := x.it.Columns()
		if err != nil {
			return Row{}, &Error{Row: x.number, Err: ErrFormat, Msg: err.Error()}
		}
		if isBlank(cells) {
			continue
		}
		for x.width > 0 && len(cells) > x.width && cells[len(cells)-1] == "" {
			cells = cells[:len(cells)-1]
		}
		for len(cells) < x.width {
			cells = append(cells, "")
		}
		return Row{Number: x.number, Fields: cells}, nil
	}
	if err := x.it.Error(); err != nil {
		return Row{}, &Error{Row: x.number + 1, Err: ErrFormat, Msg: err.Error()}
	}
	return Row{}, io.EOF
}

func isBlank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func (x *xlsxRows) close() error {
	return errors.Join(x.it.Close(), x.f.Close())
}

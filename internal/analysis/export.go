package analysis

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Table is a report as rows of cells, worded for a reader: what the page
// shows under the chart and what the exports hold.
type Table struct {
	Headers []string
	Rows    [][]Cell
}

// Cell is one cell: a number when Number is set (Text is its wording),
// else text.
type Cell struct {
	Text   string
	Number *float64
}

// TableOf words a result: label names each grouping and measure, value
// words a figure of measure i.
func TableOf(res Result, headers []string, value func(i int, v float64) string) Table {
	t := Table{Headers: headers}
	for _, r := range res.Rows {
		var cells []Cell
		for _, l := range r.Labels {
			cells = append(cells, Cell{Text: l})
		}
		for i, v := range r.Values {
			if v == nil {
				cells = append(cells, Cell{})
				continue
			}
			x := *v
			if res.Money[i] {
				x /= 100 // minor units; currencies with other exponents are rare in a base currency
			}
			cells = append(cells, Cell{Text: value(i, *v), Number: &x})
		}
		t.Rows = append(t.Rows, cells)
	}
	return t
}

// Safe keeps a spreadsheet from reading text as a formula: text that
// starts with = + - @ or a tab or carriage return is prefixed with an
// apostrophe.
func Safe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// WriteCSV writes the table as CSV: numbers plain, text made safe.
func WriteCSV(w io.Writer, t Table) error {
	cw := csv.NewWriter(w)
	head := make([]string, len(t.Headers))
	for i, h := range t.Headers {
		head[i] = Safe(h)
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	for _, r := range t.Rows {
		rec := make([]string, len(r))
		for i, c := range r {
			if c.Number != nil {
				rec[i] = strconv.FormatFloat(*c.Number, 'f', -1, 64)
			} else {
				rec[i] = Safe(c.Text)
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteXLSX writes the table as one worksheet: numbers as numbers, text
// as text made safe.
func WriteXLSX(w io.Writer, t Table, sheet string) error {
	f := excelize.NewFile()
	defer f.Close()
	if sheet == "" {
		sheet = "Report"
	}
	if len([]rune(sheet)) > 31 {
		sheet = string([]rune(sheet)[:31])
	}
	sheet = strings.NewReplacer(":", " ", "\\", " ", "/", " ", "?", " ", "*", " ", "[", "(", "]", ")").Replace(sheet)
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	head := make([]any, len(t.Headers))
	for i, h := range t.Headers {
		head[i] = Safe(h)
	}
	if err := sw.SetRow("A1", head); err != nil {
		return err
	}
	for n, r := range t.Rows {
		row := make([]any, len(r))
		for i, c := range r {
			if c.Number != nil {
				row[i] = *c.Number
			} else {
				row[i] = Safe(c.Text)
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, n+2)
		if err := sw.SetRow(cell, row); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
}

package analysis_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/rapport-crm/rapport/internal/analysis"
)

// TestExportsNeutraliseFormulas: text a spreadsheet would run as a
// formula is kept as text in both exports; numbers stay numbers.
func TestExportsNeutraliseFormulas(t *testing.T) {
	n := 12.5
	table := analysis.Table{Headers: []string{"=Stage", "Sum"}, Rows: [][]analysis.Cell{
		{{Text: "=1+1"}, {Text: "€12.50", Number: &n}},
		{{Text: "+cmd"}, {}}, {{Text: "-2"}, {}}, {{Text: "@x"}, {}}, {{Text: "\tx"}, {}}, {{Text: "\rx"}, {}}, {{Text: "plain"}, {}},
	}}
	var csv bytes.Buffer
	if err := analysis.WriteCSV(&csv, table); err != nil {
		t.Fatal(err)
	}
	want := "'=Stage,Sum\n'=1+1,12.5\n'+cmd,\n'-2,\n'@x,\n'\tx,\n\"'\rx\",\nplain,\n"
	if csv.String() != want {
		t.Errorf("csv:\n%q\nwant\n%q", csv.String(), want)
	}
	var xlsx bytes.Buffer
	if err := analysis.WriteXLSX(&xlsx, table, "Deals: [all]"); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&xlsx)
	if err != nil {
		t.Fatal(err)
	}
	sheet := f.GetSheetName(0)
	for cell, want := range map[string]string{"A1": "'=Stage", "A2": "'=1+1", "B2": "12.5", "A8": "plain"} {
		if got, _ := f.GetCellValue(sheet, cell); got != want {
			t.Errorf("%s: %q, want %q", cell, got, want)
		}
	}
	if formula, _ := f.GetCellFormula(sheet, "A2"); formula != "" {
		t.Errorf("A2 holds a formula: %q", formula)
	}
	if typ, _ := f.GetCellType(sheet, "B2"); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
		t.Errorf("B2 is text")
	}
}

// TestChartEscapes: every text the chart draws is escaped, and it is
// labelled for screen readers.
func TestChartEscapes(t *testing.T) {
	for _, kind := range analysis.Charts {
		c := analysis.Chart{Kind: kind, Title: "<b>t</b>", Desc: "d&d", Points: []analysis.Point{
			{Category: "<script>", Series: "s<1>", Value: 3, Text: "3 <x>"}, {Category: "b", Series: "s2", Value: 0, Text: "0"}}}
		svg := c.SVG()
		if strings.Contains(svg, "<script>") || strings.Contains(svg, "<b>") || strings.Contains(svg, "<x>") || strings.Contains(svg, "s<1>") {
			t.Errorf("%s: unescaped text: %s", kind, svg)
		}
		if !strings.Contains(svg, `role="img"`) || !strings.Contains(svg, "<title id=\"chart-title\">&lt;b&gt;t&lt;/b&gt;</title>") {
			t.Errorf("%s: no title: %s", kind, svg)
		}
	}
	if empty := (analysis.Chart{Kind: "bar", Title: "t"}).SVG(); strings.Contains(empty, "<rect") {
		t.Errorf("an empty chart draws bars: %s", empty)
	}
}

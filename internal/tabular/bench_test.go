package tabular_test

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/rapport-crm/rapport/internal/tabular"
)

const benchRows = 100_000

// readRows reads every row of data and fails on any problem.
func readRows(b *testing.B, data []byte) {
	r, err := tabular.Open(bytes.NewReader(data), int64(len(data)), "bench", tabular.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	n := 0
	for {
		row, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil || row.Err != nil {
			b.Fatal(err, row.Err)
		}
		n++
	}
	if n != benchRows {
		b.Fatalf("%d rows", n)
	}
}

func BenchmarkReadCSV(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString("Imię;Nazwisko;E-mail;Telefon;Data urodzenia;Wartość\n")
	for i := range benchRows {
		fmt.Fprintf(&buf, "Łukasz;Nowak;user%d@example.com;+48 612 345 %03d;%02d.03.1980;1 234,%02d\n", i, i%1000, 1+i%28, i%100)
	}
	b.SetBytes(int64(buf.Len()))
	for b.Loop() {
		readRows(b, buf.Bytes())
	}
	b.ReportMetric(float64(benchRows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkReadXLSX(b *testing.B) {
	f := excelize.NewFile()
	w, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	w.SetRow("A1", []any{"First name", "Last name", "E-mail", "Phone", "Birthday", "Value"})
	for i := range benchRows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		w.SetRow(cell, []any{"Łukasz", "Nowak", fmt.Sprintf("user%d@example.com", i), "+48 612 345 678", "1980-03-05", 1234.5})
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	for b.Loop() {
		readRows(b, buf.Bytes())
	}
	b.ReportMetric(float64(benchRows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

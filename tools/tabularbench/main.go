// Command tabularbench measures reading and cleaning a contacts CSV the
// way an import does: tabularbench -gen 1000000 contacts.csv writes one,
// tabularbench [-clean all|nophone|none] contacts.csv reads it, maps its header, cleans every value
// and prints the rows per second (run it under /usr/bin/time -v for the
// peak memory). docs/BENCHMARKS.md has the figures.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"os"
	"runtime/pprof"
	"time"

	"github.com/rapport-crm/rapport/internal/tabular"
	"github.com/rapport-crm/rapport/internal/tabular/cell"
	"github.com/rapport-crm/rapport/internal/tabular/guess"
)

func main() {
	gen := flag.Int("gen", 0, "write this many rows to the file instead of reading it")
	region := flag.String("region", "PL", "default country of phone numbers")
	prof := flag.String("cpuprofile", "", "write a CPU profile here")
	level := flag.String("clean", "all", "what to clean: all, nophone (all but phones) or none")
	flag.Parse()
	if *prof != "" {
		pf, err := os.Create(*prof)
		if err != nil {
			log.Fatal(err)
		}
		pprof.StartCPUProfile(pf)
		defer pprof.StopCPUProfile()
	}
	if flag.NArg() != 1 {
		log.Fatal("usage: tabularbench [-gen rows] file.csv")
	}
	if *gen > 0 {
		if err := generate(flag.Arg(0), *gen); err != nil {
			log.Fatal(err)
		}
		return
	}
	if err := measure(flag.Arg(0), *region, *level); err != nil {
		log.Print(err)
	}
}

// generate writes a semicolon-separated file as a Polish spreadsheet
// saves it: names, e-mail, phone, company, a day-first date and a number
// with a decimal comma.
func generate(path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	first := []string{"Anna", "Piotr", "Łukasz", "Zofia", "Jan", "Małgorzata", "Ада", "Сергей"}
	last := []string{"Nowak", "Kowalski", "Wiśniewska", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowska"}
	companies := []string{"Acme sp. z o.o.", "\"Żabka; Polska\"", "Orlen S.A.", "Allegro", ""}
	fmt.Fprintln(w, "Imię;Nazwisko;E-mail;Telefon;Firma;Data urodzenia;Wartość")
	r := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		fmt.Fprintf(w, "%s;%s;user%d@example.com;+48 6%02d %03d %03d;%s;%02d.%02d.%d;%d %03d,%02d\n",
			first[r.IntN(len(first))], last[r.IntN(len(last))], i,
			r.IntN(100), r.IntN(1000), r.IntN(1000), companies[r.IntN(len(companies))],
			1+r.IntN(28), 1+r.IntN(12), 1950+r.IntN(55), r.IntN(100), r.IntN(1000), r.IntN(100))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

func measure(path, region, level string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	start := time.Now()
	r, err := tabular.Open(f, info.Size(), path, tabular.Options{})
	if err != nil {
		return err
	}
	defer r.Close()
	g, err := guess.Columns("contact", r.Header())
	if err != nil {
		return err
	}
	rows, bad := 0, 0
	for {
		row, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		rows++
		if row.Err != nil || level != "none" && !clean(g.Fields, row.Fields, region, level == "all") {
			bad++
		}
	}
	elapsed := time.Since(start)
	fmt.Printf("%s: %+v\nfields %q\n%d rows (%d with a problem) in %.2f s: %.0f rows/s\n",
		path, r.Settings(), g.Fields, rows, bad, elapsed.Seconds(), float64(rows)/elapsed.Seconds())
	return nil
}

// clean cleans each value by its field's kind, as an import would before
// writing the record, and reports whether all were good.
func clean(fields, values []string, region string, phones bool) bool {
	ok := true
	for i, v := range values {
		if v == "" {
			continue
		}
		var err error
		switch fields[i] {
		case "emails":
			_, err = cell.Email(v)
		case "phones":
			if phones {
				_, err = cell.ParsePhone(v, region)
			}
		case "birthday":
			_, err = cell.Date(v, cell.DayFirst)
		case "":
			_, err = cell.Number(v, ',')
		}
		ok = ok && err == nil
	}
	return ok
}

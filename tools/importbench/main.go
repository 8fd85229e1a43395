// Command importbench makes a messy contacts CSV for measuring imports,
// and measures the bare driver's speed on the same rows, the physical
// limit an import is compared with:
//
//	importbench -gen 100000 contacts.csv            # write the file
//	rapport import --data-dir D contacts.csv        # the import itself (under /usr/bin/time -v)
//	importbench -raw --data-dir D contacts.csv      # the same rows, inserted bare in one transaction, rolled back
//
// The file is semicolon-separated UTF-8 as a Polish spreadsheet saves it:
// first and last name, e-mail, phone, company (2,000 names, some quoted),
// a day-first birthday and a city. About 1 % of the e-mails are not
// addresses, 2 % of the phones are not numbers, 1 % of the rows repeat an
// earlier row's e-mail and 0.5 % of the dates do not exist (31.02).
// docs/BENCHMARKS.md has the figures.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/tabular"
	"github.com/rapport-crm/rapport/internal/tabular/cell"
)

func main() {
	gen := flag.Int("gen", 0, "write this many rows to the file")
	raw := flag.Bool("raw", false, "insert the file's rows with the bare driver in one transaction, then roll back")
	dsn := flag.String("db", "", "a postgres:// URL; empty means SQLite in --data-dir")
	dir := flag.String("data-dir", "rapport-data", "the SQLite data directory")
	flag.Parse()
	if flag.NArg() != 1 || (*gen > 0) == *raw {
		log.Fatal("usage: importbench -gen ROWS FILE | importbench -raw [--db URL | --data-dir DIR] FILE")
	}
	var err error
	if *gen > 0 {
		err = generate(flag.Arg(0), *gen)
	} else {
		err = bare(flag.Arg(0), *dsn, *dir)
	}
	if err != nil {
		log.Fatal(err)
	}
}

func generate(path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	first := []string{"Anna", "Piotr", "Łukasz", "Zofia", "Jan", "Małgorzata", "Ада", "Сергей", "Ona", "Mihai", "Tomasz", "Ewa",
		"Katarzyna", "Marek", "Agnieszka", "Paweł", "Joanna", "Michał", "Barbara", "Krzysztof", "Ирина", "Дмитрий", "Ольга",
		"Андрей", "Jonas", "Rūta", "Tomas", "Ioana", "Andrei", "Elena", "Aigerim", "Nurlan", "Dana", "Adam", "Maria", "Jakub"}
	// Surnames from stems and endings: some 3,000 of them, as varied as a
	// real customer list, so that the duplicate matcher's blocks have
	// their usual size.
	stems := []string{"Now", "Kowal", "Wiśniew", "Wójc", "Kamiń", "Lewandow", "Zieliń", "Szymań", "Woźniak", "Dąbrow",
		"Kozłow", "Jankow", "Mazur", "Kwiatkow", "Krawczyk", "Piotrow", "Grabow", "Nowakow", "Pawłow", "Michalsk",
		"Petrausk", "Kazlausk", "Jankausk", "Popesc", "Ionesc", "Constantin", "Stan", "Dumitr", "Иван", "Смирн",
		"Кузнец", "Попов", "Васил", "Петр", "Соколов", "Михайл", "Новик", "Фёдор", "Морозов", "Волков"}
	endings := []string{"ski", "ska", "ak", "ik", "czyk", "as", "ienė", "u", "escu", "ов", "ова", "ин", "ина", "ev", "ewicz",
		"owski", "owska", "ul", "ić", "enko", "uk", "ek", "iec", "ny", "na", "ас", "ян", "ич", "ko", "ar", "er", "el", "ek", "is", "us",
		"a", "o", "y", "ai", "ei", "ia", "ea", "ii", "ui", "oi", "ou", "an", "on", "en", "un", "in", "ym", "am", "om", "um", "yk", "ok",
		"ąk", "ęk", "ół", "ał", "ył", "uł", "il", "ol", "al", "yl", "ur", "or", "ir", "yr", "as", "os", "es", "ys", "ąs", "ęs", "ot"}
	last := make([]string, 0, len(stems)*len(endings))
	for _, s := range stems {
		for _, e := range endings {
			last = append(last, s+e)
		}
	}
	cities := []string{"Kraków", "Warszawa", "Gdańsk", "Wrocław", "Poznań", "Łódź", "Lublin", "Szczecin", "Katowice", "Toruń",
		"Vilnius", "Kaunas", "București", "Cluj-Napoca", "Iași", "Алматы", "Астана", "Москва", "Казань", "Rzeszów"}
	r := rand.New(rand.NewPCG(1, 2))
	fmt.Fprintln(w, "Imię;Nazwisko;E-mail;Telefon;Firma;Data urodzenia;Miasto")
	for i := range n {
		email := fmt.Sprintf("user%d@example.com", i)
		switch x := r.IntN(200); {
		case x < 2:
			email = fmt.Sprintf("user%d(at)example.com", i)
		case x < 4 && i > 0:
			email = fmt.Sprintf("USER%d@example.com", r.IntN(i))
		}
		phone := fmt.Sprintf("+48 6%02d %03d %03d", r.IntN(100), r.IntN(1000), r.IntN(1000))
		if r.IntN(50) == 0 {
			phone = fmt.Sprintf("ext. %d", r.IntN(1000))
		}
		company := fmt.Sprintf("Firma %d sp. z o.o.", r.IntN(2000))
		if r.IntN(10) == 0 {
			company = fmt.Sprintf(`"Handel; Usługi %d"`, r.IntN(5))
		}
		date := fmt.Sprintf("%02d.%02d.%d", 1+r.IntN(28), 1+r.IntN(12), 1950+r.IntN(55))
		if r.IntN(200) == 0 {
			date = "31.02.1990"
		}
		fmt.Fprintf(w, "%s;%s;%s;%s;%s;%s;%s\n", first[r.IntN(len(first))], last[r.IntN(len(last))], email, phone, company, date,
			cities[r.IntN(len(cities))])
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

// bare inserts each row as a contact with one prepared statement in one
// transaction on the writer's own connection, values as the engine would
// store them, and rolls back: no validation, no links, no events, no
// indexes but the table's own.
func bare(path, dsn, dir string) error {
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, dir)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, _ := f.Stat()
	start := time.Now()
	rd, err := tabular.Open(f, st.Size(), path, tabular.Options{})
	if err != nil {
		return err
	}
	defer rd.Close()
	tx, err := db.Raw().BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	d := db.Dialect
	stmt, err := tx.PrepareContext(ctx, d.Rebind(`INSERT INTO contacts (workspace_id, version, first_name, last_name, full_name, emails, phones,
		birthday, address, custom, created_at, updated_at) VALUES (1, 1, ?, ?, ?, `+d.JSONIn()+`, `+d.JSONIn()+`, ?, `+d.JSONIn()+`, '{}', ?, ?)`))
	if err != nil {
		return err
	}
	n := 0
	now := d.Time(time.Now())
	for {
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		v := row.Fields
		if len(v) < 7 {
			continue
		}
		email, _ := cell.Email(v[2])
		phone, ok := records.NormalizePhone(v[3], "PL")
		ph := map[string]any{"value": phone, "valid": ok}
		birthday, _ := cell.Date(v[5], cell.DayFirst)
		emails, _ := json.Marshal([]map[string]string{{"value": email}})
		phones, _ := json.Marshal([]any{ph})
		address, _ := json.Marshal(map[string]string{"city": v[6]})
		if _, err := stmt.ExecContext(ctx, v[0], v[1], strings.TrimSpace(v[0]+" "+v[1]), string(emails), string(phones), nullIf(birthday),
			string(address), now, now); err != nil {
			return err
		}
		n++
	}
	elapsed := time.Since(start)
	fmt.Printf("%d rows inserted bare in one transaction (rolled back) in %.2f s: %.0f rows/s\n", n, elapsed.Seconds(), float64(n)/elapsed.Seconds())
	return nil
}

func nullIf(s string) any {
	if s == "" {
		return nil
	}
	return s
}

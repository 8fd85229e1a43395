// Command driverbench measures the two SQLite drivers Rapport could embed,
// github.com/mattn/go-sqlite3 (cgo) and modernc.org/sqlite (pure Go), on the
// operations that decide the choice: loading a large demo data set, getting a
// contact by id, showing a filtered list page, and saving one record. It also
// reports the size of a minimal binary using each driver.
//
// Run it from this directory, because it builds ./cmd/mattn and ./cmd/modernc:
//
//	cd tools/driverbench && go run . -rows 1000000
//
// The result is written up in docs/decisions/0001-sqlite-driver.md.
package main

import (
	"database/sql"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	_ "github.com/mattn/go-sqlite3" // registers "sqlite3"
	_ "modernc.org/sqlite"          // registers "sqlite"
)

// driver is one candidate: the name it registers with database/sql, the
// module it comes from (for its version) and the minimal program to size.
type driver struct {
	key     string // short name for -drivers
	sqlName string
	module  string
	cmd     string
}

var drivers = []driver{
	{"mattn", "sqlite3", "github.com/mattn/go-sqlite3", "./cmd/mattn"},
	{"modernc", "sqlite", "modernc.org/sqlite", "./cmd/modernc"},
}

// dsnParams are the connection settings the product uses. Both drivers accept
// the same mattn-style keys and apply them on every new connection, which
// matters because foreign_keys and busy_timeout are per connection.
// openDB reads them back so a silently ignored key cannot skew the figures.
const dsnParams = "?_journal_mode=WAL&_foreign_keys=on&_busy_timeout=5000&_synchronous=NORMAL"

// schema mirrors the contacts table: JSON arrays and objects stored as TEXT,
// and the two indexes a contact list page relies on. Indexes are created
// before the load, as they would be when the product imports into a live
// database, so their maintenance cost is part of the insert figure.
const schema = `
CREATE TABLE contacts (
	workspace_id INTEGER NOT NULL,
	id           INTEGER PRIMARY KEY,
	version      INTEGER NOT NULL,
	first_name   TEXT,
	last_name    TEXT,
	full_name    TEXT,
	emails       TEXT, -- JSON array
	phones       TEXT, -- JSON array
	source       TEXT,
	custom       TEXT, -- JSON object
	created_at   TEXT,
	updated_at   TEXT
);
CREATE INDEX contacts_ws_last ON contacts (workspace_id, last_name, id);
CREATE INDEX contacts_ws_tier ON contacts (workspace_id, json_extract(custom, '$.tier'));
`

const (
	insertSQL = `INSERT INTO contacts (workspace_id, id, version, first_name, last_name, full_name,
	emails, phones, source, custom, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`
	columns = `workspace_id, id, version, first_name, last_name, full_name,
	emails, phones, source, custom, created_at, updated_at`
	getSQL  = `SELECT ` + columns + ` FROM contacts WHERE workspace_id = ? AND id = ?`
	pageSQL = `SELECT ` + columns + ` FROM contacts
	WHERE workspace_id = ? AND source = ? AND json_extract(custom, '$.tier') = ?
	ORDER BY last_name, id LIMIT 50`
)

type config struct {
	rows, batch, lookups, pages, singles, workspaces int
	dir                                              string
}

// latency summarises one timed operation.
type latency struct {
	n              int
	mean, p50, p99 time.Duration
}

func summarise(d []time.Duration) latency {
	slices.Sort(d)
	var sum time.Duration
	for _, x := range d {
		sum += x
	}
	return latency{
		n:    len(d),
		mean: sum / time.Duration(len(d)),
		p50:  d[len(d)*50/100],
		p99:  d[len(d)*99/100],
	}
}

type result struct {
	version    string // module version of the driver
	sqlite     string // sqlite_version() it embeds
	loadTime   time.Duration
	rowsPerSec float64
	dbBytes    int64
	get        latency
	page       latency
	pageRows   float64 // mean rows returned, to show the page is not empty
	pagePlan   string
	single     latency
	binBytes   int64
}

func main() {
	var cfg config
	only := flag.String("drivers", "mattn,modernc", "comma-separated drivers to run, in this order")
	flag.IntVar(&cfg.rows, "rows", 1_000_000, "contacts to bulk insert")
	flag.IntVar(&cfg.batch, "batch", 10_000, "rows per bulk-insert transaction")
	flag.IntVar(&cfg.lookups, "lookups", 100_000, "get-by-id queries")
	flag.IntVar(&cfg.pages, "pages", 2_000, "filtered list-page queries")
	flag.IntVar(&cfg.singles, "singles", 5_000, "single-row insert transactions")
	flag.IntVar(&cfg.workspaces, "workspaces", 1, "workspaces the rows are spread over (1 = the demo case: all in one)")
	flag.StringVar(&cfg.dir, "dir", "", "directory for the database files (default: a new temporary directory)")
	flag.Parse()

	if cfg.dir == "" {
		d, err := os.MkdirTemp("", "driverbench-")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(d)
		cfg.dir = d
	}

	var ran []driver
	var results []result
	for _, key := range strings.Split(*only, ",") {
		i := slices.IndexFunc(drivers, func(d driver) bool { return d.key == key })
		if i < 0 {
			log.Fatalf("unknown driver %q", key)
		}
		d := drivers[i]
		log.Printf("%s: running", d.key)
		r, err := run(d, cfg)
		if err != nil {
			log.Fatalf("%s: %v", d.key, err)
		}
		ran = append(ran, d)
		results = append(results, r)
	}
	report(cfg, ran, results)
}

// run measures one driver on a fresh database file.
func run(d driver, cfg config) (result, error) {
	r := result{version: moduleVersion(d.module)}
	path := filepath.Join(cfg.dir, d.key+".db")
	db, err := openDB(d.sqlName, path)
	if err != nil {
		return r, err
	}
	defer db.Close()
	if err := db.QueryRow(`SELECT sqlite_version()`).Scan(&r.sqlite); err != nil {
		return r, err
	}
	if _, err := db.Exec(schema); err != nil {
		return r, err
	}
	insert, err := db.Prepare(insertSQL)
	if err != nil {
		return r, err
	}
	defer insert.Close()

	if r.loadTime, err = bulkInsert(db, insert, cfg); err != nil {
		return r, fmt.Errorf("bulk insert: %w", err)
	}
	r.rowsPerSec = float64(cfg.rows) / r.loadTime.Seconds()
	// Give the planner statistics, as the product's PRAGMA optimize would,
	// so the page query plan is the one a long-running database gets.
	if _, err := db.Exec(`ANALYZE`); err != nil {
		return r, err
	}
	for _, suffix := range []string{"", "-wal"} {
		if fi, err := os.Stat(path + suffix); err == nil {
			r.dbBytes += fi.Size()
		}
	}
	log.Printf("%s: loaded %d rows in %v", d.key, cfg.rows, r.loadTime.Round(time.Millisecond))

	if r.get, err = getByID(db, cfg); err != nil {
		return r, fmt.Errorf("get by id: %w", err)
	}
	if r.page, r.pageRows, r.pagePlan, err = listPage(db, cfg); err != nil {
		return r, fmt.Errorf("list page: %w", err)
	}
	if r.single, err = singleInserts(db, insert, cfg); err != nil {
		return r, fmt.Errorf("single insert: %w", err)
	}
	if r.binBytes, err = binarySize(d, cfg.dir); err != nil {
		return r, fmt.Errorf("binary size: %w", err)
	}
	return r, nil
}

// openDB opens the file with the product's settings and checks they took.
func openDB(sqlName, path string) (*sql.DB, error) {
	db, err := sql.Open(sqlName, "file:"+path+dsnParams)
	if err != nil {
		return nil, err
	}
	// One connection, like the product's single writer: every statement
	// below then runs on the same connection and nothing waits on a lock.
	db.SetMaxOpenConns(1)
	var mode string
	var fk, busy, syncMode int
	err = db.QueryRow(`SELECT journal_mode, foreign_keys, timeout, synchronous
		FROM pragma_journal_mode, pragma_foreign_keys, pragma_busy_timeout, pragma_synchronous`).
		Scan(&mode, &fk, &busy, &syncMode)
	if err != nil {
		db.Close()
		return nil, err
	}
	if mode != "wal" || fk != 1 || busy != 5000 || syncMode != 1 {
		db.Close()
		return nil, fmt.Errorf("settings not applied: journal_mode=%s foreign_keys=%d busy_timeout=%d synchronous=%d",
			mode, fk, busy, syncMode)
	}
	return db, nil
}

// bulkInsert loads cfg.rows contacts in transactions of cfg.batch rows.
// Rows are generated before each transaction starts and only the
// transaction is timed, so the figure is the driver's, not the generator's.
func bulkInsert(db *sql.DB, insert *sql.Stmt, cfg config) (time.Duration, error) {
	var total time.Duration
	batch := make([][]any, 0, cfg.batch)
	for first := 1; first <= cfg.rows; first += cfg.batch {
		batch = batch[:0]
		for id := first; id < first+cfg.batch && id <= cfg.rows; id++ {
			batch = append(batch, contactArgs(int64(id), cfg.workspaces))
		}
		start := time.Now()
		tx, err := db.Begin()
		if err != nil {
			return 0, err
		}
		st := tx.Stmt(insert) // reuses the statement already prepared on this connection
		for _, args := range batch {
			if _, err := st.Exec(args...); err != nil {
				tx.Rollback()
				return 0, err
			}
		}
		if err := tx.Commit(); err != nil {
			return 0, err
		}
		total += time.Since(start)
	}
	return total, nil
}

// getByID times random primary-key lookups, scanning every column as the
// contact page would.
func getByID(db *sql.DB, cfg config) (latency, error) {
	st, err := db.Prepare(getSQL)
	if err != nil {
		return latency{}, err
	}
	defer st.Close()
	rng := newRand(2)
	times := make([]time.Duration, cfg.lookups)
	var c contact
	for i := range times {
		id := int64(rng.IntN(cfg.rows)) + 1
		start := time.Now()
		err := st.QueryRow(workspaceOf(id, cfg.workspaces), id).Scan(c.dest()...)
		times[i] = time.Since(start)
		if err != nil {
			return latency{}, err
		}
	}
	return summarise(times), nil
}

// listPage times the first page of a filtered, sorted contact list. It also
// returns the query plan, because the timing means little without it.
func listPage(db *sql.DB, cfg config) (latency, float64, string, error) {
	var plan []string
	rows, err := db.Query(`EXPLAIN QUERY PLAN `+pageSQL, 1, sources[0], tiers[0])
	if err != nil {
		return latency{}, 0, "", err
	}
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			rows.Close()
			return latency{}, 0, "", err
		}
		plan = append(plan, detail)
	}
	rows.Close()

	st, err := db.Prepare(pageSQL)
	if err != nil {
		return latency{}, 0, "", err
	}
	defer st.Close()
	rng := newRand(3)
	times := make([]time.Duration, cfg.pages)
	got := 0
	var c contact
	for i := range times {
		ws := int64(rng.IntN(cfg.workspaces)) + 1
		src, tier := sources[rng.IntN(len(sources))], tiers[rng.IntN(len(tiers))]
		start := time.Now()
		rows, err := st.Query(ws, src, tier)
		if err != nil {
			return latency{}, 0, "", err
		}
		for rows.Next() {
			if err := rows.Scan(c.dest()...); err != nil {
				rows.Close()
				return latency{}, 0, "", err
			}
			got++
		}
		err = rows.Err()
		rows.Close()
		times[i] = time.Since(start)
		if err != nil {
			return latency{}, 0, "", err
		}
	}
	return summarise(times), float64(got) / float64(cfg.pages), strings.Join(plan, "; "), nil
}

// singleInserts times saving one new contact per transaction, which is what
// a user pressing Save does. With WAL and synchronous=NORMAL a commit does
// not fsync, so this is the driver's overhead plus a WAL append.
func singleInserts(db *sql.DB, insert *sql.Stmt, cfg config) (latency, error) {
	times := make([]time.Duration, cfg.singles)
	for i := range times {
		args := contactArgs(int64(cfg.rows+1+i), cfg.workspaces)
		start := time.Now()
		tx, err := db.Begin()
		if err != nil {
			return latency{}, err
		}
		if _, err := tx.Stmt(insert).Exec(args...); err != nil {
			tx.Rollback()
			return latency{}, err
		}
		if err := tx.Commit(); err != nil {
			return latency{}, err
		}
		times[i] = time.Since(start)
	}
	return summarise(times), nil
}

// binarySize builds the driver's minimal program the way a release would be
// built (symbols and DWARF stripped) and returns its size in bytes.
func binarySize(d driver, dir string) (int64, error) {
	out := filepath.Join(dir, d.key+".bin")
	cmd := exec.Command("go", "build", "-ldflags=-s -w", "-o", out, d.cmd)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return 0, err
	}
	fi, err := os.Stat(out)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// moduleVersion reads the driver's version from the build info, so the
// report cannot disagree with what was actually linked.
func moduleVersion(path string) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == path {
				return m.Version
			}
		}
	}
	return "unknown"
}

func report(cfg config, ds []driver, rs []result) {
	fmt.Printf("\ndriverbench: %d rows in %d workspace(s), batches of %d; %s/%s, %d CPUs, %s\n\n",
		cfg.rows, cfg.workspaces, cfg.batch, runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	// A Markdown table, so the output can be pasted into the decision record.
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 1, ' ', 0)
	line := func(cells ...string) {
		for _, c := range cells {
			fmt.Fprint(w, "| "+c+"\t")
		}
		fmt.Fprintln(w, "|")
	}
	row := func(label string, f func(r result) string) {
		cells := []string{label}
		for _, r := range rs {
			cells = append(cells, f(r))
		}
		line(cells...)
	}
	head, rule := []string{"measure"}, []string{"---"}
	for i, d := range ds {
		head = append(head, d.module+" "+rs[i].version)
		rule = append(rule, "---:")
	}
	line(head...)
	line(rule...)
	row("embedded SQLite", func(r result) string { return r.sqlite })
	row(fmt.Sprintf("a. bulk insert %d rows, total", cfg.rows), func(r result) string { return secs(r.loadTime) })
	row("a. bulk insert, rows/s", func(r result) string { return fmt.Sprintf("%.0f", r.rowsPerSec) })
	row("database + WAL size after load", func(r result) string { return mib(r.dbBytes) })
	row(fmt.Sprintf("b. get by id (n=%d), mean", cfg.lookups), func(r result) string { return micros(r.get.mean) })
	row("b. get by id, p50", func(r result) string { return micros(r.get.p50) })
	row("b. get by id, p99", func(r result) string { return micros(r.get.p99) })
	row(fmt.Sprintf("c. filtered page (n=%d), mean", cfg.pages), func(r result) string { return micros(r.page.mean) })
	row("c. filtered page, p99", func(r result) string { return micros(r.page.p99) })
	row("c. filtered page, rows returned (mean)", func(r result) string { return fmt.Sprintf("%.1f", r.pageRows) })
	row(fmt.Sprintf("d. single-row insert tx (n=%d), mean", cfg.singles), func(r result) string { return micros(r.single.mean) })
	row("d. single-row insert tx, p99", func(r result) string { return micros(r.single.p99) })
	row("e. minimal binary (-ldflags='-s -w')", func(r result) string { return fmt.Sprintf("%d B (%s)", r.binBytes, mib(r.binBytes)) })
	w.Flush()
	fmt.Println()
	for i, d := range ds {
		fmt.Printf("page query plan (%s): %s\n", d.key, rs[i].pagePlan)
	}
}

func micros(d time.Duration) string {
	return fmt.Sprintf("%.1f µs", float64(d)/float64(time.Microsecond))
}
func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }
func mib(n int64) string          { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

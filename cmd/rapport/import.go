package main

import (
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/importer"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// importCmd imports a CSV or XLSX file as the user named by --as (by
// default the workspace's first administrator), or undoes an import. The
// import commits whole or not at all; a dry run prints what each row
// would do as CSV on standard output.
func importCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	c := newCommand("import", stderr)
	as := c.fs.String("as", "", "e-mail of the user who imports (their permissions apply); the first administrator when empty")
	object := c.fs.String("object", "contacts", "contacts, companies, deals, products, or activities (tasks, calls, meetings and notes, by a kind column)")
	mapping := c.fs.String("mapping", "", `a JSON file of column header to field, {"Mobile": "phones", "Notes": "", "Points": "new:number"}, over the guessed mapping ("new", "new:TYPE" or "new:TYPE:NAME" makes a custom field of the column); or the name of a saved mapping of the object`)
	dry := c.fs.Bool("dry-run", false, "do everything, print what each row would do, and roll it back")
	onDup := c.fs.String("on-duplicate", importer.Skip, "what a row matching a record does: skip, update or create")
	match := c.fs.String("match", "", "what rows match records on: email, phone, sku (products) or external_id (email when a column holds e-mails, sku when one holds SKUs)")
	strict := c.fs.Bool("strict", false, "refuse the whole file when any row has an error")
	silent := c.fs.Bool("silent", false, "tell nobody: no notifications, webhook deliveries or assignment rules for the imported records")
	dates := c.fs.String("dates", "", "day or month: whether 03/04/2026 is the 3rd of April or March 4th, when the file cannot tell")
	errorsOut := c.fs.String("errors", "", "write the error report (row, column, value, reason) to this CSV file")
	undo := c.fs.String("undo", "", "undo the import with this id: remove what it created, restore what it updated")
	file, err := parseWithFile(c, args, stderr, getenv)
	if err != nil {
		return err
	}
	if (file == "") == (*undo == "") {
		return errors.New("name one FILE to import, or --undo ID")
	}
	db, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, err = importActor(ctx, db, *as)
	if err != nil {
		return err
	}
	engine := records.New(db, records.Options{Policy: access.NewRolePolicy(db), Logger: c.log, PhoneRegion: c.cfg.PhoneRegion})
	svc := newServices(c, db, engine) // their hooks write duplicate keys, scores and sales figures with each record
	im := importer.New(db, engine, c.log)
	if *undo != "" {
		s, err := im.Undo(ctx, *undo)
		if err != nil {
			return err
		}
		made := ""
		if s.Object == "contacts" || s.Object == "deals" {
			made = " (and the companies it made for them)" // only their rows name companies that may be made
		}
		fmt.Fprintf(stdout, "undid import %s: removed the %d %s it created%s, restored the %d it updated\n",
			s.ID, s.Created, s.Object, made, s.Updated)
		for _, f := range s.NewFields {
			if f.Removed {
				fmt.Fprintf(stdout, "removed the field %s it made\n", f.Name)
			} else {
				fmt.Fprintf(stdout, "kept the field %s it made: records hold values in it\n", f.Name)
			}
		}
		return nil
	}
	opts := importer.Options{Object: *object, FileName: filepath.Base(file), OnDuplicate: *onDup, Match: *match,
		Strict: *strict, DryRun: *dry, Silent: *silent, Dates: *dates}
	if *mapping != "" {
		if opts.Mapping, opts.MappingID, err = mappingOf(ctx, im, *object, *mapping); err != nil {
			return err
		}
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(importMemory)
	}
	if db.Dialect == store.SQLite {
		// The writer is one connection: the pragma on the pool sets its
		// cache.
		for _, pragma := range []string{"soft_heap_limit = " + strconv.Itoa(importSQLiteMemory),
			"cache_size = " + strconv.Itoa(-importSQLiteCache>>10)} {
			if _, err := db.Raw().ExecContext(ctx, "PRAGMA "+pragma); err != nil {
				return err
			}
		}
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	// The rows are counted first (a quick reading of the file) so that
	// the progress can show a bar and the time left.
	total := importer.CountRows(ctx, f, st.Size(), opts)
	opts.Rows = total
	last := time.Now()
	opts.Progress = func(rows int, elapsed time.Duration) {
		if time.Since(last) < time.Second && elapsed > 0 {
			return
		}
		last = time.Now()
		fmt.Fprintf(stderr, "\r%s", progressLine(rows, total, elapsed))
	}
	opts.Phase = func(phase string) {
		if phase == "indexes" {
			fmt.Fprintf(stderr, "\rrows read; building the list indexes of the new records …\n")
			return
		}
		fmt.Fprintf(stderr, "\rfinding likely duplicates among the new records …\n")
	}
	var rowsOut *csv.Writer
	if *dry {
		rowsOut = csv.NewWriter(stdout)
		rowsOut.Write([]string{"row", "action", "record_id", "reason"})
		opts.OnRow = func(r importer.RowResult) {
			rowsOut.Write([]string{strconv.Itoa(r.Row), r.Action, r.RecordID, r.Reason})
		}
	}
	start := time.Now()
	s, err := im.Run(ctx, f, st.Size(), opts)
	if err != nil {
		fmt.Fprintln(stderr)
		return err
	}
	if rowsOut != nil {
		rowsOut.Flush()
	}
	elapsed := time.Since(start)
	fmt.Fprintf(stderr, "\r%d rows, %.0f rows/s, %s\n", s.Rows, float64(s.Rows)/max(elapsed.Seconds(), 1e-3), elapsed.Round(time.Millisecond))
	for i, p := range s.Problems {
		if i == 10 {
			fmt.Fprintf(stderr, "… and %d more problems (--errors FILE writes them all)\n", len(s.Problems)-10)
			break
		}
		fmt.Fprintf(stderr, "row %d, %s %q: %s\n", p.Row, p.Column, p.Value, p.Reason)
	}
	if *errorsOut != "" {
		if err := writeErrorReport(ctx, im, s.ID, *errorsOut); err != nil {
			return err
		}
	}
	for _, f := range s.NewFields {
		fmt.Fprintf(stderr, "column %q: new field %s (%s)\n", f.Column, f.Name, f.Type)
	}
	fmt.Fprintf(stdoutOrErr(*dry, stdout, stderr), "import %s %s: %d created, %d updated, %d skipped, %d failed of %d rows\n",
		s.ID, s.Status, s.Created, s.Updated, s.Skipped, s.Failed, s.Rows)
	if s.Status == importer.StatusRefused {
		return fmt.Errorf("nothing imported: %d rows have errors and --strict refuses the whole file", s.Failed)
	}
	if s.Status == importer.StatusCommitted && s.Created+s.Updated > 0 {
		return indexForSearch(ctx, db, svc, s, stderr)
	}
	return nil
}

// importMemory is the soft limit of the Go runtime's memory for an
// import (GOMEMLIMIT overrides it). What an import keeps grows by some 50
// bytes a row (decision 0068), but the collector, left to its default,
// lets the heap grow to twice what is live: at a million rows the process
// then held some 350 MB, SQLite's cache and the program included, for
// 70 MB of live data. Under the limit the collector runs more often once
// the heap nears it, and the process stays under 300 MB.
const importMemory = 160 << 20

// importSQLiteMemory and importSQLiteCache bound SQLite's memory in an
// import: its soft heap limit, for every connection of the process (past
// it SQLite reuses its cache's pages and spills its sorts to disk
// sooner), and the writer's page cache, 64 MB in the server. With the
// server's settings, SQLite's cache and the sorter of an index build came
// on top of the Go heap, and a million-row import peaked at 339 MB while
// the duplicate keys' index was built; with these, at 281 MB, in the same
// time (docs/BENCHMARKS.md, "After the planner's fixes").
const (
	importSQLiteMemory = 16 << 20
	importSQLiteCache  = 8 << 20
)

// searchBulk is how many records an import must create, and be a quarter
// of its object's records or more, for the command to index them for
// search by rebuilding the workspace's index in one pass (a variable for
// the tests).
var searchBulk = 20000

// indexForSearch makes what an import wrote searchable before the command
// ends, rather than leaving it to the server's reading of the events one
// batch after another (a million of them took it many minutes): a large
// import into a small workspace rebuilds the index, others index their
// events now.
func indexForSearch(ctx context.Context, db *store.DB, svc services, s *importer.Summary, stderr io.Writer) error {
	fmt.Fprintf(stderr, "making the records searchable …\n")
	start := time.Now()
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return err
	}
	var n int
	if s.Created >= searchBulk && (s.Object == "contacts" || s.Object == "companies" || s.Object == "deals") {
		if err := db.Reader().QueryRowContext(ctx, `SELECT count(*) FROM `+s.Object+` WHERE workspace_id = ? AND deleted_at IS NULL`,
			a.WorkspaceID).Scan(&n); err != nil {
			return err
		}
	}
	how := "events"
	if n > 0 && 4*s.Created >= n {
		how, err = "rebuilt", svc.search.Rebuild(ctx, a.WorkspaceID)
	} else {
		err = svc.search.CatchUp(ctx)
	}
	if err != nil {
		return fmt.Errorf("the import is committed, but indexing it for search failed (the server will index it): %w", err)
	}
	fmt.Fprintf(stderr, "searchable (%s) in %s\n", how, time.Since(start).Round(time.Millisecond))
	return nil
}

// mappingOf reads --mapping: a JSON file when one can be read by that
// name, otherwise the name of a saved mapping of the object, whose id it
// returns.
func mappingOf(ctx context.Context, im *importer.Importer, object, value string) (map[string]string, string, error) {
	b, err := os.ReadFile(value)
	if err == nil {
		m, err := importer.ParseMapping(b)
		if err != nil {
			return nil, "", fmt.Errorf("--mapping %s: %w", value, err)
		}
		return m, "", nil
	}
	saved, lookErr := im.MappingByName(ctx, object, value)
	if lookErr != nil {
		return nil, "", fmt.Errorf("--mapping: %w", lookErr)
	}
	return nil, saved.ID, nil
}

// progressLine is a progress bar on one line: rows done of the total,
// rows a second and the time left, or without a total the rows and the
// time so far.
func progressLine(rows int, total int64, elapsed time.Duration) string {
	rate := float64(rows) / max(elapsed.Seconds(), 1e-3)
	if total <= 0 {
		return fmt.Sprintf("%d rows, %.0f rows/s, %s", rows, rate, elapsed.Round(time.Second))
	}
	const width = 30
	done := min(width, int(int64(rows)*width/total))
	left := "?"
	if rate > 0 && rows > 0 {
		left = (time.Duration(float64(total-int64(min(int64(rows), total))) / rate * float64(time.Second))).Round(time.Second).String()
	}
	return fmt.Sprintf("[%s%s] %d/%d rows, %.0f rows/s, %s left ", strings.Repeat("#", done), strings.Repeat("-", width-done), rows, total, rate, left)
}

// stdoutOrErr keeps a dry run's standard output a CSV file of rows.
func stdoutOrErr(dry bool, stdout, stderr io.Writer) io.Writer {
	if dry {
		return stderr
	}
	return stdout
}

func writeErrorReport(ctx context.Context, im *importer.Importer, id, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := im.WriteErrors(ctx, id, f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// parseWithFile parses flags that may come before and after one file
// name, and the rest of the configuration.
func parseWithFile(c *command, args []string, stderr io.Writer, getenv func(string) string) (string, error) {
	var file string
	for {
		if err := c.fs.Parse(args); err != nil {
			return "", err
		}
		args = c.fs.Args()
		if len(args) == 0 {
			break
		}
		if file != "" {
			return "", fmt.Errorf("unexpected arguments: %v; import one file at a time", args)
		}
		file, args = args[0], args[1:]
	}
	return file, c.parse(nil, stderr, getenv)
}

// importActor puts the importing user in ctx: the one named, or the
// workspace's first active administrator.
func importActor(ctx context.Context, db *store.DB, email string) (context.Context, error) {
	if email == "" {
		err := db.Reader().QueryRowContext(ctx, `SELECT email FROM users WHERE workspace_id = ? AND role = 'administrator' AND deactivated_at IS NULL
			ORDER BY id LIMIT 1`, defaultWorkspace).Scan(&email)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, errors.New("the workspace has no administrator yet; create one with rapport user create, or name the importing user with --as")
		}
		if err != nil {
			return nil, err
		}
	}
	return actingAs(ctx, db, email)
}

// Package importer loads contacts, companies, deals, products and
// activities from a CSV or XLSX file through the records engine, in one
// transaction: the whole file commits, or, with the strict option or on a
// failure of the database, nothing does. Rows with errors are skipped and listed; a dry run runs the very
// same code and rolls back. Each import is logged with the records it
// created and the values its updates replaced, so that Undo removes the
// first and restores the second.
package importer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/outbox"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/tabular"
	"github.com/rapport-crm/rapport/internal/tabular/cell"
)

// Objects are the objects an import fills, by plural name; Activities
// fills tasks, calls, meetings and notes by each row's kind.
var Objects = []string{"contacts", "companies", "deals", "products", Activities}

// Duplicate policies: what a row that matches an existing record does.
const (
	Skip   = "skip"   // leaves the record as it is
	Update = "update" // writes the row's values over the record's
	Create = "create" // creates a new record all the same
)

// Policies are the duplicate policies, Matches the keys a row can match
// a record on.
var (
	Policies = []string{Skip, Update, Create}
	Matches  = []string{"email", "phone", "sku", "external_id"}
)

// ExternalID is the pseudo-field of the mapping that holds a record's key
// in the system the file came from.
const ExternalID = "external_id"

// Options say what to import and how.
type Options struct {
	Object   string // one of Objects
	FileName string
	// Mapping overrides the guessed field of a column, by header: a field
	// name, a part such as "address.city", "external_id", "" to leave
	// the column out, or NewField ("new", "new:TYPE", "new:TYPE:NAME") to
	// make a custom field of it.
	Mapping map[string]string
	// MappingID names a saved mapping of the object to use instead of
	// Mapping; giving both is refused.
	MappingID string
	// OnDuplicate is one of Policies ("skip" when empty); Match one of
	// Matches (when empty, "email" if a column holds e-mails, "sku" if
	// one holds a product's SKUs, else rows match nothing).
	OnDuplicate string
	Match       string
	// Strict refuses the whole file when any row has an error.
	Strict bool
	// DryRun does everything and then rolls it back.
	DryRun bool
	// Silent writes the records telling nobody: no notifications, no
	// webhook deliveries, no assignment rules (outbox.Silent). Search,
	// duplicate keys, totals and the audit trail are kept as ever.
	Silent bool
	// Dates is "day" or "month" for dates like 03/04/2026; when empty it
	// is decided from the file, and an import whose dates could be either
	// is refused until it is given.
	Dates string
	// DecimalMark is '.' or ','; zero decides from the file.
	DecimalMark rune
	// Read overrides what the reader detects.
	Read tabular.Options
	// Progress, when set, is called every few hundred rows and at the end.
	Progress func(rows int, elapsed time.Duration)
	// Rows, when the caller has counted them (CountRows, for its
	// progress bar), spares the import counting them again.
	Rows int64
	// Phase, when set, is told when the rows are done and the work for
	// all of them at once (duplicate keys and pairs) begins.
	Phase func(name string)
	// OnRow, when set, is told what happened to each row.
	OnRow func(RowResult)
}

// Actions of a row.
const (
	Created = "created"
	Updated = "updated"
	Skipped = "skipped"
	Failed  = "failed"
)

// RowResult is what one row did, or would do in a dry run.
type RowResult struct {
	Row      int    `json:"row"`
	Action   string `json:"action"`
	RecordID string `json:"record_id,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

// Problem is one error of one row: its number as a spreadsheet shows it,
// the column's header, the value and the reason. A problem with Kept set
// is a warning: the value was kept as typed (an invalid phone number).
type Problem struct {
	Row    int    `json:"row"`
	Column string `json:"column"`
	Value  string `json:"value"`
	Reason string `json:"reason"`
	Kept   bool   `json:"kept,omitempty"`
}

// Summary is the outcome of an import, as the log keeps it.
type Summary struct {
	ID          string            `json:"id"`
	Status      string            `json:"status"` // committed, dry_run, refused or undone
	Object      string            `json:"object"`
	FileName    string            `json:"file_name"`
	UserID      string            `json:"user_id"`
	Mapping     map[string]string `json:"mapping"`
	OnDuplicate string            `json:"on_duplicate"`
	Match       string            `json:"match"`
	Strict      bool              `json:"strict"`
	Silent      bool              `json:"silent"`
	// NewFields are the custom fields the import made from columns (a dry
	// run's and a refused import's: would have made).
	NewFields []MadeField `json:"new_fields,omitempty"`
	Rows      int         `json:"rows"`
	Created   int         `json:"created"`
	Updated   int         `json:"updated"`
	Skipped   int         `json:"skipped"`
	Failed    int         `json:"failed"`
	CreatedAt time.Time   `json:"created_at"`
	UndoneAt  *time.Time  `json:"undone_at,omitempty"`
	// Problems are the rows' errors and warnings; the log keeps them all,
	// an answer may hold the first ones only.
	Problems []Problem `json:"problems,omitempty"`
	// Settings are how the file was read.
	Settings *tabular.Settings `json:"settings,omitempty"`
	// Error says why an import in the background failed as a whole.
	Error string `json:"error,omitempty"`
	// Progress is how far an import running in the background has come,
	// as the process running it knows.
	Progress *Progress `json:"progress,omitempty"`
	// Resumable says that an interrupted import's file and options are
	// kept, on this server, so that Resume can run it again.
	Resumable bool `json:"resumable,omitempty"`

	again *again // what Resume runs a background import again with
}

// Progress is how far a running import has come: the rows read and
// written so far, how fast, and, once the file's rows are counted, how
// many there are and how long the rest should take.
type Progress struct {
	Rows          int64   `json:"rows"`
	Total         int64   `json:"total,omitempty"`
	RowsPerSecond float64 `json:"rows_per_second"`
	SecondsLeft   float64 `json:"seconds_left,omitempty"`
	// Phase is "rows" while rows are read, then "duplicates" while the
	// likely duplicates among the new records are found, before the
	// commit.
	Phase string `json:"phase"`
}

// Statuses of an import.
const (
	StatusRunning   = "running" // in the background; Get shows its progress
	StatusFailed    = "failed"  // in the background, as a whole: nothing was kept
	StatusCommitted = "committed"
	StatusDryRun    = "dry_run"
	StatusRefused   = "refused"
	StatusUndone    = "undone"
	// StatusCancelled is an import in the background stopped by Cancel:
	// its transaction rolled back, nothing was kept.
	StatusCancelled = "cancelled"
	// StatusInterrupted is an import in the background whose process
	// ended before it did (killed, crashed): its transaction never
	// committed, nothing was kept. Recover marks it at the next start;
	// Resume runs it again from its kept file, Discard gives it up.
	StatusInterrupted = "interrupted"
	// StatusDiscarded is an interrupted import given up by Discard: its
	// file was removed, nothing of it was kept.
	StatusDiscarded = "discarded"
)

// Importer runs imports on one database through one engine, whose hooks
// (duplicate keys, scores, …) run on every record written.
type Importer struct {
	db  *store.DB
	e   *records.Engine
	log *slog.Logger

	mu      sync.Mutex
	running map[int64]*progress // the background imports of this process
	dir     string              // of the files of imports (KeepFiles); "" for none
}

// New returns an importer; log may be nil.
func New(db *store.DB, e *records.Engine, log *slog.Logger) *Importer {
	if log == nil {
		log = slog.Default()
	}
	return &Importer{db: db, e: e, log: log, running: map[int64]*progress{}}
}

// errStrict rolls back a strict import that met a row error.
var errStrict = errors.New("a row has an error")

// errDryRun rolls back a dry run.
var errDryRun = errors.New("dry run")

// Run imports the file src (size bytes) as the actor in ctx. Bad options,
// a mapping that does not fit and a file that cannot be read are refused
// with a *fault.Error before anything is written. It returns the
// summary, also of a dry run and of a strict import refused for its row
// errors, which are logged too.
func (im *Importer) Run(ctx context.Context, src io.ReaderAt, size int64, opts Options) (*Summary, error) {
	run, err := im.prepare(ctx, src, size, opts)
	if err != nil {
		return nil, err
	}
	return run.execute(ctx, src, size)
}

// Start checks the options and the file's header as Run does, logs the
// import as running and runs it in the background, in ctx without its
// cancellation, answering its id at once; Get shows its progress, Cancel
// stops it. From then on the import owns f: it keeps it under its id
// until it ends, so that Resume can run it again if its process dies
// before, and then removes it. On an error the caller keeps f. done, when
// set, is called after the import has ended and is logged.
func (im *Importer) Start(ctx context.Context, f *File, opts Options, done func()) (string, error) {
	run, err := im.prepare(ctx, f, f.size, opts)
	if err != nil {
		return "", err
	}
	run.sum.Status = StatusRunning
	run.sum.again = againOf(run.opts)
	err = im.db.Tx(ctx, func(q store.Querier) error {
		run.logged, err = im.insertLog(ctx, q, run.sum)
		return err
	})
	if err != nil {
		return "", err
	}
	im.keep(ctx, f, run.logged)
	im.background(ctx, run, f, done)
	return fmtID(run.logged), nil
}

// background runs a prepared import, logged as running, in the
// background, and removes its file when it has ended.
func (im *Importer) background(ctx context.Context, run *run, f *File, done func()) {
	id := run.logged
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	p := &progress{started: time.Now(), cancel: cancel, done: make(chan struct{})}
	p.phase.Store("rows")
	im.mu.Lock()
	im.running[id] = p
	im.mu.Unlock()
	given, phase := run.opts.Progress, run.opts.Phase
	run.opts.Progress = func(rows int, elapsed time.Duration) {
		p.rows.Store(int64(rows))
		if given != nil {
			given(rows, elapsed)
		}
	}
	run.opts.Phase = func(name string) {
		p.phase.Store(name)
		if phase != nil {
			phase(name)
		}
	}
	go func() {
		var counting sync.WaitGroup
		defer func() {
			cancel()
			counting.Wait()
			f.Remove()
			im.mu.Lock()
			delete(im.running, id)
			im.mu.Unlock()
			close(p.done)
			if done != nil {
				done()
			}
		}()
		// The rows are counted beside the import, for the time left, and
		// once: dropIndexes, wanting the count too, waits for this one.
		run.count = sync.OnceValue(func() int64 { return countRows(ctx, f, f.size, run.opts) })
		counting.Add(1)
		go func() {
			defer counting.Done()
			p.total.Store(run.count())
		}()
		_, err := run.execute(ctx, f, f.size)
		switch {
		case err != nil && p.cancelled.Load():
			im.end(context.WithoutCancel(ctx), id, StatusCancelled, "", p.rows.Load())
		case err != nil:
			im.fail(context.WithoutCancel(ctx), id, err)
		}
	}()
}

// countRows is CountRows, and another counter in the tests.
var countRows = CountRows

// CountRows counts the data rows of a file, for the time an import has
// left; 0 when it cannot tell.
func CountRows(ctx context.Context, src io.ReaderAt, size int64, opts Options) int64 {
	rd, err := tabular.Open(src, size, opts.FileName, opts.Read)
	if err != nil {
		return 0
	}
	defer rd.Close()
	var n int64
	for ctx.Err() == nil {
		if _, err := rd.Next(); err != nil {
			if errors.Is(err, io.EOF) {
				return n
			}
			return 0
		}
		n++
	}
	return 0
}

// progress is how far a background import has come, and how to stop it.
type progress struct {
	started   time.Time
	rows      atomic.Int64
	total     atomic.Int64 // 0 until counted
	phase     atomic.Value // string
	cancel    context.CancelFunc
	cancelled atomic.Bool
	done      chan struct{} // closed when the import has ended and is logged
}

// view is the progress as Summary shows it.
func (p *progress) view() *Progress {
	rows, total := p.rows.Load(), p.total.Load()
	elapsed := time.Since(p.started).Seconds()
	out := &Progress{Rows: rows, Total: total, RowsPerSecond: float64(rows) / max(elapsed, 1e-3)}
	out.Phase, _ = p.phase.Load().(string)
	if total > rows && rows > 0 {
		out.SecondsLeft = float64(total-rows) / out.RowsPerSecond
	}
	return out
}

// fail logs that a background import failed as a whole: nothing of it
// was kept.
func (im *Importer) fail(ctx context.Context, id int64, cause error) {
	a, _ := access.ActorFrom(ctx)
	err := im.db.Tx(ctx, func(q store.Querier) error {
		_, err := q.ExecContext(ctx, `UPDATE imports SET status = ?, error = ? WHERE workspace_id = ? AND id = ?`,
			StatusFailed, cause.Error(), a.WorkspaceID, id)
		return err
	})
	if err != nil {
		im.log.ErrorContext(ctx, "logging a failed import", "import", id, "err", err, "cause", cause)
	}
}

// prepare checks the options and the file's header and decides the
// plan, before anything is written.
func (im *Importer) prepare(ctx context.Context, src io.ReaderAt, size int64, opts Options) (*run, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkOptions(&opts); err != nil {
		return nil, err
	}
	if err := im.resolveMapping(ctx, &opts); err != nil {
		return nil, err
	}
	obj := im.object(opts.Object)
	if err := im.authorize(ctx, a, obj, access.Create); err != nil {
		return nil, err
	}
	if opts.OnDuplicate == Update {
		if err := im.authorize(ctx, a, obj, access.Update); err != nil {
			return nil, err
		}
	}
	rd, err := tabular.Open(src, size, opts.FileName, opts.Read)
	if err != nil {
		return nil, fault.Field("file", "unreadable", "%s", err.Error())
	}
	header, settings := rd.Header(), rd.Settings()
	rd.Close()
	plan, err := im.plan(ctx, obj, header, opts)
	if err != nil {
		return nil, err
	}
	if err := im.mayMakeFields(ctx, a, plan); err != nil {
		return nil, err
	}
	if err := plan.typeNewFields(src, size, opts); err != nil {
		return nil, err
	}
	if err := plan.decideFormats(src, size, opts); err != nil {
		return nil, err
	}
	sum := &Summary{Status: StatusCommitted, Object: obj.Plural, FileName: opts.FileName, UserID: fmt.Sprint(a.UserID),
		Mapping: plan.mapping(), OnDuplicate: opts.OnDuplicate, Match: plan.match, Strict: opts.Strict,
		Silent: opts.Silent, NewFields: plan.madeFields(), CreatedAt: time.Now().UTC().Truncate(time.Second), Settings: &settings}
	return &run{im: im, plan: plan, opts: opts, actor: a, sum: sum, obj: obj,
		items: map[int64]*item{}, companyItems: map[int64]*item{}}, nil
}

// execute runs a prepared import in one transaction and logs it.
func (run *run) execute(ctx context.Context, src io.ReaderAt, size int64) (*Summary, error) {
	im, sum, opts, a := run.im, run.sum, run.opts, run.actor
	run.started = time.Now()
	if opts.Silent {
		// In the context, so that it holds in the background as well: the
		// engine's hooks and the outbox read it there.
		ctx = outbox.Silent(ctx)
	}
	err := im.db.Tx(ctx, func(q store.Querier) error {
		run.reset(q)
		// Hooks that can work on many records at once (duplicate keys
		// and pairs) do so once, before the commit.
		run.deferred = &records.Deferred{}
		ctx := records.WithDeferred(store.Within(ctx, q), run.deferred)
		// The fields the mapping makes are made here, each attempt
		// afresh, and seen by this transaction alone until it commits.
		ctx = records.WithStaged(ctx, &records.Staged{})
		if err := run.makeFields(ctx); err != nil {
			return err
		}
		if run.logged == 0 {
			id, err := im.insertLog(ctx, q, sum)
			if err != nil {
				return err
			}
			run.id = id
		} else {
			run.id = run.logged
			// The log row stays locked while the import runs, so that
			// Recover in a process starting beside this one passes it by.
			if _, err := q.ExecContext(ctx, `UPDATE imports SET status = status WHERE workspace_id = ? AND id = ?`, a.WorkspaceID, run.id); err != nil {
				return err
			}
		}
		if err := run.load(ctx); err != nil {
			return err
		}
		if err := run.dropIndexes(ctx, src, size); err != nil {
			return err
		}
		// A transaction the database aborted for a collision is run
		// again from the start (store.Tx): so is the file, from its
		// first row. OnRow then hears of the rows again.
		rows, err := tabular.Open(src, size, opts.FileName, opts.Read)
		if err != nil {
			return fault.Field("file", "unreadable", "%s", err.Error())
		}
		defer rows.Close()
		if err := run.rows(ctx, rows); err != nil {
			return err
		}
		if opts.Strict && sum.Failed > 0 {
			return errStrict
		}
		if opts.DryRun {
			return errDryRun
		}
		sum.Status = StatusCommitted
		return run.finish(ctx)
	})
	switch {
	case errors.Is(err, errStrict):
		sum.Status = StatusRefused
	case errors.Is(err, errDryRun):
		sum.Status = StatusDryRun
	case err != nil:
		return nil, err
	}
	if opts.Progress != nil {
		opts.Progress(sum.Rows, time.Since(run.started))
	}
	if sum.Status != StatusCommitted {
		// What was rolled back is logged all the same, with its errors,
		// so that its report can be downloaded.
		err := im.db.Tx(ctx, func(q store.Querier) error {
			if run.logged == 0 {
				id, err := im.insertLog(ctx, q, sum)
				if err != nil {
					return err
				}
				run.id = id
			} else if err := run.updateLog(ctx, q); err != nil {
				return err
			}
			return im.insertProblems(ctx, q, a.WorkspaceID, run.id, sum.Problems)
		})
		if err != nil {
			return nil, err
		}
	}
	sum.ID = fmt.Sprint(run.id)
	return sum, nil
}

func checkOptions(opts *Options) error {
	if !slices.Contains(Objects, opts.Object) {
		return fault.Field("object", "option", "must be one of %s", strings.Join(Objects, ", "))
	}
	if opts.OnDuplicate == "" {
		opts.OnDuplicate = Skip
	}
	if !slices.Contains(Policies, opts.OnDuplicate) {
		return fault.Field("on_duplicate", "option", "must be one of %s", strings.Join(Policies, ", "))
	}
	if opts.Match != "" && !slices.Contains(Matches, opts.Match) {
		return fault.Field("match", "option", "must be one of %s", strings.Join(Matches, ", "))
	}
	if opts.Dates != "" && opts.Dates != "day" && opts.Dates != "month" {
		return fault.Field("dates", "option", "must be day (31/01/2026) or month (01/31/2026)")
	}
	if opts.DecimalMark != 0 && opts.DecimalMark != '.' && opts.DecimalMark != ',' {
		return fault.Field("decimal_mark", "option", "must be . or ,")
	}
	if strings.TrimSpace(opts.FileName) == "" {
		opts.FileName = "import.csv"
	}
	return nil
}

// ParseMapping reads a mapping from JSON: an object of header to field.
func ParseMapping(data []byte) (map[string]string, error) {
	var m map[string]*string
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fault.Field("mapping", "json", "must be a JSON object of column header to field name: %v", err)
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if v != nil {
			out[k] = *v
		} else {
			out[k] = ""
		}
	}
	return out, nil
}

// dateOrder is the cell order of a plan's option.
func dateOrder(s string) cell.Order {
	switch s {
	case "day":
		return cell.DayFirst
	case "month":
		return cell.MonthFirst
	}
	return 0
}

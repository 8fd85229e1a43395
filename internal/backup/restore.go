package backup

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"time"

	"github.com/rapport-crm/rapport/internal/store"
)

// seeded are the tables the migrations fill (the default workspace and
// its built-in roles): a freshly migrated database holds rows only there,
// and a restore replaces them with the backup's. TestSeededTables keeps
// this list in step with the migrations.
var seeded = []string{"roles", "workspaces"}

// Restore loads the backup r into db, which must be empty (freshly
// migrated) and at the schema version the backup was taken at. Everything
// happens in one transaction that commits only once the whole file has
// been read and its checksum matches, so a damaged, cut or refused file
// leaves db as it was. A backup of SQLite is unpacked into a file of
// os.TempDir first and its tables read from there; RestoreSQLite
// restores one into SQLite much faster. log, when not nil, hears of each
// phase and each table: a restore of a large backup into PostgreSQL takes
// minutes.
func Restore(ctx context.Context, db *store.DB, r io.Reader, log *slog.Logger) (Summary, error) {
	b, err := open(r)
	if err != nil {
		return Summary{}, err
	}
	defer b.close()
	return restore(ctx, db, b, log)
}

// opened is a backup whose header has been read.
type opened struct {
	h     header
	lr    *lineReader
	rest  io.Reader // the content, read to its end to check its compression
	close func()
}

// open decompresses r and reads its header.
func open(r io.Reader) (*opened, error) {
	content, release, err := decompress(r)
	if err != nil {
		return nil, err
	}
	lr := newLineReader(content)
	h, err := readHeader(lr)
	if err != nil {
		release()
		return nil, err
	}
	return &opened{h: h, lr: lr, rest: content, close: release}, nil
}

// restore loads the opened backup b into db by rows, telling log (when
// not nil) of its phases and tables.
func restore(ctx context.Context, db *store.DB, b *opened, log *slog.Logger) (Summary, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := sameSchema(ctx, db, b.h); err != nil {
		return Summary{}, err
	}
	if b.h.Content == contentSQLite {
		return restoreFile(ctx, db, b, log)
	}
	sum := Summary{Schema: b.h.Schema, Dialect: b.h.Dialect}
	err := inTx(ctx, db, log, func(t target) error {
		if err := t.prepare(ctx); err != nil {
			return err
		}
		if err := load(ctx, t, b, &sum); err != nil {
			return integrity(b, err)
		}
		if err := drain(b.rest); err != nil {
			return err
		}
		return t.finish(ctx)
	})
	return sum, err
}

// sameSchema refuses a backup taken at another schema version than db's.
func sameSchema(ctx context.Context, db *store.DB, h header) error {
	schemaNow, err := store.SchemaVersion(ctx, db.Reader())
	if err != nil {
		return err
	}
	switch {
	case h.Schema > schemaNow:
		return fmt.Errorf("%w: it was taken at schema version %d and this database is at %d; restore it with a newer rapport", ErrNewer, h.Schema, schemaNow)
	case h.Schema < schemaNow:
		return fmt.Errorf("the backup was taken at schema version %d and this database is at %d: restore it with the rapport version that took it, then upgrade", h.Schema, schemaNow)
	}
	return nil
}

// trailer reads the line that follows a SQLite file, checks the checksum
// it gives and reads to the end of the content.
func (b *opened) trailer() error {
	line, err := b.lr.read()
	if err != nil {
		return err
	}
	var m marker
	if err := json.Unmarshal(line, &m); err != nil || m.Trailer == nil {
		return fmt.Errorf("%w: its database is not followed by its trailer", ErrCorrupt)
	}
	if m.Trailer.SHA256 != b.lr.checksum() {
		return fmt.Errorf("%w: its checksum does not match its content", ErrCorrupt)
	}
	return drain(b.rest)
}

// readHeader reads and checks the first line.
func readHeader(lr *lineReader) (header, error) {
	var h header
	line, err := lr.read()
	if err != nil {
		return h, err
	}
	if err := json.Unmarshal(line, &h); err != nil || h.Format != Format {
		return h, fmt.Errorf("%w: it does not start with a Rapport backup header", ErrCorrupt)
	}
	if h.Version > Version {
		return h, fmt.Errorf("%w: its format version is %d and this rapport reads up to %d", ErrNewer, h.Version, Version)
	}
	switch h.Content {
	case "":
		h.Content = contentRows
	case contentRows, contentSQLite:
	default:
		return h, fmt.Errorf("%w: its content %q is none this rapport knows", ErrCorrupt, h.Content)
	}
	lr.consume(line)
	return h, nil
}

// load reads the tables of the backup into t, up to and including the
// trailer, whose counts and checksum it checks.
func load(ctx context.Context, t target, b *opened, sum *Summary) error {
	lr := b.lr
	for {
		line, err := lr.read()
		if err != nil {
			return err
		}
		var m marker
		if err := json.Unmarshal(line, &m); err != nil {
			return fmt.Errorf("%w: a line that is not a table or a trailer: %v", ErrCorrupt, err)
		}
		if m.Trailer != nil {
			switch {
			case m.Trailer.SHA256 != lr.checksum():
				return fmt.Errorf("%w: its checksum does not match its content", ErrCorrupt)
			case m.Trailer.Tables != sum.Tables || m.Trailer.Rows != sum.Rows:
				return fmt.Errorf("%w: its trailer counts %d tables and %d rows, the file holds %d and %d",
					ErrCorrupt, m.Trailer.Tables, m.Trailer.Rows, sum.Tables, sum.Rows)
			}
			return nil
		}
		if m.Table == "" {
			return fmt.Errorf("%w: a line that is not a table or a trailer", ErrCorrupt)
		}
		lr.consume(line)
		start := time.Now()
		n, loaded, err := loadTable(ctx, t, lr, m.tableStart)
		if err != nil {
			return fmt.Errorf("restore table %s: %w", m.Table, err)
		}
		t.loaded(m.Table, n, loaded, start)
		sum.Tables++
		sum.Rows += n
		if !loaded {
			sum.Skipped = append(sum.Skipped, m.Table)
		}
	}
}

// loadTable loads the rows that follow a table's start line. A table the
// target lacks, or whose columns there differ from the backup's (a
// table of one dialect's own shape), is read past and left empty.
func loadTable(ctx context.Context, t target, lr *lineReader, start tableStart) (int64, bool, error) {
	src := &rowSource{lr: lr}
	dst, ok := t.table(start.Table)
	cols, kinds, fits := matchColumns(start.Columns, dst)
	if !ok || !fits {
		for src.Next() {
		}
		return src.n, false, src.Err()
	}
	src.pick, src.kinds, src.dialect = cols, kinds, t.dialect()
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = start.Columns[c]
	}
	if err := t.load(ctx, start.Table, names, src); err != nil {
		return src.n, true, err
	}
	if src.Err() != nil {
		return src.n, true, src.Err()
	}
	return src.n, true, t.nextID(ctx, dst, start.NextID)
}

// matchColumns picks the backup's columns to insert into dst (every one
// but those dst computes itself) and their kinds there. It reports false
// when the two do not fit: a column of the backup that dst lacks, or one
// of dst's that the backup lacks.
func matchColumns(backup []string, dst table) (pick []int, kinds []kind, fits bool) {
	for i, name := range backup {
		c, ok := dst.column(name)
		if !ok {
			return nil, nil, false
		}
		if !c.generated {
			pick = append(pick, i)
			kinds = append(kinds, c.kind)
		}
	}
	for _, c := range dst.columns {
		if !c.generated && !slices.Contains(backup, c.name) {
			return nil, nil, false
		}
	}
	return pick, kinds, true
}

// source is the rows of one table, converted for the target: what
// PostgreSQL's COPY (pgx.CopyFromSource) and SQLite's inserts read.
type source interface {
	Next() bool
	Values() ([]any, error)
	Err() error
}

// rowSource reads the row lines of one table, converted for the target,
// until the next table's line (which it puts back). It serves both
// PostgreSQL's COPY (pgx.CopyFromSource) and SQLite's inserts.
type rowSource struct {
	lr      *lineReader
	pick    []int
	kinds   []kind
	dialect store.Dialect
	vals    []any
	out     []any
	n       int64
	err     error
}

// Next reads the next row; false at the end of the table or on an error.
func (s *rowSource) Next() bool {
	if s.err != nil {
		return false
	}
	line, err := s.lr.read()
	if err != nil {
		s.err = err
		return false
	}
	if len(line) == 0 || line[0] != '[' {
		s.lr.unread(line)
		return false
	}
	s.lr.consume(line)
	s.n++
	if s.pick == nil { // a table being read past
		return true
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	s.vals = s.vals[:0]
	if err := dec.Decode(&s.vals); err != nil {
		s.err = fmt.Errorf("%w: row %d: %v", ErrCorrupt, s.n, err)
		return false
	}
	s.out = s.out[:0]
	for i, c := range s.pick {
		if c >= len(s.vals) {
			s.err = fmt.Errorf("%w: row %d has %d values", ErrCorrupt, s.n, len(s.vals))
			return false
		}
		v, err := convert(s.vals[c], s.kinds[i], s.dialect)
		if err != nil {
			s.err = fmt.Errorf("%w: row %d: %v", ErrCorrupt, s.n, err)
			return false
		}
		s.out = append(s.out, v)
	}
	return true
}

// Values is the current row's values, in the order of the target columns.
func (s *rowSource) Values() ([]any, error) { return s.out, nil }

// Err is what stopped the rows, if not their end.
func (s *rowSource) Err() error { return s.err }

// integrity explains a failed load: when the rest of the file is cut or
// does not match its checksum, that is the cause to report (a damaged
// value fails an insert before the checksum at the end can tell), and
// otherwise err is.
func integrity(b *opened, err error) error {
	if errors.Is(err, ErrCorrupt) || errors.Is(err, ErrTruncated) {
		return err
	}
	lr := b.lr
	for {
		line, rerr := lr.read()
		if rerr != nil {
			return rerr
		}
		var m marker
		if len(line) > 0 && line[0] == '{' && json.Unmarshal(line, &m) == nil && m.Trailer != nil {
			if m.Trailer.SHA256 != lr.checksum() {
				return fmt.Errorf("%w: its checksum does not match its content", ErrCorrupt)
			}
			if derr := drain(b.rest); derr != nil {
				return derr
			}
			return err
		}
		lr.consume(line)
	}
}

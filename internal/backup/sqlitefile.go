package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/rapport-crm/rapport/internal/store"
)

// A backup of SQLite holds the database file itself (decision 0069):
// SQLite's online backup copies the pages of one consistent snapshot
// many times faster than the rows can be read, encoded and inserted
// again, and a restore into SQLite is then a copy of the file.

// dbPath is the file of the SQLite database q reads.
func dbPath(ctx context.Context, q store.Querier) (string, error) {
	var path string
	err := q.QueryRowContext(ctx, `SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&path)
	if err == nil && path == "" {
		err = errors.New("the database has no file")
	}
	return path, err
}

// copyDatabase copies the SQLite database at src into the new, empty
// file dst with SQLite's online backup, in one step: one read
// transaction, so the copy is the database as it stood when the step
// began, while the server's writes carry on in the WAL.
func copyDatabase(ctx context.Context, src, dst string) error {
	from, err := sql.Open("sqlite3", "file:"+src+"?mode=ro&_busy_timeout=10000")
	if err != nil {
		return err
	}
	defer from.Close()
	// The copy is a scratch file: no journal, no waiting for the disk.
	to, err := sql.Open("sqlite3", "file:"+dst+"?_journal_mode=OFF&_synchronous=OFF")
	if err != nil {
		return err
	}
	defer to.Close()
	fc, err := from.Conn(ctx)
	if err != nil {
		return err
	}
	defer fc.Close()
	tc, err := to.Conn(ctx)
	if err != nil {
		return err
	}
	defer tc.Close()
	return fc.Raw(func(f any) error {
		return tc.Raw(func(t any) error {
			b, err := t.(*sqlite3.SQLiteConn).Backup("main", f.(*sqlite3.SQLiteConn), "main")
			if err != nil {
				return err
			}
			_, err = b.Step(-1)
			return errors.Join(err, b.Finish())
		})
	})
}

// openFile opens the SQLite file of a backup, made by this package.
func openFile(path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=10000")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// removeFile removes a SQLite file of this package's and what SQLite
// keeps beside it.
func removeFile(path string) {
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		os.Remove(path + suffix)
	}
}

// describe reads the schema version and the number of tables of the
// SQLite file path.
func describe(ctx context.Context, path string) (Summary, error) {
	db, err := openFile(path)
	if err != nil {
		return Summary{}, err
	}
	defer db.Close()
	return describeWith(ctx, db)
}

// describeWith reads the schema version and the number of tables of the
// SQLite database q reads.
func describeWith(ctx context.Context, q store.Querier) (Summary, error) {
	sum := Summary{Dialect: store.SQLite.Name()}
	var err error
	if sum.Schema, err = store.SchemaVersion(ctx, q); err != nil {
		return sum, err
	}
	tables, err := schema(ctx, q, store.SQLite)
	sum.Tables = len(tables)
	return sum, err
}

// writeSQLite writes a backup of the SQLite database db to w: its file,
// after a header that gives its size. The file is read as it is when the
// snapshot is all in it (see pinned); otherwise a copy is made in tmpDir.
func writeSQLite(ctx context.Context, db *store.DB, w io.Writer, tmpDir string) (Summary, error) {
	src, err := dbPath(ctx, db.Reader())
	if err != nil {
		return Summary{}, err
	}
	p, err := pin(ctx, src)
	if err != nil {
		return Summary{}, err
	}
	defer p.close()
	if p.size > 0 {
		sum, err := describeWith(ctx, p.conn)
		if err != nil {
			return Summary{}, err
		}
		sum.Bytes = p.size
		return sum, writeFile(w, src, p.size, sum)
	}
	p.close() // the copy takes a snapshot of its own
	tmp, err := os.CreateTemp(tmpDir, "rapport-backup-*.db")
	if err != nil {
		return Summary{}, err
	}
	tmp.Close()
	defer removeFile(tmp.Name())
	if err := copyDatabase(ctx, src, tmp.Name()); err != nil {
		return Summary{}, fmt.Errorf("copy the database: %w", err)
	}
	sum, err := describe(ctx, tmp.Name())
	if err != nil {
		return Summary{}, err
	}
	st, err := os.Stat(tmp.Name())
	if err != nil {
		return Summary{}, err
	}
	sum.Bytes = st.Size()
	return sum, writeFile(w, tmp.Name(), sum.Bytes, sum)
}

// writeFile writes the header, the first size bytes of the file path and
// the trailer.
func writeFile(w io.Writer, path string, size int64, sum Summary) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	lw := newLineWriter(w)
	h := header{Format: Format, Version: Version, Schema: sum.Schema, Dialect: sum.Dialect,
		Content: contentSQLite, Size: size, TakenAt: time.Now().UTC()}
	if err := lw.line(h); err != nil {
		return err
	}
	if err := lw.copy(io.LimitReader(f, size), size); err != nil {
		return err
	}
	return lw.close(sum.Tables, 0)
}

// pinning is a read transaction held on a SQLite database while its file
// is read. size is the bytes of the file that hold the transaction's
// snapshot, or 0 when the file does not hold it all.
type pinning struct {
	db   *sql.DB
	conn *sql.Conn
	size int64
}

// pin begins a read transaction on the database at path, then has a
// passive checkpoint copy the WAL into the database file. A checkpoint
// never copies a page past the snapshot of a transaction still reading,
// so when it has copied the whole WAL, the WAL held nothing newer than
// the snapshot, and the file's first page_count pages are the snapshot
// and stay so until the transaction ends: they can be read as they are,
// without a copy. When the server wrote meanwhile, the checkpoint stops
// short and size is 0.
func pin(ctx context.Context, path string) (*pinning, error) {
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_busy_timeout=10000")
	if err != nil {
		return nil, err
	}
	p := &pinning{db: db}
	if p.conn, err = db.Conn(ctx); err != nil {
		p.close()
		return nil, err
	}
	var pages, pageSize int64
	if _, err = p.conn.ExecContext(ctx, "BEGIN"); err == nil {
		err = p.conn.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages) // the snapshot begins here
	}
	if err == nil {
		err = p.conn.QueryRowContext(ctx, "PRAGMA page_size").Scan(&pageSize)
	}
	if err != nil {
		p.close()
		return nil, err
	}
	whole, err := checkpoint(ctx, path)
	if err != nil {
		p.close()
		return nil, err
	}
	if whole {
		p.size = pages * pageSize
	}
	return p, nil
}

// checkpoint runs a passive checkpoint of the database at path and
// reports whether it copied the whole WAL.
func checkpoint(ctx context.Context, path string) (bool, error) {
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=10000")
	if err != nil {
		return false, err
	}
	defer db.Close()
	var busy, frames, copied int64
	if err := db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied); err != nil {
		return false, err
	}
	return busy == 0 && frames == copied, nil
}

// close ends the transaction.
func (p *pinning) close() {
	if p.conn != nil {
		p.conn.ExecContext(context.Background(), "ROLLBACK")
		p.conn.Close()
		p.conn = nil
	}
	p.db.Close()
}

// unpack writes the SQLite file of the backup b into a new file in dir,
// checks it against the trailer and reads to the end of the stream, and
// checks that SQLite finds it whole and at the schema the header gives.
// The caller removes the file (removeFile).
func unpack(ctx context.Context, b *opened, dir string) (string, error) {
	tmp, err := os.CreateTemp(dir, "rapport-restore-*.db")
	if err != nil {
		return "", err
	}
	err = b.lr.copyTo(tmp, b.h.Size)
	if err == nil {
		err = b.trailer()
	}
	if err == nil {
		// Writing the file out to the disk takes about as long as
		// SQLite's check of it, which reads it from the page cache: the
		// two run side by side.
		synced := make(chan error, 1)
		go func() { synced <- tmp.Sync() }()
		err = errors.Join(check(ctx, tmp.Name(), b.h.Schema), <-synced)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		removeFile(tmp.Name())
		return "", err
	}
	return tmp.Name(), nil
}

// check opens the unpacked file: SQLite must find its pages and records
// whole (quick_check) and it must be at the schema version the header
// gives.
func check(ctx context.Context, path string, schema int64) error {
	db, err := openFile(path)
	if err != nil {
		return err
	}
	defer db.Close()
	var res string
	if err := db.QueryRowContext(ctx, `PRAGMA quick_check(1)`).Scan(&res); err != nil {
		return fmt.Errorf("%w: its database is damaged (%v)", ErrCorrupt, err)
	}
	if res != "ok" {
		return fmt.Errorf("%w: its database is damaged (%s)", ErrCorrupt, res)
	}
	got, err := store.SchemaVersion(ctx, db)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if got != schema {
		return fmt.Errorf("%w: its database is at schema version %d, its header says %d", ErrCorrupt, got, schema)
	}
	return nil
}

// RestoreSQLite restores the backup r into the SQLite database of
// dataDir (created and migrated if it is not there), which must be empty.
// A backup of SQLite is unpacked into a file beside the database,
// checked, and renamed into its place: the database is either the
// empty one it was or the whole backup. A backup of PostgreSQL is loaded
// row by row as Restore does, telling log (when not nil) of its tables.
func RestoreSQLite(ctx context.Context, r io.Reader, dataDir string, log *slog.Logger) (Summary, error) {
	b, err := open(r)
	if err != nil {
		return Summary{}, err
	}
	defer b.close()
	db, err := store.Open(ctx, "", dataDir)
	if err != nil {
		return Summary{}, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return Summary{}, err
	}
	if b.h.Content != contentSQLite {
		defer db.Close()
		return restore(ctx, db, b, log)
	}
	path, err := replaceable(ctx, db, b.h)
	if err != nil {
		db.Close()
		return Summary{}, err
	}
	file, err := unpack(ctx, b, filepath.Dir(path))
	if err != nil {
		db.Close()
		return Summary{}, err
	}
	defer removeFile(file)
	sum, err := describe(ctx, file)
	if err != nil {
		db.Close()
		return Summary{}, err
	}
	sum.Bytes = b.h.Size
	if err := db.Close(); err != nil {
		return Summary{}, err
	}
	return sum, swap(file, path)
}

// replaceable checks that db may be replaced by the backup of header h:
// at the same schema version, and empty. It returns db's file.
func replaceable(ctx context.Context, db *store.DB, h header) (string, error) {
	if err := sameSchema(ctx, db, h); err != nil {
		return "", err
	}
	tables, err := schema(ctx, db.Reader(), db.Dialect)
	if err != nil {
		return "", err
	}
	if err := empty(ctx, db.Reader(), tables); err != nil {
		return "", err
	}
	return dbPath(ctx, db.Reader())
}

// swap puts the file unpacked in place of the closed database at path.
// The WAL of the empty database goes first: left beside the new file,
// SQLite would replay its pages onto it.
func swap(file, path string) error {
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(path + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	if err := os.Rename(file, path); err != nil {
		return err
	}
	dir, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer dir.Close()
	return dir.Sync()
}

// restoreFile loads the tables of the SQLite backup b into db by rows:
// the file is unpacked into os.TempDir and its tables read from there.
func restoreFile(ctx context.Context, db *store.DB, b *opened, log *slog.Logger) (Summary, error) {
	start := time.Now()
	file, err := unpack(ctx, b, "")
	if err != nil {
		return Summary{}, err
	}
	log.Info("restore: database file unpacked", "bytes", b.h.Size, "took", time.Since(start).Round(time.Millisecond))
	defer removeFile(file)
	src, err := openFile(file)
	if err != nil {
		return Summary{}, err
	}
	defer src.Close()
	tables, err := schema(ctx, src, store.SQLite)
	if err != nil {
		return Summary{}, err
	}
	sum := Summary{Schema: b.h.Schema, Dialect: b.h.Dialect, Bytes: b.h.Size}
	err = inTx(ctx, db, log, func(t target) error {
		if err := t.prepare(ctx); err != nil {
			return err
		}
		for _, tb := range tables {
			start := time.Now()
			n, loaded, err := loadFileTable(ctx, t, src, tb)
			if err != nil {
				return fmt.Errorf("restore table %s: %w", tb.name, err)
			}
			t.loaded(tb.name, n, loaded, start)
			sum.Tables++
			sum.Rows += n
			if !loaded {
				sum.Skipped = append(sum.Skipped, tb.name)
			}
		}
		return t.finish(ctx)
	})
	return sum, err
}

// loadFileTable loads the table tb of the SQLite file src into t, as
// loadTable does a table of JSON lines.
func loadFileTable(ctx context.Context, t target, src *sql.DB, tb table) (int64, bool, error) {
	names := make([]string, len(tb.columns))
	for i, c := range tb.columns {
		names[i] = c.name
	}
	dst, ok := t.table(tb.name)
	pick, kinds, fits := matchColumns(names, dst)
	if !ok || !fits {
		var n int64
		err := src.QueryRowContext(ctx, "SELECT count(*) FROM "+quote(tb.name)).Scan(&n)
		return n, false, err
	}
	cols, selects := make([]string, len(pick)), make([]string, len(pick))
	for i, c := range pick {
		cols[i], selects[i] = names[c], quote(names[c])
	}
	rows, err := src.QueryContext(ctx, "SELECT "+strings.Join(selects, ", ")+" FROM "+quote(tb.name))
	if err != nil {
		return 0, true, err
	}
	s := newFileRows(rows, kinds, t.dialect())
	err = t.load(ctx, tb.name, cols, s)
	// The file has one connection: the rows give it back before nextID.
	rows.Close()
	if err = errors.Join(err, s.Err()); err != nil {
		return s.n, true, err
	}
	next, err := nextID(ctx, src, store.SQLite, tb)
	if err != nil {
		return s.n, true, err
	}
	return s.n, true, t.nextID(ctx, dst, next)
}

// fileRows reads rows of a table of a SQLite file, converted for the
// target's columns of kinds.
type fileRows struct {
	rows  *sql.Rows
	kinds []kind
	d     store.Dialect
	vals  []any
	ptrs  []any
	out   []any
	n     int64
	err   error
}

func newFileRows(rows *sql.Rows, kinds []kind, d store.Dialect) *fileRows {
	s := &fileRows{rows: rows, kinds: kinds, d: d, vals: make([]any, len(kinds)), ptrs: make([]any, len(kinds))}
	for i := range s.vals {
		s.ptrs[i] = &s.vals[i]
	}
	return s
}

func (s *fileRows) Next() bool {
	if s.err != nil || !s.rows.Next() {
		return false
	}
	if s.err = s.rows.Scan(s.ptrs...); s.err != nil {
		return false
	}
	s.n++
	s.out = s.out[:0]
	for i, v := range s.vals {
		c, err := convert(encode(v), s.kinds[i], s.d)
		if err != nil {
			s.err = fmt.Errorf("row %d: %w", s.n, err)
			return false
		}
		s.out = append(s.out, c)
	}
	return true
}

func (s *fileRows) Values() ([]any, error) { return s.out, nil }

func (s *fileRows) Err() error { return errors.Join(s.err, s.rows.Err()) }

// fileTable reads the rows of table name out of the SQLite backup b, as
// Table does.
func fileTable(b *opened, name string) ([]map[string]any, error) {
	ctx := context.Background()
	file, err := unpack(ctx, b, "")
	if err != nil {
		return nil, err
	}
	defer removeFile(file)
	db, err := openFile(file)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	tables, err := schema(ctx, db, store.SQLite)
	if err != nil || !slices.ContainsFunc(tables, func(t table) bool { return t.name == name }) {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, "SELECT * FROM "+quote(name))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []map[string]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make(map[string]any, len(cols))
		for i, c := range cols {
			row[c] = encode(vals[i])
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

package importer

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/store"
)

// File is a file to import, spooled to disk: the reader reads it at any
// offset (XLSX) and more than once (the sample that decides dates and
// numbers, the count of its rows). A background import keeps it, in the
// importer's directory, until the import ends, so that one its process
// did not see to the end can be resumed from it (decision 0067).
type File struct {
	f    *os.File
	path string
	size int64
}

// ReadAt reads the file at off.
func (f *File) ReadAt(p []byte, off int64) (int, error) { return f.f.ReadAt(p, off) }

// Size is the file's length in bytes.
func (f *File) Size() int64 { return f.size }

// Remove closes the file and removes it.
func (f *File) Remove() {
	f.f.Close()
	os.Remove(f.path)
}

// spoolLife bounds how long a spooled file waits for its import: the
// web app's uploads expire after two hours, an API request after one.
// On PostgreSQL, where server processes may share the directory, a
// younger one may be another process's.
const spoolLife = 3 * time.Hour

// KeepFiles makes dir, created if need be, the directory of the files
// of imports: those spooled for an import to come, and those of the
// background imports, until they end. Without it files are spooled in
// the system's temporary directory and an interrupted import cannot be
// resumed.
func (im *Importer) KeepFiles(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	im.dir = dir
	return nil
}

// Spool copies src to a new file, in the importer's directory. The
// caller removes it, unless Start takes it.
func (im *Importer) Spool(src io.Reader) (*File, error) {
	pattern := "upload-*"
	if im.dir == "" {
		pattern = "rapport-upload-*"
	}
	f, err := os.CreateTemp(im.dir, pattern)
	if err != nil {
		return nil, err
	}
	out := &File{f: f, path: f.Name()}
	if out.size, err = io.Copy(f, src); err != nil {
		out.Remove()
		return nil, err
	}
	return out, nil
}

// keptPath is where the file of import id is kept; "" without a
// directory.
func (im *Importer) keptPath(id int64) string {
	if im.dir == "" {
		return ""
	}
	return filepath.Join(im.dir, "import-"+strconv.FormatInt(id, 10))
}

// keep gives f the name of import id, under which a process starting
// after this one finds it. Without it the import runs all the same,
// but cannot be resumed.
func (im *Importer) keep(ctx context.Context, f *File, id int64) {
	path := im.keptPath(id)
	if path == "" {
		return
	}
	if err := os.Rename(f.path, path); err != nil {
		im.log.WarnContext(ctx, "keeping the file of an import", "import", id, "err", err)
		return
	}
	f.path = path
}

// openKept opens the kept file of import id.
func (im *Importer) openKept(id int64) (*File, error) {
	path := im.keptPath(id)
	if path == "" {
		return nil, os.ErrNotExist
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &File{f: f, path: path, size: st.Size()}, nil
}

// isKept reports whether the file of import id is kept here.
func (im *Importer) isKept(id int64) bool {
	path := im.keptPath(id)
	if path == "" {
		return false
	}
	_, err := os.Stat(path)
	return err == nil
}

// sweep removes the files no import needs any more: those of imports
// that are neither running nor interrupted (their process ended before
// it could remove them, or another process discarded them), and the
// spooled files left by a process that ended. The directory is read
// before the log, so that each kept file it lists has its import's row
// committed already.
func (im *Importer) sweep(ctx context.Context) error {
	if im.dir == "" {
		return nil
	}
	entries, err := os.ReadDir(im.dir)
	if err != nil {
		return err
	}
	ids, err := store.Column[int64](ctx, im.db.Reader(), `SELECT id FROM imports WHERE status IN (?, ?)`, StatusRunning, StatusInterrupted)
	if err != nil {
		return err
	}
	needed := map[int64]bool{}
	for _, id := range ids {
		needed[id] = true
	}
	var errs []error
	for _, e := range entries {
		if im.orphan(e, needed) {
			errs = append(errs, os.Remove(filepath.Join(im.dir, e.Name())))
		}
	}
	return errors.Join(errs...)
}

// orphan reports whether the file e of the directory is needed no more.
// SQLite has one server process, which is starting: every spooled file
// is another's leftover. On PostgreSQL one is only when it is too old
// to be waiting still.
func (im *Importer) orphan(e os.DirEntry, needed map[int64]bool) bool {
	name := e.Name()
	if id, ok := strings.CutPrefix(name, "import-"); ok {
		n, err := strconv.ParseInt(id, 10, 64)
		return err == nil && !needed[n]
	}
	if !strings.HasPrefix(name, "upload-") {
		return false
	}
	if im.db.Dialect == store.SQLite {
		return true
	}
	info, err := e.Info()
	return err == nil && time.Since(info.ModTime()) > spoolLife
}

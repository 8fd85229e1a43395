// Package backup writes a consistent, compressed snapshot of a Rapport
// database while the server runs, and restores one into an empty
// database of either dialect, so that a backup of SQLite can become a
// PostgreSQL database and the other way round.
//
// A backup (docs/decisions/0039-backup-format.md, 0069-backup-of-the-database-file.md)
// is an S2 stream (format 2; format 1, still read, was gzip) whose
// content is a header line, a body and a trailer line:
//
//	{"format":"rapport-backup","version":2,"schema":34,"dialect":"sqlite","content":"sqlite","size":8192,"taken_at":"…"}
//	… size bytes: the SQLite database file, as SQLite's online backup copied it
//	{"trailer":{"tables":60,"rows":0,"sha256":"…"}}
//
// A backup of PostgreSQL has content "rows": its body is JSON lines,
// per table a line naming its columns, then one array per row:
//
//	{"table":"contacts","columns":["id","workspace_id",…],"next_id":1001}
//	[1,1,"Ada",…]                 one line per row, values in column order
//
// The checksum is SHA-256 over everything before the trailer, as written
// (uncompressed), so that a restore can tell a damaged or cut file from a
// whole one before it commits.
package backup

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"time"
)

// Format names the file; Version is the newest layout this code writes and
// reads.
const (
	Format  = "rapport-backup"
	Version = 2
)

// What a backup's body holds.
const (
	contentRows   = "rows"   // JSON lines of every table (format 1 always)
	contentSQLite = "sqlite" // the SQLite database file
)

// header opens a backup.
type header struct {
	Format  string    `json:"format"`
	Version int       `json:"version"`
	Schema  int64     `json:"schema"`
	Dialect string    `json:"dialect"`
	Content string    `json:"content,omitempty"` // contentRows when empty
	Size    int64     `json:"size,omitempty"`    // bytes of the SQLite file
	TakenAt time.Time `json:"taken_at"`
}

// tableStart opens a table's rows. NextID, when set, is the lowest id the
// source would have given a new row: restoring it keeps ids of rows the
// source deleted from coming back.
type tableStart struct {
	Table   string   `json:"table"`
	Columns []string `json:"columns"`
	NextID  int64    `json:"next_id,omitempty"`
}

// trailer closes a backup.
type trailer struct {
	Tables int    `json:"tables"`
	Rows   int64  `json:"rows"`
	SHA256 string `json:"sha256"`
}

// marker is any line that is not a row.
type marker struct {
	tableStart
	Trailer *trailer `json:"trailer,omitempty"`
}

// Errors a restore returns for a file it will not load; each says what is
// wrong in one line.
var (
	ErrCorrupt   = errors.New("the backup is corrupted")
	ErrTruncated = errors.New("the backup is truncated (it ends before its trailer)")
	ErrNewer     = errors.New("the backup is newer than this rapport")
	ErrNotEmpty  = errors.New("the target database already holds data")
)

// lineWriter writes the lines of a backup and hashes them.
type lineWriter struct {
	w    *bufio.Writer
	hash hash.Hash
	buf  bytes.Buffer
}

func newLineWriter(w io.Writer) *lineWriter {
	return &lineWriter{w: bufio.NewWriterSize(w, 1<<16), hash: sha256.New()}
}

// line writes v as one JSON line and hashes it.
func (lw *lineWriter) line(v any) error {
	lw.buf.Reset()
	enc := json.NewEncoder(&lw.buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil { // Encode ends the line
		return err
	}
	lw.hash.Write(lw.buf.Bytes())
	_, err := lw.w.Write(lw.buf.Bytes())
	return err
}

// close writes the trailer, with the checksum of every line before it.
func (lw *lineWriter) close(tables int, rows int64) error {
	t := trailer{Tables: tables, Rows: rows, SHA256: hex.EncodeToString(lw.hash.Sum(nil))}
	b, err := json.Marshal(struct {
		Trailer trailer `json:"trailer"`
	}{t})
	if err != nil {
		return err
	}
	if _, err := lw.w.Write(append(b, '\n')); err != nil {
		return err
	}
	return lw.w.Flush()
}

// lineReader reads the lines of a backup, hashing all but the trailer.
type lineReader struct {
	r    *bufio.Reader
	hash hash.Hash
	next []byte // a line read ahead, not yet hashed
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 1<<16), hash: sha256.New()}
}

// read returns the next line; the slice is valid until the next call.
func (lr *lineReader) read() ([]byte, error) {
	if lr.next != nil {
		b := lr.next
		lr.next = nil
		return b, nil
	}
	b, err := lr.r.ReadSlice('\n')
	if err == bufio.ErrBufferFull { // a long line: gather it whole
		whole := append([]byte(nil), b...)
		for err == bufio.ErrBufferFull {
			b, err = lr.r.ReadSlice('\n')
			whole = append(whole, b...)
		}
		b = whole
	}
	switch {
	case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
		return nil, ErrTruncated
	case err != nil:
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return b, nil
}

// unread puts back a line that read returned, unhashed.
func (lr *lineReader) unread(b []byte) { lr.next = append([]byte(nil), b...) }

// consume hashes a line that belongs to the content.
func (lr *lineReader) consume(b []byte) { lr.hash.Write(b) }

// checksum is the hash of the content consumed so far.
func (lr *lineReader) checksum() string { return hex.EncodeToString(lr.hash.Sum(nil)) }

// copy writes the n bytes of r as content, hashed.
func (lw *lineWriter) copy(r io.Reader, n int64) error {
	got, err := io.Copy(io.MultiWriter(lw.hash, lw.w), r)
	if err == nil && got != n {
		err = fmt.Errorf("the database file changed size while it was read: %d bytes, not %d", got, n)
	}
	return err
}

// copyTo copies the next n bytes of content to w, hashed.
func (lr *lineReader) copyTo(w io.Writer, n int64) error {
	got, err := io.Copy(io.MultiWriter(w, lr.hash), io.LimitReader(readFailure{lr.r}, n))
	var rf readFailed
	switch {
	case errors.As(err, &rf):
		return readErr(rf.err)
	case err != nil:
		return err
	case got < n:
		return ErrTruncated
	}
	return nil
}

// readFailure marks the errors of reading a backup, apart from those of
// writing what it holds.
type readFailure struct{ r io.Reader }

type readFailed struct{ err error }

func (e readFailed) Error() string { return e.err.Error() }

func (f readFailure) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err != nil && err != io.EOF {
		err = readFailed{err}
	}
	return n, err
}

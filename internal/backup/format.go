// Package backup writes a consistent, compressed snapshot of a Rapport
// database while the server runs, and restores one into an empty
// database of either dialect, so that a backup of SQLite can become a
// PostgreSQL database and the other way round.
//
// A backup is a gzip stream of JSON lines (docs/decisions/0039-backup-format.md):
//
//	{"format":"rapport-backup","version":1,"schema":34,"dialect":"sqlite","taken_at":"…"}
//	{"table":"contacts","columns":["id","workspace_id",…],"next_id":1001}
//	[1,1,"Ada",…]                 one line per row, values in column order
//	…
//	{"trailer":{"tables":60,"rows":12345,"sha256":"…"}}
//
// The checksum is SHA-256 over every line before the trailer, as written
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
	"sync/atomic"
	"time"
)

// Format names the file; Version is the newest layout this code writes and
// reads.
const (
	Format  = "rapport-backup"
	Version = 1
)

// header opens a backup.
type header struct {
	Format  string    `json:"format"`
	Version int       `json:"version"`
	Schema  int64     `json:"schema"`
	Dialect string    `json:"dialect"`
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

// asideWriter hands what is written to it to w on a goroutine of its
// own, a copy of each write at a time, so that the writer's work (the
// compression) overlaps the caller's.
type asideWriter struct {
	blocks chan []byte
	free   chan []byte
	done   chan error
	failed atomic.Pointer[error] // the writer's error, seen by Write early
	err    error
}

func newAsideWriter(w io.Writer) *asideWriter {
	a := &asideWriter{blocks: make(chan []byte, 2), free: make(chan []byte, 3), done: make(chan error, 1)}
	go func() {
		var err error
		for b := range a.blocks {
			if err == nil {
				if _, err = w.Write(b); err != nil {
					a.failed.Store(&err)
				}
			}
			select {
			case a.free <- b[:0]:
			default:
			}
		}
		a.done <- err
	}()
	return a
}

// Write queues a copy of p. It fails once the writer has failed, so that
// a full disk stops the backup early.
func (a *asideWriter) Write(p []byte) (int, error) {
	if err := a.failed.Load(); err != nil {
		return 0, *err
	}
	var b []byte
	select {
	case b = <-a.free:
	default:
	}
	a.blocks <- append(b, p...)
	return len(p), nil
}

// Close waits for the queued writes and reports the first error.
func (a *asideWriter) Close() error {
	if a.blocks != nil {
		close(a.blocks)
		a.blocks = nil
		a.err = <-a.done
	}
	return a.err
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

package backup

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync/atomic"

	"github.com/klauspost/compress/zstd"
)

// chunkSize is what each zstd frame of a backup holds before compression:
// frames are compressed independently, each on a core of its own, and
// read back as one stream.
const chunkSize = 4 << 20

// compressor is zstd at its fastest level; EncodeAll may be called from
// several goroutines at once.
var compressor, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest),
	zstd.WithEncoderConcurrency(runtime.GOMAXPROCS(0)))

// frameWriter compresses what is written to it in chunks of chunkSize,
// each into a zstd frame of its own on a goroutine of its own, and writes
// the frames to w in order on one more: the compression runs on every
// core, beside the reading of what it compresses. A stream of frames is
// one zstd stream to any reader.
type frameWriter struct {
	buf    []byte
	frames chan chan []byte // the frames in order, each ready when sent on
	slots  chan struct{}    // bounds the chunks being compressed
	done   chan error
	failed atomic.Pointer[error] // the writer's error, seen by Write early
	err    error
}

func newFrameWriter(w io.Writer) *frameWriter {
	n := runtime.GOMAXPROCS(0) + 1
	f := &frameWriter{frames: make(chan chan []byte, n), slots: make(chan struct{}, n), done: make(chan error, 1)}
	go func() {
		var err error
		for frame := range f.frames {
			b := <-frame
			if err == nil {
				if _, err = w.Write(b); err != nil {
					f.failed.Store(&err)
				}
			}
			<-f.slots
		}
		f.done <- err
	}()
	return f
}

// Write buffers p and hands each full chunk to a compressing goroutine.
// It fails once the writer has failed, so that a full disk stops the
// backup early.
func (f *frameWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if err := f.failed.Load(); err != nil {
			return 0, *err
		}
		if f.buf == nil {
			f.buf = make([]byte, 0, chunkSize)
		}
		k := min(len(p), chunkSize-len(f.buf))
		f.buf = append(f.buf, p[:k]...)
		p = p[k:]
		if len(f.buf) == chunkSize {
			f.flush()
		}
	}
	return n, nil
}

// flush compresses the buffered chunk as one frame.
func (f *frameWriter) flush() {
	if len(f.buf) == 0 {
		return
	}
	f.slots <- struct{}{}
	frame := make(chan []byte, 1)
	f.frames <- frame
	go func(chunk []byte) {
		frame <- compressor.EncodeAll(chunk, make([]byte, 0, len(chunk)/2))
	}(f.buf)
	f.buf = nil
}

// Close compresses what is left, waits for every frame to be written and
// reports the first error.
func (f *frameWriter) Close() error {
	if f.frames != nil {
		f.flush()
		close(f.frames)
		f.frames = nil
		f.err = <-f.done
	}
	return f.err
}

// zstdMagic and gzipMagic open a backup of format 2 and of format 1.
var (
	zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}
	gzipMagic = []byte{0x1f, 0x8b}
)

// decompress returns the content of the backup r, whichever of its
// formats' compressions it is, and a function that releases the reader.
func decompress(r io.Reader) (io.Reader, func(), error) {
	br := bufio.NewReaderSize(r, 1<<16)
	magic, err := br.Peek(len(zstdMagic))
	switch {
	case len(magic) == 0 && err != nil:
		return nil, nil, ErrTruncated
	case bytes.HasPrefix(magic, gzipMagic):
		gz, err := gzip.NewReader(br)
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, nil, ErrTruncated
		} else if err != nil {
			return nil, nil, fmt.Errorf("%w: not a gzip stream (%v)", ErrCorrupt, err)
		}
		return gz, func() {}, nil
	case bytes.Equal(magic, zstdMagic):
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(2))
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		return zr, zr.Close, nil
	case len(magic) < len(zstdMagic) && bytes.HasPrefix(zstdMagic, magic):
		return nil, nil, ErrTruncated
	}
	return nil, nil, fmt.Errorf("%w: it is neither a zstd nor a gzip stream", ErrCorrupt)
}

// readErr classifies an error reading the decompressed content.
func readErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return ErrTruncated
	case errors.Is(err, ErrCorrupt) || errors.Is(err, ErrTruncated):
		return err
	}
	return fmt.Errorf("%w: %v", ErrCorrupt, err)
}

// drain reads the content to its end, so that the compression checks its
// own checksums, and fails if anything follows the trailer.
func drain(r io.Reader) error {
	n, err := io.Copy(io.Discard, r)
	if err != nil {
		return readErr(err)
	}
	if n > 0 {
		return fmt.Errorf("%w: %d bytes follow its trailer", ErrCorrupt, n)
	}
	return nil
}

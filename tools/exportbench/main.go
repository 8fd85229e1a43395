// Command exportbench times the export of a whole list, as the API's
// GET /api/v1/exports/{object} runs it, on a database of the demo data:
// for each format, the rows written, the bytes, the wall time and the
// process's peak memory so far.
//
//	go run ./tools/exportbench --data-dir /path/to/copy                  # SQLite
//	go run ./tools/exportbench --db 'postgres://…/bench1m' --as user10@demo.rapport.example
//
// It writes one audit entry per export, so point it at a copy.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/export"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

func main() {
	dsn := flag.String("db", "", "a postgres:// URL; empty means SQLite in --data-dir")
	dir := flag.String("data-dir", "", "the SQLite data directory")
	object := flag.String("object", "contacts", "the list to export")
	formats := flag.String("formats", "csv,json,xlsx", "the formats, comma separated")
	as := flag.String("as", "user01@demo.rapport.example", "the user who exports (the demo's administrator by default)")
	out := flag.String("out", "", "a directory to keep the files in; empty counts the bytes only")
	profile := flag.String("cpuprofile", "", "write a CPU profile to this file")
	flag.Parse()
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "exportbench:", err)
			os.Exit(1)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	if err := run(*dsn, *dir, *object, *formats, *as, *out); err != nil {
		fmt.Fprintln(os.Stderr, "exportbench:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

func run(dsn, dir, object, formats, as, out string) error {
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, dir)
	if err != nil {
		return err
	}
	defer db.Close()
	var ws, user int64
	if err := db.Reader().QueryRowContext(ctx, `SELECT workspace_id, id FROM users WHERE email = ?`, as).Scan(&ws, &user); err != nil {
		return fmt.Errorf("user %s: %w", as, err)
	}
	engine := records.New(db, records.Options{Policy: access.NewRolePolicy(db), Logger: slog.New(slog.DiscardHandler)})
	ctx = access.WithActor(ctx, access.Actor{WorkspaceID: ws, UserID: user})
	fmt.Println("| format | rows | MB | seconds | rows/s | peak RSS MB |")
	fmt.Println("|---|---:|---:|---:|---:|---:|")
	for _, f := range strings.Split(formats, ",") {
		var w io.Writer = &counter{}
		var file *os.File
		if out != "" {
			if file, err = os.Create(out + "/" + object + "." + f); err != nil {
				return err
			}
			w = io.MultiWriter(w, file)
		}
		bw := bufio.NewWriterSize(w, 64<<10)
		start := time.Now()
		n, err := export.Write(ctx, db, engine, export.Request{Object: object, Format: f}, bw)
		if err == nil {
			err = bw.Flush()
		}
		took := time.Since(start)
		if file != nil {
			file.Close()
		}
		if err != nil {
			return err
		}
		size := float64(bytesOf(w)) / 1e6
		fmt.Printf("| %s | %d | %.1f | %.1f | %.0f | %d |\n", f, n, size, took.Seconds(), float64(n)/took.Seconds(), peakRSS()/1024)
	}
	return nil
}

// counter counts the bytes written through it.
type counter struct{ n int64 }

func (c *counter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

func bytesOf(w io.Writer) int64 {
	if c, ok := w.(*counter); ok {
		return c.n
	}
	return -1
}

// peakRSS is the process's peak resident memory in KiB (VmHWM).
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			var kb int64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(line, "VmHWM:"), "kB")), &kb)
			return kb
		}
	}
	return 0
}

// Command rapport runs the Rapport CRM: its server and the operator's
// commands around it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `rapport — the CRM people like

Usage:
  rapport serve [flags]                       run the server (SQLite in ./rapport-data unless --db is a postgres:// URL)
  rapport migrate [flags]                     apply database migrations
  rapport user create --email E --password P --role R [--name N]
  rapport token create --email E --name N [--scope read|read_write] [--expires 720h]
  rapport demo --contacts N [--seed S]        fill the workspace with synthetic demo data
  rapport export --as E [--object O] [--format csv|xlsx|json|vcf] [--query Q] [--out F]
                                              a list as user E may export it
  rapport backup [flags] FILE                 write a consistent, compressed snapshot of the database, also while it serves
  rapport restore [--erasures-from NEWER] FILE load a backup into an empty database (SQLite or PostgreSQL)
  rapport erase --contact ID --as E           erase a contact at the person's request, as administrator E
  rapport import [--object contacts|companies|deals|products|activities] [--mapping F|NAME] [--dry-run]
                 [--on-duplicate skip|update|create] [--match email|phone|sku|external_id] [--strict] [--as E] FILE
                                              a CSV or XLSX file, whole or not at all
  rapport import --undo ID                    remove what an import created, restore what it updated
  rapport version

Run "rapport COMMAND -h" for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	stopProfile := cpuProfile(os.Getenv("RAPPORT_CPUPROFILE"))
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stopProfile()
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "rapport:", err)
		os.Exit(1)
	}
}

// cpuProfile writes a CPU profile of the command to path, when it is set,
// until the returned function is called: how the benchmarks find where a
// bulk command spends its time.
func cpuProfile(path string) (stop func()) {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "rapport: RAPPORT_CPUPROFILE:", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// run dispatches to a subcommand. It takes its environment as arguments so
// that tests can run it in-process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch {
	case cmd == "serve":
		return serve(ctx, rest, stderr, getenv)
	case cmd == "migrate":
		return migrate(ctx, rest, stdout, stderr, getenv)
	case cmd == "user" && len(rest) > 0 && rest[0] == "create":
		return userCreate(ctx, rest[1:], stdout, stderr, getenv)
	case cmd == "token" && len(rest) > 0 && rest[0] == "create":
		return tokenCreate(ctx, rest[1:], stdout, stderr, getenv)
	case cmd == "demo":
		return demoCmd(ctx, rest, stdout, stderr, getenv)
	case cmd == "export":
		return exportCmd(ctx, rest, stdout, stderr, getenv)
	case cmd == "backup":
		return backupCmd(ctx, rest, stdout, stderr, getenv)
	case cmd == "restore":
		return restoreCmd(ctx, rest, stdout, stderr, getenv)
	case cmd == "erase":
		return eraseCmd(ctx, rest, stdout, stderr, getenv)
	case cmd == "import":
		return importCmd(ctx, rest, stdout, stderr, getenv)
	case cmd == "version":
		fmt.Fprintln(stdout, "rapport", version)
		return nil
	case cmd == "help" || cmd == "-h" || cmd == "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

// newLogger builds the process logger from the configured format and level.
func newLogger(w io.Writer, format, level string) *slog.Logger {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		lv = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

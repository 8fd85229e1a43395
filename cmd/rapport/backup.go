package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/rapport-crm/rapport/internal/backup"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// parseFile reads the flags and the one FILE argument of backup and
// restore.
func (c *command) parseFile(args []string, stderr io.Writer, getenv func(string) string) (string, error) {
	if err := c.fs.Parse(args); err != nil {
		return "", err
	}
	if c.fs.NArg() != 1 {
		return "", fmt.Errorf("%s needs one FILE argument (flags come before it)", c.fs.Name())
	}
	file := c.fs.Arg(0)
	if err := c.parse(nil, stderr, getenv); err != nil {
		return "", err
	}
	return file, nil
}

func backupCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	c := newCommand("backup", stderr)
	file, err := c.parseFile(args, stderr, getenv)
	if err != nil {
		return err
	}
	// Not migrated: a backup reads the database as the server left it.
	db, err := store.Open(ctx, c.cfg.DB, c.cfg.DataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	sum, err := backup.WriteFile(ctx, db, file)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(stdout, "backed up %d rows of %d tables (%s, schema version %d) to %s in %s\n",
		sum.Rows, sum.Tables, sum.Dialect, sum.Schema, file, time.Since(start).Round(time.Millisecond))
	return nil
}

func restoreCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	c := newCommand("restore", stderr)
	file, err := c.parseFile(args, stderr, getenv)
	if err != nil {
		return err
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	db, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	sum, err := backup.Restore(ctx, db, f)
	if err != nil {
		return fmt.Errorf("restore %s: %w", file, err)
	}
	fmt.Fprintf(stdout, "restored %d rows of %d tables (from %s, schema version %d) in %s\n",
		sum.Rows, sum.Tables, sum.Dialect, sum.Schema, time.Since(start).Round(time.Millisecond))
	if len(sum.Skipped) == 0 {
		return nil
	}
	// The search index differs between the dialects and is built afresh
	// from the restored records.
	start = time.Now()
	if err := rebuildSearch(ctx, c, db); err != nil {
		return fmt.Errorf("restore %s: the data is restored, but rebuilding the search index failed: %w", file, err)
	}
	fmt.Fprintf(stdout, "rebuilt the search index in %s\n", time.Since(start).Round(time.Millisecond))
	return nil
}

// rebuildSearch builds every workspace's search index from its records.
func rebuildSearch(ctx context.Context, c *command, db *store.DB) error {
	engine := records.New(db, records.Options{Logger: c.log, PhoneRegion: c.cfg.PhoneRegion})
	svc := newServices(c, db, engine)
	rows, err := db.Reader().QueryContext(ctx, `SELECT id FROM workspaces ORDER BY id`)
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, ws := range ids {
		if err := svc.search.Rebuild(ctx, ws); err != nil {
			return err
		}
	}
	return nil
}

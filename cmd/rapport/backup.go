package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/backup"
	"github.com/rapport-crm/rapport/internal/erasure"
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
	fmt.Fprintf(stdout, "backed up %s (%s, schema version %d) to %s in %s\n",
		covered(sum), sum.Dialect, sum.Schema, file, time.Since(start).Round(time.Millisecond))
	return nil
}

// covered says what a backup or a restore carried: rows, or the SQLite
// database file whole.
func covered(sum backup.Summary) string {
	if sum.Bytes > 0 && sum.Rows == 0 {
		return fmt.Sprintf("the database file of %d tables (%.1f MB)", sum.Tables, float64(sum.Bytes)/1e6)
	}
	return fmt.Sprintf("%d rows of %d tables", sum.Rows, sum.Tables)
}

func restoreCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	c := newCommand("restore", stderr)
	erasuresFrom := c.fs.String("erasures-from", "", "a newer backup whose erased contacts are erased again after the restore")
	file, err := c.parseFile(args, stderr, getenv)
	if err != nil {
		return err
	}
	// Read first, so that a bad file stops the restore before it starts.
	erased, err := erasedIn(*erasuresFrom)
	if err != nil {
		return fmt.Errorf("--erasures-from %s: %w", *erasuresFrom, err)
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	start := time.Now()
	sum, err := restoreFile(ctx, c, f)
	if err != nil {
		return fmt.Errorf("restore %s: %w", file, err)
	}
	fmt.Fprintf(stdout, "restored %s (from %s, schema version %d) in %s\n",
		covered(sum), sum.Dialect, sum.Schema, time.Since(start).Round(time.Millisecond))
	db, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	if len(sum.Skipped) > 0 {
		// The search index differs between the dialects and is built
		// afresh from the restored records.
		start = time.Now()
		if err := rebuildSearch(ctx, c, db); err != nil {
			return fmt.Errorf("restore %s: the data is restored, but rebuilding the search index failed: %w", file, err)
		}
		fmt.Fprintf(stdout, "rebuilt the search index in %s\n", time.Since(start).Round(time.Millisecond))
	}
	if len(erased) == 0 {
		return nil
	}
	engine := records.New(db, records.Options{Policy: access.NewRolePolicy(db), Logger: c.log, PhoneRegion: c.cfg.PhoneRegion})
	newServices(c, db, engine)
	n := 0
	for ws, ids := range erased {
		done, err := erasure.Reapply(ctx, db, engine, ws, ids)
		n += done
		if err != nil {
			return fmt.Errorf("restore %s: the data is restored, but erasing the erased contacts again failed after %d: %w", file, n, err)
		}
	}
	fmt.Fprintf(stdout, "erased %d contacts again, erased since the backup was taken\n", n)
	return nil
}

// restoreFile restores the backup f into the database of c: into SQLite
// by putting the backup's database file in place when it holds one.
func restoreFile(ctx context.Context, c *command, f io.Reader) (backup.Summary, error) {
	if c.cfg.DB == "" {
		return backup.RestoreSQLite(ctx, f, c.cfg.DataDir, c.log)
	}
	db, err := c.open(ctx)
	if err != nil {
		return backup.Summary{}, err
	}
	defer db.Close()
	return backup.Restore(ctx, db, f, c.log)
}

// erasedIn reads the erased contacts of the backup file, by workspace;
// none when file is "".
func erasedIn(file string) (map[int64][]string, error) {
	if file == "" {
		return nil, nil
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := backup.Table(f, "erasures")
	if err != nil {
		return nil, err
	}
	out := map[int64][]string{}
	for _, r := range rows {
		ws, err1 := strconv.ParseInt(fmt.Sprint(r["workspace_id"]), 10, 64)
		_, err2 := strconv.ParseInt(fmt.Sprint(r["contact_id"]), 10, 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%w: an erasure of no contact", backup.ErrCorrupt)
		}
		out[ws] = append(out[ws], fmt.Sprint(r["contact_id"]))
	}
	return out, nil
}

// rebuildSearch builds every workspace's search index from its records.
func rebuildSearch(ctx context.Context, c *command, db *store.DB) error {
	engine := records.New(db, records.Options{Logger: c.log, PhoneRegion: c.cfg.PhoneRegion})
	svc := newServices(c, db, engine)
	ids, err := store.Column[int64](ctx, db.Reader(), `SELECT id FROM workspaces ORDER BY id`)
	if err != nil {
		return err
	}
	for _, ws := range ids {
		if err := svc.search.Rebuild(ctx, ws); err != nil {
			return err
		}
	}
	return nil
}

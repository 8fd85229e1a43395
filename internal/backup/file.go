package backup

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/store"
)

// WriteFile writes a backup of db to path. It writes to a temporary file
// beside path and renames it at the end, so that path never holds a
// backup cut short; the copy of a SQLite database is made there too.
func WriteFile(ctx context.Context, db *store.DB, path string) (Summary, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.partial")
	if err != nil {
		return Summary{}, err
	}
	defer os.Remove(tmp.Name())
	sum, err := write(ctx, db, tmp, filepath.Dir(path))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	return sum, err
}

// Scheduled file names: the time a backup was taken, in UTC, so that
// their order by name is their order in time.
const (
	scheduledPrefix = "rapport-"
	scheduledSuffix = ".backup"
	scheduledTime   = "20060102T150405Z"
)

// Scheduled takes a backup of db into dir, named by the time now, and
// then removes all but the newest keep scheduled backups there. Files of
// other names in dir are left alone.
func Scheduled(ctx context.Context, db *store.DB, dir string, keep int, now time.Time) (string, Summary, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", Summary{}, err
	}
	path := filepath.Join(dir, scheduledPrefix+now.UTC().Format(scheduledTime)+scheduledSuffix)
	sum, err := WriteFile(ctx, db, path)
	if err != nil {
		return "", Summary{}, err
	}
	return path, sum, prune(dir, keep)
}

// prune removes the oldest scheduled backups of dir beyond keep.
func prune(dir string, keep int) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var names []string
	for _, e := range entries {
		name := e.Name()
		stamp, ok := strings.CutPrefix(name, scheduledPrefix)
		if stamp, ok2 := strings.CutSuffix(stamp, scheduledSuffix); ok && ok2 && e.Type().IsRegular() {
			if _, err := time.Parse(scheduledTime, stamp); err == nil {
				names = append(names, name)
			}
		}
	}
	slices.Sort(names)
	for len(names) > keep {
		if err := os.Remove(filepath.Join(dir, names[0])); err != nil {
			return fmt.Errorf("remove an old backup: %w", err)
		}
		names = names[1:]
	}
	return nil
}

package backup

import (
	"bytes"
	"context"
	"testing"

	"github.com/rapport-crm/rapport/internal/demo"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestPinnedFileIsTheSnapshot reads a database's file while a read
// transaction pins it, after writes and checkpoints made since the pin:
// the backup holds the database as it was when pinned.
func TestPinnedFileIsTheSnapshot(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	if _, err := demo.Generate(ctx, db, demo.Options{Contacts: 50, Seed: 5, Users: 2}); err != nil {
		t.Fatal(err)
	}
	path, err := dbPath(ctx, db.Reader())
	if err != nil {
		t.Fatal(err)
	}
	p, err := pin(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	if p.size == 0 {
		t.Fatal("a quiet database's file does not hold its snapshot")
	}
	sum, err := describeWith(ctx, p.conn)
	if err != nil {
		t.Fatal(err)
	}
	contacts := countOf(t, db, `SELECT count(*) FROM contacts`)
	// Every contact changed and the WAL copied into the file as far as
	// any checkpoint may.
	if _, err := db.Raw().ExecContext(ctx, `UPDATE contacts SET first_name = 'Changed'`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Raw().ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	cw := compress(&buf)
	if err := writeFile(cw, path, p.size, sum); err != nil {
		t.Fatal(err)
	}
	if err := cw.Close(); err != nil {
		t.Fatal(err)
	}
	p.close()

	dir := t.TempDir()
	if _, err := RestoreSQLite(ctx, &buf, dir, nil); err != nil {
		t.Fatal(err)
	}
	restored, err := store.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	if n := countOf(t, restored, `SELECT count(*) FROM contacts`); n != contacts {
		t.Errorf("the backup holds %d contacts, want %d", n, contacts)
	}
	if n := countOf(t, restored, `SELECT count(*) FROM contacts WHERE first_name = 'Changed'`); n != 0 {
		t.Errorf("the backup holds %d contacts changed after it was taken", n)
	}
}

func countOf(t *testing.T, db *store.DB, query string) int {
	t.Helper()
	var n int
	if err := db.Reader().QueryRowContext(context.Background(), query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

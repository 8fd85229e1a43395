// Package storetest opens migrated databases for tests: SQLite always, and
// PostgreSQL when RAPPORT_TEST_POSTGRES holds a URL, so that one suite runs
// on both.
//
// Running the migrations costs far more than any one test's queries, so
// each test gets a copy of a database migrated once: on SQLite a copy of
// a migrated file made once per test process, on PostgreSQL a database
// created from a migrated template database that every test process of
// the same migrations shares. A copy is still a fresh database of the
// test's own, and Open still runs Migrate on it (which finds nothing to
// do).
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/store"
)

// EnvPostgres names the variable holding the PostgreSQL URL for tests.
const EnvPostgres = "RAPPORT_TEST_POSTGRES"

// Each runs fn as a subtest once per available database, each with a
// fresh, migrated database of its own.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	if os.Getenv(EnvPostgres) != "" {
		t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
	}
}

// SQLite returns a migrated SQLite database in a temporary directory.
func SQLite(t testing.TB) *store.DB {
	t.Helper()
	return Open(t, "", SQLiteDir(t))
}

// SQLiteDir returns a temporary data directory holding a migrated SQLite
// database, for a test that opens it itself (the rapport binary, with
// --data-dir).
func SQLiteDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	file, err := migratedSQLite()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "rapport.db"), file, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Open opens and migrates the database at url (or SQLite in dir when url
// is empty) and closes it when the test ends. Opening the same url or dir
// twice gives two handles on one database, as two processes would have.
func Open(t testing.TB, url, dir string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), url, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// Postgres returns a migrated PostgreSQL database of its own, dropped when
// the test ends. It skips the test when RAPPORT_TEST_POSTGRES is not set.
func Postgres(t testing.TB) *store.DB {
	t.Helper()
	return Open(t, PostgresURL(t), "")
}

// PostgresURL creates a fresh, migrated database, copied from the
// template, and returns a URL whose connections use it. The database is
// dropped when the test ends. It skips the test when RAPPORT_TEST_POSTGRES
// is not set.
func PostgresURL(t testing.TB) string {
	t.Helper()
	admin := postgresAdmin(t)
	tmpl, err := migratedPostgres(admin)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("%s%d_%s", copyPrefix, time.Now().Unix(), randomHex())
	if _, err := admin.Exec("CREATE DATABASE " + name + " TEMPLATE " + tmpl); err != nil {
		t.Fatal(err)
	}
	// FORCE, because a server a test started may still hold connections
	// when the cleanup runs.
	t.Cleanup(func() { admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)") })
	u, err := databaseURL(os.Getenv(EnvPostgres), name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// EmptyPostgresURL creates a fresh schema with no tables and returns a URL
// whose connections use it, for the tests of migrating itself. The schema
// is dropped when the test ends.
func EmptyPostgresURL(t testing.TB) string {
	t.Helper()
	admin := postgresAdmin(t)
	schema := "t_" + randomHex()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Exec("DROP SCHEMA " + schema + " CASCADE") })
	u, err := url.Parse(os.Getenv(EnvPostgres))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// databaseURL is base with its database replaced by name.
func databaseURL(base, name string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

func randomHex() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

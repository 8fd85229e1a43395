package storetest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/rapport-crm/rapport/internal/store"
)

// sqliteTemplate is the file of a migrated SQLite database, made once per
// test process and written into each test's data directory.
var sqliteTemplate struct {
	once sync.Once
	file []byte
	err  error
}

func migratedSQLite() ([]byte, error) {
	sqliteTemplate.once.Do(func() {
		sqliteTemplate.file, sqliteTemplate.err = migrateSQLiteFile()
	})
	return sqliteTemplate.file, sqliteTemplate.err
}

func migrateSQLiteFile() ([]byte, error) {
	dir, err := os.MkdirTemp("", "rapport-storetest")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	db, err := store.Open(ctx, "", dir)
	if err != nil {
		return nil, err
	}
	err = db.Migrate(ctx)
	if err := errors.Join(err, db.Close()); err != nil {
		return nil, err
	}
	// Closing checkpoints the WAL into the file; a WAL left behind would
	// hold migrations the copied file lacks.
	path := filepath.Join(dir, "rapport.db")
	if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() > 0 {
		return nil, fmt.Errorf("the migrated template keeps a WAL of %d bytes", fi.Size())
	}
	return os.ReadFile(path)
}

// The PostgreSQL template is a database migrated once and then copied by
// CREATE DATABASE ... TEMPLATE for each test. It is named by the digest of
// the migrations, so test processes (and runs) of the same migrations
// share it, and a build with other migrations gets its own. It takes no
// connections, because PostgreSQL copies a template only while none is
// open. Each process notes its use in the database's comment; templates
// unused for a day are dropped, so old migrations do not pile up.
const (
	templatePrefix = "rapport_tmpl_"
	templateIdle   = 24 * time.Hour
)

// A test's copy is named by the time it was made. A test process that
// is killed leaves its copies behind; the first test of a later process
// drops those older than two hours (scripts/test stops a test process
// after 30 minutes).
const (
	copyPrefix = "t_copy_"
	copyLeft   = 2 * time.Hour
)

var pg struct {
	mu    sync.Mutex
	admin *sql.DB
	tmpl  string
}

// postgresAdmin is one pool on RAPPORT_TEST_POSTGRES for the process,
// which creates and drops the tests' databases. It skips the test when
// the variable is not set.
func postgresAdmin(t testing.TB) *sql.DB {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		t.Skip(EnvPostgres + " is not set")
	}
	pg.mu.Lock()
	defer pg.mu.Unlock()
	if pg.admin == nil {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			t.Fatal(err)
		}
		admin.SetMaxIdleConns(2)
		pg.admin = admin
	}
	return pg.admin
}

// migratedPostgres returns the name of the template database of the
// current migrations, creating it if no process has.
func migratedPostgres(admin *sql.DB) (string, error) {
	pg.mu.Lock()
	defer pg.mu.Unlock()
	if pg.tmpl != "" {
		return pg.tmpl, nil
	}
	digest, err := store.MigrationsDigest(store.Postgres)
	if err != nil {
		return "", err
	}
	name := templatePrefix + digest[:16]
	var found bool
	if err := admin.QueryRow(`SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)`, name).Scan(&found); err != nil {
		return "", err
	}
	if !found {
		if err := buildTemplate(admin, name); err != nil {
			return "", err
		}
		dropIdleTemplates(admin, name)
	}
	dropLeftCopies(admin)
	if _, err := admin.Exec(noteUse(name)); err != nil {
		return "", err
	}
	pg.tmpl = name
	return name, nil
}

// buildTemplate migrates a database under a name of its own and then
// renames it to name, so that no process copies a template half migrated;
// when another process won the race, its template stays.
func buildTemplate(admin *sql.DB, name string) error {
	building := name + "_" + randomHex()
	if _, err := admin.Exec("CREATE DATABASE " + building); err != nil {
		return err
	}
	admin.Exec(noteUse(building)) // so an abandoned build is dropped too
	ctx := context.Background()
	url, err := databaseURL(os.Getenv(EnvPostgres), building)
	var db *store.DB
	if err == nil {
		db, err = store.Open(ctx, url, "")
	}
	if err == nil {
		err = errors.Join(db.Migrate(ctx), db.Close())
	}
	if err == nil {
		_, err = admin.Exec("ALTER DATABASE " + building + " RENAME TO " + name)
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // duplicate_database
			admin.Exec("DROP DATABASE " + building + " WITH (FORCE)")
			return nil
		}
	}
	if err != nil {
		admin.Exec("DROP DATABASE IF EXISTS " + building + " WITH (FORCE)")
		return fmt.Errorf("migrate the template database: %w", err)
	}
	_, err = admin.Exec("ALTER DATABASE " + name + " ALLOW_CONNECTIONS false")
	return err
}

func noteUse(name string) string {
	return fmt.Sprintf("COMMENT ON DATABASE %s IS 'used %d'", name, time.Now().Unix())
}

// dropIdleTemplates drops the templates of other migrations that no test
// process has used for a day. Failing that is no reason to fail a test.
func dropIdleTemplates(admin *sql.DB, keep string) {
	rows, err := admin.Query(`SELECT datname, coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database
		WHERE starts_with(datname, $1) AND datname <> $2`, templatePrefix, keep)
	if err != nil {
		return
	}
	var idle []string
	for rows.Next() {
		var name, comment string
		if rows.Scan(&name, &comment) != nil {
			continue
		}
		used, err := strconv.ParseInt(strings.TrimPrefix(comment, "used "), 10, 64)
		if err == nil && time.Since(time.Unix(used, 0)) > templateIdle {
			idle = append(idle, name)
		}
	}
	rows.Close()
	for _, name := range idle {
		admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	}
}

// dropLeftCopies drops the copies that killed test processes left.
// Failing that is no reason to fail a test.
func dropLeftCopies(admin *sql.DB) {
	names, err := store.Column[string](context.Background(), admin,
		`SELECT datname FROM pg_database WHERE starts_with(datname, $1)`, copyPrefix)
	if err != nil {
		return
	}
	for _, name := range names {
		made, _, _ := strings.Cut(strings.TrimPrefix(name, copyPrefix), "_")
		if at, err := strconv.ParseInt(made, 10, 64); err == nil && time.Since(time.Unix(at, 0)) > copyLeft {
			admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		}
	}
}

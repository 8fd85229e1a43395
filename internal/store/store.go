// Package store opens Rapport's database, SQLite by default or PostgreSQL
// from a postgres:// URL, applies the embedded migrations, and runs
// transactions. Everything that differs between the two lives in Dialect.
package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "github.com/mattn/go-sqlite3"    // the SQLite driver, chosen in docs/decisions/0001-sqlite-driver.md
	"github.com/pressly/goose/v3"
)

//go:embed migrations
var migrations embed.FS

// DB is an open database: a writer and a pool of readers. On SQLite the
// writer is a single connection, because SQLite admits one writer at a time
// and queueing in Go is cheaper than spinning on SQLITE_BUSY; on PostgreSQL
// both are the same pool. A connection of its own answers readiness
// probes, so that queries holding every pooled connection cannot make a
// busy server look dead.
type DB struct {
	Dialect Dialect
	write   *sql.DB
	read    *sql.DB
	probe   *sql.DB
	ckpt    *checkpointer // SQLite only
}

// Open opens the database named by url. An empty url means SQLite in
// dataDir/rapport.db; a postgres:// or postgresql:// URL means PostgreSQL.
func Open(ctx context.Context, url, dataDir string) (*DB, error) {
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		return openPostgres(ctx, url)
	}
	if url != "" {
		return nil, fmt.Errorf("unsupported database URL %q: use a postgres:// URL, or none for SQLite", redact(url))
	}
	if dataDir == "" {
		dataDir = "rapport-data"
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	return openSQLite(ctx, filepath.Join(dataDir, "rapport.db"))
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	// _txlock=immediate takes the write lock at BEGIN, so a transaction
	// that reads then writes never fails half way with SQLITE_BUSY.
	params := "_journal_mode=WAL&_foreign_keys=on&_busy_timeout=10000&_synchronous=NORMAL"
	// The writer touches every index of a table on each insert; a 64 MiB
	// page cache keeps their upper levels in memory. Readers get 8 MiB each.
	write, err := sql.Open(writerDriver, "file:"+path+"?"+params+"&_txlock=immediate&_cache_size=-65536")
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	read, err := sql.Open(readerDriver, "file:"+path+"?"+params+"&mode=ro&_cache_size=-8192")
	if err != nil {
		write.Close()
		return nil, err
	}
	readers := max(4, 2*runtime.NumCPU())
	read.SetMaxOpenConns(readers)
	read.SetMaxIdleConns(readers)
	probe, err := sql.Open("sqlite3", "file:"+path+"?"+params+"&mode=ro")
	if err != nil {
		write.Close()
		read.Close()
		return nil, err
	}
	probe.SetMaxOpenConns(1)
	db := &DB{Dialect: SQLite, write: write, read: read, probe: probe}
	// The writer must create the file (and switch it to WAL) before a
	// read-only connection can open it.
	if err := write.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	if db.ckpt, err = startCheckpointer("file:" + path + "?" + params); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func openPostgres(ctx context.Context, url string) (*DB, error) {
	// When a query's context ends, pgx cuts its connection and sends
	// PostgreSQL a cancel request, which stops the query on the server;
	// openPgx makes the pool drop such a connection at once.
	pool, err := openPgx(url)
	if err != nil {
		return nil, err
	}
	pool.SetMaxOpenConns(max(8, 4*runtime.NumCPU()))
	pool.SetMaxIdleConns(max(8, 4*runtime.NumCPU()))
	pool.SetConnMaxIdleTime(5 * time.Minute)
	probe, err := sql.Open("pgx", url)
	if err != nil {
		pool.Close()
		return nil, err
	}
	probe.SetMaxOpenConns(1)
	db := &DB{Dialect: Postgres, write: pool, read: pool, probe: probe}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to postgres %s: %w", redact(url), err)
	}
	return db, nil
}

// redact hides a password in a database URL before it reaches a log.
func redact(url string) string {
	at := strings.LastIndex(url, "@")
	scheme := strings.Index(url, "://")
	if at < 0 || scheme < 0 {
		return url
	}
	userinfo := url[scheme+3 : at]
	if i := strings.Index(userinfo, ":"); i >= 0 {
		return url[:scheme+3] + userinfo[:i] + ":***" + url[at:]
	}
	return url
}

// Close closes both pools.
func (db *DB) Close() error {
	var err error
	if db.ckpt != nil {
		err = db.ckpt.close()
	}
	err = errors.Join(err, db.write.Close(), db.probe.Close())
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Ping checks that the database answers, on a connection that no query
// shares.
func (db *DB) Ping(ctx context.Context) error { return db.probe.PingContext(ctx) }

// Readers is how many connections the reader pool holds at most.
func (db *DB) Readers() int { return db.read.Stats().MaxOpenConnections }

// Stats returns the pool statistics of the reader and writer pools, for
// the metrics endpoint.
func (db *DB) Stats() map[string]*sql.DB {
	if db.read == db.write {
		return map[string]*sql.DB{"main": db.write}
	}
	return map[string]*sql.DB{"write": db.write, "read": db.read}
}

// MigrationsDigest is a digest of the dialect's embedded migrations: two
// databases migrated by builds with the same digest have the same schema.
// The tests name the migrated template they copy databases from by it.
func MigrationsDigest(d Dialect) (string, error) {
	dir := "migrations/sqlite"
	if d == Postgres {
		dir = "migrations/postgres"
	}
	h := sha256.New()
	err := fs.WalkDir(migrations, dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := migrations.ReadFile(path)
		fmt.Fprintf(h, "%s %d\n", path, len(b))
		h.Write(b)
		return err
	})
	return hex.EncodeToString(h.Sum(nil)), err
}

// Migrate applies every embedded migration that has not run yet.
func (db *DB) Migrate(ctx context.Context) error {
	dir, dialect := "migrations/sqlite", goose.DialectSQLite3
	if db.Dialect == Postgres {
		dir, dialect = "migrations/postgres", goose.DialectPostgres
	}
	fsys, err := fs.Sub(migrations, dir)
	if err != nil {
		return err
	}
	provider, err := goose.NewProvider(dialect, db.write, fsys)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := provider.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Querier runs queries written with ? placeholders on either dialect.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Column runs a query of one column through q and returns its values,
// row by row.
func Column[T any](ctx context.Context, q Querier, query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// conn adapts a *sql.DB or *sql.Tx to Querier, rewriting placeholders for
// the dialect on the way.
type conn struct {
	q interface {
		ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
		QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
		QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	}
	d Dialect
}

func (c conn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	counted(ctx)
	return c.q.ExecContext(ctx, c.d.Rebind(query), args...)
}

func (c conn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	counted(ctx)
	return c.q.QueryContext(ctx, c.d.Rebind(query), args...)
}

func (c conn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	counted(ctx)
	return c.q.QueryRowContext(ctx, c.d.Rebind(query), args...)
}

// Reader returns a Querier on the reader pool.
func (db *DB) Reader() Querier { return conn{q: db.read, d: db.Dialect} }

// Read returns the transaction ctx carries (see Within), so that a read
// made inside a transaction sees that transaction's own writes, or else
// the reader pool.
func (db *DB) Read(ctx context.Context) Querier {
	if q, ok := Joined(ctx); ok {
		return q
	}
	return db.Reader()
}

// maxAttempts bounds how often Tx runs a transaction that the database
// aborted to break a deadlock or a serialization conflict.
const maxAttempts = 4

// Tx runs fn in one write transaction, committing when fn returns nil and
// rolling back otherwise, so a failed call leaves nothing half written.
// When ctx already carries a transaction (see Within), fn runs in it.
//
// A transaction that the database aborted only because it collided with
// another one (a deadlock or serialization failure on PostgreSQL, a busy
// database on SQLite) is run again from the start, a few times at most,
// after a short random pause: nothing of the failed attempt was kept, so
// fn must only be a function of what it reads in the transaction. A
// joined transaction is never retried here; the one that began it is.
func (db *DB) Tx(ctx context.Context, fn func(q Querier) error) error {
	if q, ok := Joined(ctx); ok {
		return fn(q)
	}
	for attempt := 1; ; attempt++ {
		err := db.tx(ctx, fn)
		if err == nil || attempt == maxAttempts || !IsRetryable(err) {
			return err
		}
		// Up to 10, 20, 30 ms, at random, so that the two sides of a
		// deadlock do not collide again in step.
		pause := time.Duration(rand.Int64N(int64(attempt) * int64(10*time.Millisecond)))
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
	}
}

func (db *DB) tx(ctx context.Context, fn func(q Querier) error) (err error) {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(conn{q: tx, d: db.Dialect}); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

type txKey struct{}

// Within returns a context that carries q, a transaction begun by Tx. A Tx
// called with that context runs in q instead of beginning its own, so that
// a service can make several engine calls commit or fail together.
func Within(ctx context.Context, q Querier) context.Context {
	return context.WithValue(ctx, txKey{}, q)
}

// Joined returns the transaction ctx carries, if any.
func Joined(ctx context.Context) (Querier, bool) {
	q, ok := ctx.Value(txKey{}).(Querier)
	return q, ok
}

// Raw returns the writer pool for bulk loaders that need driver-specific
// paths (COPY on PostgreSQL).
func (db *DB) Raw() *sql.DB { return db.write }

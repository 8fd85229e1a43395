package store

import (
	"context"
	"database/sql"
	"fmt"
)

// Snapshot runs fn in one read-only transaction that sees the database as
// it stood when the transaction began, while writers carry on: on SQLite a
// read transaction on a reader connection (WAL keeps its snapshot), on
// PostgreSQL a REPEATABLE READ one. A backup reads every table through it,
// so that the tables agree with each other.
func (db *DB) Snapshot(ctx context.Context, fn func(q Querier) error) error {
	opts := &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	if db.Dialect == SQLite {
		opts = nil // a reader connection is read-only, and SQLite's reads are serializable
	}
	tx, err := db.read.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin snapshot: %w", err)
	}
	defer tx.Rollback()
	return fn(conn{q: tx, d: db.Dialect})
}

// SchemaVersion is the number of the newest migration applied, read
// through q (a snapshot's, so that it matches what the snapshot reads).
func SchemaVersion(ctx context.Context, q Querier) (int64, error) {
	var v sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT max(version_id) FROM goose_db_version WHERE is_applied`).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("schema version: %w", err)
	}
	return v.Int64, nil
}

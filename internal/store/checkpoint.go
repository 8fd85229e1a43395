package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/mattn/go-sqlite3"
)

// writerDriver opens SQLite's writer connection with automatic
// checkpoints off: left on, every thousandth page written makes the
// request that commits it copy the whole WAL into the database, which is
// what set the p99 of single-record writes. The checkpointer below does
// that work beside the requests instead.
const writerDriver = "sqlite3-rapport-writer"

func init() {
	sql.Register(writerDriver, &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
		if _, err := c.Exec("PRAGMA wal_autocheckpoint = 0", nil); err != nil {
			return err
		}
		return registerFold(c)
	}})
}

// checkpointInterval is how often the WAL is copied into the database.
const checkpointInterval = 250 * time.Millisecond

// checkpointer runs passive checkpoints on a connection of its own. A
// passive checkpoint never takes the write lock, so writers carry on while
// it copies pages.
type checkpointer struct {
	conn *sql.DB
	stop chan struct{}
	done chan struct{}
}

func startCheckpointer(dsn string) (*checkpointer, error) {
	conn, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, err
	}
	conn.SetMaxOpenConns(1)
	c := &checkpointer{conn: conn, stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c, nil
}

func (c *checkpointer) run() {
	defer close(c.done)
	tick := time.NewTicker(checkpointInterval)
	defer tick.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-tick.C:
			// A failure (the database busy or closing) is retried on the
			// next tick; the WAL only grows meanwhile.
			c.conn.ExecContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)")
		}
	}
}

// close stops the checkpointer after a last checkpoint that empties the
// WAL, so a stopped database is one self-contained file.
func (c *checkpointer) close() error {
	close(c.stop)
	<-c.done
	c.conn.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	return c.conn.Close()
}

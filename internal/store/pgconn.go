package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// openPgx opens a database/sql pool on PostgreSQL whose connections tell
// the pool when pgx has closed them.
//
// pgx closes a connection whose query was cancelled (it cannot know where
// the protocol stands), but its database/sql driver does not implement
// driver.Validator, so the pool kept such a connection as idle and found it
// bad only when handing it out again. database/sql retries that twice and
// then waits for a fresh connection; when the pool is full it is served by
// the next connection released, which after a burst of cancelled requests
// is often another closed one, and "driver: bad connection" reached the
// caller (the job queue's claim, or a request). With IsValid the pool drops
// a closed connection the moment it is released.
func openPgx(url string) (*sql.DB, error) {
	d, ok := stdlib.GetDefaultDriver().(driver.DriverContext)
	if !ok {
		return nil, fmt.Errorf("the pgx driver cannot open connectors")
	}
	c, err := d.OpenConnector(url)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(validating{c}), nil
}

// validating is a connector whose connections report whether they are
// still open.
type validating struct{ driver.Connector }

func (v validating) Connect(ctx context.Context) (driver.Conn, error) {
	c, err := v.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	pc, ok := c.(*stdlib.Conn)
	if !ok {
		return c, nil
	}
	return pgxConn{pc}, nil
}

// pgxConn is pgx's database/sql connection, every method of it, plus
// IsValid.
type pgxConn struct{ *stdlib.Conn }

// IsValid implements driver.Validator.
func (c pgxConn) IsValid() bool { return !c.Conn.Conn().IsClosed() }

// PgxConn returns the pgx connection under a driver connection of a
// PostgreSQL pool (inside sql.Conn.Raw), for what database/sql cannot do,
// such as COPY.
func PgxConn(dc any) (*pgx.Conn, bool) {
	switch c := dc.(type) {
	case pgxConn:
		return c.Conn.Conn(), true
	case *stdlib.Conn:
		return c.Conn(), true
	}
	return nil, false
}

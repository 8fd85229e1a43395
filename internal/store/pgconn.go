package store

import (
	"context"
	"database/sql"
	"database/sql/driver"

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
//
// Each connection runs with PostgreSQL's JIT compiler off unless the URL
// says otherwise (jit=on): Rapport's queries are short, and the planner's
// cost estimate of a report over a large table passes the JIT threshold,
// after which compiling took longer than the query (on the revenue report
// over a year of a million-contact database, 0.5 s of compiling for 0.35 s
// of work). See docs/decisions/0038-postgres-jit-off.md.
func openPgx(url string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	if _, set := cfg.RuntimeParams["jit"]; !set {
		cfg.RuntimeParams["jit"] = "off"
	}
	return sql.OpenDB(validating{stdlib.GetConnector(*cfg)}), nil
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

package store

import (
	"database/sql"
	"strings"

	"github.com/mattn/go-sqlite3"
)

// FoldFunc is the SQLite function that case-folds text for sorting and
// for case-insensitive prefixes: SQLite's own lower() folds ASCII only,
// which would sort "Иванов" and "иванов" apart and miss Cyrillic, Greek
// or Polish names typed in another case. It is deterministic, so indexes
// may use it; PostgreSQL's lower() does the same job there (see
// Dialect.Fold). A database file whose indexes use it needs Rapport (or a
// connection that registers the same function) to write those tables.
const FoldFunc = "rapport_fold"

// readerDriver opens SQLite's read-only connections.
const readerDriver = "sqlite3-rapport"

func init() {
	sql.Register(readerDriver, &sqlite3.SQLiteDriver{ConnectHook: registerFold})
}

func registerFold(c *sqlite3.SQLiteConn) error {
	if err := c.RegisterFunc(FoldFunc, func(v any) any {
		if b, ok := v.([]byte); ok && b == nil {
			return nil // the driver hands over NULL as a nil slice
		}
		return Fold(v)
	}, true); err != nil {
		return err
	}
	// A prefix test folds the value once, where a range on FoldFunc would
	// fold it twice: a list that tests records one by one calls it for
	// every record it reads.
	return c.RegisterFunc(prefixFunc, func(v, prefix any) any {
		s, ok := Fold(v).(string)
		p, pok := Fold(prefix).(string)
		if !ok || !pok {
			return nil
		}
		return strings.HasPrefix(s, p)
	}, true)
}

// prefixFunc is the SQLite function behind Dialect.FoldPrefix.
const prefixFunc = "rapport_has_prefix"

// Fold returns s case-folded the way FoldFunc and Dialect.Fold fold it:
// lower case by Unicode's rules. Values that are not text pass unchanged.
func Fold(v any) any {
	switch s := v.(type) {
	case string:
		return strings.ToLower(s)
	case []byte:
		return strings.ToLower(string(s))
	}
	return v
}

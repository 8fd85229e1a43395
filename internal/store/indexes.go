package store

import (
	"context"
	"slices"
)

// DropIndexes drops the indexes of an SQLite table that a CREATE INDEX
// made (not those behind its keys, nor those named in keep) and returns
// the statements that build them again. A bulk load into a table it at
// least doubles runs between the two, in one transaction: keeping a dozen
// indexes up to date row by row writes their pages again and again at
// random, while building one from sorted keys writes each page once.
// Readers keep seeing the database as it was until the commit.
func DropIndexes(ctx context.Context, q Querier, table string, keep ...string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT name, sql FROM sqlite_master
		WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name`, table)
	if err != nil {
		return nil, err
	}
	var names, creates []string
	for rows.Next() {
		var name, create string
		if err := rows.Scan(&name, &create); err != nil {
			rows.Close()
			return nil, err
		}
		if !slices.Contains(keep, name) {
			names, creates = append(names, name), append(creates, create)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, name := range names {
		if _, err := q.ExecContext(ctx, `DROP INDEX "`+name+`"`); err != nil {
			return nil, err
		}
	}
	return creates, nil
}

package backup

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/rapport-crm/rapport/internal/store"
)

// kind is what a column holds, in terms both databases share: it decides
// how a value is written to a backup and how it is read back.
type kind int

const (
	kindText kind = iota
	kindInt
	kindFloat
	kindNumeric
	kindBool
	kindTime
	kindJSON
	kindTSVector // PostgreSQL's search index, carried as its text
	kindOther    // any other type of one database only, carried as text
)

// column is one column of a table.
type column struct {
	name      string
	kind      kind
	generated bool // computed by the database; never written
}

// table is one table of the schema, its columns in their declared order.
type table struct {
	name    string
	columns []column
	refs    []string // tables its foreign keys point at
}

// schema reads the tables a backup holds from q: every table of the
// database except the migration library's and SQLite's own (its
// sequences, statistics, and full-text tables, which it rebuilds from
// their content). Tables come in an order where each follows the tables
// its foreign keys point at, so that rows can be loaded in that order.
func schema(ctx context.Context, q store.Querier, d store.Dialect) ([]table, error) {
	var tables []table
	var err error
	if d == store.Postgres {
		tables, err = postgresSchema(ctx, q)
	} else {
		tables, err = sqliteSchema(ctx, q)
	}
	if err != nil {
		return nil, fmt.Errorf("read the schema: %w", err)
	}
	return dependencyOrder(tables)
}

func sqliteSchema(ctx context.Context, q store.Querier) ([]table, error) {
	names, err := store.Column[string](ctx, q, `SELECT name FROM sqlite_master m WHERE type = 'table'
		AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name <> 'goose_db_version'
		AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'
		AND NOT EXISTS (SELECT 1 FROM sqlite_master v WHERE v.type = 'table' AND v.sql LIKE 'CREATE VIRTUAL TABLE%'
			AND m.name LIKE v.name || '\_%' ESCAPE '\')
		ORDER BY name`)
	if err != nil {
		return nil, err
	}
	tables := make([]table, 0, len(names))
	for _, name := range names {
		t := table{name: name}
		rows, err := q.QueryContext(ctx, `SELECT name, upper(type), hidden FROM pragma_table_xinfo(?) ORDER BY cid`, name)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var c column
			var typ string
			var hidden int
			if err := rows.Scan(&c.name, &typ, &hidden); err != nil {
				rows.Close()
				return nil, err
			}
			c.kind, c.generated = sqliteKind(typ), hidden == 2 || hidden == 3
			t.columns = append(t.columns, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		if t.refs, err = store.Column[string](ctx, q, `SELECT DISTINCT "table" FROM pragma_foreign_key_list(?)`, name); err != nil {
			return nil, err
		}
		tables = append(tables, t)
	}
	return tables, nil
}

// sqliteKind maps a declared SQLite type to a kind. SQLite keeps times,
// JSON and booleans as text and integers, so they are told apart only on
// PostgreSQL; what a backup holds is the same either way (see encode).
func sqliteKind(typ string) kind {
	switch {
	case strings.Contains(typ, "INT"):
		return kindInt
	case strings.Contains(typ, "REAL") || strings.Contains(typ, "FLOA") || strings.Contains(typ, "DOUB"):
		return kindFloat
	case strings.Contains(typ, "NUMERIC") || strings.Contains(typ, "DECIMAL"):
		return kindNumeric
	}
	return kindText
}

func postgresSchema(ctx context.Context, q store.Querier) ([]table, error) {
	names, err := store.Column[string](ctx, q, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'goose_db_version'
		ORDER BY table_name`)
	if err != nil {
		return nil, err
	}
	tables := make([]table, 0, len(names))
	for _, name := range names {
		t := table{name: name}
		rows, err := q.QueryContext(ctx, `SELECT column_name, data_type, is_generated = 'ALWAYS' FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position`, name)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var c column
			var typ string
			if err := rows.Scan(&c.name, &typ, &c.generated); err != nil {
				rows.Close()
				return nil, err
			}
			c.kind = postgresKind(typ)
			t.columns = append(t.columns, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		if t.refs, err = store.Column[string](ctx, q, `SELECT DISTINCT r.relname FROM pg_constraint c
			JOIN pg_class s ON s.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid
			WHERE c.contype = 'f' AND s.relname = ? AND s.relnamespace = current_schema()::regnamespace`, name); err != nil {
			return nil, err
		}
		tables = append(tables, t)
	}
	return tables, nil
}

func postgresKind(typ string) kind {
	switch typ {
	case "bigint", "integer", "smallint":
		return kindInt
	case "double precision", "real":
		return kindFloat
	case "numeric":
		return kindNumeric
	case "boolean":
		return kindBool
	case "timestamp with time zone", "timestamp without time zone":
		return kindTime
	case "jsonb", "json":
		return kindJSON
	case "text", "character varying", "character":
		return kindText
	case "tsvector":
		return kindTSVector
	}
	return kindOther
}

// dependencyOrder sorts tables so that each comes after the tables its
// foreign keys point at (a table pointing at itself is its own concern:
// its rows keep their stored order). Working the order out from the
// schema means a table a migration adds needs nothing here.
func dependencyOrder(tables []table) ([]table, error) {
	byName := map[string]table{}
	for _, t := range tables {
		byName[t.name] = t
	}
	const (
		unseen = iota
		visiting
		done
	)
	state := map[string]int{}
	var out []table
	var visit func(name string) error
	visit = func(name string) error {
		t, ok := byName[name]
		if !ok || state[name] == done {
			return nil
		}
		if state[name] == visiting {
			return fmt.Errorf("the foreign keys of table %s form a cycle", name)
		}
		state[name] = visiting
		for _, ref := range t.refs {
			if ref != name {
				if err := visit(ref); err != nil {
					return err
				}
			}
		}
		state[name] = done
		out = append(out, t)
		return nil
	}
	for _, t := range tables {
		if err := visit(t.name); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// column returns t's column called name.
func (t table) column(name string) (column, bool) {
	i := slices.IndexFunc(t.columns, func(c column) bool { return c.name == name })
	if i < 0 {
		return column{}, false
	}
	return t.columns[i], true
}

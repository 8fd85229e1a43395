package store

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/mattn/go-sqlite3"
)

// Dialect is the one place where SQL differs between SQLite and PostgreSQL.
// Queries elsewhere are written once with ? placeholders and the helpers
// below.
type Dialect struct{ name string }

// The two supported dialects.
var (
	SQLite   = Dialect{"sqlite"}
	Postgres = Dialect{"postgres"}
)

// Name is "sqlite" or "postgres".
func (d Dialect) Name() string { return d.name }

// TimeLayout is how SQLite stores timestamps: fixed width, so text order is
// time order.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// Rebind turns ? placeholders into $1, $2, … for PostgreSQL. Queries never
// carry literal question marks: values always travel as arguments.
func (d Dialect) Rebind(query string) string {
	if d != Postgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// Time converts t to the value stored in a timestamp column.
func (d Dialect) Time(t time.Time) any {
	t = t.UTC()
	if d == Postgres {
		return t
	}
	return t.Format(TimeLayout)
}

// JSONOut wraps a JSON column in a SELECT list so both drivers hand back
// text.
func (d Dialect) JSONOut(col string) string {
	if d == Postgres {
		return col + "::text"
	}
	return col
}

// JSONIn is the placeholder for a JSON value passed as text.
func (d Dialect) JSONIn() string {
	if d == Postgres {
		return "?::jsonb"
	}
	return "?"
}

// JSONPath is the expression for the value under key (dotted for nested
// objects, e.g. "price.amount") in a JSON object column: text on
// PostgreSQL and the stored JSON scalar on SQLite. numeric asks PostgreSQL
// for a number so that comparisons order numerically.
func (d Dialect) JSONPath(col, key string, numeric bool) string {
	if d == Postgres {
		parts := strings.Split(key, ".")
		e := "(" + col
		for _, p := range parts[:len(parts)-1] {
			e += "->'" + p + "'"
		}
		e += "->>'" + parts[len(parts)-1] + "')"
		if numeric {
			return "(" + e + ")::numeric"
		}
		return e
	}
	return "json_extract(" + col + ", '$." + key + "')"
}

// JSONBool is the expression for a boolean under key, comparable with
// true/false arguments.
func (d Dialect) JSONBool(col, key string) string {
	if d == Postgres {
		return "((" + col + "->>'" + key + "')::boolean)"
	}
	return "json_extract(" + col + ", '$." + key + "')"
}

// Bool converts b to what a JSON boolean extracted by JSONBool compares
// equal to.
func (d Dialect) Bool(b bool) any {
	if d == Postgres {
		return b
	}
	if b {
		return 1
	}
	return 0
}

// JSONElements is a table expression over the elements of a JSON array
// expression, each exposed as a column named value; member selects a key
// of object elements ("" for scalar arrays).
func (d Dialect) JSONElements(array, member string) (from, value string) {
	if d == Postgres {
		if member == "" {
			return "jsonb_array_elements_text(coalesce(" + array + ", '[]'::jsonb)) AS e(v)", "e.v"
		}
		return "jsonb_array_elements(coalesce(" + array + ", '[]'::jsonb)) AS e(v)", "(e.v->>'" + member + "')"
	}
	if member == "" {
		return "json_each(coalesce(" + array + ", '[]')) AS e", "e.value"
	}
	return "json_each(coalesce(" + array + ", '[]')) AS e", "json_extract(e.value, '$." + member + "')"
}

// JSONObjectPath is the JSON array stored under key of a JSON object
// column (custom multi-valued fields).
func (d Dialect) JSONObjectPath(col, key string) string {
	if d == Postgres {
		return "(" + col + "->'" + key + "')"
	}
	return "json_extract(" + col + ", '$." + key + "')"
}

// Like is the case-insensitive pattern match operator.
func (d Dialect) Like() string {
	if d == Postgres {
		return "ILIKE"
	}
	return "LIKE"
}

// LockRows is what a SELECT adds to lock the rows it reads until the
// transaction ends, so that writers taking the same lock go one at a time.
// On PostgreSQL it is FOR NO KEY UPDATE, which unlike FOR UPDATE does not
// hold up inserts whose foreign keys point at the locked rows. SQLite
// needs nothing: its write transactions already run one at a time.
func (d Dialect) LockRows() string {
	if d == Postgres {
		return " FOR NO KEY UPDATE"
	}
	return ""
}

// IsUniqueViolation reports whether err is a unique-constraint violation.
func IsUniqueViolation(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23505"
	}
	var lite sqlite3.Error
	if errors.As(err, &lite) {
		return lite.ExtendedCode == sqlite3.ErrConstraintUnique || lite.ExtendedCode == sqlite3.ErrConstraintPrimaryKey
	}
	return false
}

// IsRetryable reports whether err is the database aborting a transaction
// only because it collided with another: a deadlock (40P01) or a
// serialization failure (40001) on PostgreSQL, a busy or locked database
// on SQLite. Running the transaction again may well succeed.
func IsRetryable(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "40P01" || pg.Code == "40001"
	}
	var lite sqlite3.Error
	if errors.As(err, &lite) {
		return lite.Code == sqlite3.ErrBusy || lite.Code == sqlite3.ErrLocked
	}
	return false
}

// ParseTime reads a timestamp column as either driver returns it.
func ParseTime(v any) (time.Time, bool) {
	switch t := v.(type) {
	case time.Time:
		return t.UTC(), true
	case string:
		p, err := time.Parse(TimeLayout, t)
		if err != nil {
			p, err = time.Parse(time.RFC3339Nano, t)
		}
		return p.UTC(), err == nil
	case []byte:
		return ParseTime(string(t))
	}
	return time.Time{}, false
}

// Marks returns n comma-separated ? placeholders, for an IN list or a
// VALUES row.
func Marks(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// InsertRows is one INSERT of rows rows into table's cols, for loaders
// that write many rows a statement: on SQLite each statement costs a trip
// through database/sql and cgo, so a row a statement is several times
// slower. The caller quotes names that need it.
func InsertRows(table string, cols []string, rows int) string {
	one := "(" + Marks(len(cols)) + ")"
	var b strings.Builder
	b.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(one)
	}
	return b.String()
}

// List returns the placeholders of an IN list of vals, and vals as
// arguments.
func List[T any](vals []T) (string, []any) {
	args := make([]any, len(vals))
	for i, v := range vals {
		args[i] = v
	}
	return Marks(len(vals)), args
}

// Fold is the case-folded form of a text expression, which sorts names
// without regard to case and lets a case-insensitive prefix use an index.
// Indexes are built on the same expression. PostgreSQL compares it
// byte-wise (COLLATE "C"), as SQLite does, so that a prefix range is right
// whatever the database's collation.
func (d Dialect) Fold(expr string) string {
	if d == Postgres {
		return "(lower(" + expr + ") COLLATE \"C\")"
	}
	return FoldFunc + "(" + expr + ")"
}

// IndexedBy makes SQLite read a table through the named index (written
// after the table and its alias). The engine chooses the index itself
// because SQLite's planner, without statistics of value ranges, walks a
// sort index past a million rows for a filter that matches none.
// PostgreSQL has no hints; the engine's query shapes leave its planner
// one good choice instead.
func (d Dialect) IndexedBy(name string) string {
	if d == Postgres || name == "" {
		return ""
	}
	return " INDEXED BY " + name
}

// IDsIn is the condition that expr is one of the ids passed as the
// argument IDs returns.
func (d Dialect) IDsIn(expr string) string {
	if d == Postgres {
		return expr + " = ANY(?::bigint[])"
	}
	return expr + " IN (SELECT value FROM json_each(?))"
}

// IDs is the argument of an IDsIn condition.
func (d Dialect) IDs(ids []int64) any {
	if d == Postgres {
		return ids
	}
	var b strings.Builder
	b.WriteByte('[')
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	b.WriteByte(']')
	return b.String()
}

// Order is the ORDER BY direction of a sort key. NULLs come first when
// ascending and last when descending on both databases (SQLite's own
// rule), so one cursor rule and one index order fit both. PostgreSQL's
// trees of sort keys are built NULLS FIRST to match, and its ORDER BY
// says so even where the key cannot be NULL: its planner walks an index
// for an order only when the NULLs' place agrees too, and would sort the
// whole range instead (a second at a million rows).
func (d Dialect) Order(desc bool) string {
	switch {
	case d != Postgres && desc:
		return " DESC"
	case d != Postgres:
		return " ASC"
	case desc:
		return " DESC NULLS LAST"
	}
	return " ASC NULLS FIRST"
}

// NotNull is the condition that an index key is not NULL, written so that
// the index seeks past its NULLs: SQLite does that for a column's IS NOT
// NULL but not for an expression's, so a text expression (a folded key)
// is compared with the empty string, which every text follows.
func (d Dialect) NotNull(expr string, text bool) string {
	if d == SQLite && text {
		return expr + " >= ''"
	}
	return expr + " IS NOT NULL"
}

// FoldPrefix is the condition that expr, case-folded, starts with the
// folded prefix p: what a range on Fold tests, at less cost per row, with
// its arguments. On SQLite a LIKE, which runs in SQLite itself, first
// sets aside nearly every row that cannot match, so that the Go function
// that folds runs only for the rest: a walk that tests every record it
// reads would otherwise spend most of its time calling into Go.
func (d Dialect) FoldPrefix(expr, p string) (string, []any) {
	if d == Postgres {
		return "starts_with(lower(" + expr + "), lower(?))", []any{p}
	}
	return "(" + expr + " LIKE ? ESCAPE '\\' AND " + prefixFunc + "(" + expr + ", ?))", []any{likeSuperset(p), p}
}

// likeSuperset is a LIKE pattern that every text whose fold starts with
// the fold of p matches. Folding maps one character to one, and LIKE
// ignores the case of ASCII letters, so an ASCII character of p stands
// for itself; any other, and the letters that characters outside ASCII
// fold to (İ to i, the Kelvin sign to k), stand for any one character.
func likeSuperset(p string) string {
	var b strings.Builder
	for _, r := range p {
		switch {
		case r >= 0x80 || strings.ContainsRune("iIkK", r):
			b.WriteByte('_')
		case r == '%' || r == '_' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('%')
	return b.String()
}

// Days is the expression for the days (fractional) from the timestamp
// expression earlier to later, for reports of durations.
func (d Dialect) Days(later, earlier string) string {
	if d == Postgres {
		return "(EXTRACT(EPOCH FROM (" + later + ") - (" + earlier + ")) / 86400.0)"
	}
	return "(julianday(" + later + ") - julianday(" + earlier + "))"
}

// Day is the expression for the UTC date (YYYY-MM-DD text) of the
// timestamp expression expr, for reports grouped by day.
func (d Dialect) Day(expr string) string {
	if d == Postgres {
		return "to_char((" + expr + ") AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
	}
	return "substr(" + expr + ", 1, 10)"
}

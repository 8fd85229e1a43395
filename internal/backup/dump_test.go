package backup_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/s2"

	"github.com/rapport-crm/rapport/internal/store"
)

// snapshot is every table of a database, read for comparison with one of
// the other dialect: each value in one text form whichever database
// holds it (times in UTC, JSON re-encoded, booleans as 0 and 1).
type snapshot map[string]tableDump

type tableDump struct {
	cols []string
	rows [][]string
}

func (s snapshot) rows(table string) int { return len(s[table].rows) }

// dump reads db's tables, the migration library's and SQLite's own aside
// (the full-text index SQLite keeps is compared through its content).
func dump(t *testing.T, db *store.DB) snapshot {
	t.Helper()
	ctx := context.Background()
	list := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'search_fts%'`
	if db.Dialect == store.Postgres {
		list = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	names := column[string](t, db, list)
	out := snapshot{}
	for _, name := range names {
		if name == "goose_db_version" {
			continue
		}
		rows, err := db.Reader().QueryContext(ctx, `SELECT * FROM "`+name+`"`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		d := tableDump{cols: cols}
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			row := make([]string, len(cols))
			for i, v := range vals {
				row[i] = normal(v)
			}
			d.rows = append(d.rows, row)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		out[name] = d
	}
	return out
}

func normal(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case bool:
		if x {
			return "1"
		}
		return "0"
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case time.Time:
		return x.UTC().Format(store.TimeLayout)
	case []byte:
		return normal(string(x))
	case string:
		if (strings.HasPrefix(x, "{") || strings.HasPrefix(x, "[")) && json.Valid([]byte(x)) {
			var j any
			json.Unmarshal([]byte(x), &j)
			b, _ := json.Marshal(j)
			return string(b)
		}
		if f, err := strconv.ParseFloat(x, 64); err == nil && strings.Contains(x, ".") {
			return normal(f) // PostgreSQL's numeric
		}
		return x
	}
	return fmt.Sprintf("%T:%v", v, v)
}

// compare checks that got holds what want holds, row for row, in the
// tables only accepts: over the columns both have (a column one dialect
// computes, or the search index's own, is on one side only). A table on
// one side only must be empty.
func compare(t *testing.T, want, got snapshot, only func(table string) bool) {
	t.Helper()
	for name, w := range want {
		if !only(name) {
			continue
		}
		g, ok := got[name]
		if !ok {
			if len(w.rows) > 0 {
				t.Errorf("table %s with %d rows is missing", name, len(w.rows))
			}
			continue
		}
		var cols []string
		for _, c := range w.cols {
			if slices.Contains(g.cols, c) {
				cols = append(cols, c)
			}
		}
		a, b := project(w, cols), project(g, cols)
		if !slices.Equal(a, b) {
			t.Errorf("table %s differs: %d rows, want %d; first differences:\n%s", name, len(b), len(a), diff(a, b))
		}
	}
}

func all(string) bool { return true }

// project is the rows of d over cols, each as one line, sorted.
func project(d tableDump, cols []string) []string {
	idx := make([]int, len(cols))
	for i, c := range cols {
		idx[i] = slices.Index(d.cols, c)
	}
	out := make([]string, len(d.rows))
	for r, row := range d.rows {
		parts := make([]string, len(idx))
		for i, j := range idx {
			parts[i] = cols[i] + "=" + row[j]
		}
		out[r] = strings.Join(parts, " | ")
	}
	slices.Sort(out)
	return out
}

func diff(want, got []string) string {
	var b strings.Builder
	n := 0
	for _, w := range want {
		if !slices.Contains(got, w) && n < 3 {
			fmt.Fprintf(&b, "  missing: %s\n", w)
			n++
		}
	}
	for _, g := range got {
		if !slices.Contains(want, g) && n < 6 {
			fmt.Fprintf(&b, "  extra:   %s\n", g)
			n++
		}
	}
	return b.String()
}

func column[T any](t *testing.T, db *store.DB, query string) []T {
	t.Helper()
	rows, err := db.Reader().QueryContext(context.Background(), query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

func count(t *testing.T, db *store.DB, query string) int {
	t.Helper()
	var n int
	if err := db.Reader().QueryRowContext(context.Background(), query).Scan(&n); err != nil {
		t.Fatalf("%v\n%s", err, query)
	}
	return n
}

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gzipReader(b []byte) ([]byte, error) {
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

func s2ed(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := s2.NewWriter(&buf)
	w.Write(b)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func uns2(t *testing.T, b []byte) []byte {
	t.Helper()
	out, err := io.ReadAll(s2.NewReader(bytes.NewReader(b), s2.ReaderMaxBlockSize(4<<20)))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

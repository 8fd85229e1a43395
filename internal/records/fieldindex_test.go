package records_test

import (
	"database/sql"
	"fmt"
	"slices"
	"testing"

	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestBuilderGathersStatistics: once the field index builder has written
// rows, PostgreSQL has statistics of field_values, without waiting for
// autovacuum (which may be off), so that the first lists after a big
// build are planned on what the table holds.
func TestBuilderGathersStatistics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if db.Dialect != store.Postgres {
			t.Skip("SQLite's lists name their indexes and need no statistics")
		}
		v := newEnv(t, db)
		sortFixture(v, 20)
		analyzed := func() bool {
			var at sql.NullTime
			if err := db.Raw().QueryRowContext(v.ctx, `SELECT last_analyze FROM pg_stat_user_tables
				WHERE schemaname = current_schema() AND relname = 'field_values'`).Scan(&at); err != nil {
				t.Fatal(err)
			}
			return at.Valid
		}
		if analyzed() {
			t.Fatal("field_values has statistics before the builder ran")
		}
		// The records are there; their fields are to be built again, as
		// for fields indexed after the records were written.
		if _, err := db.Raw().ExecContext(v.ctx, `UPDATE field_indexes SET state = 'building', next_id = 0`); err != nil {
			t.Fatal(err)
		}
		if err := v.e.IndexAllFields(v.ctx); err != nil {
			t.Fatal(err)
		}
		if !analyzed() {
			t.Error("field_values has no statistics after the builder wrote its rows")
		}
	})
}

// TestIndexAllFieldsAsWritten: the bulk build of field_values (on SQLite
// in one transaction, its indexes by value set aside and built again)
// writes the rows that the engine wrote record by record, and leaves the
// table with every index it had.
func TestIndexAllFieldsAsWritten(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newEnv(t, db)
		sortFixture(v, 60)
		rows := func() []string {
			t.Helper()
			r, err := db.Raw().QueryContext(v.ctx, `SELECT object, field, record_id, n, COALESCE(CAST(num AS TEXT), ''), COALESCE(text, '')
				FROM field_values ORDER BY object, field, record_id, n, num, text`)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			var out []string
			for r.Next() {
				var object, field, num, text string
				var id, n int64
				if err := r.Scan(&object, &field, &id, &n, &num, &text); err != nil {
					t.Fatal(err)
				}
				out = append(out, fmt.Sprint(object, field, id, n, num, text))
			}
			return out
		}
		indexes := func() []string {
			t.Helper()
			q := `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'field_values' ORDER BY name`
			if db.Dialect == store.Postgres {
				q = `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'field_values' ORDER BY indexname`
			}
			names, err := store.Column[string](v.ctx, db.Raw(), q)
			if err != nil {
				t.Fatal(err)
			}
			return names
		}
		written, had := rows(), indexes()
		if len(written) < 60 || len(had) < 3 {
			t.Fatalf("the fixture wrote %d rows and has %d indexes", len(written), len(had))
		}
		for _, st := range []string{`DELETE FROM field_values`, `UPDATE field_indexes SET state = 'building', next_id = 0`} {
			if _, err := db.Raw().ExecContext(v.ctx, st); err != nil {
				t.Fatal(err)
			}
		}
		if err := v.e.IndexAllFields(v.ctx); err != nil {
			t.Fatal(err)
		}
		if built := rows(); !slices.Equal(built, written) {
			t.Errorf("built %d rows, the engine wrote %d; first built %q, first written %q", len(built), len(written), built[0], written[0])
		}
		if now := indexes(); !slices.Equal(now, had) {
			t.Errorf("field_values has indexes %v after the build, %v before", now, had)
		}
		var building int
		if err := db.Raw().QueryRowContext(v.ctx, `SELECT count(*) FROM field_indexes WHERE state <> 'ready'`).Scan(&building); err != nil || building != 0 {
			t.Errorf("%d fields not ready after the build (%v)", building, err)
		}
	})
}

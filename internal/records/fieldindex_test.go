package records_test

import (
	"database/sql"
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

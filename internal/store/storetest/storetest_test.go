package storetest_test

import (
	"context"
	"os"
	"slices"
	"testing"

	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestCopiesAreFreshAndMigrated checks that a database copied from the
// template has what migrating a database with no tables gives it, and
// that what one test does to its copy does not reach the next copy.
func TestCopiesAreFreshAndMigrated(t *testing.T) {
	ctx := context.Background()
	fresh := map[string]func(t *testing.T) *store.DB{
		"sqlite": func(t *testing.T) *store.DB { return storetest.Open(t, "", t.TempDir()) },
	}
	if os.Getenv(storetest.EnvPostgres) != "" {
		fresh["postgres"] = func(t *testing.T) *store.DB { return storetest.Open(t, storetest.EmptyPostgresURL(t), "") }
	}
	storetest.Each(t, func(t *testing.T, first *store.DB) {
		want := objects(t, fresh[first.Dialect.Name()](t))
		if len(want) == 0 {
			t.Fatal("migrating from nothing made no tables")
		}
		if got := objects(t, first); !slices.Equal(got, want) {
			t.Errorf("the copy has\n%q\nmigrating from nothing gives\n%q", got, want)
		}
		v, err := store.SchemaVersion(ctx, first.Reader())
		if err != nil || v == 0 {
			t.Fatalf("schema version %d: %v", v, err)
		}
		if _, err := first.Raw().ExecContext(ctx, `CREATE TABLE left_behind (n integer)`); err != nil {
			t.Fatal(err)
		}
		var second *store.DB
		if first.Dialect == store.Postgres {
			second = storetest.Postgres(t)
		} else {
			second = storetest.SQLite(t)
		}
		if got := objects(t, second); !slices.Equal(got, want) {
			t.Errorf("the next copy has\n%q\nwant\n%q", got, want)
		}
	})
}

// objects names the tables and indexes of db's schema, and the migrations
// it records as applied.
func objects(t *testing.T, db *store.DB) []string {
	t.Helper()
	query := `SELECT type || ' ' || name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'
		UNION ALL SELECT 'migration ' || version_id FROM goose_db_version WHERE is_applied ORDER BY 1`
	if db.Dialect == store.Postgres {
		query = `SELECT 'table ' || tablename FROM pg_tables WHERE schemaname = current_schema()
			UNION ALL SELECT 'index ' || indexname FROM pg_indexes WHERE schemaname = current_schema()
			UNION ALL SELECT 'migration ' || version_id FROM goose_db_version WHERE is_applied ORDER BY 1`
	}
	names, err := store.Column[string](context.Background(), db.Reader(), query)
	if err != nil {
		t.Fatal(err)
	}
	return names
}

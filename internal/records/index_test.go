package records

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/store"
)

// catalogueObjects are the objects whose indexes the migrations create:
// the standard ones and the template of the lists users define, whose
// indexes every list shares.
func catalogueObjects() []*Object {
	return append(StandardObjects(), listObject("list", "lists", "List"))
}

// TestListIndexesAreMigrated checks that the migrations create every index
// the list planner names, with the very expression its queries use; a
// field that gains an index needs a migration that creates it.
func TestListIndexesAreMigrated(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		files, err := filepath.Glob(filepath.Join("..", "store", "migrations", d.Name(), "*.sql"))
		if err != nil || len(files) == 0 {
			t.Fatalf("%s migrations: %v", d.Name(), err)
		}
		var all strings.Builder
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			all.Write(b)
		}
		seen := map[string]bool{}
		for _, def := range indexDefs(d, catalogueObjects()) {
			if seen[def.name] {
				continue // the lists' template repeats the entries indexes
			}
			seen[def.name] = true
			if os.Getenv("RAPPORT_PRINT_INDEXES") == d.Name() {
				t.Log(def.sql)
				continue
			}
			if !strings.Contains(all.String(), def.sql) {
				t.Errorf("%s: no migration has\n\t%s", d.Name(), def.sql)
			}
		}
	}
}

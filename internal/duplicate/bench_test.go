package duplicate_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/demo"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// BenchmarkGroups times the workspace scan over demo contacts, 20,000 by
// default or RAPPORT_BENCH_CONTACTS of them, on SQLite (or on PostgreSQL
// with RAPPORT_TEST_POSTGRES). It logs how long Rebuild took.
func BenchmarkGroups(b *testing.B) {
	n := 20000
	if v, err := strconv.Atoi(os.Getenv("RAPPORT_BENCH_CONTACTS")); err == nil && v > 0 {
		n = v
	}
	var db *store.DB
	if os.Getenv(storetest.EnvPostgres) != "" {
		db = storetest.Postgres(b)
	} else {
		db = storetest.SQLite(b)
	}
	ctx := context.Background()
	if _, err := demo.Generate(ctx, db, demo.Options{Contacts: n, Deals: -1, Activities: -1, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	f := newFixture(b, db)
	start := time.Now()
	if err := f.svc.Rebuild(ctx, 1); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d contacts: Rebuild took %s", n, time.Since(start).Round(time.Millisecond))
	actor := as(1, f.people.Admin)
	b.ResetTimer()
	for b.Loop() {
		page, err := f.svc.Groups(actor, "contacts", "", 50)
		if err != nil {
			b.Fatal(err)
		}
		if len(page.Data) == 0 {
			b.Log("no groups")
		}
	}
}

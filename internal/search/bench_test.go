package search_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// BenchmarkSearch measures search and lookup over generated contacts and
// deals (RAPPORT_BENCH_CONTACTS, default 100000, and a third as many
// deals) on SQLite, and on PostgreSQL when RAPPORT_TEST_POSTGRES is set:
//
//	go test -run '^$' -bench Search -benchtime 200x ./internal/search/
func BenchmarkSearch(b *testing.B) {
	n := 100_000
	if s := os.Getenv("RAPPORT_BENCH_CONTACTS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	dbs := map[string]func(testing.TB) *store.DB{"sqlite": storetest.SQLite}
	if os.Getenv(storetest.EnvPostgres) != "" {
		dbs["postgres"] = storetest.Postgres
	}
	for name, open := range dbs {
		b.Run(name, func(b *testing.B) {
			db := open(b)
			f, seller := benchData(b, db, n)
			for _, c := range []struct {
				name string
				ctx  context.Context
				q    string
			}{
				{"admin/ma", f.ctx(), "ma"},
				{"admin/mar", f.ctx(), "mar"},
				{"admin/martin_sch", f.ctx(), "martin sch"},
				{"admin/schmidt", f.ctx(), "schmidt"},
				{"admin/digits", f.ctx(), "5551"},
				{"seller/ma", as(1, seller), "ma"},
				{"seller/mar", as(1, seller), "mar"},
			} {
				b.Run(c.name, func(b *testing.B) {
					for b.Loop() {
						f.search(c.ctx, c.q, 20)
					}
				})
			}
			b.Run("lookup", func(b *testing.B) {
				for i := 0; b.Loop(); i++ {
					if _, err := f.svc.Lookup(f.ctx(), fmt.Sprintf("+1 415 555 %04d", i%10000)); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

var (
	firstNames = []string{"Martin", "Maria", "Mark", "Anna", "Marta", "John", "Jane", "Peter", "Paul", "Zoë", "Иван", "Olga", "Mario", "Max", "Sam"}
	lastNames  = []string{"Schmidt", "Müller", "Smith", "Rossi", "Kowalska", "Петров", "Martinez", "Brown", "Weber", "Maier", "Nguyen", "Lee"}
)

// benchData loads n contacts, n/3 deals and 20 owners into workspace 1
// with plain SQL, then rebuilds the index, and returns a salesperson.
func benchData(b testing.TB, db *store.DB, n int) (*fixture, int64) {
	f := newFixture(b, db, "US")
	var owners []int64
	for i := range 20 {
		role := access.RoleSalesperson
		owners = append(owners, accesstest.AddUser(b, db, 1, fmt.Sprintf("u%d@example.com", i), role, 0))
	}
	r := rand.New(rand.NewPCG(1, 2))
	now := db.Dialect.Time(time.Now())
	start := time.Now()
	err := bulk(db, n, 500, func(i int) (string, []any) {
		fn, ln := firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))]
		emails := fmt.Sprintf(`[{"value": "%s.%s%d@example.com"}]`, strings.ToLower(fn), strings.ToLower(ln), i)
		phones := fmt.Sprintf(`[{"value": "+1415555%04d", "valid": true}]`, i%10000)
		return `(1, ?, ?, ?, ` + db.Dialect.JSONIn() + `, ` + db.Dialect.JSONIn() + `, ?, ?, ?)`,
			[]any{fn, ln, fn + " " + ln, emails, phones, owners[r.IntN(len(owners))], now, now}
	}, `INSERT INTO contacts (workspace_id, first_name, last_name, full_name, emails, phones, owner_id, created_at, updated_at) VALUES `)
	if err == nil {
		err = bulk(db, n/3, 500, func(i int) (string, []any) {
			return `(1, ?, 'open', ?, ?, ?)`, []any{fmt.Sprintf("%s deal %d", lastNames[r.IntN(len(lastNames))], i), owners[r.IntN(len(owners))], now, now}
		}, `INSERT INTO deals (workspace_id, title, status, owner_id, created_at, updated_at) VALUES `)
	}
	if err != nil {
		b.Fatal(err)
	}
	if db.Dialect == store.Postgres {
		if _, err := db.Raw().Exec(`ANALYZE`); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("loaded %d contacts in %v", n, time.Since(start))
	start = time.Now()
	if err := f.svc.Rebuild(f.ctx(), 1); err != nil {
		b.Fatal(err)
	}
	b.Logf("rebuilt the index of %d records in %v", n+n/3, time.Since(start))
	return f, owners[0]
}

// bulk inserts n rows, per rows to a statement, each from row.
func bulk(db *store.DB, n, per int, row func(int) (string, []any), insert string) error {
	for start := 0; start < n; start += per {
		var marks []string
		var args []any
		for i := start; i < min(n, start+per); i++ {
			m, a := row(i)
			marks, args = append(marks, m), append(args, a...)
		}
		err := db.Tx(context.Background(), func(q store.Querier) error {
			_, err := q.ExecContext(context.Background(), insert+strings.Join(marks, ", "), args...)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

package records_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// benchContacts is the size of the restricted-list benchmark's dataset;
// RAPPORT_BENCH_CONTACTS changes it.
func benchContacts() int {
	if n, err := strconv.Atoi(os.Getenv("RAPPORT_BENCH_CONTACTS")); err == nil && n > 0 {
		return n
	}
	return 20000
}

// BenchmarkRestrictedList compares one filtered, sorted page of 50 contacts
// as an administrator (no restriction), a manager (a team of ten) and a
// salesperson (their own), over contacts owned by 50 users in 5 teams.
// RAPPORT_BENCH_NO_OWNER_INDEX=1 measures without the owner index.
func BenchmarkRestrictedList(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchRestricted(b, storetest.SQLite(b)) })
	if os.Getenv(storetest.EnvPostgres) != "" {
		b.Run("postgres", func(b *testing.B) { benchRestricted(b, storetest.Postgres(b)) })
	}
}

func benchRestricted(b *testing.B, db *store.DB) {
	pol := access.NewRolePolicy(db)
	e := records.New(db, records.Options{Policy: pol, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	users := benchPeople(b, db)
	if os.Getenv("RAPPORT_BENCH_NO_OWNER_INDEX") != "" {
		// To measure what migration 00005's index is for.
		if err := db.Tx(context.Background(), func(q store.Querier) error {
			_, err := q.ExecContext(context.Background(), "DROP INDEX contacts_owner_last_name")
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
	loadContacts(b, db, users, benchContacts())
	queries := map[string]records.Query{
		"sorted": {Sort: []string{"last_name"}, Limit: 50},
		"filtered": {Sort: []string{"last_name"}, Limit: 50,
			Filter: &records.Filter{Field: "source", Op: records.Eq, Value: "web_form"}},
	}
	for _, who := range []struct {
		name string
		user int64
	}{{"administrator", users[0]}, {"manager", users[1]}, {"salesperson", users[2]}} {
		ctx := actorCtx(1, fmt.Sprint(who.user))
		for _, qn := range []string{"sorted", "filtered"} {
			b.Run(qn+"/"+who.name, func(b *testing.B) {
				for b.Loop() {
					page, err := e.List(ctx, "contacts", queries[qn])
					if err != nil || len(page.Data) == 0 {
						b.Fatalf("%v %v", len(page.Data), err)
					}
				}
			})
		}
	}
}

// benchPeople creates an administrator and 50 owners in 5 teams of 10, the
// first of each team its manager and the rest salespeople. It returns the
// administrator, the first manager and a salesperson, then every owner.
func benchPeople(b *testing.B, db *store.DB) []int64 {
	admin := accesstest.AddUser(b, db, 1, "boss@example.com", access.RoleAdministrator, 0)
	var owners []int64
	for t := range 5 {
		team := accesstest.AddTeam(b, db, 1, fmt.Sprint("team ", t))
		for u := range 10 {
			role := access.RoleSalesperson
			if u == 0 {
				role = access.RoleManager
			}
			owners = append(owners, accesstest.AddUser(b, db, 1, fmt.Sprintf("u%d.%d@example.com", t, u), role, team))
		}
		if err := db.Tx(context.Background(), func(q store.Querier) error {
			_, err := q.ExecContext(context.Background(), `UPDATE teams SET manager_id = ? WHERE workspace_id = 1 AND id = ?`, owners[t*10], team)
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
	return append([]int64{admin, owners[0], owners[1]}, owners...)
}

// loadContacts inserts n contacts spread evenly over the owners (users[3:])
// in batches, then refreshes the planners' statistics as a real import
// would.
func loadContacts(b *testing.B, db *store.DB, users []int64, n int) {
	owners := users[3:]
	r := rand.New(rand.NewPCG(1, 2))
	surnames := strings.Fields("Smith Jones Brown Taylor Wilson Davies Evans Thomas Johnson Roberts Walker Wright Robinson " +
		"Thompson White Hughes Edwards Green Hall Wood Harris Lewis Martin Jackson Clarke Clark Turner Hill Scott Cooper Morris")
	ctx := context.Background()
	now := db.Dialect.Time(time.Now())
	const batch = 500
	for start := 0; start < n; start += batch {
		var rows []string
		var args []any
		for i := start; i < min(n, start+batch); i++ {
			last := fmt.Sprintf("%s%04d", surnames[r.IntN(len(surnames))], r.IntN(10000))
			rows = append(rows, "(1, 1, ?, ?, ?, ?, ?, "+db.Dialect.JSONIn()+", ?, ?)")
			args = append(args, "C", last, "C "+last, records.Sources[r.IntN(len(records.Sources))], owners[i%len(owners)], "{}", now, now)
		}
		err := db.Tx(ctx, func(q store.Querier) error {
			_, err := q.ExecContext(ctx, `INSERT INTO contacts (workspace_id, version, first_name, last_name, full_name, source,
				owner_id, custom, created_at, updated_at) VALUES `+strings.Join(rows, ", "), args...)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := db.Tx(ctx, func(q store.Querier) error {
		_, err := q.ExecContext(ctx, "ANALYZE")
		return err
	}); err != nil {
		b.Fatal(err)
	}
}

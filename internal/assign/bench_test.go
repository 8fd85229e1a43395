package assign_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/assign"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// BenchmarkPick is one assignment in a transaction of its own: three
// rules that do not match, then round-robin over a team of ten with
// working hours and a cap (two counts per member), as a lead arriving
// in a busy workspace meets them.
func BenchmarkPick(b *testing.B) {
	for name, open := range map[string]func(testing.TB) *store.DB{"sqlite": storetest.SQLite, "postgres": storetest.Postgres} {
		b.Run(name, func(b *testing.B) {
			db := open(b)
			admin := accesstest.AddUser(b, db, 1, "admin@example.com", access.RoleAdministrator, 0)
			team := accesstest.AddTeam(b, db, 1, "Sales")
			for i := range 10 {
				accesstest.AddUser(b, db, 1, "s"+strconv.Itoa(i)+"@example.com", access.RoleSalesperson, team)
			}
			svc := assign.New(db, assign.Options{Now: func() time.Time { return wednesday }})
			hours := &assign.Hours{Days: []string{"mon", "tue", "wed", "thu", "fri"}, From: "08:00", To: "20:00"}
			ctx := access.WithActor(context.Background(), access.Actor{WorkspaceID: 1, UserID: admin, Role: access.RoleAdministrator})
			if _, err := svc.Put(ctx, assign.Settings{Rules: []assign.Rule{
				{Name: "Ads", Sources: []string{"ads"}, Method: assign.OneUser, UserID: strconv.FormatInt(admin, 10)},
				{Name: "Germany", Territories: []string{"DE"}, Method: assign.OneUser, UserID: strconv.FormatInt(admin, 10)},
				{Name: "German", Languages: []string{"de"}, Method: assign.OneUser, UserID: strconv.FormatInt(admin, 10)},
				{Name: "Team", Method: assign.RoundRobin, TeamID: strconv.FormatInt(team, 10), Hours: hours, Cap: 1000000 / 100},
			}}); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				err := db.Tx(context.Background(), func(q store.Querier) error {
					_, ok, err := svc.Pick(context.Background(), q, 1, assign.Lead{Object: "inbox", Source: "web_form", Country: "PL"})
					if err == nil && !ok {
						b.Fatal("nobody chosen")
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package scores_test

import (
	"context"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/demo"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/scores"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestTrainOnData fits and applies workspace 1's models on the data in
// $RAPPORT_SCORES_DATA (a SQLite data directory, or a postgres:// URL),
// logging each step's time: the figures of docs/BENCHMARKS.md. It writes
// the scores, so give it a copy. Skipped without the variable.
//
//	RAPPORT_SCORES_DATA=/path/to/copy go test ./internal/scores -run TestTrainOnData -v -timeout 30m
func TestTrainOnData(t *testing.T) {
	data := os.Getenv("RAPPORT_SCORES_DATA")
	if data == "" {
		t.Skip("RAPPORT_SCORES_DATA names no data to fit on")
	}
	url, dir := "", data
	if len(data) > 11 && data[:11] == "postgres://" {
		url, dir = data, ""
	}
	start := time.Now()
	db := storetest.Open(t, url, dir)
	t.Logf("opened and migrated in %s", time.Since(start).Round(time.Millisecond))
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	svc := scores.New(db, records.New(db, records.Options{Logger: log}), scores.Options{Logger: log})
	start = time.Now()
	if err := svc.Train(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	t.Logf("fitted and scored in %s", time.Since(start).Round(time.Millisecond))
}

// TestKeptChurnRateOnData measures the dashboard's kept churn rate on the
// data in $RAPPORT_SCORES_DATA (a SQLite data directory, or a postgres://
// URL): the training that keeps the counts (skipped when
// $RAPPORT_SCORES_TRAINED is set and counts are kept), then, for each
// viewer and dashboard scope, 20 reads of the figure (their p50 and p99)
// and one live ChurnRateFor at the same time, which must agree. The
// viewers are the data's own users: an administrator, a manager and a
// salesperson. It writes the scores and counts, so give it a copy. With
// $RAPPORT_SCORES_DEMO=N an empty workspace is first filled with N demo
// contacts (for a PostgreSQL database of one's own).
//
//	RAPPORT_SCORES_DATA=/path/to/copy go test ./internal/scores -run TestKeptChurnRateOnData -v -timeout 60m
func TestKeptChurnRateOnData(t *testing.T) {
	data := os.Getenv("RAPPORT_SCORES_DATA")
	if data == "" {
		t.Skip("RAPPORT_SCORES_DATA names no data to measure on")
	}
	url, dir := "", data
	if strings.HasPrefix(data, "postgres://") {
		url, dir = data, ""
	}
	ctx := context.Background()
	db := storetest.Open(t, url, dir)
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if n, _ := strconv.Atoi(os.Getenv("RAPPORT_SCORES_DEMO")); n > 0 {
		var have int
		if err := db.Reader().QueryRowContext(ctx, `SELECT count(*) FROM contacts WHERE workspace_id = 1`).Scan(&have); err != nil {
			t.Fatal(err)
		}
		if have == 0 {
			start := time.Now()
			if _, err := demo.Generate(ctx, db, demo.Options{Contacts: n, Log: log}); err != nil {
				t.Fatal(err)
			}
			t.Logf("demo data of %d contacts made in %s", n, time.Since(start).Round(time.Millisecond))
		}
	}
	svc := scores.New(db, records.New(db, records.Options{Logger: log, Policy: access.NewRolePolicy(db)}), scores.Options{Logger: log})
	var kept int
	if err := db.Reader().QueryRowContext(ctx, `SELECT count(*) FROM churn_snapshots WHERE workspace_id = 1`).Scan(&kept); err != nil {
		t.Fatal(err)
	}
	if kept == 0 || os.Getenv("RAPPORT_SCORES_TRAINED") == "" {
		start := time.Now()
		if err := svc.Train(ctx, 1); err != nil {
			t.Fatal(err)
		}
		t.Logf("trained (counts kept) in %s", time.Since(start).Round(time.Millisecond))
	}
	users := map[string][]int64{} // by role, in id order
	teams := map[int64][]int64{}  // members by team
	teamOf := map[int64]int64{}
	rows, err := db.Reader().QueryContext(ctx, `SELECT id, role, COALESCE(team_id, 0) FROM users WHERE workspace_id = 1 ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, team int64
		var role string
		if err := rows.Scan(&id, &role, &team); err != nil {
			t.Fatal(err)
		}
		users[role] = append(users[role], id)
		teamOf[id] = team
		if team != 0 {
			teams[team] = append(teams[team], id)
		}
	}
	rows.Close()
	if len(users[access.RoleAdministrator]) == 0 || len(users[access.RoleManager]) == 0 || len(users[access.RoleSalesperson]) == 0 {
		t.Fatalf("the data has no administrator, manager or salesperson: %v", users)
	}
	as := func(id int64) context.Context {
		return access.WithActor(ctx, access.Actor{WorkspaceID: 1, UserID: id})
	}
	admin, manager, sales := users[access.RoleAdministrator][0], users[access.RoleManager][0], users[access.RoleSalesperson][0]
	for _, c := range []struct {
		name   string
		viewer int64
		owners []int64
	}{
		{"administrator, workspace", admin, nil},
		{"administrator, a team", admin, teams[teamOf[sales]]},
		{"manager, their team", manager, teams[teamOf[manager]]},
		{"salesperson, their own", sales, []int64{sales}},
	} {
		var took []time.Duration
		var fig *scores.ChurnFigure
		for range 20 {
			start := time.Now()
			f, err := svc.KeptChurnRate(as(c.viewer), c.owners)
			took = append(took, time.Since(start))
			if err != nil {
				t.Fatal(err)
			}
			fig = f
		}
		slices.Sort(took)
		start := time.Now()
		live, err := svc.ChurnRateFor(as(c.viewer), fig.AsOf, c.owners)
		if err != nil {
			t.Fatal(err)
		}
		liveTook := time.Since(start)
		t.Logf("%s (%d owners): kept %d of %d churned as of %s; read p50 %s, p99 %s (of 20); live %s in %s",
			c.name, len(c.owners), fig.Churned, fig.Customers, fig.AsOf.Format(time.RFC3339), took[9].Round(time.Microsecond),
			took[19].Round(time.Microsecond), show(live), liveTook.Round(time.Millisecond))
		if show(fig.Rate) != show(live) {
			t.Errorf("%s: kept rate %s, live %s", c.name, show(fig.Rate), show(live))
		}
	}
}

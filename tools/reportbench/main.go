// Command reportbench times every standard report under its main filters,
// for an administrator and a salesperson, on a database of the demo data:
// the first run of each (cold: a fresh process, the pages not yet in the
// database's cache) and the median and 99th percentile of the runs after
// it. It prints a Markdown table for docs/BENCHMARKS.md.
//
//	go run ./tools/reportbench --data-dir /path/to/copy           # SQLite
//	go run ./tools/reportbench --db 'postgres://…/reports1m'      # PostgreSQL
//
// It migrates the database (the reports' indexes), so point it at a copy,
// or pass --no-migrate to read a shared database as it is.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/report"
	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/store"
)

func main() {
	dsn := flag.String("db", "", "a postgres:// URL; empty means SQLite in --data-dir")
	dir := flag.String("data-dir", "", "the SQLite data directory")
	runs := flag.Int("runs", 20, "warm runs of each report and filter")
	ws := flag.Int64("workspace", 1, "the workspace")
	flag.StringVar(&only, "only", "", "run only the reports whose name starts with this")
	flag.BoolVar(&noMigrate, "no-migrate", false, "leave the database as it is (to read a shared one; without the reports' indexes)")
	flag.StringVar(&results, "results", "", "write each report's answer (JSON, one line per report, filter and role) to this file, to compare two versions' figures")
	flag.Parse()
	if err := run(*dsn, *dir, *runs, *ws); err != nil {
		fmt.Fprintln(os.Stderr, "reportbench:", err)
		os.Exit(1)
	}
}

// noMigrate leaves the schema alone.
var noMigrate bool

// results, when set, is the file the answers are written to.
var results string

// only, when set, picks the reports to run by the start of their name.
var only string

type actor struct {
	name string
	ctx  context.Context
	user string
}

func run(dsn, dir string, runs int, ws int64) error {
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, dir)
	if err != nil {
		return err
	}
	defer db.Close()
	if !noMigrate {
		if err := db.Migrate(ctx); err != nil {
			return err
		}
		// The planner's statistics of the tables whose indexes migration
		// 00030 rebuilt, as its notes ask of a database that has them.
		if dsn == "" {
			err := db.Tx(ctx, func(q store.Querier) error {
				_, err := q.ExecContext(ctx, `ANALYZE deals; ANALYZE deal_stage_history; ANALYZE activities`)
				return err
			})
			if err != nil {
				return err
			}
		}
	}
	log := slog.New(slog.DiscardHandler)
	engine := records.New(db, records.Options{Policy: access.NewRolePolicy(db), Logger: log})
	svc := report.New(db, engine, sales.New(db, engine, sales.Options{Logger: log}), nil)
	var actors []actor
	for _, role := range []string{access.RoleAdministrator, access.RoleSalesperson} {
		var id int64
		// The salesperson who owns the most deals, the worst case of an own scope.
		q := `SELECT u.id FROM users u WHERE u.workspace_id = ? AND u.role = ? ORDER BY u.id LIMIT 1`
		if role == access.RoleSalesperson {
			q = `SELECT u.id FROM users u JOIN deals d ON d.workspace_id = u.workspace_id AND d.owner_id = u.id
				WHERE u.workspace_id = ? AND u.role = ? GROUP BY u.id ORDER BY count(*) DESC LIMIT 1`
		}
		if err := db.Reader().QueryRowContext(ctx, q, ws, role).Scan(&id); err != nil {
			return fmt.Errorf("a user of role %s: %w", role, err)
		}
		actors = append(actors, actor{name: role, user: strconv.FormatInt(id, 10),
			ctx: access.WithActor(ctx, access.Actor{WorkspaceID: ws, UserID: id, Role: role})})
	}
	// The latest close date: the demo's "now".
	var last any
	if err := db.Reader().QueryRowContext(ctx, `SELECT max(closed_at) FROM deals WHERE workspace_id = ?`, ws).Scan(&last); err != nil {
		return err
	}
	now, ok := store.ParseTime(last)
	if !ok {
		now = time.Now()
	}
	var pipeline string
	db.Reader().QueryRowContext(ctx, `SELECT CAST(id AS TEXT) FROM pipelines WHERE workspace_id = ? ORDER BY position, id LIMIT 1`, ws).Scan(&pipeline)
	filters := []struct{ name, query string }{
		{"month", "preset=this_month"},
		{"quarter", "preset=this_quarter"},
		{"year", "preset=this_year"},
		{"year, pipeline", "preset=this_year&pipeline=" + pipeline},
		{"year, owner", "preset=this_year&user=" + actors[1].user},
		{"year, source", "preset=this_year&source=web"},
	}
	reports := []struct {
		name string
		fn   func(ctx context.Context, f report.Filter, v url.Values) (any, error)
	}{
		{"summary", func(ctx context.Context, f report.Filter, _ url.Values) (any, error) {
			return svc.Summary(ctx, f)
		}},
		{"funnel", func(ctx context.Context, f report.Filter, _ url.Values) (any, error) {
			return svc.Funnel(ctx, f)
		}},
		{"cycle", func(ctx context.Context, f report.Filter, _ url.Values) (any, error) {
			return svc.Cycle(ctx, f)
		}},
		{"revenue by month", func(ctx context.Context, f report.Filter, _ url.Values) (any, error) {
			return svc.Revenue(ctx, f, "month")
		}},
		{"revenue by owner", func(ctx context.Context, f report.Filter, _ url.Values) (any, error) {
			return svc.Revenue(ctx, f, "user")
		}},
		{"employees", func(ctx context.Context, f report.Filter, _ url.Values) (any, error) {
			return svc.Employees(ctx, f)
		}},
		{"events", func(ctx context.Context, f report.Filter, v url.Values) (any, error) {
			v.Set("field", "stage_id")
			ef, err := report.ParseEvents(v, f)
			if err != nil {
				return nil, err
			}
			return svc.Events(ctx, ef)
		}},
	}
	var out *os.File
	if results != "" {
		if out, err = os.Create(results); err != nil {
			return err
		}
		defer out.Close()
	}
	fmt.Println("| report | filter | role | cold ms | p50 ms | p99 ms |")
	fmt.Println("|---|---|---|---:|---:|---:|")
	for _, rp := range reports {
		if !strings.HasPrefix(rp.name, only) {
			continue
		}
		for _, fl := range filters {
			for _, a := range actors {
				if rp.name == "events" && a.name != access.RoleAdministrator {
					continue
				}
				v, _ := url.ParseQuery(fl.query)
				f, err := report.ParseFilter(v, time.UTC, now)
				if err != nil {
					return err
				}
				var times []time.Duration
				var answer any
				for i := 0; i <= runs; i++ {
					start := time.Now()
					if answer, err = rp.fn(a.ctx, f, v); err != nil {
						return fmt.Errorf("%s %s %s: %w", rp.name, fl.name, a.name, err)
					}
					times = append(times, time.Since(start))
				}
				if out != nil {
					b, err := json.Marshal(answer)
					if err != nil {
						return err
					}
					fmt.Fprintf(out, "%s | %s | %s | %s\n", rp.name, fl.name, a.name, b)
				}
				cold, warm := times[0], times[1:]
				slices.Sort(warm)
				p99 := warm[min(len(warm)-1, len(warm)*99/100)]
				fmt.Printf("| %s | %s | %s | %.1f | %.1f | %.1f |\n", rp.name, fl.name, a.name, ms(cold), ms(warm[len(warm)/2]), ms(p99))
			}
		}
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

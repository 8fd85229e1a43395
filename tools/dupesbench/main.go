// Command dupesbench measures duplicate detection on a loaded database
// (a COPY: it migrates it and writes the duplicate tables): the rebuild
// of profiles, a full rescore of every pair, pages of groups and of the
// review queue for an administrator and a salesperson, and the time of a
// contact's create with the matcher and without it.
//
//	go run ./tools/dupesbench -data-dir /work/bench/dupes-sqlite -rebuild -rescore -pages 200 -writes 300
//	go run ./tools/dupesbench -db 'postgres://…/dupes1m?sslmode=disable' -rescore -pages 200
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime/pprof"
	"slices"
	"syscall"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/duplicate"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

func main() {
	url := flag.String("db", "", "postgres:// URL; none for SQLite in -data-dir")
	dir := flag.String("data-dir", "", "SQLite data directory (a copy)")
	rebuild := flag.Bool("rebuild", false, "rebuild profiles, keys, pairs and groups of workspace 1 (Maintain)")
	estimate := flag.Bool("estimate", false, "estimate the contacts' model (then rescore)")
	rescore := flag.Bool("rescore", false, "rescore every contact pair with the current model")
	pages := flag.Int("pages", 0, "pages of groups and of the review queue to read, per user")
	writes := flag.Int("writes", 0, "contacts to create with the matcher and without it")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
	flag.Parse()
	if *profile != "" {
		f, err := os.Create(*profile)
		check(err)
		check(pprof.StartCPUProfile(f))
		defer pprof.StopCPUProfile()
	}
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	db, err := store.Open(ctx, *url, *dir)
	check(err)
	check(db.Migrate(ctx))
	pol := access.NewRolePolicy(db)
	engine := records.New(db, records.Options{Policy: pol, PhoneRegion: "US", Logger: log})
	svc := duplicate.New(db, engine, duplicate.Options{PhoneRegion: "US", Logger: log})
	const ws = 1
	admin, sales := user(ctx, db, "administrator"), user(ctx, db, "salesperson")
	asAdmin := access.WithActor(ctx, access.Actor{WorkspaceID: ws, UserID: admin, Role: "administrator"})
	asSales := access.WithActor(ctx, access.Actor{WorkspaceID: ws, UserID: sales, Role: "salesperson"})
	if *rebuild {
		start, cpu := time.Now(), cpuTime()
		check(svc.Maintain(ctx))
		fmt.Printf("maintain (rebuild profiles, keys, pairs, groups of contacts and companies): %s (cpu %s)\n",
			time.Since(start).Round(time.Millisecond), (cpuTime() - cpu).Round(time.Millisecond))
	}
	if *estimate {
		start := time.Now()
		res, err := svc.Reestimate(ctx, ws, "contacts")
		check(err)
		fmt.Printf("estimate + rescore: %s (rescore %s, %d records, %d compared, %d pairs, %d grouped)\n",
			time.Since(start).Round(time.Millisecond), res.Took.Round(time.Millisecond), res.Records, res.Compared, res.Pairs, res.Grouped)
	}
	if *rescore {
		cpu := cpuTime()
		res, err := svc.Rescore(ctx, ws, "contacts")
		check(err)
		fmt.Printf("rescore: %s (cpu %s; %d records, %d compared, %d pairs, %d grouped; profiles %s, compare %s, write pairs %s, groups %s)\n",
			res.Took.Round(time.Millisecond), (cpuTime() - cpu).Round(time.Millisecond), res.Records, res.Compared, res.Pairs, res.Grouped,
			res.Phases[0].Round(time.Millisecond), res.Phases[1].Round(time.Millisecond), res.Phases[2].Round(time.Millisecond), res.Phases[3].Round(time.Millisecond))
	}
	if *pages > 0 {
		for _, u := range []struct {
			name string
			ctx  context.Context
		}{{"administrator", asAdmin}, {"salesperson", asSales}} {
			var groups, review []time.Duration
			cursor, rcursor := "", ""
			for range *pages {
				start := time.Now()
				page, err := svc.Groups(u.ctx, "contacts", cursor, duplicate.DefaultGroupLimit)
				check(err)
				groups = append(groups, time.Since(start))
				cursor = page.NextCursor
				start = time.Now()
				rpage, err := svc.Review(u.ctx, "contacts", rcursor, 20)
				check(err)
				review = append(review, time.Since(start))
				rcursor = rpage.NextCursor
			}
			fmt.Printf("%s: groups page (50) p50 %s p99 %s; review page (20) p50 %s p99 %s\n", u.name,
				pct(groups, 50), pct(groups, 99), pct(review, 50), pct(review, 99))
		}
	}
	if *writes > 0 {
		plain := records.New(db, records.Options{Policy: pol, PhoneRegion: "US", Logger: log})
		rng := rand.New(rand.NewPCG(1, 2))
		first := []string{"Anna", "Ivan", "Maria", "John", "Olga", "Piotr", "Ana", "Jonas"}
		last := []string{"Smith", "Ivanova", "Kowalski", "Popescu", "Kazlauskas", "Lee", "Nowak", "Petrov"}
		measure := func(e *records.Engine) []time.Duration {
			var out []time.Duration
			for i := range *writes {
				in := map[string]any{"first_name": first[rng.IntN(len(first))], "last_name": last[rng.IntN(len(last))],
					"emails": []any{fmt.Sprintf("bench%d.%d@example.com", i, rng.IntN(1e9))},
					"phones": []any{fmt.Sprintf("+1 312 555 %04d", rng.IntN(10000))}}
				start := time.Now()
				_, err := e.Create(asAdmin, "contact", in)
				check(err)
				out = append(out, time.Since(start))
			}
			return out
		}
		without := measure(plain)
		with := measure(engine)
		fmt.Printf("create a contact: without the matcher p50 %s p99 %s; with it p50 %s p99 %s (%d each)\n",
			pct(without, 50), pct(without, 99), pct(with, 50), pct(with, 99), *writes)
	}
}

func user(ctx context.Context, db *store.DB, role string) int64 {
	var id int64
	check(db.Reader().QueryRowContext(ctx, `SELECT id FROM users WHERE workspace_id = 1 AND role = ? ORDER BY id LIMIT 1`, role).Scan(&id))
	return id
}

func pct(ds []time.Duration, p int) string {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := min(len(s)-1, len(s)*p/100)
	return fmt.Sprintf("%.1f ms", float64(s[i].Microseconds())/1000)
}

// cpuTime is the CPU time the process has used, user and system: on a
// machine shared with other work it says what a run costs better than the
// wall clock does.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "dupesbench:", err)
		os.Exit(1)
	}
}

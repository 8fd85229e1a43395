package analysis_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/analysis"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/store"
)

// TestReportSpeed times the report builder's reports on a demo database
// (rapport demo --contacts 1000000) named by RAPPORT_BENCH_REPORTS: a
// SQLite data directory as sqlite:<dir>, or a postgres:// URL. It runs
// each report RAPPORT_BENCH_RUNS times (20) after two unmeasured runs,
// as the administrator and as a salesperson, and prints a Markdown table
// of p50 and p99 for docs/BENCHMARKS.md. It reads only, but opening a
// SQLite directory writes its WAL files: give it a copy.
func TestReportSpeed(t *testing.T) {
	target := os.Getenv("RAPPORT_BENCH_REPORTS")
	if target == "" {
		t.Skip("RAPPORT_BENCH_REPORTS names no demo database")
	}
	runs := 20
	if n, err := strconv.Atoi(os.Getenv("RAPPORT_BENCH_RUNS")); err == nil && n > 0 {
		runs = n
	}
	ctx := context.Background()
	url, dir := target, ""
	if d, ok := strings.CutPrefix(target, "sqlite:"); ok {
		url, dir = "", d
	}
	db, err := store.Open(ctx, url, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	engine := records.New(db, records.Options{Policy: access.NewRolePolicy(db), Logger: quiet})
	svc := analysis.New(engine, sales.New(db, engine, sales.Options{Logger: quiet}), account.New(db))
	reports := []struct {
		name string
		def  analysis.Definition
	}{
		{"deals by stage (count, sum of value)", analysis.Definition{Object: "deals", GroupBy: []records.Grouping{{Field: "stage_id"}},
			Measures: []records.Measure{{Op: "count"}, {Op: "sum", Field: "value"}}}},
		{"deals by owner × month of closing (sum of value)", analysis.Definition{Object: "deals",
			GroupBy:  []records.Grouping{{Field: "owner_id"}, {Field: "expected_close_date", Bucket: "month"}},
			Measures: []records.Measure{{Op: "sum", Field: "value"}}}},
		{"open deals by source (count)", analysis.Definition{Object: "deals", GroupBy: []records.Grouping{{Field: "source"}},
			Measures: []records.Measure{{Op: "count"}}, Filter: &records.Filter{Field: "status", Op: records.Eq, Value: "open"}}},
		{"tasks by type × week due (count)", analysis.Definition{Object: "tasks",
			GroupBy:  []records.Grouping{{Field: "type"}, {Field: "due_at", Bucket: "week"}},
			Measures: []records.Measure{{Op: "count"}}}},
		{"calls by result × week (count, average duration)", analysis.Definition{Object: "calls",
			GroupBy:  []records.Grouping{{Field: "call_result"}, {Field: "created_at", Bucket: "week"}},
			Measures: []records.Measure{{Op: "count"}, {Op: "avg", Field: "duration_seconds"}}}},
	}
	var out strings.Builder
	fmt.Fprintf(&out, "| report | as | groups | p50 | p99 |\n|---|---|---:|---:|---:|\n")
	for _, who := range []string{"administrator", "salesperson"} {
		var id int64
		if err := db.Reader().QueryRowContext(ctx, `SELECT id FROM users WHERE workspace_id = 1 AND role = ? ORDER BY id LIMIT 1`, who).Scan(&id); err != nil {
			t.Fatalf("a %s: %v", who, err)
		}
		actx := access.WithActor(ctx, access.Actor{WorkspaceID: 1, UserID: id, Role: who})
		for _, r := range reports {
			var times []time.Duration
			var groups int
			for i := range runs + 2 {
				start := time.Now()
				res, err := svc.Run(actx, r.def)
				if err != nil {
					t.Fatalf("%s as %s: %v", r.name, who, err)
				}
				if i >= 2 {
					times = append(times, time.Since(start))
				}
				groups = len(res.Rows)
			}
			slices.Sort(times)
			p99 := times[min(len(times)-1, len(times)*99/100)]
			fmt.Fprintf(&out, "| %s | %s | %d | %.0f ms | %.0f ms |\n", r.name, who, groups, ms(times[len(times)/2]), ms(p99))
		}
	}
	fmt.Print(out.String())
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

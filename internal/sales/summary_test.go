package sales_test

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestStaySummary checks that the summary the reports read (the stages a
// deal was in, the length of each ended stay) follows the deal through
// moves forward and back, a win and a reopening, a change of pipeline,
// and a delete and restore: the stages it was in, the length of each
// ended stay, and the deal's pipeline on each stay while it is not
// deleted.
func TestStaySummary(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		other := f.create(f.admin, "pipeline", `{"name": "Renewals"}`)
		due := f.create(f.admin, "stage", `{"pipeline_id": "`+other+`", "name": "Due"}`)
		f.create(f.admin, "stage", `{"pipeline_id": "`+other+`", "name": "Signed"}`)
		lead, ready, sales := f.stages[0], f.stages[1], f.pipeline
		deal := f.create(f.rep, "deal", `{"title": "Summarised", "stage_id": "`+lead+`"}`)
		passed := func() string {
			t.Helper()
			var s *string
			if err := db.Reader().QueryRowContext(context.Background(), `SELECT stages_passed FROM deals WHERE workspace_id = 1 AND id = ?`, deal).Scan(&s); err != nil {
				t.Fatal(err)
			}
			if s == nil {
				return "<nil>"
			}
			return *s
		}
		// days is the stored length of each ended stay, oldest first; a stay
		// whose stored length is not its span shows as -1.
		days := func() []float64 {
			t.Helper()
			rows, err := db.Reader().QueryContext(context.Background(), `SELECT days, `+db.Dialect.Days("left_at", "entered_at")+`
				FROM deal_stage_history WHERE workspace_id = 1 AND deal_id = ? AND left_at IS NOT NULL ORDER BY id`, deal)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var out []float64
			for rows.Next() {
				var stored *float64
				var span float64
				if err := rows.Scan(&stored, &span); err != nil {
					t.Fatal(err)
				}
				if stored == nil || *stored-span > 1e-9 || span-*stored > 1e-9 {
					out = append(out, -1)
					continue
				}
				out = append(out, float64(int64(*stored*100+0.5))/100)
			}
			return out
		}
		// pipelines is the deal's pipeline as each of its stays carries it,
		// "-" for none (while the deal is deleted).
		pipelines := func() string {
			t.Helper()
			rows, err := db.Reader().QueryContext(context.Background(), `SELECT deal_pipeline_id FROM deal_stage_history
				WHERE workspace_id = 1 AND deal_id = ? ORDER BY id`, deal)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var out []string
			for rows.Next() {
				var p sql.NullInt64
				if err := rows.Scan(&p); err != nil {
					t.Fatal(err)
				}
				if !p.Valid {
					out = append(out, "-")
					continue
				}
				out = append(out, strconv.FormatInt(p.Int64, 10))
			}
			return strings.Join(out, " ")
		}
		sorted := func(ids ...string) string {
			// Stage ids are created in increasing order: lead < ready < due.
			s := ids[0]
			for _, id := range ids[1:] {
				s += "," + id
			}
			return s
		}
		step := func(name string, after time.Duration, body, want string, wantDays []float64, wantPipelines ...string) {
			t.Helper()
			f.advance(after)
			if body != "" {
				if _, err := f.update(f.rep, "deal", deal, body); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
			}
			if got := passed(); got != want {
				t.Errorf("%s: stages passed %q, want %q", name, got, want)
			}
			if got := days(); len(got) != len(wantDays) || !equal(got, wantDays) {
				t.Errorf("%s: stays' days %v, want %v", name, got, wantDays)
			}
			if got, want := pipelines(), strings.Join(wantPipelines, " "); got != want {
				t.Errorf("%s: the stays' deal pipeline %q, want %q", name, got, want)
			}
		}
		step("created", 0, "", lead, nil, sales)
		step("moved on", 36*time.Hour, `{"stage_id": "`+ready+`"}`, sorted(lead, ready), []float64{1.5}, sales, sales)
		step("won", 6*time.Hour, `{"status": "won"}`, sorted(lead, ready), []float64{1.5}, sales, sales)
		step("reopened", 6*time.Hour, `{"status": "open"}`, sorted(lead, ready), []float64{1.5}, sales, sales)
		step("moved back", 0, `{"stage_id": "`+lead+`"}`, sorted(lead, ready), []float64{1.5, 0.5}, sales, sales, sales)
		step("other pipeline", 72*time.Hour, `{"pipeline_id": "`+other+`"}`, sorted(lead, ready, due), []float64{1.5, 0.5, 3}, other, other, other, other)
		if err := f.engine.Delete(f.admin, "deal", deal, 0); err != nil {
			t.Fatal(err)
		}
		step("deleted", 0, "", sorted(lead, ready, due), []float64{1.5, 0.5, 3}, "-", "-", "-", "-")
		if _, err := f.engine.Restore(f.admin, "deal", deal); err != nil {
			t.Fatal(err)
		}
		step("restored and moved back", 24*time.Hour, `{"pipeline_id": "`+f.pipeline+`", "stage_id": "`+lead+`"}`, sorted(lead, ready, due), []float64{1.5, 0.5, 3, 1}, sales, sales, sales, sales, sales)

		// Every stay carries the deal's source, through a change of source
		// alone and one with a move.
		sources := func() string {
			t.Helper()
			rows, err := db.Reader().QueryContext(context.Background(), `SELECT COALESCE(deal_source, '-') FROM deal_stage_history
				WHERE workspace_id = 1 AND deal_id = ? ORDER BY id`, deal)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var out []string
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					t.Fatal(err)
				}
				out = append(out, s)
			}
			return strings.Join(out, " ")
		}
		if got := sources(); got != "- - - - -" {
			t.Errorf("no source: the stays' deal source %q", got)
		}
		for _, c := range []struct{ body, want string }{
			{`{"source": "referral"}`, "referral referral referral referral referral"},
			{`{"source": "web_form", "stage_id": "` + ready + `"}`, "web_form web_form web_form web_form web_form web_form"},
		} {
			if _, err := f.update(f.rep, "deal", deal, c.body); err != nil {
				t.Fatal(err)
			}
			if got := sources(); got != c.want {
				t.Errorf("after %s: the stays' deal source %q, want %q", c.body, got, c.want)
			}
		}
	})
}

func equal(a, b []float64) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

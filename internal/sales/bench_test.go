package sales_test

import (
	"context"
	"fmt"
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

// seedDeals writes n deals straight into the table, spread over the
// fixture's stages, 20 owners (the salesperson one of them), three
// statuses and two currencies, as a bulk import would.
func seedDeals(tb testing.TB, f *fixture, n int) {
	tb.Helper()
	ctx := context.Background()
	owners := []int64{f.repID}
	for i := range 19 {
		owners = append(owners, accesstest.AddUser(tb, f.db, 1, fmt.Sprintf("seller%d@fixture.example", i), access.RoleSalesperson, 0))
	}
	statuses := []string{"open", "open", "won", "lost"}
	now := f.db.Dialect.Time(time.Now())
	err := f.db.Tx(ctx, func(q store.Querier) error {
		for i := range n {
			cur := "EUR"
			if i%5 == 0 {
				cur = "USD"
			}
			_, err := q.ExecContext(ctx, `INSERT INTO deals (workspace_id, version, title, value, pipeline_id, stage_id, status, owner_id,
				stage_entered_at, custom, created_at, updated_at) VALUES (1, 1, ?, `+f.db.Dialect.JSONIn()+`, ?, ?, ?, ?, ?, '{}', ?, ?)`,
				fmt.Sprintf("Deal %d", i), fmt.Sprintf(`{"amount": %d, "currency": %q}`, 1000+i%997, cur), atoi(f.pipeline),
				atoi(f.stages[i%len(f.stages)]), statuses[i%len(statuses)], owners[i%len(owners)], now, now, now)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := f.db.Raw().ExecContext(ctx, "ANALYZE"); err != nil {
		tb.Fatal(err)
	}
}

// TestBoardPlans checks on SQLite that a board's sums read the covering
// index alone and its deal lists the board index, and that deals without
// a task probe the open-task index: at 300,000 deals a table scan is what
// would break the board's target.
func TestBoardPlans(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	seedDeals(t, f, 3000)
	for _, c := range []struct {
		name, query, want string
	}{
		{"sums", `SELECT stage_id, value_currency, count(*), COALESCE(SUM(value_amount), 0) FROM deals
			WHERE workspace_id = 1 AND stage_id IN (1, 2) AND status = 'open' AND deleted_at IS NULL AND owner_id IN (2)
			GROUP BY stage_id, value_currency`, "COVERING INDEX deals_board"},
		{"deals of an owner", `SELECT t.id FROM deals t WHERE t.workspace_id = 1 AND t.owner_id IN (2) AND t.deleted_at IS NULL
			AND (t.stage_id = 1 AND t.status = 'open') ORDER BY t.id ASC LIMIT 51`, "deals_board"},
		{"without task", `SELECT d.id FROM deals d WHERE d.workspace_id = 1 AND d.status = 'open' AND d.deleted_at IS NULL AND d.id > 0
			AND NOT EXISTS (SELECT 1 FROM activities t WHERE t.workspace_id = d.workspace_id AND t.record_type = 'deal'
			AND t.record_id = CAST(d.id AS TEXT) AND t.kind = 'task' AND t.done = 0 AND t.deleted_at IS NULL) ORDER BY d.id LIMIT 51`,
			"activities_record_open"},
	} {
		rows, err := f.db.Reader().QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+c.query)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if text := strings.Join(plan, "; "); !strings.Contains(text, c.want) {
			t.Errorf("%s: plan %q does not use %s", c.name, text, c.want)
		}
	}
}

// BenchmarkBoard reads a salesperson's and an administrator's board over
// 20,000 deals (GOMAXPROCS and the database as given).
func BenchmarkBoard(b *testing.B) {
	for _, db := range benchDBs(b) {
		f := newFixture(b, db.db)
		seedDeals(b, f, 20000)
		for _, who := range []struct {
			name string
			ctx  context.Context
		}{{"salesperson", f.rep}, {"administrator", f.admin}} {
			b.Run(db.name+"/"+who.name, func(b *testing.B) {
				for b.Loop() {
					if _, err := f.svc.Board(who.ctx, f.pipeline, ""); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		b.Run(db.name+"/move", func(b *testing.B) {
			deal := f.create(f.rep, "deal", `{"title": "Mover"}`)
			i := 0
			for b.Loop() {
				i++
				if _, err := f.update(f.rep, "deal", deal, `{"stage_id": "`+f.stages[i%2]+`"}`); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

type benchDB struct {
	name string
	db   *store.DB
}

func benchDBs(b *testing.B) []benchDB {
	out := []benchDB{{"sqlite", storetest.SQLite(b)}}
	if os.Getenv(storetest.EnvPostgres) != "" {
		out = append(out, benchDB{"postgres", storetest.Postgres(b)})
	}
	return out
}

func atoi(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

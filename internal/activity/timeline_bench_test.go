package activity_test

import (
	"context"
	"log/slog"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/access/accesstest"
	"github.com/rapport-crm/rapport/internal/activity"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// BenchmarkContactTimeline reads the first page of one contact's timeline,
// as a salesperson, among many activities of other contacts. Set
// RAPPORT_BENCH_ACTIVITIES for a bigger table (default 50,000).
func BenchmarkContactTimeline(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchmarkTimeline(b, storetest.SQLite(b)) })
	if os.Getenv(storetest.EnvPostgres) != "" {
		b.Run("postgres", func(b *testing.B) { benchmarkTimeline(b, storetest.Postgres(b)) })
	}
}

func benchmarkTimeline(b *testing.B, db *store.DB) {
	n := 50000
	if v, err := strconv.Atoi(os.Getenv("RAPPORT_BENCH_ACTIVITIES")); err == nil && v > 0 {
		n = v
	}
	quiet := slog.New(slog.DiscardHandler)
	pol := access.NewRolePolicy(db)
	engine := records.New(db, records.Options{Policy: pol, Logger: quiet})
	svc := activity.New(db, engine, activity.Options{Logger: quiet})
	people := accesstest.Setup(b, db, 1)
	me := people.Actor()
	accesstest.SetRole(b, db, 1, me, access.RoleSalesperson)
	ctx := access.WithActor(context.Background(), access.Actor{WorkspaceID: 1, UserID: me})
	in, _ := records.DecodeInput([]byte(`{"first_name": "Bench"}`))
	contact, err := engine.Create(ctx, "contacts", in)
	if err != nil {
		b.Fatal(err)
	}
	seedActivities(b, db, contact["id"].(string), me, n)
	b.ResetTimer()
	for b.Loop() {
		page, err := svc.Timeline(ctx, "contacts", contact["id"].(string), activity.TimelineQuery{})
		if err != nil || len(page.Data) == 0 {
			b.Fatal(err, len(page.Data))
		}
	}
}

// seedActivities writes n activities straight to the table, one in a
// hundred about contact and the rest about 5,000 other ids.
func seedActivities(b *testing.B, db *store.DB, contact string, owner int64, n int) {
	d, now := db.Dialect, time.Now()
	kinds := []string{"task", "note", "call", "meeting"}
	err := db.Tx(context.Background(), func(q store.Querier) error {
		for i := range n {
			about := strconv.Itoa(1000000 + i%5000)
			if i%100 == 0 {
				about = contact
			}
			kind := kinds[i%4]
			var done any
			if kind == "task" {
				done = d.Bool(i%8 == 0)
			}
			at := d.Time(now.Add(-time.Duration(i) * time.Minute))
			if _, err := q.ExecContext(context.Background(), `INSERT INTO activities (workspace_id, kind, title, body, record_type, record_id,
				owner_id, occurred_at, done, created_at, updated_at) VALUES (1, ?, 'Title', 'Body', 'contact', ?, ?, ?, ?, ?, ?)`,
				kind, about, owner, at, done, at, at); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

package scores_test

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

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

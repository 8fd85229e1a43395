// Command webhookbench measures outgoing webhooks: it writes deal events
// to the outbox as the records engine does, runs the webhook consumer and
// worker against a receiver on loopback, stops both midway and starts new
// ones on the same database (a restart of Rapport), and counts what the
// receiver got: events per second, repeats, and losses after dropping
// repeats by webhook-id. It prints a Markdown row for docs/BENCHMARKS.md.
//
//	go run ./tools/webhookbench                       # SQLite in a temporary directory
//	go run ./tools/webhookbench --db 'postgres://…'   # PostgreSQL (an empty database)
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/outbox"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/webhook"
)

func main() {
	dsn := flag.String("db", "", "a postgres:// URL; empty means SQLite in a temporary directory")
	events := flag.Int("events", 10000, "deals created, one event each")
	restart := flag.Bool("restart", true, "stop the consumer and worker halfway and start new ones")
	flag.BoolVar(&phases, "phases", false, "write every event first, then time the consumer and the worker apart")
	flag.Parse()
	if err := run(*dsn, *events, *restart); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// phases times the consumer and the worker one after the other.
var phases bool

func run(dsn string, n int, restart bool) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "webhookbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db, err := store.Open(ctx, dsn, dir)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var received atomic.Int64
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		seen[r.Header.Get("webhook-id")]++
		mu.Unlock()
		received.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer rc.Close()
	log := slog.New(slog.DiscardHandler)
	admin := access.WithActor(ctx, access.Actor{WorkspaceID: 1, UserID: 1, Role: "administrator"})
	url := rc.URL
	if _, err := webhook.New(db, webhook.Options{Logger: log}).Create(admin, webhook.Input{URL: &url,
		Events: &[]string{"created"}, AllowPrivate: &[]string{"127.0.0.0/8"}}); err != nil {
		return err
	}
	start := time.Now()
	writeErr := make(chan error, 1)
	go func() {
		for i := 0; i < n; i += 100 {
			err := db.Tx(ctx, func(q store.Querier) error {
				for j := i; j < min(i+100, n); j++ {
					if err := outbox.Write(ctx, q, db.Dialect, outbox.Event{WorkspaceID: 1, Object: "deal",
						RecordID: strconv.Itoa(j + 1), Action: "create", At: time.Now(),
						Changes: map[string]any{"name": map[string]any{"after": "Deal " + strconv.Itoa(j+1)}}}); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				writeErr <- err
				return
			}
		}
		writeErr <- nil
	}()
	if phases {
		if err := <-writeErr; err != nil {
			return err
		}
		wrote := time.Since(start)
		s := webhook.New(db, webhook.Options{Logger: log})
		t0 := time.Now()
		for {
			k, err := s.NewConsumer(0).Run(ctx)
			if err != nil {
				return err
			}
			if k == 0 {
				break
			}
		}
		t1 := time.Now()
		if _, err := s.NewWorker(webhook.WorkerOptions{}).Run(ctx); err != nil {
			return err
		}
		fmt.Printf("write %v, consume %v, deliver %v, received %d\n", wrote.Round(time.Millisecond),
			t1.Sub(t0).Round(time.Millisecond), time.Since(t1).Round(time.Millisecond), received.Load())
		return nil
	}
	distinct := func() int { mu.Lock(); defer mu.Unlock(); return len(seen) }
	start1 := func() (stop func()) {
		s := webhook.New(db, webhook.Options{Logger: log})
		c, w := s.NewConsumer(0), s.NewWorker(webhook.WorkerOptions{})
		ctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		for _, f := range []func(context.Context) (int, error){c.Run, w.Run} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ctx.Err() == nil {
					if k, err := f(ctx); err != nil && ctx.Err() == nil {
						fmt.Fprintln(os.Stderr, err)
					} else if k == 0 {
						time.Sleep(10 * time.Millisecond)
					}
				}
			}()
		}
		return func() { cancel(); wg.Wait() }
	}
	stop := start1()
	if restart {
		for distinct() < n/2 {
			time.Sleep(5 * time.Millisecond)
		}
		stop()
		stop = start1()
	}
	if err := <-writeErr; err != nil {
		return err
	}
	deadline := time.Now().Add(10 * time.Minute)
	for distinct() < n && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	took := time.Since(start)
	stop()
	got := distinct()
	fmt.Printf("| %s | %d | %v | %.0f | %d | %d |\n", db.Dialect.Name(), n, took.Round(10*time.Millisecond),
		float64(got)/took.Seconds(), int(received.Load())-got, n-got)
	return nil
}

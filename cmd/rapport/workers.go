package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/audit"
	"github.com/rapport-crm/rapport/internal/backup"
	"github.com/rapport-crm/rapport/internal/jobs"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/webhook"
)

// stopTimeout is how long shutdown waits for running jobs before it puts
// them back in the queue for the next start.
const stopTimeout = 20 * time.Second

// startWorkers starts serve's background work: the job workers, the audit
// trail's outbox consumer and its retention, and the hourly removal of
// expired sessions and reset links. serve calls the returned stop
// after the HTTP server has shut down and before the database closes, so
// that running jobs can still write their outcome.
func startWorkers(ctx context.Context, c *command, db *store.DB, accounts *account.Service, svc services) (stop func(), err error) {
	days, err := strconv.Atoi(c.cfg.AuditRetention)
	if err != nil {
		return nil, fmt.Errorf("audit-retention: %w", err)
	}
	lock, _ := time.ParseDuration(c.cfg.JobLock) // Load checked it
	q := jobs.New(db, jobs.Options{Logger: c.log, LockTTL: lock})
	audit.Register(q, db, audit.Options{Retention: time.Duration(days) * 24 * time.Hour, Logger: c.log})
	// Ended sessions and spent or expired reset links serve no purpose
	// once past their expiry; keeping them only grows the tables.
	q.Every("account.purge_expired", time.Hour, func(ctx context.Context, _ jobs.Job) error {
		n, err := accounts.PurgeExpired(ctx)
		if n > 0 {
			c.log.Info("expired sessions and reset links removed", "rows", n)
		}
		return err
	})
	registerBackups(c, db, q)
	// Outgoing webhooks: the outbox consumer and the delivery worker.
	webhook.New(db, webhook.Options{Logger: c.log, Objects: func(name string) bool { return svc.engine.Object(name) != nil }}).
		Register(q, webhook.WorkerOptions{})
	svc.register(q)
	if err := q.Start(ctx); err != nil {
		return nil, err
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
		defer cancel()
		svc.mailboxes.Stop() // the IDLE connections, which may enqueue syncs
		if err := q.Stop(ctx); err != nil {
			c.log.Error("stop the job queue", "err", err)
		}
	}, nil
}

// registerBackups schedules serve's backups when --backup-every asks for
// them. The job's row is shared: of several servers on one PostgreSQL
// database, one takes each backup, into its own backup directory.
func registerBackups(c *command, db *store.DB, q *jobs.Queue) {
	every, _ := time.ParseDuration(c.cfg.BackupEvery)
	if every == 0 {
		return
	}
	keep, _ := strconv.Atoi(c.cfg.BackupKeep)
	dir := c.cfg.BackupDir
	if dir == "" {
		dir = filepath.Join(c.cfg.DataDir, "backups")
	}
	q.Every("backup.scheduled", every, func(ctx context.Context, _ jobs.Job) error {
		start := time.Now()
		path, sum, err := backup.Scheduled(ctx, db, dir, keep, start)
		if err != nil {
			return fmt.Errorf("scheduled backup: %w", err)
		}
		c.log.Info("backup written", "file", path, "tables", sum.Tables, "rows", sum.Rows,
			"took", time.Since(start).Round(time.Millisecond))
		return nil
	})
}

package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"sync"
	"time"

	"github.com/rapport-crm/rapport/internal/store"
)

// pruneKind is the recurring task that deletes old done jobs.
const pruneKind = "jobs.prune"

// maxErrorLen bounds the error kept on a job: enough to diagnose, not a
// whole stack of wrapped messages.
const maxErrorLen = 2000

// lockClause is what a SELECT that picks jobs to change adds to lock them.
// On PostgreSQL, SKIP LOCKED lets concurrent workers pass over each
// other's candidates instead of queueing behind them. SQLite needs nothing:
// its single writer runs one claim at a time, across processes too.
func lockClause(d store.Dialect) string {
	if d == store.Postgres {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// claimSQL takes the oldest due job of one of the given number of kinds.
// The subquery is uncorrelated, so PostgreSQL runs it once.
func claimSQL(d store.Dialect, kinds int) string {
	return `UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_by = ?, locked_until = ?, updated_at = ?
		WHERE status = 'queued' AND (workspace_id, id) = (SELECT workspace_id, id FROM jobs
			WHERE status = 'queued' AND run_at <= ? AND kind IN (` + store.Marks(kinds) + `)
			ORDER BY run_at, id LIMIT 1` + lockClause(d) + `)
		RETURNING workspace_id, id, kind, ` + d.JSONOut("payload") + `, attempts, max_attempts, every_ms, run_at, created_at`
}

// Bounds on retrying the queue's own statements when the database fails:
// claims back off from the poll interval up to maxClaimBackoff, and are
// logged as warnings until they have failed for claimErrorAfter: a lost
// connection costs one failed claim and the next takes a new connection,
// while a database that stays unreachable is an error. An outcome is
// written up to settleAttempts times.
const (
	maxClaimBackoff = 30 * time.Second
	claimErrorAfter = 30 * time.Second
	settleAttempts  = 4
)

// work is one worker: it claims and runs jobs until the queue stops.
func (q *Queue) work(worker string) {
	defer q.workers.Done()
	failures := 0
	var failingSince time.Time
	for {
		select {
		case <-q.quit:
			return
		default:
		}
		j, ok, err := q.claim(worker)
		// Idle workers spread their polls so they do not all hit the
		// database at once.
		wait := q.opts.Poll/2 + mrand.N(q.opts.Poll/2+1)
		switch {
		case err != nil && q.runCtx.Err() == nil:
			if failures++; failures == 1 {
				failingSince = time.Now()
			}
			wait = backoffDelay(q.opts.Poll, maxClaimBackoff, failures)
			log := q.log.Warn
			if time.Since(failingSince) >= claimErrorAfter {
				log = q.log.Error
			}
			log("claim a job failed; retrying", "err", err, "failures", failures, "in", wait.String())
		case err == nil && failures > 0:
			q.log.Info("claiming jobs works again", "after_failures", failures)
			failures = 0
		}
		if ok {
			q.run(worker, j)
			continue
		}
		select {
		case <-q.quit:
			return
		case <-q.wake:
		case <-time.After(wait):
		}
	}
}

// claim takes one due job for worker, if there is one.
func (q *Queue) claim(worker string) (Job, bool, error) {
	ctx, d, now := q.runCtx, q.db.Dialect, q.opts.Now()
	var j Job
	found := false
	err := q.db.Tx(ctx, func(tx store.Querier) error {
		if err := q.reap(ctx, tx, now); err != nil {
			return err
		}
		args := append([]any{worker, d.Time(now.Add(q.opts.LockTTL)), d.Time(now), d.Time(now)}, q.kinds...)
		var payload string
		var every sql.NullInt64
		var runAt, created any
		err := tx.QueryRowContext(ctx, q.claimSQL, args...).Scan(&j.WorkspaceID, &j.ID, &j.Kind, &payload,
			&j.Attempts, &j.MaxAttempts, &every, &runAt, &created)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		j.Payload, j.Status = json.RawMessage(payload), Running
		j.every = time.Duration(every.Int64) * time.Millisecond
		j.RunAt, _ = store.ParseTime(runAt)
		j.CreatedAt, _ = store.ParseTime(created)
		found = true
		return nil
	})
	if err != nil || !found {
		return Job{}, false, err
	}
	q.hold(worker, j)
	return j, true, nil
}

// reap returns jobs whose lock has expired, because their worker crashed
// or hung, to the queue; a job whose last attempt it was goes dead. It
// runs at most once per poll interval in each queue.
func (q *Queue) reap(ctx context.Context, tx store.Querier, now time.Time) error {
	q.mu.Lock()
	due := !now.Before(q.nextReap)
	if due {
		q.nextReap = now.Add(q.opts.Poll)
	}
	q.mu.Unlock()
	if !due {
		return nil
	}
	d := q.db.Dialect
	res, err := tx.ExecContext(ctx, `UPDATE jobs
		SET status = CASE WHEN attempts >= max_attempts AND every_ms IS NULL THEN 'dead' ELSE 'queued' END,
			run_at = ?, last_error = ?, locked_by = NULL, locked_until = NULL, updated_at = ?
		WHERE (workspace_id, id) IN (SELECT workspace_id, id FROM jobs
			WHERE status = 'running' AND locked_until < ? LIMIT 100`+lockClause(d)+`)`,
		d.Time(now), "the worker running it stopped answering (its lock expired)", d.Time(now), d.Time(now))
	if err != nil {
		return fmt.Errorf("reap expired jobs: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		q.log.Warn("took back jobs whose worker stopped answering", "jobs", n)
	}
	return nil
}

// run runs one claimed job and records its outcome.
func (q *Queue) run(worker string, j Job) {
	defer q.unhold(j.ID)
	ctx, cancel := context.WithCancel(q.runCtx)
	defer cancel()
	stopBeat := q.heartbeat(ctx, cancel, worker, j)
	err := q.call(ctx, j)
	stopBeat()
	q.finish(worker, j, err)
}

// call runs j's handler, turning a panic into an error so that one bad job
// cannot take the process down.
func (q *Queue) call(ctx context.Context, j Job) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return q.handlers[j.Kind](ctx, j)
}

// finish records the outcome of an attempt: done, retry later, dead, or
// back in the queue when Stop interrupted it.
func (q *Queue) finish(worker string, j Job, err error) {
	d, now := q.db.Dialect, q.opts.Now()
	log := q.log.With("job", j.ID, "kind", j.Kind, "attempt", j.Attempts)
	var perm permanent
	switch {
	case err == nil && j.every > 0:
		q.settle(worker, j, `status = 'queued', attempts = 0, last_error = NULL, run_at = ?`, d.Time(now.Add(j.every)))
	case err == nil:
		log.Debug("job done")
		q.settle(worker, j, `status = 'done'`)
	case q.runCtx.Err() != nil:
		q.release(worker, j)
	case j.every > 0 && (j.Attempts >= j.MaxAttempts || errors.As(err, &perm)):
		log.Error("recurring task failed; it runs again next period", "err", err)
		q.settle(worker, j, `status = 'queued', attempts = 0, last_error = ?, run_at = ?`, errorText(err), d.Time(now.Add(j.every)))
	case j.Attempts >= j.MaxAttempts || errors.As(err, &perm):
		log.Error("job is dead", "err", err)
		q.settle(worker, j, `status = 'dead', last_error = ?`, errorText(err))
	default:
		delay := q.backoff(j.Attempts)
		log.Warn("job failed; it will be retried", "err", err, "in", delay.String())
		q.settle(worker, j, `status = 'queued', last_error = ?, run_at = ?`, errorText(err), d.Time(now.Add(delay)))
	}
}

func errorText(err error) string {
	s := err.Error()
	if len(s) > maxErrorLen {
		s = s[:maxErrorLen]
	}
	return s
}

// release puts j back in the queue, due now, without counting the attempt
// that was interrupted.
func (q *Queue) release(worker string, j Job) error {
	return q.settle(worker, j, `status = 'queued', attempts = attempts - 1, run_at = ?`, q.db.Dialect.Time(q.opts.Now()))
}

// settle ends worker's claim on j with the given SET clause. The claim is
// matched by locked_by, so a worker whose lock expired and was taken over
// changes nothing. A failed write is tried again on a new connection: a
// job whose outcome is lost runs again once its lock expires.
func (q *Queue) settle(worker string, j Job, set string, args ...any) error {
	// The outcome must be written even when Stop has cancelled the run.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(q.runCtx), 10*time.Second)
	defer cancel()
	args = append(args, q.db.Dialect.Time(q.opts.Now()), j.WorkspaceID, j.ID, worker)
	var n int64
	var err error
	for attempt := 1; ; attempt++ {
		err = q.db.Tx(ctx, func(tx store.Querier) error {
			res, err := tx.ExecContext(ctx, `UPDATE jobs SET `+set+`, locked_by = NULL, locked_until = NULL, updated_at = ?
				WHERE workspace_id = ? AND id = ? AND locked_by = ? AND status = 'running'`, args...)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		if err == nil || attempt == settleAttempts || ctx.Err() != nil {
			break
		}
		wait := backoffDelay(50*time.Millisecond, time.Second, attempt)
		q.log.Warn("record the outcome of a job failed; retrying", "job", j.ID, "kind", j.Kind, "err", err, "in", wait.String())
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
	}
	if err != nil {
		q.log.Error("record the outcome of a job", "job", j.ID, "kind", j.Kind, "err", err)
		return err
	}
	if n == 0 {
		q.log.Warn("a job's lock expired before it finished; it runs again", "job", j.ID, "kind", j.Kind)
	}
	return nil
}

// heartbeat extends j's lock while its handler runs, so that only a worker
// that stopped answering loses its job. If the lock is found lost (taken
// back after a long pause), the handler's context is cancelled: someone
// else runs the job now.
func (q *Queue) heartbeat(ctx context.Context, lost context.CancelFunc, worker string, j Job) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(q.opts.LockTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
			held, err := q.extend(ctx, worker, j)
			if err != nil {
				q.log.Warn("extend a job's lock", "job", j.ID, "err", err)
			} else if !held {
				q.log.Warn("a job's lock was lost; stopping its handler", "job", j.ID, "kind", j.Kind)
				lost()
				return
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

func (q *Queue) extend(ctx context.Context, worker string, j Job) (bool, error) {
	d, now := q.db.Dialect, q.opts.Now()
	var n int64
	err := q.db.Tx(ctx, func(tx store.Querier) error {
		res, err := tx.ExecContext(ctx, `UPDATE jobs SET locked_until = ?, updated_at = ?
			WHERE workspace_id = ? AND id = ? AND locked_by = ? AND status = 'running'`,
			d.Time(now.Add(q.opts.LockTTL)), d.Time(now), j.WorkspaceID, j.ID, worker)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n == 1, err
}

// claimed is a job this queue runs, and the worker that runs it.
type claimed struct {
	worker string
	job    Job
}

func (q *Queue) hold(worker string, j Job) {
	q.mu.Lock()
	q.held[j.ID] = claimed{worker, j}
	q.mu.Unlock()
}

func (q *Queue) unhold(id int64) {
	q.mu.Lock()
	delete(q.held, id)
	q.mu.Unlock()
}

// prune deletes done jobs older than KeepDone; failures stay, for the
// dead-letter view.
func (q *Queue) prune(ctx context.Context, _ Job) error {
	d := q.db.Dialect
	cutoff := d.Time(q.opts.Now().Add(-q.opts.KeepDone))
	return q.db.Tx(ctx, func(tx store.Querier) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM jobs WHERE status = 'done' AND updated_at < ?`, cutoff)
		return err
	})
}

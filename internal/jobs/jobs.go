// Package jobs runs background work kept in the database, so that Rapport
// needs no broker: one-off jobs, enqueued in the transaction of the change
// that calls for them, and recurring tasks. Workers claim jobs with
// FOR UPDATE SKIP LOCKED on PostgreSQL and through the single writer on
// SQLite, retry failures with exponential back-off, and park a job as dead
// after its last attempt, with the error kept for the dead-letter view.
//
// Delivery is at least once: a job whose worker dies, or whose lock expires,
// runs again. Handlers must therefore be idempotent.
package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/store"
)

// Status is where a job is in its life.
type Status string

// The statuses of a job. A recurring task goes from running back to queued
// instead of to done.
const (
	Queued  Status = "queued"
	Running Status = "running"
	Done    Status = "done"
	Dead    Status = "dead"
)

// System is the workspace id of jobs that belong to no workspace, such as
// outbox consumers and retention.
const System int64 = 0

// DefaultMaxAttempts is how often a job runs before it is declared dead,
// unless it says otherwise.
const DefaultMaxAttempts = 10

// Job is one unit of background work.
type Job struct {
	ID          int64           `json:"id,string"`
	WorkspaceID int64           `json:"-"`
	Kind        string          `json:"kind"`
	Payload     json.RawMessage `json:"payload"`
	Status      Status          `json:"status"`
	Attempts    int             `json:"attempts"`
	MaxAttempts int             `json:"max_attempts"`
	RunAt       time.Time       `json:"run_at"`
	LockedUntil *time.Time      `json:"locked_until,omitempty"`
	LastError   string          `json:"last_error,omitempty"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`

	every time.Duration // set on recurring tasks
}

// Enqueue adds a job through q, which may be the caller's transaction: the
// job then commits or rolls back with the change that asked for it. Kind
// is required; an empty Payload means {}, a zero RunAt means now and a zero
// MaxAttempts means DefaultMaxAttempts. Enqueue returns the job's id.
func Enqueue(ctx context.Context, q store.Querier, d store.Dialect, j Job) (int64, error) {
	if j.Kind == "" {
		return 0, errors.New("jobs: enqueue: a job needs a kind")
	}
	if len(j.Payload) == 0 {
		j.Payload = json.RawMessage("{}")
	}
	if !json.Valid(j.Payload) {
		return 0, fmt.Errorf("jobs: enqueue %s: the payload is not JSON", j.Kind)
	}
	now := time.Now()
	if j.RunAt.IsZero() {
		j.RunAt = now
	}
	if j.MaxAttempts <= 0 {
		j.MaxAttempts = DefaultMaxAttempts
	}
	var id int64
	err := q.QueryRowContext(ctx, `INSERT INTO jobs (workspace_id, kind, payload, status, attempts, max_attempts, run_at, created_at, updated_at)
		VALUES (?, ?, `+d.JSONIn()+`, 'queued', 0, ?, ?, ?, ?) RETURNING id`,
		j.WorkspaceID, j.Kind, string(j.Payload), j.MaxAttempts, d.Time(j.RunAt), d.Time(now), d.Time(now)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("jobs: enqueue %s: %w", j.Kind, err)
	}
	return id, nil
}

// Filter selects the jobs that List returns.
type Filter struct {
	WorkspaceID int64  // the workspace's jobs and the system jobs
	Status      Status // "" means every status
	Cursor      string // from the previous page's NextCursor
	Limit       int    // 0 means 50; at most 500
}

// Page is one page of jobs, newest first.
type Page struct {
	Data       []Job  `json:"data"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// List returns the jobs of f.WorkspaceID and the system jobs, newest first.
// It is the dead-letter view when f.Status is Dead. System jobs are shown
// to every workspace because their failures (an audit consumer stuck on
// the database, say) concern whoever runs the installation, and they carry
// no tenant data.
func List(ctx context.Context, db *store.DB, f Filter) (Page, error) {
	limit, before, err := checkFilter(f)
	if err != nil {
		return Page{}, err
	}
	d := db.Dialect
	query := `SELECT workspace_id, id, kind, ` + d.JSONOut("payload") + `, status, attempts, max_attempts, every_ms,
		run_at, locked_until, last_error, created_at, updated_at FROM jobs WHERE workspace_id IN (?, ?) AND id < ?`
	args := []any{f.WorkspaceID, System, before}
	if f.Status != "" {
		query += ` AND status = ?`
		args = append(args, string(f.Status))
	}
	rows, err := db.Reader().QueryContext(ctx, query+` ORDER BY id DESC LIMIT `+strconv.Itoa(limit+1), args...)
	if err != nil {
		return Page{}, err
	}
	defer rows.Close()
	page := Page{Data: []Job{}}
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return Page{}, err
		}
		if len(page.Data) == limit {
			page.NextCursor = strconv.FormatInt(page.Data[limit-1].ID, 10)
			break
		}
		page.Data = append(page.Data, j)
	}
	return page, rows.Err()
}

// checkFilter validates f and returns the page size and the id that the
// page starts below.
func checkFilter(f Filter) (limit int, before int64, err error) {
	var c fault.Collector
	switch f.Status {
	case "", Queued, Running, Done, Dead:
	default:
		c.Add("status", "option", "must be one of queued, running, done, dead")
	}
	limit = f.Limit
	if limit == 0 {
		limit = 50
	}
	if limit < 1 || limit > 500 {
		c.Add("limit", "range", "must be between 1 and 500")
	}
	before = int64(1) << 62
	if f.Cursor != "" {
		n, perr := strconv.ParseInt(f.Cursor, 10, 64)
		if perr != nil || n <= 0 {
			c.Add("cursor", "cursor", "is not a cursor from this list; start again without it")
		}
		before = n
	}
	return limit, before, c.Err()
}

func scanJob(rows *sql.Rows) (Job, error) {
	var j Job
	var payload, status string
	var every sql.NullInt64
	var lastError sql.NullString
	var runAt, lockedUntil, created, updated any
	err := rows.Scan(&j.WorkspaceID, &j.ID, &j.Kind, &payload, &status, &j.Attempts, &j.MaxAttempts, &every,
		&runAt, &lockedUntil, &lastError, &created, &updated)
	if err != nil {
		return j, err
	}
	j.Payload, j.Status, j.LastError = json.RawMessage(payload), Status(status), lastError.String
	j.every = time.Duration(every.Int64) * time.Millisecond
	j.RunAt, _ = store.ParseTime(runAt)
	j.CreatedAt, _ = store.ParseTime(created)
	j.UpdatedAt, _ = store.ParseTime(updated)
	if t, ok := store.ParseTime(lockedUntil); ok {
		j.LockedUntil = &t
	}
	return j, nil
}

// permanent marks an error that no retry can fix.
type permanent struct{ error }

func (p permanent) Unwrap() error { return p.error }

// Permanent wraps err so that the job goes dead at once instead of being
// retried: for a payload that cannot be decoded, say.
func Permanent(err error) error { return permanent{err} }

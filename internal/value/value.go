// Package value keeps what customers are worth: it reads every won deal
// of a workspace, summarises each contact's and company's purchases, scores
// them by RFM and, when there is enough history, predicts their next 12
// months with the BG/NBD and Gamma-Gamma models (internal/clv), and writes
// the results into the customers' read-only value fields. A recurring job
// does it nightly; an administrator may ask for it at once. The report of
// /reports/customers and the dashboard's lifetime-value figures read the
// fields back under the reader's permissions
// (docs/decisions/0030-customer-value.md).
package value

import (
	"context"
	"log/slog"
	"time"

	"github.com/rapport-crm/rapport/internal/jobs"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/store"
)

// Options configure a Service.
type Options struct {
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Service computes and reports customer value.
type Service struct {
	db     *store.DB
	engine *records.Engine
	sales  *sales.Service
	log    *slog.Logger
	now    func() time.Time
	queue  *jobs.Queue
}

// New returns the service over db, the engine and the sales service (for
// its currency conversion).
func New(db *store.DB, engine *records.Engine, sales *sales.Service, opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{db: db, engine: engine, sales: sales, log: opts.Logger.With("component", "value"), now: opts.Now}
}

// Job kinds: the nightly recomputation of every workspace, and one
// workspace's recomputation on demand.
const (
	NightlyJob = "value.nightly"
	RefreshJob = "value.refresh"
)

// Register adds the nightly recomputation and the on-demand one to q.
func (s *Service) Register(q *jobs.Queue) {
	s.queue = q
	q.Every(NightlyJob, 24*time.Hour, func(ctx context.Context, _ jobs.Job) error {
		return s.RecomputeAll(ctx)
	})
	q.Register(RefreshJob, func(ctx context.Context, j jobs.Job) error {
		_, err := s.Recompute(ctx, j.WorkspaceID)
		return err
	})
}

// RecomputeAll recomputes every workspace's customer value.
func (s *Service) RecomputeAll(ctx context.Context) error {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id FROM workspaces ORDER BY id`)
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, ws := range ids {
		if _, err := s.Recompute(ctx, ws); err != nil {
			return err
		}
	}
	return nil
}

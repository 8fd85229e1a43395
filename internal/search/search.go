// Package search keeps a full-text index of contacts, companies and deals, fed from the outbox, answers global search as the user types, and looks up callers by phone number.
package search

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

// Service is the search service.
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

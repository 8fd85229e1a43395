// Package duplicate finds likely duplicate contacts and companies, keeps
// the pairs and groups of likely duplicates of a workspace, asks an
// administrator about the doubtful ones, and merges records field by
// field.
//
// Records are compared by the probabilistic matcher of internal/linkage.
// Hooks on the engine keep, in the transaction of each write, the
// record's profile and blocking keys (duplicate_profiles, duplicate_keys),
// its pairs with the members of its blocks (duplicate_pairs) and the
// groups they make (duplicate_groups); a job estimates each workspace's
// model (docs/decisions/0034-duplicate-pairs-and-review.md).
package duplicate

import (
	"context"
	"log/slog"

	"github.com/rapport-crm/rapport/internal/jobs"
	"github.com/rapport-crm/rapport/internal/linkage"
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
}

// Service is the duplicate service.
type Service struct {
	db     *store.DB
	engine *records.Engine
	opts   Options
	cache  caches
	queue  *jobs.Queue
	// compared, when set, runs between a background rescore's comparing
	// and its writing: tests write there what a user could meanwhile.
	compared func()
}

// New returns the service over db and engine, with its hooks registered on
// the engine.
func New(db *store.DB, engine *records.Engine, opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	s := &Service{db: db, engine: engine, opts: opts,
		cache: caches{settings: map[string]Settings{}, models: map[string]*linkage.Model{}}}
	engine.Hook("contact", records.Hook{After: s.afterContact})
	engine.Hook("company", records.Hook{After: s.afterCompany})
	return s
}

// afterContact keeps the contact's keys, pairs and groups in step with
// the write.
func (s *Service) afterContact(ctx context.Context, w *records.Write) error {
	if unmatched(w) {
		return nil
	}
	if d := records.DeferredFrom(ctx); d != nil {
		d.Add("duplicate.contact", w.ID, s.refreshContacts)
		return nil
	}
	return s.refresh(ctx, w.Q, w.Actor.WorkspaceID, contacts, []string{w.ID})
}

// refreshContacts is refresh of contacts, as a bulk write defers it.
func (s *Service) refreshContacts(ctx context.Context, q store.Querier, ws int64, ids []string) error {
	return s.refreshMany(ctx, q, ws, contacts, ids)
}

// refreshCompanies is refresh of companies, as a bulk write defers it.
func (s *Service) refreshCompanies(ctx context.Context, q store.Querier, ws int64, ids []string) error {
	return s.refreshMany(ctx, q, ws, companies, ids)
}

// refreshMany refreshes the records of a bulk write: one by one when
// they are a small part of the workspace's, else by rebuilding the kind
// as the demo's loader does, which reads the blocks in key order rather
// than seeking each record's neighbours.
func (s *Service) refreshMany(ctx context.Context, q store.Querier, ws int64, k *kind, ids []string) error {
	if len(ids) >= 1000 {
		var n int
		if err := q.QueryRowContext(ctx, `SELECT count(*) FROM `+k.table+` WHERE workspace_id = ? AND deleted_at IS NULL`, ws).Scan(&n); err != nil {
			return err
		}
		if 4*len(ids) >= n {
			return s.rebuildKind(ctx, q, ws, k)
		}
	}
	return s.refresh(ctx, q, ws, k, ids)
}

// ignored are the fields the matcher never reads: an update that changes
// only these leaves the record's pairs as they are.
var ignored = map[string]bool{"job_title": true, "language": true, "source": true, "tags": true, "social_profiles": true,
	"industry": true, "size": true, "deals": true, "version": true, "updated_at": true}

// unmatched reports whether w is an update of fields the matcher ignores.
func unmatched(w *records.Write) bool {
	if w.Action != "update" {
		return false
	}
	for field := range w.Vals {
		if !ignored[field] && w.Changes(field) {
			return false
		}
	}
	return true
}

// afterCompany keeps the company's keys in step, and those of the
// contacts whose link to it the write changed: a contact's keys name its
// companies.
func (s *Service) afterCompany(ctx context.Context, w *records.Write) error {
	if unmatched(w) {
		return nil
	}
	d := records.DeferredFrom(ctx)
	if d != nil {
		d.Add("duplicate.company", w.ID, s.refreshCompanies)
	} else if err := s.refresh(ctx, w.Q, w.Actor.WorkspaceID, companies, []string{w.ID}); err != nil {
		return err
	}
	if w.Action != "create" && w.Action != "purge" && !w.Changes("contacts") && !w.Changes("name") {
		return nil
	}
	var ids []string
	for _, rec := range []records.Record{w.Old, w.Rec} {
		links, _ := rec["contacts"].([]records.LinkRef)
		for _, l := range links {
			ids = append(ids, l.ID)
		}
	}
	if d != nil {
		for _, id := range ids {
			d.Add("duplicate.contact", id, s.refreshContacts)
		}
		return nil
	}
	return s.refresh(ctx, w.Q, w.Actor.WorkspaceID, contacts, ids)
}

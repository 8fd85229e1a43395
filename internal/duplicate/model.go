package duplicate

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/jobs"
	"github.com/rapport-crm/rapport/internal/linkage"
	"github.com/rapport-crm/rapport/internal/store"
)

// Settings are a workspace's choices for one object.
type Settings struct {
	// Review is the least probability of a pair kept and shown in the
	// review queue; Duplicate the least one that makes a pair part of a
	// group without asking.
	Review    float64 `json:"review_threshold"`
	Duplicate float64 `json:"duplicate_threshold"`
	// Identifying are the fields (custom fields included) whose equal
	// values tell the same record.
	Identifying []string `json:"identifying"`
}

// Default thresholds: fixed probabilities chosen a priori
// (docs/decisions/0034-duplicate-pairs-and-review.md).
const (
	DefaultReview    = linkage.ReviewThreshold
	DefaultDuplicate = linkage.DuplicateThreshold
)

// profilesVersion changes when what the store keeps of a record changes:
// the maintenance job rebuilds a workspace's profiles whose version is
// older.
const profilesVersion = 1

// Estimation: a model is estimated once an object has MinEstimate
// records, again when they have grown by half since, or after
// EstimateDecisions new decisions. At most EstimateSample profiles feed
// one estimate.
const (
	MinEstimate       = 1000
	EstimateDecisions = 20
	EstimateSample    = 200000
)

// Job kinds.
const (
	MaintainKind = "duplicate.maintain"
	EstimateKind = "duplicate.estimate"
)

// caches of settings and models, per workspace and object.
type caches struct {
	mu       sync.Mutex
	settings map[string]Settings
	models   map[string]*linkage.Model
}

func cacheKey(ws int64, k *kind) string { return itoa(ws) + "/" + k.object }

func (c *caches) forget(ws int64, k *kind) {
	c.mu.Lock()
	delete(c.settings, cacheKey(ws, k))
	delete(c.models, cacheKey(ws, k))
	c.mu.Unlock()
}

// settings returns the workspace's settings of k.
func (s *Service) settings(ctx context.Context, q store.Querier, ws int64, k *kind) (Settings, error) {
	key := cacheKey(ws, k)
	s.cache.mu.Lock()
	set, ok := s.cache.settings[key]
	s.cache.mu.Unlock()
	if ok {
		return set, nil
	}
	set = Settings{Review: DefaultReview, Duplicate: DefaultDuplicate}
	var ident string
	err := q.QueryRowContext(ctx, `SELECT review_threshold, duplicate_threshold, identifying FROM duplicate_settings
		WHERE workspace_id = ? AND object = ?`, ws, k.object).Scan(&set.Review, &set.Duplicate, &ident)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return set, err
	default:
		json.Unmarshal([]byte(ident), &set.Identifying)
	}
	s.cache.mu.Lock()
	s.cache.settings[key] = set
	s.cache.mu.Unlock()
	return set, nil
}

// model returns the workspace's model of k: the estimated one, or
// linkage.Default until there is one.
func (s *Service) model(ctx context.Context, q store.Querier, ws int64, k *kind) (*linkage.Model, error) {
	key := cacheKey(ws, k)
	s.cache.mu.Lock()
	m, ok := s.cache.models[key]
	s.cache.mu.Unlock()
	if ok {
		return m, nil
	}
	var text string
	err := q.QueryRowContext(ctx, `SELECT model FROM duplicate_models WHERE workspace_id = ? AND object = ?`, ws, k.object).Scan(&text)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		m = linkage.Default(k.object)
	case err != nil:
		return nil, err
	default:
		m = new(linkage.Model)
		if err := json.Unmarshal([]byte(text), m); err != nil {
			s.opts.Logger.Warn("duplicates: stored model unreadable, default used", "workspace", ws, "object", k.object, "err", err)
			m = linkage.Default(k.object)
		}
	}
	s.cache.mu.Lock()
	s.cache.models[key] = m
	s.cache.mu.Unlock()
	return m, nil
}

// setVersion records that k's profiles are of the current version.
func (s *Service) setVersion(ctx context.Context, q store.Querier, ws int64, k *kind) error {
	_, err := q.ExecContext(ctx, `INSERT INTO duplicate_state (workspace_id, object, profiles_version) VALUES (?, ?, ?)
		ON CONFLICT (workspace_id, object) DO UPDATE SET profiles_version = excluded.profiles_version`, ws, k.object, profilesVersion)
	return err
}

// Register adds the service's background work to q: a maintenance task
// that rebuilds outdated profiles and re-estimates models as the data and
// the decisions grow, and the "re-estimate now" job.
func (s *Service) Register(q *jobs.Queue) {
	s.queue = q
	q.Every(MaintainKind, 5*time.Minute, func(ctx context.Context, _ jobs.Job) error { return s.Maintain(ctx) })
	q.Register(EstimateKind, func(ctx context.Context, j jobs.Job) error {
		var p struct {
			Object string `json:"object"`
		}
		json.Unmarshal(j.Payload, &p)
		k, err := kindOf(p.Object)
		if err != nil {
			return jobs.Permanent(err)
		}
		_, err = s.Reestimate(ctx, j.WorkspaceID, k.object)
		return err
	})
}

// Maintain brings every workspace's duplicate data up to date: profiles
// of an older version are rebuilt, and models are estimated when the data
// or the decisions have grown enough.
func (s *Service) Maintain(ctx context.Context) error {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id FROM workspaces`)
	if err != nil {
		return err
	}
	wss, err := scanIDs(rows)
	if err != nil {
		return err
	}
	for _, ws := range wss {
		for _, k := range []*kind{contacts, companies} {
			var version int
			err := s.db.Reader().QueryRowContext(ctx, `SELECT profiles_version FROM duplicate_state WHERE workspace_id = ? AND object = ?`,
				ws, k.object).Scan(&version)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if version < profilesVersion {
				if err := s.db.Tx(ctx, func(q store.Querier) error { return s.rebuildKind(ctx, q, ws, k) }); err != nil {
					return err
				}
			}
			due, err := s.estimateDue(ctx, ws, k)
			if err != nil {
				return err
			}
			if due {
				if _, err := s.Reestimate(ctx, ws, k.object); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// estimateDue reports whether k's model should be estimated again.
func (s *Service) estimateDue(ctx context.Context, ws int64, k *kind) (bool, error) {
	q := s.db.Reader()
	var records, decisions int64
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM duplicate_profiles WHERE workspace_id = ? AND object = ?`, ws, k.object).Scan(&records); err != nil {
		return false, err
	}
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM duplicate_decisions WHERE workspace_id = ? AND object = ?`, ws, k.object).Scan(&decisions); err != nil {
		return false, err
	}
	if records < MinEstimate {
		return false, nil
	}
	var lastRecords, lastDecisions int64
	err := q.QueryRowContext(ctx, `SELECT records, decisions FROM duplicate_models WHERE workspace_id = ? AND object = ?`, ws, k.object).
		Scan(&lastRecords, &lastDecisions)
	if errors.Is(err, sql.ErrNoRows) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	return records >= lastRecords*3/2 || decisions-lastDecisions >= EstimateDecisions, nil
}

// Reestimate estimates k's model from the workspace's profiles (a sample
// of at most EstimateSample) and its decisions, stores it, and rescores
// every pair with it. Too few records keep linkage.Default.
func (s *Service) Reestimate(ctx context.Context, ws int64, object string) (RescoreResult, error) {
	k, err := kindOf(object)
	if err != nil {
		return RescoreResult{}, err
	}
	q := s.db.Reader()
	rows, err := q.QueryContext(ctx, `SELECT profile FROM duplicate_profiles WHERE workspace_id = ? AND object = ? ORDER BY record_id LIMIT ?`,
		ws, k.object, EstimateSample)
	if err != nil {
		return RescoreResult{}, err
	}
	var profs []*linkage.Profile
	for rows.Next() {
		var text string
		if err := rows.Scan(&text); err != nil {
			rows.Close()
			return RescoreResult{}, err
		}
		rec, _ := linkage.ReadRecord(text)
		profs = append(profs, linkage.Prepare(rec))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return RescoreResult{}, err
	}
	decided, err := s.decisions(ctx, q, ws, k)
	if err != nil {
		return RescoreResult{}, err
	}
	var labels []linkage.Label
	for pair, same := range decided {
		labels = append(labels, linkage.Label{A: itoa(pair[0]), B: itoa(pair[1]), Same: same})
	}
	// The model is estimated before any transaction: with a million
	// records this takes a while, and nothing of it needs the writer.
	var model *linkage.Model
	var text []byte
	if len(profs) >= MinEstimate {
		if model, err = linkage.Estimate(profs, labels, linkage.EstimateOptions{Kind: k.object}); err != nil {
			return RescoreResult{}, fault.Errorf(fault.EINVALID, "the model could not be estimated: %v", err)
		}
		if text, err = json.Marshal(model); err != nil {
			return RescoreResult{}, err
		}
	}
	keep := func(tx store.Querier) error {
		if model == nil {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO duplicate_models (workspace_id, object, model, records, decisions, estimated_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (workspace_id, object) DO UPDATE SET model = excluded.model,
			records = excluded.records, decisions = excluded.decisions, estimated_at = excluded.estimated_at`,
			ws, k.object, string(text), len(profs), len(decided), s.db.Dialect.Time(time.Now())); err != nil {
			return err
		}
		s.cache.forget(ws, k)
		return nil
	}
	res, err := s.rescoreAside(ctx, ws, k, model, keep)
	if err == nil {
		s.cache.forget(ws, k)
	}
	return res, err
}

// Rescore scores every pair of object's records that share a block again
// with the current model and thresholds, replacing all pairs and groups.
func (s *Service) Rescore(ctx context.Context, ws int64, object string) (RescoreResult, error) {
	k, err := kindOf(object)
	if err != nil {
		return RescoreResult{}, err
	}
	return s.rescoreAside(ctx, ws, k, nil, nil)
}

package records

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"

	"github.com/rapport-crm/rapport/internal/store"
)

// regionTTL is how long an engine trusts the phone region it read for a
// workspace: a change made through another server process is seen within
// it, and one made through this engine at once (SetPhoneRegion).
const regionTTL = time.Minute

// regions keeps each workspace's country for phone numbers, read from
// workspace_settings.
type regions struct {
	mu   sync.Mutex
	byWS map[int64]regionEntry
}

type regionEntry struct {
	region string
	read   time.Time
}

// PhoneRegion is the country (ISO 3166) whose numbering plan reads the
// phone numbers of workspace ws written without a country code: the one
// the workspace chose at set-up or in its settings, else the server's
// default (Options.PhoneRegion). Every service that reads a phone number
// (search, duplicates, calls) asks here, so that one number is read the
// same way everywhere.
func (e *Engine) PhoneRegion(ctx context.Context, ws int64) string {
	e.regions.mu.Lock()
	got, ok := e.regions.byWS[ws]
	e.regions.mu.Unlock()
	if ok && e.now().Sub(got.read) < regionTTL {
		return got.region
	}
	var region string
	err := e.db.Read(ctx).QueryRowContext(ctx, `SELECT phone_region FROM workspace_settings WHERE workspace_id = ?`, ws).Scan(&region)
	if errors.Is(err, sql.ErrNoRows) {
		// Not set up yet: set-up writes the row without telling the
		// engine, so nothing is kept until there is one.
		return e.norm.region
	}
	if err != nil {
		e.log.WarnContext(ctx, "reading the workspace's phone region; using the server's", "workspace", ws, "err", err)
		return e.norm.region
	}
	if region == "" {
		region = e.norm.region
	}
	e.regions.mu.Lock()
	e.regions.byWS[ws] = regionEntry{region: region, read: e.now()}
	e.regions.mu.Unlock()
	return region
}

// SetPhoneRegion stores the workspace's country for phone numbers in q,
// the caller's transaction, and uses it from now on. Numbers already
// stored keep the form they were read in.
func (e *Engine) SetPhoneRegion(ctx context.Context, q store.Querier, ws int64, region string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO workspace_settings (workspace_id, phone_region, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (workspace_id) DO UPDATE SET phone_region = excluded.phone_region, updated_at = excluded.updated_at`,
		ws, region, e.db.Dialect.Time(e.now()))
	if err != nil {
		return err
	}
	e.regions.mu.Lock()
	delete(e.regions.byWS, ws)
	e.regions.mu.Unlock()
	return nil
}

// normalizer is the value checker of workspace ws.
func (e *Engine) normalizer(ctx context.Context, ws int64) normalizer {
	return normalizer{region: e.PhoneRegion(ctx, ws)}
}

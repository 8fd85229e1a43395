// Package assign decides who gets a new inbox request, deal or contact
// that arrives without an owner. Administrators keep one ordered list of
// rules per workspace; the first rule whose conditions (object, source,
// territory, language) match and that has a member available (within
// working hours, not on a day off, under the cap) names the user, and a
// fallback user takes what no rule does. The rule that fired is written to
// the audit trail of the record, which its timeline shows.
// docs/decisions/0051-assignment-rules.md has the reasons.
package assign

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// Methods a rule picks its user by.
const (
	RoundRobin     = "round_robin"      // the team's members in turn
	LeastOpenDeals = "least_open_deals" // the team's member with the fewest open deals
	OneUser        = "user"             // always the same user
)

// Methods are the methods a rule may use.
var Methods = []string{RoundRobin, LeastOpenDeals, OneUser}

// Objects a rule may apply to: inbox requests, and deals and contacts
// created without an owner through the API or an import.
var Objects = []string{"inbox", "deal", "contact"}

// Days are the days of the week working hours name, Monday first.
var Days = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// Limits of the settings.
const (
	MaxRules   = 100
	MaxValues  = 50  // values of one condition
	MaxText    = 200 // a name or a condition's value
	MaxDaysOff = 1000
	MaxCap     = 100000
)

// Hours are working hours: the days, and a time span in each user's own
// time zone. From after To spans midnight.
type Hours struct {
	Days []string `json:"days"`
	From string   `json:"from"` // "09:00"
	To   string   `json:"to"`   // "18:00"
}

// Rule is one assignment rule. Empty conditions match everything.
type Rule struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Objects     []string `json:"objects"`
	Sources     []string `json:"sources"`     // the request's source or channel, the record's source
	Territories []string `json:"territories"` // the contact's country or region
	Languages   []string `json:"languages"`   // the contact's language, or the web form's
	Method      string   `json:"method"`
	TeamID      string   `json:"team_id,omitempty"`
	UserID      string   `json:"user_id,omitempty"`
	Hours       *Hours   `json:"hours"`
	// Cap is the most open deals and unsorted inbox requests a user may
	// hold and still be given one more; 0 is no cap.
	Cap int `json:"cap"`
}

// DayOff is a span of days, both ends included, on which a user gets
// nothing.
type DayOff struct {
	UserID string `json:"user_id"`
	From   string `json:"from"` // 2026-12-24
	To     string `json:"to"`
}

// Settings are a workspace's rules, in the order they are tried, with
// the fallback user and the days off.
type Settings struct {
	Rules          []Rule     `json:"rules"`
	FallbackUserID string     `json:"fallback_user_id"`
	DaysOff        []DayOff   `json:"days_off"`
	Version        int64      `json:"version"`
	UpdatedAt      *time.Time `json:"updated_at"`
}

// Options configure the service.
type Options struct {
	Logger *slog.Logger
	Now    func() time.Time // nil means time.Now
}

// Service keeps the rules and applies them.
type Service struct {
	db  *store.DB
	log *slog.Logger
	now func() time.Time
}

// New returns the service over db.
func New(db *store.DB, opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{db: db, log: opts.Logger.With("component", "assign"), now: opts.Now}
}

func admin(ctx context.Context) (access.Actor, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return a, err
	}
	if a.Role != "administrator" {
		return a, fault.Errorf(fault.EFORBIDDEN, "only administrators manage assignment rules")
	}
	return a, nil
}

// Get returns the workspace's settings; administrators only.
func (s *Service) Get(ctx context.Context) (Settings, error) {
	a, err := admin(ctx)
	if err != nil {
		return Settings{}, err
	}
	return s.load(ctx, s.db.Read(ctx), a.WorkspaceID)
}

// load reads the settings of workspace ws through q; a workspace with
// none has an empty list.
func (s *Service) load(ctx context.Context, q store.Querier, ws int64) (Settings, error) {
	v, err := records.DeferredFrom(ctx).Remember(fmt.Sprintf("assign.settings %d", ws), func() (any, error) {
		return s.read(ctx, q, ws)
	})
	st, _ := v.(Settings)
	return st, err
}

// read reads the workspace's assignment settings from the database.
func (s *Service) read(ctx context.Context, q store.Querier, ws int64) (Settings, error) {
	var doc string
	var at any
	st := Settings{Rules: []Rule{}, DaysOff: []DayOff{}}
	err := q.QueryRowContext(ctx, `SELECT document, version, updated_at FROM assignment_settings WHERE workspace_id = ?`, ws).
		Scan(&doc, &st.Version, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal([]byte(doc), &st); err != nil {
		return st, err
	}
	if t, ok := store.ParseTime(at); ok {
		t = t.UTC()
		st.UpdatedAt = &t
	}
	if st.Rules == nil {
		st.Rules = []Rule{}
	}
	if st.DaysOff == nil {
		st.DaysOff = []DayOff{}
	}
	return st, nil
}

// Put replaces the workspace's settings with in, after checking every
// rule; administrators only. in.Version, when not zero, must be the
// stored one: a stale list is refused, not silently written over.
func (s *Service) Put(ctx context.Context, in Settings) (Settings, error) {
	a, err := admin(ctx)
	if err != nil {
		return Settings{}, err
	}
	var out Settings
	err = s.db.Tx(ctx, func(q store.Querier) error {
		cur, err := s.load(ctx, q, a.WorkspaceID)
		if err != nil {
			return err
		}
		if in.Version != 0 && in.Version != cur.Version {
			return fault.Errorf(fault.ECONFLICT, "the rules were changed by someone else (version %d, not %d); reload them", cur.Version, in.Version)
		}
		if err := s.check(ctx, q, a.WorkspaceID, &in, cur); err != nil {
			return err
		}
		doc, err := json.Marshal(struct {
			Rules          []Rule   `json:"rules"`
			FallbackUserID string   `json:"fallback_user_id"`
			DaysOff        []DayOff `json:"days_off"`
		}{in.Rules, in.FallbackUserID, in.DaysOff})
		if err != nil {
			return err
		}
		now := s.now().UTC()
		d := s.db.Dialect
		if _, err := q.ExecContext(ctx, `INSERT INTO assignment_settings (workspace_id, document, version, updated_at) VALUES (?, ?, 1, ?)
			ON CONFLICT (workspace_id) DO UPDATE SET document = excluded.document, version = assignment_settings.version + 1,
			updated_at = excluded.updated_at`, a.WorkspaceID, string(doc), d.Time(now)); err != nil {
			return err
		}
		out, err = s.load(ctx, q, a.WorkspaceID)
		return err
	})
	return out, err
}

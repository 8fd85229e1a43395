package goals

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/input"
	"github.com/rapport-crm/rapport/internal/store"
)

// MaxIndicators bounds the indicators one digest holds.
const MaxIndicators = 5

// KPINames are the indicators of KPIs a digest can hold, as "kpi:<name>";
// a goal is "goal:<id>".
var KPINames = []string{"won", "close_rate", "average_deal", "cycle", "lifetime_value", "upsell_rate"}

// DigestSettings are what a user's morning digest holds and when it goes.
type DigestSettings struct {
	Indicators []string `json:"indicators"`
	// Hour is the hour of the user's day (in their time zone) it goes at.
	Hour int `json:"hour"`
}

// Digest returns the acting user's digest settings; none chosen is an
// empty list at 7 o'clock.
func (s *Service) Digest(ctx context.Context) (DigestSettings, error) {
	v, err := s.viewerOf(ctx)
	if err != nil {
		return DigestSettings{}, err
	}
	return s.digestOf(ctx, s.db.Read(ctx), v.actor.WorkspaceID, v.actor.UserID)
}

func (s *Service) digestOf(ctx context.Context, q store.Querier, ws, user int64) (DigestSettings, error) {
	d := DigestSettings{Indicators: []string{}, Hour: 7}
	var text string
	err := q.QueryRowContext(ctx, `SELECT indicators, hour FROM digest_settings WHERE workspace_id = ? AND user_id = ?`, ws, user).
		Scan(&text, &d.Hour)
	if errors.Is(err, sql.ErrNoRows) {
		return d, nil
	}
	if err != nil {
		return d, err
	}
	return d, json.Unmarshal([]byte(text), &d.Indicators)
}

// SetDigest saves the acting user's digest settings: at most five
// indicators, each a KPI's name or a goal the user may see.
func (s *Service) SetDigest(ctx context.Context, d DigestSettings) (DigestSettings, error) {
	v, err := s.viewerOf(ctx)
	if err != nil {
		return d, err
	}
	var c fault.Collector
	if len(d.Indicators) > MaxIndicators {
		c.Add("indicators", "too_many", "at most %d indicators", MaxIndicators)
	}
	seen := map[string]bool{}
	out := []string{}
	for i, ind := range d.Indicators {
		kind, name, _ := strings.Cut(ind, ":")
		switch {
		case seen[ind]:
			continue
		case kind == "kpi" && slices.Contains(KPINames, name):
		case kind == "goal":
			n, ok := input.ID(name)
			if !ok {
				c.Add(fmt.Sprintf("indicators[%d]", i), "unknown", "no goal %s", name)
				continue
			}
			if _, err := s.get(ctx, s.db.Read(ctx), v, fmt.Sprint(n)); err != nil {
				c.Add(fmt.Sprintf("indicators[%d]", i), "unknown", "no goal %s", name)
				continue
			}
		default:
			c.Add(fmt.Sprintf("indicators[%d]", i), "option", "must be kpi:<%s> or goal:<id>", strings.Join(KPINames, "|"))
			continue
		}
		seen[ind] = true
		out = append(out, ind)
	}
	if d.Hour < 0 || d.Hour > 23 {
		c.Add("hour", "range", "must be an hour from 0 to 23")
	}
	if err := c.Err(); err != nil {
		return d, err
	}
	d.Indicators = out
	text, _ := json.Marshal(out)
	err = s.db.Tx(ctx, func(q store.Querier) error {
		_, err := q.ExecContext(ctx, `INSERT INTO digest_settings (workspace_id, user_id, indicators, hour, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (workspace_id, user_id) DO UPDATE SET indicators = excluded.indicators, hour = excluded.hour,
			updated_at = excluded.updated_at`, v.actor.WorkspaceID, v.actor.UserID, string(text), d.Hour, s.db.Dialect.Time(s.now()))
		return err
	})
	return d, err
}

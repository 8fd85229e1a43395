package scores

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// Lead scoring: administrators give points to a field's value or to each
// activity logged on a record; a contact's or deal's lead score is the sum
// of the points its values and activities earn, kept in its lead_score
// column by hooks on every write of the record and of its activities.

// Objects are the objects that carry a lead score.
var Objects = []string{"contact", "deal"}

// Activities are what an activity rule may count: each logged call, each
// answered call, meeting, note and done task on the record, and each day
// since the last of them (idle_day, kept current by a daily job).
var Activities = []string{"call", "call_answered", "meeting", "note", "task_done", "idle_day"}

// MaxPoints bounds the points of one rule either way.
const MaxPoints = 1000

// Rule gives points to a field's value (Kind "field") or to each activity
// of a kind (Kind "activity"). Field may name a company field
// ("company.size"): a deal's company, a contact's first company.
type Rule struct {
	ID       string `json:"id"`
	Object   string `json:"object"`
	Kind     string `json:"kind"`
	Field    string `json:"field,omitempty"`
	Value    string `json:"value,omitempty"`
	Activity string `json:"activity,omitempty"`
	Points   int    `json:"points"`
}

// Reason is one rule's share of a score.
type Reason struct {
	Rule   Rule `json:"rule"`
	Count  int  `json:"count"` // times the rule matched: 1 for a field, the activities or idle days
	Points int  `json:"points"`
}

// Score is a record's lead score and why.
type Score struct {
	Object  string   `json:"object"`
	ID      string   `json:"id"`
	Total   int      `json:"total"`
	Reasons []Reason `json:"reasons"`
}

// ruleField is the field a rule names and the object that holds it.
func (s *Service) ruleField(object, name string) (*records.Field, bool) {
	owner := object
	if c, ok := strings.CutPrefix(name, "company."); ok {
		owner, name = "company", c
	}
	obj := s.engine.Object(owner)
	if obj == nil {
		return nil, false
	}
	f := obj.Field(name)
	if f == nil {
		return nil, false
	}
	switch f.Type {
	case records.Select, records.Text, records.Boolean, records.Integer, records.Tags, records.User:
		return f, true
	}
	return nil, false
}

// Check validates r, naming every field at fault.
func (s *Service) Check(r *Rule) error {
	var c fault.Collector
	r.Field, r.Value, r.Activity = strings.TrimSpace(r.Field), strings.TrimSpace(r.Value), strings.TrimSpace(r.Activity)
	if !slices.Contains(Objects, r.Object) {
		c.Add("object", "option", "must be one of %s", strings.Join(Objects, ", "))
	}
	switch r.Kind {
	case "field":
		r.Activity = ""
		f, ok := s.ruleField(r.Object, r.Field)
		switch {
		case r.Field == "":
			c.Add("field", "required", "is required for a field rule")
		case !ok:
			c.Add("field", "unknown", "%q is not a field of %s that a rule can score", r.Field, r.Object)
		case f.Type == records.Select && !slices.Contains(f.Options, r.Value):
			c.Add("value", "option", "%q is not an option of %s (%s)", r.Value, r.Field, strings.Join(f.Options, ", "))
		case f.Type == records.Boolean && r.Value != "true" && r.Value != "false":
			c.Add("value", "option", "must be true or false for %s", r.Field)
		case (f.Type == records.Integer || f.Type == records.User) && !isInt(r.Value):
			c.Add("value", "type", "must be a whole number for %s", r.Field)
		case r.Value == "" || len(r.Value) > 200:
			c.Add("value", "required", "is required for a field rule, at most 200 bytes")
		}
	case "activity":
		r.Field, r.Value = "", ""
		if !slices.Contains(Activities, r.Activity) {
			c.Add("activity", "option", "must be one of %s", strings.Join(Activities, ", "))
		}
	default:
		c.Add("kind", "option", "must be field or activity")
	}
	if r.Points < -MaxPoints || r.Points > MaxPoints || r.Points == 0 {
		c.Add("points", "range", "must be between %d and %d, and not 0", -MaxPoints, MaxPoints)
	}
	return c.Err()
}

func isInt(s string) bool { _, err := strconv.ParseInt(s, 10, 64); return err == nil }

// Rules returns the workspace's rules for object ("" for all), oldest
// first.
func (s *Service) Rules(ctx context.Context, object string) ([]Rule, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	return s.rules(ctx, s.db.Read(ctx), a.WorkspaceID, object)
}

func (s *Service) rules(ctx context.Context, q store.Querier, ws int64, object string) ([]Rule, error) {
	v, err := records.DeferredFrom(ctx).Remember(fmt.Sprintf("scores.rules %d %s", ws, object), func() (any, error) {
		return s.readRules(ctx, q, ws, object)
	})
	rules, _ := v.([]Rule)
	return rules, err
}

// readRules reads the rules of object ("" for all) from the database.
func (s *Service) readRules(ctx context.Context, q store.Querier, ws int64, object string) ([]Rule, error) {
	query := `SELECT id, object, kind, field, value, activity, points FROM score_rules WHERE workspace_id = ?`
	args := []any{ws}
	if object != "" {
		query += ` AND object = ?`
		args = append(args, object)
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Rule
	for rows.Next() {
		var r Rule
		var id int64
		if err := rows.Scan(&id, &r.Object, &r.Kind, &r.Field, &r.Value, &r.Activity, &r.Points); err != nil {
			return nil, err
		}
		r.ID = strconv.FormatInt(id, 10)
		out = append(out, r)
	}
	return out, rows.Err()
}

// AddRule stores a rule, after checking it and that the actor manages the
// workspace's settings, and has the object's scores brought up to date.
func (s *Service) AddRule(ctx context.Context, r Rule) (Rule, error) {
	a, err := s.admin(ctx)
	if err != nil {
		return Rule{}, err
	}
	if err := s.Check(&r); err != nil {
		return Rule{}, err
	}
	var n int
	if err := s.db.Read(ctx).QueryRowContext(ctx, `SELECT count(*) FROM score_rules WHERE workspace_id = ?`, a.WorkspaceID).Scan(&n); err != nil {
		return Rule{}, err
	}
	if n >= 500 {
		return Rule{}, fault.Errorf(fault.ECONFLICT, "a workspace holds at most 500 scoring rules")
	}
	var id int64
	err = s.db.Tx(ctx, func(q store.Querier) error {
		return q.QueryRowContext(ctx, `INSERT INTO score_rules (workspace_id, object, kind, field, value, activity, points, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, a.WorkspaceID, r.Object, r.Kind, r.Field, r.Value, r.Activity, r.Points,
			s.db.Dialect.Time(s.now())).Scan(&id)
	})
	if err != nil {
		return Rule{}, err
	}
	r.ID = strconv.FormatInt(id, 10)
	s.rescoreLater(ctx, a.WorkspaceID, r.Object)
	return r, nil
}

// DeleteRule removes a rule and has the object's scores brought up to
// date.
func (s *Service) DeleteRule(ctx context.Context, id string) error {
	a, err := s.admin(ctx)
	if err != nil {
		return err
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return fault.Errorf(fault.ENOTFOUND, "no rule %s", id)
	}
	var object string
	err = s.db.Tx(ctx, func(q store.Querier) error {
		if err := q.QueryRowContext(ctx, `SELECT object FROM score_rules WHERE workspace_id = ? AND id = ?`, a.WorkspaceID, n).Scan(&object); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fault.Errorf(fault.ENOTFOUND, "no rule %s", id)
			}
			return err
		}
		_, err := q.ExecContext(ctx, `DELETE FROM score_rules WHERE workspace_id = ? AND id = ?`, a.WorkspaceID, n)
		return err
	})
	if err != nil {
		return err
	}
	s.rescoreLater(ctx, a.WorkspaceID, object)
	return nil
}

// admin returns the actor when it may manage the workspace's settings.
func (s *Service) admin(ctx context.Context) (access.Actor, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return a, err
	}
	if s.opts.IsAdmin != nil && !s.opts.IsAdmin(ctx, a) {
		return a, fault.Errorf(fault.EFORBIDDEN, "only administrators manage scoring")
	}
	return a, nil
}

// tally is what a record's activities add up to.
type tally struct {
	counts map[string]int
	last   time.Time // the last activity, or the record's creation
}

// activityTally counts the activities logged on a record.
func activityTally(ctx context.Context, q store.Querier, ws int64, object, id string, created time.Time) (tally, error) {
	t := tally{counts: map[string]int{}, last: created}
	rows, err := q.QueryContext(ctx, `SELECT kind, call_result, done, occurred_at FROM activities
		WHERE workspace_id = ? AND record_type = ? AND record_id = ? AND deleted_at IS NULL`, ws, object, id)
	if err != nil {
		return t, err
	}
	defer rows.Close()
	for rows.Next() {
		var kind string
		var result sql.NullString
		var done sql.NullBool
		var at any
		if err := rows.Scan(&kind, &result, &done, &at); err != nil {
			return t, err
		}
		switch {
		case kind == "task" && done.Bool:
			t.counts["task_done"]++
		case kind == "call":
			t.counts["call"]++
			if result.String == "answered" {
				t.counts["call_answered"]++
			}
		case kind == "meeting" || kind == "note":
			t.counts[kind]++
		}
		if when, ok := store.ParseTime(at); ok && when.After(t.last) && kind != "task" {
			t.last = when
		}
	}
	return t, rows.Err()
}

// evaluate applies rules to a record's values (in their stored form) and
// activities.
func evaluate(rules []Rule, object, id string, value func(field string) any, t tally, now time.Time) Score {
	sc := Score{Object: object, ID: id, Reasons: []Reason{}}
	for _, r := range rules {
		n := 0
		if r.Kind == "field" {
			if matches(value(r.Field), r.Value) {
				n = 1
			}
		} else if r.Activity == "idle_day" {
			if !t.last.IsZero() && now.After(t.last) {
				n = int(now.Sub(t.last).Hours() / 24)
			}
		} else {
			n = t.counts[r.Activity]
		}
		if n == 0 {
			continue
		}
		pts := r.Points * n
		sc.Reasons = append(sc.Reasons, Reason{Rule: r, Count: n, Points: pts})
		sc.Total += pts
	}
	sc.Total = max(min(sc.Total, math.MaxInt32), math.MinInt32)
	return sc
}

// matches reports whether a stored value equals a rule's value: a text
// without regard to case, a list when any element does.
func matches(v any, want string) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return strings.EqualFold(x, want)
	case bool:
		return strconv.FormatBool(x) == want
	case []any:
		for _, e := range x {
			if matches(e, want) {
				return true
			}
		}
		return false
	case []string:
		for _, e := range x {
			if strings.EqualFold(e, want) {
				return true
			}
		}
		return false
	}
	if n, ok := records.Int(v); ok {
		return strconv.FormatInt(n, 10) == want
	}
	return false
}

package assign

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/input"
	"github.com/rapport-crm/rapport/internal/store"
)

// check validates in against the workspace, naming every field at fault
// by its path (rules[2].team_id), and gives new rules their ids. A rule's
// id is kept across edits, so that its round-robin turn carries on.
func (s *Service) check(ctx context.Context, q store.Querier, ws int64, in *Settings, cur Settings) error {
	var c fault.Collector
	if len(in.Rules) > MaxRules {
		c.Add("rules", "too_many", "must be at most %d rules", MaxRules)
		return c.Err()
	}
	if len(in.DaysOff) > MaxDaysOff {
		c.Add("days_off", "too_many", "must be at most %d spans", MaxDaysOff)
		return c.Err()
	}
	if in.Rules == nil {
		in.Rules = []Rule{}
	}
	if in.DaysOff == nil {
		in.DaysOff = []DayOff{}
	}
	known := map[string]bool{}
	next := 1
	for _, r := range cur.Rules {
		known[r.ID] = true
		if n, err := strconv.Atoi(r.ID); err == nil && n >= next {
			next = n + 1
		}
	}
	seen := map[string]bool{}
	var teams, users []string
	var teamFields, userFields []string
	for i := range in.Rules {
		r := &in.Rules[i]
		at := fmt.Sprintf("rules[%d].", i)
		switch {
		case r.ID == "":
			r.ID = strconv.Itoa(next)
			next++
		case !known[r.ID]:
			c.Add(at+"id", "unknown", "is not a rule; leave it out for a new rule")
		case seen[r.ID]:
			c.Add(at+"id", "repeated", "names a rule twice")
		}
		seen[r.ID] = true
		r.Name = strings.TrimSpace(r.Name)
		if r.Name == "" {
			c.Add(at+"name", "required", "a rule needs a name")
		} else if utf8.RuneCountInString(r.Name) > MaxText {
			c.Add(at+"name", "too_long", "must be at most %d characters", MaxText)
		} else {
			c.Include(input.Line(at+"name", r.Name))
		}
		r.Objects = list(&c, at+"objects", r.Objects, Objects)
		r.Sources = list(&c, at+"sources", r.Sources, nil)
		r.Territories = list(&c, at+"territories", r.Territories, nil)
		r.Languages = list(&c, at+"languages", r.Languages, nil)
		switch r.Method {
		case RoundRobin, LeastOpenDeals:
			if r.TeamID == "" {
				c.Add(at+"team_id", "required", "the %s method needs a team", r.Method)
			} else {
				teams, teamFields = append(teams, r.TeamID), append(teamFields, at+"team_id")
			}
			if r.UserID != "" {
				c.Add(at+"user_id", "unexpected", "the %s method takes a team, not a user", r.Method)
			}
		case OneUser:
			if r.UserID == "" {
				c.Add(at+"user_id", "required", "the user method needs a user")
			} else {
				users, userFields = append(users, r.UserID), append(userFields, at+"user_id")
			}
			if r.TeamID != "" {
				c.Add(at+"team_id", "unexpected", "the user method takes a user, not a team")
			}
		case "":
			c.Add(at+"method", "required", "must be one of %s", strings.Join(Methods, ", "))
		default:
			c.Add(at+"method", "option", "must be one of %s", strings.Join(Methods, ", "))
		}
		if r.Hours != nil {
			checkHours(&c, at+"hours.", r.Hours)
		}
		if r.Cap < 0 || r.Cap > MaxCap {
			c.Add(at+"cap", "range", "must be between 0 (no cap) and %d", MaxCap)
		}
	}
	if in.FallbackUserID != "" {
		users, userFields = append(users, in.FallbackUserID), append(userFields, "fallback_user_id")
	}
	for i := range in.DaysOff {
		d := &in.DaysOff[i]
		at := fmt.Sprintf("days_off[%d].", i)
		if d.UserID == "" {
			c.Add(at+"user_id", "required", "a day off needs a user")
		} else {
			users, userFields = append(users, d.UserID), append(userFields, at+"user_id")
		}
		from, ferr := time.Parse(time.DateOnly, d.From)
		if ferr != nil {
			c.Add(at+"from", "format", "must be a date such as 2026-12-24")
		}
		to, terr := time.Parse(time.DateOnly, d.To)
		if d.To == "" && ferr == nil {
			d.To, to, terr = d.From, from, nil
		}
		if terr != nil {
			c.Add(at+"to", "format", "must be a date such as 2026-12-31")
		}
		if ferr == nil && terr == nil && to.Before(from) {
			c.Add(at+"to", "range", "must not be before from")
		}
	}
	// The references are checked even when other fields are at fault, so
	// that one answer names every problem.
	if err := refs(ctx, q, ws, "teams", "is not a team", teams, teamFields, &c); err != nil {
		return err
	}
	if err := refs(ctx, q, ws, "users", "is not a user", users, userFields, &c); err != nil {
		return err
	}
	return c.Err()
}

// list trims the values of one condition and checks them against
// options, when there are options.
func list(c *fault.Collector, field string, vals, options []string) []string {
	out := []string{}
	if len(vals) > MaxValues {
		c.Add(field, "too_many", "must be at most %d values", MaxValues)
		return out
	}
	for _, v := range vals {
		v = strings.TrimSpace(v)
		switch {
		case v == "":
			c.Add(field, "empty", "must not hold an empty value")
		case utf8.RuneCountInString(v) > MaxText:
			c.Add(field, "too_long", "values must be at most %d characters", MaxText)
		case options != nil && !slices.Contains(options, v):
			c.Add(field, "option", "%q is not one of %s", v, strings.Join(options, ", "))
		default:
			if fe := input.Line(field, v); fe != nil {
				c.Include(fe)
			} else if !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	return out
}

// checkHours checks working hours: known days, and times of day.
func checkHours(c *fault.Collector, at string, h *Hours) {
	if len(h.Days) == 0 {
		c.Add(at+"days", "required", "working hours need at least one day")
	}
	for _, d := range h.Days {
		if !slices.Contains(Days, d) {
			c.Add(at+"days", "option", "%q is not a day; days are %s", d, strings.Join(Days, ", "))
			break
		}
	}
	from, fok := clock(h.From)
	if !fok {
		c.Add(at+"from", "format", "must be a time of day such as 09:00")
	}
	to, tok := clock(h.To)
	if !tok {
		c.Add(at+"to", "format", "must be a time of day such as 18:00")
	}
	if fok && tok && from == to {
		c.Add(at+"to", "same", "must differ from from")
	}
}

// clock reads "HH:MM" as minutes after midnight.
func clock(s string) (int, bool) {
	t, err := time.Parse("15:04", s)
	if err != nil || len(s) != 5 {
		return 0, false
	}
	return t.Hour()*60 + t.Minute(), true
}

// refs adds an "unknown" error to each field whose id is not a row of
// table in workspace ws; for users, an inactive user is refused as well.
func refs(ctx context.Context, q store.Querier, ws int64, table, what string, ids, fields []string, c *fault.Collector) error {
	for i, id := range ids {
		n, ok := input.ID(id)
		if !ok {
			c.Add(fields[i], "type", "must be an id")
			continue
		}
		cond := ""
		if table == "users" {
			cond = " AND status = 'active'"
		}
		var found int
		if err := q.QueryRowContext(ctx, `SELECT count(*) FROM `+table+` WHERE workspace_id = ? AND id = ?`+cond, ws, n).Scan(&found); err != nil {
			return err
		}
		if found == 0 {
			if table == "users" {
				what = "is not an active user"
			}
			c.Add(fields[i], "unknown", "%s", what)
		}
	}
	return nil
}

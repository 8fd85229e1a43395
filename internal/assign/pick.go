package assign

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/audit"
	"github.com/rapport-crm/rapport/internal/store"
)

// Lead is what the rules look at in a new record.
type Lead struct {
	Object   string // inbox, deal or contact
	Source   string // the record's source, or the request's
	Channel  string // an inbox request's channel
	Country  string // the contact's country
	Region   string // the contact's region
	Language string // the contact's language, or the web form's
}

// Choice is the user a lead goes to and the rule that chose them.
type Choice struct {
	UserID   int64
	RuleID   string // "" for the fallback user
	RuleName string
	Fallback bool
}

// FallbackRule is the name written for an assignment to the fallback user.
const FallbackRule = "fallback"

// member is a user a rule may give a lead to.
type member struct {
	id   int64
	zone string
}

// Pick chooses the user for lead in workspace ws through q, which should
// be the transaction that writes the record: a round-robin turn is taken
// there, so concurrent picks are served one after the other. ok is false
// when no rule fires and there is no fallback user.
func (s *Service) Pick(ctx context.Context, q store.Querier, ws int64, lead Lead) (Choice, bool, error) {
	st, err := s.load(ctx, q, ws)
	if err != nil {
		return Choice{}, false, err
	}
	now := s.now().UTC()
	for _, r := range st.Rules {
		if !r.matches(lead) {
			continue
		}
		ms, err := s.available(ctx, q, ws, r, st.DaysOff, now)
		if err != nil {
			return Choice{}, false, err
		}
		if len(ms) == 0 {
			continue
		}
		user, err := s.choose(ctx, q, ws, r, ms)
		if err != nil {
			return Choice{}, false, err
		}
		return Choice{UserID: user, RuleID: r.ID, RuleName: r.Name}, true, nil
	}
	if st.FallbackUserID == "" {
		return Choice{}, false, nil
	}
	id, _ := strconv.ParseInt(st.FallbackUserID, 10, 64)
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE workspace_id = ? AND id = ? AND status = 'active'`, ws, id).Scan(&n); err != nil || n == 0 {
		return Choice{}, false, err
	}
	return Choice{UserID: id, RuleName: FallbackRule, Fallback: true}, true, nil
}

// matches reports whether every condition of r holds for lead.
func (r Rule) matches(l Lead) bool {
	return (len(r.Objects) == 0 || slices.Contains(r.Objects, l.Object)) &&
		anyFold(r.Sources, l.Source, l.Channel) &&
		anyFold(r.Territories, l.Country, l.Region) &&
		anyFold(r.Languages, l.Language)
}

// anyFold reports whether conds is empty or holds one of vals, in any case.
func anyFold(conds []string, vals ...string) bool {
	if len(conds) == 0 {
		return true
	}
	for _, c := range conds {
		for _, v := range vals {
			if v != "" && strings.EqualFold(c, strings.TrimSpace(v)) {
				return true
			}
		}
	}
	return false
}

// available returns the active members of r that may take a lead now:
// within the rule's working hours in their own time zone, not on a day
// off, and under the rule's cap; in id order.
func (s *Service) available(ctx context.Context, q store.Querier, ws int64, r Rule, off []DayOff, now time.Time) ([]member, error) {
	query, arg := `SELECT id, time_zone FROM users WHERE workspace_id = ? AND status = 'active' AND team_id = ? ORDER BY id`, r.TeamID
	if r.Method == OneUser {
		query, arg = `SELECT id, time_zone FROM users WHERE workspace_id = ? AND status = 'active' AND id = ? ORDER BY id`, r.UserID
	}
	rows, err := q.QueryContext(ctx, query, ws, arg)
	if err != nil {
		return nil, err
	}
	var all []member
	for rows.Next() {
		var m member
		if err := rows.Scan(&m.id, &m.zone); err != nil {
			rows.Close()
			return nil, err
		}
		all = append(all, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []member
	for _, m := range all {
		local := now.In(zone(m.zone))
		if r.Hours.open(local) && !away(off, m.id, local) {
			out = append(out, m)
		}
	}
	if r.Cap == 0 || len(out) == 0 {
		return out, nil
	}
	load, err := openLoad(ctx, q, ws, out)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(out, func(m member) bool { return load[m.id] >= r.Cap }), nil
}

func zone(name string) *time.Location {
	if loc, err := time.LoadLocation(name); err == nil {
		return loc
	}
	return time.UTC
}

// open reports whether t, in the user's zone, is within the hours; no
// hours means always.
func (h *Hours) open(t time.Time) bool {
	if h == nil {
		return true
	}
	from, _ := clock(h.From)
	to, _ := clock(h.To)
	at := t.Hour()*60 + t.Minute()
	day := Days[(int(t.Weekday())+6)%7]
	if from < to {
		return slices.Contains(h.Days, day) && at >= from && at < to
	}
	// Spanning midnight: the early hours belong to the day before.
	if at >= from {
		return slices.Contains(h.Days, day)
	}
	yesterday := Days[(int(t.Weekday())+5)%7]
	return at < to && slices.Contains(h.Days, yesterday)
}

// away reports whether user is on a day off on t's date.
func away(off []DayOff, user int64, t time.Time) bool {
	day := t.Format(time.DateOnly)
	id := strconv.FormatInt(user, 10)
	for _, d := range off {
		if d.UserID == id && day >= d.From && day <= d.To {
			return true
		}
	}
	return false
}

// openLoad is what each of ms holds: open deals and unsorted inbox
// requests, counted in two queries whatever the team's size.
func openLoad(ctx context.Context, q store.Querier, ws int64, ms []member) (map[int64]int, error) {
	ids := []any{ws}
	for _, m := range ms {
		ids = append(ids, m.id)
	}
	load := map[int64]int{}
	for _, query := range []string{
		`SELECT owner_id, count(*) FROM deals WHERE workspace_id = ? AND owner_id IN (` + store.Marks(len(ms)) + `)
			AND status = 'open' AND deleted_at IS NULL GROUP BY owner_id`,
		`SELECT assigned_user_id, count(*) FROM inbox_requests WHERE workspace_id = ? AND assigned_user_id IN (` + store.Marks(len(ms)) + `)
			AND status = 'new' GROUP BY assigned_user_id`,
	} {
		rows, err := q.QueryContext(ctx, query, ids...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var n int
			if err := rows.Scan(&id, &n); err != nil {
				rows.Close()
				return nil, err
			}
			load[id] += n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return load, nil
}

// choose picks one of ms by r's method. The rule's turn row is taken
// first with an upsert, which holds it until the transaction ends: on
// PostgreSQL a second pick waits for the first to commit and then reads
// the member it gave; on SQLite the single writer does the same.
func (s *Service) choose(ctx context.Context, q store.Querier, ws int64, r Rule, ms []member) (int64, error) {
	var last sql.NullInt64
	var turns int64
	if err := q.QueryRowContext(ctx, `INSERT INTO assignment_turns (workspace_id, rule_id, turns) VALUES (?, ?, 1)
		ON CONFLICT (workspace_id, rule_id) DO UPDATE SET turns = assignment_turns.turns + 1
		RETURNING last_user_id, turns`, ws, r.ID).Scan(&last, &turns); err != nil {
		return 0, err
	}
	var user int64
	switch r.Method {
	case RoundRobin:
		user = next(ms, last.Int64)
	case LeastOpenDeals:
		best := -1
		// Ties go to the member after the last one chosen, so that equal
		// loads take turns.
		for _, m := range rotate(ms, last.Int64) {
			n, err := openDeals(ctx, q, ws, m.id)
			if err != nil {
				return 0, err
			}
			if best < 0 || n < best {
				best, user = n, m.id
			}
		}
	default:
		user = ms[0].id
	}
	_, err := q.ExecContext(ctx, `UPDATE assignment_turns SET last_user_id = ? WHERE workspace_id = ? AND rule_id = ?`, user, ws, r.ID)
	return user, err
}

// next is the member after last in id order, wrapping round: a member who
// was away is simply passed over, and one who joins takes their place in
// the order.
func next(ms []member, last int64) int64 {
	for _, m := range ms {
		if m.id > last {
			return m.id
		}
	}
	return ms[0].id
}

// rotate is ms starting after last.
func rotate(ms []member, last int64) []member {
	for i, m := range ms {
		if m.id > last {
			return append(slices.Clone(ms[i:]), ms[:i]...)
		}
	}
	return ms
}

func openDeals(ctx context.Context, q store.Querier, ws, user int64) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM deals WHERE workspace_id = ? AND owner_id = ? AND status = 'open' AND deleted_at IS NULL`,
		ws, user).Scan(&n)
	return n, err
}

// ActionAssign is the audit action of an assignment; a record's timeline
// shows it as "assigned".
const ActionAssign = "assign"

// Write records choice on the audit trail of the record object/id, in the
// transaction q that wrote the record, so that its timeline says which
// rule gave it to whom.
func Write(ctx context.Context, q store.Querier, d store.Dialect, ws int64, object, id string, c Choice, at time.Time) error {
	return audit.Record(ctx, q, d, audit.Entry{WorkspaceID: ws, At: at, Action: ActionAssign, Object: object, RecordID: id,
		Changes: map[string]audit.Change{
			"owner_id":        {After: strconv.FormatInt(c.UserID, 10)},
			"assignment_rule": {After: c.RuleName},
		}})
}

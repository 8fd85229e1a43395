// Package goals keeps the targets that managers set for a user, a team or
// the whole company per month or quarter, measures their progress, and
// computes the dashboard's sales indicators (kpi.go).
//
// A goal's progress is a company figure: it counts every deal, call and
// task of the goal's subject, whoever may read them. What keeps hidden
// records from leaking through it is who may see a goal at all
// (docs/decisions/0032-goals-and-digest.md): a user sees their own goals
// and their team's, a team's manager the goals of the teams they manage
// and of those teams' members, a role that reads every deal also the
// company's goals, and an administrator all of them.
package goals

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/input"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/store"
)

// The measures a goal can be set on.
const (
	WonValue  = "won_value"
	WonCount  = "won_count"
	NewDeals  = "new_deals"
	Calls     = "calls"
	TasksDone = "tasks_done"
)

// Metrics lists the measures in the order forms offer them.
var Metrics = []string{WonValue, WonCount, NewDeals, Calls, TasksDone}

// The subjects of a goal.
const (
	User    = "user"
	Team    = "team"
	Company = "company"
)

// Subjects lists the subjects in the order forms offer them.
var Subjects = []string{User, Team, Company}

// maxGoals bounds the goals one list returns.
const maxGoals = 500

// Goal is a target on one measure for one subject and period.
type Goal struct {
	ID        string `json:"id"`
	Version   int64  `json:"version"`
	Metric    string `json:"metric"`
	Subject   string `json:"subject"`
	SubjectID string `json:"subject_id,omitempty"` // a user's or a team's id; none for the company
	// Period is a month ("2026-12") or a quarter ("2026-Q4").
	Period string `json:"period"`
	// Target is a count, or for won_value an amount in minor units of
	// Currency.
	Target    int64     `json:"target"`
	Currency  string    `json:"currency,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Editable says the acting user may change and delete the goal.
	Editable bool `json:"editable"`
}

// Input creates or changes a goal; nil fields stay as they are. Version,
// on a change, must be the version read.
type Input struct {
	Metric    *string `json:"metric"`
	Subject   *string `json:"subject"`
	SubjectID *string `json:"subject_id"`
	Period    *string `json:"period"`
	Target    *int64  `json:"target"`
	Currency  *string `json:"currency"`
	Version   *int64  `json:"version"`
}

// Service keeps goals and measures them.
type Service struct {
	db     *store.DB
	engine *records.Engine
	sales  *sales.Service
	now    func() time.Time
}

// New returns the service; sales converts money goals between currencies.
func New(db *store.DB, engine *records.Engine, s *sales.Service) *Service {
	return &Service{db: db, engine: engine, sales: s, now: time.Now}
}

// SetClock replaces the service's clock, for tests.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// viewer is what decides which goals an actor sees and sets.
type viewer struct {
	actor     access.Actor
	admin     bool            // sees and sets every goal
	allDeals  bool            // reads every deal: sees the company's goals
	user      string          // the actor's id
	team      string          // the actor's team, "" for none
	teams     map[string]bool // the teams the actor manages
	members   map[string]bool // the members of those teams
	valueSeen bool            // the role shows deals' value
}

func (s *Service) viewerOf(ctx context.Context) (*viewer, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	v := &viewer{actor: a, user: strconv.FormatInt(a.UserID, 10), teams: map[string]bool{}, members: map[string]bool{}}
	pol := s.engine.Policy()
	v.admin = pol.Authorize(ctx, a, "role", access.Update, nil) == nil
	rs, err := pol.Restrict(ctx, a, "deal")
	if err != nil {
		return nil, err
	}
	v.allDeals = len(rs) == 0 && pol.Authorize(ctx, a, "deal", access.Read, nil) == nil
	rules, err := pol.Fields(ctx, a, "deal")
	if err != nil {
		return nil, err
	}
	v.valueSeen = rules["value"] != access.FieldHidden
	q := s.db.Read(ctx)
	var team sql.NullInt64
	err = q.QueryRowContext(ctx, `SELECT team_id FROM users WHERE workspace_id = ? AND id = ?`, a.WorkspaceID, a.UserID).Scan(&team)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	if team.Valid {
		v.team = strconv.FormatInt(team.Int64, 10)
	}
	rows, err := q.QueryContext(ctx, `SELECT t.id, u.id FROM teams t LEFT JOIN users u ON u.workspace_id = t.workspace_id AND u.team_id = t.id
		WHERE t.workspace_id = ? AND t.manager_id = ?`, a.WorkspaceID, a.UserID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var t int64
		var u sql.NullInt64
		if err := rows.Scan(&t, &u); err != nil {
			return nil, err
		}
		v.teams[strconv.FormatInt(t, 10)] = true
		if u.Valid {
			v.members[strconv.FormatInt(u.Int64, 10)] = true
		}
	}
	return v, rows.Err()
}

// sees reports whether v may see g and its progress.
func (v *viewer) sees(g Goal) bool {
	switch {
	case v.admin, v.allDeals:
		return true
	case g.Subject == User:
		return g.SubjectID == v.user || v.members[g.SubjectID]
	case g.Subject == Team:
		return g.SubjectID == v.team || v.teams[g.SubjectID]
	}
	return false
}

// sets reports whether v may create, change and delete g: administrators
// any goal, a team's manager the team's and its members' goals.
func (v *viewer) sets(g Goal) bool {
	switch {
	case v.admin:
		return true
	case g.Subject == User:
		return v.members[g.SubjectID]
	case g.Subject == Team:
		return v.teams[g.SubjectID]
	}
	return false
}

// Sets reports whether the actor may set any goal at all: whether a goals
// page should offer its form.
func (s *Service) Sets(ctx context.Context) (bool, error) {
	v, err := s.viewerOf(ctx)
	if err != nil {
		return false, err
	}
	return v.admin || len(v.teams) > 0, nil
}

const goalColumns = `id, version, metric, subject, subject_id, period, target, currency, created_at, updated_at`

func scanGoal(row interface{ Scan(...any) error }) (Goal, error) {
	var g Goal
	var id int64
	var subject sql.NullInt64
	var currency sql.NullString
	var created, updated any
	if err := row.Scan(&id, &g.Version, &g.Metric, &g.Subject, &subject, &g.Period, &g.Target, &currency, &created, &updated); err != nil {
		return g, err
	}
	g.ID = strconv.FormatInt(id, 10)
	if subject.Valid {
		g.SubjectID = strconv.FormatInt(subject.Int64, 10)
	}
	g.Currency = currency.String
	g.CreatedAt, _ = store.ParseTime(created)
	g.UpdatedAt, _ = store.ParseTime(updated)
	return g, nil
}

// List returns the goals the actor may see, of one period or ("") of all,
// newest period first.
func (s *Service) List(ctx context.Context, period string) ([]Goal, error) {
	v, err := s.viewerOf(ctx)
	if err != nil {
		return nil, err
	}
	query, args := `SELECT `+goalColumns+` FROM goals WHERE workspace_id = ?`, []any{v.actor.WorkspaceID}
	if period != "" {
		if _, _, err := Bounds(period); err != nil {
			return nil, fault.Field("period", "format", "%s", err.Error())
		}
		query, args = query+` AND period = ?`, append(args, period)
	}
	if !v.admin && !v.allDeals {
		// Only the subjects the viewer may see are read, so a workspace's
		// thousands of personal goals never pass through here.
		users, teams := []string{v.user}, []string{}
		for id := range v.members {
			users = append(users, id)
		}
		if v.team != "" {
			teams = append(teams, v.team)
		}
		for id := range v.teams {
			teams = append(teams, id)
		}
		cond := `(subject = 'user' AND subject_id IN (` + store.Marks(len(users)) + `))`
		for _, id := range users {
			args = append(args, id)
		}
		if len(teams) > 0 {
			cond += ` OR (subject = 'team' AND subject_id IN (` + store.Marks(len(teams)) + `))`
			for _, id := range teams {
				args = append(args, id)
			}
		}
		query += ` AND (` + cond + `)`
	}
	rows, err := s.db.Read(ctx).QueryContext(ctx, query+` ORDER BY period DESC, id LIMIT `+strconv.Itoa(maxGoals), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Goal{}
	for rows.Next() {
		g, err := scanGoal(rows)
		if err != nil {
			return nil, err
		}
		if v.sees(g) {
			g.Editable = v.sets(g)
			out = append(out, g)
		}
	}
	return out, rows.Err()
}

// Get returns one goal the actor may see; any other is not found.
func (s *Service) Get(ctx context.Context, id string) (Goal, error) {
	v, err := s.viewerOf(ctx)
	if err != nil {
		return Goal{}, err
	}
	g, err := s.get(ctx, s.db.Read(ctx), v, id)
	if err != nil {
		return Goal{}, err
	}
	g.Editable = v.sets(g)
	return g, nil
}

func (s *Service) get(ctx context.Context, q store.Querier, v *viewer, id string) (Goal, error) {
	n, ok := input.ID(id)
	if !ok {
		return Goal{}, fault.Errorf(fault.ENOTFOUND, "no goal %s", id)
	}
	g, err := scanGoal(q.QueryRowContext(ctx, `SELECT `+goalColumns+` FROM goals WHERE workspace_id = ? AND id = ?`, v.actor.WorkspaceID, n))
	if errors.Is(err, sql.ErrNoRows) || err == nil && !v.sees(g) {
		return Goal{}, fault.Errorf(fault.ENOTFOUND, "no goal %s", id)
	}
	return g, err
}

// Create sets a new goal.
func (s *Service) Create(ctx context.Context, in Input) (Goal, error) {
	v, err := s.viewerOf(ctx)
	if err != nil {
		return Goal{}, err
	}
	var g Goal
	if err := s.apply(ctx, v, &g, in, true); err != nil {
		return Goal{}, err
	}
	now := s.now().UTC()
	err = s.db.Tx(ctx, func(q store.Querier) error {
		var id int64
		err := q.QueryRowContext(ctx, `INSERT INTO goals (workspace_id, metric, subject, subject_id, period, target, currency, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, v.actor.WorkspaceID, g.Metric, g.Subject, nullID(g.SubjectID), g.Period,
			g.Target, nullText(g.Currency), v.actor.UserID, s.db.Dialect.Time(now), s.db.Dialect.Time(now)).Scan(&id)
		g.ID = strconv.FormatInt(id, 10)
		return err
	})
	g.Version, g.CreatedAt, g.UpdatedAt, g.Editable = 1, now, now, true
	return g, err
}

// Update changes a goal the actor may set, at the version they read.
func (s *Service) Update(ctx context.Context, id string, in Input) (Goal, error) {
	v, err := s.viewerOf(ctx)
	if err != nil {
		return Goal{}, err
	}
	var g Goal
	err = s.db.Tx(ctx, func(q store.Querier) error {
		if g, err = s.get(ctx, q, v, id); err != nil {
			return err
		}
		if !v.sets(g) {
			return fault.Errorf(fault.EFORBIDDEN, "you may not change this goal")
		}
		if in.Version != nil && *in.Version != g.Version {
			return fault.Errorf(fault.ECONFLICT, "the goal was changed since version %d; it is at version %d", *in.Version, g.Version)
		}
		if err := s.apply(ctx, v, &g, in, false); err != nil {
			return err
		}
		g.UpdatedAt = s.now().UTC()
		res, err := q.ExecContext(ctx, `UPDATE goals SET metric = ?, subject = ?, subject_id = ?, period = ?, target = ?, currency = ?,
			updated_at = ?, version = version + 1 WHERE workspace_id = ? AND id = ? AND version = ?`, g.Metric, g.Subject, nullID(g.SubjectID),
			g.Period, g.Target, nullText(g.Currency), s.db.Dialect.Time(g.UpdatedAt), v.actor.WorkspaceID, g.ID, g.Version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fault.Errorf(fault.ECONFLICT, "the goal was changed meanwhile")
		}
		g.Version++
		return nil
	})
	g.Editable = true
	return g, err
}

// Delete removes a goal the actor may set.
func (s *Service) Delete(ctx context.Context, id string) error {
	v, err := s.viewerOf(ctx)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(q store.Querier) error {
		g, err := s.get(ctx, q, v, id)
		if err != nil {
			return err
		}
		if !v.sets(g) {
			return fault.Errorf(fault.EFORBIDDEN, "you may not delete this goal")
		}
		_, err = q.ExecContext(ctx, `DELETE FROM goals WHERE workspace_id = ? AND id = ?`, v.actor.WorkspaceID, g.ID)
		return err
	})
}

// apply checks in and writes it into g, reporting every field at fault.
// A new goal needs every field but the currency, which only a money goal
// has (and needs).
func (s *Service) apply(ctx context.Context, v *viewer, g *Goal, in Input, create bool) error {
	var c fault.Collector
	need := func(field string, set bool) bool {
		if !set && create {
			c.Add(field, "required", "is required")
		}
		return set
	}
	if need("metric", in.Metric != nil) {
		if !contains(Metrics, *in.Metric) {
			c.Add("metric", "option", "must be one of %s", strings.Join(Metrics, ", "))
		} else {
			g.Metric = *in.Metric
		}
	}
	if need("subject", in.Subject != nil) {
		if !contains(Subjects, *in.Subject) {
			c.Add("subject", "option", "must be one of %s", strings.Join(Subjects, ", "))
		} else {
			g.Subject = *in.Subject
		}
	}
	if in.SubjectID != nil {
		g.SubjectID = strings.TrimSpace(*in.SubjectID)
	}
	if in.Period != nil {
		if _, _, err := Bounds(*in.Period); err != nil {
			c.Add("period", "format", "%s", err.Error())
		} else {
			g.Period = *in.Period
		}
	} else {
		need("period", false)
	}
	if need("target", in.Target != nil) {
		if *in.Target <= 0 || *in.Target > 1e15 {
			c.Add("target", "range", "must be a positive whole number (an amount in minor units for won_value)")
		} else {
			g.Target = *in.Target
		}
	}
	if in.Currency != nil {
		g.Currency = strings.ToUpper(strings.TrimSpace(*in.Currency))
	}
	if err := c.Err(); err != nil {
		return err
	}
	if err := s.checkSubject(ctx, v, g); err != nil {
		return err
	}
	switch {
	case g.Metric == WonValue && g.Currency == "":
		return fault.Field("currency", "required", "a goal on won value needs a currency")
	case g.Metric == WonValue:
		if !currencyRe.MatchString(g.Currency) {
			return fault.Field("currency", "currency", "must be an ISO 4217 currency code, not %q", g.Currency)
		}
	default:
		g.Currency = ""
	}
	if !v.sets(*g) {
		return fault.Errorf(fault.EFORBIDDEN, "only administrators and the team's manager set this goal")
	}
	return nil
}

var currencyRe = regexp.MustCompile(`^[A-Z]{3}$`)

// checkSubject checks that a user's or a team's goal names one of the
// workspace, and that the company's names none.
func (s *Service) checkSubject(ctx context.Context, v *viewer, g *Goal) error {
	if g.Subject == Company {
		g.SubjectID = ""
		return nil
	}
	n, ok := input.ID(g.SubjectID)
	if !ok {
		return fault.Field("subject_id", "required", "a %s's goal needs the %s's id", g.Subject, g.Subject)
	}
	table := map[string]string{User: "users", Team: "teams"}[g.Subject]
	var one int
	err := s.db.Read(ctx).QueryRowContext(ctx, `SELECT 1 FROM `+table+` WHERE workspace_id = ? AND id = ?`, v.actor.WorkspaceID, n).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fault.Field("subject_id", "unknown", "no %s %s", g.Subject, g.SubjectID)
	}
	return err
}

// Bounds returns the first instant of a period and the first after it, in
// UTC: "2026-12" is December 2026, "2026-Q4" October to December.
func Bounds(period string) (from, to time.Time, err error) {
	bad := fmt.Errorf("must be a month as YYYY-MM or a quarter as YYYY-Qn, not %q", period)
	if y, q, ok := strings.Cut(period, "-Q"); ok {
		year, err1 := strconv.Atoi(y)
		n, err2 := strconv.Atoi(q)
		if err1 != nil || err2 != nil || len(y) != 4 || n < 1 || n > 4 || len(q) != 1 {
			return from, to, bad
		}
		from = time.Date(year, time.Month(3*n-2), 1, 0, 0, 0, 0, time.UTC)
		return from, from.AddDate(0, 3, 0), nil
	}
	from, perr := time.Parse("2006-01", period)
	if perr != nil || len(period) != 7 {
		return from, to, bad
	}
	return from, from.AddDate(0, 1, 0), nil
}

// Month is the period of the month of t.
func Month(t time.Time) string { return t.Format("2006-01") }

// Quarter is the period of the quarter of t.
func Quarter(t time.Time) string { return fmt.Sprintf("%d-Q%d", t.Year(), (int(t.Month())+2)/3) }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func nullID(id string) any {
	if id == "" {
		return nil
	}
	n, _ := strconv.ParseInt(id, 10, 64)
	return n
}

func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

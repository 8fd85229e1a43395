package scores

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/jobs"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// Options configure a Service.
type Options struct {
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// IsAdmin says whether an actor may manage scoring; nil asks the
	// engine's role policy whether the actor's role administers the
	// workspace, and lets anyone when the engine has no role policy
	// (tools).
	IsAdmin func(ctx context.Context, a access.Actor) bool
	// Every is how often models are refitted; 0 means daily.
	Every time.Duration
}

// Service keeps the scores.
type Service struct {
	db     *store.DB
	engine *records.Engine
	opts   Options
	log    *slog.Logger
	now    func() time.Time
	queue  *jobs.Queue
}

// New returns the service over db and engine, with its hooks registered.
func New(db *store.DB, engine *records.Engine, opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Every == 0 {
		opts.Every = 24 * time.Hour
	}
	if opts.IsAdmin == nil {
		opts.IsAdmin = administers(engine)
	}
	s := &Service{db: db, engine: engine, opts: opts, log: opts.Logger.With("component", "scores"), now: opts.Now}
	for _, o := range Objects {
		engine.Hook(o, records.Hook{After: s.afterRecord})
	}
	for _, k := range []string{"call", "meeting", "note", "task"} {
		engine.Hook(k, records.Hook{After: s.afterActivity})
	}
	return s
}

// The kinds of the service's jobs.
const (
	// TrainKind refits every workspace's models and scores its records.
	TrainKind = "scores.train"
	// IdleKind brings the scores with idle-day rules up to date.
	IdleKind = "scores.idle"
	// RescoreKind rescores one object of one workspace after its rules
	// changed.
	RescoreKind = "scores.rescore"
)

// Register adds the service's background work to q.
func (s *Service) Register(q *jobs.Queue) {
	s.queue = q
	q.Every(TrainKind, s.opts.Every, func(ctx context.Context, _ jobs.Job) error {
		return s.TrainAll(ctx)
	})
	q.Every(IdleKind, 24*time.Hour, func(ctx context.Context, _ jobs.Job) error {
		return s.RescoreIdle(ctx)
	})
	q.Register(RescoreKind, func(ctx context.Context, j jobs.Job) error {
		var p struct {
			Object string `json:"object"`
		}
		if err := json.Unmarshal(j.Payload, &p); err != nil {
			return jobs.Permanent(err)
		}
		return s.Rescore(ctx, j.WorkspaceID, p.Object)
	})
}

// rescoreLater queues a rescore of object's records; without a queue
// (tests, tools) it rescores at once.
func (s *Service) rescoreLater(ctx context.Context, ws int64, object string) {
	if s.queue == nil {
		if err := s.Rescore(ctx, ws, object); err != nil {
			s.log.Error("rescore", "object", object, "err", err)
		}
		return
	}
	payload, _ := json.Marshal(map[string]string{"object": object})
	if _, err := s.queue.Enqueue(ctx, jobs.Job{WorkspaceID: ws, Kind: RescoreKind, Payload: payload}); err != nil {
		s.log.Error("queue rescore", "object", object, "err", err)
	}
}

// afterRecord keeps a contact's or deal's lead score in step with its
// values.
func (s *Service) afterRecord(ctx context.Context, w *records.Write) error {
	if w.Action != "create" && w.Action != "update" {
		return nil
	}
	sc, changed, err := s.refresh(ctx, w.Q, w.Actor.WorkspaceID, w.Object.Name, w.ID, w.Rec)
	if err != nil || !changed {
		return err
	}
	if sc.Reasons == nil {
		w.Rec["lead_score"] = nil // the rules are gone
	} else {
		w.Rec["lead_score"] = int64(sc.Total)
	}
	return nil
}

// afterActivity rescores the record an activity is about.
func (s *Service) afterActivity(ctx context.Context, w *records.Write) error {
	rec := w.Rec
	if rec == nil {
		rec = w.Old
	}
	object, _ := rec["record_type"].(string)
	id, _ := rec["record_id"].(string)
	targets := [][2]string{{object, id}}
	if w.Old != nil && w.Rec != nil {
		if o, _ := w.Old["record_type"].(string); o != object || w.Old["record_id"] != rec["record_id"] {
			oid, _ := w.Old["record_id"].(string)
			targets = append(targets, [2]string{o, oid})
		}
	}
	for _, t := range targets {
		if t[0] != "contact" && t[0] != "deal" || t[1] == "" {
			continue
		}
		if _, _, err := s.refresh(ctx, w.Q, w.Actor.WorkspaceID, t[0], t[1], nil); err != nil {
			return err
		}
	}
	return nil
}

// refresh computes a record's lead score and stores it when it changed.
// rec is the record when the caller holds it, else it is read. A score is
// derived data like a stage total: storing it makes no new version, so a
// logged call never makes someone's open form stale.
func (s *Service) refresh(ctx context.Context, q store.Querier, ws int64, object, id string, rec records.Record) (Score, bool, error) {
	rules, err := s.rules(ctx, q, ws, object)
	if err != nil || len(rules) == 0 {
		// Without rules there is no score: a record never shows one
		// made of nothing.
		if err == nil && rec != nil && rec["lead_score"] != nil {
			return Score{}, true, s.store(ctx, q, ws, object, id, nil)
		}
		return Score{}, false, err
	}
	sc, err := s.compute(ctx, q, ws, object, id, rec, rules)
	if err != nil {
		return sc, false, err
	}
	var old any
	if rec != nil {
		old = rec["lead_score"]
	} else {
		var v *int64
		table := tableOf(object)
		n, _ := strconv.ParseInt(id, 10, 64)
		if err := q.QueryRowContext(ctx, `SELECT lead_score FROM `+table+` WHERE workspace_id = ? AND id = ?`, ws, n).Scan(&v); err != nil {
			return sc, false, nil // the record is gone: nothing to keep
		}
		if v != nil {
			old = *v
		}
	}
	if o, ok := records.Int(old); ok && old != nil && o == int64(sc.Total) {
		return sc, false, nil
	}
	return sc, true, s.store(ctx, q, ws, object, id, sc.Total)
}

func (s *Service) store(ctx context.Context, q store.Querier, ws int64, object, id string, total any) error {
	n, _ := strconv.ParseInt(id, 10, 64)
	_, err := q.ExecContext(ctx, `UPDATE `+tableOf(object)+` SET lead_score = ? WHERE workspace_id = ? AND id = ?`, total, ws, n)
	return err
}

func tableOf(object string) string {
	switch object {
	case "contact":
		return "contacts"
	case "company":
		return "companies"
	}
	return "deals"
}

// compute scores one record by rules. The record's values come from rec,
// or from the table when rec is nil; company fields from its company.
func (s *Service) compute(ctx context.Context, q store.Querier, ws int64, object, id string, rec records.Record, rules []Rule) (Score, error) {
	n, _ := strconv.ParseInt(id, 10, 64)
	vals := map[string]any{}
	var created time.Time
	cols, company := columnsOf(rules)
	sel := "created_at"
	for _, c := range cols {
		sel += ", " + c
	}
	if object == "deal" {
		sel += ", company_id"
	} else {
		sel += ", (SELECT min(company_id) FROM contact_companies cc WHERE cc.workspace_id = t.workspace_id AND cc.contact_id = t.id)"
	}
	dest := make([]any, len(cols)+2)
	var at any
	var companyID *int64
	dest[0] = &at
	raw := make([]any, len(cols))
	for i := range cols {
		dest[i+1] = &raw[i]
	}
	dest[len(dest)-1] = &companyID
	err := q.QueryRowContext(ctx, `SELECT `+sel+` FROM `+tableOf(object)+` t WHERE workspace_id = ? AND id = ?`, ws, n).Scan(dest...)
	if err != nil {
		return Score{}, err
	}
	created, _ = store.ParseTime(at)
	for i, c := range cols {
		vals[c] = decodeValue(raw[i])
	}
	if len(company) > 0 && companyID != nil {
		if err := s.companyValues(ctx, q, ws, *companyID, company, vals); err != nil {
			return Score{}, err
		}
	}
	t, err := activityTally(ctx, q, ws, object, id, created)
	if err != nil {
		return Score{}, err
	}
	return evaluate(rules, object, id, func(f string) any { return vals[f] }, t, s.now()), nil
}

// columnsOf lists the record's own columns and the company's columns the
// field rules read. Rule fields were checked against the objects' fields
// when the rules were made, so they are safe to write into SQL.
func columnsOf(rules []Rule) (own, company []string) {
	seen := map[string]bool{}
	for _, r := range rules {
		if r.Kind != "field" || seen[r.Field] {
			continue
		}
		seen[r.Field] = true
		if c, ok := cutCompany(r.Field); ok {
			company = append(company, c)
		} else {
			own = append(own, r.Field)
		}
	}
	return own, company
}

func cutCompany(f string) (string, bool) {
	if len(f) > 8 && f[:8] == "company." {
		return f[8:], true
	}
	return "", false
}

func (s *Service) companyValues(ctx context.Context, q store.Querier, ws, id int64, cols []string, vals map[string]any) error {
	sel := ""
	raw := make([]any, len(cols))
	dest := make([]any, len(cols))
	for i, c := range cols {
		if i > 0 {
			sel += ", "
		}
		sel += c
		dest[i] = &raw[i]
	}
	err := q.QueryRowContext(ctx, `SELECT `+sel+` FROM companies WHERE workspace_id = ? AND id = ? AND deleted_at IS NULL`, ws, id).Scan(dest...)
	if err != nil {
		return nil // a company gone scores nothing
	}
	for i, c := range cols {
		vals["company."+c] = decodeValue(raw[i])
	}
	return nil
}

// decodeValue turns a column value into what matches compares: text,
// numbers, and JSON lists (tags) as lists.
func decodeValue(v any) any {
	switch x := v.(type) {
	case []byte:
		return decodeValue(string(x))
	case string:
		if len(x) > 0 && x[0] == '[' {
			var list []any
			if json.Unmarshal([]byte(x), &list) == nil {
				return list
			}
		}
		return x
	}
	return v
}

// Rescore brings every lead score of object in workspace ws up to date,
// a batch of records per transaction.
func (s *Service) Rescore(ctx context.Context, ws int64, object string) error {
	return s.rescoreWhere(ctx, ws, object, "")
}

func (s *Service) rescoreWhere(ctx context.Context, ws int64, object, _ string) error {
	var after int64
	for {
		rows, err := s.db.Reader().QueryContext(ctx, `SELECT id FROM `+tableOf(object)+`
			WHERE workspace_id = ? AND id > ? AND deleted_at IS NULL ORDER BY id LIMIT 500`, ws, after)
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		err = s.db.Tx(ctx, func(q store.Querier) error {
			for _, id := range ids {
				if _, _, err := s.refresh(ctx, q, ws, object, strconv.FormatInt(id, 10), nil); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		after = ids[len(ids)-1]
	}
}

// RescoreIdle rescores the objects of every workspace that has an
// idle-day rule, as the days pass.
func (s *Service) RescoreIdle(ctx context.Context) error {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT DISTINCT workspace_id, object FROM score_rules WHERE activity = 'idle_day'`)
	if err != nil {
		return err
	}
	type wo struct {
		ws     int64
		object string
	}
	var list []wo
	for rows.Next() {
		var x wo
		if err := rows.Scan(&x.ws, &x.object); err != nil {
			rows.Close()
			return err
		}
		list = append(list, x)
	}
	rows.Close()
	for _, x := range list {
		if err := s.Rescore(ctx, x.ws, x.object); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Explain returns a record's lead score with its reasons, as far as the
// actor may see: the record must be readable, and a reason about a field
// the actor's role hides, or about activities it cannot read, is left out
// (the total is the record's own lead_score field, hidden with it).
func (s *Service) Explain(ctx context.Context, object, id string) (Score, error) {
	if object != "contact" && object != "deal" {
		return Score{}, fault.Errorf(fault.ENOTFOUND, "no scores for %s", object)
	}
	rec, err := s.engine.Get(ctx, object, id, false)
	if err != nil {
		return Score{}, err
	}
	total, shown := rec["lead_score"]
	if !shown {
		return Score{}, fault.Errorf(fault.ENOTFOUND, "%s %s has no lead score you may see", object, id)
	}
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return Score{}, err
	}
	q := s.db.Read(ctx)
	rules, err := s.rules(ctx, q, a.WorkspaceID, object)
	if err != nil {
		return Score{}, err
	}
	sc := Score{Object: object, ID: id, Reasons: []Reason{}}
	if len(rules) > 0 {
		if sc, err = s.compute(ctx, q, a.WorkspaceID, object, id, nil, rules); err != nil {
			return Score{}, err
		}
	}
	var company records.Record
	kept := sc.Reasons[:0]
	for _, r := range sc.Reasons {
		if r.Rule.Kind == "activity" && !s.mayRead(ctx, r.Rule.Activity) {
			continue
		}
		if r.Rule.Kind == "field" {
			if c, ok := cutCompany(r.Rule.Field); ok {
				if company == nil {
					company = s.companyOf(ctx, object, rec)
				}
				if _, ok := company[c]; !ok {
					continue
				}
			} else if _, ok := rec[r.Rule.Field]; !ok {
				continue
			}
		}
		kept = append(kept, r)
	}
	sc.Reasons = kept
	sc.Total = 0
	if n, ok := records.Int(total); ok {
		sc.Total = int(n)
	}
	return sc, nil
}

// mayRead reports whether the actor's role reads the activities an
// activity rule counts at all: a role that sees no calls is not told how
// many a record has.
func (s *Service) mayRead(ctx context.Context, activity string) bool {
	object := map[string]string{"call": "calls", "call_answered": "calls", "meeting": "meetings", "note": "notes",
		"task_done": "tasks"}[activity]
	if object == "" {
		return true // idle days: the time since anything happened
	}
	_, err := s.engine.Fields(ctx, object)
	return err == nil
}

// companyOf reads, as the actor, the company whose fields a record's
// score counts, or an empty record when there is none it may read.
func (s *Service) companyOf(ctx context.Context, object string, rec records.Record) records.Record {
	var id string
	if object == "deal" {
		id, _ = rec["company_id"].(string)
	} else if links, ok := rec["companies"].([]records.LinkRef); ok && len(links) > 0 {
		lo := links[0].ID
		for _, l := range links {
			a, _ := strconv.ParseInt(l.ID, 10, 64)
			b, _ := strconv.ParseInt(lo, 10, 64)
			if a < b {
				lo = l.ID
			}
		}
		id = lo
	}
	if id == "" {
		return records.Record{}
	}
	c, err := s.engine.Get(ctx, "company", id, false)
	if err != nil {
		return records.Record{}
	}
	return c
}

// administers is the settings gate of the engine's role policy.
func administers(engine *records.Engine) func(context.Context, access.Actor) bool {
	p := engine.Policy()
	if u, ok := p.(interface{ Unwrap() access.Policy }); ok {
		p = u.Unwrap()
	}
	rp, ok := p.(*access.RolePolicy)
	if !ok {
		return nil
	}
	return func(ctx context.Context, a access.Actor) bool {
		ok, err := rp.Administers(ctx, a)
		return err == nil && ok
	}
}

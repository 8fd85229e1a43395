package duplicate

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/jobs"
	"github.com/rapport-crm/rapport/internal/linkage"
	"github.com/rapport-crm/rapport/internal/store"
)

// ReviewPage is one page of the review queue.
type ReviewPage struct {
	Data       []Pair `json:"data"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// Review returns a page of the pairs of object between the two thresholds
// that nobody has decided yet, most likely first (then by ids, from the
// highest, the order of the probability index), among the records the
// actor may read; contributions of fields hidden from the actor are left
// out.
func (s *Service) Review(ctx context.Context, object, cursor string, limit int) (ReviewPage, error) {
	k, err := kindOf(object)
	if err != nil {
		return ReviewPage{}, err
	}
	if limit == 0 {
		limit = DefaultGroupLimit
	}
	if limit < 1 || limit > MaxGroupLimit {
		return ReviewPage{}, fault.Field("limit", "range", "must be between 1 and %d", MaxGroupLimit)
	}
	after, err := decodeReviewCursor(cursor)
	if err != nil {
		return ReviewPage{}, err
	}
	a, v, err := s.view(ctx, k)
	if err != nil {
		return ReviewPage{}, err
	}
	q := s.db.Reader()
	set, err := s.settings(ctx, q, a.WorkspaceID, k)
	if err != nil {
		return ReviewPage{}, err
	}
	page := ReviewPage{Data: []Pair{}}
	// A restricted role's pairs are found through the owners kept on each
	// pair (their index); the profiles' owners, which the pair's follow,
	// are checked too.
	ownerA, argsA, ok := v.ownerCond("p.a_owner")
	ownerB, argsB, _ := v.ownerCond("p.b_owner")
	liveA, argsLA, _ := v.ownerCond("pa.owner_id")
	liveB, argsLB, _ := v.ownerCond("pb.owner_id")
	if !ok {
		return page, nil
	}
	args := []any{a.WorkspaceID, k.object, set.Review, set.Duplicate}
	keyset := ""
	if after != nil {
		keyset = ` AND (p.probability < ? OR (p.probability = ? AND (p.a_id < ? OR (p.a_id = ? AND p.b_id < ?))))`
		args = append(args, after.p, after.p, after.a, after.a, after.b)
	}
	args = append(append(append(append(args, argsA...), argsB...), argsLA...), argsLB...)
	rows, err := q.QueryContext(ctx, `SELECT p.a_id, p.b_id, p.probability, p.weight FROM duplicate_pairs p
		JOIN duplicate_profiles pa ON pa.workspace_id = p.workspace_id AND pa.object = p.object AND pa.record_id = p.a_id
		JOIN duplicate_profiles pb ON pb.workspace_id = p.workspace_id AND pb.object = p.object AND pb.record_id = p.b_id
		WHERE p.workspace_id = ? AND p.object = ? AND p.probability >= ? AND p.probability < ?`+keyset+ownerA+ownerB+liveA+liveB+`
		AND NOT EXISTS (SELECT 1 FROM duplicate_decisions x WHERE x.workspace_id = p.workspace_id AND x.object = p.object
			AND x.a_id = p.a_id AND x.b_id = p.b_id)
		ORDER BY p.probability DESC, p.a_id DESC, p.b_id DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return ReviewPage{}, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var p Pair
		var ida, idb int64
		if err := rows.Scan(&ida, &idb, &p.Probability, &p.Weight); err != nil {
			return ReviewPage{}, err
		}
		p.A, p.B = itoa(ida), itoa(idb)
		page.Data = append(page.Data, p)
		ids = append(ids, ida, idb)
	}
	if err := rows.Err(); err != nil {
		return ReviewPage{}, err
	}
	if len(page.Data) > limit {
		page.Data = page.Data[:limit]
		last := page.Data[limit-1]
		page.NextCursor = encodeReviewCursor(last)
	}
	if err := s.explain(ctx, q, a.WorkspaceID, k, v, page.Data, ids); err != nil {
		return ReviewPage{}, err
	}
	return page, nil
}

// explain sets each pair's contributions, the fields hidden from the
// viewer left out. They are worked out from the two stored profiles when
// shown, not kept with the pair: a workspace holds millions of pairs and
// shows a few dozen. The model that scored the pair scores it again
// unless it was re-estimated since, and a new model rescores every pair.
func (s *Service) explain(ctx context.Context, q store.Querier, ws int64, k *kind, v view, pairs []Pair, ids []int64) error {
	if len(pairs) == 0 {
		return nil
	}
	model, err := s.model(ctx, q, ws, k)
	if err != nil {
		return err
	}
	loaded, err := s.loadProfiles(ctx, q, ws, k, ids)
	if err != nil {
		return err
	}
	profs := make(map[string]*linkage.Profile, len(loaded))
	for _, l := range loaded {
		profs[itoa(l.id)] = l.prof
	}
	for i := range pairs {
		p := &pairs[i]
		p.Contributions = []Contribution{}
		pa, pb := profs[p.A], profs[p.B]
		if pa == nil || pb == nil {
			continue
		}
		for _, c := range contributions(model.Compare(pa, pb).Contributions) {
			if v.shows(k, c.Field) {
				p.Contributions = append(p.Contributions, c)
			}
		}
	}
	return nil
}

type reviewCursor struct {
	p    float64
	a, b int64
}

func encodeReviewCursor(p Pair) string {
	return base64.RawURLEncoding.EncodeToString([]byte("rev:" + strconv.FormatFloat(p.Probability, 'g', -1, 64) + ":" + p.A + ":" + p.B))
}

func decodeReviewCursor(c string) (*reviewCursor, error) {
	if c == "" {
		return nil, nil
	}
	bad := fault.Field("cursor", "invalid", "is not a cursor of this list; pass next_cursor as it was given")
	raw, err := base64.RawURLEncoding.DecodeString(c)
	parts := strings.Split(strings.TrimPrefix(string(raw), "rev:"), ":")
	if err != nil || !strings.HasPrefix(string(raw), "rev:") || len(parts) != 3 {
		return nil, bad
	}
	var rc reviewCursor
	var e1, e2, e3 error
	rc.p, e1 = strconv.ParseFloat(parts[0], 64)
	rc.a, e2 = strconv.ParseInt(parts[1], 10, 64)
	rc.b, e3 = strconv.ParseInt(parts[2], 10, 64)
	if e1 != nil || e2 != nil || e3 != nil || math.IsNaN(rc.p) {
		return nil, bad
	}
	return &rc, nil
}

// Decision is what someone said of a pair.
type Decision struct {
	A    string `json:"a"`
	B    string `json:"b"`
	Same bool   `json:"same"`
}

// Decide keeps what the actor said of the pair a, b of object: "same"
// (the merge screen follows) or "different" (the pair leaves the queue
// and its groups). It needs update on both records; one out of sight is
// 404. A decision is kept for good and feeds the next estimate.
func (s *Service) Decide(ctx context.Context, object string, d Decision) error {
	k, err := kindOf(object)
	if err != nil {
		return err
	}
	var c fault.Collector
	ids := parseIDs([]string{d.A, d.B})
	if len(parseIDs([]string{d.A})) == 0 {
		c.Add("a", "invalid", "must be the id of a record")
	}
	if len(parseIDs([]string{d.B})) == 0 {
		c.Add("b", "invalid", "must be the id of a record")
	}
	if len(ids) == 2 && ids[0] == ids[1] {
		c.Add("b", "invalid", "must be another record than a")
	}
	if err := c.Err(); err != nil {
		return err
	}
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return err
	}
	policy, grant := s.engine.Policy(), s.engine.Object(k.object).Grant()
	for _, id := range []string{d.A, d.B} {
		rec, err := s.engine.Get(ctx, k.object, id, false)
		if err != nil {
			return err
		}
		if err := policy.Authorize(ctx, a, grant, access.Update, rec); err != nil {
			return err
		}
	}
	lo, hi := min(ids[0], ids[1]), max(ids[0], ids[1])
	return s.db.Tx(ctx, func(q store.Querier) error {
		var by any
		if a.UserID > 0 {
			by = a.UserID
		}
		if _, err := q.ExecContext(ctx, `INSERT INTO duplicate_decisions (workspace_id, object, a_id, b_id, same, decided_by, decided_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (workspace_id, object, a_id, b_id) DO UPDATE SET same = excluded.same,
			decided_by = excluded.decided_by, decided_at = excluded.decided_at`,
			a.WorkspaceID, k.object, lo, hi, s.db.Dialect.Bool(d.Same), by, s.db.Dialect.Time(time.Now())); err != nil {
			return err
		}
		set, err := s.settings(ctx, q, a.WorkspaceID, k)
		if err != nil {
			return err
		}
		seeds := []int64{lo, hi}
		old, err := s.groupMembers(ctx, q, a.WorkspaceID, k, seeds)
		if err != nil {
			return err
		}
		return s.regroup(ctx, q, a.WorkspaceID, k, set, append(seeds, old...))
	})
}

// admin checks that the actor may change the workspace's settings.
func (s *Service) admin(ctx context.Context) (access.Actor, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return a, err
	}
	ok, err := access.ManagesRoles(ctx, s.db.Reader(), s.db.Dialect, a.WorkspaceID, a.Role)
	if err != nil {
		return a, err
	}
	if !ok {
		return a, fault.Errorf(fault.EFORBIDDEN, "only administrators change the duplicate settings")
	}
	return a, nil
}

// Overview is what /settings/duplicates shows of one object.
type Overview struct {
	Object   string   `json:"object"`
	Settings Settings `json:"settings"`
	// Histogram counts the stored pairs by probability, in buckets of
	// 0.05 from 0 (Histogram[i] holds [i/20, (i+1)/20)).
	Histogram   [20]int64  `json:"histogram"`
	Review      int64      `json:"review_pairs"`
	Duplicates  int64      `json:"duplicate_pairs"`
	Decisions   int64      `json:"decisions"`
	Records     int64      `json:"records"`
	EstimatedAt *time.Time `json:"estimated_at,omitempty"`
	Capped      int64      `json:"capped_blocks"`
}

// Overview returns object's settings and figures, for administrators.
func (s *Service) Overview(ctx context.Context, object string) (Overview, error) {
	k, err := kindOf(object)
	if err != nil {
		return Overview{}, err
	}
	a, err := s.admin(ctx)
	if err != nil {
		return Overview{}, err
	}
	q := s.db.Reader()
	o := Overview{Object: k.plural, Capped: CappedBlocks.Load()}
	if o.Settings, err = s.settings(ctx, q, a.WorkspaceID, k); err != nil {
		return o, err
	}
	if o.Settings.Identifying == nil {
		o.Settings.Identifying = []string{}
	}
	rows, err := q.QueryContext(ctx, `SELECT CAST(probability * 20 AS INTEGER), count(*) FROM duplicate_pairs
		WHERE workspace_id = ? AND object = ? GROUP BY CAST(probability * 20 AS INTEGER)`, a.WorkspaceID, k.object)
	if err != nil {
		return o, err
	}
	for rows.Next() {
		var b, n int64
		if err := rows.Scan(&b, &n); err != nil {
			rows.Close()
			return o, err
		}
		o.Histogram[min(max(b, 0), 19)] += n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return o, err
	}
	for i, n := range o.Histogram {
		p := float64(i) / 20
		switch {
		case p >= o.Settings.Duplicate:
			o.Duplicates += n
		case p+0.05 > o.Settings.Review:
			o.Review += n
		}
	}
	q.QueryRowContext(ctx, `SELECT count(*) FROM duplicate_decisions WHERE workspace_id = ? AND object = ?`, a.WorkspaceID, k.object).Scan(&o.Decisions)
	q.QueryRowContext(ctx, `SELECT count(*) FROM duplicate_profiles WHERE workspace_id = ? AND object = ?`, a.WorkspaceID, k.object).Scan(&o.Records)
	var at any
	if q.QueryRowContext(ctx, `SELECT estimated_at FROM duplicate_models WHERE workspace_id = ? AND object = ?`, a.WorkspaceID, k.object).Scan(&at) == nil {
		if t, ok := store.ParseTime(at); ok {
			o.EstimatedAt = &t
		}
	}
	return o, nil
}

// SaveSettings stores object's settings, for administrators, and queues a
// full rescore under them.
func (s *Service) SaveSettings(ctx context.Context, object string, set Settings) error {
	k, err := kindOf(object)
	if err != nil {
		return err
	}
	a, err := s.admin(ctx)
	if err != nil {
		return err
	}
	var c fault.Collector
	if set.Review <= 0 || set.Review >= 1 {
		c.Add("review_threshold", "range", "must be between 0 and 1")
	}
	if set.Duplicate <= 0 || set.Duplicate >= 1 {
		c.Add("duplicate_threshold", "range", "must be between 0 and 1")
	} else if set.Duplicate <= set.Review {
		c.Add("duplicate_threshold", "range", "must be above the review threshold")
	}
	fields, err := s.engine.Fields(ctx, k.object)
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, f := range fields {
		known[f.Name] = f.Custom || f.Name == "website"
	}
	for i, f := range set.Identifying {
		if !known[f] {
			c.Add(fmt.Sprintf("identifying[%d]", i), "invalid", "%q is not a custom field or the web site of %s", f, k.plural)
		}
	}
	if err := c.Err(); err != nil {
		return err
	}
	slices.Sort(set.Identifying)
	set.Identifying = slices.Compact(set.Identifying)
	ident, _ := json.Marshal(append([]string{}, set.Identifying...))
	err = s.db.Tx(ctx, func(q store.Querier) error {
		if _, err := q.ExecContext(ctx, `INSERT INTO duplicate_settings (workspace_id, object, review_threshold, duplicate_threshold, identifying)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (workspace_id, object) DO UPDATE SET review_threshold = excluded.review_threshold,
			duplicate_threshold = excluded.duplicate_threshold, identifying = excluded.identifying`,
			a.WorkspaceID, k.object, set.Review, set.Duplicate, string(ident)); err != nil {
			return err
		}
		// The profiles name the identifying fields: rebuilt by the
		// maintenance task, which rescores after.
		if _, err := q.ExecContext(ctx, `UPDATE duplicate_state SET profiles_version = 0 WHERE workspace_id = ? AND object = ?`,
			a.WorkspaceID, k.object); err != nil {
			return err
		}
		return s.enqueue(ctx, q, a.WorkspaceID, MaintainKind, nil)
	})
	s.cache.forget(a.WorkspaceID, k)
	return err
}

// RequestEstimate queues a new estimate of object's model (and a rescore
// after it), for administrators.
func (s *Service) RequestEstimate(ctx context.Context, object string) error {
	k, err := kindOf(object)
	if err != nil {
		return err
	}
	a, err := s.admin(ctx)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(q store.Querier) error {
		return s.enqueue(ctx, q, a.WorkspaceID, EstimateKind, map[string]string{"object": k.object})
	})
}

func (s *Service) enqueue(ctx context.Context, q store.Querier, ws int64, kind string, payload any) error {
	var raw json.RawMessage
	if payload != nil {
		raw, _ = json.Marshal(payload)
	}
	_, err := jobs.Enqueue(ctx, q, s.db.Dialect, jobs.Job{WorkspaceID: ws, Kind: kind, Payload: raw})
	return err
}

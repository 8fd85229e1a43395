package duplicate

import (
	"context"
	"encoding/base64"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/linkage"
	"github.com/rapport-crm/rapport/internal/store"
)

// Suspect is a stored record that a draft or another record likely
// duplicates.
type Suspect struct {
	ID      string   `json:"id"`
	Score   float64  `json:"score"`
	Reasons []string `json:"reasons"`
	// Contributions explain the score field by field.
	Contributions []Contribution `json:"contributions"`
}

// MaxSuspects bounds the answer of Check and Of: a form shows a few.
const MaxSuspects = 20

// view is what the actor may see of one object's records.
type view struct {
	restrict []access.Restriction
	hidden   map[string]bool
}

// view checks that the actor may read k's records and returns what of
// them the actor sees.
func (s *Service) view(ctx context.Context, k *kind) (access.Actor, view, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return a, view{}, err
	}
	policy, grant := s.engine.Policy(), s.engine.Object(k.object).Grant()
	if err := policy.Authorize(ctx, a, grant, access.Read, nil); err != nil {
		return a, view{}, err
	}
	var v view
	if v.restrict, err = policy.Restrict(ctx, a, grant); err != nil {
		return a, view{}, err
	}
	rules, err := policy.Fields(ctx, a, grant)
	if err != nil {
		return a, view{}, err
	}
	v.hidden = map[string]bool{}
	for f, r := range rules {
		v.hidden[f] = r == access.FieldHidden
	}
	return a, v, nil
}

// readable reports whether the actor may read r. A restriction on a field
// other than the owner, which a future policy might add, hides everything
// rather than risk showing too much.
func (v view) readable(r stored) bool {
	for _, x := range v.restrict {
		if x.Field != "owner_id" || !slices.Contains(x.In, r.owner) {
			return false
		}
	}
	return true
}

// redact removes from r what the actor may not see, so that a hidden
// field never becomes a reason.
func (v view) redact(k *kind, r linkage.Record) linkage.Record {
	for _, f := range k.nameFields {
		if v.hidden[f] {
			r.FirstName, r.LastName, r.Name = "", "", ""
		}
	}
	if v.hidden["emails"] {
		r.Emails = nil
	}
	if v.hidden["phones"] {
		r.Phones = nil
	}
	if v.hidden["address"] {
		r.AddressLines, r.Postcode, r.Town, r.Country = nil, "", "", ""
	}
	if v.hidden["companies"] {
		r.Companies = nil
	}
	if v.hidden["birthday"] {
		r.Birthday = ""
	}
	if v.hidden["domain"] || (k == companies && v.hidden["website"]) {
		r.Domain = ""
	}
	if len(r.Identifiers) > 0 {
		ids := map[string]string{}
		for f, val := range r.Identifiers {
			if !v.hidden[f] {
				ids[f] = val
			}
		}
		r.Identifiers = ids
	}
	return r
}

// shows reports whether a contribution of field tells nothing the actor
// may not see.
func (v view) shows(k *kind, field string) bool {
	switch field {
	case "name":
		for _, f := range k.nameFields {
			if v.hidden[f] {
				return false
			}
		}
		return true
	case "email", "emails":
		return !v.hidden["emails"]
	case "phone", "phones":
		return !v.hidden["phones"]
	case "address":
		return !v.hidden["address"]
	case "company", "companies":
		return !v.hidden["companies"] && !v.hidden["name"]
	case "domain":
		return !v.hidden["domain"] && !v.hidden["website"]
	case "birthday":
		return !v.hidden["birthday"]
	}
	return !v.hidden[field]
}

// Check returns the stored records of object that the draft likely
// duplicates, best first, among those the actor may read.
func (s *Service) Check(ctx context.Context, object string, draft map[string]any) ([]Suspect, error) {
	k, err := kindOf(object)
	if err != nil {
		return nil, err
	}
	a, v, err := s.view(ctx, k)
	if err != nil {
		return nil, err
	}
	rec, err := s.draft(ctx, k, draft)
	if err != nil {
		return nil, err
	}
	return s.suspects(ctx, a.WorkspaceID, k, v, v.redact(k, rec), 0)
}

// Of returns the records of object that the stored record id likely
// duplicates, as Check does for a draft.
func (s *Service) Of(ctx context.Context, object, id string) ([]Suspect, error) {
	k, err := kindOf(object)
	if err != nil {
		return nil, err
	}
	a, v, err := s.view(ctx, k)
	if err != nil {
		return nil, err
	}
	self := parseIDs([]string{id})
	if len(self) == 0 {
		return nil, nil
	}
	own, err := s.loadProfiles(ctx, s.db.Reader(), a.WorkspaceID, k, self)
	if err != nil || len(own) == 0 {
		return nil, err
	}
	return s.suspects(ctx, a.WorkspaceID, k, v, v.redact(k, own[0].rec), self[0])
}

// suspects compares rec (redacted for the actor) with the readable
// records that share a block with it, other than self, with the
// workspace's model: those at or above the review threshold, not decided
// "different", best first.
func (s *Service) suspects(ctx context.Context, ws int64, k *kind, v view, rec linkage.Record, self int64) ([]Suspect, error) {
	q := s.db.Reader()
	set, err := s.settings(ctx, q, ws, k)
	if err != nil {
		return nil, err
	}
	model, err := s.model(ctx, q, ws, k)
	if err != nil {
		return nil, err
	}
	prof := linkage.Prepare(rec)
	ids, err := s.neighbours(ctx, q, ws, k, prof, self)
	if err != nil {
		return nil, err
	}
	others, err := s.loadProfiles(ctx, q, ws, k, ids)
	if err != nil {
		return nil, err
	}
	var different map[[2]int64]bool
	if self != 0 {
		if different, err = s.differentOf(ctx, q, ws, k, self); err != nil {
			return nil, err
		}
	}
	var out []Suspect
	for _, r := range others {
		if !v.readable(r) || different[[2]int64{min(self, r.id), max(self, r.id)}] {
			continue
		}
		res := model.Compare(prof, linkage.Prepare(v.redact(k, r.rec)))
		if res.Probability < set.Review {
			continue
		}
		sus := Suspect{ID: itoa(r.id), Score: float64(int(res.Probability*1000+0.5)) / 1000, Contributions: contributions(res.Contributions)}
		for _, c := range sus.Contributions {
			if c.Weight > 0 && !slices.Contains(sus.Reasons, c.Field) {
				sus.Reasons = append(sus.Reasons, c.Field)
			}
		}
		out = append(out, sus)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	if len(out) > MaxSuspects {
		out = out[:MaxSuspects]
	}
	return out, nil
}

// differentOf returns the pairs of id decided "different".
func (s *Service) differentOf(ctx context.Context, q store.Querier, ws int64, k *kind, id int64) (map[[2]int64]bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT a_id, b_id FROM duplicate_decisions WHERE workspace_id = ? AND object = ? AND (a_id = ? OR b_id = ?)
		AND same = `+boolSQL(s.db.Dialect, false), ws, k.object, id, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[[2]int64]bool{}
	for rows.Next() {
		var a, b int64
		if err := rows.Scan(&a, &b); err != nil {
			return nil, err
		}
		out[[2]int64{a, b}] = true
	}
	return out, rows.Err()
}

type rowsScanner interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
}

func scanIDs(rows rowsScanner) ([]int64, error) {
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// Group is a set of records that are likely duplicates of one another,
// with every reason that links them.
type Group struct {
	IDs     []string `json:"records"`
	Reasons []string `json:"reasons"`
}

// GroupPage is one page of a workspace's duplicate groups.
type GroupPage struct {
	Data       []Group `json:"data"`
	NextCursor string  `json:"next_cursor,omitempty"`
}

// Paging of Groups.
const (
	DefaultGroupLimit = 50
	MaxGroupLimit     = 200
)

// Groups returns a page of the stored groups of likely duplicates among
// the records of object, ordered by their lowest id (keyset paging), with
// only the members the actor may read; a group with fewer than two such
// members is left out.
func (s *Service) Groups(ctx context.Context, object, cursor string, limit int) (GroupPage, error) {
	k, err := kindOf(object)
	if err != nil {
		return GroupPage{}, err
	}
	if limit == 0 {
		limit = DefaultGroupLimit
	}
	if limit < 1 || limit > MaxGroupLimit {
		return GroupPage{}, fault.Field("limit", "range", "must be between 1 and %d", MaxGroupLimit)
	}
	after, err := decodeCursor(cursor)
	if err != nil {
		return GroupPage{}, err
	}
	a, v, err := s.view(ctx, k)
	if err != nil {
		return GroupPage{}, err
	}
	owner, args, ok := v.ownerCond("owner_id")
	page := GroupPage{Data: []Group{}}
	if !ok {
		return page, nil
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT group_id FROM duplicate_groups WHERE workspace_id = ? AND object = ? AND group_id > ?`+owner+`
		GROUP BY group_id HAVING count(*) >= 2 ORDER BY group_id LIMIT ?`, append(append([]any{a.WorkspaceID, k.object, after}, args...), limit+1)...)
	if err != nil {
		return GroupPage{}, err
	}
	firsts, err := scanIDs(rows)
	if err != nil {
		return GroupPage{}, err
	}
	if len(firsts) > limit {
		firsts = firsts[:limit]
		page.NextCursor = encodeCursor(firsts[limit-1])
	}
	if len(firsts) == 0 {
		return page, nil
	}
	marks, gargs := store.List(firsts)
	rows, err = s.db.Reader().QueryContext(ctx, `SELECT group_id, record_id FROM duplicate_groups WHERE workspace_id = ? AND object = ?
		AND group_id IN (`+marks+`)`+owner+` ORDER BY group_id, record_id`, append(append([]any{a.WorkspaceID, k.object}, gargs...), args...)...)
	if err != nil {
		return GroupPage{}, err
	}
	defer rows.Close()
	last := int64(-1)
	for rows.Next() {
		var g, id int64
		if err := rows.Scan(&g, &id); err != nil {
			return GroupPage{}, err
		}
		if g != last {
			page.Data = append(page.Data, Group{Reasons: []string{}})
			last = g
		}
		page.Data[len(page.Data)-1].IDs = append(page.Data[len(page.Data)-1].IDs, itoa(id))
	}
	return page, rows.Err()
}

// ownerCond returns an SQL condition (starting with " AND") on column
// that keeps the records the actor may read, and false when the actor
// may read none.
func (v view) ownerCond(column string) (string, []any, bool) {
	var cond string
	var args []any
	for _, x := range v.restrict {
		if x.Field != "owner_id" {
			return "", nil, false
		}
		var ids []int64
		for _, o := range x.In {
			if n, err := strconv.ParseInt(o, 10, 64); err == nil {
				ids = append(ids, n)
			}
		}
		if len(ids) == 0 {
			return "", nil, false
		}
		marks, a := store.List(ids)
		cond += " AND " + column + " IN (" + marks + ")"
		args = append(args, a...)
	}
	return cond, args, true
}

func encodeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("dup:" + strconv.FormatInt(id, 10)))
}

func decodeCursor(c string) (int64, error) {
	if c == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	text, ok := strings.CutPrefix(string(b), "dup:")
	n, perr := strconv.ParseInt(text, 10, 64)
	if err != nil || !ok || perr != nil || n < 0 {
		return 0, fault.Field("cursor", "invalid", "is not a cursor of this list; pass next_cursor as it was given")
	}
	return n, nil
}

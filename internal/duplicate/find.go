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
	"github.com/rapport-crm/rapport/internal/store"
)

// Suspect is a stored record that a draft or another record likely
// duplicates.
type Suspect struct {
	ID      string   `json:"id"`
	Score   float64  `json:"score"`
	Reasons []string `json:"reasons"`
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

// redact removes from p what the actor may not see, so that a hidden
// field never becomes a reason.
func (v view) redact(k *kind, p profile) profile {
	for _, f := range k.nameFields {
		if v.hidden[f] {
			p.tokens = nil
		}
	}
	if v.hidden["emails"] {
		p.emails = nil
	}
	if v.hidden["phones"] {
		p.phones = nil
	}
	if v.hidden["address"] {
		p.address = ""
	}
	if v.hidden["companies"] {
		p.orgs = nil
	}
	return p
}

// visible keeps the records the actor may read, redacted.
func (v view) visible(k *kind, rs []stored) []stored {
	out := rs[:0]
	for _, r := range rs {
		if v.readable(r) {
			r.prof = v.redact(k, r.prof)
			out = append(out, r)
		}
	}
	return out
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
	cand, err := s.draft(ctx, k, draft)
	if err != nil {
		return nil, err
	}
	return s.suspects(ctx, a.WorkspaceID, k, v, newProfile(cand), 0)
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
	return s.suspects(ctx, a.WorkspaceID, k, v, own[0].prof, self[0])
}

// suspects compares p with the records that share a key with it, other
// than self.
func (s *Service) suspects(ctx context.Context, ws int64, k *kind, v view, p profile, self int64) ([]Suspect, error) {
	q := s.db.Reader()
	keys, err := s.usableKeys(ctx, q, ws, k, p.keys())
	if err != nil || len(keys) == 0 {
		return nil, err
	}
	marks, args := store.Marks(len(keys)), make([]any, 0, len(keys)+3)
	args = append(args, ws, k.object, self)
	for _, key := range keys {
		args = append(args, key)
	}
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT record_id FROM duplicate_keys
		WHERE workspace_id = ? AND object = ? AND record_id <> ? AND key IN (`+marks+`)`, args...)
	if err != nil {
		return nil, err
	}
	ids, err := scanIDs(rows)
	if err != nil {
		return nil, err
	}
	others, err := s.loadProfiles(ctx, q, ws, k, ids)
	if err != nil {
		return nil, err
	}
	var out []Suspect
	for _, r := range v.visible(k, others) {
		if m := s.opts.Matcher.compare(&p, &r.prof); m.Likely() {
			out = append(out, Suspect{ID: strconv.FormatInt(r.id, 10), Score: m.Score, Reasons: m.Reasons})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	if len(out) > MaxSuspects {
		out = out[:MaxSuspects]
	}
	return out, nil
}

// usableKeys keeps the keys that fewer than MaxBlock records hold: one
// more common than that tells nothing, as in the workspace scan.
func (s *Service) usableKeys(ctx context.Context, q store.Querier, ws int64, k *kind, keys []string) ([]string, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	args := []any{ws, k.object}
	for _, key := range keys {
		args = append(args, key)
	}
	rows, err := q.QueryContext(ctx, `SELECT key FROM duplicate_keys WHERE workspace_id = ? AND object = ? AND key IN (`+
		store.Marks(len(keys))+`) GROUP BY key HAVING count(*) < ?`,
		append(args, s.opts.Matcher.maxBlock())...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var key string
		if err := rows.Scan(&key); err != nil {
			return nil, err
		}
		out = append(out, key)
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

// Groups returns a page of the groups of likely duplicates among the
// records of object that the actor may read, ordered by their lowest id.
// Candidates come from the key index in one query; only records sharing
// a key held by fewer than MaxBlock records are compared.
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
	blocks, ids, err := s.blocks(ctx, a.WorkspaceID, k)
	if err != nil {
		return GroupPage{}, err
	}
	entries, err := s.loadProfiles(ctx, s.db.Reader(), a.WorkspaceID, k, ids)
	if err != nil {
		return GroupPage{}, err
	}
	entries = v.visible(k, entries)
	sort.Slice(entries, func(i, j int) bool { return entries[i].id < entries[j].id })
	groups := s.group(entries, blocks)
	page := GroupPage{Data: []Group{}}
	for _, g := range groups {
		first, _ := strconv.ParseInt(g.IDs[0], 10, 64)
		if first <= after {
			continue
		}
		if len(page.Data) == limit {
			last, _ := strconv.ParseInt(page.Data[limit-1].IDs[0], 10, 64)
			page.NextCursor = encodeCursor(last)
			break
		}
		page.Data = append(page.Data, g)
	}
	return page, nil
}

// blocks reads the keys that two to MaxBlock records share, as lists of
// record ids, and every id they name.
func (s *Service) blocks(ctx context.Context, ws int64, k *kind) ([][]int64, []int64, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT key, record_id FROM duplicate_keys
		WHERE workspace_id = ? AND object = ? AND key IN (SELECT key FROM duplicate_keys
			WHERE workspace_id = ? AND object = ? GROUP BY key HAVING count(*) BETWEEN 2 AND ?)
		ORDER BY key, record_id`, ws, k.object, ws, k.object, s.opts.Matcher.maxBlock())
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var blocks [][]int64
	seen := map[int64]bool{}
	var ids []int64
	last := ""
	for rows.Next() {
		var key string
		var id int64
		if err := rows.Scan(&key, &id); err != nil {
			return nil, nil, err
		}
		if key != last || len(blocks) == 0 {
			blocks = append(blocks, nil)
			last = key
		}
		blocks[len(blocks)-1] = append(blocks[len(blocks)-1], id)
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return blocks, ids, rows.Err()
}

// group scores the pairs within each block among entries (sorted by id)
// and returns the connected components of likely pairs.
func (s *Service) group(entries []stored, blocks [][]int64) []Group {
	index := make(map[int64]int, len(entries))
	for i, e := range entries {
		index[e.id] = i
	}
	var pairs [][2]int
	for _, b := range blocks {
		var members []int
		for _, id := range b {
			if i, ok := index[id]; ok {
				members = append(members, i)
			}
		}
		for x, i := range members {
			for _, j := range members[x+1:] {
				pairs = append(pairs, [2]int{i, j})
			}
		}
	}
	m := s.opts.Matcher
	return m.link(len(entries), pairs, func(i, j int) Match { return m.compare(&entries[i].prof, &entries[j].prof) },
		func(i int) string { return strconv.FormatInt(entries[i].id, 10) })
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

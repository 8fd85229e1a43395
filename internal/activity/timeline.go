package activity

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// Item is one entry of a timeline. An activity carries its fields in
// Record; a stage change carries the stage entered; a creation or a field
// change carries the changed fields, each as {"before", "after"}.
type Item struct {
	Kind    string         `json:"kind"` // note, task, call, meeting, email, stage_change, field_change, created or assigned
	At      string         `json:"at"`
	Object  string         `json:"object"` // the activity's kind, or the record changed
	ID      string         `json:"id"`
	Record  map[string]any `json:"record,omitempty"`
	Changes map[string]any `json:"changes,omitempty"`
	ActorID *string        `json:"actor_id"`

	key   itemKey
	shown bool // false for an entry whose every change is hidden
}

// itemKey orders the timeline, newest first: by time, then by the rank of
// the source the entry comes from (ids of different tables do not
// compare), then by id within the source.
type itemKey struct {
	At   time.Time `json:"t"`
	Rank int       `json:"r"`
	ID   int64     `json:"i"`
}

func (k itemKey) before(o itemKey) bool { // k comes after o in the feed
	if !k.At.Equal(o.At) {
		return k.At.Before(o.At)
	}
	if k.Rank != o.Rank {
		return k.Rank < o.Rank
	}
	return k.ID < o.ID
}

// The sources' ranks.
const (
	rankAudit      = 1
	rankStage      = 2
	rankActivities = 3
	rankMail       = 4
)

// TimelineQuery selects a page of a timeline.
type TimelineQuery struct {
	Kinds  []string // empty means every kind
	Limit  int      // 0 means 50
	Cursor string
}

// TimelinePage is one page of a timeline, newest first.
type TimelinePage struct {
	Data       []Item `json:"data"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// TimelineKinds are the kinds of timeline entry.
var TimelineKinds = []string{"note", "task", "call", "meeting", "email", "stage_change", "field_change", "created", "assigned"}

// timelineObjects have timelines.
var timelineObjects = []string{"contact", "company", "deal"}

// relatedCap bounds the related records whose activity a timeline reads,
// so that a company with thousands of contacts still answers quickly; the
// most recently linked are kept.
const relatedCap = 500

// Timeline returns a page of the feed of what happened to one contact,
// company or deal: its activities, stage changes, creation and field
// changes, and the activities and stage changes of its related records (a
// company's contacts and deals, a contact's deals), and the letters filed
// on them (internal/mailbox). The record must be
// readable; what the actor may not read of the rest is left out.
func (s *Service) Timeline(ctx context.Context, object, id string, q TimelineQuery) (TimelinePage, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return TimelinePage{}, err
	}
	obj := s.engine.Object(object)
	if obj == nil || !slices.Contains(timelineObjects, obj.Name) {
		return TimelinePage{}, fault.Errorf(fault.ENOTFOUND, "%s have no timeline; contacts, companies and deals do", object)
	}
	after, err := checkTimelineQuery(&q)
	if err != nil {
		return TimelinePage{}, err
	}
	if _, err := s.engine.Get(ctx, obj.Name, id, false); err != nil {
		return TimelinePage{}, err
	}
	rid, _ := strconv.ParseInt(id, 10, 64)
	t := &timeline{s: s, a: a, d: s.db.Dialect, q: s.db.Reader(), obj: obj, id: rid, after: after, n: q.Limit + 1,
		kinds: q.Kinds}
	related, err := t.related(ctx)
	if err != nil {
		return TimelinePage{}, err
	}
	var sources [][]Item
	for _, read := range []func(context.Context, map[string][]int64) ([]Item, error){t.activities, t.stages, t.audit, t.mail} {
		items, err := read(ctx, related)
		if err != nil {
			return TimelinePage{}, err
		}
		sources = append(sources, items)
	}
	return merge(sources, q.Limit, t.n), nil
}

func checkTimelineQuery(q *TimelineQuery) (*itemKey, error) {
	var c fault.Collector
	for _, k := range q.Kinds {
		if !slices.Contains(TimelineKinds, k) {
			c.Add("kind", "option", "%q is not a kind; kinds are %s", k, strings.Join(TimelineKinds, ", "))
		}
	}
	if q.Limit == 0 {
		q.Limit = 50
	}
	if q.Limit < 1 || q.Limit > records.MaxLimit {
		c.Add("limit", "range", "must be between 1 and %d", records.MaxLimit)
	}
	var after *itemKey
	if q.Cursor != "" {
		raw, err := base64.RawURLEncoding.DecodeString(q.Cursor)
		var k itemKey
		if err != nil || json.Unmarshal(raw, &k) != nil || k.Rank < rankAudit || k.Rank > rankMail {
			c.Add("cursor", "format", "is not a cursor this timeline gave out")
		} else {
			after = &k
		}
	}
	return after, c.Err()
}

// merge interleaves the sources, newest first, into a page of limit
// entries. Each source holds at most n entries, n meaning it may have
// more: once such a source runs dry the page must end, since its next
// entries are unknown.
func merge(sources [][]Item, limit, n int) TimelinePage {
	page := TimelinePage{Data: []Item{}}
	full := make([]bool, len(sources))
	for i, src := range sources {
		full[i] = len(src) == n
	}
	var last *itemKey
	for {
		best := -1
		for i, src := range sources {
			if len(src) == 0 {
				if full[i] {
					best = -2 // a source may hold more before what is left
					break
				}
				continue
			}
			if best == -1 || sources[best][0].key.before(src[0].key) {
				best = i
			}
		}
		if best < 0 {
			if best == -2 && last != nil {
				page.NextCursor = encodeKey(*last)
			}
			return page
		}
		if len(page.Data) == limit {
			page.NextCursor = encodeKey(*last)
			return page
		}
		it := sources[best][0]
		sources[best] = sources[best][1:]
		last = &it.key
		if it.shown {
			page.Data = append(page.Data, it)
		}
	}
}

func encodeKey(k itemKey) string {
	b, _ := json.Marshal(k)
	return base64.RawURLEncoding.EncodeToString(b)
}

// timeline is one read of a timeline.
type timeline struct {
	s     *Service
	a     access.Actor
	d     store.Dialect
	q     store.Querier
	obj   *records.Object
	id    int64
	after *itemKey
	n     int
	kinds []string
}

func (t *timeline) wants(kind string) bool {
	return len(t.kinds) == 0 || slices.Contains(t.kinds, kind)
}

// keyset is the condition that keeps the entries of a source of rank after
// the cursor, on its time and id columns.
func (t *timeline) keyset(rank int, at, id string) (string, []any) {
	if t.after == nil {
		return "", nil
	}
	c := t.after
	switch {
	case rank < c.Rank:
		return " AND " + at + " <= ?", []any{t.d.Time(c.At)}
	case rank > c.Rank:
		return " AND " + at + " < ?", []any{t.d.Time(c.At)}
	}
	return " AND (" + at + " < ? OR (" + at + " = ? AND " + id + " < ?))", []any{t.d.Time(c.At), t.d.Time(c.At), c.ID}
}

// scope is the condition that keeps the rows (aliased alias) of records
// governed by grant within the actor's read scope, or "" for all of them.
// The policy restricts by owner; any other restriction fails closed.
func (t *timeline) scope(ctx context.Context, grant, alias string) (string, []any, error) {
	rs, err := t.s.engine.Policy().Restrict(ctx, t.a, grant)
	if err != nil {
		return "", nil, err
	}
	cond, args := access.OwnerCondition(rs, alias+"owner_id")
	return cond, args, nil
}

// related returns the ids of the records whose activity the timeline
// shows, by object: the record itself, and the related records the actor
// may read.
func (t *timeline) related(ctx context.Context) (map[string][]int64, error) {
	out := map[string][]int64{t.obj.Name: {t.id}}
	ws := t.a.WorkspaceID
	var links []struct{ object, query string }
	switch t.obj.Name {
	case "company":
		links = append(links,
			struct{ object, query string }{"contact", `SELECT c.id FROM contact_companies l JOIN contacts c ON c.workspace_id = l.workspace_id AND c.id = l.contact_id
				WHERE l.workspace_id = ? AND l.company_id = ? AND c.deleted_at IS NULL`},
			struct{ object, query string }{"deal", `SELECT c.id FROM deals c WHERE c.workspace_id = ? AND c.company_id = ? AND c.deleted_at IS NULL`})
	case "contact":
		links = append(links, struct{ object, query string }{"deal", `SELECT c.id FROM deal_contacts l JOIN deals c ON c.workspace_id = l.workspace_id AND c.id = l.deal_id
				WHERE l.workspace_id = ? AND l.contact_id = ? AND c.deleted_at IS NULL`})
	}
	for _, l := range links {
		cond, args, err := t.scope(ctx, t.s.engine.Object(l.object).Grant(), "c.")
		if err != nil {
			return nil, err
		}
		query := l.query
		if cond != "" {
			query += " AND " + cond
		}
		ids, err := t.ids(ctx, query+" ORDER BY c.id DESC LIMIT "+strconv.Itoa(relatedCap), append([]any{ws, t.id}, args...))
		if err != nil {
			return nil, err
		}
		out[l.object] = append(out[l.object], ids...)
	}
	return out, nil
}

func (t *timeline) ids(ctx context.Context, query string, args []any) ([]int64, error) {
	rows, err := t.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
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

func idStrings(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = strconv.FormatInt(id, 10)
	}
	return out
}

func hiddenIn(rules map[string]access.FieldRule) map[string]bool {
	h := map[string]bool{}
	for name, r := range rules {
		h[name] = r == access.FieldHidden
	}
	return h
}

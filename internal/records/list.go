package records

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/store"
)

// Page is one page of a list. A page may hold fewer records than asked
// for while NextCursor is set: a list reads a bounded part of its index
// per request (plan.go), so a rare match can leave a page short; the
// cursor goes on from where the reading stopped.
type Page struct {
	Data       []Record `json:"data"`
	NextCursor string   `json:"next_cursor,omitempty"`
	Total      *int64   `json:"total,omitempty"`
}

// DefaultLimit is the page size when a list names none.
const DefaultLimit = 50

// The defaults of Options.DriveLimit and Options.Window, chosen by
// measurement at 1,000,000 records (docs/BENCHMARKS.md): reading either
// many records costs about as much as the other, a few tens of
// milliseconds at most.
const (
	DefaultDriveLimit = 5000
	DefaultWindow     = 7000
)

// sqlb accumulates arguments for SQL written with ? placeholders.
type sqlb struct {
	d    store.Dialect
	args []any
}

func (b *sqlb) arg(v any) string {
	b.args = append(b.args, v)
	return "?"
}

// systemColumns are the engine's own fields that lists filter and sort
// by; deleted_at sorts the trash.
var systemColumns = map[string]*Field{
	"id":         {Name: "id", Type: Relation, Required: true, Sortable: true, indexed: true},
	"created_at": {Name: "created_at", Type: DateTime, Required: true, Sortable: true, indexed: true},
	"updated_at": {Name: "updated_at", Type: DateTime, Required: true, Sortable: true, indexed: true},
	"deleted_at": {Name: "deleted_at", Type: DateTime, Required: true, Sortable: true},
}

func init() {
	for _, f := range systemColumns {
		f.Filters = filterOps(f.Type, true)
	}
	systemColumns["id"].Filters = []Op{Eq, Ne, In, Lt, Lte, Gt, Gte}
	systemColumns["deleted_at"].Filters = []Op{}
}

// List returns one page of the records of object that match q and that the
// actor may read.
func (e *Engine) List(ctx context.Context, object string, q Query) (Page, error) {
	a, obj, err := e.begin(ctx, object)
	if err != nil {
		return Page{}, err
	}
	if err := e.policy.Authorize(ctx, a, obj.Grant(), access.Read, nil); err != nil {
		return Page{}, err
	}
	if err := checkPaging(q); err != nil {
		return Page{}, err
	}
	s, err := e.view(ctx, a, obj, fieldNames(q.Filter, q.Sort)...)
	if err != nil {
		return Page{}, err
	}
	if _, err := e.cost(s, q); err != nil {
		return Page{}, err
	}
	p, err := e.plan(ctx, a, s, q)
	if err != nil || p == nil {
		return Page{Data: []Record{}}, err
	}
	page, ids, err := p.run(ctx, s, q)
	if err != nil {
		return Page{}, err
	}
	if q.Count {
		total, err := p.count(ctx, ids, q.CountLimit)
		if err != nil {
			return Page{}, err
		}
		page.Total = &total
	}
	if q.Bare || q.Versions {
		return page, nil
	}
	return page, e.loadLinks(ctx, e.db.Read(ctx), a.WorkspaceID, s, page.Data)
}

// plan compiles a list request. It returns nil when the actor's scope
// admits no record at all.
func (e *Engine) plan(ctx context.Context, a access.Actor, s *schema, q Query) (*plan, error) {
	obj := s.obj
	o, err := e.sortOrder(s, q)
	if err != nil {
		return nil, err
	}
	c := &compiler{e: e, s: s, ws: a.WorkspaceID, obj: obj, norm: e.normalizer(ctx, a.WorkspaceID)}
	terms, err := c.terms(q.Filter, "filter")
	if err != nil {
		return nil, err
	}
	rs, err := e.policy.Restrict(ctx, a, obj.Grant())
	if err != nil {
		return nil, err
	}
	scope, ok := e.scopeTerms(obj, rs)
	if !ok {
		return nil, nil
	}
	p := &plan{e: e, c: c, obj: obj, ws: a.WorkspaceID, terms: append(scope, terms...), order: o, limit: q.Limit, live: q.Deleted == "",
		versions: q.Versions}
	if p.limit == 0 {
		p.limit = DefaultLimit
	}
	p.base = clause{sql: "t.workspace_id = ?" + obj.only("t"), args: []any{a.WorkspaceID}}
	switch q.Deleted {
	case "only":
		p.base = p.base.and(clause{sql: "t.deleted_at IS NOT NULL"})
	case "include":
	default:
		p.base = p.base.and(clause{sql: "t.deleted_at IS NULL"})
	}
	p.useComposite()
	if p.cursor, err = e.decodeCursor(q.Cursor, p.order); err != nil {
		return nil, err
	}
	return p, nil
}

// scopeTerms turns the actor's restrictions into terms; false means no
// record is in scope.
func (e *Engine) scopeTerms(obj *Object, rs []access.Restriction) ([]term, bool) {
	var out []term
	for _, r := range rs {
		f := obj.Field(r.Field)
		if f == nil || f.column == "" || len(r.In) == 0 {
			return nil, false // nothing to match against, or nothing allowed: fail closed
		}
		var vals []any
		for _, v := range r.In {
			if f.Type == User || f.Type == Relation {
				n, err := parseID(v)
				if err != nil {
					continue
				}
				vals = append(vals, n)
			} else {
				vals = append(vals, v)
			}
		}
		if len(vals) == 0 {
			return nil, false
		}
		t := term{field: f.Name, rank: 1,
			test: clause{sql: "t." + f.column + " IN (" + store.Marks(len(vals)) + ")", args: vals}}
		if f.indexed && !obj.small {
			t.index, t.cond = obj.indexName(f.Name), t.test
			c := &compiler{e: e, obj: obj}
			t.sift = c.siftBy(t.index, clause{sql: "x." + f.column + " IN (" + store.Marks(len(vals)) + ")", args: vals})
		}
		if len(vals) == 1 {
			t.eq = vals[0]
		}
		out = append(out, t)
	}
	return out, true
}

// useComposite walks an (owner, field) index when the list is sorted by
// the field and limited to one owner; and a list in id order limited to
// one value of an indexed field (one owner, one source) walks that
// field's index, which holds those records in id order, so that it reads
// none of the others.
func (p *plan) useComposite() {
	if p.order.side != nil || !p.live {
		return
	}
	if !p.order.keyed() {
		for i := range p.terms {
			if t := &p.terms[i]; t.eq != nil && t.index != "" && !strings.Contains(t.index, "_by_id") {
				p.order.index = t.index
				return
			}
		}
		return
	}
	for _, c := range p.obj.composites {
		if c.sort != p.order.field.Name {
			continue
		}
		for i := range p.terms {
			t := &p.terms[i]
			if t.field == c.eq && t.eq != nil && t.index != "" {
				p.order.index = p.obj.compositeName(c)
				t.index = p.order.index // the walk's frame applies it
				return
			}
		}
	}
}

// run reads the page; ids are the records an index found when the page
// was read by id, for the count.
func (p *plan) run(ctx context.Context, s *schema, q Query) (Page, []int64, error) {
	start := time.Now()
	if p.obj.small {
		page, err := p.simple(ctx, s)
		return page, nil, err
	}
	if len(p.terms) > 0 && !p.onlyKeyTerms() {
		ids, err := p.driver(ctx)
		if err != nil {
			return Page{}, nil, err
		}
		if ids != nil {
			page, err := p.drive(ctx, s, ids)
			p.e.log.DebugContext(ctx, "list", "object", p.obj.Plural, "sort", p.order.name, "read_by_id", len(ids),
				"records", len(page.Data), "took", time.Since(start))
			return page, ids, err
		}
	}
	if !p.onlyKeyTerms() {
		if err := p.widen(ctx); err != nil {
			return Page{}, nil, err
		}
	}
	page, err := p.walk(ctx, s)
	p.e.log.DebugContext(ctx, "list", "object", p.obj.Plural, "sort", p.order.name, "walked", p.order.index,
		"records", len(page.Data), "more", page.NextCursor != "", "took", time.Since(start))
	return page, nil, err
}

// fieldNames returns the fields a filter and a sort name, without parts
// (address.city is address).
func fieldNames(f *Filter, sort []string) []string {
	var names []string
	base := func(name string) string { return strings.SplitN(name, ".", 2)[0] }
	if f != nil {
		walkFilter(f, func(c *Filter) { names = append(names, base(c.Field)) })
	}
	for _, n := range sort {
		names = append(names, base(strings.TrimPrefix(n, "-")))
	}
	return names
}

func walkFilter(f *Filter, fn func(*Filter)) {
	for i := range f.And {
		walkFilter(&f.And[i], fn)
	}
	for i := range f.Or {
		walkFilter(&f.Or[i], fn)
	}
	if f.And == nil && f.Or == nil {
		fn(f)
	}
}

func prefixed(cols string) string {
	parts := strings.Split(cols, ", ")
	for i, p := range parts {
		if p != "NULL" { // a column left unread
			parts[i] = "t." + p
		}
	}
	return strings.Join(parts, ", ")
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

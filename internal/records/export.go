package records

import (
	"context"
	"slices"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/store"
)

// ExportPage is how many records each read of an export takes: twice a
// list's largest page, so that a million records take 1,000 queries
// rather than 2,000, and few enough that the pages in flight (one read,
// one checked, one written, one waiting between each) stay a few tens
// of megabytes.
const ExportPage = 1000

// ExportOptions are what an export reads of each record.
type ExportOptions struct {
	// Fields names the fields the export writes, nil meaning every field
	// the actor reads.
	Fields []string
	// JSONText leaves the standard fields stored as JSON (e-mail
	// addresses, phones, an address, tags) as their stored text, of type
	// JSONText, for a writer that turns them into cells itself rather
	// than through a map or a slice a value.
	JSONText bool
}

// JSONText is the stored JSON text of a value, as an export with
// JSONText set hands it over.
type JSONText string

// Value is the value as a list reads it.
func (t JSONText) Value() (any, error) {
	return decodeJSON(string(t))
}

func jsonText(v any) JSONText {
	if b, ok := v.([]byte); ok {
		return JSONText(b)
	}
	s, _ := v.(string)
	return JSONText(s)
}

// Export reads every record of object that q matches and that the actor
// may both read and export, in q's order, a page at a time, and calls fn
// with each page; fn may keep the page. It is List for a whole list: the
// same filter, sort, scope and field rules (a field the role hides is
// unknown here and never read), with larger pages and without a count.
//
// o.Fields names the fields fn needs, nil meaning every field the actor
// reads: only their columns are read and decoded, and a field linking to
// many records is read only when named. Each record also holds its id,
// version and times, and its owner when the actor may see it, which the
// check of the export scope reads.
func (e *Engine) Export(ctx context.Context, object string, q Query, o ExportOptions, fn func([]Record) error) error {
	a, obj, err := e.begin(ctx, object)
	if err != nil {
		return err
	}
	for _, act := range []access.Action{access.Read, access.Export} {
		if err := e.policy.Authorize(ctx, a, obj.Grant(), act, nil); err != nil {
			return err
		}
	}
	if q.Cursor != "" || q.Limit != 0 || q.Count {
		return fault.Field("limit", "unknown", "an export takes every matching record: limit, cursor and count do not apply")
	}
	if err := checkPaging(q); err != nil {
		return err
	}
	q.Limit = ExportPage
	s, err := e.view(ctx, a, obj, fieldNames(q.Filter, q.Sort)...)
	if err != nil {
		return err
	}
	if _, err := e.cost(s, q); err != nil {
		return err
	}
	read, links, err := exportReading(s, o.Fields)
	if err != nil {
		return err
	}
	if read != nil {
		read.text = o.JSONText
	}
	// Each page is read while the one before it has its links read, its
	// records checked and is handed to fn: the reading takes about as
	// long as the rest.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		page Page
		err  error
	}
	pages := make(chan result, 1)
	// In a transaction both stages would run their queries on its one
	// connection, which takes one at a time: they take turns.
	var turn chan struct{}
	if _, ok := store.Joined(ctx); ok {
		turn = make(chan struct{}, 1)
	}
	go func() {
		defer close(pages)
		for {
			page, err := e.exportPage(ctx, a, s, q, read)
			select {
			case pages <- result{page, err}:
			case <-ctx.Done():
				return
			}
			if err != nil || page.NextCursor == "" {
				return
			}
			if turn != nil {
				select {
				case <-turn:
				case <-ctx.Done():
					return
				}
			}
			q.Cursor = page.NextCursor
		}
	}()
	targets := &linkTargets{e: e, ws: a.WorkspaceID, s: s, seen: map[string]map[int64]bool{}}
	for r := range pages {
		if r.err != nil {
			return r.err
		}
		if err := e.linksOf(ctx, e.db.Read(ctx), a.WorkspaceID, s, r.page.Data, links, targets); err != nil {
			return err
		}
		// The list keeps what the role may read; the role may export
		// less (its own records of those it reads, say).
		kept := r.page.Data[:0]
		for _, rec := range r.page.Data {
			err := e.policy.Authorize(ctx, a, obj.Grant(), access.Export, rec)
			if fault.Is(err, fault.EFORBIDDEN) {
				continue
			}
			if err != nil {
				return err
			}
			kept = append(kept, rec)
		}
		if turn != nil {
			turn <- struct{}{}
		}
		if len(kept) > 0 {
			if err := fn(kept); err != nil {
				return err
			}
		}
	}
	return nil
}

// exportPage reads the page of an export that q's cursor starts.
func (e *Engine) exportPage(ctx context.Context, a access.Actor, s *schema, q Query, read *reading) (Page, error) {
	p, err := e.plan(ctx, a, s, q)
	if err != nil || p == nil {
		return Page{}, err
	}
	p.read = read
	page, _, err := p.run(ctx, s, q)
	return page, err
}

// exportReading is what an export of fields reads of each record in the
// actor's view s: the columns of the fields named (and the owner's, for
// the export scope), the custom fields when one is named, and the fields
// linking to many records that are named. A nil reading reads every
// column.
func exportReading(s *schema, fields []string) (*reading, []*Field, error) {
	var links []*Field
	if fields == nil {
		for _, f := range s.fields {
			if f.link != nil {
				links = append(links, f)
			}
		}
		return nil, links, nil
	}
	r, every := &reading{}, false
	if owner := s.field("owner_id"); owner != nil && owner.column != "" {
		r.fields = append(r.fields, owner)
	}
	for _, name := range fields {
		f := s.field(name)
		switch {
		case f == nil:
			return nil, nil, fault.Field("columns", "unknown", "%s is not a field of %s", name, s.obj.Plural)
		case f.link != nil:
			links = append(links, f)
		case f.Custom:
			r.custom = true
		case f.column != "" && f.part == nil:
			if !slices.Contains(r.fields, f) {
				r.fields = append(r.fields, f)
			}
		default:
			// A field read some other way (a part of a column): read
			// every column, as a list does.
			every = true
		}
	}
	if every {
		return nil, links, nil
	}
	return r, links, nil
}

// linkTargets decides, for an export's links read from their tables
// alone, which linked records the actor sees: those not deleted and
// within the actor's scope. Each linked record is looked up once per
// export, when a link to it first comes up, rather than once per link: a
// million contacts link to a hundred thousand companies, and joining each
// of their links to its company took SQLite longer than reading them.
// A record deleted or moved out of scope during the export may so still
// show in the pages after, as it would in a list whose pages were read
// before the change.
type linkTargets struct {
	e    *Engine
	ws   int64
	s    *schema
	seen map[string]map[int64]bool // by field, whether the actor sees each record looked up
}

// lookupChunk is how many records one look-up of linked records names.
const lookupChunk = 500

// keep returns the links of f, to records of target, that the actor
// sees, looking up the records not seen before.
func (t *linkTargets) keep(ctx context.Context, q store.Querier, f *Field, target *Object, links []linkRow) ([]linkRow, error) {
	seen := t.seen[f.Name]
	if seen == nil {
		seen = map[int64]bool{}
		t.seen[f.Name] = seen
	}
	var unknown []int64
	for _, l := range links {
		if _, ok := seen[l.other]; !ok {
			seen[l.other] = false
			unknown = append(unknown, l.other)
		}
	}
	for len(unknown) > 0 {
		chunk := unknown[:min(len(unknown), lookupChunk)]
		unknown = unknown[len(chunk):]
		if err := t.lookUp(ctx, q, target, chunk, seen); err != nil {
			return nil, err
		}
	}
	kept := links[:0]
	for _, l := range links {
		if seen[l.other] {
			kept = append(kept, l)
		}
	}
	return kept, nil
}

// lookUp marks those of ids that are live records of target within the
// actor's scope (and any other such record between them, when ids are
// read as a range).
func (t *linkTargets) lookUp(ctx context.Context, q store.Querier, target *Object, ids []int64, seen map[int64]bool) error {
	b := &sqlb{d: t.e.db.Dialect}
	b.arg(t.ws)
	live, err := store.Column[int64](ctx, q, `SELECT t.id FROM `+target.Table()+` t WHERE t.workspace_id = ?`+target.only("t")+
		` AND t.deleted_at IS NULL AND `+idsOf(b, "t.id", ids)+t.e.linkScopeSQL(b, t.s, target), b.args...)
	if err != nil {
		return err
	}
	for _, id := range live {
		seen[id] = true
	}
	return nil
}

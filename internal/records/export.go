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

// Export reads every record of object that q matches and that the actor
// may both read and export, in q's order, a page at a time, and calls fn
// with each page; fn may keep the page. It is List for a whole list: the
// same filter, sort, scope and field rules (a field the role hides is
// unknown here and never read), with larger pages and without a count.
//
// fields names the fields fn needs, nil meaning every field the actor
// reads: only their columns are read and decoded, and a field linking to
// many records is read only when named. Each record also holds its id,
// version and times, and its owner when the actor may see it, which the
// check of the export scope reads.
func (e *Engine) Export(ctx context.Context, object string, q Query, fields []string, fn func([]Record) error) error {
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
	read, links, err := exportReading(s, fields)
	if err != nil {
		return err
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
	for r := range pages {
		if r.err != nil {
			return r.err
		}
		if err := e.loadLinksOf(ctx, e.db.Read(ctx), a.WorkspaceID, s, r.page.Data, links); err != nil {
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

package records

import (
	"context"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/store"
)

// How a list finds a page without reading what it does not show
// (docs/decisions/0010-list-speed.md):
//
//   - It asks the indexes of the conditions, cheapest first, for the ids
//     of the records that meet them, up to a limit (Options.DriveLimit).
//     When one answers with fewer, those records are read by id, tested
//     against every other condition and sorted: a bounded amount of work.
//   - Otherwise every condition matches many records, and the list walks
//     the index of its order from the cursor, testing each record, until
//     the page is full. So that a rare combination of common conditions
//     cannot make it read the whole table, the walk stops after
//     Options.Window records of the index; the page then holds what it
//     found, fewer than asked, and its cursor continues from there.
//
// A sort key that is NULL for some records splits a walk in two ranges,
// the NULLs (in id order) and the rest, so that each is one range of the
// index; the walk moves on to the second range in the same request.
// Lists of the small catalogues (pipelines, stages…) skip all this.

// order is the order a list is in: at most one field, then id.
type order struct {
	name     string     // the sort as the caller wrote it; cursors carry it
	field    *Field     // nil for id order
	side     *sideField // set when the field's values are in field_values
	index    string     // the B-tree of the order on live records
	desc     bool
	nullable bool
	// nulls marks the range of records whose key is NULL, which is in id
	// order; its ORDER BY still names the key first (see orderBy).
	nulls bool
}

func (o order) keyed() bool { return o.field != nil }

// nonNull is o restricted to the range of records whose key is not
// NULL, where plain comparisons with the key are exact.
func (o order) nonNull() order {
	o.nullable = false
	return o
}

// byID is o restricted to the range of records whose key is NULL, which
// is in id order.
func (o order) byID() order {
	o.field, o.side, o.nulls = nil, nil, true
	return o
}

// sortOrder resolves the sort a list asks for: at most one field, then,
// if named, id in the same direction.
func (e *Engine) sortOrder(s *schema, q Query) (order, error) {
	o := order{name: strings.Join(q.Sort, ",")}
	for i, n := range q.Sort {
		where := "sort[" + strconv.Itoa(i) + "]"
		desc := strings.HasPrefix(n, "-")
		name := strings.TrimPrefix(n, "-")
		switch {
		case name == "id" && i == len(q.Sort)-1:
			if i > 0 && desc != o.desc {
				return o, fault.Field(where, "sort", "ties are in id order in the direction of the sort; give id the same direction or leave it out")
			}
			o.desc = desc
			return e.sortable(s, q, o)
		case name == "id":
			return o, fault.Field(where, "sort", "nothing sorts after id, which is unique")
		case i > 0:
			return o, fault.Field(where, "too_many", "sort by one field at a time (ties are in id order): a second key would make a large list sort whole groups of records")
		}
		f, err := e.sortField(s, q.Deleted, name)
		if err != nil {
			return o, fault.Field(where, "sortable", "%s", err.Error())
		}
		o.field, o.desc = f, desc
		o.nullable = !f.Required && systemColumns[f.Name] == nil
	}
	return e.sortable(s, q, o)
}

// sortField resolves the field a list is sorted by.
func (e *Engine) sortField(s *schema, deleted, name string) (*Field, error) {
	obj := s.obj
	if name == "deleted_at" {
		if deleted != "only" {
			return nil, fault.Errorf(fault.EINVALID, "deleted_at sorts the trash: add deleted=only")
		}
		return systemColumns["deleted_at"], nil
	}
	// A field hidden from the actor sorts no more than one that does not
	// exist.
	base, _, _ := strings.Cut(name, ".")
	f := obj.sortField(name)
	if f != nil && systemColumns[name] == nil && s.field(base) == nil {
		f = nil
	}
	if f == nil {
		if f = s.field(name); f != nil && !f.Custom {
			f = nil
		}
	}
	if f == nil && s.field(base) != nil && s.field(base).Custom {
		if p, err := partOf(s.field(base), strings.TrimPrefix(name, base+".")); err == nil && p.Sortable {
			f = p
		}
	}
	switch {
	case f == nil && s.field(base) == nil:
		return nil, fault.Errorf(fault.EINVALID, "%q is not a field of %s", name, obj.Plural)
	case f == nil || !f.Sortable:
		return nil, fault.Errorf(fault.EINVALID, "records cannot be sorted by %s; GET /api/v1/fields/%s says which fields sort", name, obj.Plural)
	case f.Custom && !obj.small:
		sf, ok := s.sideField(f.Name)
		if !ok || !s.ready[sf.name] {
			return nil, fault.Errorf(fault.EINVALID, "%s is still being indexed for sorting; try again shortly (GET /api/v1/fields/%s says when it sorts)", name, obj.Plural)
		}
	}
	return f, nil
}

// sortable checks the order against the list's trash mode and picks the
// index that walks it.
func (e *Engine) sortable(s *schema, q Query, o order) (order, error) {
	obj := s.obj
	switch {
	case q.Deleted == "only" && o.keyed() && o.field.Name != "deleted_at":
		return o, fault.Field("sort[0]", "sortable", "the trash sorts by deleted_at or id")
	case q.Deleted == "include" && o.keyed():
		return o, fault.Field("sort[0]", "sortable", "a list that includes the trash sorts by id only")
	case obj.small:
	case !o.keyed() && q.Deleted == "":
		o.index = obj.indexName("id")
	case !o.keyed():
	case o.field.Name == "deleted_at":
		o.index = obj.trashName()
	case o.field.Custom:
		sf, _ := s.sideField(o.field.Name)
		o.side = &sf
	default:
		o.index = obj.indexName(o.field.Name)
	}
	return o, nil
}

// plan is one list request, compiled.
type plan struct {
	e      *Engine
	c      *compiler
	obj    *Object
	ws     int64
	base   clause // the workspace, the kind, live or deleted
	live   bool
	terms  []term
	order  order
	limit  int
	cursor *position
	// versions reads each record's id and version alone (Query.Versions).
	versions bool
	// read, when set, is what each record's read takes instead of every
	// column (an export of a few columns).
	read *reading
}

// reading is what the page queries read of each record.
func (p *plan) reading() reading {
	if p.read != nil {
		return *p.read
	}
	return everyColumn(p.obj)
}

// keySQL is the SQL of the sort key when the records are read from t,
// and id the SQL of the id.
func (p *plan) keySQL() (key, id string) {
	switch {
	case !p.order.keyed():
		return "", "t.id"
	case p.order.side != nil && p.order.side.numeric:
		return "sv.num", "t.id"
	case p.order.side != nil:
		return "sv.text", "t.id"
	case p.obj.small && p.order.field.Custom:
		return (&compiler{e: p.e, obj: p.obj}).rowExpr(p.order.field), "t.id"
	}
	return keyExpr(p.e.db.Dialect, p.order.field, "t"), "t.id"
}

// tests is every term's test, joined.
func (p *plan) tests() clause {
	var out clause
	for _, t := range p.terms {
		out = out.and(t.test)
	}
	return out
}

// sifted is every term's test, with the sifts of the terms that have one
// (and that the walk's own index does not apply already) asked first:
// SQLite answers them from indexes, and reads a record only when they
// all hold, which CASE makes sure of (as separate conditions, it may read
// the record first).
func (p *plan) sifted() clause {
	var keyTests, sifts, rowTests clause
	for _, t := range p.terms {
		switch {
		case p.walksWith(t):
			keyTests = keyTests.and(t.test)
		case t.sift.sql != "" && p.live:
			sift := t.sift
			if p.order.side != nil {
				// A walk of field_values sifts its rows before it joins the
				// record they belong to.
				sift.sql = strings.NewReplacer("t.workspace_id", "sv.workspace_id", "t.id", "sv.record_id").Replace(sift.sql)
			}
			sifts = sifts.and(sift)
			rowTests = rowTests.and(t.test)
		default:
			rowTests = rowTests.and(t.test)
		}
	}
	if sifts.sql == "" {
		return keyTests.and(rowTests)
	}
	if p.order.side != nil {
		// Apart from the rest, the sifts are asked of each row of
		// field_values, before the record it belongs to is joined.
		return joinAnd(keyTests, sifts, rowTests)
	}
	if rowTests.sql == "" {
		rowTests = clause{sql: "1"}
	}
	return keyTests.and(clause{sql: "CASE WHEN " + sifts.sql + " THEN " + rowTests.sql + " ELSE 0 END",
		args: append(append([]any{}, sifts.args...), rowTests.args...)})
}

// selectList is what a page query selects: the record, its sort key and
// its id.
func (p *plan) selectList(key, id string) string {
	cols := p.recordColumns()
	if key == "" {
		key = "NULL"
	}
	return cols + ", " + key + ", " + id
}

// recordColumns is what a page query reads of each record (table t):
// every column, or the id and version alone.
func (p *plan) recordColumns() string {
	if p.versions {
		return "t.id, t.version"
	}
	return prefixed(p.e.columnsOf(p.reading()))
}

// orderBy is the ORDER BY of a page query.
func (p *plan) orderBy(key, id string, o order) string {
	d := p.e.db.Dialect
	// In the range of NULLs the key changes nothing in the order, but on
	// PostgreSQL naming it tells the planner that the key's index gives
	// that order. Without it the planner may walk another index in id
	// order and test every row, as it does for field_values, whose
	// statistics count the NULLs of every field together (a second to
	// find none). SQLite, told the index, walks it in id order as it is;
	// named there, a folded key made it sort the range instead (2 s).
	s := ""
	if o.keyed() || o.nulls && key != "" && d == store.Postgres {
		s = key + d.Order(o.desc) + ", "
	}
	// Ids are never NULL, and the indexes that end in them are plain.
	if o.desc {
		return s + id + " DESC"
	}
	return s + id + " ASC"
}

// rows runs a page query and reads its records and their positions.
func (p *plan) rows(ctx context.Context, s *schema, c clause, max int) ([]Record, []position, error) {
	rows, err := p.e.db.Read(ctx).QueryContext(ctx, c.sql+" LIMIT "+strconv.Itoa(max), c.args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var recs []Record
	var pos []position
	var key any
	var id int64
	rr := p.e.rowReader(s, p.reading(), &key, &id)
	for rows.Next() {
		var rec Record
		if p.versions {
			var recID, version int64
			err = rows.Scan(&recID, &version, &key, &id)
			rec = Record{"id": formatID(recID), "version": version}
		} else {
			rec, err = rr.scan(rows)
		}
		if err != nil {
			return nil, nil, err
		}
		recs = append(recs, rec)
		ps := scanPosition(key, id)
		if p.order.side != nil && p.order.side.numeric {
			ps = numericKey(ps)
		}
		pos = append(pos, ps)
	}
	return recs, pos, rows.Err()
}

// probe asks the index of t for the ids of matching records, up to the
// drive limit; it returns nil when there are more.
func (p *plan) probe(ctx context.Context, t *term) ([]int64, error) {
	if t.ids != nil {
		return t.ids, nil
	}
	var c clause
	switch {
	case t.index != "" && p.live:
		c = clause{sql: "SELECT t.id FROM " + p.obj.Table() + " t" + p.e.db.Dialect.IndexedBy(t.index) + " WHERE "}
		c = c.and(p.base).and(t.cond)
		c.sql = strings.Replace(c.sql, "WHERE  AND ", "WHERE ", 1)
	case t.side != nil:
		c = *t.side
	default:
		return nil, nil
	}
	if d := p.e.db.Dialect; d == store.Postgres && t.probeKey != "" {
		c.sql += " ORDER BY " + t.probeKey + d.Order(false)
	}
	rows, err := p.e.db.Read(ctx).QueryContext(ctx, c.sql+" LIMIT "+strconv.Itoa(p.e.driveLimit+1), c.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := []int64{}
	seen := map[int64]bool{}
	n := 0
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		if n++; !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if n > p.e.driveLimit {
		return nil, nil
	}
	return ids, nil
}

// driver finds the smallest set of ids an index gives for the terms, or
// nil when every index answers with more than the drive limit.
func (p *plan) driver(ctx context.Context) ([]int64, error) {
	cands := make([]*term, 0, len(p.terms))
	for i := range p.terms {
		// A condition the walk's index applies is no better read by id:
		// the walk reads exactly its records, in order.
		if t := &p.terms[i]; t.drivable() && !p.walksWith(*t) {
			cands = append(cands, t)
		}
	}
	// Equalities first: they are the likeliest to be rare.
	for rank := 0; rank <= 3; rank++ {
		for _, t := range cands {
			if t.rank != rank {
				continue
			}
			ids, err := p.probe(ctx, t)
			if err != nil || ids != nil {
				return ids, err
			}
		}
	}
	return nil, nil
}

// setLimit is the most ids a walk on SQLite gathers for a sift of a range
// (widen): up to it, gathering them costs less than reading the records a
// walk would pass over to find the range's few.
const setLimit = 20000

// widen gives a sift to a range that the walk cannot sift by one point of
// its index: when the range holds at most setLimit records, the walk
// tests its records against their ids, which SQLite gathers once (with a
// Bloom filter), instead of reading each record it passes over.
func (p *plan) widen(ctx context.Context) error {
	if !p.live || p.e.db.Dialect != store.SQLite {
		return nil
	}
	for i := range p.terms {
		t := &p.terms[i]
		if t.sift.sql != "" || t.set.sql == "" || p.walksWith(*t) {
			continue
		}
		var n int
		err := p.e.db.Read(ctx).QueryRowContext(ctx, "SELECT count(*) FROM ("+t.set.sql+" LIMIT "+strconv.Itoa(setLimit+1)+")",
			t.set.args...).Scan(&n)
		if err != nil {
			return err
		}
		if n <= setLimit {
			t.sift = clause{sql: "t.id IN (" + t.set.sql + ")", args: t.set.args}
			return nil // one set is enough to sift most records away
		}
	}
	return nil
}

// drive reads the records with the given ids that meet every term, in
// order.
func (p *plan) drive(ctx context.Context, s *schema, ids []int64) (Page, error) {
	d := p.e.db.Dialect
	key, id := p.keySQL()
	from := p.obj.Table() + " t"
	if d == store.SQLite {
		from += " NOT INDEXED" // by rowid, never by walking an index
	}
	var join clause
	if p.order.side != nil {
		join = clause{sql: " LEFT JOIN field_values sv ON sv.workspace_id = t.workspace_id AND sv.object = ? AND sv.field = ? AND sv.record_id = t.id",
			args: []any{p.obj.Name, p.order.side.name}}
	}
	// The records are tested and sorted by their ids and sort keys alone,
	// and only the page's are read whole.
	where := joinAnd(p.base, clause{sql: d.IDsIn("t.id"), args: []any{d.IDs(ids)}}, p.tests(), after(p.order, key, id, p.cursor))
	inner := "SELECT t.id FROM " + from + join.sql + " WHERE " + where.sql + " ORDER BY " + p.orderBy(key, id, p.order) +
		" LIMIT " + strconv.Itoa(p.limit+1)
	q := clause{sql: "SELECT " + p.selectList(key, id) + " FROM " + from + join.sql + " WHERE t.workspace_id = ? AND t.id IN (" + inner +
		") ORDER BY " + p.orderBy(key, id, p.order), args: append(append(append(append([]any{}, join.args...), p.ws), join.args...), where.args...)}
	recs, pos, err := p.rows(ctx, s, q, p.limit+1)
	if err != nil {
		return Page{}, err
	}
	return p.page(s, recs, pos, nil), nil
}

// page makes a page of up to limit records; more says where the next
// page starts when the records ran out before the list did.
func (p *plan) page(s *schema, recs []Record, pos []position, more *position) Page {
	page := Page{Data: []Record{}}
	for i, r := range recs {
		if i == p.limit {
			more = &pos[p.limit-1]
			break
		}
		page.Data = append(page.Data, s.redact(r))
	}
	if more != nil {
		page.NextCursor = encodeCursor(p.order.name, *more, p.order.keyed())
	}
	return page
}

// segment is one range of a walk: the records whose key is NULL, or the
// others (or all of them, in id order or when the key is never NULL).
type segment struct {
	nulls bool
	order order // the order within the segment
}

// segments returns the ranges of the walk in order, starting with the
// one the cursor is in.
func (p *plan) segments() []segment {
	o := p.order
	if !o.keyed() || !o.nullable {
		return []segment{{order: o}}
	}
	nulls, rest := segment{nulls: true, order: o.byID()}, segment{order: o.nonNull()}
	all := []segment{nulls, rest}
	if o.desc {
		all = []segment{rest, nulls}
	}
	if p.cursor != nil && (p.cursor.key == nil) != all[0].nulls {
		return all[1:]
	}
	return all
}

// walkFrom is the FROM of a walk and the conditions that tie its tables:
// the table through its order's index, or the order's field_values rows
// joined to the table. bareFrom and bareTie are the index walked alone,
// where the window's end is found.
func (p *plan) walkFrom() (from string, tie clause, bareFrom string, bareTie clause) {
	d := p.e.db.Dialect
	if sf := p.order.side; sf != nil {
		idx := "field_values_text"
		if sf.numeric {
			idx = "field_values_num"
		}
		bareFrom = "field_values sv" + d.IndexedBy(idx)
		bareTie = clause{sql: "sv.workspace_id = ? AND sv.object = ? AND sv.field = ? AND sv.n = " + strconv.Itoa(boolInt(sf.numeric)),
			args: []any{p.ws, p.obj.Name, sf.name}}
		return bareFrom + " CROSS JOIN " + p.obj.Table() + " t", bareTie.and(clause{sql: "t.workspace_id = sv.workspace_id AND t.id = sv.record_id"}),
			bareFrom, bareTie
	}
	from = p.obj.Table() + " t" + d.IndexedBy(p.order.index)
	return from, clause{}, from, clause{}
}

// walkKey is the SQL of the key and id in a walk: a walk over
// field_values orders by its columns, so that its index gives the order.
func (p *plan) walkKey() (key, id string) {
	key, id = p.keySQL()
	if p.order.side != nil {
		id = "sv.record_id"
	}
	return key, id
}

// keyTerms are the conditions on the field the list is sorted by: they
// narrow the walk of that field's index.
func (p *plan) keyTerms() clause {
	var out clause
	for _, t := range p.terms {
		switch {
		case !p.walksWith(t):
		case p.order.side != nil:
			out = out.and(t.walk)
		default:
			out = out.and(t.cond)
		}
	}
	return out
}

// walksWith reports whether the index the list walks applies t: a
// condition on its key, or on the leading field of a composite, or on the
// field_values entries walked.
func (p *plan) walksWith(t term) bool {
	if p.order.side != nil {
		return t.walkField != "" && t.walkField == p.order.side.name
	}
	return t.index != "" && t.index == p.order.index
}

// onlyKeyTerms reports whether the walk's index applies every term, so
// that the walk reads no record it does not show (but for the exact value
// of a folded equality, tested as it goes).
func (p *plan) onlyKeyTerms() bool {
	for _, t := range p.terms {
		if !p.walksWith(t) {
			return false
		}
	}
	return true
}

// walk reads the page by walking the order's index from the cursor.
func (p *plan) walk(ctx context.Context, s *schema) (Page, error) {
	from, tie, bareFrom, bareTie := p.walkFrom()
	key, id := p.walkKey()
	bounded := !p.onlyKeyTerms()
	var recs []Record
	var pos []position
	start := p.cursor
	for _, seg := range p.segments() {
		if start != nil && (start.key == nil) != seg.nulls && p.order.keyed() {
			start = nil // a cursor in the other range starts this one at its beginning
		}
		segCond := clause{}
		switch {
		case seg.nulls:
			segCond = clause{sql: key + " IS NULL"}
		case !p.order.keyed() || !p.order.nullable:
		case start != nil && !p.order.desc:
			// The cursor's value is where the range starts; a second lower
			// bound could make the database start at the other one.
		default:
			segCond = clause{sql: p.e.db.Dialect.NotNull(key, p.order.field.folded || p.order.side != nil && !p.order.side.numeric)}
		}
		o := seg.order
		sp := span{from: from, frame: joinAnd(tie, p.base, segCond, p.keyTerms(), after(o, key, id, start)), bareFrom: bareFrom}
		if p.order.side != nil {
			// The window counts rows of field_values, deleted records'
			// included, without joining them to their records.
			sp.bareFrame = joinAnd(bareTie, segCond, p.keyTerms(), after(o, key, id, start))
		} else {
			sp.bareFrame = sp.frame
		}
		got, gotPos, bound, err := p.walkRange(ctx, s, sp, key, id, o, bounded, p.limit+1-len(recs))
		if err != nil {
			return Page{}, err
		}
		if seg.nulls {
			for i := range gotPos {
				gotPos[i].key = nil
			}
			if bound != nil {
				bound.key = nil
			}
		}
		recs, pos = append(recs, got...), append(pos, gotPos...)
		if len(recs) > p.limit {
			return p.page(s, recs, pos, nil), nil
		}
		if bound != nil {
			// The window ended inside this range: the page is what it
			// found, and the next one starts after the window.
			return p.page(s, recs, pos, bound), nil
		}
		start = nil
	}
	return p.page(s, recs, pos, nil), nil
}

// span is one range of a walk: what is read, and the index alone.
type span struct {
	from, bareFrom   string
	frame, bareFrame clause
}

// walkRange reads up to max records of one range of a walk. A bounded
// walk reads at most Window entries of the index; it returns the position
// of the last of them when the window ended before the range and the page
// was not filled. SQLite first finds where the window ends, reading the
// index alone, and walks up to there, reading only the records that pass;
// PostgreSQL, whose expression indexes it cannot read alone, limits the
// walk in a subquery instead and finds the window's end only for a short
// page.
func (p *plan) walkRange(ctx context.Context, s *schema, sp span, key, id string, o order, bounded bool,
	max int) ([]Record, []position, *position, error) {
	from, frame := sp.from, sp.frame
	if !bounded {
		// The index narrows the walk to the key's range; a folded
		// equality still tests the exact value.
		where := frame.and(p.tests())
		recs, pos, err := p.rows(ctx, s, clause{sql: "SELECT " + p.selectList(key, id) + " FROM " + from + " WHERE " + where.sql +
			" ORDER BY " + p.orderBy(key, id, o), args: where.args}, max)
		return recs, pos, nil, err
	}
	if p.e.db.Dialect == store.Postgres {
		recs, pos, err := p.rows(ctx, s, p.window(from, frame, key, id, o), max)
		if err != nil || len(recs) == max {
			return recs, pos, nil, err
		}
		bound, err := p.bound(ctx, sp.bareFrom, sp.bareFrame, key, id, o)
		return recs, pos, bound, err
	}
	bound, err := p.bound(ctx, sp.bareFrom, sp.bareFrame, key, id, o)
	if err != nil {
		return nil, nil, nil, err
	}
	where := joinAnd(frame, upTo(o, key, id, bound), p.sifted())
	recs, pos, err := p.rows(ctx, s, clause{sql: "SELECT " + p.selectList(key, id) + " FROM " + from + " WHERE " + where.sql +
		" ORDER BY " + p.orderBy(key, id, o), args: where.args}, max)
	if err != nil || len(recs) == max {
		return recs, pos, nil, err
	}
	return recs, pos, bound, nil
}

// window is a walk that reads at most Window entries of the index from
// the start of frame and keeps those that pass every test, stopping as
// soon as the page is full.
func (p *plan) window(from string, frame clause, key, id string, o order) clause {
	inner := "SELECT t.*, " + key + " AS k__, " + id + " AS i__ FROM " + from + " WHERE " + frame.sql +
		" ORDER BY " + p.orderBy(key, id, o) + " LIMIT " + strconv.Itoa(p.e.window)
	if key == "" {
		inner = "SELECT t.*, NULL AS k__, " + id + " AS i__ FROM " + from + " WHERE " + frame.sql +
			" ORDER BY " + p.orderBy(key, id, o) + " LIMIT " + strconv.Itoa(p.e.window)
	}
	tests := p.tests()
	where := ""
	if tests.sql != "" {
		where = " WHERE " + tests.sql
	}
	outerKey := "t.k__"
	if key == "" {
		outerKey = ""
	}
	return clause{sql: "SELECT " + p.recordColumns() + ", t.k__, t.i__ FROM (" + inner + ") t" + where +
		" ORDER BY " + p.orderBy(outerKey, "t.i__", o), args: append(append([]any{}, frame.args...), tests.args...)}
}

// bound returns the position Window entries of the index after the start
// of frame, or nil when fewer remain.
func (p *plan) bound(ctx context.Context, from string, frame clause, key, id string, o order) (*position, error) {
	sel := key
	if sel == "" {
		sel = "NULL"
	}
	q := "SELECT " + sel + ", " + id + " FROM " + from + " WHERE " + frame.sql + " ORDER BY " + p.orderBy(key, id, o) +
		" LIMIT 1 OFFSET " + strconv.Itoa(p.e.window-1)
	var k any
	var n int64
	err := p.e.db.Read(ctx).QueryRowContext(ctx, q, frame.args...).Scan(&k, &n)
	if err != nil {
		if isNoRows(err) {
			return nil, nil
		}
		return nil, err
	}
	pos := scanPosition(k, n)
	if p.order.side != nil && p.order.side.numeric {
		pos = numericKey(pos)
	}
	return &pos, nil
}

// count counts the records that meet every term, up to limit+1 of them
// when limit is set.
func (p *plan) count(ctx context.Context, ids []int64, limit int) (int64, error) {
	d := p.e.db.Dialect
	from := p.obj.Table() + " t"
	where := joinAnd(p.base, p.tests())
	switch {
	case ids != nil:
		if d == store.SQLite {
			from += " NOT INDEXED"
		}
		where = joinAnd(p.base, clause{sql: d.IDsIn("t.id"), args: []any{d.IDs(ids)}}, p.tests())
	case len(p.terms) == 0 && p.live && !p.obj.small:
		from += d.IndexedBy(p.obj.indexName("id"))
	}
	query := "SELECT count(*) FROM " + from + " WHERE " + where.sql
	if limit > 0 {
		query = "SELECT count(*) FROM (SELECT 1 FROM " + from + " WHERE " + where.sql + " LIMIT " + strconv.Itoa(limit+1) + ") capped"
	}
	var n int64
	err := p.e.db.Read(ctx).QueryRowContext(ctx, query, where.args...).Scan(&n)
	return n, err
}

// simple reads a page of a small catalogue, or of the trash, with one
// query the database plans as it likes.
func (p *plan) simple(ctx context.Context, s *schema) (Page, error) {
	key, id := p.keySQL()
	from := p.obj.Table() + " t"
	var join clause
	if p.order.side != nil {
		join = clause{sql: " LEFT JOIN field_values sv ON sv.workspace_id = t.workspace_id AND sv.object = ? AND sv.field = ? AND sv.record_id = t.id",
			args: []any{p.obj.Name, p.order.side.name}}
	}
	where := joinAnd(p.base, p.tests(), after(p.order, key, id, p.cursor))
	q := clause{sql: "SELECT " + p.selectList(key, id) + " FROM " + from + join.sql + " WHERE " + where.sql +
		" ORDER BY " + p.orderBy(key, id, p.order), args: append(join.args, where.args...)}
	recs, pos, err := p.rows(ctx, s, q, p.limit+1)
	if err != nil {
		return Page{}, err
	}
	return p.page(s, recs, pos, nil), nil
}

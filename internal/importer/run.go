package importer

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/assign"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/tabular"
	"github.com/rapport-crm/rapport/internal/tabular/cell"
)

// item is a record an import created or updated, as the log keeps it for
// an undo: the version the import left it at and, for an update, the
// values it replaced.
type item struct {
	object  string
	id      int64
	action  string
	version int64
	before  map[string]any
}

// run is one import in progress, inside its transaction.
type run struct {
	im      *Importer
	plan    *plan
	opts    Options
	actor   access.Actor
	sum     *Summary
	obj     *records.Object
	started time.Time
	id      int64
	logged  int64 // the log's row when Start made it before the run
	q       store.Querier
	region  string

	deferred     *records.Deferred
	items        map[int64]*item // records of obj
	companyItems map[int64]*item // companies made for contacts
	order        []*item         // every item, in the order made
	keys         map[matchKey]int64
	externals    map[string]int64              // external id to record, known before or added
	newExternals [][2]any                      // external id, record id: not yet written
	companies    map[string]int64              // folded name to id
	users        map[string]int64              // folded e-mail and name to id
	named        map[string]map[string][]int64 // pipelines, stages and loss reasons: folded name to ids
	stagePipe    map[int64]int64               // stage to its pipeline
	contactsBy   map[string]int64              // folded e-mail to contact, for a deal's contacts
	currency     string                        // the workspace's base currency
	acts         *activityLinks                // an activities file's lookups and its row's kind
	zone         *time.Location                // of times of day without one: the importing user's

	queue   []*waiting      // rows not reported yet, in the file's order
	creates int             // how many of them wait to be created
	queued  map[string]bool // what a later row could match them by
	rebuild []string        // indexes dropped for the load, to build again
	// count, when set, counts the file's rows once for all who ask: a
	// background import's progress and dropIndexes.
	count func() int64
}

// reset empties what a retried transaction must read again.
func (r *run) reset(q store.Querier) {
	r.q = q
	r.items, r.companyItems, r.order = map[int64]*item{}, map[int64]*item{}, nil
	r.keys, r.externals, r.newExternals = map[matchKey]int64{}, map[string]int64{}, nil
	r.companies, r.users = map[string]int64{}, map[string]int64{}
	r.named, r.stagePipe, r.contactsBy = map[string]map[string][]int64{}, map[int64]int64{}, map[string]int64{}
	r.queue, r.creates, r.queued, r.rebuild = nil, 0, map[string]bool{}, nil
	s := r.sum
	s.Rows, s.Created, s.Updated, s.Skipped, s.Failed, s.Problems = 0, 0, 0, 0, 0, nil
}

func fold(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// load reads, once for the whole file, what rows are matched and linked
// against: the match keys of the existing records, the companies by name,
// the users, and the external ids.
func (r *run) load(ctx context.Context) error {
	ws := r.actor.WorkspaceID
	r.region = r.im.e.PhoneRegion(ctx, ws)
	table := r.obj.Table()
	switch r.plan.match {
	case "email", "phone":
		col := map[string]string{"email": "emails", "phone": "phones"}[r.plan.match]
		err := r.scan(ctx, `SELECT id, `+r.im.db.Dialect.JSONOut(col)+` FROM `+table+
			` WHERE workspace_id = ? AND deleted_at IS NULL AND `+col+` IS NOT NULL ORDER BY id DESC`, func(id int64, text string) {
			var list []records.Item
			if json.Unmarshal([]byte(text), &list) != nil {
				return
			}
			for _, it := range list {
				r.keys[hashKey(r.key(it.Value))] = id // the oldest record wins
			}
		}, ws)
		if err != nil {
			return err
		}
	}
	if r.mapped(ExternalID) {
		err := r.scan(ctx, `SELECT x.record_id, x.external_id FROM external_ids x JOIN `+table+` t ON t.workspace_id = x.workspace_id AND t.id = x.record_id
			WHERE x.workspace_id = ? AND x.object = ? AND t.deleted_at IS NULL`, func(id int64, ext string) {
			r.externals[ext] = id
		}, ws, r.obj.Name)
		if err != nil {
			return err
		}
		if r.plan.match == "external_id" {
			for ext, id := range r.externals {
				r.keys[hashKey(ext)] = id
			}
		}
	}
	if r.linksTo("company") {
		err := r.scan(ctx, `SELECT id, name FROM companies WHERE workspace_id = ? AND deleted_at IS NULL ORDER BY id DESC`, func(id int64, name string) {
			r.companies[fold(name)] = id
		}, ws)
		if err != nil {
			return err
		}
	}
	for _, target := range []string{"pipeline", "stage", "loss_reason"} {
		if !r.linksTo(target) && !(target == "pipeline" && r.linksTo("stage")) {
			continue
		}
		names := map[string][]int64{}
		r.named[target] = names
		table := r.im.e.Object(target).Table()
		err := r.scan(ctx, `SELECT id, name FROM `+table+` WHERE workspace_id = ? AND deleted_at IS NULL AND name IS NOT NULL ORDER BY id`,
			func(id int64, name string) { names[fold(name)] = append(names[fold(name)], id) }, ws)
		if err != nil {
			return err
		}
	}
	if r.linksTo("stage") {
		err := r.scan(ctx, `SELECT id, CAST(pipeline_id AS TEXT) FROM stages WHERE workspace_id = ? AND pipeline_id IS NOT NULL`, func(id int64, p string) {
			r.stagePipe[id], _ = strconv.ParseInt(p, 10, 64)
		}, ws)
		if err != nil {
			return err
		}
	}
	if r.linksTo("contact") {
		err := r.scan(ctx, `SELECT id, `+r.im.db.Dialect.JSONOut("emails")+` FROM contacts WHERE workspace_id = ? AND deleted_at IS NULL AND emails IS NOT NULL ORDER BY id DESC`,
			func(id int64, text string) {
				var list []records.Item
				json.Unmarshal([]byte(text), &list)
				for _, it := range list {
					r.contactsBy[fold(it.Value)] = id
				}
			}, ws)
		if err != nil {
			return err
		}
	}
	if err := r.loadObject(ctx); err != nil {
		return err
	}
	if r.mappedType(records.Money) {
		r.currency = "EUR"
		err := r.q.QueryRowContext(ctx, `SELECT base_currency FROM workspace_settings WHERE workspace_id = ?`, ws).Scan(&r.currency)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	if r.mappedType(records.User) {
		err := r.scan(ctx, `SELECT id, name FROM users WHERE workspace_id = ? ORDER BY id DESC`, func(id int64, name string) {
			if name != "" {
				r.users[fold(name)] = id
			}
		}, ws)
		if err != nil {
			return err
		}
		// An e-mail wins over a name that happens to be written alike.
		err = r.scan(ctx, `SELECT id, email FROM users WHERE workspace_id = ?`, func(id int64, email string) {
			r.users[fold(email)] = id
		}, ws)
		if err != nil {
			return err
		}
	}
	return nil
}

func (r *run) scan(ctx context.Context, query string, fn func(id int64, text string), args ...any) error {
	rows, err := r.q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var text string
		if err := rows.Scan(&id, &text); err != nil {
			return err
		}
		fn(id, text)
	}
	return rows.Err()
}

func (r *run) mapped(field string) bool {
	for _, c := range r.plan.cols {
		if c.field == field {
			return true
		}
	}
	return false
}

// linksTo reports whether a column links to records of target.
func (r *run) linksTo(target string) bool {
	for _, c := range r.plan.cols {
		if c.base != nil && (c.base.Type == records.Relation || c.base.Type == records.Relations) && c.base.Target == target {
			return true
		}
	}
	return false
}

func (r *run) mappedType(types ...records.Type) bool {
	for _, c := range r.plan.cols {
		for _, t := range types {
			if c.base != nil && c.base.Type == t {
				return true
			}
		}
	}
	return false
}

// key is the form a match value is compared in.
func (r *run) key(v string) string {
	switch r.plan.match {
	case "email", "sku":
		return fold(v)
	case "phone":
		n, _ := records.NormalizePhone(strings.TrimSpace(v), r.region)
		return n
	}
	return strings.TrimSpace(v)
}

// rows imports every row of rd.
func (r *run) rows(ctx context.Context, rd *tabular.Reader) error {
	for {
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return r.flush(ctx)
		}
		if err != nil {
			// The file ends badly (cut short, a line too long): the
			// import cannot know what it missed, so nothing commits.
			return fault.Field("file", "unreadable", "%s", err.Error())
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := r.row(ctx, row); err != nil {
			return err
		}
		if r.opts.Progress != nil && r.sum.Rows%100 == 0 {
			r.opts.Progress(r.sum.Rows, time.Since(r.started))
		}
	}
}

// row imports one row, or queues it to be created with others. Only a
// failure of the database returns an error; a problem of the row is
// counted and listed.
func (r *run) row(ctx context.Context, row tabular.Row) error {
	r.sum.Rows++
	in, ext, names, probs := r.values(row)
	if row.Err != nil {
		probs = append(probs, Problem{Row: row.Number, Reason: row.Err.Error()})
	}
	w := &waiting{res: RowResult{Row: row.Number}, probs: probs}
	if len(probs) == 0 {
		var err error
		if w, err = r.write(ctx, row.Number, in, ext, names); err != nil {
			return err
		}
	}
	return r.enqueue(ctx, w)
}

// report counts a row whose outcome is known and tells OnRow of it.
func (r *run) report(w *waiting) {
	res, probs := w.res, w.probs
	if len(probs) > 0 && res.Action == "" {
		res.Action, res.Reason = Failed, probs[0].Reason
	}
	switch res.Action {
	case Created:
		r.sum.Created++
	case Updated:
		r.sum.Updated++
	case Skipped:
		r.sum.Skipped++
	case Failed:
		r.sum.Failed++
	}
	r.sum.Problems = append(r.sum.Problems, probs...)
	if r.opts.OnRow != nil {
		r.opts.OnRow(res)
	}
}

// values turns a row into the engine's input, the external id and the
// names of companies to link, or the problems of its cells.
func (r *run) values(row tabular.Row) (map[string]any, string, map[string][]string, []Problem) {
	in := map[string]any{}
	var ext string
	names := map[string][]string{}
	var probs []Problem
	address := map[string]any{}
	type money struct {
		c                column
		amount, currency string
	}
	monies := map[string]*money{}
	for _, c := range r.plan.cols {
		if c.index >= len(row.Fields) {
			continue
		}
		s := strings.TrimSpace(row.Fields[c.index])
		if s == "" {
			continue
		}
		bad := func(err error) {
			probs = append(probs, Problem{Row: row.Number, Column: c.header, Value: s, Reason: cellReason(err)})
		}
		if c.field == ExternalID {
			ext = s
			continue
		}
		f := c.base
		if f.Type == records.Money {
			m := monies[f.Name]
			if m == nil {
				m = &money{c: c}
				monies[f.Name] = m
			}
			if c.part == "currency" {
				m.currency = s
			} else {
				m.amount, m.c = s, c
			}
			continue
		}
		if c.part != "" {
			if f.Type != records.Address {
				bad(fmt.Errorf("%s cannot be imported in parts", f.Name))
				continue
			}
			address[c.part] = s
			continue
		}
		switch f.Type {
		case records.Email:
			for _, v := range cell.Split(s) {
				addr, err := cell.Email(v)
				if err != nil {
					bad(err)
					continue
				}
				in[f.Name] = appendAny(in[f.Name], addr)
			}
		case records.Phone, records.URLs, records.Tags, records.MultiSelect:
			for _, v := range cell.Split(s) {
				in[f.Name] = appendAny(in[f.Name], v)
			}
		case records.Relation, records.Relations:
			names[f.Name] = append(names[f.Name], s)
		case records.User:
			id, ok := r.users[fold(s)]
			if !ok {
				bad(fmt.Errorf("no user has the e-mail or name %q", s))
				continue
			}
			in[f.Name] = strconv.FormatInt(id, 10)
		case records.Integer, records.Decimal:
			n, err := cell.Number(s, c.mark)
			if err != nil {
				bad(err)
				continue
			}
			in[f.Name] = json.Number(n)
		case records.Date:
			d, err := cell.Date(s, c.order)
			if err != nil {
				bad(err)
				continue
			}
			in[f.Name] = d
		case records.DateTime:
			d, err := cell.DateTime(s, c.order, r.timeZone())
			if err != nil {
				bad(err)
				continue
			}
			in[f.Name] = d
		case records.Boolean:
			b, ok := truth(s)
			if !ok {
				bad(fmt.Errorf("%q is neither yes nor no", s))
				continue
			}
			in[f.Name] = b
		case records.Select:
			in[f.Name] = option(f, s)
		default:
			in[f.Name] = s
		}
	}
	if len(address) > 0 {
		in["address"] = address
	}
	for name, m := range monies {
		if m.amount == "" {
			continue
		}
		currency := m.currency
		if currency == "" {
			currency = r.currency
		}
		v, err := cell.ParseMoney(m.amount, m.c.mark, currency)
		if err != nil {
			probs = append(probs, Problem{Row: row.Number, Column: m.c.header, Value: m.amount, Reason: cellReason(err)})
			continue
		}
		in[name] = map[string]any{"amount": json.Number(strconv.FormatInt(v.Amount, 10)), "currency": v.Currency}
	}
	if r.obj.Name == "contact" {
		splitName(in)
	}
	return in, ext, names, probs
}

func appendAny(list any, v string) any {
	l, _ := list.([]any)
	return append(l, v)
}

// splitName fills the first and last names from a full name when the
// file has only the latter, at the last space, as most Western and
// Cyrillic full names in exports read ("Ada Lovelace", "Иван Петров").
func splitName(in map[string]any) {
	full, ok := in["full_name"].(string)
	if !ok || in["first_name"] != nil || in["last_name"] != nil {
		return
	}
	if i := strings.LastIndexByte(full, ' '); i > 0 {
		in["first_name"], in["last_name"] = strings.TrimSpace(full[:i]), strings.TrimSpace(full[i+1:])
	} else {
		in["first_name"] = full
	}
}

// option finds the option a select's cell names, by its value or label
// in any case ("Referral" and "web form" for referral and web_form).
func option(f *records.Field, s string) string {
	k := strings.ReplaceAll(fold(s), " ", "_")
	for _, o := range f.Options {
		if o == k || fold(o) == fold(s) {
			return o
		}
	}
	return s
}

// truth reads a yes or no in the languages Rapport speaks, and a task's
// status as the exports of other CRMs write it (Completed, Not started).
func truth(s string) (bool, bool) {
	switch fold(s) {
	case "1", "true", "yes", "y", "x", "да", "tak", "taip", "da", "иә", "ja", "oui",
		"done", "completed", "closed", "выполнено", "выполнена", "завершено", "завершена":
		return true, true
	case "0", "false", "no", "n", "нет", "nie", "ne", "nu", "жоқ", "nein", "non",
		"not started", "open", "in progress", "waiting", "deferred", "не выполнена", "в работе":
		return false, true
	}
	return false, false
}

// write matches a row against the records and skips it, queues it to be
// created with others, or creates or updates it at once under a
// savepoint. It returns an error only when the database fails.
func (r *run) write(ctx context.Context, number int, in map[string]any, ext string, names map[string][]string) (*waiting, error) {
	if r.waitsOn(in, ext) {
		// The row matches one still queued: that one is written first.
		if err := r.flush(ctx); err != nil {
			return nil, err
		}
	}
	res := RowResult{Row: number}
	matched, how := r.match(in, ext)
	if matched != 0 && r.opts.OnDuplicate == Skip {
		res.Action, res.RecordID = Skipped, strconv.FormatInt(matched, 10)
		res.Reason = fmt.Sprintf("matches %s %d by %s", r.obj.Name, matched, how)
		return &waiting{res: res}, nil
	}
	if owner, ok := r.externals[ext]; ext != "" && ok && (matched == 0 && r.opts.OnDuplicate != Create || matched != 0 && owner != matched) {
		return &waiting{res: res, probs: []Problem{{Row: number, Column: r.plan.headersOf(ExternalID), Value: ext,
			Reason: fmt.Sprintf("the external id already belongs to %s %d", r.obj.Name, owner)}}}, nil
	}
	if r.opts.OnDuplicate == Create {
		matched = 0
	}
	if matched == 0 && r.batchable(names) {
		return r.queueCreate(ctx, number, in, ext, names)
	}
	// Queued rows are written before this one, in the order of the file.
	if err := r.flush(ctx); err != nil {
		return nil, err
	}
	res, probs, err := r.single(ctx, number, in, ext, names, matched, how)
	if err != nil {
		return nil, err
	}
	return &waiting{res: res, probs: probs}, nil
}

// savepoint names the savepoint each row written alone runs under, so
// that a row that fails half-way leaves nothing behind in the import's
// transaction.
const savepoint = "import_row"

// single writes one row through the engine under a savepoint.
func (r *run) single(ctx context.Context, number int, in map[string]any, ext string, names map[string][]string, matched int64, how string) (RowResult, []Problem, error) {
	res := RowResult{Row: number}
	if _, err := r.q.ExecContext(ctx, "SAVEPOINT "+savepoint); err != nil {
		return res, nil, err
	}
	pending := &pending{}
	res, warnings, err := r.apply(ctx, number, in, names, matched, how, pending)
	if err == nil {
		_, err = r.q.ExecContext(ctx, "RELEASE SAVEPOINT "+savepoint)
		if err == nil {
			err = r.commit(ctx, pending, in, ext, res)
		}
		return res, warnings, err
	}
	if !records.Refusal(err) {
		return res, nil, err
	}
	if err := r.rollbackTo(ctx, savepoint); err != nil {
		return res, nil, err
	}
	probs := r.problems(number, in, err)
	return RowResult{Row: number, Action: Failed, Reason: probs[0].Reason}, probs, nil
}

// rollbackTo undoes what was written since savepoint name and ends it.
func (r *run) rollbackTo(ctx context.Context, name string) error {
	if _, err := r.q.ExecContext(ctx, "ROLLBACK TO SAVEPOINT "+name); err != nil {
		return err
	}
	_, err := r.q.ExecContext(ctx, "RELEASE SAVEPOINT "+name)
	return err
}

// pending is what a row changes in the run's memory once its savepoint
// is released: a failed row must leave no trace there either.
type pending struct {
	companies map[string]int64
	items     []*item
}

// match finds the record a row matches, and says by what.
func (r *run) match(in map[string]any, ext string) (int64, string) {
	switch r.plan.match {
	case "external_id":
		if ext != "" {
			return r.keys[hashKey(ext)], "external id " + ext
		}
	case "sku":
		if sku, _ := in["sku"].(string); sku != "" {
			return r.keys[hashKey(r.key(sku))], "SKU " + sku
		}
	case "email", "phone":
		field := map[string]string{"email": "emails", "phone": "phones"}[r.plan.match]
		list, _ := in[field].([]any)
		for _, v := range list {
			if id := r.keys[hashKey(r.key(v.(string)))]; id != 0 {
				return id, r.plan.match + " " + v.(string)
			}
		}
	}
	return 0, ""
}

// apply writes one row through the engine and returns its warnings.
func (r *run) apply(ctx context.Context, number int, in map[string]any, names map[string][]string, matched int64, how string, p *pending) (RowResult, []Problem, error) {
	res := RowResult{Row: number}
	if err := r.link(ctx, in, names, p); err != nil {
		return res, nil, err
	}
	obj := r.rowObject() // an activity's kind, as link found it
	var rec records.Record
	var err error
	if matched == 0 {
		if r.obj.Name == "contact" && in["source"] == nil {
			in["source"] = "import"
		}
		cctx := ctx
		if _, named := in["owner_id"]; !named {
			cctx = assign.Unowned(ctx) // the assignment rules choose the owner
		}
		rec, err = r.im.e.Create(cctx, obj.Plural, in)
		if err != nil {
			return res, nil, err
		}
		id, _ := strconv.ParseInt(rec["id"].(string), 10, 64)
		p.items = append(p.items, &item{object: obj.Name, id: id, action: Created, version: rec["version"].(int64)})
		res.Action, res.RecordID = Created, rec["id"].(string)
		return res, r.warnings(number, in, rec), nil
	}
	sid := strconv.FormatInt(matched, 10)
	old, err := r.im.e.Get(ctx, obj.Plural, sid, false)
	if err != nil {
		return res, nil, err
	}
	merge(r.plan, in, old, r.region)
	rec, err = r.im.e.Update(ctx, obj.Plural, sid, old["version"].(int64), in)
	if err != nil {
		return res, nil, err
	}
	res.RecordID = sid
	if rec["version"].(int64) == old["version"].(int64) {
		res.Action, res.Reason = Skipped, fmt.Sprintf("matches %s %d by %s; nothing to change", r.obj.Name, matched, how)
		return res, nil, nil
	}
	before := map[string]any{}
	for _, f := range r.restorable(obj) {
		if changed(old[f.Name], rec[f.Name]) {
			before[f.Name] = old[f.Name]
		}
	}
	p.items = append(p.items, &item{object: obj.Name, id: matched, action: Updated, version: rec["version"].(int64), before: before})
	res.Action, res.Reason = Updated, "matches by "+how
	return res, r.warnings(number, in, rec), nil
}

// restorable returns the fields of obj whose replaced values an undo
// puts back: its standard fields but the read-only ones, which the
// engine keeps, and the custom fields the file fills.
func (r *run) restorable(obj *records.Object) []*records.Field {
	var out []*records.Field
	for _, f := range obj.Fields {
		if !f.ReadOnly {
			out = append(out, f)
		}
	}
	for _, c := range r.plan.cols {
		if c.base != nil && c.base.Custom && !slices.Contains(out, c.base) {
			out = append(out, c.base)
		}
	}
	return out
}

// linkOrder resolves a deal's pipeline before its stage.
var linkOrder = []string{"company", "contact", "pipeline", "stage", "loss_reason"}

// link turns the names in a row's link columns into ids: companies by
// name, made when no company has the name; pipelines, stages and loss
// reasons by name, an unknown one failing the row (never a silent move
// to the first stage); a deal's contacts by e-mail.
func (r *run) link(ctx context.Context, in map[string]any, names map[string][]string, p *pending) error {
	if r.obj == activityObject {
		return r.linkActivity(in)
	}
	for _, target := range linkOrder {
		for _, field := range sortedKeys(names) {
			f := r.obj.Field(field)
			if f.Target != target {
				continue
			}
			for _, name := range names[field] {
				id, err := r.find(ctx, in, f, name, p)
				if err != nil {
					return err
				}
				sid := strconv.FormatInt(id, 10)
				if f.Type == records.Relation {
					in[field] = sid
					continue
				}
				in[field] = append(asList(in[field]), map[string]any{"id": sid})
			}
		}
	}
	return nil
}

// find returns the record of target that name names for field f.
func (r *run) find(ctx context.Context, in map[string]any, f *records.Field, name string, p *pending) (int64, error) {
	key := fold(name)
	refuse := func(format string, args ...any) (int64, error) {
		in[f.Name] = name // for the problem's value
		return 0, fault.Field(f.Name, "reference", format, args...)
	}
	switch f.Target {
	case "company":
		if id, ok := r.companies[key]; ok {
			return id, nil
		}
		if id, ok := p.companies[key]; ok {
			return id, nil
		}
		rec, err := r.im.e.Create(ctx, "companies", map[string]any{"name": name})
		if err != nil {
			return 0, err
		}
		id, _ := strconv.ParseInt(rec["id"].(string), 10, 64)
		if p.companies == nil {
			p.companies = map[string]int64{}
		}
		p.companies[key] = id
		p.items = append(p.items, &item{object: "company", id: id, action: Created, version: rec["version"].(int64)})
		return id, nil
	case "contact":
		if id, ok := r.contactsBy[key]; ok {
			return id, nil
		}
		return refuse("no contact has the e-mail %q", name)
	case "stage":
		ids := r.named["stage"][key]
		if pipe, ok := in["pipeline_id"].(string); ok {
			pid, _ := strconv.ParseInt(pipe, 10, 64)
			for _, id := range ids {
				if r.stagePipe[id] == pid {
					return id, nil
				}
			}
			return refuse("the pipeline has no stage named %q", name)
		}
		switch len(ids) {
		case 0:
			return refuse("no stage is named %q", name)
		case 1:
			in["pipeline_id"] = strconv.FormatInt(r.stagePipe[ids[0]], 10)
			return ids[0], nil
		}
		return refuse("stages of several pipelines are named %q: add a column for the pipeline", name)
	}
	ids := r.named[f.Target][key]
	if len(ids) == 0 {
		return refuse("no %s is named %q", strings.ReplaceAll(f.Target, "_", " "), name)
	}
	return ids[0], nil
}

// asList reads a list value of input or of a record; links come as
// {"id", "role"} objects, as the engine takes them.
func asList(v any) []any {
	switch l := v.(type) {
	case []any:
		return l
	case []records.LinkRef:
		out := make([]any, len(l))
		for i, ref := range l {
			out[i] = map[string]any{"id": ref.ID, "role": ref.Role}
		}
		return out
	}
	return nil
}

// commit keeps in memory what a row that succeeded did.
func (r *run) commit(ctx context.Context, p *pending, in map[string]any, ext string, res RowResult) error {
	for name, id := range p.companies {
		r.companies[name] = id
	}
	for _, it := range p.items {
		items := r.items
		if it.object != r.obj.Name {
			items = r.companyItems
		}
		if prev := items[it.id]; prev != nil {
			// A record the import made or changed before: the first
			// values it replaced are the ones to restore.
			prev.version = it.version
			for k, v := range it.before {
				if _, kept := prev.before[k]; !kept && prev.action == Updated {
					prev.before[k] = v
				}
			}
			continue
		}
		if it.action == Updated {
			if logged, err := r.updateLogged(ctx, it); logged || err != nil {
				return err
			}
		}
		items[it.id] = it
		r.order = append(r.order, it)
	}
	if res.RecordID == "" {
		return nil
	}
	id, _ := strconv.ParseInt(res.RecordID, 10, 64)
	if ext != "" {
		if _, known := r.externals[ext]; !known {
			r.externals[ext] = id
			r.newExternals = append(r.newExternals, [2]any{ext, id})
			if len(r.newExternals) >= externalsChunk {
				if err := r.writeExternals(ctx); err != nil {
					return err
				}
			}
		}
	}
	switch r.plan.match {
	case "external_id":
		if ext != "" {
			r.keys[hashKey(ext)] = id
		}
	case "sku":
		if k := r.key(stringOf(in["sku"])); k != "" && r.keys[hashKey(k)] == 0 {
			r.keys[hashKey(k)] = id
		}
	case "email", "phone":
		field := map[string]string{"email": "emails", "phone": "phones"}[r.plan.match]
		for _, v := range asList(in[field]) {
			if k := r.key(stringOf(v)); k != "" {
				if _, known := r.keys[hashKey(k)]; !known {
					r.keys[hashKey(k)] = id
				}
			}
		}
	}
	return nil
}

func stringOf(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		s, _ := x["value"].(string)
		if t, ok := x["typed"].(string); ok && t != "" {
			return t
		}
		return s
	}
	return ""
}

// warnings are a row's warnings once its record is written: those of its
// activity's linking and its phones'.
func (r *run) warnings(number int, in map[string]any, rec records.Record) []Problem {
	return append(r.activityWarnings(number), r.phoneWarnings(number, in, rec)...)
}

// phoneWarnings lists the phone numbers of the row that the engine kept
// as typed because they are not valid numbers.
func (r *run) phoneWarnings(number int, in map[string]any, rec records.Record) []Problem {
	typed := map[string]bool{}
	for _, v := range asList(in["phones"]) {
		typed[strings.TrimSpace(stringOf(v))] = true
	}
	var out []Problem
	for _, v := range asList(rec["phones"]) {
		m, _ := v.(map[string]any)
		if valid, ok := m["valid"].(bool); ok && !valid && typed[stringOf(m)] {
			out = append(out, Problem{Row: number, Column: r.plan.headersOf("phones"), Value: stringOf(m), Kept: true,
				Reason: fmt.Sprintf("not a valid phone number (default country %s); kept as typed", r.region)})
		}
	}
	return out
}

// problems turns the engine's refusal of a row into problems by column.
func (r *run) problems(number int, in map[string]any, err error) []Problem {
	var fe *fault.Error
	if !errors.As(err, &fe) || len(fe.Fields) == 0 {
		return []Problem{{Row: number, Reason: err.Error()}}
	}
	var out []Problem
	for _, f := range fe.Fields {
		base, _, _ := strings.Cut(f.Field, ".")
		base, _, _ = strings.Cut(base, "[")
		value := ""
		if v, ok := in[base]; ok {
			b, _ := json.Marshal(v)
			value = strings.Trim(string(b), `"`)
		}
		col := r.plan.headersOf(f.Field)
		out = append(out, Problem{Row: number, Column: col, Value: value, Reason: f.Field + " " + f.Message})
	}
	return out
}

// merge completes an update's input with what the record holds: a row
// adds e-mails, phones, tags and companies to the record's rather than
// replacing them, and fills parts of the address without clearing the
// others.
func merge(p *plan, in map[string]any, old records.Record, region string) {
	for name, v := range in {
		f := p.obj.Field(name)
		if f == nil {
			continue
		}
		switch f.Type {
		case records.Email, records.Phone, records.URLs:
			seen := map[string]bool{}
			var out []any
			for _, it := range asList(old[name]) {
				m, _ := it.(map[string]any)
				out = append(out, inputItem(f, m))
				seen[itemKey(f, stringOf(m), region)] = true
			}
			for _, it := range asList(v) {
				if k := itemKey(f, stringOf(it), region); !seen[k] {
					seen[k] = true
					out = append(out, it)
				}
			}
			in[name] = out
		case records.Tags, records.MultiSelect, records.Relations:
			seen := map[string]bool{}
			var out []any
			for _, it := range append(asList(old[name]), asList(v)...) {
				k := fmt.Sprint(it)
				if m, ok := it.(map[string]any); ok {
					k = fmt.Sprint(m["id"])
				}
				if !seen[k] {
					seen[k] = true
					out = append(out, it)
				}
			}
			in[name] = out
		case records.Address:
			prev, _ := old[name].(map[string]any)
			m := map[string]any{}
			for k, x := range prev {
				m[k] = x
			}
			for k, x := range v.(map[string]any) {
				m[k] = x
			}
			in[name] = m
		}
	}
}

// inputItem is an e-mail or phone as read, in the form the engine takes
// to store it again alike: a phone by the number as typed.
func inputItem(f *records.Field, m map[string]any) any {
	out := map[string]any{"value": stringOf(m)}
	if f.Type != records.Phone {
		out["value"] = m["value"]
	}
	if l, ok := m["label"].(string); ok && l != "" {
		out["label"] = l
	}
	return out
}

func itemKey(f *records.Field, v, region string) string {
	switch f.Type {
	case records.Email:
		return fold(v)
	case records.Phone:
		n, _ := records.NormalizePhone(strings.TrimSpace(v), region)
		return n
	}
	return v
}

// changed compares two values as JSON, an empty list as no value.
func changed(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	if string(x) == "[]" {
		x = []byte("null")
	}
	if string(y) == "[]" {
		y = []byte("null")
	}
	return string(x) != string(y)
}

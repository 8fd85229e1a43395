package importer

import (
	"context"
	"hash/maphash"
	"maps"
	"slices"
	"strconv"

	"github.com/rapport-crm/rapport/internal/assign"
	"github.com/rapport-crm/rapport/internal/records"
)

// batchRows is how many new records the import gathers before it writes
// them together (records.Engine.CreateMany): enough that the statements
// of a batch cost little per row, few enough that a batch's memory stays
// small.
const batchRows = 1000

// waiting is a row whose outcome is not reported yet: rows are reported in
// the order of the file, so a row after a queued create waits for it.
type waiting struct {
	res   RowResult
	probs []Problem
	// A row queued to be created: its object (an activity's kind), its
	// input and external id, and whether it names its owner (if not, the
	// assignment rules choose one). An activity's row is kept as read
	// too, to be linked again if it has to be written alone, and the
	// warnings its linking gave.
	object  *records.Object
	in      map[string]any
	ext     string
	unowned bool
	read    map[string]any
	warns   []Problem
}

// enqueue adds w to the rows waiting to be reported, and writes the
// queued creates once there are enough of them.
func (r *run) enqueue(ctx context.Context, w *waiting) error {
	if w.in != nil {
		r.creates++
	}
	if r.creates == 0 {
		r.report(w)
		return nil
	}
	r.queue = append(r.queue, w)
	if r.creates >= batchRows || len(r.queue) >= 4*batchRows {
		return r.flush(ctx)
	}
	return nil
}

// batchable reports whether a new record of a row may wait to be created
// with others: the import's object is written in batches, and every
// company the row names exists already (a company made for a row is
// made under the row's savepoint, so that a row that fails leaves none).
// Deals are written one at a time: the assignment rules that weigh open
// deals must see each deal before choosing the next one's owner.
func (r *run) batchable(names map[string][]string) bool {
	switch r.obj.Name {
	case "contact", "company", "product", activityObject.Name:
	default:
		return false
	}
	for field, list := range names {
		if r.obj.Field(field).Target != "company" {
			continue
		}
		for _, name := range list {
			if _, ok := r.companies[fold(name)]; !ok {
				return false
			}
		}
	}
	return true
}

// queueCreate resolves a row's links and queues it to be created.
func (r *run) queueCreate(ctx context.Context, number int, in map[string]any, ext string, names map[string][]string) (*waiting, error) {
	var read map[string]any
	if r.obj == activityObject {
		read = maps.Clone(in) // linking makes it the input of its kind
	}
	if err := r.link(ctx, in, names, &pending{}); err != nil {
		if !records.Refusal(err) {
			return nil, err
		}
		probs := r.problems(number, in, err)
		return &waiting{res: RowResult{Row: number, Action: Failed, Reason: probs[0].Reason}, probs: probs}, nil
	}
	if r.obj.Name == "contact" && in["source"] == nil {
		in["source"] = "import"
	}
	for _, k := range r.queueKeys(in, ext) {
		r.queued[k] = true
	}
	_, named := in["owner_id"]
	return &waiting{res: RowResult{Row: number}, object: r.rowObject(), in: in, ext: ext, unowned: !named,
		read: read, warns: r.activityWarnings(number)}, nil
}

// queueKeys are what a later row could match a queued one by: its
// external id and the keys the import matches on.
func (r *run) queueKeys(in map[string]any, ext string) []string {
	var keys []string
	if ext != "" {
		keys = append(keys, "external "+ext)
	}
	var values []any
	switch r.plan.match {
	case "email", "phone":
		values = asList(in[map[string]string{"email": "emails", "phone": "phones"}[r.plan.match]])
	case "sku":
		values = []any{in["sku"]}
	}
	for _, v := range values {
		if k := r.key(stringOf(v)); k != "" {
			keys = append(keys, "key "+k)
		}
	}
	return keys
}

// waitsOn reports whether a row matches a row still queued.
func (r *run) waitsOn(in map[string]any, ext string) bool {
	if r.creates == 0 {
		return false
	}
	for _, k := range r.queueKeys(in, ext) {
		if r.queued[k] {
			return true
		}
	}
	return false
}

// flush creates the queued rows, a batch for each object (an activities
// file's rows are of four kinds) and for those that name their owner and
// those that do not, and reports every waiting row in order.
func (r *run) flush(ctx context.Context) error {
	if r.creates > 0 {
		var objects []*records.Object
		for _, w := range r.queue {
			if w.in != nil && !slices.Contains(objects, w.object) {
				objects = append(objects, w.object)
			}
		}
		for _, obj := range objects {
			for _, unowned := range []bool{false, true} {
				var ws []*waiting
				for _, w := range r.queue {
					if w.in != nil && w.object == obj && w.unowned == unowned {
						ws = append(ws, w)
					}
				}
				if err := r.createMany(ctx, obj, ws, unowned); err != nil {
					return err
				}
			}
		}
	}
	for _, w := range r.queue {
		r.report(w)
	}
	clear(r.queue)
	r.queue, r.creates = r.queue[:0], 0
	clear(r.queued)
	return nil
}

// batchSavepoint is the savepoint a batch runs under, so that a batch a
// hook refuses after storing it can be written again one row at a time.
const batchSavepoint = "import_batch"

// createMany creates the rows of ws, records of obj, together and sets
// their outcomes.
func (r *run) createMany(ctx context.Context, obj *records.Object, ws []*waiting, unowned bool) error {
	if len(ws) == 0 {
		return nil
	}
	ins := make([]map[string]any, len(ws))
	for i, w := range ws {
		ins[i] = w.in
	}
	cctx := ctx
	if unowned {
		cctx = assign.Unowned(ctx) // the assignment rules choose the owner
	}
	if _, err := r.q.ExecContext(ctx, "SAVEPOINT "+batchSavepoint); err != nil {
		return err
	}
	recs, errs, err := r.im.e.CreateMany(cctx, obj.Plural, ins)
	if err != nil {
		if !records.Refusal(err) {
			return err
		}
		if err := r.rollbackTo(ctx, batchSavepoint); err != nil {
			return err
		}
		return r.oneByOne(ctx, ws)
	}
	if _, err := r.q.ExecContext(ctx, "RELEASE SAVEPOINT "+batchSavepoint); err != nil {
		return err
	}
	created := make([][]any, 0, len(ws))
	for i, w := range ws {
		number := w.res.Row
		if errs[i] != nil {
			w.probs = r.problems(number, w.in, errs[i])
			w.res = RowResult{Row: number, Action: Failed, Reason: w.probs[0].Reason}
			continue
		}
		id, _ := strconv.ParseInt(recs[i]["id"].(string), 10, 64)
		w.res = RowResult{Row: number, Action: Created, RecordID: recs[i]["id"].(string)}
		w.probs = append(w.warns, r.phoneWarnings(number, w.in, recs[i])...)
		created = append(created, []any{r.actor.WorkspaceID, r.id, obj.Name, id, Created, recs[i]["version"].(int64), nil})
		if err := r.commit(ctx, &pending{}, w.in, w.ext, w.res); err != nil {
			return err
		}
	}
	// The records a batch made are logged for the undo at once, not kept
	// in memory to the end: a million of them held some 200 MB.
	return bulk(ctx, r.q, importRecords, "?, ?, ?, ?, ?, ?, "+r.im.db.Dialect.JSONIn(), created)
}

// importRecords is the table the records of an import are logged in, for
// its undo.
const importRecords = "import_records (workspace_id, import_id, object, record_id, action, version, before)"

// updateLogged brings the version logged for a record the import made
// earlier, in a batch, up to date after the import updated it (a later
// row of the file that matched it): the undo removes it at that version.
// It reports whether the record was one of those.
func (r *run) updateLogged(ctx context.Context, it *item) (bool, error) {
	res, err := r.q.ExecContext(ctx, `UPDATE import_records SET version = ? WHERE workspace_id = ? AND import_id = ? AND object = ? AND record_id = ? AND action = ?`,
		it.version, r.actor.WorkspaceID, r.id, it.object, it.id, Created)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// oneByOne creates the rows of ws each under its own savepoint, after a
// hook refused one of them in a batch: the others are kept.
func (r *run) oneByOne(ctx context.Context, ws []*waiting) error {
	for _, w := range ws {
		in := w.in
		if w.read != nil {
			in = w.read
		}
		res, probs, err := r.single(ctx, w.res.Row, in, w.ext, nil, 0, "")
		if err != nil {
			return err
		}
		w.res, w.probs = res, probs
	}
	return nil
}

// matchKey is a match key (an e-mail, a phone, an external id) as the
// import remembers it: two 64-bit hashes of it under independent seeds.
// A million keys as strings held some 80 MB; as hashes they hold a third
// of that, and two keys of a file meet by chance with odds of about 1 in
// 10^26.
type matchKey [2]uint64

var matchSeeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}

func hashKey(k string) matchKey {
	return matchKey{maphash.String(matchSeeds[0], k), maphash.String(matchSeeds[1], k)}
}

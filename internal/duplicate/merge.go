package duplicate

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/outbox"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// MergeRequest names the surviving record, the records merged into it, and
// for each field whose value should come from another record, that
// record's id.
type MergeRequest struct {
	Into   string            `json:"into"`
	From   []string          `json:"from"`
	Fields map[string]string `json:"fields"`
}

// MaxMerge bounds how many records one merge removes.
const MaxMerge = 50

// linkColumn is a link table seen from the merged object's side.
type linkColumn struct {
	table, self, other, extra string
}

// moved lists, per object, the link tables whose rows follow a merged
// record to the survivor. Activities, deals and notifications are moved
// by their own statements in move.
var moved = map[*kind][]linkColumn{
	contacts: {
		{"contact_companies", "contact_id", "company_id", "role"},
		{"deal_contacts", "contact_id", "deal_id", "role"},
		{"meeting_attendees", "contact_id", "meeting_id", "response"},
	},
	companies: {
		{"contact_companies", "company_id", "contact_id", "role"},
	},
}

// Merge folds the records req.From into req.Into, all of object, in one
// transaction: the survivor takes the chosen values (through the engine,
// so validation, permissions, its version and events apply), every link,
// activity, deal and notification of the merged records moves to it, and
// the merged records are soft-deleted through the engine. A "merge" event
// on the survivor names them for the audit trail. It returns the survivor
// as the merge left it.
//
// Merges of one workspace take turns, and each locks the rows of its
// records before it reads them, so that a merge never builds on a record
// that another merge is removing: one naming a record that is in the
// trash, because a merge that committed first removed it, is refused with
// ECONFLICT and changes nothing (docs/decisions/0012-concurrent-merges.md).
func (s *Service) Merge(ctx context.Context, object string, req MergeRequest) (records.Record, error) {
	k, err := kindOf(object)
	if err != nil {
		return nil, err
	}
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.checkRequest(ctx, k, req); err != nil {
		return nil, err
	}
	var survivor records.Record
	err = s.db.Tx(ctx, func(q store.Querier) error {
		ctx := store.Within(ctx, q)
		if err := s.lock(ctx, q, a.WorkspaceID, k, req); err != nil {
			return err
		}
		recs, err := s.mergeable(ctx, a, k, req)
		if err != nil {
			return err
		}
		if err := s.takeValues(ctx, k, req, recs); err != nil {
			return err
		}
		if err := s.move(ctx, q, a, k, req); err != nil {
			return err
		}
		for i, id := range req.From {
			if err := s.engine.Delete(ctx, k.object, id, recs[id]["version"].(int64)); err != nil {
				return named(err, "from["+strconv.Itoa(i)+"]")
			}
		}
		if err := s.mergeEvent(ctx, q, a, k, req); err != nil {
			return err
		}
		// Read in the transaction: once it commits, another merge may
		// fold the survivor into a third record before a later read.
		survivor, err = s.engine.Get(ctx, k.object, req.Into, false)
		return err
	})
	if err != nil {
		return nil, err
	}
	return survivor, nil
}

// lock takes the workspace's turn to merge, then locks the rows of every
// record of req until the transaction ends, in id order. The turn keeps
// two merges from rewriting the same link rows from either end (a
// contact merge and a company merge both move contact_companies); the
// row locks make ordinary writes of these records wait for the merge, and
// their order means that two lockers of the same records never hold one
// each while waiting for the other's. On SQLite both are implicit: its
// write transactions already run one at a time.
func (s *Service) lock(ctx context.Context, q store.Querier, ws int64, k *kind, req MergeRequest) error {
	d := s.db.Dialect
	var id int64
	if err := q.QueryRowContext(ctx, `SELECT id FROM workspaces WHERE id = ?`+d.LockRows(), ws).Scan(&id); err != nil {
		return err
	}
	ids := parseIDs(append([]string{req.Into}, req.From...))
	if len(ids) == 0 {
		return nil // nothing to lock: the reads answer not found
	}
	slices.Sort(ids)
	marks, args := store.List(ids)
	rows, err := q.QueryContext(ctx, `SELECT id FROM `+k.table+` WHERE workspace_id = ? AND id IN (`+marks+`) ORDER BY id`+d.LockRows(),
		append([]any{ws}, args...)...)
	if err != nil {
		return err
	}
	_, err = scanIDs(rows)
	return err
}

// checkRequest checks the request's shape and its fields before anything
// is read, reporting every problem at once.
func (s *Service) checkRequest(ctx context.Context, k *kind, req MergeRequest) error {
	var c fault.Collector
	if req.Into == "" {
		c.Add("into", "required", "name the record that survives the merge")
	}
	if len(req.From) == 0 {
		c.Add("from", "required", "name at least one record to merge into %q", req.Into)
	}
	if len(req.From) > MaxMerge {
		c.Add("from", "too_many", "may name at most %d records", MaxMerge)
	}
	inMerge := map[string]bool{req.Into: true}
	for i, id := range req.From {
		name := "from[" + strconv.Itoa(i) + "]"
		switch {
		case id == req.Into:
			c.Add(name, "self", "a record cannot be merged into itself")
		case inMerge[id]:
			c.Add(name, "repeated", "names %q twice", id)
		}
		inMerge[id] = true
	}
	fields, err := s.engine.Fields(ctx, k.object)
	if err != nil {
		return err
	}
	byName := map[string]*records.Field{}
	for _, f := range fields {
		byName[f.Name] = f
	}
	for _, name := range sortedKeys(req.Fields) {
		f, key := byName[name], "fields."+name
		switch {
		case f == nil:
			c.Add(key, "unknown", "is not a field of %s", k.plural)
		case f.Type == records.Relations:
			c.Add(key, "links", "links are combined from every merged record, not chosen")
		case f.ReadOnly:
			c.Add(key, "read_only", "cannot be written")
		case !inMerge[req.Fields[name]]:
			c.Add(key, "not_in_merge", "names %q, which is not one of the merged records", req.Fields[name])
		}
	}
	return c.Err()
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// mergeable reads every record of the merge and checks that the actor may
// change the survivor and delete the others. A record of another object,
// of another workspace or out of the actor's sight is not found; one in
// the trash is a conflict.
func (s *Service) mergeable(ctx context.Context, a access.Actor, k *kind, req MergeRequest) (map[string]records.Record, error) {
	policy, grant := s.engine.Policy(), s.engine.Object(k.object).Grant()
	recs := map[string]records.Record{}
	check := func(id, field string, acts ...access.Action) error {
		rec, err := s.engine.Get(ctx, k.object, id, true)
		if err != nil {
			return named(err, field)
		}
		if rec["deleted_at"] != nil {
			return named(fault.Errorf(fault.ECONFLICT, "%s %s is in the trash: it was deleted, or merged into another record, "+
				"since the duplicates were read; read them again and merge what is left", k.object, id), field)
		}
		for _, act := range acts {
			if err := policy.Authorize(ctx, a, grant, act, rec); err != nil {
				return named(err, field)
			}
		}
		recs[id] = rec
		return nil
	}
	if err := check(req.Into, "into", access.Update); err != nil {
		return nil, err
	}
	for i, id := range req.From {
		if err := check(id, "from["+strconv.Itoa(i)+"]", access.Update, access.Delete); err != nil {
			return nil, err
		}
	}
	return recs, nil
}

// named returns err with field named as the field at fault, keeping its
// code, so that the caller learns which id was refused.
func named(err error, field string) error {
	var fe *fault.Error
	if !errors.As(err, &fe) || len(fe.Fields) > 0 {
		return err
	}
	return &fault.Error{Code: fe.Code, Message: fe.Message,
		Fields: []fault.FieldError{{Field: field, Code: fe.Code, Message: fe.Message}}}
}

// takeValues writes onto the survivor the values chosen from the other
// records, as an update through the engine.
func (s *Service) takeValues(ctx context.Context, k *kind, req MergeRequest, recs map[string]records.Record) error {
	in := map[string]any{}
	for name, id := range req.Fields {
		if id != req.Into {
			in[name] = recs[id][name]
		}
	}
	if len(in) == 0 {
		return nil
	}
	// Values as read become values as written by a round trip through
	// JSON, the form the engine takes input in.
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	if in, err = records.DecodeInput(body); err != nil {
		return err
	}
	_, err = s.engine.Update(ctx, k.object, req.Into, recs[req.Into]["version"].(int64), in)
	return err
}

// move points every link, activity, deal and notification of the merged
// records at the survivor. A link the survivor already has is kept once.
// Each moved activity and deal is a change of its own, with a version
// bump and an event, so that its history and any open editor know.
func (s *Service) move(ctx context.Context, q store.Querier, a access.Actor, k *kind, req MergeRequest) error {
	ws, into := a.WorkspaceID, parseIDs([]string{req.Into})[0]
	from := parseIDs(req.From)
	marks, args := store.List(from)
	var touched []string // contacts whose companies changed
	for _, l := range moved[k] {
		if k == companies {
			ids, err := s.linked(ctx, q, ws, l, marks, args)
			if err != nil {
				return err
			}
			touched = append(touched, ids...)
		}
		if _, err := q.ExecContext(ctx, `INSERT INTO `+l.table+` (workspace_id, `+l.self+`, `+l.other+`, `+l.extra+`)
			SELECT workspace_id, CAST(? AS BIGINT), `+l.other+`, `+l.extra+` FROM `+l.table+` WHERE workspace_id = ? AND `+l.self+` IN (`+marks+`)
			ON CONFLICT DO NOTHING`, append([]any{into, ws}, args...)...); err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, `DELETE FROM `+l.table+` WHERE workspace_id = ? AND `+l.self+` IN (`+marks+`)`,
			append([]any{ws}, args...)...); err != nil {
			return err
		}
	}
	// Activities name their record by type and id as text, in either the
	// singular or the plural.
	err := s.repoint(ctx, q, a, "activities", "kind", "record_id", req.Into,
		`record_type IN (?, ?) AND record_id IN (`+marks+`)`, append([]any{k.object, k.plural}, stringArgs(req.From)...))
	if err != nil {
		return err
	}
	if k == companies {
		err := s.repoint(ctx, q, a, "deals", "'deal'", "company_id", into, `company_id IN (`+marks+`)`, args)
		if err != nil {
			return err
		}
	}
	if _, err := q.ExecContext(ctx, `UPDATE notifications SET record_id = ? WHERE workspace_id = ? AND record_type IN (?, ?)
		AND record_id IN (`+marks+`)`, append([]any{req.Into, ws, k.object, k.plural}, stringArgs(req.From)...)...); err != nil {
		return err
	}
	// The survivor's links changed: its version moves on, so that a form
	// holding the old one reads again.
	if _, err := q.ExecContext(ctx, `UPDATE `+k.table+` SET version = version + 1, updated_at = ? WHERE workspace_id = ? AND id = ?`,
		s.db.Dialect.Time(time.Now()), ws, into); err != nil {
		return err
	}
	if err := s.refresh(ctx, q, ws, k, []string{req.Into}); err != nil {
		return err
	}
	return s.refresh(ctx, q, ws, contacts, touched)
}

// linked returns the ids at the other end of l's rows for the merged
// records.
func (s *Service) linked(ctx context.Context, q store.Querier, ws int64, l linkColumn, marks string, args []any) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+l.other+` FROM `+l.table+` WHERE workspace_id = ? AND `+l.self+` IN (`+marks+`)`,
		append([]any{ws}, args...)...)
	if err != nil {
		return nil, err
	}
	ids, err := scanIDs(rows)
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strconv.FormatInt(id, 10)
	}
	return out, err
}

// repoint sets column to into on the rows of table that match cond (deleted
// ones too, so that a restore finds them in place), bumping their versions
// and writing an update event for each; object is the SQL expression of
// each row's object name.
func (s *Service) repoint(ctx context.Context, q store.Querier, a access.Actor, table, object, column string, into any,
	cond string, args []any) error {
	where := ` WHERE workspace_id = ? AND ` + cond
	args = append([]any{a.WorkspaceID}, args...)
	rows, err := q.QueryContext(ctx, `SELECT id, `+object+`, `+column+` FROM `+table+where, args...)
	if err != nil {
		return err
	}
	type row struct {
		id     int64
		object string
		before any
	}
	var hits []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.object, &r.before); err != nil {
			rows.Close()
			return err
		}
		hits = append(hits, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(hits) == 0 {
		return err
	}
	now := time.Now()
	if _, err := q.ExecContext(ctx, `UPDATE `+table+` SET `+column+` = ?, version = version + 1, updated_at = ?`+where,
		append([]any{into, s.db.Dialect.Time(now)}, args...)...); err != nil {
		return err
	}
	for _, r := range hits {
		before, after := fmtID(r.before), fmtID(into)
		err := outbox.Write(ctx, q, s.db.Dialect, outbox.Event{WorkspaceID: a.WorkspaceID, Object: r.object,
			RecordID: strconv.FormatInt(r.id, 10), Action: "update", ActorID: a.UserID, At: now,
			Changes: map[string]change{column: {Before: before, After: after}}})
		if err != nil {
			return err
		}
	}
	return nil
}

// change is one field's value before and after, as events carry it.
type change struct {
	Before any `json:"before"`
	After  any `json:"after"`
}

// fmtID shows an id read from either driver as the API does, a string.
func fmtID(v any) any {
	switch x := v.(type) {
	case int64:
		return strconv.FormatInt(x, 10)
	case []byte:
		return string(x)
	}
	return v
}

func stringArgs(ids []string) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// mergeEvent records the merge on the survivor, naming the merged records,
// so that the audit trail shows what became of them.
func (s *Service) mergeEvent(ctx context.Context, q store.Querier, a access.Actor, k *kind, req MergeRequest) error {
	return outbox.Write(ctx, q, s.db.Dialect, outbox.Event{WorkspaceID: a.WorkspaceID, Object: k.object, RecordID: req.Into,
		Action: "merge", ActorID: a.UserID, At: time.Now(),
		Changes: map[string]change{"merged": {Before: nil, After: req.From}}})
}

package activity

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// This file holds the timeline's three sources: the activities table, the
// deals' stage history and the audit trail. Each reads at most t.n entries
// after the cursor, newest first, from an index in that order.

// activities reads the activities about the timeline's records that the
// actor may read, with the fields the actor may see.
func (t *timeline) activities(ctx context.Context, related map[string][]int64) ([]Item, error) {
	hidden, err := t.hiddenActivityFields(ctx)
	if err != nil {
		return nil, err
	}
	var kinds []any
	for _, k := range activityKinds {
		if t.wants(k) && !t.s.momentHidden(k, hidden) {
			kinds = append(kinds, k)
		}
	}
	if len(kinds) == 0 {
		return nil, nil
	}
	// One branch per kind of record, each an index range on
	// (record_type, record_id): an OR across them makes the planners read
	// every activity of the workspace.
	var common []string
	var cargs []any
	if len(kinds) < len(activityKinds) {
		common, cargs = append(common, "kind IN ("+store.Marks(len(kinds))+")"), append(cargs, kinds...)
	}
	perm, pargs, err := t.activityScope(ctx)
	if err != nil {
		return nil, err
	}
	if perm != "" {
		common, cargs = append(common, perm), append(cargs, pargs...)
	}
	cond, kargs := t.keyset(rankActivities, "occurred_at", "id")
	fields := t.s.activityFields()
	cols := []string{"id", "kind", "occurred_at"}
	for _, f := range fields {
		cols = append(cols, f.Name)
	}
	var branches []string
	var args []any
	for _, object := range sortedKeys(related) {
		ids := related[object]
		if len(ids) == 0 {
			continue
		}
		where := append([]string{"workspace_id = ?", "record_type = ?", "record_id IN (" + store.Marks(len(ids)) + ")",
			"deleted_at IS NULL", "occurred_at IS NOT NULL"}, common...)
		branches = append(branches, `SELECT `+strings.Join(cols, ", ")+` FROM activities WHERE `+strings.Join(where, " AND ")+cond)
		args = append(append(append(args, t.a.WorkspaceID, object), idStrings(ids)...), cargs...)
		args = append(args, kargs...)
	}
	if len(branches) == 0 {
		return nil, nil
	}
	// By position: the field list repeats occurred_at, which PostgreSQL
	// would call ambiguous by name.
	rows, err := t.q.QueryContext(ctx, `SELECT * FROM (`+strings.Join(branches, " UNION ALL ")+
		`) a ORDER BY 3 DESC, 1 DESC LIMIT `+strconv.Itoa(t.n), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Item
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out = append(out, t.activityItem(vals, fields, hidden))
	}
	return out, rows.Err()
}

// activityItem builds the entry of one row read with activities' columns.
func (t *timeline) activityItem(vals []any, fields []*records.Field, hidden map[string]map[string]bool) Item {
	id, _ := vals[0].(int64)
	kind := str(vals[1])
	at, _ := store.ParseTime(vals[2])
	obj := t.s.engine.Object(kind)
	rec := map[string]any{"id": strconv.FormatInt(id, 10)}
	for i, f := range fields {
		if obj.Field(f.Name) == nil || hidden[obj.Grant()][f.Name] {
			continue
		}
		rec[f.Name] = value(f.Type, vals[3+i])
	}
	it := Item{Kind: kind, At: records.FormatTime(at), Object: kind, ID: rec["id"].(string), Record: rec,
		key: itemKey{At: at, Rank: rankActivities, ID: id}, shown: true}
	if owner, ok := rec["owner_id"].(string); ok {
		it.ActorID = &owner
	}
	return it
}

// momentHidden reports whether the actor's role (hidden, by grant) hides
// the moment an activity of kind happens: the field its occurred_at is
// derived from. The timeline, ordered by that moment, leaves such
// activities out, as its order and its cursors would give the moment away.
func (s *Service) momentHidden(kind string, hidden map[string]map[string]bool) bool {
	obj := s.engine.Object(kind)
	for _, from := range obj.Field("occurred_at").DerivedFrom {
		if hidden[obj.Grant()][from] {
			return true
		}
	}
	return false
}

// activityFields are the stored fields of every kind of activity, each
// once, in a fixed order.
func (s *Service) activityFields() []*records.Field {
	var out []*records.Field
	seen := map[string]bool{}
	for _, kind := range activityKinds {
		for _, f := range s.engine.Object(kind).Fields {
			if f.Type == records.Relations || seen[f.Name] {
				continue
			}
			seen[f.Name] = true
			out = append(out, f)
		}
	}
	return out
}

// activityScope keeps the tasks within the actor's task grant and the
// notes, calls and meetings within the activity grant.
func (t *timeline) activityScope(ctx context.Context) (string, []any, error) {
	var parts []string
	var args []any
	restricted := false
	for _, g := range []struct{ grant, kind string }{{"task", "kind = 'task'"}, {"activity", "kind <> 'task'"}} {
		cond, cargs, err := t.scope(ctx, g.grant, "")
		if err != nil {
			return "", nil, err
		}
		if cond == "" {
			cond = "1=1"
		} else {
			restricted = true
		}
		parts, args = append(parts, "("+g.kind+" AND "+cond+")"), append(args, cargs...)
	}
	if !restricted {
		return "", nil, nil
	}
	return "(" + strings.Join(parts, " OR ") + ")", args, nil
}

// hiddenActivityFields returns the fields hidden from the actor, by grant.
func (t *timeline) hiddenActivityFields(ctx context.Context) (map[string]map[string]bool, error) {
	out := map[string]map[string]bool{}
	for _, g := range []string{"task", "activity"} {
		rules, err := t.s.engine.Policy().Fields(ctx, t.a, g)
		if err != nil {
			return nil, err
		}
		out[g] = hiddenIn(rules)
	}
	return out, nil
}

// stages reads the stage changes of the timeline's deals, unless the actor
// may not see a deal's stage.
func (t *timeline) stages(ctx context.Context, related map[string][]int64) ([]Item, error) {
	deals := related["deal"]
	if !t.wants("stage_change") || len(deals) == 0 {
		return nil, nil
	}
	rules, err := t.s.engine.Policy().Fields(ctx, t.a, t.s.engine.Object("deal").Grant())
	if err != nil || rules["stage_id"] == "hidden" {
		return nil, err
	}
	// Stages are read with the pipelines' grant: a reader without it
	// cannot open the stages the entries would name.
	if err := t.s.engine.Policy().Authorize(ctx, t.a, t.s.engine.Object("stage").Grant(), access.Read, nil); err != nil {
		if fault.Is(err, fault.EFORBIDDEN) {
			err = nil
		}
		return nil, err
	}
	args := []any{t.a.WorkspaceID}
	for _, id := range deals {
		args = append(args, id)
	}
	cond, kargs := t.keyset(rankStage, "h.entered_at", "h.id")
	rows, err := t.q.QueryContext(ctx, `SELECT h.id, h.deal_id, h.pipeline_id, h.stage_id, h.entered_at, h.left_at, h.entered_by, s.name
		FROM deal_stage_history h LEFT JOIN stages s ON s.workspace_id = h.workspace_id AND s.id = h.stage_id
		WHERE h.workspace_id = ? AND h.deal_id IN (`+store.Marks(len(deals))+`)`+cond+`
		ORDER BY h.entered_at DESC, h.id DESC LIMIT `+strconv.Itoa(t.n), append(args, kargs...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Item
	for rows.Next() {
		var id, deal, pipeline, stage int64
		var entered, left any
		var by *int64
		var name *string
		if err := rows.Scan(&id, &deal, &pipeline, &stage, &entered, &left, &by, &name); err != nil {
			return nil, err
		}
		at, _ := store.ParseTime(entered)
		it := Item{Kind: "stage_change", At: records.FormatTime(at), Object: "deal", ID: strconv.FormatInt(deal, 10),
			Record: map[string]any{"deal_id": strconv.FormatInt(deal, 10), "pipeline_id": strconv.FormatInt(pipeline, 10),
				"stage_id": strconv.FormatInt(stage, 10), "stage_name": name, "left_at": value(records.DateTime, left)},
			key: itemKey{At: at, Rank: rankStage, ID: id}, shown: true}
		if by != nil {
			s := strconv.FormatInt(*by, 10)
			it.ActorID = &s
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// audit reads the creation and the field changes of the timeline's own
// record from the audit trail, without the fields hidden from the actor;
// a change of hidden fields only is not shown at all.
func (t *timeline) audit(ctx context.Context, _ map[string][]int64) ([]Item, error) {
	var actions []any
	if t.wants("created") {
		actions = append(actions, "create")
	}
	if t.wants("field_change") {
		actions = append(actions, "update")
	}
	if t.wants("assigned") {
		actions = append(actions, "assign")
	}
	if len(actions) == 0 {
		return nil, nil
	}
	rules, err := t.s.engine.Policy().Fields(ctx, t.a, t.obj.Grant())
	if err != nil {
		return nil, err
	}
	hidden := hiddenIn(rules)
	id := strconv.FormatInt(t.id, 10)
	cond, kargs := t.keyset(rankAudit, "at", "id")
	args := append([]any{t.a.WorkspaceID, t.obj.Name, id}, actions...)
	rows, err := t.q.QueryContext(ctx, `SELECT id, at, actor_id, action, `+t.d.JSONOut("changes")+` FROM audit_log
		WHERE workspace_id = ? AND object = ? AND record_id = ? AND action IN (`+store.Marks(len(actions))+`)`+cond+`
		ORDER BY at DESC, id DESC LIMIT `+strconv.Itoa(t.n), append(args, kargs...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Item
	var links []map[string]any // each entry's changes, whose links are checked below
	for rows.Next() {
		var n int64
		var at any
		var actor *int64
		var action, changes string
		if err := rows.Scan(&n, &at, &actor, &action, &changes); err != nil {
			return nil, err
		}
		when, _ := store.ParseTime(at)
		var all map[string]any
		json.Unmarshal([]byte(changes), &all)
		shown := map[string]any{}
		for k, v := range all {
			if !hidden[k] {
				shown[k] = v
			}
		}
		it := Item{Kind: "field_change", At: records.FormatTime(when), Object: t.obj.Name, ID: id, Changes: shown,
			key: itemKey{At: when, Rank: rankAudit, ID: n}}
		switch action {
		case "create":
			it.Kind = "created"
		case "assign":
			// Who got the record and by which rule: nothing of it for a
			// reader from whom the owner is hidden.
			it.Kind = "assigned"
			if hidden["owner_id"] {
				shown = map[string]any{}
				it.Changes = shown
			}
		}
		if actor != nil {
			s := strconv.FormatInt(*actor, 10)
			it.ActorID = &s
		}
		out = append(out, it)
		links = append(links, shown)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := t.unlinkUnreadable(ctx, links); err != nil {
		return nil, err
	}
	for i := range out {
		out[i].shown = out[i].Kind == "created" || len(out[i].Changes) > 0
	}
	return out, nil
}

// unlinkUnreadable takes out of the changes the links to records that the
// actor may not read, so that the timeline never points at a record its
// reader cannot open: an unreadable record leaves a list of links, and a
// change of a single link to or from one is not shown.
func (t *timeline) unlinkUnreadable(ctx context.Context, changes []map[string]any) error {
	fields, err := t.s.engine.Fields(ctx, t.obj.Name)
	if err != nil {
		return err
	}
	ids := map[string]map[string]bool{} // by target: the ids named
	for _, f := range fields {
		for _, ch := range changes {
			if f.Type == records.Relation || f.Type == records.Relations {
				for _, id := range linkIDs(ch[f.Name]) {
					if ids[f.Target] == nil {
						ids[f.Target] = map[string]bool{}
					}
					ids[f.Target][id] = true
				}
			}
		}
	}
	readable := map[string]map[string]bool{}
	for _, target := range sortedKeys(ids) {
		if readable[target], err = t.readable(ctx, target, sortedKeys(ids[target])); err != nil {
			return err
		}
	}
	for _, f := range fields {
		for _, ch := range changes {
			c, ok := ch[f.Name].(map[string]any)
			if !ok || (f.Type != records.Relation && f.Type != records.Relations) {
				continue
			}
			if f.Type == records.Relations {
				c["before"], c["after"] = keepLinks(c["before"], readable[f.Target]), keepLinks(c["after"], readable[f.Target])
				if b, a := jsonOf(c["before"]), jsonOf(c["after"]); b == a || b+a == "null[]" || b+a == "[]null" {
					delete(ch, f.Name) // only unreadable links changed
				}
				continue
			}
			for _, side := range []string{"before", "after"} {
				if id, ok := c[side].(string); ok && !readable[f.Target][id] {
					delete(ch, f.Name)
				}
			}
		}
	}
	return nil
}

// linkIDs returns the ids named by the before and after of a change of a
// relation field: an id, or a list of {"id", "role"}.
func linkIDs(change any) []string {
	c, _ := change.(map[string]any)
	var out []string
	for _, v := range []any{c["before"], c["after"]} {
		switch x := v.(type) {
		case string:
			out = append(out, x)
		case []any:
			for _, l := range x {
				if m, ok := l.(map[string]any); ok {
					if id, ok := m["id"].(string); ok {
						out = append(out, id)
					}
				}
			}
		}
	}
	return out
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// keepLinks returns the links of a list that name readable records.
func keepLinks(v any, readable map[string]bool) any {
	list, ok := v.([]any)
	if !ok {
		return v
	}
	out := []any{}
	for _, l := range list {
		if m, ok := l.(map[string]any); ok && readable[str(m["id"])] {
			out = append(out, l)
		}
	}
	return out
}

// readable returns which of ids name live records of object that the
// actor may read, asking the engine, which applies the actor's scope.
func (t *timeline) readable(ctx context.Context, object string, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	for start := 0; start < len(ids); start += records.MaxLimit {
		var vals []any
		for _, id := range ids[start:min(start+records.MaxLimit, len(ids))] {
			if _, err := strconv.ParseInt(id, 10, 64); err == nil {
				vals = append(vals, id)
			}
		}
		if len(vals) == 0 {
			continue
		}
		page, err := t.s.engine.List(ctx, object, records.Query{Limit: len(vals),
			Filter: &records.Filter{Field: "id", Op: records.In, Value: vals}})
		if fault.Is(err, fault.EFORBIDDEN) {
			return out, nil // the role reads none of them
		}
		if err != nil {
			return nil, err
		}
		for _, r := range page.Data {
			out[r["id"].(string)] = true
		}
	}
	return out, nil
}

// value converts a column as either driver returns it to its API form.
func value(t records.Type, v any) any {
	if v == nil {
		return nil
	}
	switch t {
	case records.DateTime:
		at, ok := store.ParseTime(v)
		if !ok {
			return nil
		}
		return records.FormatTime(at)
	case records.Boolean:
		switch b := v.(type) {
		case bool:
			return b
		case int64:
			return b != 0
		}
	case records.User, records.Relation:
		if n, ok := v.(int64); ok {
			return strconv.FormatInt(n, 10)
		}
	}
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return v
}

func str(v any) string {
	switch s := v.(type) {
	case string:
		return s
	case []byte:
		return string(s)
	}
	return ""
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

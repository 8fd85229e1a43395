package erasure

import (
	"context"
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/webhook"
)

// scrubCopies scrubs the copies of the values of the records in targets
// (object -> ids) that are kept apart from the records: the changes of
// their audit entries and outbox events, their notifications, and the
// contact's search entries and duplicate keys. Activities about the
// contact that were purged are found by their purge events, whose changes
// hold what they were about.
func scrubCopies(ctx context.Context, q store.Querier, d store.Dialect, ws int64, id string, targets map[string][]string, r *Report) error {
	for _, table := range []string{"audit_log", "outbox"} {
		if err := findPurged(ctx, q, d, table, ws, id, targets); err != nil {
			return err
		}
	}
	var err error
	if r.AuditEntries, err = scrubTable(ctx, q, d, "audit_log", ws, targets); err != nil {
		return err
	}
	if r.OutboxEvents, err = scrubTable(ctx, q, d, "outbox", ws, targets); err != nil {
		return err
	}
	cond, args := about(ws, "record_type", "record_id", targets)
	res, err := q.ExecContext(ctx, `UPDATE notifications SET title = ?, body = '' WHERE `+cond, append([]any{Text}, args...)...)
	if err != nil {
		return err
	}
	n, _ := res.RowsAffected()
	r.Notifications = int(n)
	// Webhook deliveries carry the values of the records they are about,
	// the contact's and its activities', in their bodies.
	for object, ids := range targets {
		for _, rid := range ids {
			if _, err := webhook.Erase(ctx, q, d, ws, object, rid); err != nil {
				return err
			}
		}
	}
	num, _ := strconv.ParseInt(id, 10, 64)
	// An import keeps the values its updates replaced, for its undo, and
	// the old system's key of what it wrote: an undo of an erased contact
	// has nothing to give back (it is refused anyway, the contact having
	// changed since).
	if _, err := q.ExecContext(ctx, `UPDATE import_records SET before = NULL
		WHERE workspace_id = ? AND object = 'contact' AND record_id = ?`, ws, num); err != nil {
		return err
	}
	// External ids, and the file name and UID a phone's address book gave
	// the contact it created (CardDAV), are the person's too.
	for _, table := range []string{"external_ids", "dav_names"} {
		if _, err := q.ExecContext(ctx, `DELETE FROM `+table+` WHERE workspace_id = ? AND object = 'contact' AND record_id = ?`, ws, num); err != nil {
			return err
		}
	}
	// The search index and the duplicate keys leave erased contacts out
	// from now on; what they held of this one goes at once.
	for _, table := range []string{"search_docs", "search_phones", "duplicate_keys", "duplicate_profiles"} {
		res, err := q.ExecContext(ctx, `DELETE FROM `+table+` WHERE workspace_id = ? AND object = 'contact' AND record_id = ?`, ws, num)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); strings.HasPrefix(table, "search") {
			r.SearchEntries += int(n)
		}
	}
	return nil
}

// about returns the condition on a table's object and record id columns
// that picks the records of targets in workspace ws.
func about(ws int64, objectCol, idCol string, targets map[string][]string) (string, []any) {
	objects := make([]string, 0, len(targets))
	for o := range targets {
		objects = append(objects, o)
	}
	sort.Strings(objects)
	var ors []string
	args := []any{ws}
	for _, o := range objects {
		marks, ids := store.List(targets[o])
		ors = append(ors, "("+objectCol+" = ? AND "+idCol+" IN ("+marks+"))")
		args = append(append(args, o), ids...)
	}
	return "workspace_id = ? AND (" + strings.Join(ors, " OR ") + ")", args
}

// scrubTable rewrites the changes of the rows of table (audit_log or
// outbox) about targets, leaving the erasures' own entries as they are,
// and returns how many rows it changed.
func scrubTable(ctx context.Context, q store.Querier, d store.Dialect, table string, ws int64, targets map[string][]string) (int, error) {
	cond, args := about(ws, "object", "record_id", targets)
	rows, err := q.QueryContext(ctx, `SELECT id, `+d.JSONOut("changes")+` FROM `+table+` WHERE `+cond+` AND action <> ?`,
		append(args, ActionErase)...)
	if err != nil {
		return 0, err
	}
	type row struct {
		id      int64
		changes string
	}
	var dirty []row
	for rows.Next() {
		var x row
		if err := rows.Scan(&x.id, &x.changes); err != nil {
			rows.Close()
			return 0, err
		}
		if scrubbed, changed := scrubChanges(x.changes); changed {
			dirty = append(dirty, row{x.id, scrubbed})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, x := range dirty {
		if _, err := q.ExecContext(ctx, `UPDATE `+table+` SET changes = `+d.JSONIn()+` WHERE workspace_id = ? AND id = ?`,
			x.changes, ws, x.id); err != nil {
			return 0, err
		}
	}
	return len(dirty), nil
}

// findPurged adds to targets the activities about contact id, or meetings
// it attended, that were purged: their rows are gone, and only the purge
// events in table say what they were about. The contact's id in quotes
// narrows the scan before the changes are read.
func findPurged(ctx context.Context, q store.Querier, d store.Dialect, table string, ws int64, id string, targets map[string][]string) error {
	marks, kinds := store.List(activityKinds)
	args := append(append([]any{ws}, kinds...), `%"`+id+`"%`)
	rows, err := q.QueryContext(ctx, `SELECT object, record_id, `+d.JSONOut("changes")+` FROM `+table+`
		WHERE workspace_id = ? AND action = 'purge' AND object IN (`+marks+`) AND `+d.JSONOut("changes")+` LIKE ?`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var object, rid, changes string
		if err := rows.Scan(&object, &rid, &changes); err != nil {
			return err
		}
		if wasAbout(changes, id) && !slices.Contains(targets[object], rid) {
			targets[object] = append(targets[object], rid)
		}
	}
	return rows.Err()
}

// wasAbout reports whether the changes of a purge event show a record
// that was about contact id or a meeting it attended.
func wasAbout(changes, id string) bool {
	var c struct {
		Type      struct{ Before any } `json:"record_type"`
		ID        struct{ Before any } `json:"record_id"`
		Attendees struct {
			Before []struct {
				ID string `json:"id"`
			}
		} `json:"attendees"`
	}
	if json.Unmarshal([]byte(changes), &c) != nil {
		return false
	}
	if c.Type.Before == "contact" && c.ID.Before == id {
		return true
	}
	for _, a := range c.Attendees.Before {
		if a.ID == id {
			return true
		}
	}
	return false
}

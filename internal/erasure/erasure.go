// Package erasure erases a contact at the person's request: the record is
// anonymised through the records engine, the texts of the activities
// about them are replaced, and the copies of their values that the
// database keeps elsewhere (the audit trail, the outbox, notifications,
// the search index, the duplicate keys) are scrubbed, all in one
// transaction. What the business counts stays: the contact's deals keep
// their values and links, its activities their dates, owners and kinds.
// docs/decisions/0044-erasure.md has the reasons.
package erasure

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/audit"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/outbox"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// Placeholders an erasure writes in place of personal data.
const (
	// Name is the erased contact's name, so that its deals and meetings
	// still name someone.
	Name = "Erased contact"
	// Text replaces a text that may not be empty (a note's body, a task's
	// title) and every value scrubbed from the audit trail and the outbox.
	Text = "[erased]"
)

// ActionErase is the audit trail's action of an erasure.
const ActionErase = "erase"

// Report says what an erasure did, in counts: it is what the audit trail
// keeps of it, since the erased data itself may not be kept.
type Report struct {
	ContactID     string    `json:"contact_id"`
	ErasedAt      time.Time `json:"erased_at"`
	Again         bool      `json:"again"` // the contact had been erased before
	Activities    int       `json:"activities"`
	AuditEntries  int       `json:"audit_entries"`
	OutboxEvents  int       `json:"outbox_events"`
	Notifications int       `json:"notifications"`
	SearchEntries int       `json:"search_entries"`
}

// activityKinds are the objects of the activities table; an activity is
// about the contact when its record_type and record_id name it, and a
// meeting also when the contact attended it.
var activityKinds = []string{"task", "note", "call", "meeting"}

// kept are the fields an erasure leaves as they were, on the record and
// in the audit trail: who owns it, where it came from, when things
// happened and how they are counted. Everything else goes.
var kept = map[string]bool{
	"id": true, "version": true, "created_at": true, "updated_at": true, "deleted_at": true,
	"owner_id": true, "source": true, "purchase_period_days": true, "last_purchase_on": true,
	"record_type": true, "record_id": true, "occurred_at": true, "type": true,
	"due_at": true, "done": true, "done_at": true, "direction": true, "duration_seconds": true,
	"call_result": true, "started_at": true, "starts_at": true, "ends_at": true, "attendees": true,
	"personal_data": true, // the audit entry of an export of the person's data says only that there was one
}

// Contact erases contact id of the actor's workspace. Only an
// administrator may. Erasing a contact again is harmless: it scrubs what
// has been written since (nothing, normally) and says so in Again. The
// engine should carry the services' hooks (duplicate keys, search, sales)
// as the server's does, so that everything derived from the record
// follows the anonymised values.
func Contact(ctx context.Context, db *store.DB, e *records.Engine, id string) (Report, error) {
	a, err := Allowed(ctx)
	if err != nil {
		return Report{}, err
	}
	r := Report{ContactID: id, ErasedAt: time.Now().UTC()}
	err = db.Tx(ctx, func(q store.Querier) error {
		r = Report{ContactID: id, ErasedAt: r.ErasedAt} // a retried transaction starts afresh
		ctx := store.Within(ctx, q)
		// First, before any read: no consumer may copy an event read
		// before the scrub below and write the copy after it.
		if err := outbox.Hold(ctx, q, db.Dialect); err != nil {
			return err
		}
		if db.Dialect == store.Postgres {
			return erase(ctx, q, db.Dialect, e, a, id, &r)
		}
		return wiping(ctx, q, func() error {
			if err := erase(ctx, q, db.Dialect, e, a, id, &r); err != nil {
				return err
			}
			// Deleting a document leaves its words in the full-text
			// index's older segments until they are merged; merging them
			// all takes 0.3 s at 133,000 records (decision 0044).
			_, err := q.ExecContext(ctx, `INSERT INTO search_fts (search_fts) VALUES ('optimize')`)
			return err
		})
	})
	return r, err
}

// wiping runs fn with SQLite's secure_delete on, so that the pages the
// erasure frees are overwritten rather than left holding the erased
// values until they are reused, and then puts the setting back.
func wiping(ctx context.Context, q store.Querier, fn func() error) error {
	var was int
	if err := q.QueryRowContext(ctx, `PRAGMA secure_delete`).Scan(&was); err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `PRAGMA secure_delete = ON`); err != nil {
		return err
	}
	err := fn()
	if _, reset := q.ExecContext(ctx, `PRAGMA secure_delete = `+strconv.Itoa(was)); err == nil {
		err = reset
	}
	return err
}

// Allowed returns the actor of ctx if it may erase contacts: only an
// administrator may, since an erasure cannot be undone and reaches into
// the audit trail.
func Allowed(ctx context.Context) (access.Actor, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return a, err
	}
	if a.Role != access.RoleAdministrator {
		return a, fault.Errorf(fault.EFORBIDDEN, "only administrators may erase a contact")
	}
	return a, nil
}

// erase does Contact's work inside its transaction.
func erase(ctx context.Context, q store.Querier, d store.Dialect, e *records.Engine, a access.Actor, id string, r *Report) error {
	rec, err := e.Get(ctx, "contacts", id, true)
	if err != nil {
		return err
	}
	num, _ := strconv.ParseInt(id, 10, 64)
	res, err := q.ExecContext(ctx, `INSERT INTO erasures (workspace_id, contact_id, erased_at, erased_by) VALUES (?, ?, ?, ?)
		ON CONFLICT (workspace_id, contact_id) DO NOTHING`, a.WorkspaceID, num, d.Time(r.ErasedAt), nullID(a.UserID))
	if err != nil {
		return err
	}
	n, _ := res.RowsAffected()
	r.Again = n == 0
	// The engine writes live records only: a contact in the trash comes
	// out for the erasure and goes back after it.
	if rec["deleted_at"] != nil {
		if _, err := e.Restore(ctx, "contacts", id); err != nil {
			return err
		}
	}
	if err := anonymise(ctx, e, "contacts", id, contactValues); err != nil {
		return err
	}
	acts, err := activities(ctx, q, a.WorkspaceID, id)
	if err != nil {
		return err
	}
	for _, act := range acts {
		if err := scrubActivity(ctx, e, act); err != nil {
			return err
		}
	}
	r.Activities = len(acts)
	if rec["deleted_at"] != nil {
		if err := e.Delete(ctx, "contacts", id, 0); err != nil {
			return err
		}
	}
	targets := map[string][]string{"contact": {id}}
	for _, act := range acts {
		targets[act.kind] = append(targets[act.kind], act.id)
	}
	if err := scrubCopies(ctx, q, d, a.WorkspaceID, id, targets, r); err != nil {
		return err
	}
	counts := map[string]audit.Change{}
	for name, n := range map[string]int{"activities": r.Activities, "audit_entries": r.AuditEntries,
		"outbox_events": r.OutboxEvents, "notifications": r.Notifications, "search_entries": r.SearchEntries} {
		counts[name] = audit.Change{After: n}
	}
	return audit.Record(ctx, q, d, audit.Entry{WorkspaceID: a.WorkspaceID, ActorID: a.UserID, At: r.ErasedAt,
		Action: ActionErase, Object: "contact", RecordID: id, Changes: counts})
}

// anonymise writes the values that values picks for the fields of the
// record through the engine, so that validation, derived fields, indexes
// and hooks follow as for any write.
func anonymise(ctx context.Context, e *records.Engine, list, id string, values func(*records.Field) (any, bool)) error {
	fields, err := e.Fields(ctx, list)
	if err != nil {
		return err
	}
	in := map[string]any{}
	for _, f := range fields {
		if f.ReadOnly || len(f.DerivedFrom) > 0 || kept[f.Name] {
			continue
		}
		if v, ok := values(f); ok {
			in[f.Name] = v
		}
	}
	_, err = e.Update(ctx, list, id, 0, in)
	return err
}

// contactValues empties every field of a contact but its name, which
// becomes the placeholder; a required custom field that takes text gets
// a placeholder of its type, and one that takes anything else keeps its
// value (it cannot be empty, and a choice or a number names nobody).
func contactValues(f *records.Field) (any, bool) {
	switch {
	case f.Name == "last_name":
		return Name, true
	case f.Required && textual(f.Type):
		return placeholder(f.Type), true
	case f.Required:
		return nil, false
	}
	return nil, true
}

// placeholder is a valid value of a textual type that names nobody. The
// invalid top-level domain is reserved: no address or site has it.
func placeholder(t records.Type) any {
	switch t {
	case records.Email:
		return []any{"erased@erased.invalid"}
	case records.URL:
		return "https://erased.invalid"
	case records.URLs:
		return []any{"https://erased.invalid"}
	case records.Phone, records.Tags:
		return []any{Text}
	case records.Address:
		return map[string]any{"street": Text}
	}
	return Text
}

// activityValues replaces an activity's texts: the required ones by the
// placeholder, the others by nothing. Its dates, kind, owner, result and
// attendees stay, for the reports that count activities; so do its custom
// fields that take no text, and all its custom fields are emptied but
// required ones, as on the contact.
func activityValues(f *records.Field) (any, bool) {
	if !textual(f.Type) && !f.Custom {
		return nil, false
	}
	return contactValues(f)
}

// textual reports whether values of type t are free text a person may be
// named in.
func textual(t records.Type) bool {
	switch t {
	case records.Text, records.LongText, records.Email, records.Phone, records.URL, records.URLs,
		records.Address, records.Tags:
		return true
	}
	return false
}

// activity is one activity about the erased contact.
type activity struct {
	kind, id string
	deleted  bool
}

// activities returns the activities about contact id and the meetings it
// attended, deleted ones included.
func activities(ctx context.Context, q store.Querier, ws int64, id string) ([]activity, error) {
	num, _ := strconv.ParseInt(id, 10, 64)
	rows, err := q.QueryContext(ctx, `SELECT kind, id, deleted_at IS NOT NULL FROM activities WHERE workspace_id = ?
		AND ((record_type = 'contact' AND record_id = ?)
		OR id IN (SELECT meeting_id FROM meeting_attendees WHERE workspace_id = ? AND contact_id = ?)) ORDER BY id`, ws, id, ws, num)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []activity
	for rows.Next() {
		var act activity
		var n int64
		if err := rows.Scan(&act.kind, &n, &act.deleted); err != nil {
			return nil, err
		}
		act.id = strconv.FormatInt(n, 10)
		out = append(out, act)
	}
	return out, rows.Err()
}

// scrubActivity replaces the texts of act through the engine; one in the
// trash comes out for it and goes back.
func scrubActivity(ctx context.Context, e *records.Engine, act activity) error {
	list := act.kind + "s"
	if act.deleted {
		if _, err := e.Restore(ctx, list, act.id); err != nil {
			return err
		}
	}
	if err := anonymise(ctx, e, list, act.id, activityValues); err != nil {
		return err
	}
	if act.deleted {
		return e.Delete(ctx, list, act.id, 0)
	}
	return nil
}

// scrubChanges replaces the values of the fields of a changes document
// (field -> {before, after}) that an erasure does not keep, and reports
// whether any was replaced.
func scrubChanges(doc string) (string, bool) {
	var changes map[string]map[string]any
	if err := json.Unmarshal([]byte(doc), &changes); err != nil {
		// Not field changes: nothing of it is known to be safe.
		return `{}`, doc != `{}`
	}
	changed := false
	for name, c := range changes {
		if kept[name] {
			continue
		}
		for side, v := range c {
			if v != nil && v != Text {
				c[side] = Text
				changed = true
			}
		}
	}
	out, _ := json.Marshal(changes)
	return string(out), changed
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

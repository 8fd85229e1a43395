// Package audit keeps the audit trail: who did what, to which record, when
// and from where. Record changes reach it from the outbox through a
// consumer that runs as a recurring job; other events (sign-ins, role and
// permission changes, exports, writes with a token) are written with
// Record by the code where they happen. Entries are never edited, and
// deleted only by age, by the retention task.
package audit

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/store"
)

// Actions of events that are not record changes, for callers of Record.
// Record changes carry the outbox's action: create, update, delete,
// restore or purge.
const (
	ActionSignIn           = "sign_in"
	ActionSignInFailed     = "sign_in_failed"
	ActionRoleChange       = "role_change"
	ActionPermissionChange = "permission_change"
	ActionExport           = "export"
	ActionTokenWrite       = "token_write"
)

// Change is the value of one field before and after an event.
type Change struct {
	Before any `json:"before"`
	After  any `json:"after"`
}

// Entry is one line of the audit trail.
type Entry struct {
	ID           int64             `json:"id,string"`
	WorkspaceID  int64             `json:"-"`
	At           time.Time         `json:"at"`
	ActorID      int64             `json:"actor_id,omitempty,string"` // 0: no known user
	ActorAddress string            `json:"actor_address,omitempty"`   // the client's IP address
	Action       string            `json:"action"`
	Object       string            `json:"object,omitempty"`
	RecordID     string            `json:"record_id,omitempty"`
	Changes      map[string]Change `json:"changes"`
}

// Record writes e through q. Pass the transaction of the change that e
// describes (a role change, say) so that both commit or neither does; for
// an event with no change to join, such as a failed sign-in, wrap the call
// in db.Tx. WorkspaceID and Action are required; a zero ActorID means no
// known user and a zero At means now. The ID is assigned by the database.
func Record(ctx context.Context, q store.Querier, d store.Dialect, e Entry) error {
	if e.WorkspaceID == 0 || e.Action == "" {
		return errors.New("audit: an entry needs a workspace and an action")
	}
	if e.At.IsZero() {
		e.At = time.Now()
	}
	changes := []byte("{}")
	if len(e.Changes) > 0 {
		var err error
		if changes, err = json.Marshal(e.Changes); err != nil {
			return err
		}
	}
	return insert(ctx, q, d, e, string(changes), nil)
}

// insert writes one entry whose changes are already JSON. eventID names
// the outbox row it was copied from, nil for entries written with Record.
func insert(ctx context.Context, q store.Querier, d store.Dialect, e Entry, changes string, eventID any) error {
	var actor any
	if e.ActorID != 0 {
		actor = e.ActorID
	}
	_, err := q.ExecContext(ctx, `INSERT INTO audit_log (workspace_id, at, actor_id, actor_address, action, object, record_id, changes, event_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, `+d.JSONIn()+`, ?)`,
		e.WorkspaceID, d.Time(e.At), actor, e.ActorAddress, e.Action, e.Object, e.RecordID, changes, eventID)
	return err
}

// Filter narrows a List. Zero fields do not filter.
type Filter struct {
	Object   string
	RecordID string
	UserID   int64 // the acting user
	Action   string
	From     time.Time // inclusive
	To       time.Time // exclusive
	// Field keeps the entries that changed the field; Before and After,
	// with it, those whose value before or after was this. A money field
	// (value) compares its amount in minor units.
	Field, Before, After string
}

// Page is one page of entries, newest first.
type Page struct {
	Data       []Entry `json:"data"`
	NextCursor string  `json:"next_cursor,omitempty"`
}

// Page sizes of List.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// List returns the entries of the actor's workspace that match f, newest
// first, limit at a time (0 means DefaultLimit). cursor is the NextCursor
// of the previous page, or "" for the first. Deciding who may read the
// trail is the caller's business; List only keeps workspaces apart.
func List(ctx context.Context, db *store.DB, f Filter, cursor string, limit int) (Page, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return Page{}, err
	}
	where, args, err := conditions(db.Dialect, a.WorkspaceID, f, cursor)
	if err != nil {
		return Page{}, err
	}
	if limit == 0 {
		limit = DefaultLimit
	}
	if limit < 1 || limit > MaxLimit {
		return Page{}, fault.Field("limit", "range", "must be between 1 and %d", MaxLimit)
	}
	rows, err := db.Reader().QueryContext(ctx, `SELECT id, at, actor_id, actor_address, action, object, record_id, `+
		db.Dialect.JSONOut("changes")+` FROM audit_log WHERE `+where+
		` ORDER BY at DESC, id DESC LIMIT `+strconv.Itoa(limit+1), args...)
	if err != nil {
		return Page{}, err
	}
	defer rows.Close()
	page := Page{Data: []Entry{}}
	for rows.Next() {
		if len(page.Data) == limit {
			last := page.Data[limit-1]
			page.NextCursor = encodeCursor(last.At, last.ID)
			break
		}
		e, err := scanEntry(rows, a.WorkspaceID)
		if err != nil {
			return Page{}, err
		}
		page.Data = append(page.Data, e)
	}
	return page, rows.Err()
}

// conditions is the WHERE clause of a List, always within workspace ws.
func conditions(d store.Dialect, ws int64, f Filter, cursor string) (string, []any, error) {
	where, args := []string{"workspace_id = ?"}, []any{ws}
	add := func(cond string, v ...any) {
		where, args = append(where, cond), append(args, v...)
	}
	if f.Object != "" {
		add("object = ?", f.Object)
	}
	if f.RecordID != "" {
		add("record_id = ?", f.RecordID)
	}
	if f.UserID != 0 {
		add("actor_id = ?", f.UserID)
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if !f.From.IsZero() {
		add("at >= ?", d.Time(f.From))
	}
	if !f.To.IsZero() {
		add("at < ?", d.Time(f.To))
	}
	if f.Field != "" {
		if !fieldName(f.Field) {
			return "", nil, fault.Field("field", "format", "must be a field name")
		}
		add(d.JSONPath("changes", f.Field, false) + " IS NOT NULL")
		for _, side := range []struct{ name, want string }{{"before", f.Before}, {"after", f.After}} {
			if side.want == "" {
				continue
			}
			if f.Field == "value" {
				n, err := strconv.ParseInt(side.want, 10, 64)
				if err != nil {
					return "", nil, fault.Field(side.name, "type", "must be an amount in minor units")
				}
				add(d.JSONPath("changes", "value."+side.name+".amount", true)+" = ?", n)
				continue
			}
			add(d.JSONPath("changes", f.Field+"."+side.name, false)+" = ?", side.want)
		}
	}
	if cursor != "" {
		at, id, err := decodeCursor(cursor)
		if err != nil {
			return "", nil, err
		}
		add("(at, id) < (?, ?)", d.Time(at), id)
	}
	return strings.Join(where, " AND "), args, nil
}

// fieldName says whether s may name a field in a JSON path: lower-case
// letters, digits and underscores.
func fieldName(s string) bool {
	if len(s) > 64 {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' {
			return false
		}
	}
	return true
}

type scanner interface{ Scan(dest ...any) error }

func scanEntry(row scanner, ws int64) (Entry, error) {
	e := Entry{WorkspaceID: ws}
	var at any
	var actor *int64
	var changes string
	if err := row.Scan(&e.ID, &at, &actor, &e.ActorAddress, &e.Action, &e.Object, &e.RecordID, &changes); err != nil {
		return e, err
	}
	e.At, _ = store.ParseTime(at)
	if actor != nil {
		e.ActorID = *actor
	}
	// Numbers stay as written: a large id must not turn into a float.
	dec := json.NewDecoder(bytes.NewReader([]byte(changes)))
	dec.UseNumber()
	if err := dec.Decode(&e.Changes); err != nil {
		return e, err
	}
	return e, nil
}

// A cursor is the (at, id) of the last entry of a page, opaque to clients.
func encodeCursor(at time.Time, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(at.UnixMicro(), 10) + "." + strconv.FormatInt(id, 10)))
}

func decodeCursor(s string) (time.Time, int64, error) {
	bad := fault.Field("cursor", "cursor", "is not a cursor from this list; start again without it")
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return time.Time{}, 0, bad
	}
	us, id, ok := strings.Cut(string(raw), ".")
	micros, err1 := strconv.ParseInt(us, 10, 64)
	n, err2 := strconv.ParseInt(id, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return time.Time{}, 0, bad
	}
	return time.UnixMicro(micros).UTC(), n, nil
}

// purgeChunk bounds each delete of Purge, so that no transaction holds
// the SQLite writer, or many PostgreSQL row locks, for long.
const purgeChunk = 1000

// Purge deletes the entries older than olderThan, in every workspace, and
// returns how many went. Zero or less keeps everything. It is the only way
// entries leave the trail.
func Purge(ctx context.Context, db *store.DB, olderThan time.Duration) (int64, error) {
	if olderThan <= 0 {
		return 0, nil
	}
	cutoff := db.Dialect.Time(time.Now().Add(-olderThan))
	workspaces, err := workspaceIDs(ctx, db)
	if err != nil {
		return 0, err
	}
	var total int64
	for _, ws := range workspaces {
		n, err := purgeWorkspace(ctx, db, ws, cutoff)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

func purgeWorkspace(ctx context.Context, db *store.DB, ws int64, cutoff any) (int64, error) {
	var total int64
	for {
		var n int64
		err := db.Tx(ctx, func(q store.Querier) error {
			res, err := q.ExecContext(ctx, `DELETE FROM audit_log WHERE workspace_id = ? AND id IN
				(SELECT id FROM audit_log WHERE workspace_id = ? AND at < ? ORDER BY at LIMIT `+strconv.Itoa(purgeChunk)+`)`,
				ws, ws, cutoff)
			if err == nil {
				n, err = res.RowsAffected()
			}
			return err
		})
		total += n
		if err != nil || n < purgeChunk {
			return total, err
		}
	}
}

func workspaceIDs(ctx context.Context, db *store.DB) ([]int64, error) {
	return store.Column[int64](ctx, db.Reader(), `SELECT id FROM workspaces ORDER BY id`)
}

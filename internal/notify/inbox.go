package notify

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/input"
	"github.com/rapport-crm/rapport/internal/store"
)

// Inbox is the acting user's view of their own notifications. Nobody reads
// another user's notifications, administrators included: they are
// addressed to one person, so no role grant is consulted.
type Inbox struct {
	db  *store.DB
	now func() time.Time
}

// NewInbox returns the inbox over db.
func NewInbox(db *store.DB) *Inbox { return &Inbox{db: db, now: time.Now} }

// Page is one page of notifications, newest first.
type Page struct {
	Data       []Notification `json:"data"`
	NextCursor string         `json:"next_cursor,omitempty"`
}

// Query selects a page of the inbox.
type Query struct {
	Unread bool
	Limit  int    // 0 means DefaultLimit
	Cursor string // from the previous page's NextCursor
}

// DefaultLimit and MaxLimit bound a page.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// columns is the SELECT list that scan reads.
const columns = `id, workspace_id, user_id, kind, title, body, record_type, record_id, created_at, read_at`

func scan(row interface{ Scan(...any) error }) (Notification, error) {
	var n Notification
	var id int64
	var rt, rid sql.NullString
	var created, read any
	if err := row.Scan(&id, &n.workspace, &n.UserID, &n.Kind, &n.Title, &n.Body, &rt, &rid, &created, &read); err != nil {
		return n, err
	}
	n.ID, n.RecordType, n.RecordID = strconv.FormatInt(id, 10), rt.String, rid.String
	n.CreatedAt = stamp(created)
	if read != nil {
		s := stamp(read)
		n.ReadAt = &s
	}
	return n, nil
}

func stamp(v any) string {
	t, _ := store.ParseTime(v)
	return t.Format("2006-01-02T15:04:05.000000Z")
}

// user returns the acting user; a system actor has no inbox.
func user(ctx context.Context) (access.Actor, error) {
	a, err := access.ActorFrom(ctx)
	if err == nil && a.UserID == 0 {
		err = fault.Errorf(fault.EFORBIDDEN, "only a user has notifications")
	}
	return a, err
}

// List returns a page of the actor's notifications, newest first.
func (in *Inbox) List(ctx context.Context, q Query) (Page, error) {
	a, err := user(ctx)
	if err != nil {
		return Page{}, err
	}
	if q.Limit == 0 {
		q.Limit = DefaultLimit
	}
	if q.Limit < 1 || q.Limit > MaxLimit {
		return Page{}, fault.Field("limit", "range", "must be between 1 and %d", MaxLimit)
	}
	where, args := []string{"workspace_id = ?", "user_id = ?"}, []any{a.WorkspaceID, a.UserID}
	if q.Unread {
		where = append(where, "read_at IS NULL")
	}
	if q.Cursor != "" {
		before, err := decodeCursor(q.Cursor)
		if err != nil {
			return Page{}, err
		}
		where, args = append(where, "id < ?"), append(args, before)
	}
	rows, err := in.db.Reader().QueryContext(ctx, `SELECT `+columns+` FROM notifications WHERE `+
		strings.Join(where, " AND ")+` ORDER BY id DESC LIMIT `+strconv.Itoa(q.Limit+1), args...)
	if err != nil {
		return Page{}, err
	}
	defer rows.Close()
	p := Page{Data: []Notification{}}
	for rows.Next() {
		n, err := scan(rows)
		if err != nil {
			return Page{}, err
		}
		p.Data = append(p.Data, n)
	}
	if len(p.Data) > q.Limit {
		p.Data = p.Data[:q.Limit]
		p.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(p.Data[q.Limit-1].ID))
	}
	return p, rows.Err()
}

func decodeCursor(c string) (int64, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		if id, perr := strconv.ParseInt(string(raw), 10, 64); perr == nil && id > 0 {
			return id, nil
		}
	}
	return 0, fault.Field("cursor", "format", "is not a cursor this list gave out")
}

// Read marks one of the actor's notifications read and returns it. Marking
// it again keeps the first time.
func (in *Inbox) Read(ctx context.Context, id string) (Notification, error) {
	a, err := user(ctx)
	if err != nil {
		return Notification{}, err
	}
	n, ok := input.ID(id)
	missing := fault.Errorf(fault.ENOTFOUND, "no notification with id %q", id)
	if !ok {
		return Notification{}, missing
	}
	var out Notification
	err = in.db.Tx(ctx, func(q store.Querier) error {
		if _, err := q.ExecContext(ctx, `UPDATE notifications SET read_at = ? WHERE workspace_id = ? AND user_id = ? AND id = ? AND read_at IS NULL`,
			in.db.Dialect.Time(in.now()), a.WorkspaceID, a.UserID, n); err != nil {
			return err
		}
		out, err = scan(q.QueryRowContext(ctx, `SELECT `+columns+` FROM notifications WHERE workspace_id = ? AND user_id = ? AND id = ?`,
			a.WorkspaceID, a.UserID, n))
		if errors.Is(err, sql.ErrNoRows) {
			return missing
		}
		return err
	})
	return out, err
}

// ReadAll marks every unread notification of the actor read and returns
// how many it marked.
func (in *Inbox) ReadAll(ctx context.Context) (int64, error) {
	a, err := user(ctx)
	if err != nil {
		return 0, err
	}
	var n int64
	err = in.db.Tx(ctx, func(q store.Querier) error {
		res, err := q.ExecContext(ctx, `UPDATE notifications SET read_at = ? WHERE workspace_id = ? AND user_id = ? AND read_at IS NULL`,
			in.db.Dialect.Time(in.now()), a.WorkspaceID, a.UserID)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// After returns the actor's notifications with ids above after, oldest
// first, at most MaxLimit: what a stream that reconnects has missed.
func (in *Inbox) After(ctx context.Context, after string) ([]Notification, error) {
	a, err := user(ctx)
	if err != nil {
		return nil, err
	}
	id, err := strconv.ParseInt(after, 10, 64)
	if err != nil || id < 0 {
		return nil, fault.Field("Last-Event-ID", "format", "is not a notification id")
	}
	rows, err := in.db.Reader().QueryContext(ctx, `SELECT `+columns+` FROM notifications
		WHERE workspace_id = ? AND user_id = ? AND id > ? ORDER BY id LIMIT `+strconv.Itoa(MaxLimit), a.WorkspaceID, a.UserID, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Notification
	for rows.Next() {
		n, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// Unread returns how many of the actor's notifications are unread,
// counting no further than most: a badge shows "99+", and a count of
// every unread row would grow with a neglected inbox. It reads the
// notifications_unread index alone.
func (in *Inbox) Unread(ctx context.Context, most int) (int, error) {
	a, err := user(ctx)
	if err != nil {
		return 0, err
	}
	var n int
	err = in.db.Reader().QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM notifications
		WHERE workspace_id = ? AND user_id = ? AND read_at IS NULL LIMIT `+strconv.Itoa(most)+`) u`,
		a.WorkspaceID, a.UserID).Scan(&n)
	return n, err
}

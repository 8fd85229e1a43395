// Package notify keeps what each user is told: reminders of tasks, low
// stock, overdue repeat purchases, and what colleagues do (Kinds). A
// notification is written in the transaction of whatever caused it, and
// delivered in the app and by mail by background work: the Inbox lists
// and marks them, the Broker pushes new ones to open streams, and the
// Mailer sends each one once by mail, unless its user chose otherwise
// for its kind (Preferences).
package notify

import (
	"context"
	"time"

	"github.com/rapport-crm/rapport/internal/outbox"
	"github.com/rapport-crm/rapport/internal/store"
)

// Notification is one message to one user.
type Notification struct {
	ID         string  `json:"id"` // set once stored
	UserID     int64   `json:"-"`
	Kind       string  `json:"kind"` // one of Kinds, e.g. task_due, assigned, mentioned
	Title      string  `json:"title"`
	Body       string  `json:"body"`
	RecordType string  `json:"record_type,omitempty"` // the record it is about, if any
	RecordID   string  `json:"record_id,omitempty"`
	CreatedAt  string  `json:"created_at,omitempty"`
	ReadAt     *string `json:"read_at"`
	// Key, when set, makes the notification once-only: a second Add with
	// the same user and key does nothing.
	Key string `json:"-"`
	// Quiet keeps the notification in the app only: it is never mailed,
	// as a call ringing now is no news an hour later.
	Quiet bool `json:"-"`

	workspace int64 // for the broker, which reads every workspace
}

// Add writes n for workspace ws in q, the caller's transaction, and
// reports whether it was new. A write marked silent (outbox.Silent: an
// import that asked to tell nobody) adds nothing, whichever hook asks.
func Add(ctx context.Context, q store.Querier, d store.Dialect, ws int64, n Notification) (bool, error) {
	if outbox.IsSilent(ctx) {
		return false, nil
	}
	var key, rt, rid, mailed any
	if n.Key != "" {
		key = n.Key
	}
	if n.RecordType != "" {
		rt, rid = n.RecordType, n.RecordID
	}
	now := d.Time(time.Now())
	if n.Quiet {
		mailed = now
	}
	res, err := q.ExecContext(ctx, `INSERT INTO notifications (workspace_id, user_id, kind, title, body, record_type, record_id, key, created_at, mailed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		ws, n.UserID, n.Kind, n.Title, n.Body, rt, rid, key, now, mailed)
	if err != nil {
		return false, err
	}
	added, err := res.RowsAffected()
	if added == 1 {
		// The row is not committed yet; the brokers of this process look
		// again shortly, and the commit is seen then.
		wakeAll()
	}
	return added == 1, err
}

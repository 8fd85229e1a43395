package notify

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/mail"
	"github.com/rapport-crm/rapport/internal/store"
)

// Mailer sends each notification by mail to its user once. A message is
// marked mailed only after the sender took it, so a failure sends it again
// on the next run rather than losing it; a notification already read in
// the app, addressed to a user who can no longer sign in, or of a kind its
// user chose not to get by mail, is not sent.
type Mailer struct {
	db     *store.DB
	sender mail.Sender
	base   string // the web app's address, for the link to the record
	log    *slog.Logger
	now    func() time.Time
}

// NewMailer returns a mailer sending through sender. Each mail links to
// its notification in the web app at base (when set), which opens the
// record it is about once the reader has signed in.
func NewMailer(db *store.DB, sender mail.Sender, base string, log *slog.Logger) *Mailer {
	if log == nil {
		log = slog.Default()
	}
	return &Mailer{db: db, sender: sender, base: strings.TrimSuffix(base, "/"), log: log, now: time.Now}
}

// mailBatch bounds one run, so a backlog is sent over several runs.
const mailBatch = 100

type pending struct {
	ws, id int64
	to     string // "" when the user should not get mail
	msg    mail.Message
}

// Run sends the notifications not mailed yet and returns how many it sent.
func (m *Mailer) Run(ctx context.Context) (int, error) {
	batch, err := m.pending(ctx)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, p := range batch {
		if p.to != "" {
			if err := m.sender.Send(ctx, p.msg); err != nil {
				return sent, fmt.Errorf("mail notification %d: %w", p.id, err)
			}
			sent++
		}
		err := m.db.Tx(ctx, func(q store.Querier) error {
			_, err := q.ExecContext(ctx, `UPDATE notifications SET mailed_at = ? WHERE workspace_id = ? AND id = ?`,
				m.db.Dialect.Time(m.now()), p.ws, p.id)
			return err
		})
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}

func (m *Mailer) pending(ctx context.Context) ([]pending, error) {
	rows, err := m.db.Reader().QueryContext(ctx, `SELECT n.workspace_id, n.id, n.title, n.body, n.read_at IS NULL,
		u.email, u.status = 'active' AND u.deactivated_at IS NULL, coalesce(p.mail, `+sqlTrue(m.db.Dialect)+`)
		FROM notifications n LEFT JOIN users u ON u.workspace_id = n.workspace_id AND u.id = n.user_id
		LEFT JOIN notification_preferences p ON p.workspace_id = n.workspace_id AND p.user_id = n.user_id AND p.kind = n.kind
		WHERE n.mailed_at IS NULL ORDER BY n.id LIMIT ?`, mailBatch)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []pending
	for rows.Next() {
		var p pending
		var title, body string
		var email *string
		var unread bool
		var active *bool
		var wanted bool
		if err := rows.Scan(&p.ws, &p.id, &title, &body, &unread, &email, &active, &wanted); err != nil {
			return nil, err
		}
		if email != nil && active != nil && *active && unread && wanted {
			p.to = *email
			text := body
			if m.base != "" {
				text += "\n\n" + m.base + "/notifications/" + strconv.FormatInt(p.id, 10) + "/open"
			}
			p.msg = mail.Message{To: *email, Subject: title, Text: strings.TrimSpace(text + "\n\n— Rapport")}
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// sqlTrue is the literal of true in d: SQLite stores booleans as 1 and 0.
func sqlTrue(d store.Dialect) string {
	if d == store.Postgres {
		return "true"
	}
	return "1"
}

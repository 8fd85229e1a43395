package activity

import (
	"context"
	"strconv"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/notify"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// Reminder levels, kept in activities.reminder_level: how far a task's
// reminders for its current due time have got.
const (
	remindedNone    = 0
	remindedDueSoon = 1
	remindedOverdue = 2
)

// remindBatch bounds the tasks reminded in one transaction, and
// remindBatches one run, so that SQLite's single writer is held briefly and
// a backlog is worked off over several runs.
const (
	remindBatch   = 200
	remindBatches = 50
)

// staleAfter is how long overdue a task may be and still be reminded of.
// A task overdue for longer when first seen (imported, or open since
// before Rapport ran) is not announced: a first start would otherwise
// mail its assignees every old task at once.
const staleAfter = 7 * 24 * time.Hour

// owed is a task owed a reminder.
type owed struct {
	ws, id int64
	title  string
	due    time.Time
	dueRaw any // as read, to find the row only while its due time holds
	owner  *int64
	level  int
}

// Remind tells the assignees of open tasks coming due within the lead, and
// of those now overdue, once each for every due time the task has had: a
// task due soon gets a reminder, then one more when it is overdue. Each is
// a notification, which the mailer also sends by mail. It returns how many
// notifications it made.
func (s *Service) Remind(ctx context.Context) (int, error) {
	total := 0
	for range remindBatches {
		n, more, err := s.remindBatch(ctx)
		total += n
		if err != nil || !more {
			return total, err
		}
	}
	return total, nil
}

// sqlFalse is the literal that matches the partial indexes on done: SQLite
// stores booleans as 0 and 1, and both planners use a partial index only
// for a query whose condition repeats the index's.
func sqlFalse(d store.Dialect) string {
	if d == store.Postgres {
		return "false"
	}
	return "0"
}

func (s *Service) remindBatch(ctx context.Context) (made int, more bool, err error) {
	now := s.opts.Now().UTC()
	d := s.db.Dialect
	err = s.db.Tx(ctx, func(q store.Querier) error {
		made = 0 // a retried transaction counts afresh
		tasks, err := s.owed(ctx, q, now)
		if err != nil {
			return err
		}
		more = len(tasks) == remindBatch
		for _, t := range tasks {
			n, err := s.remindOne(ctx, q, d, t, now)
			if err != nil {
				return err
			}
			made += n
		}
		return nil
	})
	return made, more, err
}

// owed reads the open tasks owed a reminder: due within the lead and not
// reminded yet, or overdue and not reminded of that. It reads the
// activities_reminders index, which holds only tasks still owed one.
func (s *Service) owed(ctx context.Context, q store.Querier, now time.Time) ([]owed, error) {
	d := s.db.Dialect
	rows, err := q.QueryContext(ctx, `SELECT workspace_id, id, title, due_at, owner_id, reminder_level
		FROM activities WHERE kind = 'task' AND done = `+sqlFalse(d)+` AND deleted_at IS NULL AND reminder_level < 2
		AND due_at > ? AND due_at <= ? AND (reminder_level = 0 OR due_at <= ?) ORDER BY due_at, id LIMIT `+strconv.Itoa(remindBatch),
		d.Time(now.Add(-staleAfter)), d.Time(now.Add(s.opts.RemindLead)), d.Time(now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []owed
	for rows.Next() {
		var t owed
		var title *string
		if err := rows.Scan(&t.ws, &t.id, &title, &t.dueRaw, &t.owner, &t.level); err != nil {
			return nil, err
		}
		if title != nil {
			t.title = *title
		}
		t.due, _ = store.ParseTime(t.dueRaw)
		out = append(out, t)
	}
	return out, rows.Err()
}

// remindOne notifies the assignee of t, unless a notification of the same
// due time exists, and moves its level on.
func (s *Service) remindOne(ctx context.Context, q store.Querier, d store.Dialect, t owed, now time.Time) (int, error) {
	level, kind, title := remindedDueSoon, "task_due", "Task due soon"
	if !t.due.After(now) {
		level, kind, title = remindedOverdue, "task_overdue", "Task overdue"
	}
	due := records.FormatTime(t.due)
	made := 0
	if t.owner != nil {
		// The notification copies what the assignee's role lets them see
		// of the task now.
		rules, err := s.engine.Policy().Fields(ctx, access.Actor{WorkspaceID: t.ws, UserID: *t.owner}, "task")
		if err != nil {
			return 0, err
		}
		what, when := strconv.Quote(t.title), " at "+t.due.Format("2006-01-02 15:04")+" UTC"
		if rules["title"] == access.FieldHidden {
			what = "A task"
		} else {
			title += ": " + t.title
		}
		if rules["due_at"] == access.FieldHidden {
			when = ""
		}
		added, err := notify.Add(ctx, q, d, t.ws, notify.Notification{UserID: *t.owner, Kind: kind, Title: title,
			Body:       what + " is due" + when + ".",
			RecordType: "task", RecordID: strconv.FormatInt(t.id, 10),
			Key: kind + ":" + strconv.FormatInt(t.id, 10) + ":" + due})
		if err != nil {
			return 0, err
		}
		if added {
			made = 1
		}
	}
	_, err := q.ExecContext(ctx, `UPDATE activities SET reminder_level = ? WHERE workspace_id = ? AND id = ? AND due_at = ?`,
		level, t.ws, t.id, t.dueRaw)
	return made, err
}

package sales

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// Repeat customers: a contact or company with purchase_period_days is
// expected to buy again that many days after last_purchase_on. The column
// purchase_due_on (not a field: nobody writes it but this file) holds the
// next due date, so that the reminder job reads every workspace's due
// customers from one index instead of computing dates row by row.

// customers are the objects that can be repeat customers, with the table
// column that names them.
var customers = []struct{ object, table, name string }{
	{"contact", "contacts", "full_name"},
	{"company", "companies", "name"},
}

// afterCustomer keeps purchase_due_on in step with a change of the
// expected purchase period.
func (s *Service) afterCustomer(ctx context.Context, w *records.Write) error {
	if w.Action != "create" && w.Action != "update" {
		return nil
	}
	if _, ok := w.Vals["purchase_period_days"]; !ok {
		return nil
	}
	last, _ := w.Rec["last_purchase_on"].(string)
	period, _ := records.Int(w.Rec["purchase_period_days"])
	id, _ := strconv.ParseInt(w.ID, 10, 64)
	_, err := w.Q.ExecContext(ctx, `UPDATE `+w.Object.Table()+` SET purchase_due_on = ? WHERE workspace_id = ? AND id = ?`,
		dueOn(last, period), w.Actor.WorkspaceID, id)
	return err
}

// dueOn is the date a purchase is next due, or nil when there is none to
// expect.
func dueOn(last string, period int64) any {
	d, err := time.Parse(time.DateOnly, last)
	if err != nil || period <= 0 {
		return nil
	}
	return d.AddDate(0, 0, int(period)).Format(time.DateOnly)
}

// markPurchase records the win of a deal as the last purchase of its
// company and contacts. The field is read-only to everyone, so it is
// written here, with a version and an event as the engine would.
func (s *Service) markPurchase(ctx context.Context, w *records.Write) error {
	today := s.today()
	type customer struct{ table, object, id string }
	var list []customer
	if id, ok := w.Rec["company_id"].(string); ok && id != "" {
		list = append(list, customer{"companies", "company", id})
	}
	links, _ := w.Rec["contacts"].([]records.LinkRef)
	for _, l := range links {
		list = append(list, customer{"contacts", "contact", l.ID})
	}
	for _, c := range list {
		n, _ := strconv.ParseInt(c.id, 10, 64)
		var last sql.NullString
		var period sql.NullInt64
		err := w.Q.QueryRowContext(ctx, `SELECT last_purchase_on, purchase_period_days FROM `+c.table+`
			WHERE workspace_id = ? AND id = ? AND deleted_at IS NULL`, w.Actor.WorkspaceID, n).Scan(&last, &period)
		if errors.Is(err, sql.ErrNoRows) || (last.Valid && last.String >= today) {
			continue
		}
		if err != nil {
			return err
		}
		if _, err := w.Q.ExecContext(ctx, `UPDATE `+c.table+` SET last_purchase_on = ?, purchase_due_on = ?, version = version + 1, updated_at = ?
			WHERE workspace_id = ? AND id = ?`, today, dueOn(today, period.Int64), s.db.Dialect.Time(s.now()), w.Actor.WorkspaceID, n); err != nil {
			return err
		}
		var before any
		if last.Valid {
			before = last.String
		}
		if err := s.event(ctx, w.Q, w.Actor, c.object, c.id, map[string]any{"last_purchase_on": change(before, today)}); err != nil {
			return err
		}
	}
	return nil
}

// due is one repeat customer whose next purchase is due.
type due struct {
	ws, id, owner int64
	name, on      string
	period        int64
}

// RemindRepeatPurchases creates, for every repeat customer whose next
// purchase has fallen due, a follow-up task for its owner, made through
// the engine as that owner. A customer gets one task per due date (a
// second run finds the date already served), and its next due date moves
// on by whole periods past today, so an overdue customer is reminded once
// per period rather than on every run. It returns the number of tasks made.
func (s *Service) RemindRepeatPurchases(ctx context.Context) (int, error) {
	made := 0
	for _, c := range customers {
		for {
			batch, err := s.dueCustomers(ctx, c.table, c.name)
			if err != nil {
				return made, err
			}
			for _, d := range batch {
				ok, err := s.remind(ctx, c.object, c.table, d)
				if err != nil {
					return made, err
				}
				if ok {
					made++
				}
			}
			if len(batch) < dueBatch {
				break
			}
		}
	}
	return made, nil
}

const dueBatch = 200

func (s *Service) dueCustomers(ctx context.Context, table, name string) ([]due, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT workspace_id, id, owner_id, `+name+`, purchase_due_on, purchase_period_days
		FROM `+table+` WHERE purchase_due_on IS NOT NULL AND purchase_due_on <= ? AND deleted_at IS NULL
		ORDER BY purchase_due_on, workspace_id, id LIMIT `+strconv.Itoa(dueBatch), s.today())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []due
	for rows.Next() {
		var d due
		var owner, period sql.NullInt64
		var name sql.NullString
		if err := rows.Scan(&d.ws, &d.id, &owner, &name, &d.on, &period); err != nil {
			return nil, err
		}
		d.owner, d.name, d.period = owner.Int64, name.String, period.Int64
		out = append(out, d)
	}
	return out, rows.Err()
}

// remind serves one due customer: the task (unless its date was served
// already, or no owner can be told) and the next due date, in one
// transaction. A task the owner may not be given is logged and skipped,
// so that one customer cannot stall the job.
func (s *Service) remind(ctx context.Context, object, table string, d due) (bool, error) {
	made := false
	err := s.db.Tx(ctx, func(q store.Querier) error {
		var err error
		made, err = s.remindIn(ctx, q, object, table, d, true)
		return err
	})
	if err != nil && fault.Code(err) != fault.EINTERNAL {
		s.log.Warn("repeat purchase task not made", "workspace", d.ws, "object", object, "id", d.id, "err", err)
		err = s.db.Tx(ctx, func(q store.Querier) error {
			_, err := s.remindIn(ctx, q, object, table, d, false)
			return err
		})
		made = false
	}
	return made, err
}

func (s *Service) remindIn(ctx context.Context, q store.Querier, object, table string, d due, task bool) (bool, error) {
	res, err := q.ExecContext(ctx, `INSERT INTO repeat_purchase_tasks (workspace_id, record_type, record_id, due_on, created_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, d.ws, object, d.id, d.on, s.db.Dialect.Time(s.now()))
	if err != nil {
		return false, err
	}
	fresh, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	made := false
	if fresh == 1 && task && d.owner != 0 {
		as := access.WithActor(store.Within(ctx, q), access.Actor{WorkspaceID: d.ws, UserID: d.owner})
		id := strconv.FormatInt(d.id, 10)
		rec, err := s.engine.Create(as, "task", map[string]any{
			"title": "Repeat purchase due: " + d.name, "type": "follow_up", "record_type": object, "record_id": id,
			"owner_id": strconv.FormatInt(d.owner, 10), "due_at": records.FormatTime(s.now()),
		})
		if err != nil {
			return false, err
		}
		taskID, _ := strconv.ParseInt(rec["id"].(string), 10, 64)
		if _, err := q.ExecContext(ctx, `UPDATE repeat_purchase_tasks SET task_id = ? WHERE workspace_id = ? AND record_type = ? AND record_id = ? AND due_on = ?`,
			taskID, d.ws, object, d.id, d.on); err != nil {
			return false, err
		}
		made = true
	}
	_, err = q.ExecContext(ctx, `UPDATE `+table+` SET purchase_due_on = ? WHERE workspace_id = ? AND id = ?`,
		s.nextDue(d.on, d.period), d.ws, d.id)
	return made, err
}

// nextDue moves a due date on by whole periods until it is after today.
func (s *Service) nextDue(on string, period int64) any {
	d, err := time.Parse(time.DateOnly, on)
	if err != nil || period <= 0 {
		return nil
	}
	today := s.today()
	for d.Format(time.DateOnly) <= today {
		d = d.AddDate(0, 0, int(period))
	}
	return d.Format(time.DateOnly)
}

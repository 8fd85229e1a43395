package webhook

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/input"
	"github.com/rapport-crm/rapport/internal/store"
)

// Delivery is one message to one endpoint, as the log shows it: what was
// sent, the last answer, and when the next attempt is due.
type Delivery struct {
	ID          string          `json:"id"`
	WebhookID   string          `json:"webhook_id"` // the message's webhook-id header
	Type        string          `json:"type"`
	Object      string          `json:"object"`
	RecordID    string          `json:"record_id"`
	Status      string          `json:"status"` // queued, pending, delivered or failed
	Attempts    int             `json:"attempts"`
	NextAt      *time.Time      `json:"next_attempt_at,omitempty"`
	LastAt      *time.Time      `json:"last_attempt_at,omitempty"`
	Request     json.RawMessage `json:"request"`
	Response    *Response       `json:"response,omitempty"`
	LatencyMS   *int64          `json:"latency_ms,omitempty"`
	Error       string          `json:"error,omitempty"`
	CreatedAt   time.Time       `json:"created_at"`
	DeliveredAt *time.Time      `json:"delivered_at,omitempty"`
}

// Response is the last answer to a delivery; Body is its first KeepBody
// bytes.
type Response struct {
	Status int    `json:"status"`
	Body   string `json:"body"`
}

// DeliveryPage is one page of the log, newest first.
type DeliveryPage struct {
	Data       []Delivery `json:"data"`
	NextCursor string     `json:"next_cursor,omitempty"`
}

// Page sizes of Deliveries.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// Statuses of a delivery.
// A queued one waits for an earlier delivery of its record to the same
// endpoint; a pending one is due at next_attempt_at.
var Statuses = []string{"queued", "pending", "delivered", "failed"}

const deliveryColumns = `id, message_id, event_type, object, record_id, status, attempts, next_at, last_at, payload,
	response_status, response_body, latency_ms, error, created_at, delivered_at`

func scanDelivery(row interface{ Scan(...any) error }) (Delivery, error) {
	var d Delivery
	var id int64
	var next, last, created, delivered any
	var payload string
	var code, latency sql.NullInt64
	var body, errText sql.NullString
	if err := row.Scan(&id, &d.WebhookID, &d.Type, &d.Object, &d.RecordID, &d.Status, &d.Attempts, &next, &last, &payload,
		&code, &body, &latency, &errText, &created, &delivered); err != nil {
		return d, err
	}
	d.ID = strconv.FormatInt(id, 10)
	d.Request = json.RawMessage(payload)
	if t, ok := store.ParseTime(next); ok && d.Status == "pending" {
		d.NextAt = &t
	}
	if t, ok := store.ParseTime(last); ok {
		d.LastAt = &t
	}
	if t, ok := store.ParseTime(delivered); ok {
		d.DeliveredAt = &t
	}
	d.CreatedAt, _ = store.ParseTime(created)
	if code.Valid {
		d.Response = &Response{Status: int(code.Int64), Body: body.String}
	}
	if latency.Valid {
		d.LatencyMS = &latency.Int64
	}
	d.Error = errText.String
	return d, nil
}

// Deliveries returns an endpoint's log, newest first, limit at a time (0
// means DefaultLimit), only those of status when it is given. cursor is
// the NextCursor of the page before.
func (s *Service) Deliveries(ctx context.Context, endpoint, status, cursor string, limit int) (DeliveryPage, error) {
	a, err := admin(ctx)
	if err != nil {
		return DeliveryPage{}, err
	}
	var c fault.Collector
	if limit == 0 {
		limit = DefaultLimit
	}
	if limit < 1 || limit > MaxLimit {
		c.Add("limit", "range", "must be between 1 and %d", MaxLimit)
	}
	where, args := `workspace_id = ? AND endpoint_id = ?`, []any{a.WorkspaceID}
	if status != "" {
		ok := false
		for _, s := range Statuses {
			ok = ok || s == status
		}
		if !ok {
			c.Add("status", "unknown", "must be queued, pending, delivered or failed")
		}
		where, args = where+` AND status = ?`, append(args, status)
	}
	if cursor != "" {
		before, err := strconv.ParseInt(cursor, 10, 64)
		if err != nil || before <= 0 {
			c.Add("cursor", "format", "is not a cursor of this list")
		}
		where, args = where+` AND id < ?`, append(args, before)
	}
	if err := c.Err(); err != nil {
		return DeliveryPage{}, err
	}
	q := s.db.Read(ctx)
	e, err := s.get(ctx, q, a.WorkspaceID, endpoint)
	if err != nil {
		return DeliveryPage{}, err
	}
	args = append(args[:1], append([]any{e.n}, args[1:]...)...)
	rows, err := q.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE `+where+
		` ORDER BY id DESC LIMIT `+strconv.Itoa(limit+1), args...)
	if err != nil {
		return DeliveryPage{}, err
	}
	defer rows.Close()
	page := DeliveryPage{Data: []Delivery{}}
	for rows.Next() {
		if len(page.Data) == limit {
			page.NextCursor = page.Data[limit-1].ID
			break
		}
		d, err := scanDelivery(rows)
		if err != nil {
			return DeliveryPage{}, err
		}
		page.Data = append(page.Data, d)
	}
	return page, rows.Err()
}

// Replay sends a delivery again, with its webhook-id, as soon as the
// worker can: whether it was delivered or failed, it is pending again with
// its attempts counted afresh. Later deliveries of its record to the
// endpoint that are still pending wait for it, keeping their order.
func (s *Service) Replay(ctx context.Context, endpoint, delivery string) (Delivery, error) {
	a, err := admin(ctx)
	if err != nil {
		return Delivery{}, err
	}
	id, ok := input.ID(delivery)
	if !ok {
		return Delivery{}, fault.Errorf(fault.ENOTFOUND, "no delivery %s", delivery)
	}
	d := s.db.Dialect
	var out Delivery
	err = s.db.Tx(ctx, func(q store.Querier) error {
		e, err := s.get(ctx, q, a.WorkspaceID, endpoint)
		if err != nil {
			return err
		}
		var ch chain
		var was string
		err = q.QueryRowContext(ctx, `SELECT object, record_id, status FROM webhook_deliveries
			WHERE workspace_id = ? AND endpoint_id = ? AND id = ?`, a.WorkspaceID, e.n, id).Scan(&ch.object, &ch.recordID, &was)
		if errors.Is(err, sql.ErrNoRows) {
			return fault.Errorf(fault.ENOTFOUND, "no delivery %s", delivery)
		}
		if err != nil {
			return err
		}
		if was == "queued" || was == "pending" {
			return fault.Errorf(fault.ECONFLICT, "the delivery is already waiting to be sent")
		}
		// Behind an open delivery of its record it queues, as a new one
		// would; it goes next, being the oldest.
		ch.ws, ch.endpoint = a.WorkspaceID, e.n
		open, err := s.openChains(ctx, q, []row{{chain: ch}})
		if err != nil {
			return err
		}
		status := "pending"
		if open[ch] {
			status = "queued"
		}
		_, err = q.ExecContext(ctx, `UPDATE webhook_deliveries SET status = ?, attempts = 0, next_at = ?,
			lease_until = NULL, delivered_at = NULL WHERE workspace_id = ? AND id = ?`, status, d.Time(s.o.Now()), a.WorkspaceID, id)
		if err != nil {
			return err
		}
		out, err = scanDelivery(q.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries
			WHERE workspace_id = ? AND endpoint_id = ? AND id = ?`, a.WorkspaceID, e.n, id))
		return err
	})
	return out, err
}

// Erase removes the deliveries of one record from every endpoint's log,
// sent or not, through q, the erasing transaction: their bodies copy the
// record's values. It returns how many it removed. The event of the
// erasure itself still goes out, carrying only the scrubbed values.
func Erase(ctx context.Context, q store.Querier, d store.Dialect, ws int64, object, recordID string) (int64, error) {
	if err := lockChains(ctx, q, d); err != nil {
		return 0, err
	}
	res, err := q.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE workspace_id = ? AND record_id = ? AND object = ?`,
		ws, recordID, object)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

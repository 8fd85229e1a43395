package mail

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"time"

	"github.com/rapport-crm/rapport/internal/jobs"
	"github.com/rapport-crm/rapport/internal/store"
)

// SendKind is the kind of the job that delivers one message.
const SendKind = "mail.send"

// Queue sends mail through the job queue. Send composes the message, with
// its Message-ID, and enqueues it: in the caller's transaction when ctx
// carries one, so that a change and the mail it calls for commit or roll
// back together. A worker then hands it to the server and marks the job
// done.
//
// A process that dies before the server accepted the message (the end of
// DATA) leaves the job to run again: the server drops an unfinished
// transaction, so the message is neither lost nor sent twice. Only a death
// in the instant between the server's acceptance and the job's commit
// sends it again, with the same Message-ID, by which mail programs tell a
// copy.
type Queue struct {
	db   *store.DB
	smtp SMTP
	log  *slog.Logger
}

// NewQueue returns a queue delivering through s.
func NewQueue(db *store.DB, s SMTP, log *slog.Logger) *Queue {
	if log == nil {
		log = slog.Default()
	}
	return &Queue{db: db, smtp: s, log: log}
}

// queued is what a delivery job names: a row of outgoing_mail, or several
// sent over one connection.
type queued struct {
	ID  int64   `json:"id,string,omitempty"`
	IDs []int64 `json:"ids,omitempty"`
}

// maxAttempts spreads the retries of a message over about a day with the
// queue's back-off (5 s doubling up to an hour), as mail servers do.
const maxAttempts = 30

// batchSize is how many messages of a SendAll one job delivers over one
// connection: a job and a connection per message would cost a sending of
// thousands more in claims and handshakes than in mail.
const batchSize = 100

// Send enqueues m.
func (q *Queue) Send(ctx context.Context, m Message) error {
	return q.SendAll(ctx, []Message{m})
}

// SendAll enqueues ms, all or none; several messages go to a job each
// batchSize of them, delivered in turn over one connection.
func (q *Queue) SendAll(ctx context.Context, ms []Message) error {
	type row struct {
		to, id string
		body   []byte
	}
	rows := make([]row, len(ms))
	now := time.Now()
	for i, m := range ms {
		body, err := Compose(m, q.smtp.From, now)
		if err != nil {
			return err
		}
		msg, err := mail.ReadMessage(bytes.NewReader(body))
		if err != nil {
			return err
		}
		rows[i] = row{to: m.To, id: msg.Header.Get("Message-ID"), body: body}
	}
	d := q.db.Dialect
	return q.db.Tx(ctx, func(tx store.Querier) error {
		var batch []int64
		flush := func() error {
			job := queued{IDs: batch}
			if len(batch) == 1 {
				job = queued{ID: batch[0]}
			}
			payload, _ := json.Marshal(job)
			_, err := jobs.Enqueue(ctx, tx, d, jobs.Job{WorkspaceID: jobs.System, Kind: SendKind, Payload: payload, MaxAttempts: maxAttempts})
			batch = nil
			return err
		}
		for _, r := range rows {
			var id int64
			err := tx.QueryRowContext(ctx, `INSERT INTO outgoing_mail (message_id, recipient, body, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
				r.id, r.to, string(r.body), d.Time(now)).Scan(&id)
			if err != nil {
				return err
			}
			if batch = append(batch, id); len(batch) == batchSize {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if len(batch) > 0 {
			return flush()
		}
		return nil
	})
}

// Register has the job queue deliver the messages.
func (q *Queue) Register(jq *jobs.Queue) { jq.Register(SendKind, q.deliver) }

func (q *Queue) deliver(ctx context.Context, j jobs.Job) error {
	var m queued
	if err := json.Unmarshal(j.Payload, &m); err != nil {
		return jobs.Permanent(fmt.Errorf("mail job %d: %w", j.ID, err))
	}
	ids := m.IDs
	if m.ID != 0 {
		ids = []int64{m.ID}
	}
	// A message no longer in the table was sent by an earlier run of this
	// job, before it was cut off.
	rows, err := q.db.Reader().QueryContext(ctx, `SELECT id, message_id, recipient, body FROM outgoing_mail
		WHERE `+q.db.Dialect.IDsIn("id")+` ORDER BY id`, q.db.Dialect.IDs(ids))
	if err != nil {
		return err
	}
	var left []int64
	var messageIDs []string
	var msgs []Envelope
	for rows.Next() {
		var id int64
		var messageID, to, body string
		if err := rows.Scan(&id, &messageID, &to, &body); err != nil {
			rows.Close()
			return err
		}
		left, messageIDs, msgs = append(left, id), append(messageIDs, messageID), append(msgs, Envelope{To: to, Body: []byte(body)})
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(msgs) == 0 {
		return err
	}
	start := time.Now()
	var refused []error
	err = q.smtp.DeliverEach(ctx, msgs, func(i int, err error) error {
		switch {
		case err == nil:
			q.log.InfoContext(ctx, "mail sent", "message_id", messageIDs[i], "took", time.Since(start).Round(time.Millisecond))
			// Sent: the row goes even if the job is being cancelled now.
			done := context.WithoutCancel(ctx)
			return q.db.Tx(done, func(tx store.Querier) error {
				_, err := tx.ExecContext(done, `DELETE FROM outgoing_mail WHERE id = ?`, left[i])
				return err
			})
		case Permanent(err):
			q.log.WarnContext(ctx, "mail refused by the server", "message_id", messageIDs[i], "err", err)
			refused = append(refused, err)
		default:
			// A temporary refusal of one message: the job runs again for
			// it (and for the others refused), after the back-off.
			q.log.WarnContext(ctx, "mail not sent; it will be tried again", "message_id", messageIDs[i], "attempt", j.Attempts, "err", err)
			refused = append(refused, retry{err})
		}
		start = time.Now()
		return nil
	})
	if err != nil {
		q.log.WarnContext(ctx, "mail not sent; it will be tried again", "messages", len(msgs), "attempt", j.Attempts, "err", err)
		return err
	}
	for _, e := range refused {
		var r retry
		if errors.As(e, &r) {
			return r.err
		}
	}
	if len(refused) > 0 {
		return jobs.Permanent(errors.Join(refused...))
	}
	return nil
}

// retry marks a temporary refusal among a job's messages.
type retry struct{ err error }

func (r retry) Error() string { return r.err.Error() }

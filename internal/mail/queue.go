package mail

import (
	"bytes"
	"context"
	"database/sql"
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

// queued is what a delivery job names: the row of outgoing_mail.
type queued struct {
	ID int64 `json:"id,string"`
}

// maxAttempts spreads the retries of a message over about a day with the
// queue's back-off (5 s doubling up to an hour), as mail servers do.
const maxAttempts = 30

// Send enqueues m.
func (q *Queue) Send(ctx context.Context, m Message) error {
	body, err := Compose(m, q.smtp.From, time.Now())
	if err != nil {
		return err
	}
	msg, err := mail.ReadMessage(bytes.NewReader(body))
	if err != nil {
		return err
	}
	d := q.db.Dialect
	return q.db.Tx(ctx, func(tx store.Querier) error {
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO outgoing_mail (message_id, recipient, body, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
			msg.Header.Get("Message-ID"), m.To, string(body), d.Time(time.Now())).Scan(&id)
		if err != nil {
			return err
		}
		payload, _ := json.Marshal(queued{ID: id})
		_, err = jobs.Enqueue(ctx, tx, d, jobs.Job{WorkspaceID: jobs.System, Kind: SendKind, Payload: payload, MaxAttempts: maxAttempts})
		return err
	})
}

// Register has the job queue deliver the messages.
func (q *Queue) Register(jq *jobs.Queue) { jq.Register(SendKind, q.deliver) }

func (q *Queue) deliver(ctx context.Context, j jobs.Job) error {
	var m queued
	if err := json.Unmarshal(j.Payload, &m); err != nil {
		return jobs.Permanent(fmt.Errorf("mail job %d: %w", j.ID, err))
	}
	var messageID, to, body string
	err := q.db.Reader().QueryRowContext(ctx, `SELECT message_id, recipient, body FROM outgoing_mail WHERE id = ?`, m.ID).Scan(&messageID, &to, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // sent by an earlier run of this job
	} else if err != nil {
		return err
	}
	start := time.Now()
	err = q.smtp.Deliver(ctx, to, []byte(body))
	switch {
	case err == nil:
		q.log.InfoContext(ctx, "mail sent", "message_id", messageID, "took", time.Since(start).Round(time.Millisecond))
		// Sent: the row goes even if the job is being cancelled now.
		done := context.WithoutCancel(ctx)
		return q.db.Tx(done, func(tx store.Querier) error {
			_, err := tx.ExecContext(done, `DELETE FROM outgoing_mail WHERE id = ?`, m.ID)
			return err
		})
	case Permanent(err):
		q.log.WarnContext(ctx, "mail refused by the server", "message_id", messageID, "err", err)
		return jobs.Permanent(err)
	default:
		q.log.WarnContext(ctx, "mail not sent; it will be tried again", "message_id", messageID, "attempt", j.Attempts, "err", err)
		return err
	}
}

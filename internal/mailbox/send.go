package mailbox

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"strconv"
	"time"

	"github.com/emersion/go-imap"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/jobs"
	"github.com/rapport-crm/rapport/internal/mail"
	"github.com/rapport-crm/rapport/internal/store"
)

// A user whose personal mailbox has an SMTP server sends their letters
// through it, so that the customer sees the user's own address and the
// letter lands in the user's Sent folder, where their mail program and
// the Sent folder's sync find it (docs/decisions/0057-send-through-the-
// users-mailbox.md). Two jobs do it: the delivery to the SMTP server, and
// then the copy APPENDed to the Sent folder. They are apart so that a
// failure to save the copy never sends the letter again.

// Kinds of the sending jobs.
const (
	SendKind   = "mailbox.send"
	AppendKind = "mailbox.append"
)

const (
	// sendAttempts spreads the tries of a letter over about a day with
	// the queue's back-off, as the system mail queue does.
	sendAttempts = 30
	// appendAttempts bounds the tries to save the copy: the letter is
	// gone already, and a Sent folder that refuses for hours more will
	// not take it later.
	appendAttempts = 10
	// sendBatch is how many letters of one sending a job delivers over
	// one connection.
	sendBatch = 100
)

type sendPayload struct {
	Mailbox int64   `json:"mailbox,string"`
	IDs     []int64 `json:"ids"`
}

type appendPayload struct {
	ID int64 `json:"id,string"`
}

// sender returns the actor's mailbox that sends: their first personal
// one with an SMTP server, or 0.
func (s *Service) sender(ctx context.Context, q store.Querier, a access.Actor) (id int64, address, name string, err error) {
	err = q.QueryRowContext(ctx, `SELECT m.id, m.address, u.name FROM mailboxes m
		JOIN users u ON u.workspace_id = m.workspace_id AND u.id = m.owner_id
		WHERE m.workspace_id = ? AND m.owner_id = ? AND m.smtp_host <> '' ORDER BY m.id LIMIT 1`, a.WorkspaceID, a.UserID).Scan(&id, &address, &name)
	if errors.Is(err, errNoRows) {
		return 0, "", "", nil
	}
	return id, address, name, err
}

// SendsFrom returns the address the actor's letters go out from through
// their own mailbox, or "" when they have none that sends. A server
// without the secret key cannot open its password.
func (s *Service) SendsFrom(ctx context.Context) (string, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil || s.opts.Sealer == nil {
		return "", err
	}
	_, address, _, err := s.sender(ctx, s.db.Read(ctx), a)
	return address, err
}

// SendAll queues ms to go out through the actor's own mailbox, all or
// none, in the caller's transaction when ctx carries one. It reports
// false, and queues nothing, when the actor has no mailbox that sends.
func (s *Service) SendAll(ctx context.Context, ms []mail.Message) (bool, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil || s.opts.Sealer == nil {
		return false, err
	}
	box, address, name, err := s.sender(ctx, s.db.Read(ctx), a)
	if err != nil || box == 0 {
		return false, err
	}
	type row struct {
		to, id string
		body   []byte
	}
	from := (&netmail.Address{Name: name, Address: address}).String()
	now := time.Now()
	rows := make([]row, len(ms))
	for i, m := range ms {
		// From is the user's own mailbox, which answers reach; a
		// Reply-To would send them elsewhere.
		m.ReplyTo = ""
		body, err := mail.Compose(m, from, now)
		if err != nil {
			return false, err
		}
		msg, err := netmail.ReadMessage(bytes.NewReader(body))
		if err != nil {
			return false, err
		}
		rows[i] = row{to: m.To, id: msg.Header.Get("Message-ID"), body: body}
	}
	d := s.db.Dialect
	return true, s.db.Tx(ctx, func(tx store.Querier) error {
		var batch []int64
		for i, r := range rows {
			var id int64
			err := tx.QueryRowContext(ctx, `INSERT INTO mailbox_outbox (workspace_id, mailbox_id, message_id, recipient, body, created_at)
				VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, a.WorkspaceID, box, r.id, r.to, string(r.body), d.Time(now)).Scan(&id)
			if err != nil {
				return err
			}
			batch = append(batch, id)
			if len(batch) < sendBatch && i < len(rows)-1 {
				continue
			}
			payload, _ := json.Marshal(sendPayload{Mailbox: box, IDs: batch})
			if _, err := jobs.Enqueue(ctx, tx, d, jobs.Job{WorkspaceID: a.WorkspaceID, Kind: SendKind, Payload: payload,
				MaxAttempts: sendAttempts}); err != nil {
				return err
			}
			batch = nil
		}
		return nil
	})
}

// outgoing is a letter waiting in mailbox_outbox.
type outgoing struct {
	id        int64
	messageID string
	to        string
	body      []byte
}

// waiting reads the letters of ids not yet accepted by the server: one
// with sent_at set went out in an earlier run of the job, cut off before
// it finished.
func (s *Service) waiting(ctx context.Context, ws int64, ids []int64) ([]outgoing, error) {
	marks, args := store.List(ids)
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, message_id, recipient, body FROM mailbox_outbox
		WHERE workspace_id = ? AND sent_at IS NULL AND id IN (`+marks+`) ORDER BY id`, append([]any{ws}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []outgoing
	for rows.Next() {
		var o outgoing
		var body string
		if err := rows.Scan(&o.id, &o.messageID, &o.to, &body); err != nil {
			return nil, err
		}
		o.body = []byte(body)
		out = append(out, o)
	}
	return out, rows.Err()
}

// smtpServer is acct's outgoing server, signed in as its IMAP account.
func (s *Service) smtpServer(acct *account) mail.SMTP {
	srv := mail.SMTP{Addr: net.JoinHostPort(acct.smtpHost, strconv.Itoa(acct.smtpPort)), Security: mail.Security(acct.smtpSecurity),
		Username: acct.username, Password: acct.password, From: acct.address, Timeout: dialTimeout}
	if s.opts.InsecureTLS {
		srv.TLS = &tls.Config{ServerName: acct.smtpHost, InsecureSkipVerify: true}
	}
	return srv
}

// runSend delivers a batch of letters to the mailbox's SMTP server. Each
// letter the server accepts is marked sent, and its copy to the Sent
// folder queued, in one transaction: a process that dies before the
// server accepted a letter leaves it to the next run, which the server's
// dropping of an unfinished transaction keeps from arriving twice.
func (s *Service) runSend(ctx context.Context, j jobs.Job) error {
	var p sendPayload
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return jobs.Permanent(err)
	}
	letters, err := s.waiting(ctx, j.WorkspaceID, p.IDs)
	if err != nil || len(letters) == 0 {
		return err
	}
	acct, err := s.account(ctx, j.WorkspaceID, p.Mailbox)
	if err != nil {
		return err
	}
	if acct.smtpHost == "" {
		return jobs.Permanent(errors.New("the mailbox no longer has an outgoing server"))
	}
	envelopes := make([]mail.Envelope, len(letters))
	for i, l := range letters {
		envelopes[i] = mail.Envelope{To: l.to, Body: l.body}
	}
	log := s.log.With("mailbox", describe(acct.ws, acct.id))
	var refused []error
	retry := false
	err = s.smtpServer(acct).DeliverEach(ctx, envelopes, func(i int, err error) error {
		switch {
		case err == nil:
			log.InfoContext(ctx, "letter sent through the user's mailbox", "message_id", letters[i].messageID)
			return s.markSent(context.WithoutCancel(ctx), j.WorkspaceID, letters[i].id)
		case mail.Permanent(err):
			log.WarnContext(ctx, "letter refused by the user's mail server", "message_id", letters[i].messageID, "err", err)
		default:
			log.WarnContext(ctx, "letter not sent; it will be tried again", "message_id", letters[i].messageID, "attempt", j.Attempts, "err", err)
			retry = true
		}
		refused = append(refused, err)
		return nil
	})
	switch {
	case err != nil:
		log.WarnContext(ctx, "letters not sent; they will be tried again", "letters", len(letters), "attempt", j.Attempts, "err", err)
		return err
	case retry:
		return errors.Join(refused...)
	case len(refused) > 0:
		return jobs.Permanent(errors.Join(refused...))
	}
	return nil
}

// markSent records that the server accepted letter id and queues its
// copy to the Sent folder, together.
func (s *Service) markSent(ctx context.Context, ws, id int64) error {
	d := s.db.Dialect
	return s.db.Tx(ctx, func(q store.Querier) error {
		if _, err := q.ExecContext(ctx, `UPDATE mailbox_outbox SET sent_at = ? WHERE workspace_id = ? AND id = ?`, d.Time(time.Now()), ws, id); err != nil {
			return err
		}
		payload, _ := json.Marshal(appendPayload{ID: id})
		_, err := jobs.Enqueue(ctx, q, d, jobs.Job{WorkspaceID: ws, Kind: AppendKind, Payload: payload, MaxAttempts: appendAttempts})
		return err
	})
}

// runAppend saves the copy of a sent letter in the mailbox's Sent folder,
// seen, and has the mailbox synced, which files it on the customer's
// timeline as any letter of the Sent folder. A failure is tried again,
// appendAttempts times in all; it never sends the letter again.
func (s *Service) runAppend(ctx context.Context, j jobs.Job) error {
	var p appendPayload
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return jobs.Permanent(err)
	}
	var box int64
	var messageID, body string
	err := s.db.Reader().QueryRowContext(ctx, `SELECT mailbox_id, message_id, body FROM mailbox_outbox WHERE workspace_id = ? AND id = ?`,
		j.WorkspaceID, p.ID).Scan(&box, &messageID, &body)
	if errors.Is(err, errNoRows) {
		return nil // saved by an earlier run, or the mailbox disconnected
	}
	if err != nil {
		return err
	}
	acct, err := s.account(ctx, j.WorkspaceID, box)
	if err == nil {
		err = s.appendSent(ctx, acct, messageID, []byte(body))
	}
	if err != nil {
		msg := "the copy of a sent letter was not saved in the Sent folder; it will be tried again"
		if j.Attempts >= j.MaxAttempts {
			msg = "the copy of a sent letter was not saved in the Sent folder, and will not be; the letter itself went out"
		}
		s.log.WarnContext(ctx, msg, "mailbox", describe(j.WorkspaceID, box), "message_id", messageID, "attempt", j.Attempts, "err", err)
		return err
	}
	return s.db.Tx(ctx, func(q store.Querier) error {
		if _, err := q.ExecContext(ctx, `DELETE FROM mailbox_outbox WHERE workspace_id = ? AND id = ?`, j.WorkspaceID, p.ID); err != nil {
			return err
		}
		return enqueueSync(ctx, q, s.db.Dialect, j.WorkspaceID, box)
	})
}

// appendSent APPENDs body to acct's Sent folder (the one with the \Sent
// attribute, or named Sent), made when the mailbox has none, unless a
// letter with its Message-ID is there already: saved by an earlier run
// cut off before it was recorded, or copied by a provider that files
// what its SMTP server sends.
func (s *Service) appendSent(ctx context.Context, acct *account, messageID string, body []byte) error {
	c, err := s.dial(ctx, acct)
	if err != nil {
		return err
	}
	defer c.Logout()
	stop := context.AfterFunc(ctx, func() { c.Terminate() })
	defer stop()
	folder := sentFolder(c)
	if folder == "" {
		folder = "Sent"
		if err := c.Create(folder); err != nil {
			return fmt.Errorf("make the Sent folder: %w", err)
		}
	}
	if _, err := c.Select(folder, true); err != nil {
		return fmt.Errorf("open %s: %w", folder, err)
	}
	criteria := imap.NewSearchCriteria()
	criteria.Header.Add("Message-ID", messageID)
	found, err := c.UidSearch(criteria)
	if err != nil {
		return fmt.Errorf("look for the copy in %s: %w", folder, err)
	}
	if len(found) > 0 {
		return nil
	}
	if err := c.Append(folder, []string{imap.SeenFlag}, time.Now(), bytes.NewBuffer(body)); err != nil {
		return fmt.Errorf("save the copy in %s: %w", folder, err)
	}
	return nil
}

package letter

import (
	"context"
	"database/sql"
	"errors"
	"net/mail"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/input"
	outgoing "github.com/rapport-crm/rapport/internal/mail"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// maxSignature bounds a signature, in characters.
const maxSignature = 2_000

// MaxRecipients bounds one sending: a larger list is a campaign, which
// wants a mail service that handles bounces and unsubscribes.
const MaxRecipients = 10_000

// signature returns the actor's signature, "" when none is set.
func (s *Service) signature(ctx context.Context, a access.Actor) (string, error) {
	var body string
	err := s.db.Read(ctx).QueryRowContext(ctx, `SELECT body FROM mail_signatures WHERE workspace_id = ? AND user_id = ?`,
		a.WorkspaceID, a.UserID).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return body, err
}

// Signature returns the signature of the actor in ctx.
func (s *Service) Signature(ctx context.Context) (string, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return "", err
	}
	return s.signature(ctx, a)
}

// SetSignature sets the signature of the actor in ctx; "" removes it.
func (s *Service) SetSignature(ctx context.Context, body string) error {
	a, err := writer(ctx)
	if err != nil {
		return err
	}
	body = strings.TrimRight(body, " \t\r\n")
	if fe := input.Text("signature", body); fe != nil {
		return fault.Invalid(*fe)
	}
	if utf8.RuneCountInString(body) > maxSignature {
		return fault.Field("signature", "too_long", "at most %d characters", maxSignature)
	}
	return s.db.Tx(ctx, func(q store.Querier) error {
		if body == "" {
			_, err := q.ExecContext(ctx, `DELETE FROM mail_signatures WHERE workspace_id = ? AND user_id = ?`, a.WorkspaceID, a.UserID)
			return err
		}
		_, err := q.ExecContext(ctx, `INSERT INTO mail_signatures (workspace_id, user_id, body, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (workspace_id, user_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`,
			a.WorkspaceID, a.UserID, body, s.db.Dialect.Time(s.o.Now().UTC()))
		return err
	})
}

// Sending names the records to write to: a list of ids, or the filter of a
// list (the same the list API takes). One of the two.
type Sending struct {
	RecordIDs []string        `json:"record_ids"`
	Filter    *records.Filter `json:"filter"`
}

// Sent is what a sending did: the letters queued, and the records skipped
// with the reason.
type Sent struct {
	Queued  int       `json:"queued"`
	Skipped []Skipped `json:"skipped"`
}

// Skipped is a record no letter went to.
type Skipped struct {
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

// Send writes template id for each record of sn and queues the letters,
// all of them or, when anything fails, none. A record without an e-mail
// address the writer may read is skipped.
func (s *Service) Send(ctx context.Context, id string, sn Sending) (Sent, error) {
	a, err := writer(ctx)
	if err != nil {
		return Sent{}, err
	}
	from, err := s.From(ctx)
	if err != nil {
		return Sent{}, err
	}
	personal := from != ""
	if s.o.Outgoing == nil && !personal {
		return Sent{}, fault.Errorf(fault.ECONFLICT, "no mail server is configured (--smtp-url), so no letter can be sent")
	}
	if (len(sn.RecordIDs) == 0) == (sn.Filter == nil) {
		return Sent{}, fault.Field("record_ids", "required", "name the records by record_ids or by filter, one of the two")
	}
	if len(sn.RecordIDs) > MaxRecipients {
		return Sent{}, fault.Field("record_ids", "too_long", "at most %d records a sending", MaxRecipients)
	}
	c, seen := &fault.Collector{}, map[string]bool{}
	for i, rid := range sn.RecordIDs {
		at := "record_ids[" + strconv.Itoa(i) + "]"
		if _, ok := input.ID(rid); !ok {
			c.Add(at, "invalid", "is not a record id")
		} else if seen[rid] {
			c.Add(at, "duplicate", "names a record named before it; each gets one letter")
		}
		seen[rid] = true
	}
	if err := c.Err(); err != nil {
		return Sent{}, err
	}
	t, err := s.get(ctx, s.db.Read(ctx), a.WorkspaceID, id)
	if err != nil {
		return Sent{}, err
	}
	ids := sn.RecordIDs
	if sn.Filter != nil {
		if ids, err = s.matching(ctx, t.Object, sn.Filter); err != nil {
			return Sent{}, err
		}
	}
	w, err := s.newWriting(ctx, a)
	if err != nil {
		return Sent{}, err
	}
	// The letters are written before anything is queued, so that a record
	// that cannot be read refuses the sending while nothing is written.
	out := Sent{Skipped: []Skipped{}}
	var letters []outgoing.Message
	replyTo := (&mail.Address{Name: w.user["name"], Address: w.user["email"]}).String()
	written, err := w.writeAll(ctx, t, ids)
	if err != nil {
		return Sent{}, err
	}
	for _, rid := range ids {
		l, ok := written[rid]
		if !ok {
			out.Skipped = append(out.Skipped, Skipped{ID: rid, Reason: "not_found"})
			continue
		}
		if l.To == "" {
			out.Skipped = append(out.Skipped, Skipped{ID: rid, Reason: "no_email"})
			continue
		}
		letters = append(letters, outgoing.Message{To: l.To, ToName: l.ToName, ReplyTo: replyTo, Subject: l.Subject, Text: l.Body})
	}
	if personal {
		personal, err = s.o.Personal.SendAll(ctx, letters)
		if err != nil {
			return Sent{}, err
		}
	}
	if !personal {
		if s.o.Outgoing == nil {
			return Sent{}, fault.Errorf(fault.ECONFLICT, "no mail server is configured (--smtp-url), so no letter can be sent")
		}
		if err := s.o.Outgoing.SendAll(ctx, letters); err != nil {
			return Sent{}, err
		}
	}
	out.Queued = len(letters)
	return out, nil
}

// matching lists the ids of the records of object that f matches, as the
// actor reads the list; more than MaxRecipients refuses the sending.
func (s *Service) matching(ctx context.Context, object string, f *records.Filter) ([]string, error) {
	q := records.Query{Filter: f, Limit: records.MaxLimit, Bare: true}
	var ids []string
	for {
		page, err := s.engine.List(ctx, object, q)
		if err != nil {
			return nil, err
		}
		for _, r := range page.Data {
			ids = append(ids, r["id"].(string))
		}
		if len(ids) > MaxRecipients {
			return nil, fault.Field("filter", "too_many", "matches more than %d records; narrow it", MaxRecipients)
		}
		if page.NextCursor == "" {
			return ids, nil
		}
		q.Cursor = page.NextCursor
	}
}

package mailbox

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

// Message is a kept letter as its page shows it. HTML is raw: Sanitise
// it before it goes into a page.
type Message struct {
	ID, MessageID, ThreadID string
	InReplyTo               string
	References              []string
	Subject                 string
	From                    Address
	To, Cc                  []string
	SentAt                  time.Time
	Text, HTML              string
	Problem                 string
	Attachments             []AttachmentInfo
	Links                   []Link // the records it is filed on that the actor may read
}

// AttachmentInfo describes a stored attachment.
type AttachmentInfo struct {
	Position            int
	Filename, Type, CID string
	Size                int64
	Stored              bool // false when beyond MaxAttachment
}

// Link is a record a letter is filed on.
type Link struct {
	Object, ID string
}

var errNoMessage = fault.Errorf(fault.ENOTFOUND, "no such letter")

// Message returns a letter the actor may read: one filed on a record the
// actor may read (with the activities' grant), or one of the actor's own
// mailbox.
func (s *Service) Message(ctx context.Context, id string) (Message, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return Message{}, err
	}
	n, ok := input.ID(id)
	if !ok {
		return Message{}, errNoMessage
	}
	var m Message
	var mid int64
	var owner sql.NullInt64
	var sent any
	var to, cc, refs string
	err = s.db.Read(ctx).QueryRowContext(ctx, `SELECT m.id, m.message_id, m.in_reply_to, m.refs, m.thread_id, m.subject, m.from_addr, m.from_name, m.to_addrs, m.cc_addrs,
		m.sent_at, m.text_body, m.html_body, m.problem, mb.owner_id FROM mail_messages m
		JOIN mailboxes mb ON mb.workspace_id = m.workspace_id AND mb.id = m.mailbox_id WHERE m.workspace_id = ? AND m.id = ?`, a.WorkspaceID, n).
		Scan(&mid, &m.MessageID, &m.InReplyTo, &refs, &m.ThreadID, &m.Subject, &m.From.Email, &m.From.Name, &to, &cc, &sent, &m.Text, &m.HTML, &m.Problem, &owner)
	if errors.Is(err, sql.ErrNoRows) {
		return Message{}, errNoMessage
	}
	if err != nil {
		return Message{}, err
	}
	m.ID = strconv.FormatInt(mid, 10)
	m.To, m.Cc, m.References = splitList(to), splitList(cc), strings.Fields(refs)
	m.SentAt, _ = store.ParseTime(sent)
	if m.Links, err = s.readableLinks(ctx, a, mid); err != nil {
		return Message{}, err
	}
	if len(m.Links) == 0 && !(owner.Valid && owner.Int64 == a.UserID) {
		return Message{}, errNoMessage
	}
	m.Attachments, err = s.attachments(ctx, a.WorkspaceID, mid)
	return m, err
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ", ")
}

// readableLinks returns the records letter id is filed on that a may
// read, when a may read activities at all.
func (s *Service) readableLinks(ctx context.Context, a access.Actor, id int64) ([]Link, error) {
	if err := s.engine.Policy().Authorize(ctx, a, "activity", access.Read, nil); err != nil {
		if fault.Is(err, fault.EFORBIDDEN) {
			return nil, nil
		}
		return nil, err
	}
	rows, err := s.db.Read(ctx).QueryContext(ctx, `SELECT object, record_id FROM mail_links WHERE workspace_id = ? AND message_id = ?
		ORDER BY object, record_id LIMIT 50`, a.WorkspaceID, id)
	if err != nil {
		return nil, err
	}
	var all []Link
	for rows.Next() {
		var l Link
		var rid int64
		if err := rows.Scan(&l.Object, &rid); err != nil {
			rows.Close()
			return nil, err
		}
		l.ID = strconv.FormatInt(rid, 10)
		all = append(all, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []Link
	for _, l := range all {
		if _, err := s.engine.Get(ctx, l.Object, l.ID, false); err == nil {
			out = append(out, l)
		} else if !fault.Is(err, fault.ENOTFOUND) && !fault.Is(err, fault.EFORBIDDEN) {
			return nil, err
		}
	}
	return out, nil
}

func (s *Service) attachments(ctx context.Context, ws, id int64) ([]AttachmentInfo, error) {
	rows, err := s.db.Read(ctx).QueryContext(ctx, `SELECT position, filename, content_type, content_id, size, sha256 IS NOT NULL
		FROM mail_attachments WHERE workspace_id = ? AND message_id = ? ORDER BY position`, ws, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AttachmentInfo
	for rows.Next() {
		var at AttachmentInfo
		if err := rows.Scan(&at.Position, &at.Filename, &at.Type, &at.CID, &at.Size, &at.Stored); err != nil {
			return nil, err
		}
		out = append(out, at)
	}
	return out, rows.Err()
}

// Attachment returns a stored attachment of a letter the actor may read.
func (s *Service) Attachment(ctx context.Context, id, position string) (AttachmentInfo, []byte, error) {
	m, err := s.Message(ctx, id)
	if err != nil {
		return AttachmentInfo{}, nil, err
	}
	for _, at := range m.Attachments {
		if strconv.Itoa(at.Position) != position {
			continue
		}
		if !at.Stored {
			return at, nil, fault.Errorf(fault.ENOTFOUND, "the attachment is larger than %d MB and was not kept", MaxAttachment>>20)
		}
		a, _ := access.ActorFrom(ctx)
		// Kept as base64 in a text column: a backup, which writes text,
		// carries it unchanged.
		var encoded string
		err := s.db.Read(ctx).QueryRowContext(ctx, `SELECT b.content FROM mail_attachments t JOIN mail_blobs b
			ON b.workspace_id = t.workspace_id AND b.sha256 = t.sha256 WHERE t.workspace_id = ? AND t.message_id = ? AND t.position = ?`,
			a.WorkspaceID, m.ID, at.Position).Scan(&encoded)
		if err != nil {
			return at, nil, err
		}
		content, err := base64.StdEncoding.DecodeString(encoded)
		return at, content, err
	}
	return AttachmentInfo{}, nil, fault.Errorf(fault.ENOTFOUND, "no such attachment")
}

// Inline maps the Content-IDs of m's stored parts to their addresses,
// for Sanitise.
func (m Message) Inline() map[string]string {
	out := map[string]string{}
	for _, at := range m.Attachments {
		if at.CID != "" && at.Stored {
			out[at.CID] = "/mail/" + m.ID + "/attachments/" + strconv.Itoa(at.Position)
		}
	}
	return out
}

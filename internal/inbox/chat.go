package inbox

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/input"
	"github.com/rapport-crm/rapport/internal/outbox"
	"github.com/rapport-crm/rapport/internal/store"
)

// Chat channels: a messenger, social network or site chat posts each
// message it receives to POST /api/v1/chat/{public id}/messages with the
// channel's token. The channel's field map says where in the provider's
// own payload the message's parts are, so that a provider needs a mapping,
// not code. A message from a known sender lands as a note on the contact's
// timeline; any other becomes an inbox request of channel chat. Replies
// leave as outbox events chat.reply, which a webhook endpoint delivers to
// the provider's adapter. docs/decisions/0052-chat-channels.md has the
// reasons.

// ChatObject and ActionReply name the outbox event of a reply: webhooks
// deliver it as chat.reply.
const (
	ChatObject  = "chat"
	ActionReply = "reply"
)

// MaxChatPayload bounds a provider's message as posted.
const MaxChatPayload = MaxPayload

// FieldMap holds, for each part of a message, its path in the provider's
// payload: names joined by dots, each optionally followed by array
// indexes, as in entry[0].changes[0].value.text. An empty path leaves the
// part out; message id, sender id and text are required.
type FieldMap struct {
	MessageID   string `json:"message_id"`
	SenderID    string `json:"sender_id"`
	SenderName  string `json:"sender_name"`
	SenderPhone string `json:"sender_phone"`
	SenderEmail string `json:"sender_email"`
	Text        string `json:"text"`
	SentAt      string `json:"sent_at"`
}

// DefaultFieldMap reads the generic shape documented in the README:
// {"message": {"id", "text", "sent_at"}, "sender": {"id", "name",
// "phone", "email"}}.
var DefaultFieldMap = FieldMap{MessageID: "message.id", SenderID: "sender.id", SenderName: "sender.name",
	SenderPhone: "sender.phone", SenderEmail: "sender.email", Text: "message.text", SentAt: "message.sent_at"}

func (m FieldMap) parts() []struct{ name, path string } {
	return []struct{ name, path string }{{"message_id", m.MessageID}, {"sender_id", m.SenderID}, {"sender_name", m.SenderName},
		{"sender_phone", m.SenderPhone}, {"sender_email", m.SenderEmail}, {"text", m.Text}, {"sent_at", m.SentAt}}
}

var pathSyntax = regexp.MustCompile(`^[A-Za-z0-9_-]+(\[[0-9]{1,4}\])*(\.[A-Za-z0-9_-]+(\[[0-9]{1,4}\])*)*$`)

// Channel is one chat channel.
type Channel struct {
	ID       string   `json:"id"`
	PublicID string   `json:"public_id"`
	Name     string   `json:"name"`
	FieldMap FieldMap `json:"field_map"`
	// Token is shown once, in the answer that creates the channel.
	Token     string    `json:"token,omitempty"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`

	id, workspace, createdBy int64
	tokenHash                string
}

// ChannelInput is a channel as an administrator writes it; a nil field
// map means DefaultFieldMap.
type ChannelInput struct {
	Name     string    `json:"name"`
	FieldMap *FieldMap `json:"field_map"`
	Version  int64     `json:"version"`
}

func (in *ChannelInput) check() error {
	var c fault.Collector
	in.Name = strings.TrimSpace(in.Name)
	switch {
	case in.Name == "":
		c.Add("name", "required", "is required")
	case utf8.RuneCountInString(in.Name) > 200:
		c.Add("name", "too_long", "must be at most %d characters", 200)
	default:
		c.Include(input.Line("name", in.Name))
	}
	if in.FieldMap == nil {
		m := DefaultFieldMap
		in.FieldMap = &m
	}
	for _, p := range in.FieldMap.parts() {
		field := "field_map." + p.name
		switch {
		case p.path == "" && (p.name == "message_id" || p.name == "sender_id" || p.name == "text"):
			c.Add(field, "required", "is required")
		case len(p.path) > 200:
			c.Add(field, "too_long", "must be at most %d characters", 200)
		case p.path != "" && !pathSyntax.MatchString(p.path):
			c.Add(field, "format", "must be a path such as message.from.id or entry[0].text")
		}
	}
	return c.Err()
}

const channelColumns = `id, workspace_id, public_id, name, token_hash, field_map, created_by, version, created_at, updated_at`

func scanChannel(row interface{ Scan(...any) error }) (Channel, error) {
	var c Channel
	var fm string
	var created, updated any
	if err := row.Scan(&c.id, &c.workspace, &c.PublicID, &c.Name, &c.tokenHash, &fm, &c.createdBy, &c.Version, &created, &updated); err != nil {
		return c, err
	}
	c.ID = strconv.FormatInt(c.id, 10)
	json.Unmarshal([]byte(fm), &c.FieldMap)
	c.CreatedAt, _ = store.ParseTime(created)
	c.UpdatedAt, _ = store.ParseTime(updated)
	return c, nil
}

func hashToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}

func chatAdmin(ctx context.Context) (access.Actor, error) {
	a, err := admin(ctx)
	if fault.Is(err, fault.EFORBIDDEN) && !a.ReadOnly {
		return a, fault.Errorf(fault.EFORBIDDEN, "only administrators manage chat channels")
	}
	return a, err
}

// Channels lists the workspace's chat channels.
func (s *Service) Channels(ctx context.Context) ([]Channel, error) {
	a, err := chatAdmin(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Read(ctx).QueryContext(ctx, `SELECT `+channelColumns+` FROM chat_channels WHERE workspace_id = ? ORDER BY id LIMIT 500`,
		a.WorkspaceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Channel{}
	for rows.Next() {
		c, err := scanChannel(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ChannelActivity is what a channel has taken: how many messages, and
// when the last one came (nil before the first).
type ChannelActivity struct {
	Messages int64
	LastAt   *time.Time
}

// ChannelsActivity returns, by channel id, what each channel of the
// workspace has taken; a channel that has taken nothing is missing. The
// settings screen shows it, so that an administrator sees whether a
// provider reaches its channel at all.
func (s *Service) ChannelsActivity(ctx context.Context) (map[string]ChannelActivity, error) {
	a, err := chatAdmin(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Read(ctx).QueryContext(ctx, `SELECT id, messages, last_message_at FROM chat_channels WHERE workspace_id = ? AND messages > 0`,
		a.WorkspaceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]ChannelActivity{}
	for rows.Next() {
		var id int64
		var act ChannelActivity
		var last any
		if err := rows.Scan(&id, &act.Messages, &last); err != nil {
			return nil, err
		}
		if t, ok := store.ParseTime(last); ok {
			act.LastAt = &t
		}
		out[strconv.FormatInt(id, 10)] = act
	}
	return out, rows.Err()
}

// GetChannel returns channel id.
func (s *Service) GetChannel(ctx context.Context, id string) (Channel, error) {
	a, err := chatAdmin(ctx)
	if err != nil {
		return Channel{}, err
	}
	return s.channel(ctx, a.WorkspaceID, id)
}

func (s *Service) channel(ctx context.Context, ws int64, id string) (Channel, error) {
	n, ok := input.ID(id)
	if !ok {
		return Channel{}, fault.Errorf(fault.ENOTFOUND, "no chat channel %s", id)
	}
	c, err := scanChannel(s.db.Read(ctx).QueryRowContext(ctx, `SELECT `+channelColumns+` FROM chat_channels WHERE workspace_id = ? AND id = ?`, ws, n))
	if errors.Is(err, sql.ErrNoRows) {
		return c, fault.Errorf(fault.ENOTFOUND, "no chat channel %s", id)
	}
	return c, err
}

// CreateChannel creates a channel with a new public id and token; the
// answer is the only one that holds the token, which is kept as a hash.
func (s *Service) CreateChannel(ctx context.Context, in ChannelInput) (Channel, error) {
	a, err := chatAdmin(ctx)
	if err != nil {
		return Channel{}, err
	}
	if err := in.check(); err != nil {
		return Channel{}, err
	}
	public := strconv.FormatInt(a.WorkspaceID, 36) + "-" + randomHex(8)
	token := "chat_" + randomHex(24)
	fm, _ := json.Marshal(in.FieldMap)
	now := s.db.Dialect.Time(s.now().UTC())
	var id int64
	err = s.db.Tx(ctx, func(q store.Querier) error {
		return q.QueryRowContext(ctx, `INSERT INTO chat_channels (workspace_id, public_id, name, token_hash, field_map, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, a.WorkspaceID, public, in.Name, hashToken(token), string(fm), a.UserID, now, now).Scan(&id)
	})
	if err != nil {
		return Channel{}, err
	}
	c, err := s.channel(ctx, a.WorkspaceID, strconv.FormatInt(id, 10))
	c.Token = token
	return c, err
}

// UpdateChannel renames channel id or changes its field map; in.Version
// must be the one read.
func (s *Service) UpdateChannel(ctx context.Context, id string, in ChannelInput) (Channel, error) {
	a, err := chatAdmin(ctx)
	if err != nil {
		return Channel{}, err
	}
	cur, err := s.channel(ctx, a.WorkspaceID, id)
	if err != nil {
		return Channel{}, err
	}
	if in.Version == 0 {
		return Channel{}, fault.Field("version", "required", "is required")
	}
	if err := in.check(); err != nil {
		return Channel{}, err
	}
	fm, _ := json.Marshal(in.FieldMap)
	err = s.db.Tx(ctx, func(q store.Querier) error {
		res, err := q.ExecContext(ctx, `UPDATE chat_channels SET name = ?, field_map = ?, version = version + 1, updated_at = ?
			WHERE workspace_id = ? AND id = ? AND version = ?`, in.Name, string(fm), s.db.Dialect.Time(s.now().UTC()), a.WorkspaceID, cur.id, in.Version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fault.Errorf(fault.ECONFLICT, "the chat channel was changed since version %d", in.Version)
		}
		return nil
	})
	if err != nil {
		return Channel{}, err
	}
	return s.channel(ctx, a.WorkspaceID, id)
}

// DeleteChannel deletes channel id with its message log and known
// senders; the notes and requests its messages became stay.
func (s *Service) DeleteChannel(ctx context.Context, id string) error {
	a, err := chatAdmin(ctx)
	if err != nil {
		return err
	}
	cur, err := s.channel(ctx, a.WorkspaceID, id)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(q store.Querier) error {
		for _, table := range []string{"chat_senders", "chat_messages", "chat_channels"} {
			col := "channel_id"
			if table == "chat_channels" {
				col = "id"
			}
			if _, err := q.ExecContext(ctx, `DELETE FROM `+table+` WHERE workspace_id = ? AND `+col+` = ?`, a.WorkspaceID, cur.id); err != nil {
				return err
			}
		}
		return nil
	})
}

// Message is a provider's message read through a channel's field map.
type Message struct {
	ID, SenderID, SenderName, SenderPhone, SenderEmail, Text, SentAt string
}

// Received is what a message became: a note on a contact's timeline or
// an inbox request.
type Received struct {
	MessageID string `json:"message_id"`
	ContactID string `json:"contact_id,omitempty"`
	NoteID    string `json:"note_id,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// ErrBadToken is the answer to a message with a wrong token.
var errBadToken = fault.Errorf(fault.EUNAUTHORIZED, "the channel's token is missing or wrong")

// ReceiveChat takes the message body posted to the channel with public id,
// authenticated by token. repeated reports a message id the channel has
// taken before: its first result comes back and nothing is written.
func (s *Service) ReceiveChat(ctx context.Context, public, token string, body []byte) (r Received, repeated bool, err error) {
	c, err := s.publicChannel(ctx, public)
	if err != nil {
		return r, false, err
	}
	if token == "" || subtle.ConstantTimeCompare([]byte(hashToken(token)), []byte(c.tokenHash)) != 1 {
		return r, false, errBadToken
	}
	if len(body) > MaxChatPayload {
		return r, false, fault.Errorf(fault.ETOOLARGE, "a message must be at most %d bytes", MaxChatPayload)
	}
	m, err := c.FieldMap.read(body)
	if err != nil {
		return r, false, err
	}
	// The message id is claimed first, so that a provider's retry of a
	// message still being written is not written twice; a failure gives
	// the claim back for the next retry.
	d := s.db.Dialect
	claimed := false
	err = s.db.Tx(ctx, func(q store.Querier) error {
		res, err := q.ExecContext(ctx, `INSERT INTO chat_messages (workspace_id, channel_id, message_id, sender_id, received_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (channel_id, message_id) DO NOTHING`, c.workspace, c.id, m.ID, m.SenderID, d.Time(s.now().UTC()))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		claimed = n == 1
		return err
	})
	if err != nil {
		return r, false, err
	}
	if !claimed {
		var result sql.NullString
		if err := s.db.Read(ctx).QueryRowContext(ctx, `SELECT result FROM chat_messages WHERE workspace_id = ? AND channel_id = ? AND message_id = ?`,
			c.workspace, c.id, m.ID).Scan(&result); err != nil {
			return r, true, err
		}
		if !result.Valid {
			return r, true, fault.Errorf(fault.ECONFLICT, "message %q is being received; send it again in a moment", m.ID)
		}
		err := json.Unmarshal([]byte(result.String), &r)
		return r, true, err
	}
	r, err = s.land(ctx, c, m, body)
	if err != nil {
		if derr := s.db.Tx(context.WithoutCancel(ctx), func(q store.Querier) error {
			_, err := q.ExecContext(ctx, `DELETE FROM chat_messages WHERE workspace_id = ? AND channel_id = ? AND message_id = ?`,
				c.workspace, c.id, m.ID)
			return err
		}); derr != nil {
			s.log.Warn("a chat message's claim was not given back", "channel", c.PublicID, "err", derr)
		}
		return r, false, err
	}
	result, _ := json.Marshal(r)
	err = s.db.Tx(ctx, func(q store.Querier) error {
		if _, err := q.ExecContext(ctx, `UPDATE chat_messages SET result = ?, request_id = ? WHERE workspace_id = ? AND channel_id = ? AND message_id = ?`,
			string(result), nullID(r.RequestID), c.workspace, c.id, m.ID); err != nil {
			return err
		}
		// The channel's count, which its settings list shows.
		_, err := q.ExecContext(ctx, `UPDATE chat_channels SET messages = messages + 1, last_message_at = ? WHERE workspace_id = ? AND id = ?`,
			d.Time(s.now().UTC()), c.workspace, c.id)
		return err
	})
	return r, false, err
}

func (s *Service) publicChannel(ctx context.Context, public string) (Channel, error) {
	wsPart, _, ok := strings.Cut(public, "-")
	ws, err := strconv.ParseInt(wsPart, 36, 64)
	if !ok || err != nil || ws <= 0 || len(public) > 64 {
		return Channel{}, fault.Errorf(fault.ENOTFOUND, "no such chat channel")
	}
	c, err := scanChannel(s.db.Read(ctx).QueryRowContext(ctx, `SELECT `+channelColumns+` FROM chat_channels WHERE workspace_id = ? AND public_id = ?`,
		ws, public))
	if errors.Is(err, sql.ErrNoRows) {
		return c, fault.Errorf(fault.ENOTFOUND, "no such chat channel")
	}
	return c, err
}

// land writes message m of channel c: a note on the contact the sender
// is known as, or matched to by phone or e-mail, else an inbox request.
func (s *Service) land(ctx context.Context, c Channel, m Message, body []byte) (Received, error) {
	r := Received{MessageID: m.ID}
	contact, err := s.sender(ctx, c, m)
	if err != nil {
		return r, err
	}
	if contact != 0 {
		actor, err := s.userActor(ctx, c.workspace, strconv.FormatInt(c.createdBy, 10))
		if err != nil {
			return r, err
		}
		r.ContactID = strconv.FormatInt(contact, 10)
		// The note is the contact owner's, so that whoever reads their
		// own records sees the message on the timeline.
		var owner sql.NullInt64
		if err := s.db.Read(ctx).QueryRowContext(ctx, `SELECT owner_id FROM contacts WHERE workspace_id = ? AND id = ?`, c.workspace, contact).
			Scan(&owner); err != nil {
			return r, err
		}
		note := map[string]any{"body": c.Name + " — " + firstOf(m.SenderName, m.SenderID) + ": " + m.Text, "record_type": "contact",
			"record_id": r.ContactID}
		if owner.Valid {
			note["owner_id"] = strconv.FormatInt(owner.Int64, 10)
		}
		err = s.db.Tx(ctx, func(q store.Querier) error {
			rec, err := s.engine.Create(access.WithActor(store.Within(ctx, q), actor), "note", note)
			if err != nil {
				return err
			}
			r.NoteID, _ = rec["id"].(string)
			_, err = q.ExecContext(ctx, `INSERT INTO chat_senders (workspace_id, channel_id, sender_id, contact_id) VALUES (?, ?, ?, ?)
				ON CONFLICT (channel_id, sender_id) DO UPDATE SET contact_id = excluded.contact_id`, c.workspace, c.id, m.SenderID, contact)
			return err
		})
		return r, err
	}
	in := Input{Channel: "chat", Source: c.Name, Name: firstOf(m.SenderName, m.SenderID), Email: m.SenderEmail, Phone: m.SenderPhone,
		Message: m.Text, Payload: json.RawMessage(body)}
	var col fault.Collector
	in.check(&col)
	if err := col.Err(); err != nil {
		return r, err
	}
	id, _, err := s.arrive(ctx, c.workspace, 0, in)
	r.RequestID = id
	return r, err
}

// sender returns the contact message m's sender is: the one remembered
// for the channel's sender id, else the one an earlier message's inbox
// request was accepted or linked as, else the one their phone or e-mail
// matches; 0 when none.
func (s *Service) sender(ctx context.Context, c Channel, m Message) (int64, error) {
	var id int64
	err := s.db.Read(ctx).QueryRowContext(ctx, `SELECT s.contact_id FROM chat_senders s JOIN contacts ct ON ct.workspace_id = s.workspace_id
		AND ct.id = s.contact_id AND ct.deleted_at IS NULL WHERE s.workspace_id = ? AND s.channel_id = ? AND s.sender_id = ?`,
		c.workspace, c.id, m.SenderID).Scan(&id)
	if err == nil || !errors.Is(err, sql.ErrNoRows) {
		return id, err
	}
	err = s.db.Read(ctx).QueryRowContext(ctx, `SELECT r.contact_id FROM chat_messages m
		JOIN inbox_requests r ON r.workspace_id = m.workspace_id AND r.id = m.request_id
		JOIN contacts ct ON ct.workspace_id = r.workspace_id AND ct.id = r.contact_id AND ct.deleted_at IS NULL
		WHERE m.workspace_id = ? AND m.channel_id = ? AND m.sender_id = ? AND r.status IN ('accepted', 'linked')
		ORDER BY r.sorted_at DESC, r.id DESC LIMIT 1`, c.workspace, c.id, m.SenderID).Scan(&id)
	if err == nil || !errors.Is(err, sql.ErrNoRows) {
		return id, err
	}
	if m.SenderEmail == "" && m.SenderPhone == "" {
		return 0, nil
	}
	found, err := s.match(ctx, c.workspace, m.SenderEmail, m.SenderPhone)
	return found.contact, err
}

// read applies the map to a provider's payload, naming each mapped part
// that is missing or not text.
func (fm FieldMap) read(body []byte) (Message, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil || dec.More() {
		return Message{}, fault.Field("body", "type", "must be one JSON value")
	}
	var c fault.Collector
	vals := map[string]string{}
	for _, p := range fm.parts() {
		if p.path == "" {
			continue
		}
		v, found := lookup(doc, p.path)
		var text string
		switch v := v.(type) {
		case string:
			text = strings.TrimSpace(v)
		case json.Number:
			text = v.String()
		case nil:
		default:
			c.Add(p.path, "type", "(%s) must be text or a number", p.name)
			continue
		}
		required := p.name == "message_id" || p.name == "sender_id" || p.name == "text"
		limit := MaxText
		if p.name == "text" {
			limit = MaxMessage
		}
		switch {
		case (!found || text == "") && required:
			c.Add(p.path, "required", "(%s) is required", p.name)
		case utf8.RuneCountInString(text) > limit:
			c.Add(p.path, "too_long", "(%s) must be at most %d characters", p.name, limit)
		case p.name == "text":
			c.Include(input.Text(p.path, text))
		default:
			c.Include(input.Line(p.path, text))
		}
		vals[p.name] = text
	}
	if err := c.Err(); err != nil {
		return Message{}, err
	}
	return Message{ID: vals["message_id"], SenderID: vals["sender_id"], SenderName: vals["sender_name"], SenderPhone: vals["sender_phone"],
		SenderEmail: vals["sender_email"], Text: vals["text"], SentAt: vals["sent_at"]}, nil
}

var step = regexp.MustCompile(`^([^\[]+)((?:\[[0-9]+\])*)$`)

// lookup follows path through doc; found is false when a step is missing.
func lookup(doc any, path string) (v any, found bool) {
	v = doc
	for _, part := range strings.Split(path, ".") {
		m := step.FindStringSubmatch(part)
		if m == nil {
			return nil, false
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = obj[m[1]]; !ok {
			return nil, false
		}
		for _, ix := range strings.Split(strings.Trim(m[2], "[]"), "][") {
			if ix == "" {
				continue
			}
			n, _ := strconv.Atoi(ix)
			arr, ok := v.([]any)
			if !ok || n >= len(arr) {
				return nil, false
			}
			v = arr[n]
		}
	}
	return v, true
}

// Reply is a user's answer to a contact through a channel.
type Reply struct {
	ContactID string `json:"contact_id"`
	Text      string `json:"text"`
}

// Replied is a reply on its way: the note on the contact's timeline, and
// the outbox event a webhook endpoint delivers as chat.reply.
type Replied struct {
	NoteID      string `json:"note_id"`
	RecipientID string `json:"recipient_id"`
}

// Reply writes the actor's reply to a contact known on channel id: a note
// on the contact's timeline (so the actor needs to be allowed to write
// one) and, in the same transaction, the outbox event chat.reply with
// the channel, the provider's recipient id and the text.
func (s *Service) Reply(ctx context.Context, id string, in Reply) (Replied, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return Replied{}, err
	}
	var c fault.Collector
	in.Text = strings.TrimSpace(in.Text)
	switch {
	case in.Text == "":
		c.Add("text", "required", "is required")
	case utf8.RuneCountInString(in.Text) > MaxMessage:
		c.Add("text", "too_long", "must be at most %d characters", MaxMessage)
	default:
		c.Include(input.Text("text", in.Text))
	}
	contact, ok := input.ID(in.ContactID)
	if in.ContactID == "" {
		c.Add("contact_id", "required", "is required")
	} else if !ok {
		c.Add("contact_id", "type", "must be an id")
	}
	if err := c.Err(); err != nil {
		return Replied{}, err
	}
	ch, err := s.channel(ctx, a.WorkspaceID, id)
	if err != nil {
		return Replied{}, err
	}
	// A contact the actor may not read is answered as one that does not
	// exist, as everywhere.
	if _, err := s.engine.Get(ctx, "contact", in.ContactID, false); err != nil {
		if fault.Is(err, fault.ENOTFOUND) {
			return Replied{}, fault.Field("contact_id", "reference", "no such record: no contact with id %q", in.ContactID)
		}
		return Replied{}, err
	}
	var out Replied
	err = s.db.Read(ctx).QueryRowContext(ctx, `SELECT sender_id FROM chat_senders WHERE workspace_id = ? AND channel_id = ? AND contact_id = ?
		ORDER BY sender_id LIMIT 1`, a.WorkspaceID, ch.id, contact).Scan(&out.RecipientID)
	if errors.Is(err, sql.ErrNoRows) {
		return Replied{}, fault.Field("contact_id", "unknown", "the contact has not written through this channel, so it has no address there")
	}
	if err != nil {
		return Replied{}, err
	}
	d := s.db.Dialect
	err = s.db.Tx(ctx, func(q store.Querier) error {
		rec, err := s.engine.Create(store.Within(ctx, q), "note", map[string]any{
			"body": ch.Name + " — reply: " + in.Text, "record_type": "contact", "record_id": in.ContactID})
		if err != nil {
			return err
		}
		out.NoteID, _ = rec["id"].(string)
		return outbox.Write(ctx, q, d, outbox.Event{WorkspaceID: a.WorkspaceID, Object: ChatObject, RecordID: in.ContactID, Action: ActionReply,
			ActorID: a.UserID, At: s.now().UTC(), Changes: map[string]any{"channel_id": ch.ID, "channel": ch.PublicID,
				"recipient_id": out.RecipientID, "text": in.Text, "note_id": out.NoteID}})
	})
	return out, err
}

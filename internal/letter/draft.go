package letter

import (
	"context"
	netmail "net/mail"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/input"
	"github.com/rapport-crm/rapport/internal/locale"
	outgoing "github.com/rapport-crm/rapport/internal/mail"
	"github.com/rapport-crm/rapport/internal/mailbox"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/vcard"
)

// A letter the writer writes themselves, often an answer to one kept from
// their mailbox: the same merge fields as a template, filled in the
// contact's language, and the same signature; an answer carries the
// headers that keep it in the customer's conversation
// (docs/decisions/0061-compose-and-reply.md).

// Originals reads the letters kept from mailboxes, as the actor may read
// them (internal/mailbox).
type Originals interface {
	Message(ctx context.Context, id string) (mailbox.Message, error)
}

// Draft is a letter written for one record: its subject and body may name
// merge fields of the record's object. ReplyTo, when set, is the kept
// letter it answers; a draft that answers one and names no record goes
// to the letter's contact.
type Draft struct {
	Object   string `json:"object"`
	RecordID string `json:"record_id"`
	Subject  string `json:"subject"`
	Body     string `json:"body"`
	ReplyTo  string `json:"reply_to,omitempty"`
}

// Write checks d and writes it out for its record as SendDraft would send
// it, without sending.
func (s *Service) Write(ctx context.Context, d Draft) (Letter, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return Letter{}, err
	}
	l, _, err := s.writeDraft(ctx, a, d)
	return l, err
}

// SendDraft writes d out and queues it, as Send queues a template's
// letters: through the writer's own mailbox when it sends, else the
// system's mail server.
func (s *Service) SendDraft(ctx context.Context, d Draft) (Letter, error) {
	a, err := writer(ctx)
	if err != nil {
		return Letter{}, err
	}
	from, err := s.From(ctx)
	if err != nil {
		return Letter{}, err
	}
	if s.o.Outgoing == nil && from == "" {
		return Letter{}, fault.Errorf(fault.ECONFLICT, "no mail server is configured (--smtp-url), so no letter can be sent")
	}
	l, m, err := s.writeDraft(ctx, a, d)
	if err != nil {
		return Letter{}, err
	}
	if l.To == "" {
		return Letter{}, fault.Field("record_id", "no_email", "the record has no e-mail address you may read")
	}
	sent := false
	if from != "" {
		if sent, err = s.o.Personal.SendAll(ctx, []outgoing.Message{m}); err != nil {
			return Letter{}, err
		}
	}
	if !sent {
		if s.o.Outgoing == nil {
			return Letter{}, fault.Errorf(fault.ECONFLICT, "no mail server is configured (--smtp-url), so no letter can be sent")
		}
		if err := s.o.Outgoing.Send(ctx, m); err != nil {
			return Letter{}, err
		}
	}
	return l, nil
}

// writeDraft checks d and writes it out for its record.
func (s *Service) writeDraft(ctx context.Context, a access.Actor, d Draft) (Letter, outgoing.Message, error) {
	c := &fault.Collector{}
	d.Subject, d.Body = strings.TrimSpace(d.Subject), strings.TrimRight(d.Body, " \t\r\n")
	var orig *mailbox.Message
	var party string
	switch _, ok := input.ID(d.ReplyTo); {
	case d.ReplyTo == "":
	case !ok || s.o.Originals == nil:
		c.Add("reply_to", "invalid", "is not the id of a kept letter")
	default:
		m, err := s.o.Originals.Message(ctx, d.ReplyTo)
		if err != nil {
			return Letter{}, outgoing.Message{}, err // a letter the writer cannot read is not found
		}
		orig = &m
		contact, address, err := s.replyContact(ctx, m)
		if err != nil {
			return Letter{}, outgoing.Message{}, err
		}
		party = address
		if d.Object == "" && d.RecordID == "" {
			d.Object, d.RecordID = "contact", contact
		}
	}
	objectOK := slices.Contains(Objects, d.Object)
	if !objectOK {
		c.Add("object", "option", "must be one of %s", strings.Join(Objects, ", "))
	}
	switch _, ok := input.ID(d.RecordID); {
	case d.RecordID == "" && orig != nil:
		c.Add("record_id", "required", "the letter answered names no contact you may read; name the record")
	case d.RecordID == "":
		c.Add("record_id", "required", "name the record the letter is written to")
	case !ok:
		c.Add("record_id", "invalid", "is not a record id")
	}
	switch fe := input.Line("subject", d.Subject); {
	case fe != nil:
		c.Include(fe)
	case d.Subject == "":
		c.Add("subject", "required", "a letter needs a subject")
	case utf8.RuneCountInString(d.Subject) > maxSubject:
		c.Add("subject", "too_long", "at most %d characters", maxSubject)
	case objectOK:
		s.checkFields(ctx, c, "subject", d.Object, d.Subject)
	}
	switch fe := input.Text("body", d.Body); {
	case fe != nil:
		c.Include(fe)
	case d.Body == "":
		c.Add("body", "required", "a letter needs a body")
	case utf8.RuneCountInString(d.Body) > maxBody:
		c.Add("body", "too_long", "at most %d characters", maxBody)
	case objectOK:
		s.checkFields(ctx, c, "body", d.Object, d.Body)
	}
	if err := c.Err(); err != nil {
		return Letter{}, outgoing.Message{}, err
	}
	rec, err := s.engine.Get(ctx, d.Object, d.RecordID, false)
	if err != nil {
		return Letter{}, outgoing.Message{}, err
	}
	w, err := s.newWriting(ctx, a)
	if err != nil {
		return Letter{}, outgoing.Message{}, err
	}
	l := w.compose(ctx, everyLanguage(d.Object, Version{Subject: d.Subject, Body: d.Body}), rec, w.get)
	m := outgoing.Message{To: l.To, ToName: l.ToName, Subject: l.Subject, Text: l.Body,
		ReplyTo: (&netmail.Address{Name: w.user["name"], Address: w.user["email"]}).String()}
	if orig != nil {
		l.InReplyTo = orig.MessageID
		m.InReplyTo, m.References = threadHeaders(*orig)
		// An answer goes to the address the conversation is held at,
		// when it is one of the record's contact's.
		if party != "" && slices.Contains(w.emails(ctx, rec, d.Object), party) {
			l.To, m.To = party, party
		}
	}
	return l, m, nil
}

// everyLanguage is a template of one text in every language, so that the
// letter takes the contact's language (or the workspace's) and its merge
// fields are written as a reader of it expects.
func everyLanguage(object string, v Version) Template {
	t := Template{Object: object, Versions: map[string]Version{}}
	for _, l := range locale.Languages {
		t.Versions[l] = v
	}
	return t
}

// emails are the addresses, in lower case, of the contact a letter for
// rec goes to.
func (w *writing) emails(ctx context.Context, rec records.Record, object string) []string {
	contact := rec
	if object != "contact" {
		contact = nil
		for _, id := range linkIDs(rec[links[object]["contact"]]) {
			if contact = w.get(ctx, "contact", id); contact != nil {
				break
			}
		}
	}
	if contact == nil {
		return nil
	}
	return allEmails(contact["emails"])
}

// allEmails are the addresses of an e-mails value, in lower case.
func allEmails(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, it := range list {
		switch x := it.(type) {
		case string:
			out = append(out, strings.ToLower(x))
		case map[string]any:
			if s, ok := x["value"].(string); ok {
				out = append(out, strings.ToLower(s))
			}
		}
	}
	return out
}

// replyContact returns the contact an answer to m goes to, with the
// address m names them by: the sender of a letter received, or the first
// recipient of one sent who is a contact the actor may read. Both empty
// when m names none.
func (s *Service) replyContact(ctx context.Context, m mailbox.Message) (id, address string, err error) {
	parties := append(append([]string{m.From.Email}, m.To...), m.Cc...)
	var contacts []records.Record
	for _, l := range m.Links {
		if l.Object != "contact" {
			continue
		}
		r, err := s.engine.Get(ctx, "contact", l.ID, false)
		if err != nil {
			if fault.Is(err, fault.ENOTFOUND) || fault.Is(err, fault.EFORBIDDEN) {
				continue
			}
			return "", "", err
		}
		contacts = append(contacts, r)
	}
	for _, p := range parties {
		p = strings.ToLower(p)
		for _, r := range contacts {
			if slices.Contains(allEmails(r["emails"]), p) {
				return r["id"].(string), p, nil
			}
		}
	}
	return "", "", nil
}

// threadHeaders are the In-Reply-To and References of an answer to m, as
// RFC 5322 builds them: m's references (or, without them, the letter m
// answers) and then m itself. A long chain keeps its first id and the
// latest ones, which is what threading reads.
func threadHeaders(m mailbox.Message) (string, []string) {
	if strings.HasSuffix(m.MessageID, "@rapport.invalid") {
		// m came without a Message-ID; the one Rapport gave it is its own.
		return "", nil
	}
	refs := slices.Clone(m.References)
	if len(refs) == 0 && m.InReplyTo != "" {
		refs = []string{m.InReplyTo}
	}
	refs = append(refs, m.MessageID)
	if len(refs) > maxReferences {
		refs = append(refs[:1], refs[len(refs)-maxReferences+1:]...)
	}
	return m.MessageID, refs
}

// maxReferences bounds the References of an answer.
const maxReferences = 20

// Reply starts an answer to kept letter id: to its contact, with "Re:"
// before its subject and its text quoted below, headed in the contact's
// language.
func (s *Service) Reply(ctx context.Context, id string) (Draft, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return Draft{}, err
	}
	if _, ok := input.ID(id); !ok || s.o.Originals == nil {
		return Draft{}, fault.Errorf(fault.ENOTFOUND, "no such letter")
	}
	m, err := s.o.Originals.Message(ctx, id)
	if err != nil {
		return Draft{}, err
	}
	contact, _, err := s.replyContact(ctx, m)
	if err != nil {
		return Draft{}, err
	}
	d := Draft{Object: "contact", RecordID: contact, Subject: ReplySubject(m.Subject), ReplyTo: id}
	w, err := s.newWriting(ctx, a)
	if err != nil {
		return Draft{}, err
	}
	var rec records.Record
	if contact != "" {
		rec = w.get(ctx, "contact", contact)
	}
	p := locale.For(w.language(everyLanguage("contact", Version{}), rec))
	who := m.From.Name
	if who == "" {
		who = m.From.Email
	}
	d.Body = "\n\n" + p.T("letter.quote", "date", p.DateTime(m.SentAt, nil), "name", who) + "\n" + quote(m)
	if max := maxBody - 1000; utf8.RuneCountInString(d.Body) > max {
		d.Body = string([]rune(d.Body)[:max])
	}
	return d, nil
}

// ReplySubject is the subject of an answer: "Re: " before subject, once.
func ReplySubject(subject string) string {
	subject = strings.TrimSpace(subject)
	if len(subject) >= 3 && strings.EqualFold(subject[:3], "re:") {
		return subject
	}
	return strings.TrimSpace("Re: " + subject)
}

// hidden are the parts of a letter's HTML that are not its text.
var hidden = regexp.MustCompile(`(?is)<(?:style|script|head)\b.*?</(?:style|script|head)\s*>`)

// quote is m's text with "> " before each line. Double braces are broken,
// so that the customer's text is never read as merge fields.
func quote(m mailbox.Message) string {
	text := m.Text
	if strings.TrimSpace(text) == "" && m.HTML != "" {
		text = vcard.HTMLToText(hidden.ReplaceAllString(m.HTML, ""))
	}
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "{{", "{ {")
	lines := strings.Split(strings.TrimRight(text, " \t\n"), "\n")
	for i, line := range lines {
		lines[i] = strings.TrimRight("> "+line, " ")
	}
	return strings.Join(lines, "\n")
}

// Start begins a letter from template id for a record: the template's
// text in the language the letter would be written in, merge fields and
// all, for the writer to change before it goes.
func (s *Service) Start(ctx context.Context, id, record string) (Draft, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return Draft{}, err
	}
	t, err := s.get(ctx, s.db.Read(ctx), a.WorkspaceID, id)
	if err != nil {
		return Draft{}, err
	}
	w, err := s.newWriting(ctx, a)
	if err != nil {
		return Draft{}, err
	}
	l, err := w.write(ctx, t, record)
	if err != nil {
		return Draft{}, err
	}
	v := t.Versions[l.Language]
	return Draft{Object: t.Object, RecordID: record, Subject: v.Subject, Body: v.Body}, nil
}

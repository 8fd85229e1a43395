package mailbox

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // windows-1251, koi8-r and the other charsets mail still comes in
	"github.com/emersion/go-message/mail"
)

// Limits on what is kept of a message. A message beyond MaxMessage is
// kept by its headers only, with a problem saying so; an attachment
// beyond MaxAttachment is listed but not stored.
const (
	MaxMessage    = 25 << 20
	MaxAttachment = 10 << 20
	maxBody       = 1 << 20 // the text and the HTML each
	maxAddresses  = 200     // of To and Cc together kept on the letter: a mailing list is not a conversation
	maxParties    = 2000    // addresses looked up to file a letter, the sender's among them
	maxLinks      = 100     // contacts, and companies, one letter is filed on
	maxParts      = 100
)

// Parsed is a message read from its RFC 5322 form.
type Parsed struct {
	MessageID, InReplyTo string
	References           []string
	Subject              string
	From                 Address
	To, Cc               []Address
	// More are the recipients beyond the maxAddresses kept in To and Cc,
	// up to maxParties: not kept, but looked up to file the letter.
	More        []string
	Date        time.Time
	Text, HTML  string
	Attachments []Attachment
	// Problem says what could not be read, "" when all was: the message
	// is still kept, with whatever was.
	Problem string
}

// Address is a mailbox in a header.
type Address struct {
	Name, Email string
}

// Attachment is a part that is not the body.
type Attachment struct {
	Filename, ContentType, ContentID string
	Size                             int
	SHA256                           string
	Content                          []byte // nil when beyond MaxAttachment
}

// Parse reads raw. It never fails: a message that is not MIME, or whose
// parts are broken, gives what could be read and a Problem; even a panic
// deep in a decoder is caught, so that one letter cannot stop a sync.
func Parse(raw []byte) (p Parsed) {
	defer func() {
		if r := recover(); r != nil {
			p = Parsed{Problem: fmt.Sprintf("unreadable message: %v", r), Text: clip(validUTF8(string(raw)), maxBody)}
			p.setID(raw)
		}
	}()
	// The header is read whatever its size (go-message stops at 1 MB by
	// default): raw is in memory already, bounded by MaxMessage, and a
	// letter with a megabyte of Received lines or Subject is still a
	// customer's letter.
	e, err := message.ReadWithOptions(bytes.NewReader(raw), &message.ReadOptions{MaxHeaderBytes: -1})
	if e == nil {
		// Not even a header: keep the bytes as text.
		p.Problem = "unreadable message: " + errText(err)
		p.Text = clip(validUTF8(string(raw)), maxBody)
		p.setID(raw)
		return p
	}
	r := mail.NewReader(e)
	if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
		p.Problem = "unreadable header: " + errText(err)
	}
	p.readHeader(r.Header)
	for i := 0; i < maxParts; i++ {
		part, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
			p.problem("broken MIME part: " + errText(err))
			break
		}
		if part == nil {
			break
		}
		p.readPart(part)
	}
	p.setID(raw)
	return p
}

// setID gives a message without a Message-ID a stable one for threading
// and for telling it again: the hash of its bytes.
func (p *Parsed) setID(raw []byte) {
	if p.MessageID == "" {
		sum := sha256.Sum256(raw)
		p.MessageID = "sha256-" + hex.EncodeToString(sum[:12]) + "@rapport.invalid"
	}
}

func (p *Parsed) problem(s string) {
	if p.Problem == "" {
		p.Problem = s
	}
}

func (p *Parsed) readHeader(h mail.Header) {
	id, _ := h.MessageID()
	p.MessageID = clip(validUTF8(id), 500)
	if ids, err := h.MsgIDList("In-Reply-To"); err == nil && len(ids) > 0 {
		p.InReplyTo = clip(validUTF8(ids[0]), 500)
	}
	refs, _ := h.MsgIDList("References")
	for _, r := range refs {
		if len(p.References) < 100 {
			p.References = append(p.References, clip(validUTF8(r), 500))
		}
	}
	if s, err := h.Subject(); err == nil {
		p.Subject = s
	} else {
		p.Subject = h.Get("Subject")
	}
	p.Subject = clip(validUTF8(p.Subject), 1000)
	if from, err := h.AddressList("From"); err == nil && len(from) > 0 {
		p.From = Address{Name: clip(validUTF8(from[0].Name), 255), Email: clip(validUTF8(strings.ToLower(from[0].Address)), 255)}
	}
	p.To = addresses(h, "To")
	p.Cc = addresses(h, "Cc")
	if n := len(p.To) + len(p.Cc); n > maxAddresses {
		p.problem(fmt.Sprintf("%d recipients; the first %d are kept", n, maxAddresses))
		for _, a := range slices.Concat(p.To, p.Cc)[maxAddresses:min(n, maxParties)] {
			p.More = append(p.More, a.Email)
		}
		cc := max(maxAddresses-len(p.To), 0)
		p.To = p.To[:min(len(p.To), maxAddresses)]
		p.Cc = p.Cc[:min(len(p.Cc), cc)]
	}
	if d, err := h.Date(); err == nil && !d.IsZero() {
		p.Date = d.UTC()
	}
}

// addressLike finds what looks like an address in a header that does
// not parse as a list.
var addressLike = regexp.MustCompile(`[^\s<>,;:"()\[\]]+@[^\s<>,;:"()\[\]]+\.[^\s<>,;:"()\[\]]+`)

func addresses(h mail.Header, key string) []Address {
	list, err := h.AddressList(key)
	if err != nil {
		// One malformed entry fails the whole list: keep the addresses
		// that can be seen in it, without their names.
		var out []Address
		for _, a := range addressLike.FindAllString(h.Get(key), -1) {
			out = append(out, Address{Email: clip(validUTF8(strings.ToLower(a)), 255)})
		}
		return out
	}
	out := make([]Address, 0, len(list))
	for _, a := range list {
		out = append(out, Address{Name: clip(validUTF8(a.Name), 255), Email: clip(validUTF8(strings.ToLower(a.Address)), 255)})
	}
	return out
}

func (p *Parsed) readPart(part *mail.Part) {
	switch h := part.Header.(type) {
	case *mail.InlineHeader:
		ct, params, _ := h.ContentType()
		body, err := io.ReadAll(io.LimitReader(part.Body, MaxAttachment+1))
		if err != nil {
			p.problem("unreadable part: " + errText(err))
		}
		switch {
		case ct == "text/plain" && p.Text == "":
			p.Text = clip(validUTF8(string(body)), maxBody)
		case ct == "text/html" && p.HTML == "":
			p.HTML = clip(validUTF8(string(body)), maxBody)
		case strings.HasPrefix(ct, "text/"):
			// A second text part (a forwarded message's body): below
			// the first.
			if ct == "text/plain" {
				p.Text = clip(p.Text+"\n\n"+validUTF8(string(body)), maxBody)
			}
		default:
			name := params["name"]
			id := strings.Trim(h.Get("Content-Id"), "<> ")
			p.attach(name, ct, id, body)
		}
	case *mail.AttachmentHeader:
		name, _ := h.Filename()
		ct, _, _ := h.ContentType()
		id := strings.Trim(h.Get("Content-Id"), "<> ")
		body, err := io.ReadAll(io.LimitReader(part.Body, MaxAttachment+1))
		if err != nil {
			p.problem("unreadable attachment: " + errText(err))
		}
		p.attach(name, ct, id, body)
	}
}

func (p *Parsed) attach(name, ct, id string, body []byte) {
	if name == "" {
		if exts, _ := mime.ExtensionsByType(ct); len(exts) > 0 {
			name = "attachment" + exts[0]
		} else {
			name = "attachment"
		}
	}
	a := Attachment{Filename: clip(validUTF8(name), 255), ContentType: clip(validUTF8(ct), 255), ContentID: clip(validUTF8(id), 255), Size: len(body)}
	if len(body) <= MaxAttachment {
		sum := sha256.Sum256(body)
		a.SHA256, a.Content = hex.EncodeToString(sum[:]), body
	}
	p.Attachments = append(p.Attachments, a)
}

// validUTF8 replaces what is not UTF-8 (a part whose charset was unknown
// or lied), and NULs, which PostgreSQL refuses in text.
func validUTF8(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.ReplaceAll(s, "\x00", "")
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

func errText(err error) string {
	if err == nil {
		return "unknown error"
	}
	return err.Error()
}

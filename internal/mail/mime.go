package mail

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
)

// Compose writes m as an RFC 5322 message from from: text/plain alone, or
// with an HTML version as multipart/alternative of the text and a
// multipart/related of the HTML and its inline images.
func Compose(m Message, from string, at time.Time) ([]byte, error) {
	var b bytes.Buffer
	h := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	h("From", from)
	to := m.To
	if m.ToName != "" {
		to = (&mail.Address{Name: m.ToName, Address: m.To}).String()
	}
	h("To", to)
	if m.ReplyTo != "" {
		h("Reply-To", m.ReplyTo)
	}
	h("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	h("Date", at.Format(time.RFC1123Z))
	h("Message-ID", "<"+token()+"@"+domain(from)+">")
	if m.InReplyTo != "" {
		h("In-Reply-To", "<"+m.InReplyTo+">")
	}
	if len(m.References) > 0 {
		// One id a line: a long thread would pass the 998 characters a
		// header line may have.
		h("References", "<"+strings.Join(m.References, ">\r\n <")+">")
	}
	h("MIME-Version", "1.0")
	if m.HTML == "" {
		h("Content-Type", "text/plain; charset=utf-8")
		h("Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		if err := writeQP(&b, m.Text); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}
	alt := multipart.NewWriter(&b)
	h("Content-Type", "multipart/alternative; boundary="+alt.Boundary())
	b.WriteString("\r\n")
	text, err := alt.CreatePart(textproto.MIMEHeader{"Content-Type": {"text/plain; charset=utf-8"},
		"Content-Transfer-Encoding": {"quoted-printable"}})
	if err != nil {
		return nil, err
	}
	if err := writeQP(text, m.Text); err != nil {
		return nil, err
	}
	var rel bytes.Buffer
	related := multipart.NewWriter(&rel)
	part, err := alt.CreatePart(textproto.MIMEHeader{"Content-Type": {`multipart/related; type="text/html"; boundary=` + related.Boundary()}})
	if err != nil {
		return nil, err
	}
	html, err := related.CreatePart(textproto.MIMEHeader{"Content-Type": {"text/html; charset=utf-8"},
		"Content-Transfer-Encoding": {"quoted-printable"}})
	if err != nil {
		return nil, err
	}
	if err := writeQP(html, m.HTML); err != nil {
		return nil, err
	}
	for _, in := range m.Inline {
		img, err := related.CreatePart(textproto.MIMEHeader{"Content-Type": {in.ContentType}, "Content-Transfer-Encoding": {"base64"},
			"Content-ID": {"<" + in.ContentID + ">"}, "Content-Disposition": {"inline"}})
		if err != nil {
			return nil, err
		}
		if err := writeBase64(img, in.Data); err != nil {
			return nil, err
		}
	}
	if err := related.Close(); err != nil {
		return nil, err
	}
	if _, err := part.Write(rel.Bytes()); err != nil {
		return nil, err
	}
	if err := alt.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func writeQP(w interface{ Write([]byte) (int, error) }, s string) error {
	q := quotedprintable.NewWriter(w)
	if _, err := q.Write([]byte(s)); err != nil {
		return err
	}
	return q.Close()
}

// writeBase64 writes data in lines of 76 characters, as RFC 2045 asks.
func writeBase64(w interface{ Write([]byte) (int, error) }, data []byte) error {
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		if _, err := w.Write([]byte(enc[:76] + "\r\n")); err != nil {
			return err
		}
		enc = enc[76:]
	}
	_, err := w.Write([]byte(enc + "\r\n"))
	return err
}

// domain is the right-hand side of a Message-ID: the sender's domain,
// which keeps the ids of different installs apart.
func domain(from string) string {
	if i := strings.LastIndexByte(from, '@'); i >= 0 && i < len(from)-1 {
		return strings.Trim(from[i+1:], "<> ")
	}
	return "rapport"
}

func token() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Package mail sends the e-mails Rapport itself writes, such as password
// reset links. Senders hide the transport: the log sender below until an
// SMTP one is configured.
package mail

import (
	"context"
	"log/slog"
)

// Message is one e-mail: plain text, and optionally an HTML version with
// images it shows inline (multipart/related), for mail such as the daily
// digest (mime.go builds it).
type Message struct {
	To string
	// ToName, when set, is the recipient's name, shown beside To.
	ToName string
	// ReplyTo, when set, is where answers go (an address with its name,
	// as net/mail writes one), for a letter sent on a person's behalf.
	ReplyTo string
	Subject string
	Text    string
	// InReplyTo and References, when set, are the Message-IDs (without
	// angle brackets) of the letter this one answers and of its thread,
	// so that mail programs show the answer in the same conversation.
	InReplyTo  string
	References []string
	// HTML, when set, is the message's HTML version; it names each of
	// Inline by "cid:<ContentID>".
	HTML   string
	Inline []Inline
}

// Inline is an image an HTML message shows.
type Inline struct {
	ContentID   string
	ContentType string // e.g. image/png
	Data        []byte
}

// Sender delivers messages.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// LogSender writes each message to the log instead of sending it, so that
// an install without a mail server still works: the operator reads the
// link from the log and passes it on. The log then holds live reset links,
// which is why a real sender should replace it on any shared install.
type LogSender struct{ Log *slog.Logger }

// Send logs m.
func (l LogSender) Send(ctx context.Context, m Message) error {
	log := l.Log
	if log == nil {
		log = slog.Default()
	}
	log.InfoContext(ctx, "e-mail not sent (no mail server configured); its text follows",
		"to", m.To, "subject", m.Subject, "text", m.Text)
	return nil
}

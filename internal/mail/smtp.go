package mail

import (
	"bytes"
	"context"
	"time"

	"github.com/emersion/go-smtp"
)

// SMTPSender delivers messages to an SMTP server as From: with STARTTLS,
// which go-smtp insists on, or in plain text when Plain is set, for a relay
// on the same host (loopback) only.
type SMTPSender struct {
	Addr  string // host:port
	From  string
	Plain bool
}

// Send delivers m.
func (s SMTPSender) Send(ctx context.Context, m Message) error {
	body, err := Compose(m, s.From, time.Now())
	if err != nil {
		return err
	}
	if !s.Plain {
		return smtp.SendMail(s.Addr, nil, s.From, []string{m.To}, bytes.NewReader(body))
	}
	c, err := smtp.Dial(s.Addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SendMail(s.From, []string{m.To}, bytes.NewReader(body)); err != nil {
		return err
	}
	return c.Quit()
}

package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Security is how a connection to the mail server is protected.
type Security string

// The kinds of connection. Plain is allowed to a server on this host only:
// credentials and mail never cross a network in clear text.
const (
	StartTLS    Security = "starttls" // plain connection upgraded before anything is sent (port 587)
	ImplicitTLS Security = "tls"      // TLS from the first byte (port 465)
	Plain       Security = "plain"    // a relay on loopback
)

// SMTP delivers messages to one mail server as From.
type SMTP struct {
	Addr     string // host:port
	Security Security
	Username string // empty: no authentication
	Password string
	From     string
	// TLS, when set, replaces the default configuration (the system's
	// roots, for Addr's host), e.g. to trust a test server's certificate.
	TLS *tls.Config
	// Timeout bounds connecting and each command; the message itself has
	// four times as long. Zero means 30 seconds.
	Timeout time.Duration
}

// ParseSMTP reads a mail server's URL: smtp://[user[:password]@]host[:port]
// for STARTTLS (port 587 by default), smtps://… for implicit TLS (465), and
// smtp://host:port?security=plain for a relay on loopback (port 25).
func ParseSMTP(raw, from string) (SMTP, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return SMTP{}, fmt.Errorf("smtp URL: %w", err)
	}
	s := SMTP{From: from}
	port := ""
	switch u.Scheme {
	case "smtp":
		s.Security, port = StartTLS, "587"
	case "smtps":
		s.Security, port = ImplicitTLS, "465"
	default:
		return SMTP{}, fmt.Errorf("smtp URL: the scheme must be smtp or smtps, not %q", u.Scheme)
	}
	for k, v := range u.Query() {
		switch {
		case k == "security" && len(v) == 1 && v[0] == string(Plain) && u.Scheme == "smtp":
			s.Security, port = Plain, "25"
		default:
			return SMTP{}, fmt.Errorf("smtp URL: unknown parameter %s=%s (only security=plain, on smtp://)", k, strings.Join(v, ","))
		}
	}
	host := u.Hostname()
	if host == "" {
		return SMTP{}, errors.New("smtp URL: no host")
	}
	if p := u.Port(); p != "" {
		port = p
	}
	s.Addr = net.JoinHostPort(host, port)
	if u.User != nil {
		s.Username = u.User.Username()
		s.Password, _ = u.User.Password()
	}
	if s.Security == Plain && !loopback(host) {
		return SMTP{}, fmt.Errorf("smtp URL: security=plain is for a server on this host only, not %s", host)
	}
	if !strings.Contains(from, "@") {
		return SMTP{}, fmt.Errorf("mail-from must be an e-mail address, not %q", from)
	}
	return s, nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Send composes m and delivers it.
func (s SMTP) Send(ctx context.Context, m Message) error {
	body, err := Compose(m, s.From, time.Now())
	if err != nil {
		return err
	}
	return s.Deliver(ctx, m.To, body)
}

// Deliver hands a composed message for to to the server. A server that
// stops answering fails the delivery after the timeouts; ctx cancels it.
func (s SMTP) Deliver(ctx context.Context, to string, body []byte) error {
	c, err := s.dial(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SendMail(s.From, []string{to}, bytes.NewReader(body)); err != nil {
		return err
	}
	return c.Quit()
}

// Envelope is one composed message and its recipient.
type Envelope struct {
	To   string
	Body []byte
}

// DeliverEach hands several messages to the server over one connection,
// one transaction each, calling done after each with the server's answer
// to it. A refusal of one message (an SMTP error) goes to done and the
// next message is tried; a broken connection, or an error done returns,
// ends the run and is returned, the messages after it not tried.
func (s SMTP) DeliverEach(ctx context.Context, msgs []Envelope, done func(i int, err error) error) error {
	c, err := s.dial(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	for i, m := range msgs {
		err := c.SendMail(s.From, []string{m.To}, bytes.NewReader(m.Body))
		var se *smtp.SMTPError
		if err != nil && !errors.As(err, &se) {
			return err
		}
		if err != nil {
			// A refused transaction leaves the session to be reset
			// before the next one.
			if rerr := c.Reset(); rerr != nil {
				return rerr
			}
		}
		if derr := done(i, err); derr != nil {
			return derr
		}
	}
	return c.Quit()
}

// dial connects and greets the server, with TLS and authentication as
// configured. ctx cancels the connection for as long as it is open.
func (s SMTP) dial(ctx context.Context) (*smtpClient, error) {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	host, _, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return nil, err
	}
	cfg := s.TLS
	if cfg == nil {
		cfg = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	}
	conn, err := (&net.Dialer{Timeout: timeout}).DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return nil, err
	}
	// Closing the connection is the one way to interrupt a command.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	if s.Security == ImplicitTLS {
		conn = tls.Client(conn, cfg)
	}
	var c *smtp.Client
	if s.Security == StartTLS {
		c, err = smtp.NewClientStartTLS(conn, cfg)
		if err != nil {
			stop()
			conn.Close()
			return nil, err
		}
	} else {
		c = smtp.NewClient(conn)
	}
	c.CommandTimeout, c.SubmissionTimeout = timeout, 4*timeout
	if s.Username != "" {
		if err := c.Auth(sasl.NewPlainClient("", s.Username, s.Password)); err != nil {
			stop()
			c.Close()
			return nil, err
		}
	}
	return &smtpClient{Client: c, stop: stop}, nil
}

// smtpClient is a connection to the server that stops following the
// context once closed.
type smtpClient struct {
	*smtp.Client
	stop func() bool
}

func (c *smtpClient) Close() error {
	c.stop()
	return c.Client.Close()
}

// Permanent reports whether err is the server's final refusal (a 5xx
// reply), which sending again will not change.
func Permanent(err error) bool {
	var se *smtp.SMTPError
	return errors.As(err, &se) && se.Code >= 500
}

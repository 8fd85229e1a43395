package mail_test

import (
	"context"
	"crypto/tls"
	"mime"
	"net/mail"
	"strings"
	"testing"
	"time"

	rmail "github.com/rapport-crm/rapport/internal/mail"
	"github.com/rapport-crm/rapport/internal/mail/mailtest"
)

func TestParseSMTP(t *testing.T) {
	good := []struct {
		url  string
		want rmail.SMTP
	}{
		{"smtp://mail.example.com", rmail.SMTP{Addr: "mail.example.com:587", Security: rmail.StartTLS}},
		{"smtps://ann:s%40cret@mail.example.com", rmail.SMTP{Addr: "mail.example.com:465", Security: rmail.ImplicitTLS, Username: "ann", Password: "s@cret"}},
		{"smtp://127.0.0.1?security=plain", rmail.SMTP{Addr: "127.0.0.1:25", Security: rmail.Plain}},
		{"smtp://localhost:2525?security=plain", rmail.SMTP{Addr: "localhost:2525", Security: rmail.Plain}},
		{"smtp://[::1]:2525", rmail.SMTP{Addr: "[::1]:2525", Security: rmail.StartTLS}},
	}
	for _, c := range good {
		got, err := rmail.ParseSMTP(c.url, "crm@example.com")
		c.want.From = "crm@example.com"
		if err != nil || got != c.want {
			t.Errorf("ParseSMTP(%q) = %+v, %v; want %+v", c.url, got, err, c.want)
		}
	}
	bad := map[string]string{
		"http://mail.example.com":                "scheme",
		"smtp://mail.example.com?security=plain": "this host only",
		"smtps://127.0.0.1?security=plain":       "unknown parameter",
		"smtp://mail.example.com?tls=off":        "unknown parameter",
		"smtp:///nohost":                         "no host",
		"smtp://mail.example.com:587/%zz":        "smtp URL",
	}
	for url, want := range bad {
		if _, err := rmail.ParseSMTP(url, "crm@example.com"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseSMTP(%q): %v, want an error about %q", url, err, want)
		}
	}
	if _, err := rmail.ParseSMTP("smtp://mail.example.com", "not an address"); err == nil {
		t.Error("a From without @ is taken")
	}
}

// TestSMTPSecurity sends through STARTTLS and implicit TLS with a
// password, and checks that the password is never offered in clear text.
func TestSMTPSecurity(t *testing.T) {
	msg := rmail.Message{To: "customer@example.org", Subject: "Привет, Zoë", Text: "Line one\nline two, long enough to be wrapped by quoted-printable encoding at seventy-six characters"}
	for _, implicit := range []bool{false, true} {
		srv := mailtest.Start(t, mailtest.Options{TLS: true, Implicit: implicit, Username: "ann", Password: "s3cret"})
		s := rmail.SMTP{Addr: srv.Addr, Security: rmail.StartTLS, Username: "ann", Password: "s3cret", From: "crm@example.com",
			TLS: &tls.Config{RootCAs: srv.Roots, ServerName: "127.0.0.1"}, Timeout: 5 * time.Second}
		if implicit {
			s.Security = rmail.ImplicitTLS
		}
		if err := s.Send(context.Background(), msg); err != nil {
			t.Fatalf("%s: %v", s.Security, err)
		}
		got := srv.Messages()
		if len(got) != 1 || got[0].To != msg.To || got[0].From != "crm@example.com" {
			t.Fatalf("%s: the server got %+v", s.Security, got)
		}
		m, err := mail.ReadMessage(strings.NewReader(string(got[0].Data)))
		if err != nil {
			t.Fatal(err)
		}
		if subject, _ := new(mimeDecoder).DecodeHeader(m.Header.Get("Subject")); subject != msg.Subject {
			t.Errorf("subject %q", subject)
		}
		if id := m.Header.Get("Message-ID"); !strings.HasSuffix(id, "@example.com>") {
			t.Errorf("Message-ID %q is not of the sender's domain", id)
		}
		// A wrong password is the server's refusal, not a retry.
		s.Password = "wrong"
		if err := s.Send(context.Background(), msg); err == nil || !rmail.Permanent(err) {
			t.Errorf("%s with a wrong password: %v, want a permanent refusal", s.Security, err)
		}
		// A server whose certificate nobody vouches for is refused.
		s.Password, s.TLS = "s3cret", nil
		if err := s.Send(context.Background(), msg); err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Errorf("%s to an untrusted certificate: %v", s.Security, err)
		}
	}
	// Plain text to a server that wants a password: the client must not
	// send it, and the server must not take mail without it.
	srv := mailtest.Start(t, mailtest.Options{TLS: true, Username: "ann", Password: "s3cret"})
	s := rmail.SMTP{Addr: srv.Addr, Security: rmail.Plain, Username: "ann", Password: "s3cret", From: "crm@example.com", Timeout: 5 * time.Second}
	if err := s.Send(context.Background(), msg); err == nil {
		t.Error("a password went over a plain connection")
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages taken without authentication", n)
	}
}

// TestSMTPTimeout: a server that stops answering in the middle of DATA
// fails the delivery after the timeout instead of holding the worker.
func TestSMTPTimeout(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	held := srv.Hold()
	t.Cleanup(srv.Release)
	s := rmail.SMTP{Addr: srv.Addr, Security: rmail.Plain, From: "crm@example.com", Timeout: 200 * time.Millisecond}
	done := make(chan error, 1)
	go func() {
		done <- s.Send(context.Background(), rmail.Message{To: "a@example.org", Subject: "s", Text: "t"})
	}()
	<-held
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("a message the server never accepted counts as sent")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the delivery hangs on a silent server")
	}
}

type mimeDecoder = mime.WordDecoder

// Package mailtest runs a real SMTP server on loopback for tests: it
// keeps what it receives, can demand TLS and a password, answer a chosen
// reply, or hold a transaction before its message is sent.
package mailtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Options shape the server. The zero value is a plain server that takes
// every message.
type Options struct {
	// TLS offers STARTTLS, or with Implicit speaks TLS from the first
	// byte; the client must trust Server.Roots.
	TLS      bool
	Implicit bool
	// Username and Password, when set, are required (AUTH PLAIN, over TLS
	// only).
	Username, Password string
	// Deliver, when set, is handed each message the server accepts, as a
	// mail server hands it to the recipient's mailbox; an error refuses
	// the message for now (451).
	Deliver func(to string, data []byte) error
}

// Message is one message the server accepted.
type Message struct {
	From, To string
	Data     []byte
}

// Server is a running SMTP server.
type Server struct {
	Addr  string
	Roots *x509.CertPool // trusts the server's certificate, when TLS is on

	mu    sync.Mutex
	msgs  []Message
	reply *smtp.SMTPError // answered to DATA instead of accepting
	hold  chan struct{}   // a RCPT waits on it when set
	held  chan struct{}   // closed when a RCPT starts waiting
	begun int             // transactions that reached RCPT
	opts  Options
}

// Start runs a server until the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s := &Server{opts: opts}
	srv := smtp.NewServer(backend{s})
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	srv.AllowInsecureAuth = false
	srv.ErrorLog = log.New(io.Discard, "", 0) // a client the test cut off is no news
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if opts.TLS {
		cert, roots := certificate(t)
		s.Roots = roots
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		if opts.Implicit {
			ln = tls.NewListener(ln, srv.TLSConfig)
		}
	}
	s.Addr = ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

// Messages returns the messages accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Begun is how many transactions have named their recipient, whether
// their message was then accepted or not.
func (s *Server) Begun() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.begun
}

// Reply makes the server answer DATA with code and text instead of
// accepting the message; code 0 accepts again.
func (s *Server) Reply(code int, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reply = nil
	if code != 0 {
		s.reply = &smtp.SMTPError{Code: code, Message: text}
	}
}

// Hold makes the next transaction wait at its RCPT command, before any of
// its message is sent, until Release; the returned channel closes once it
// waits. (A hold inside DATA would not show a client cut off mid-message:
// a small message sits whole in the socket's buffers before the server
// reads it, and a real server accepts it once it reads the final dot.)
func (s *Server) Hold() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hold, s.held = make(chan struct{}), make(chan struct{})
	return s.held
}

// Release lets a held transaction go on (to the end of a connection that
// may be gone) and stops holding.
func (s *Server) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hold != nil {
		close(s.hold)
		s.hold = nil
	}
}

type backend struct{ s *Server }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) { return &session{s: b.s}, nil }

type session struct {
	s        *Server
	from, to string
	authed   bool
}

func (ss *session) AuthMechanisms() []string {
	if ss.s.opts.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != ss.s.opts.Username || password != ss.s.opts.Password {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "invalid credentials"}
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.opts.Username != "" && !ss.authed {
		return &smtp.SMTPError{Code: 530, Message: "authentication required"}
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	ss.s.begun++
	hold, held := ss.s.hold, ss.s.held
	ss.s.held = nil // one transaction is held at a time
	ss.s.mu.Unlock()
	if held != nil {
		close(held)
		<-hold
	}
	ss.to = to
	return nil
}

func (ss *session) Data(r io.Reader) error {
	ss.s.mu.Lock()
	reply := ss.s.reply
	ss.s.mu.Unlock()
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if reply != nil {
		return reply
	}
	if d := ss.s.opts.Deliver; d != nil {
		if err := d(ss.to, data); err != nil {
			return &smtp.SMTPError{Code: 451, Message: "delivery failed: " + err.Error()}
		}
	}
	ss.s.mu.Lock()
	ss.s.msgs = append(ss.s.msgs, Message{From: ss.from, To: ss.to, Data: data})
	ss.s.mu.Unlock()
	return nil
}

func (ss *session) Reset()        {}
func (ss *session) Logout() error { return nil }

// certificate makes a self-signed certificate for 127.0.0.1 and a pool
// that trusts it.
func certificate(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, roots
}

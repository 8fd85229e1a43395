// Package imaptest runs a real Dovecot on loopback for the mailboxes'
// tests and benchmark: a throwaway configuration in a temporary
// directory, a plain-text password file, Maildir++ mail, IMAP without
// TLS on a free port. It needs Debian's dovecot-imapd.
package imaptest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"text/template"
	"time"

	"github.com/emersion/go-imap/client"
)

// Binary is where Debian installs Dovecot.
const Binary = "/usr/sbin/dovecot"

// Available reports whether Dovecot is installed, and why not.
func Available() (bool, string) {
	if _, err := os.Stat(Binary); err != nil {
		return false, Binary + " is absent (apt-get install dovecot-imapd)"
	}
	return true, ""
}

// Server is a running Dovecot.
type Server struct {
	Host string
	Port int
	dir  string
	uid  int
	gid  int
	cmd  *exec.Cmd
	seq  atomic.Int64
}

var conf = template.Must(template.New("conf").Parse(`protocols = imap
listen = 127.0.0.1
base_dir = {{.Dir}}/run
state_dir = {{.Dir}}/state
log_path = {{.Dir}}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {{.Login}}
default_internal_user = {{.Internal}}
default_internal_group = {{.Group}}
first_valid_uid = 0
first_valid_gid = 0
mail_location = maildir:{{.Dir}}/mail/%u
mailbox_idle_check_interval = 1 secs
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = {{.Port}}
  }
  inet_listener imaps {
    port = 0
  }
  chroot =
}
service anvil {
  chroot =
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {{.Dir}}/passwd
}
userdb {
  driver = static
  args = uid={{.UID}} gid={{.GID}} home={{.Dir}}/home/%u
}
`))

// Start runs Dovecot in dir (a fresh temporary directory) with the given
// users and passwords. Close stops it.
func Start(dir string, users map[string]string) (*Server, error) {
	if ok, why := Available(); !ok {
		return nil, errors.New(why)
	}
	s := &Server{Host: "127.0.0.1", dir: dir, uid: os.Getuid(), gid: os.Getgid()}
	login, internal, group := currentNames()
	if os.Getuid() == 0 {
		// Dovecot refuses to run its login and mail processes as root.
		login, internal, group = "dovenull", "dovecot", "dovecot"
		u, err := user.Lookup("dovecot")
		if err != nil {
			return nil, fmt.Errorf("imaptest: running as root needs the dovecot user: %w", err)
		}
		s.uid, _ = strconv.Atoi(u.Uid)
		s.gid, _ = strconv.Atoi(u.Gid)
		// Its processes must reach the directory: a test's temporary
		// directories are private to their owner.
		for p := filepath.Clean(dir); p != "/" && p != filepath.Clean(os.TempDir()); p = filepath.Dir(p) {
			if err := os.Chmod(p, 0o755); err != nil {
				return nil, err
			}
		}
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s.Port = port
	var pw strings.Builder
	for u, p := range users {
		fmt.Fprintf(&pw, "%s:{PLAIN}%s\n", u, p)
	}
	if err := os.WriteFile(filepath.Join(dir, "passwd"), []byte(pw.String()), 0o644); err != nil {
		return nil, err
	}
	for _, d := range []string{"mail", "home"} {
		if err := s.mkdir(filepath.Join(dir, d)); err != nil {
			return nil, err
		}
	}
	var b bytes.Buffer
	conf.Execute(&b, map[string]any{"Dir": dir, "Port": port, "Login": login, "Internal": internal, "Group": group, "UID": s.uid, "GID": s.gid})
	path := filepath.Join(dir, "dovecot.conf")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return nil, err
	}
	s.cmd = exec.Command(Binary, "-F", "-c", path)
	s.cmd.Stdout, s.cmd.Stderr = os.Stderr, os.Stderr
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	for range 100 {
		if c, err := net.DialTimeout("tcp", s.Addr(), 100*time.Millisecond); err == nil {
			c.Close()
			return s, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.Close()
	log, _ := os.ReadFile(filepath.Join(dir, "dovecot.log"))
	return nil, fmt.Errorf("imaptest: dovecot did not start listening: %s", log)
}

func currentNames() (login, internal, group string) {
	u, err := user.Current()
	if err != nil {
		return "nobody", "nobody", "nogroup"
	}
	g, err := user.LookupGroupId(u.Gid)
	if err != nil {
		return u.Username, u.Username, u.Username
	}
	return u.Username, u.Username, g.Name
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Addr is host:port.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// Close stops Dovecot.
func (s *Server) Close() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			s.cmd.Process.Kill()
			<-done
		}
	}
}

// mkdir makes a directory the mail processes own.
func (s *Server) mkdir(path string) error {
	if err := os.MkdirAll(path, 0o755); err != nil {
		return err
	}
	return os.Chown(path, s.uid, s.gid)
}

// folderDir is the Maildir++ directory of a user's folder.
func (s *Server) folderDir(user, folder string) string {
	base := filepath.Join(s.dir, "mail", user)
	if folder == "INBOX" {
		return base
	}
	return filepath.Join(base, "."+folder)
}

// Deliver writes raw into a folder of user as a new Maildir file, as a
// local delivery agent does; Dovecot sees it at the next look.
func (s *Server) Deliver(user, folder string, raw []byte) error {
	dir := s.folderDir(user, folder)
	for _, d := range []string{filepath.Join(s.dir, "mail", user), dir, filepath.Join(dir, "cur"), filepath.Join(dir, "new"), filepath.Join(dir, "tmp")} {
		if err := s.mkdir(d); err != nil {
			return err
		}
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := fmt.Sprintf("%d.M%dP%d_%s.rapport,S=%d", time.Now().Unix(), s.seq.Add(1), os.Getpid(), hex.EncodeToString(b), len(raw))
	tmp := filepath.Join(dir, "tmp", name)
	if err := os.WriteFile(tmp, raw, 0o644); err != nil {
		return err
	}
	if err := os.Chown(tmp, s.uid, s.gid); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, "new", name))
}

// Client signs in as user over IMAP, for what a test does as the
// mailbox's owner would in a mail program (APPEND, DELETE a folder).
func (s *Server) Client(user, password string) (*client.Client, error) {
	c, err := client.Dial(s.Addr())
	if err != nil {
		return nil, err
	}
	if err := c.Login(user, password); err != nil {
		c.Logout()
		return nil, err
	}
	return c, nil
}

// Log returns what Dovecot logged, for a test that failed.
func (s *Server) Log() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "dovecot.log"))
	return string(b)
}

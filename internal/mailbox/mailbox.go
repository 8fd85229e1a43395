// Package mailbox connects IMAP mailboxes (a user's own, or a shared one
// an administrator connects), syncs the chosen folders in the job queue
// by UID, and files each message on the contacts, companies and deals its
// addresses and thread lead to. Passwords are sealed with the server's
// secret key and never shown again. docs/decisions/0053-imap-mailboxes.md
// has the reasons.
package mailbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/inbox"
	"github.com/rapport-crm/rapport/internal/input"
	"github.com/rapport-crm/rapport/internal/jobs"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// Securities a connection may use.
var Securities = []string{"tls", "starttls", "plain"}

// DefaultFolders are synced when the user chooses none.
var DefaultFolders = []string{"INBOX", "Sent"}

// Mailbox is a connected mailbox as its screens and API show it: never
// its password.
type Mailbox struct {
	ID       string   `json:"id"`
	Shared   bool     `json:"shared"`
	OwnerID  string   `json:"owner_id,omitempty"`
	Address  string   `json:"address"`
	Host     string   `json:"host"`
	Port     int      `json:"port"`
	Security string   `json:"security"`
	Username string   `json:"username"`
	Folders  []string `json:"folders"`
	// The SMTP server the owner's letters go out through; no host means
	// the mailbox only receives.
	SMTPHost     string     `json:"smtp_host"`
	SMTPPort     int        `json:"smtp_port"`
	SMTPSecurity string     `json:"smtp_security"`
	Status       string     `json:"status"` // new, ok or failing
	LastError    string     `json:"last_error,omitempty"`
	SyncedAt     *time.Time `json:"synced_at"`
	Messages     int64      `json:"messages"`
}

// Input is a mailbox to connect.
type Input struct {
	Shared   bool     `json:"shared"`
	Address  string   `json:"address"`
	Host     string   `json:"host"`
	Port     int      `json:"port"`
	Security string   `json:"security"`
	Username string   `json:"username"`
	Password string   `json:"password"`
	Folders  []string `json:"folders"`
	// SMTPHost, when set, has the owner's letters sent through this
	// server, signed in with Username and Password (a personal mailbox
	// only); the port defaults by SMTPSecurity as the IMAP one does.
	SMTPHost     string `json:"smtp_host"`
	SMTPPort     int    `json:"smtp_port"`
	SMTPSecurity string `json:"smtp_security"`
}

// Options configure the service.
type Options struct {
	Logger *slog.Logger
	Sealer *Sealer // nil: no mailbox can be connected
	// Inbox receives the mail of unknown senders to shared mailboxes;
	// nil files it nowhere.
	Inbox *inbox.Service
	// PollEvery is how often mailboxes without IDLE are looked at;
	// default one minute.
	PollEvery time.Duration
	// Administers reports whether a may connect shared mailboxes.
	Administers func(context.Context, access.Actor) bool
	// Dial connects to a server; tests and the checks of a host use it.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// InsecureTLS accepts any certificate: only for tests on loopback.
	InsecureTLS bool
}

// Service is the mailboxes.
type Service struct {
	db     *store.DB
	engine *records.Engine
	opts   Options
	log    *slog.Logger
	idle   *idlers
	jobs   *jobs.Queue
	// syncing holds a mutex per mailbox id: two syncs of one mailbox at
	// once (its job, woken by IDLE, and SyncOnce) would both read a new
	// letter as not kept yet and both insert it.
	syncing sync.Map
}

// New returns the service.
func New(db *store.DB, engine *records.Engine, opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.PollEvery <= 0 {
		opts.PollEvery = time.Minute
	}
	if opts.Dial == nil {
		var d net.Dialer
		opts.Dial = d.DialContext
	}
	s := &Service{db: db, engine: engine, opts: opts, log: opts.Logger.With("component", "mailbox")}
	s.idle = newIdlers(s)
	return s
}

// CanConnect reports whether the server can keep passwords: it has a
// secret key.
func (s *Service) CanConnect() bool { return s.opts.Sealer != nil }

func (in *Input) check() error {
	var c fault.Collector
	for _, f := range []struct {
		name string
		v    *string
	}{{"address", &in.Address}, {"host", &in.Host}, {"username", &in.Username}, {"security", &in.Security}} {
		*f.v = strings.TrimSpace(*f.v)
		if *f.v == "" && f.name != "security" {
			c.Add(f.name, "required", "is required")
		} else if utf8.RuneCountInString(*f.v) > 255 {
			c.Add(f.name, "too_long", "must be at most 255 characters")
		} else {
			c.Include(input.Line(f.name, *f.v))
		}
	}
	if in.Address != "" && !strings.Contains(in.Address, "@") {
		c.Add("address", "email", "must be an e-mail address")
	}
	if strings.ContainsAny(in.Host, "/ :@") {
		c.Add("host", "format", "must be a host name, without a port or scheme")
	}
	if in.Security == "" {
		in.Security = "tls"
	}
	if !slices.Contains(Securities, in.Security) {
		c.Add("security", "option", "must be one of %s", strings.Join(Securities, ", "))
	}
	// A password in clear text crosses no network: plain is for a server
	// on this machine.
	if ip := net.ParseIP(in.Host); in.Security == "plain" && in.Host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		c.Add("security", "option", "plain is only for a server on this machine (127.0.0.1); use tls or starttls")
	}
	if in.Port == 0 {
		in.Port = 993
		if in.Security != "tls" {
			in.Port = 143
		}
	}
	if in.Port < 1 || in.Port > 65535 {
		c.Add("port", "range", "must be between 1 and 65535")
	}
	if in.Password == "" {
		c.Add("password", "required", "is required")
	} else if len(in.Password) > 1000 {
		c.Add("password", "too_long", "must be at most 1000 characters")
	}
	if len(in.Folders) == 0 {
		in.Folders = DefaultFolders
	}
	if len(in.Folders) > 20 {
		c.Add("folders", "too_many", "at most 20 folders")
	}
	var folders []string
	for i, f := range in.Folders {
		f = strings.TrimSpace(f)
		if f == "" || slices.Contains(folders, f) {
			continue
		}
		if fe := input.Line("folders["+strconv.Itoa(i)+"]", f); fe != nil {
			c.Include(fe)
			break
		}
		if utf8.RuneCountInString(f) > 200 || strings.ContainsAny(f, ",\r\n") {
			c.Add("folders", "format", "a folder name must be one line of at most 200 characters, without commas")
			break
		}
		folders = append(folders, f)
	}
	in.Folders = folders
	in.checkSMTP(&c)
	return c.Err()
}

// checkSMTP checks the outgoing server, which is optional: without a host
// the mailbox only receives, and a port or security alone is a mistake.
func (in *Input) checkSMTP(c *fault.Collector) {
	in.SMTPHost, in.SMTPSecurity = strings.TrimSpace(in.SMTPHost), strings.TrimSpace(in.SMTPSecurity)
	if in.SMTPHost == "" {
		if in.SMTPPort != 0 || in.SMTPSecurity != "" {
			c.Add("smtp_host", "required", "name the outgoing server, or leave its port and security empty")
		}
		return
	}
	switch {
	case in.Shared:
		c.Add("smtp_host", "personal_only", "only a personal mailbox sends its owner's letters")
	case utf8.RuneCountInString(in.SMTPHost) > 255:
		c.Add("smtp_host", "too_long", "must be at most 255 characters")
	case input.Line("smtp_host", in.SMTPHost) != nil:
		c.Include(input.Line("smtp_host", in.SMTPHost))
	case strings.ContainsAny(in.SMTPHost, "/ :@\r\n\t"):
		c.Add("smtp_host", "format", "must be a host name, without a port or scheme")
	}
	if in.SMTPSecurity == "" {
		in.SMTPSecurity = "tls"
	}
	if !slices.Contains(Securities, in.SMTPSecurity) {
		c.Add("smtp_security", "option", "must be one of %s", strings.Join(Securities, ", "))
	}
	if ip := net.ParseIP(in.SMTPHost); in.SMTPSecurity == "plain" && in.SMTPHost != "localhost" && (ip == nil || !ip.IsLoopback()) {
		c.Add("smtp_security", "option", "plain is only for a server on this machine (127.0.0.1); use tls or starttls")
	}
	if in.SMTPPort == 0 {
		in.SMTPPort = map[string]int{"tls": 465, "starttls": 587, "plain": 25}[in.SMTPSecurity]
	}
	if in.SMTPPort < 1 || in.SMTPPort > 65535 {
		c.Add("smtp_port", "range", "must be between 1 and 65535")
	}
}

func sealContext(ws int64, username, host string) string {
	return strconv.FormatInt(ws, 10) + "/" + username + "@" + host
}

// Connect stores a mailbox of the actor (or, shared, of the workspace:
// administrators only) and has it synced at once.
func (s *Service) Connect(ctx context.Context, in Input) (Mailbox, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return Mailbox{}, err
	}
	if a.ReadOnly {
		return Mailbox{}, fault.Errorf(fault.EFORBIDDEN, "a read-only token cannot connect a mailbox")
	}
	if in.Shared && (s.opts.Administers == nil || !s.opts.Administers(ctx, a)) {
		return Mailbox{}, fault.Errorf(fault.EFORBIDDEN, "only administrators connect shared mailboxes")
	}
	if err := in.check(); err != nil {
		return Mailbox{}, err
	}
	if s.opts.Sealer == nil {
		return Mailbox{}, fault.Errorf(fault.ECONFLICT, "this server has no secret key to keep mailbox passwords; its administrator sets secret-key")
	}
	sealed, err := s.opts.Sealer.Seal(in.Password, sealContext(a.WorkspaceID, in.Username, in.Host))
	if err != nil {
		return Mailbox{}, err
	}
	var owner any = a.UserID
	if in.Shared {
		owner = nil
	}
	d := s.db.Dialect
	var id int64
	err = s.db.Tx(ctx, func(q store.Querier) error {
		err := q.QueryRowContext(ctx, `INSERT INTO mailboxes (workspace_id, owner_id, address, host, port, security, username, secret, folders,
			smtp_host, smtp_port, smtp_security, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, a.WorkspaceID, owner, strings.ToLower(in.Address), in.Host, in.Port,
			in.Security, in.Username, sealed, strings.Join(in.Folders, ","), in.SMTPHost, in.SMTPPort, in.SMTPSecurity, d.Time(time.Now())).Scan(&id)
		if err != nil {
			return err
		}
		return enqueueSync(ctx, q, d, a.WorkspaceID, id)
	})
	if err != nil {
		return Mailbox{}, err
	}
	return s.Get(ctx, strconv.FormatInt(id, 10))
}

// Outgoing is a mailbox's SMTP server; no host stops the sending.
type Outgoing struct {
	SMTPHost     string `json:"smtp_host"`
	SMTPPort     int    `json:"smtp_port"`
	SMTPSecurity string `json:"smtp_security"`
}

// SetOutgoing sets the SMTP server of one of the actor's own mailboxes,
// through which their letters then go out; an empty host has them go out
// through the workspace's mail server again.
func (s *Service) SetOutgoing(ctx context.Context, id string, out Outgoing) (Mailbox, error) {
	m, err := s.Get(ctx, id)
	if err != nil {
		return Mailbox{}, err
	}
	a, _ := access.ActorFrom(ctx)
	if a.ReadOnly || m.Shared {
		return Mailbox{}, fault.Errorf(fault.EFORBIDDEN, "only the owner of a personal mailbox sets its outgoing server")
	}
	in := Input{SMTPHost: out.SMTPHost, SMTPPort: out.SMTPPort, SMTPSecurity: out.SMTPSecurity}
	var c fault.Collector
	in.checkSMTP(&c)
	if err := c.Err(); err != nil {
		return Mailbox{}, err
	}
	err = s.db.Tx(ctx, func(q store.Querier) error {
		_, err := q.ExecContext(ctx, `UPDATE mailboxes SET smtp_host = ?, smtp_port = ?, smtp_security = ? WHERE workspace_id = ? AND id = ?`,
			in.SMTPHost, in.SMTPPort, in.SMTPSecurity, a.WorkspaceID, m.ID)
		return err
	})
	if err != nil {
		return Mailbox{}, err
	}
	return s.Get(ctx, id)
}

const mailboxColumns = `id, owner_id, address, host, port, security, username, folders, smtp_host, smtp_port, smtp_security,
	status, last_error, synced_at, messages`

func scanMailbox(row interface{ Scan(...any) error }) (Mailbox, error) {
	var m Mailbox
	var id int64
	var owner sql.NullInt64
	var folders string
	var synced any
	err := row.Scan(&id, &owner, &m.Address, &m.Host, &m.Port, &m.Security, &m.Username, &folders, &m.SMTPHost, &m.SMTPPort, &m.SMTPSecurity, &m.Status, &m.LastError, &synced, &m.Messages)
	m.ID = strconv.FormatInt(id, 10)
	m.Shared = !owner.Valid
	if owner.Valid {
		m.OwnerID = strconv.FormatInt(owner.Int64, 10)
	}
	m.Folders = strings.Split(folders, ",")
	if t, ok := store.ParseTime(synced); ok {
		m.SyncedAt = &t
	}
	return m, err
}

// List returns the actor's own mailboxes and the shared ones, which
// every user sees (without passwords) so they know what is filed.
func (s *Service) List(ctx context.Context) ([]Mailbox, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Read(ctx).QueryContext(ctx, `SELECT `+mailboxColumns+` FROM mailboxes
		WHERE workspace_id = ? AND (owner_id = ? OR owner_id IS NULL) ORDER BY owner_id IS NULL, id`, a.WorkspaceID, a.UserID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Mailbox{}
	for rows.Next() {
		m, err := scanMailbox(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Get returns one mailbox the actor sees.
func (s *Service) Get(ctx context.Context, id string) (Mailbox, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return Mailbox{}, err
	}
	n, ok := input.ID(id)
	if !ok {
		return Mailbox{}, fault.Errorf(fault.ENOTFOUND, "no such mailbox")
	}
	m, err := scanMailbox(s.db.Read(ctx).QueryRowContext(ctx, `SELECT `+mailboxColumns+` FROM mailboxes
		WHERE workspace_id = ? AND id = ? AND (owner_id = ? OR owner_id IS NULL)`, a.WorkspaceID, n, a.UserID))
	if errors.Is(err, sql.ErrNoRows) {
		return Mailbox{}, fault.Errorf(fault.ENOTFOUND, "no such mailbox")
	}
	return m, err
}

// Disconnect removes a mailbox and the mail synced from it: the actor's
// own, or a shared one by an administrator.
func (s *Service) Disconnect(ctx context.Context, id string) error {
	m, err := s.Get(ctx, id)
	if err != nil {
		return err
	}
	a, _ := access.ActorFrom(ctx)
	if a.ReadOnly || m.Shared && (s.opts.Administers == nil || !s.opts.Administers(ctx, a)) {
		return fault.Errorf(fault.EFORBIDDEN, "only administrators disconnect shared mailboxes")
	}
	s.idle.stop(a.WorkspaceID, m.ID)
	return s.db.Tx(ctx, func(q store.Querier) error {
		for _, stmt := range []string{
			`DELETE FROM mail_links WHERE workspace_id = ? AND message_id IN (SELECT id FROM mail_messages WHERE workspace_id = ? AND mailbox_id = ?)`,
			`DELETE FROM mail_attachments WHERE workspace_id = ? AND message_id IN (SELECT id FROM mail_messages WHERE workspace_id = ? AND mailbox_id = ?)`,
		} {
			if _, err := q.ExecContext(ctx, stmt, a.WorkspaceID, a.WorkspaceID, m.ID); err != nil {
				return err
			}
		}
		for _, table := range []string{"mail_messages", "mailbox_folders"} {
			if _, err := q.ExecContext(ctx, `DELETE FROM `+table+` WHERE workspace_id = ? AND mailbox_id = ?`, a.WorkspaceID, m.ID); err != nil {
				return err
			}
		}
		_, err := q.ExecContext(ctx, `DELETE FROM mailboxes WHERE workspace_id = ? AND id = ?`, a.WorkspaceID, m.ID)
		return err
	})
}

// SyncNow has a mailbox the actor sees synced at once.
func (s *Service) SyncNow(ctx context.Context, id string) error {
	m, err := s.Get(ctx, id)
	if err != nil {
		return err
	}
	a, _ := access.ActorFrom(ctx)
	n, _ := strconv.ParseInt(m.ID, 10, 64)
	return s.db.Tx(ctx, func(q store.Querier) error { return enqueueSync(ctx, q, s.db.Dialect, a.WorkspaceID, n) })
}

// Ignores returns the actor's list of addresses and domains never filed.
func (s *Service) Ignores(ctx context.Context) ([]string, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	return store.Column[string](ctx, s.db.Read(ctx), `SELECT pattern FROM mail_ignores WHERE workspace_id = ? AND user_id = ? ORDER BY pattern`,
		a.WorkspaceID, a.UserID)
}

// SetIgnores replaces the actor's ignore list: each entry an address
// (ann@example.com) or a domain (example.com or @example.com).
func (s *Service) SetIgnores(ctx context.Context, patterns []string) error {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return err
	}
	var clean []string
	var c fault.Collector
	for _, p := range patterns {
		p = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(p), "@")))
		if p == "" || slices.Contains(clean, p) {
			continue
		}
		if len(p) > 255 || strings.ContainsAny(p, " \t\r\n,;<>") || !strings.Contains(p, ".") {
			c.Add("ignore", "format", "%q is not an address or a domain", input.Shown(p))
			continue
		}
		clean = append(clean, p)
	}
	if len(clean) > 500 {
		c.Add("ignore", "too_many", "at most 500 addresses and domains")
	}
	if err := c.Err(); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(q store.Querier) error {
		if _, err := q.ExecContext(ctx, `DELETE FROM mail_ignores WHERE workspace_id = ? AND user_id = ?`, a.WorkspaceID, a.UserID); err != nil {
			return err
		}
		for _, p := range clean {
			if _, err := q.ExecContext(ctx, `INSERT INTO mail_ignores (workspace_id, user_id, pattern) VALUES (?, ?, ?)`, a.WorkspaceID, a.UserID, p); err != nil {
				return err
			}
		}
		return nil
	})
}

func formatID(n int64) string { return strconv.FormatInt(n, 10) }

// describe names a mailbox in logs.
func describe(ws, id int64) string { return fmt.Sprintf("%d/%d", ws, id) }

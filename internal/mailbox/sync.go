package mailbox

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"

	"github.com/rapport-crm/rapport/internal/jobs"
	"github.com/rapport-crm/rapport/internal/store"
)

// Kinds of the mailboxes' jobs: the sync of one mailbox, and the
// recurring look at every mailbox that enqueues the syncs due.
const (
	SyncKind = "mailbox.sync"
	PollKind = "mailbox.poll"
)

// fetchBatch is how many messages one transaction files; the folder's last
// UID moves with each, so a sync cut short resumes after the last batch.
const fetchBatch = 100

// Timeouts of a connection: dialing and signing in, and each command.
const (
	dialTimeout    = 30 * time.Second
	commandTimeout = 2 * time.Minute
)

type syncPayload struct {
	Mailbox int64 `json:"mailbox,string"`
}

// Register adds the mailboxes' work to q: each sync as a job of its own,
// so that one mailbox that hangs or fails holds up no other, and the
// recurring poll that enqueues them. A server without the secret key
// cannot open the passwords, and leaves the syncs to the servers that
// can.
func (s *Service) Register(q *jobs.Queue) {
	if s.opts.Sealer == nil {
		return
	}
	s.jobs = q
	q.Register(SyncKind, s.runSync)
	q.Every(PollKind, s.opts.PollEvery, func(ctx context.Context, _ jobs.Job) error { return s.Poll(ctx) })
	q.Register(SendKind, s.runSend)
	q.Register(AppendKind, s.runAppend)
}

// Stop ends the IDLE connections.
func (s *Service) Stop() { s.idle.stopAll() }

// enqueueSync adds a sync of mailbox id unless one is waiting already.
func enqueueSync(ctx context.Context, q store.Querier, d store.Dialect, ws, id int64) error {
	pending, err := pendingSyncs(ctx, q, d, ws, "'queued', 'running'")
	if err != nil || pending[id] {
		return err
	}
	payload, _ := json.Marshal(syncPayload{Mailbox: id})
	_, err = jobs.Enqueue(ctx, q, d, jobs.Job{WorkspaceID: ws, Kind: SyncKind, Payload: payload, MaxAttempts: 3})
	return err
}

// pendingSyncs are the mailboxes of workspace ws (every workspace when ws
// is negative) with a sync of one of statuses (a quoted SQL list).
func pendingSyncs(ctx context.Context, q store.Querier, d store.Dialect, ws int64, statuses string) (map[int64]bool, error) {
	query, args := `SELECT `+d.JSONOut("payload")+` FROM jobs WHERE kind = ? AND status IN (`+statuses+`)`, []any{SyncKind}
	if ws >= 0 {
		query, args = query+` AND workspace_id = ?`, append(args, ws)
	}
	payloads, err := store.Column[string](ctx, q, query, args...)
	if err != nil {
		return nil, err
	}
	out := map[int64]bool{}
	for _, p := range payloads {
		var sp syncPayload
		if json.Unmarshal([]byte(p), &sp) == nil {
			out[sp.Mailbox] = true
		}
	}
	return out, nil
}

// Poll enqueues a sync of every mailbox that has none waiting.
func (s *Service) Poll(ctx context.Context) error {
	d := s.db.Dialect
	err := s.db.Tx(ctx, func(q store.Querier) error {
		pending, err := pendingSyncs(ctx, q, d, -1, "'queued', 'running'")
		if err != nil {
			return err
		}
		rows, err := q.QueryContext(ctx, `SELECT workspace_id, id FROM mailboxes ORDER BY workspace_id, id`)
		if err != nil {
			return err
		}
		var due [][2]int64
		for rows.Next() {
			var ws, id int64
			if err := rows.Scan(&ws, &id); err != nil {
				rows.Close()
				return err
			}
			if !pending[id] {
				due = append(due, [2]int64{ws, id})
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, m := range due {
			payload, _ := json.Marshal(syncPayload{Mailbox: m[1]})
			if _, err := jobs.Enqueue(ctx, q, d, jobs.Job{WorkspaceID: m[0], Kind: SyncKind, Payload: payload, MaxAttempts: 3}); err != nil {
				return err
			}
		}
		return nil
	})
	return err
}

// account is what a sync needs of a mailbox row.
type account struct {
	ws, id                  int64
	owner                   int64 // 0 for a shared mailbox
	address, host, security string
	port                    int
	username, password      string
	folders                 []string
	smtpHost, smtpSecurity  string // no host: the mailbox only receives
	smtpPort                int
}

func (s *Service) account(ctx context.Context, ws, id int64) (*account, error) {
	a := &account{ws: ws, id: id}
	var owner *int64
	var sealed, folders string
	err := s.db.Reader().QueryRowContext(ctx, `SELECT owner_id, address, host, port, security, username, secret, folders,
		smtp_host, smtp_port, smtp_security FROM mailboxes WHERE workspace_id = ? AND id = ?`, ws, id).Scan(&owner, &a.address, &a.host,
		&a.port, &a.security, &a.username, &sealed, &folders, &a.smtpHost, &a.smtpPort, &a.smtpSecurity)
	if err != nil {
		return nil, err
	}
	if owner != nil {
		a.owner = *owner
	}
	a.folders = strings.Split(folders, ",")
	a.password, err = s.opts.Sealer.Open(sealed, sealContext(ws, a.username, a.host))
	return a, err
}

// runSync is the job that syncs one mailbox. A failure to reach or read
// the server is kept on the mailbox for its owner to see, and the next
// poll tries again; the job itself ends, so that a mailbox that stays
// unreachable fills no dead-letter view.
func (s *Service) runSync(ctx context.Context, j jobs.Job) error {
	var p syncPayload
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return jobs.Permanent(err)
	}
	acct, err := s.account(ctx, j.WorkspaceID, p.Mailbox)
	if errors.Is(err, errNoRows) {
		return nil // disconnected meanwhile
	}
	if err != nil {
		s.record(ctx, j.WorkspaceID, p.Mailbox, err)
		return nil
	}
	_, idle, err := s.sync(ctx, acct)
	s.record(ctx, acct.ws, acct.id, err)
	if err != nil {
		s.log.WarnContext(ctx, "mailbox sync failed; the next poll tries again", "mailbox", describe(acct.ws, acct.id), "err", err)
		return nil
	}
	if idle {
		s.idle.ensure(acct.ws, acct.id)
	}
	return nil
}

// record keeps the outcome of a sync on the mailbox.
func (s *Service) record(ctx context.Context, ws, id int64, syncErr error) {
	d := s.db.Dialect
	ctx = context.WithoutCancel(ctx)
	status, msg := "ok", ""
	if syncErr != nil {
		status, msg = "failing", clip(syncErr.Error(), 500)
	}
	err := s.db.Tx(ctx, func(q store.Querier) error {
		_, err := q.ExecContext(ctx, `UPDATE mailboxes SET status = ?, last_error = ?, synced_at = CASE WHEN ? THEN ? ELSE synced_at END,
			messages = (SELECT count(*) FROM mail_messages WHERE workspace_id = ? AND mailbox_id = ?) WHERE workspace_id = ? AND id = ?`,
			status, msg, syncErr == nil, d.Time(time.Now()), ws, id, ws, id)
		return err
	})
	if err != nil {
		s.log.Warn("record a mailbox's sync", "mailbox", describe(ws, id), "err", err)
	}
}

// dial connects and signs in to acct's server.
func (s *Service) dial(ctx context.Context, acct *account) (*client.Client, error) {
	dctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	addr := net.JoinHostPort(acct.host, strconv.Itoa(acct.port))
	conn, err := s.opts.Dial(dctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", addr, err)
	}
	conf := &tls.Config{ServerName: acct.host, InsecureSkipVerify: s.opts.InsecureTLS}
	if acct.security == "tls" {
		tc := tls.Client(conn, conf)
		if err := tc.HandshakeContext(dctx); err != nil {
			conn.Close()
			return nil, fmt.Errorf("TLS with %s: %w", addr, err)
		}
		conn = tc
	}
	// A deadline for the greeting and the sign-in, lifted after.
	conn.SetDeadline(time.Now().Add(dialTimeout))
	c, err := client.New(conn)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("greeting of %s: %w", addr, err)
	}
	c.Timeout = commandTimeout
	if acct.security == "starttls" {
		if err := c.StartTLS(conf); err != nil {
			c.Logout()
			return nil, fmt.Errorf("STARTTLS with %s: %w", addr, err)
		}
	}
	if err := c.Login(acct.username, acct.password); err != nil {
		c.Logout()
		return nil, fmt.Errorf("sign in to %s as %s: %w", addr, acct.username, err)
	}
	conn.SetDeadline(time.Time{})
	return c, nil
}

// SyncOnce syncs mailbox id of workspace ws now, in the caller's
// goroutine, as its job does, and returns how many messages it fetched.
// Tests and the benchmark use it.
func (s *Service) SyncOnce(ctx context.Context, ws int64, id string) (fetched int, err error) {
	n, _ := strconv.ParseInt(id, 10, 64)
	acct, err := s.account(ctx, ws, n)
	if err != nil {
		return 0, err
	}
	fetched, _, err = s.sync(ctx, acct)
	s.record(ctx, ws, n, err)
	return fetched, err
}

// sync fetches what is new in acct's folders and files it. It returns
// how many messages it fetched, and whether the server supports IDLE.
func (s *Service) sync(ctx context.Context, acct *account) (fetched int, idle bool, err error) {
	mu, _ := s.syncing.LoadOrStore(acct.id, new(sync.Mutex))
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	c, err := s.dial(ctx, acct)
	if err != nil {
		return 0, false, err
	}
	defer c.Logout()
	stop := context.AfterFunc(ctx, func() { c.Terminate() })
	defer stop()
	f, err := s.newFiler(ctx, acct)
	if err != nil {
		return 0, false, err
	}
	var problems []string
	for _, folder := range acct.folders {
		n, err := s.syncFolder(ctx, c, f, acct, folder)
		fetched += n
		if err != nil {
			if c.State() == imap.LogoutState || ctx.Err() != nil {
				return fetched, false, err // the connection is gone: try again later
			}
			problems = append(problems, folder+": "+err.Error())
		}
	}
	idle, _ = c.Support("IDLE")
	if len(problems) > 0 {
		return fetched, idle, errors.New(strings.Join(problems, "; "))
	}
	return fetched, idle, nil
}

// syncFolder fetches the messages of folder above the last UID synced.
// A changed UIDVALIDITY means the server numbered the folder anew: the
// folder is read again from the start, and messages already kept are
// recognised by their Message-ID instead of being kept twice.
func (s *Service) syncFolder(ctx context.Context, c *client.Client, f *filer, acct *account, folder string) (fetched int, err error) {
	name := folder
	if folder == "Sent" {
		// Servers name the sent folder as they like ("Sent Items",
		// "[Gmail]/Sent Mail"); the \Sent attribute says which it is.
		// A mailbox without one has nothing to sync there.
		if name = sentFolder(c); name == "" {
			return 0, nil
		}
	}
	status, err := c.Select(name, true)
	if err != nil {
		return 0, fmt.Errorf("open the folder: %w", err)
	}
	validity, last, err := s.folderState(ctx, acct, folder)
	if err != nil {
		return 0, err
	}
	if validity != status.UidValidity {
		if validity != 0 {
			s.log.InfoContext(ctx, "folder renumbered by the server (UIDVALIDITY changed); reading it again",
				"mailbox", describe(acct.ws, acct.id), "folder", folder)
		}
		validity, last = status.UidValidity, 0
		if err := s.saveFolder(ctx, acct, folder, validity, 0); err != nil {
			return 0, err
		}
	}
	if status.Messages == 0 || status.UidNext != 0 && status.UidNext <= last+1 {
		return 0, nil
	}
	sizes, err := newUIDs(c, last)
	if err != nil {
		return 0, err
	}
	for len(sizes) > 0 {
		n := min(fetchBatch, len(sizes))
		chunk := sizes[:n]
		sizes = sizes[n:]
		msgs, err := fetch(c, chunk)
		if err != nil {
			return fetched, err
		}
		if err := f.file(ctx, folder, validity, msgs); err != nil {
			return fetched, err
		}
		fetched += len(msgs)
	}
	return fetched, nil
}

// uidSize is a message's UID and size.
type uidSize struct {
	uid  uint32
	size uint32
}

// newUIDs lists the messages above UID last, oldest first. "last+1:*"
// always names the newest message, even when its UID is not above last;
// it is left out.
func newUIDs(c *client.Client, last uint32) ([]uidSize, error) {
	set := new(imap.SeqSet)
	set.AddRange(last+1, 0)
	ch := make(chan *imap.Message, 64)
	done := make(chan error, 1)
	go func() { done <- c.UidFetch(set, []imap.FetchItem{imap.FetchUid, imap.FetchRFC822Size}, ch) }()
	var out []uidSize
	for m := range ch {
		if m.Uid > last {
			out = append(out, uidSize{m.Uid, m.Size})
		}
	}
	if err := <-done; err != nil {
		return nil, fmt.Errorf("list new messages: %w", err)
	}
	slices.SortFunc(out, func(a, b uidSize) int { return int(a.uid) - int(b.uid) })
	return out, nil
}

// fetched is one message as the server gave it.
type fetched struct {
	uid  uint32
	size uint32
	raw  []byte
	// headerOnly is set for a message beyond MaxMessage, of which only
	// the header was fetched.
	headerOnly bool
}

var (
	wholeSection  = &imap.BodySectionName{Peek: true}
	headerSection = &imap.BodySectionName{BodyPartName: imap.BodyPartName{Specifier: imap.HeaderSpecifier}, Peek: true}
)

// fetch downloads the messages of chunk: whole, or their header when
// they are beyond MaxMessage.
func fetch(c *client.Client, chunk []uidSize) ([]fetched, error) {
	whole, big := new(imap.SeqSet), new(imap.SeqSet)
	sizes := map[uint32]uint32{}
	for _, m := range chunk {
		sizes[m.uid] = m.size
		if m.size > MaxMessage {
			big.AddNum(m.uid)
		} else {
			whole.AddNum(m.uid)
		}
	}
	var out []fetched
	for _, part := range []struct {
		set     *imap.SeqSet
		section *imap.BodySectionName
	}{{whole, wholeSection}, {big, headerSection}} {
		if part.set.Empty() {
			continue
		}
		ch := make(chan *imap.Message, 16)
		done := make(chan error, 1)
		go func() {
			done <- c.UidFetch(part.set, []imap.FetchItem{imap.FetchUid, part.section.FetchItem()}, ch)
		}()
		for m := range ch {
			f := fetched{uid: m.Uid, size: sizes[m.Uid], headerOnly: part.section == headerSection}
			if lit := m.GetBody(part.section); lit != nil {
				f.raw, _ = io.ReadAll(io.LimitReader(lit, MaxMessage+1))
			}
			out = append(out, f)
		}
		if err := <-done; err != nil {
			return nil, fmt.Errorf("fetch messages: %w", err)
		}
	}
	slices.SortFunc(out, func(a, b fetched) int { return int(a.uid) - int(b.uid) })
	return out, nil
}

func (s *Service) folderState(ctx context.Context, acct *account, folder string) (validity, last uint32, err error) {
	var v, l int64
	err = s.db.Reader().QueryRowContext(ctx, `SELECT uidvalidity, last_uid FROM mailbox_folders WHERE workspace_id = ? AND mailbox_id = ? AND name = ?`,
		acct.ws, acct.id, folder).Scan(&v, &l)
	if errors.Is(err, errNoRows) {
		return 0, 0, nil
	}
	return uint32(v), uint32(l), err
}

func (s *Service) saveFolder(ctx context.Context, acct *account, folder string, validity, last uint32) error {
	return s.db.Tx(ctx, func(q store.Querier) error { return saveFolder(ctx, q, acct, folder, validity, last) })
}

func saveFolder(ctx context.Context, q store.Querier, acct *account, folder string, validity, last uint32) error {
	_, err := q.ExecContext(ctx, `INSERT INTO mailbox_folders (workspace_id, mailbox_id, name, uidvalidity, last_uid) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (workspace_id, mailbox_id, name) DO UPDATE SET uidvalidity = excluded.uidvalidity, last_uid = excluded.last_uid`,
		acct.ws, acct.id, folder, int64(validity), int64(last))
	return err
}

// sentFolder returns the name of the folder with the \Sent attribute, or
// one named Sent, or "".
func sentFolder(c *client.Client) string {
	ch := make(chan *imap.MailboxInfo, 32)
	done := make(chan error, 1)
	go func() { done <- c.List("", "*", ch) }()
	found := ""
	for m := range ch {
		if slices.Contains(m.Attributes, imap.SentAttr) && found == "" {
			found = m.Name
		}
		if strings.EqualFold(m.Name, "Sent") && found == "" {
			found = m.Name
		}
	}
	if <-done != nil {
		return ""
	}
	return found
}

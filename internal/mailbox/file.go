package mailbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/linkage"
	"github.com/rapport-crm/rapport/internal/store"
)

var errNoRows = sql.ErrNoRows

// requestWindow is how old a letter from an unknown sender may be to
// become an inbox request: the first sync of a shared mailbox reads years
// of mail, which is history, not requests waiting for an answer.
const requestWindow = 7 * 24 * time.Hour

// filer files the messages of one mailbox's sync.
type filer struct {
	s       *Service
	acct    *account
	own     map[string]bool // the workspace's users: colleagues, never customers
	ignored []string        // the owner's addresses and domains kept out
}

func (s *Service) newFiler(ctx context.Context, acct *account) (*filer, error) {
	f := &filer{s: s, acct: acct, own: map[string]bool{acct.address: true}}
	users, err := store.Column[string](ctx, s.db.Reader(), `SELECT email FROM users WHERE workspace_id = ?`, acct.ws)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		f.own[strings.ToLower(u)] = true
	}
	if acct.owner != 0 {
		f.ignored, err = store.Column[string](ctx, s.db.Reader(), `SELECT pattern FROM mail_ignores WHERE workspace_id = ? AND user_id = ?`,
			acct.ws, acct.owner)
	}
	return f, err
}

// ignores reports whether addr is on the owner's ignore list.
func (f *filer) ignores(addr string) bool {
	_, dom, _ := strings.Cut(addr, "@")
	for _, p := range f.ignored {
		if p == addr || p == dom || strings.HasSuffix(dom, "."+p) {
			return true
		}
	}
	return false
}

// file keeps and files msgs, fetched from folder, in one transaction that
// also moves the folder's last UID past them.
func (f *filer) file(ctx context.Context, folder string, validity uint32, msgs []fetched) error {
	if len(msgs) == 0 {
		return nil
	}
	return f.s.db.Tx(ctx, func(q store.Querier) error {
		for _, m := range msgs {
			if err := f.one(ctx, q, folder, validity, m); err != nil {
				return err
			}
		}
		return saveFolder(ctx, q, f.acct, folder, validity, msgs[len(msgs)-1].uid)
	})
}

// one files one message. A private one (a party on the ignore list) and
// one that concerns no customer are not kept.
func (f *filer) one(ctx context.Context, q store.Querier, folder string, validity uint32, m fetched) error {
	p := Parse(m.raw)
	if m.headerOnly {
		p.problem("the message is larger than " + strconv.Itoa(MaxMessage>>20) + " MB; only its header was read")
	}
	var parties []Address
	for _, a := range append(append([]Address{p.From}, p.To...), p.Cc...) {
		if a.Email == "" {
			continue
		}
		if f.ignores(a.Email) {
			return nil
		}
		if !f.own[a.Email] && !slices.ContainsFunc(parties, func(x Address) bool { return x.Email == a.Email }) {
			parties = append(parties, a)
		}
	}
	ws := f.acct.ws
	var existing int64
	err := q.QueryRowContext(ctx, `SELECT id FROM mail_messages WHERE workspace_id = ? AND mailbox_id = ? AND message_id = ?`,
		ws, f.acct.id, p.MessageID).Scan(&existing)
	if err == nil {
		// Kept already: read again after a renumbering, or the same
		// letter in a second folder.
		_, err = q.ExecContext(ctx, `UPDATE mail_messages SET uidvalidity = ?, uid = ? WHERE workspace_id = ? AND id = ? AND folder = ?`,
			int64(validity), int64(m.uid), ws, existing, folder)
		return err
	} else if err != errNoRows {
		return err
	}
	links, err := f.match(ctx, q, parties)
	if err != nil {
		return err
	}
	thread, threadDeal, err := f.thread(ctx, q, p)
	if err != nil {
		return err
	}
	deal := threadDeal
	if deal == 0 {
		if deal, err = f.openDeal(ctx, q, links["contact"]); err != nil {
			return err
		}
	}
	if deal != 0 && !slices.Contains(links["deal"], deal) {
		links["deal"] = append(links["deal"], deal)
	}
	sent := p.Date
	if sent.IsZero() || sent.After(time.Now().Add(24*time.Hour)) {
		sent = time.Now().UTC()
	}
	request := len(links) == 0 && f.acct.owner == 0 && folder != "Sent" && p.From.Email != "" && !f.own[p.From.Email] &&
		f.s.opts.Inbox != nil && time.Since(sent) < requestWindow
	if len(links) == 0 && !request {
		return nil
	}
	id, err := f.keep(ctx, q, folder, validity, m, &p, thread, deal, sent)
	if err != nil {
		return err
	}
	for _, object := range []string{"contact", "company", "deal"} {
		for _, rid := range links[object] {
			if _, err := q.ExecContext(ctx, `INSERT INTO mail_links (workspace_id, message_id, object, record_id, sent_at) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT DO NOTHING`, ws, id, object, rid, f.s.db.Dialect.Time(sent)); err != nil {
				return err
			}
		}
	}
	if request {
		payload, _ := json.Marshal(map[string]string{"mail_message_id": strconv.FormatInt(id, 10), "subject": p.Subject,
			"mailbox": f.acct.address})
		_, err = f.s.opts.Inbox.ArriveMail(store.Within(ctx, q), ws, p.From.Name, p.From.Email, p.Subject, p.Text, payload)
	}
	return err
}

// keep writes the message and its attachments, and returns its id.
func (f *filer) keep(ctx context.Context, q store.Querier, folder string, validity uint32, m fetched, p *Parsed, thread string, deal int64, sent time.Time) (int64, error) {
	d := f.s.db.Dialect
	var dealID any
	if deal != 0 {
		dealID = deal
	}
	var id int64
	err := q.QueryRowContext(ctx, `INSERT INTO mail_messages (workspace_id, mailbox_id, folder, uidvalidity, uid, message_id, in_reply_to, refs,
		thread_id, subject, from_addr, from_name, to_addrs, cc_addrs, sent_at, text_body, html_body, size, problem, deal_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		f.acct.ws, f.acct.id, folder, int64(validity), int64(m.uid), p.MessageID, p.InReplyTo, strings.Join(p.References, " "),
		thread, p.Subject, p.From.Email, clip(validUTF8(p.From.Name), 255), joinAddresses(p.To), joinAddresses(p.Cc), d.Time(sent),
		p.Text, p.HTML, int64(m.size), clip(p.Problem, 500), dealID, d.Time(time.Now())).Scan(&id)
	if err != nil {
		return 0, err
	}
	for i, a := range p.Attachments {
		var sum any
		if a.Content != nil {
			sum = a.SHA256
			if _, err := q.ExecContext(ctx, `INSERT INTO mail_blobs (workspace_id, sha256, content) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
				f.acct.ws, a.SHA256, a.Content); err != nil {
				return 0, err
			}
		}
		if _, err := q.ExecContext(ctx, `INSERT INTO mail_attachments (workspace_id, message_id, position, filename, content_type, content_id, size, sha256)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, f.acct.ws, id, i, a.Filename, a.ContentType, a.ContentID, a.Size, sum); err != nil {
			return 0, err
		}
	}
	return id, nil
}

func joinAddresses(list []Address) string {
	var out []string
	for _, a := range list {
		out = append(out, a.Email)
	}
	return strings.Join(out, ", ")
}

// match finds the contacts and companies with the parties' addresses,
// normalised as the duplicate detection normalises them, through its
// blocking keys ("e:" and the address), confirmed against each record's
// stored profile; and the companies of the contacts found.
func (f *filer) match(ctx context.Context, q store.Querier, parties []Address) (map[string][]int64, error) {
	links := map[string][]int64{}
	var emails []string
	for _, a := range parties {
		emails = append(emails, a.Email)
	}
	p := linkage.Prepare(linkage.Record{Emails: emails})
	if len(p.Emails) == 0 {
		return links, nil
	}
	keys := make([]string, len(p.Emails))
	for i, e := range p.Emails {
		keys[i] = "e:" + e
	}
	marks, args := store.List(keys)
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT k.object, k.record_id, dp.profile FROM duplicate_keys k
		JOIN duplicate_profiles dp ON dp.workspace_id = k.workspace_id AND dp.object = k.object AND dp.record_id = k.record_id
		WHERE k.workspace_id = ? AND k.object IN ('contact', 'company') AND k.key IN (`+marks+`) ORDER BY k.record_id`,
		append([]any{f.acct.ws}, args...)...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var object, profile string
		var id int64
		if err := rows.Scan(&object, &id, &profile); err != nil {
			rows.Close()
			return nil, err
		}
		var rec linkage.Record
		if json.Unmarshal([]byte(profile), &rec) != nil {
			continue
		}
		got := linkage.Prepare(rec)
		if slices.ContainsFunc(got.Emails, func(e string) bool { return slices.Contains(p.Emails, e) }) && !slices.Contains(links[object], id) {
			links[object] = append(links[object], id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(links["contact"]) > 0 {
		marks, args := store.List(links["contact"])
		companies, err := store.Column[int64](ctx, q, `SELECT l.company_id FROM contact_companies l JOIN companies c
			ON c.workspace_id = l.workspace_id AND c.id = l.company_id AND c.deleted_at IS NULL
			WHERE l.workspace_id = ? AND l.contact_id IN (`+marks+`)`, append([]any{f.acct.ws}, args...)...)
		if err != nil {
			return nil, err
		}
		for _, c := range companies {
			if !slices.Contains(links["company"], c) {
				links["company"] = append(links["company"], c)
			}
		}
	}
	for k, v := range links {
		if len(v) == 0 {
			delete(links, k)
		}
	}
	return links, nil
}

// thread returns the thread of p: that of the earliest kept message it
// answers or names among its references, with that thread's deal; or else
// its first reference, or its own Message-ID when it starts one.
func (f *filer) thread(ctx context.Context, q store.Querier, p Parsed) (string, int64, error) {
	ids := slices.Clone(p.References)
	if p.InReplyTo != "" {
		ids = append(ids, p.InReplyTo)
	}
	if len(ids) > 0 {
		if len(ids) > 100 {
			ids = ids[len(ids)-100:]
		}
		marks, args := store.List(ids)
		var thread string
		var deal sql.NullInt64
		err := q.QueryRowContext(ctx, `SELECT thread_id, (SELECT max(deal_id) FROM mail_messages t WHERE t.workspace_id = m.workspace_id AND t.thread_id = m.thread_id)
			FROM mail_messages m WHERE m.workspace_id = ? AND m.message_id IN (`+marks+`) ORDER BY m.sent_at, m.id LIMIT 1`,
			append([]any{f.acct.ws}, args...)...).Scan(&thread, &deal)
		if err == nil {
			return thread, deal.Int64, nil
		}
		if err != errNoRows {
			return "", 0, err
		}
	}
	switch {
	case len(p.References) > 0:
		return p.References[0], 0, nil
	case p.InReplyTo != "":
		return p.InReplyTo, 0, nil
	}
	return p.MessageID, 0, nil
}

// openDeal returns the one open deal of the contacts, or 0 when they
// have none or several (the letter could be about any of them).
func (f *filer) openDeal(ctx context.Context, q store.Querier, contacts []int64) (int64, error) {
	if len(contacts) == 0 {
		return 0, nil
	}
	marks, args := store.List(contacts)
	deals, err := store.Column[int64](ctx, q, `SELECT DISTINCT d.id FROM deal_contacts l JOIN deals d ON d.workspace_id = l.workspace_id AND d.id = l.deal_id
		WHERE l.workspace_id = ? AND l.contact_id IN (`+marks+`) AND d.status = 'open' AND d.deleted_at IS NULL LIMIT 2`,
		append([]any{f.acct.ws}, args...)...)
	if err != nil || len(deals) != 1 {
		return 0, err
	}
	return deals[0], nil
}

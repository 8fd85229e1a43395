package mailbox

import (
	"context"
	"database/sql"
	"encoding/base64"
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
// also moves the folder's last UID past them. The letters are parsed
// before the transaction, and what filing asks of the database (letters
// kept already, the records of the addresses, the threads) is read once
// for the whole batch.
func (f *filer) file(ctx context.Context, folder string, validity uint32, msgs []fetched) error {
	if len(msgs) == 0 {
		return nil
	}
	parsed := make([]Parsed, len(msgs))
	for i, m := range msgs {
		parsed[i] = Parse(m.raw)
		if m.headerOnly {
			parsed[i].problem("the message is larger than " + strconv.Itoa(MaxMessage>>20) + " MB; only its header was read")
		}
	}
	return f.s.db.Tx(ctx, func(q store.Querier) error {
		b, err := f.lookup(ctx, q, parsed)
		if err != nil {
			return err
		}
		for i, m := range msgs {
			if err := f.one(ctx, q, b, folder, validity, m, &parsed[i]); err != nil {
				return err
			}
		}
		if err := f.flush(ctx, q, b, folder, validity); err != nil {
			return err
		}
		return saveFolder(ctx, q, f.acct, folder, validity, msgs[len(msgs)-1].uid)
	})
}

// parties are the addresses of p that may be customers: neither the
// workspace's users nor the mailbox itself, each once, the sender first,
// then the recipients in the order written. private reports that one of
// them is on the owner's ignore list.
func (f *filer) parties(p *Parsed) (out []string, private bool) {
	emails := []string{p.From.Email}
	for _, a := range slices.Concat(p.To, p.Cc) {
		emails = append(emails, a.Email)
	}
	seen := map[string]bool{}
	for _, e := range append(emails, p.More...) {
		if e == "" || seen[e] {
			continue
		}
		seen[e] = true
		if f.ignores(e) {
			return nil, true
		}
		if !f.own[e] {
			out = append(out, e)
		}
	}
	return out, false
}

// one files one message. A private one (a party on the ignore list) and
// one that concerns no customer are not kept.
func (f *filer) one(ctx context.Context, q store.Querier, b *batch, folder string, validity uint32, m fetched, p *Parsed) error {
	parties, private := f.parties(p)
	if private {
		return nil
	}
	ws := f.acct.ws
	if existing, ok := b.existing[p.MessageID]; ok {
		if existing == 0 {
			return nil // the same letter twice in this batch
		}
		// Kept already: read again after a renumbering, or the same
		// letter in a second folder.
		_, err := q.ExecContext(ctx, `UPDATE mail_messages SET uidvalidity = ?, uid = ? WHERE workspace_id = ? AND id = ? AND folder = ?`,
			int64(validity), int64(m.uid), ws, existing, folder)
		return err
	}
	links := b.links(parties)
	thread, deal := b.thread(p)
	if deal == 0 {
		deal = b.openDeal(links["contact"])
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
	b.existing[p.MessageID] = 0
	b.threads[p.MessageID] = threadRef{thread, deal}
	b.pending = append(b.pending, pending{m: m, p: p, thread: thread, deal: deal, sent: sent, links: links, request: request})
	return nil
}

// pending is a letter to keep, filed.
type pending struct {
	m       fetched
	p       *Parsed
	thread  string
	deal    int64
	sent    time.Time
	links   map[string][]int64
	request bool
}

// rowsPerInsert bounds the rows of one multi-row INSERT, under the
// databases' limits on parameters.
const rowsPerInsert = 500

// insert writes rows into table, rowsPerInsert at a time.
func insert(ctx context.Context, q store.Querier, table string, cols []string, rows [][]any, suffix string) error {
	for len(rows) > 0 {
		n := min(rowsPerInsert, len(rows))
		var args []any
		for _, r := range rows[:n] {
			args = append(args, r...)
		}
		if _, err := q.ExecContext(ctx, store.InsertRows(table, cols, n)+suffix, args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// flush writes the batch's letters to keep, with their links and
// attachments, in a few statements, and makes the inbox requests.
func (f *filer) flush(ctx context.Context, q store.Querier, b *batch, folder string, validity uint32) error {
	if len(b.pending) == 0 {
		return nil
	}
	d, ws := f.s.db.Dialect, f.acct.ws
	cols := []string{"workspace_id", "mailbox_id", "folder", "uidvalidity", "uid", "message_id", "in_reply_to", "refs", "thread_id", "subject",
		"from_addr", "from_name", "to_addrs", "cc_addrs", "sent_at", "text_body", "html_body", "size", "problem", "deal_id", "created_at"}
	ids := map[string]int64{}
	for start := 0; start < len(b.pending); start += fetchBatch {
		chunk := b.pending[start:min(start+fetchBatch, len(b.pending))]
		var args []any
		for _, k := range chunk {
			var deal any
			if k.deal != 0 {
				deal = k.deal
			}
			p := k.p
			args = append(args, ws, f.acct.id, folder, int64(validity), int64(k.m.uid), p.MessageID, p.InReplyTo, strings.Join(p.References, " "),
				k.thread, p.Subject, p.From.Email, p.From.Name, joinAddresses(p.To), joinAddresses(p.Cc), d.Time(k.sent),
				p.Text, p.HTML, int64(k.m.size), clip(p.Problem, 500), deal, d.Time(time.Now()))
		}
		rows, err := q.QueryContext(ctx, store.InsertRows("mail_messages", cols, len(chunk))+` RETURNING id, message_id`, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var mid string
			if err := rows.Scan(&id, &mid); err != nil {
				rows.Close()
				return err
			}
			ids[mid] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	var links, blobs, attachments [][]any
	for _, k := range b.pending {
		id := ids[k.p.MessageID]
		b.existing[k.p.MessageID] = id
		for _, object := range []string{"contact", "company", "deal"} {
			for _, rid := range k.links[object] {
				links = append(links, []any{ws, id, object, rid, d.Time(k.sent)})
			}
		}
		for i, a := range k.p.Attachments {
			var sum any
			if a.Content != nil {
				sum = a.SHA256
				blobs = append(blobs, []any{ws, a.SHA256, base64.StdEncoding.EncodeToString(a.Content)})
			}
			attachments = append(attachments, []any{ws, id, i, a.Filename, a.ContentType, a.ContentID, a.Size, sum})
		}
	}
	if err := insert(ctx, q, "mail_links", []string{"workspace_id", "message_id", "object", "record_id", "sent_at"}, links, ` ON CONFLICT DO NOTHING`); err != nil {
		return err
	}
	// Blobs one at a time when they are large: a statement of many
	// large attachments would hold them all twice.
	for _, bl := range blobs {
		if _, err := q.ExecContext(ctx, `INSERT INTO mail_blobs (workspace_id, sha256, content) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, bl...); err != nil {
			return err
		}
	}
	if err := insert(ctx, q, "mail_attachments", []string{"workspace_id", "message_id", "position", "filename", "content_type", "content_id", "size", "sha256"},
		attachments, ""); err != nil {
		return err
	}
	for _, k := range b.pending {
		if !k.request {
			continue
		}
		p := k.p
		payload, _ := json.Marshal(map[string]string{"mail_message_id": strconv.FormatInt(ids[p.MessageID], 10), "subject": p.Subject,
			"mailbox": f.acct.address})
		if _, err := f.s.opts.Inbox.ArriveMail(store.Within(ctx, q), ws, p.From.Name, p.From.Email, p.Subject, p.Text, payload); err != nil {
			return err
		}
	}
	return nil
}

func joinAddresses(list []Address) string {
	var out []string
	for _, a := range list {
		out = append(out, a.Email)
	}
	return strings.Join(out, ", ")
}

// batch is what filing a batch of letters reads from the database, once.
type batch struct {
	existing  map[string]int64              // Message-ID → the letter kept from this mailbox
	byEmail   map[string]map[string][]int64 // normalised address → object → records
	normal    map[string][]string           // an address as written → its normalised forms
	companies map[int64][]int64             // contact → its companies
	openDeals map[int64][]int64             // contact → its open deals
	threads   map[string]threadRef          // Message-ID → the thread of a kept letter
	pending   []pending                     // the letters to keep
}

type threadRef struct {
	id   string
	deal int64
}

// lookup reads what filing parsed needs, in a fixed number of queries.
func (f *filer) lookup(ctx context.Context, q store.Querier, parsed []Parsed) (*batch, error) {
	b := &batch{existing: map[string]int64{}, byEmail: map[string]map[string][]int64{}, normal: map[string][]string{},
		companies: map[int64][]int64{}, openDeals: map[int64][]int64{}, threads: map[string]threadRef{}}
	ws := f.acct.ws
	var ids, refs, keys []string
	for i := range parsed {
		p := &parsed[i]
		ids = append(ids, p.MessageID)
		refs = append(refs, p.References...)
		if p.InReplyTo != "" {
			refs = append(refs, p.InReplyTo)
		}
		parties, _ := f.parties(p)
		for _, a := range parties {
			if _, ok := b.normal[a]; ok {
				continue
			}
			b.normal[a] = linkage.Prepare(linkage.Record{Emails: []string{a}}).Emails
			for _, e := range b.normal[a] {
				keys = append(keys, "e:"+e)
			}
		}
	}
	marks, args := store.List(ids)
	rows, err := q.QueryContext(ctx, `SELECT message_id, id FROM mail_messages WHERE workspace_id = ? AND mailbox_id = ? AND message_id IN (`+marks+`)`,
		append([]any{ws, f.acct.id}, args...)...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var mid string
		var id int64
		if err := rows.Scan(&mid, &id); err != nil {
			rows.Close()
			return nil, err
		}
		b.existing[mid] = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := f.lookupRecords(ctx, q, b, keys); err != nil {
		return nil, err
	}
	if len(refs) > 0 {
		marks, args := store.List(refs)
		rows, err := q.QueryContext(ctx, `SELECT m.message_id, m.thread_id, (SELECT max(t.deal_id) FROM mail_messages t
			WHERE t.workspace_id = m.workspace_id AND t.thread_id = m.thread_id) FROM mail_messages m
			WHERE m.workspace_id = ? AND m.message_id IN (`+marks+`)`, append([]any{ws}, args...)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var mid, thread string
			var deal sql.NullInt64
			if err := rows.Scan(&mid, &thread, &deal); err != nil {
				rows.Close()
				return nil, err
			}
			b.threads[mid] = threadRef{thread, deal.Int64}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// lookupRecords finds the contacts and companies with the batch's
// addresses, normalised as the duplicate detection normalises them,
// through its blocking keys ("e:" and the address), confirmed against
// each record's stored profile; then the companies and open deals of the
// contacts found.
func (f *filer) lookupRecords(ctx context.Context, q store.Querier, b *batch, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	wanted := map[string]bool{}
	for _, k := range keys {
		wanted[strings.TrimPrefix(k, "e:")] = true
	}
	var contacts []int64
	found := map[int64]bool{}
	for chunk := range slices.Chunk(keys, keysPerQuery) {
		if err := f.lookupKeys(ctx, q, b, chunk, wanted, found, &contacts); err != nil {
			return err
		}
	}
	for chunk := range slices.Chunk(contacts, keysPerQuery) {
		if err := f.lookupLinked(ctx, q, b, chunk); err != nil {
			return err
		}
	}
	return nil
}

// keysPerQuery bounds the values of one IN list, under the databases'
// limits on parameters: a batch of letters to thousands of recipients
// looks up more addresses than one statement may carry.
const keysPerQuery = 1000

// lookupKeys finds the contacts and companies of keys, adding the
// contacts not yet found to contacts.
func (f *filer) lookupKeys(ctx context.Context, q store.Querier, b *batch, keys []string, wanted map[string]bool, found map[int64]bool,
	contacts *[]int64) error {
	marks, args := store.List(keys)
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT k.object, k.record_id, dp.profile FROM duplicate_keys k
		JOIN duplicate_profiles dp ON dp.workspace_id = k.workspace_id AND dp.object = k.object AND dp.record_id = k.record_id
		WHERE k.workspace_id = ? AND k.object IN ('contact', 'company') AND k.key IN (`+marks+`) ORDER BY k.record_id`,
		append([]any{f.acct.ws}, args...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var object, profile string
		var id int64
		if err := rows.Scan(&object, &id, &profile); err != nil {
			return err
		}
		rec, err := linkage.ReadRecord(profile)
		if err != nil {
			continue
		}
		for _, e := range linkage.Prepare(rec).Emails {
			if !wanted[e] {
				continue
			}
			if b.byEmail[e] == nil {
				b.byEmail[e] = map[string][]int64{}
			}
			if !slices.Contains(b.byEmail[e][object], id) {
				b.byEmail[e][object] = append(b.byEmail[e][object], id)
				if object == "contact" && !found[id] {
					found[id] = true
					*contacts = append(*contacts, id)
				}
			}
		}
	}
	return rows.Err()
}

// lookupLinked finds the companies and open deals of contacts.
func (f *filer) lookupLinked(ctx context.Context, q store.Querier, b *batch, contacts []int64) error {
	ws := f.acct.ws
	for _, l := range []struct {
		query string
		into  map[int64][]int64
	}{{`SELECT l.contact_id, l.company_id FROM contact_companies l JOIN companies c
			ON c.workspace_id = l.workspace_id AND c.id = l.company_id AND c.deleted_at IS NULL
			WHERE l.workspace_id = ? AND l.contact_id IN (`, b.companies},
		{`SELECT l.contact_id, d.id FROM deal_contacts l JOIN deals d ON d.workspace_id = l.workspace_id AND d.id = l.deal_id
			AND d.status = 'open' AND d.deleted_at IS NULL WHERE l.workspace_id = ? AND l.contact_id IN (`, b.openDeals}} {
		marks, args := store.List(contacts)
		rows, err := q.QueryContext(ctx, l.query+marks+`)`, append([]any{ws}, args...)...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var contact, id int64
			if err := rows.Scan(&contact, &id); err != nil {
				rows.Close()
				return err
			}
			l.into[contact] = append(l.into[contact], id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// links are the records the parties' addresses lead to, with the
// companies of the contacts among them: at most maxLinks of each kind,
// the first in the parties' order, so that a letter to a thousand people
// writes at most a few hundred rows to timelines.
func (b *batch) links(parties []string) map[string][]int64 {
	links := map[string][]int64{}
	add := func(object string, id int64) {
		if len(links[object]) < maxLinks && !slices.Contains(links[object], id) {
			links[object] = append(links[object], id)
		}
	}
	for _, a := range parties {
		for _, e := range b.normal[a] {
			for object, ids := range b.byEmail[e] {
				for _, id := range ids {
					add(object, id)
				}
			}
		}
	}
	for _, c := range links["contact"] {
		for _, co := range b.companies[c] {
			add("company", co)
		}
	}
	return links
}

// thread returns the thread of p: that of the earliest kept letter among
// those it answers or names in its references, with that thread's deal;
// or else its first reference, or its own Message-ID when it starts one.
func (b *batch) thread(p *Parsed) (string, int64) {
	for _, ref := range append(slices.Clone(p.References), p.InReplyTo) {
		if t, ok := b.threads[ref]; ok && ref != "" {
			return t.id, t.deal
		}
	}
	switch {
	case len(p.References) > 0:
		return p.References[0], 0
	case p.InReplyTo != "":
		return p.InReplyTo, 0
	}
	return p.MessageID, 0
}

// openDeal returns the one open deal of the contacts, or 0 when they
// have none or several (the letter could be about any of them).
func (b *batch) openDeal(contacts []int64) int64 {
	var deals []int64
	for _, c := range contacts {
		for _, d := range b.openDeals[c] {
			if !slices.Contains(deals, d) {
				deals = append(deals, d)
			}
		}
	}
	if len(deals) != 1 {
		return 0
	}
	return deals[0]
}

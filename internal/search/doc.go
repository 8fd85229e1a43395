package search

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// The objects the index holds, with the code that makes a document id
// unique on SQLite (see docID).
var objectCodes = map[string]int64{"contact": 1, "company": 2, "deal": 3}

// indexed lists the objects in the order results and rebuilds take them.
var indexed = []string{"contact", "company", "deal"}

// doc is one record as the index holds it.
type doc struct {
	ws       int64
	object   string
	id       int64
	owner    *int64
	title    string
	subtitle string
	name     []string // the words of the title
	body     []string // the words of everything else searched
	phones   []string // the digits of each phone number
}

// docID is the document's id in SQLite's full-text table: unique across
// workspaces because record ids are rowids, and negative so that FTS4's
// ascending docid order, the one it can read incrementally and stop early,
// is newest first.
func docID(object string, id int64) int64 { return -(id*4 + objectCodes[object]) }

// nameText and bodyText are what the full-text index reads.
func (d *doc) nameText() string { return strings.Join(d.name, " ") }
func (d *doc) bodyText() string { return strings.Join(d.body, " ") }

// addItems adds the values of a JSON list of e-mails or phones to d's
// body; phones also go to d.phones, and their typed form is searchable too
// ("030 1234567" finds the number stored as +49301234567).
func (d *doc) addItems(raw *string, phone bool) []records.Item {
	if raw == nil || *raw == "" {
		return nil
	}
	var items []records.Item
	if json.Unmarshal([]byte(*raw), &items) != nil {
		return nil
	}
	for _, it := range items {
		d.body = append(d.body, words(it.Value)...)
		if !phone {
			continue
		}
		d.body = append(d.body, words(it.Typed)...)
		if ds := digits(it.Value); len(ds) >= minPhoneDigits {
			d.phones = append(d.phones, ds)
		}
	}
	return items
}

// selection picks the records a load reads: the ids listed, or else the
// page of up to limit records after id after.
type selection struct {
	ids   []int64
	after int64
	limit int
}

// where is the condition and ordering for sel on alias a, with its args.
func (sel selection) where(a string) (string, []any) {
	if sel.ids != nil {
		marks, args := store.List(sel.ids)
		return " AND " + a + ".id IN (" + marks + ") ORDER BY " + a + ".id", args
	}
	return " AND " + a + ".id > ? ORDER BY " + a + ".id LIMIT " + strconv.Itoa(sel.limit), []any{sel.after}
}

// load reads the documents of the live (not deleted, not erased) records of object in
// workspace ws that sel picks.
func load(ctx context.Context, q store.Querier, d store.Dialect, ws int64, object string, sel selection) ([]*doc, error) {
	switch object {
	case "contact":
		return loadContacts(ctx, q, d, ws, sel)
	case "company":
		return loadCompanies(ctx, q, d, ws, sel)
	}
	return loadDeals(ctx, q, ws, sel)
}

func loadContacts(ctx context.Context, q store.Querier, d store.Dialect, ws int64, sel selection) ([]*doc, error) {
	cond, args := sel.where("c")
	rows, err := q.QueryContext(ctx, `SELECT c.id, c.owner_id, c.full_name, `+d.JSONOut("c.emails")+`, `+d.JSONOut("c.phones")+`
		FROM contacts c WHERE c.workspace_id = ? AND c.deleted_at IS NULL
		AND NOT EXISTS (SELECT 1 FROM erasures x WHERE x.workspace_id = c.workspace_id AND x.contact_id = c.id)`+cond, append([]any{ws}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var docs []*doc
	byID := map[int64]*doc{}
	for rows.Next() {
		x := &doc{ws: ws, object: "contact"}
		var name, emails, phones *string
		if err := rows.Scan(&x.id, &x.owner, &name, &emails, &phones); err != nil {
			return nil, err
		}
		mails := x.addItems(emails, false)
		nums := x.addItems(phones, true)
		x.title = deref(name)
		if x.title == "" {
			x.title = first(mails, nums)
		}
		x.name = words(x.title)
		if len(mails) > 0 {
			x.subtitle = mails[0].Value
		}
		docs = append(docs, x)
		byID[x.id] = x
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	return docs, addCompanies(ctx, q, ws, docs, byID)
}

// addCompanies adds the names of the companies of each contact to its
// words and subtitle.
func addCompanies(ctx context.Context, q store.Querier, ws int64, docs []*doc, byID map[int64]*doc) error {
	if len(docs) == 0 {
		return nil
	}
	ids := make([]int64, len(docs))
	for i, x := range docs {
		ids[i] = x.id
	}
	marks, args := store.List(ids)
	// The company's name by a subquery, not a join: given a rebuild's page
	// of ids, both databases' planners may rather walk every company and
	// look each of its links up in the list (decision 0071).
	rows, err := q.QueryContext(ctx, `SELECT cc.contact_id, (SELECT co.name FROM companies co
		WHERE co.workspace_id = cc.workspace_id AND co.id = cc.company_id AND co.deleted_at IS NULL) AS name
		FROM contact_companies cc WHERE cc.workspace_id = ? AND cc.contact_id IN (`+marks+`) ORDER BY cc.contact_id, name`,
		append([]any{ws}, args...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	names := map[int64][]string{}
	for rows.Next() {
		var id int64
		var name *string
		if err := rows.Scan(&id, &name); err != nil {
			return err
		}
		if n := deref(name); n != "" {
			names[id] = append(names[id], n)
			byID[id].body = append(byID[id].body, words(n)...)
		}
	}
	for id, ns := range names {
		byID[id].subtitle = join(byID[id].subtitle, strings.Join(ns, ", "))
	}
	return rows.Err()
}

func loadCompanies(ctx context.Context, q store.Querier, d store.Dialect, ws int64, sel selection) ([]*doc, error) {
	cond, args := sel.where("c")
	rows, err := q.QueryContext(ctx, `SELECT c.id, c.owner_id, c.name, c.domain, `+d.JSONOut("c.emails")+`, `+d.JSONOut("c.phones")+`
		FROM companies c WHERE c.workspace_id = ? AND c.deleted_at IS NULL`+cond, append([]any{ws}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var docs []*doc
	for rows.Next() {
		x := &doc{ws: ws, object: "company"}
		var name, domain, emails, phones *string
		if err := rows.Scan(&x.id, &x.owner, &name, &domain, &emails, &phones); err != nil {
			return nil, err
		}
		x.title, x.subtitle = deref(name), deref(domain)
		x.name = words(x.title)
		x.body = words(x.subtitle)
		if mails := x.addItems(emails, false); x.subtitle == "" && len(mails) > 0 {
			x.subtitle = mails[0].Value
		}
		x.addItems(phones, true)
		docs = append(docs, x)
	}
	return docs, rows.Err()
}

func loadDeals(ctx context.Context, q store.Querier, ws int64, sel selection) ([]*doc, error) {
	cond, args := sel.where("d")
	rows, err := q.QueryContext(ctx, `SELECT d.id, d.owner_id, d.title, d.status, co.name FROM deals d
		LEFT JOIN companies co ON co.workspace_id = d.workspace_id AND co.id = d.company_id AND co.deleted_at IS NULL
		WHERE d.workspace_id = ? AND d.deleted_at IS NULL`+cond, append([]any{ws}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var docs []*doc
	for rows.Next() {
		x := &doc{ws: ws, object: "deal"}
		var title, status, company *string
		if err := rows.Scan(&x.id, &x.owner, &title, &status, &company); err != nil {
			return nil, err
		}
		x.title = deref(title)
		x.name = words(x.title)
		x.body = words(deref(company))
		x.subtitle = join(deref(company), deref(status))
		docs = append(docs, x)
	}
	return docs, rows.Err()
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return strings.TrimSpace(*s)
}

// join joins the non-empty parts of a subtitle.
func join(a, b string) string {
	if a == "" || b == "" {
		return a + b
	}
	return a + " · " + b
}

// first is the title of a contact without a name: its first e-mail, or
// else its first phone number.
func first(mails, phones []records.Item) string {
	if len(mails) > 0 {
		return mails[0].Value
	}
	if len(phones) > 0 {
		return phones[0].Value
	}
	return ""
}

package dav

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"path"
	"strconv"
	"strings"

	govcard "github.com/emersion/go-vcard"
	webdav "github.com/emersion/go-webdav"
	"github.com/emersion/go-webdav/carddav"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/vcard"
)

// cardVersion is the vCard version served: 3.0, which every address book
// program reads (iOS among them); 4.0 and 2.1 are read on PUT.
const cardVersion = "3.0"

// bookName is the address book's display name: the product's name, the
// same in every language.
const bookName = "Rapport"

// books is go-webdav's CardDAV backend over the records engine.
type books struct{ s *Server }

var _ carddav.Backend = (*books)(nil)

func actor(ctx context.Context) (access.Actor, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return a, webdav.NewHTTPError(http.StatusUnauthorized, err)
	}
	return a, nil
}

func (b *books) CurrentUserPrincipal(ctx context.Context) (string, error) {
	a, err := actor(ctx)
	return principalPath(a), err
}

func (b *books) AddressBookHomeSetPath(ctx context.Context) (string, error) {
	a, err := actor(ctx)
	return homePath(a), err
}

func (b *books) book(a access.Actor) carddav.AddressBook {
	return carddav.AddressBook{Path: bookPath(a), Name: bookName, MaxResourceSize: maxBody,
		SupportedAddressData: []carddav.AddressDataType{{ContentType: govcard.MIMEType, Version: "3.0"},
			{ContentType: govcard.MIMEType, Version: "4.0"}}}
}

func (b *books) ListAddressBooks(ctx context.Context) ([]carddav.AddressBook, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	return []carddav.AddressBook{b.book(a)}, nil
}

func (b *books) GetAddressBook(ctx context.Context, p string) (*carddav.AddressBook, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if strings.TrimSuffix(p, "/") != strings.TrimSuffix(bookPath(a), "/") {
		return nil, webdav.NewHTTPError(http.StatusNotFound, errors.New("no such address book"))
	}
	ab := b.book(a)
	return &ab, nil
}

func (b *books) CreateAddressBook(context.Context, *carddav.AddressBook) error {
	return webdav.NewHTTPError(http.StatusForbidden, errors.New("each user has one address book"))
}

func (b *books) DeleteAddressBook(context.Context, string) error {
	return webdav.NewHTTPError(http.StatusForbidden, errors.New("each user has one address book"))
}

// name is a contact's file name and UID in its address book: what the
// program that created it chose, else made from its id.
type name struct{ file, uid string }

func defaultName(id string) name { return name{file: id + ".vcf", uid: "rapport-contact-" + id} }

// names reads the names programs gave the records of object they
// created, all of them when ids is empty.
func (b *books) names(ctx context.Context, ws int64, ids ...string) (map[string]name, error) {
	return names(ctx, b.s.DB, ws, "contact", ids...)
}

func names(ctx context.Context, db *store.DB, ws int64, object string, ids ...string) (map[string]name, error) {
	query := `SELECT record_id, name, uid FROM dav_names WHERE workspace_id = ? AND object = ?`
	args := []any{ws, object}
	if len(ids) > 0 {
		query += ` AND record_id IN (?` + strings.Repeat(", ?", len(ids)-1) + `)`
		for _, id := range ids {
			n, err := strconv.ParseInt(id, 10, 64)
			if err != nil {
				n = -1
			}
			args = append(args, n)
		}
	}
	rows, err := db.Read(ctx).QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]name{}
	for rows.Next() {
		var id int64
		var n name
		if err := rows.Scan(&id, &n.file, &n.uid); err != nil {
			return nil, err
		}
		out[strconv.FormatInt(id, 10)] = n
	}
	return out, rows.Err()
}

// named reads, in one query, the names of the contacts that files or ids
// name: those programs created under one of files, and those among ids
// that a program gave a name. It returns the id each such file names and
// the name of each such contact.
func (b *books) named(ctx context.Context, ws int64, files, ids []string) (byFile map[string]string, byID map[string]name, err error) {
	byFile, byID = map[string]string{}, map[string]name{}
	if len(files) == 0 && len(ids) == 0 {
		return byFile, byID, nil
	}
	args := []any{ws}
	var conds []string
	if len(files) > 0 {
		conds = append(conds, `name IN (`+store.Marks(len(files))+`)`)
		for _, f := range files {
			args = append(args, f)
		}
	}
	if len(ids) > 0 {
		conds = append(conds, `record_id IN (`+store.Marks(len(ids))+`)`)
		for _, id := range ids {
			n, _ := strconv.ParseInt(id, 10, 64)
			args = append(args, n)
		}
	}
	rows, err := b.s.DB.Read(ctx).QueryContext(ctx, `SELECT record_id, name, uid FROM dav_names
		WHERE workspace_id = ? AND object = 'contact' AND (`+strings.Join(conds, " OR ")+`)`, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n name
		if err := rows.Scan(&id, &n.file, &n.uid); err != nil {
			return nil, nil, err
		}
		byFile[n.file] = strconv.FormatInt(id, 10)
		byID[strconv.FormatInt(id, 10)] = n
	}
	return byFile, byID, rows.Err()
}

// resolve finds the contact id a path in the user's address book names;
// "" when it names none (a path a program may create).
func (b *books) resolve(ctx context.Context, a access.Actor, p string) (string, string, error) {
	dir, file := path.Split(p)
	if dir != bookPath(a) || file == "" {
		return "", "", webdav.NewHTTPError(http.StatusNotFound, errors.New("no such address book"))
	}
	var id int64
	err := b.s.DB.Read(ctx).QueryRowContext(ctx, `SELECT record_id FROM dav_names
		WHERE workspace_id = ? AND object = 'contact' AND name = ?`, a.WorkspaceID, file).Scan(&id)
	switch {
	case err == nil:
		return strconv.FormatInt(id, 10), file, nil
	case !errors.Is(err, sql.ErrNoRows):
		return "", "", err
	}
	if n, ok := strings.CutSuffix(file, ".vcf"); ok {
		if _, err := strconv.ParseInt(n, 10, 64); err == nil {
			return n, file, nil
		}
	}
	return "", file, nil
}

func (b *books) GetAddressObject(ctx context.Context, p string, _ *carddav.AddressDataRequest) (*carddav.AddressObject, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	id, _, err := b.resolve(ctx, a, p)
	if err != nil {
		return nil, err
	}
	if id == "" {
		return nil, webdav.NewHTTPError(http.StatusNotFound, errors.New("no such contact"))
	}
	rec, err := b.s.Engine.Get(ctx, "contact", id, false)
	if err != nil {
		return nil, b.httpError(ctx, err)
	}
	names, err := b.names(ctx, a.WorkspaceID, id)
	if err != nil {
		return nil, err
	}
	ao, err := b.object(ctx, a, names, rec)
	if err != nil {
		return nil, err
	}
	return &ao, nil
}

func (b *books) ListAddressObjects(ctx context.Context, p string, _ *carddav.AddressDataRequest) ([]carddav.AddressObject, error) {
	var out []carddav.AddressObject
	err := b.each(ctx, p, true, func(ao carddav.AddressObject) error {
		out = append(out, ao)
		return nil
	})
	return out, err
}

// each calls fn with every contact of the address book at p, read a page
// at a time in the order they were made. Without withCards, each comes
// with its path and ETag alone: a listing of ETags reads neither the
// companies nor anything else a card would need.
func (b *books) each(ctx context.Context, p string, withCards bool, fn func(carddav.AddressObject) error) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	if _, err := b.GetAddressBook(ctx, p); err != nil {
		return err
	}
	names, err := b.names(ctx, a.WorkspaceID)
	if err != nil {
		return err
	}
	// The cards' companies are read a page at a time below, each
	// contact's organisation in one query; a listing of ETags reads the
	// ids and versions alone.
	q := records.Query{Sort: []string{"created_at"}, Limit: records.MaxLimit, Bare: true, Versions: !withCards}
	for {
		page, err := b.s.Engine.List(ctx, "contact", q)
		if err != nil {
			return b.httpError(ctx, err)
		}
		c := &cards{a: a, names: names}
		if withCards {
			if c.orgs, err = b.organizations(ctx, a, page.Data); err != nil {
				return err
			}
		}
		for _, rec := range page.Data {
			ao, err := c.listed(rec)
			if withCards {
				ao, err = c.object(rec)
			}
			if err != nil {
				return err
			}
			if err := fn(ao); err != nil {
				return err
			}
		}
		if page.NextCursor == "" {
			return nil
		}
		q.Cursor = page.NextCursor
	}
}

func (b *books) QueryAddressObjects(ctx context.Context, p string, query *carddav.AddressBookQuery) ([]carddav.AddressObject, error) {
	all, err := b.ListAddressObjects(ctx, p, &query.DataRequest)
	if err != nil {
		return nil, err
	}
	return carddav.Filter(query, all)
}

// PutAddressObject updates the contact at p, or creates one there. An
// update names the version the program read (If-Match) and is refused
// with 412 when the contact has changed since; only the fields whose
// values differ are written, so a field the role may not change is left
// alone unless the card changes it.
func (b *books) PutAddressObject(ctx context.Context, p string, card govcard.Card, opts *carddav.PutAddressObjectOptions) (*carddav.AddressObject, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	id, file, err := b.resolve(ctx, a, p)
	if err != nil {
		return nil, err
	}
	var data bytes.Buffer
	if err := govcard.NewEncoder(&data).Encode(card); err != nil {
		return nil, webdav.NewHTTPError(http.StatusBadRequest, err)
	}
	var old records.Record
	if id != "" {
		old, err = b.s.Engine.Get(ctx, "contact", id, false)
		if err != nil && !fault.Is(err, fault.ENOTFOUND) {
			return nil, b.httpError(ctx, err)
		}
	}
	if old == nil {
		if opts.IfMatch.IsSet() {
			return nil, webdav.NewHTTPError(http.StatusPreconditionFailed, errors.New("no such contact"))
		}
		if id != "" {
			// A path made from an id names that contact only.
			return nil, webdav.NewHTTPError(http.StatusNotFound, errors.New("no such contact"))
		}
		return b.create(ctx, a, file, card, data.Bytes())
	}
	if opts.IfNoneMatch.IsWildcard() {
		return nil, webdav.NewHTTPError(http.StatusPreconditionFailed, errors.New("the contact exists"))
	}
	version := old["version"].(int64)
	if opts.IfMatch.IsSet() {
		etag, err := opts.IfMatch.ETag()
		if !opts.IfMatch.IsWildcard() && (err != nil || etag != strconv.FormatInt(version, 10)) {
			return nil, webdav.NewHTTPError(http.StatusPreconditionFailed,
				errors.New("the contact has changed since this copy was read"))
		}
	}
	contacts, err := vcard.Read(data.Bytes())
	if err != nil || len(contacts) != 1 {
		return nil, webdav.NewHTTPError(http.StatusBadRequest, errors.New("the body must hold one vCard"))
	}
	in, err := changes(old, contacts[0])
	if err != nil {
		return nil, err
	}
	rec := old
	if len(in) > 0 {
		if rec, err = b.s.Engine.Update(ctx, "contact", id, version, in); err != nil {
			return nil, b.httpError(ctx, err)
		}
	}
	names, err := b.names(ctx, a.WorkspaceID, id)
	if err != nil {
		return nil, err
	}
	ao, err := b.object(ctx, a, names, rec)
	return &ao, err
}

// changes is the engine's partial update that makes old carry what c
// carries: the vCard's fields that differ, with a field the card leaves
// out cleared. The company and notes are not changed by an edit.
func changes(old records.Record, c vcard.Contact) (map[string]any, error) {
	was, err := vcard.FromRecord(old)
	if err != nil {
		return nil, err
	}
	before, after := was.Input(), c.Input()
	in := map[string]any{}
	for _, k := range vcard.Fields {
		x, y := before[k], after[k]
		if fmt.Sprint(x) == fmt.Sprint(y) {
			continue
		}
		if _, shown := old[k]; !shown && x == nil {
			// A field the role hides is as good as absent: the card
			// cannot have held it, and cannot clear it.
			if y == nil {
				continue
			}
		}
		in[k] = y
	}
	return in, nil
}

// create makes a contact from a card a program put at a new path, with
// its company and notes as an import does, and remembers the program's
// name and UID for it, all in one transaction.
func (b *books) create(ctx context.Context, a access.Actor, file string, card govcard.Card, data []byte) (*carddav.AddressObject, error) {
	uid := card.Value(govcard.FieldUID)
	if uid == "" {
		uid = strings.TrimSuffix(file, ".vcf")
	}
	var rec records.Record
	err := b.s.DB.Tx(ctx, func(q store.Querier) error {
		ctx := store.Within(ctx, q)
		created, err := vcard.Importer{DB: b.s.DB, Engine: b.s.Engine}.Import(ctx, data)
		if err != nil {
			return err
		}
		if len(created) != 1 {
			return fault.Errorf(fault.EINVALID, "the body must hold one vCard")
		}
		rec = created[0]
		_, err = q.ExecContext(ctx, `INSERT INTO dav_names (workspace_id, object, record_id, name, uid)
			VALUES (?, 'contact', ?, ?, ?)`, a.WorkspaceID, rec["id"], file, uid)
		return err
	})
	if err != nil {
		return nil, b.httpError(ctx, err)
	}
	id := rec["id"].(string)
	ao, err := b.object(ctx, a, map[string]name{id: {file: file, uid: uid}}, rec)
	return &ao, err
}

// DeleteAddressObject moves the contact to the trash, with the version
// of If-Match when the program sent one.
func (b *books) DeleteAddressObject(ctx context.Context, p string) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	id, _, err := b.resolve(ctx, a, p)
	if err != nil {
		return err
	}
	if id == "" {
		return webdav.NewHTTPError(http.StatusNotFound, errors.New("no such contact"))
	}
	var version int64
	if m, _ := ctx.Value(ifMatchKey{}).(string); m != "" && m != "*" {
		v, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(m, "W/"), `"`), 10, 64)
		if err != nil || v <= 0 {
			return webdav.NewHTTPError(http.StatusPreconditionFailed, errors.New("the contact has changed since this copy was read"))
		}
		version = v
	} else {
		rec, err := b.s.Engine.Get(ctx, "contact", id, false)
		if err != nil {
			return b.httpError(ctx, err)
		}
		version = rec["version"].(int64)
	}
	return b.httpError(ctx, b.s.Engine.Delete(ctx, "contact", id, version))
}

// httpError maps the engine's errors to the statuses DAV programs expect:
// a stale version is a failed precondition, refused input a bad request.
func (b *books) httpError(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	switch fault.Code(err) {
	case fault.ENOTFOUND:
		return webdav.NewHTTPError(http.StatusNotFound, err)
	case fault.EFORBIDDEN:
		return webdav.NewHTTPError(http.StatusForbidden, err)
	case fault.ECONFLICT:
		return webdav.NewHTTPError(http.StatusPreconditionFailed, err)
	case fault.EINVALID:
		return webdav.NewHTTPError(http.StatusBadRequest, err)
	case fault.EUNAUTHORIZED:
		return webdav.NewHTTPError(http.StatusUnauthorized, err)
	}
	b.s.log(ctx).Error("dav", "err", err)
	return webdav.NewHTTPError(http.StatusInternalServerError, errors.New(http.StatusText(http.StatusInternalServerError)))
}

// cards turns records into address objects, with the names programs
// gave them and each contact's organisation as the user reads it.
type cards struct {
	a     access.Actor
	names map[string]name
	orgs  map[string]string // by contact id
}

// object is one contact as an address object.
func (b *books) object(ctx context.Context, a access.Actor, names map[string]name, rec records.Record) (carddav.AddressObject, error) {
	orgs, err := b.organizations(ctx, a, []records.Record{rec})
	if err != nil {
		return carddav.AddressObject{}, err
	}
	return (&cards{a: a, names: names, orgs: orgs}).object(rec)
}

// read returns, by id, the address objects of the contacts among ids
// that the user reads now: one list of the engine by id (which applies
// the role's scope) and one query of their organisations for each 500,
// however many there are, rather than a read or two for each.
func (b *books) read(ctx context.Context, a access.Actor, ids []string, names map[string]name) (map[string]carddav.AddressObject, error) {
	out := make(map[string]carddav.AddressObject, len(ids))
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), records.MaxLimit)]
		ids = ids[len(chunk):]
		wanted := make([]any, len(chunk))
		for i, id := range chunk {
			wanted[i] = id
		}
		page, err := b.s.Engine.List(ctx, "contact", records.Query{Limit: len(chunk), Bare: true,
			Filter: &records.Filter{Field: "id", Op: records.In, Value: wanted}})
		if err != nil {
			return nil, err
		}
		orgs, err := b.organizations(ctx, a, page.Data)
		if err != nil {
			return nil, err
		}
		c := &cards{a: a, names: names, orgs: orgs}
		for _, rec := range page.Data {
			ao, err := c.object(rec)
			if err != nil {
				return nil, err
			}
			out[rec["id"].(string)] = ao
		}
	}
	return out, nil
}

// organizations names the organisation of each contact of recs as the
// user reads it: the first of its companies, in the order they were
// made, that the user may read and whose name the role shows; none when
// the role hides the contact's companies. One query for a page of
// contacts, where reading their links and then their companies through
// the engine took two and decoded every column of each company. The
// companies' scope is the role's, as the engine applies it.
func (b *books) organizations(ctx context.Context, a access.Actor, recs []records.Record) (map[string]string, error) {
	out := map[string]string{}
	if len(recs) == 0 {
		return out, nil
	}
	p := b.s.Engine.Policy()
	rules, err := p.Fields(ctx, a, "contact")
	if err != nil || rules["companies"] == access.FieldHidden {
		return out, err
	}
	if rules, err = p.Fields(ctx, a, "company"); err != nil || rules["name"] == access.FieldHidden {
		return out, err
	}
	switch err := p.Authorize(ctx, a, "company", access.Read, nil); {
	case fault.Is(err, fault.EFORBIDDEN):
		return out, nil
	case err != nil:
		return nil, err
	}
	rs, err := p.Restrict(ctx, a, "company")
	if err != nil {
		return nil, err
	}
	scope, scopeArgs := access.OwnerCondition(rs, "c.owner_id")
	if scope != "" {
		scope = " AND " + scope
	}
	// The company of each link is looked up by its key, so that no plan
	// reads every company in scope to hash them (PostgreSQL's did, for a
	// join, at 10,000 contacts).
	args := append(scopeArgs, a.WorkspaceID)
	for _, rec := range recs {
		n, _ := strconv.ParseInt(rec["id"].(string), 10, 64)
		args = append(args, n)
	}
	rows, err := b.s.DB.Read(ctx).QueryContext(ctx, `SELECT l.contact_id, (SELECT c.name FROM companies c
		WHERE c.workspace_id = l.workspace_id AND c.id = l.company_id AND c.deleted_at IS NULL`+scope+`)
		FROM contact_companies l WHERE l.workspace_id = ? AND l.contact_id IN (`+store.Marks(len(recs))+`)
		ORDER BY l.contact_id, l.company_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var contact int64
		var name sql.NullString
		if err := rows.Scan(&contact, &name); err != nil {
			return nil, err
		}
		id := strconv.FormatInt(contact, 10)
		if out[id] == "" && name.String != "" {
			out[id] = name.String
		}
	}
	return out, rows.Err()
}

func (c *cards) object(rec records.Record) (carddav.AddressObject, error) {
	id := rec["id"].(string)
	contact, err := vcard.FromRecord(rec)
	if err != nil {
		return carddav.AddressObject{}, err
	}
	contact.Organization = c.orgs[id]
	card := vcard.Card(contact, cardVersion)
	n, ok := c.names[id]
	if !ok {
		n = defaultName(id)
	}
	card.SetValue(govcard.FieldUID, n.uid)
	ao := carddav.AddressObject{Path: bookPath(c.a) + n.file, Card: card,
		ETag: strconv.FormatInt(rec["version"].(int64), 10)}
	if t, ok := store.ParseTime(rec["updated_at"]); ok {
		ao.ModTime = t
	}
	return ao, nil
}

// listed is rec as a listing of ETags shows it: path and ETag.
func (c *cards) listed(rec records.Record) (carddav.AddressObject, error) {
	id := rec["id"].(string)
	n, ok := c.names[id]
	if !ok {
		n = defaultName(id)
	}
	return carddav.AddressObject{Path: bookPath(c.a) + n.file, ETag: strconv.FormatInt(rec["version"].(int64), 10)}, nil
}

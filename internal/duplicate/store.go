package duplicate

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/linkage"
	"github.com/rapport-crm/rapport/internal/store"
)

// kind says how the records of one object are read for matching.
type kind struct {
	object string // the engine's name, e.g. "contact"
	plural string
	table  string
	name   string // SQL expression of the record's name
	// columns are read, in this order, into a row by load.
	columns string
	// nameFields are the fields the name is made of, which a role may hide.
	nameFields []string
	// live narrows load to the records that take part in matching.
	live string
}

var (
	contacts = &kind{object: "contact", plural: "contacts", table: "contacts",
		name:       "coalesce(full_name, trim(coalesce(first_name, '') || ' ' || coalesce(last_name, '')))",
		columns:    "first_name, last_name, full_name, NULL, birthday",
		nameFields: []string{"full_name", "first_name", "last_name"},
		// An erased contact has no duplicates: its placeholder name would
		// pair it with every other erased one.
		live: " AND NOT EXISTS (SELECT 1 FROM erasures x WHERE x.workspace_id = contacts.workspace_id AND x.contact_id = contacts.id)"}
	companies = &kind{object: "company", plural: "companies", table: "companies", name: "name",
		columns:    "NULL, NULL, name, domain, NULL",
		nameFields: []string{"name"}}
)

// kindOf returns the kind of object (singular or plural name).
func kindOf(object string) (*kind, error) {
	for _, k := range []*kind{contacts, companies} {
		if object == k.object || object == k.plural {
			return k, nil
		}
	}
	return nil, fault.Errorf(fault.ENOTFOUND, "duplicates are found among contacts and companies, not %q", object)
}

// entry is one stored record as the matcher sees it, with its owner for
// the permission check.
type entry struct {
	id    int64
	owner string
	rec   linkage.Record
}

// batch is how many ids one query names.
const batch = 500

// loadIDs reads the live records of k among ids.
func (s *Service) loadIDs(ctx context.Context, q store.Querier, ws int64, k *kind, ids []int64) ([]entry, error) {
	var out []entry
	for start := 0; start < len(ids); start += batch {
		part := ids[start:min(start+batch, len(ids))]
		marks, args := store.List(part)
		got, err := s.load(ctx, q, ws, k, "id IN ("+marks+")", args...)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return out, nil
}

// load reads the live records of k that match cond (which may end with an
// ORDER BY and LIMIT), with a contact's companies, as the matcher's
// records. The fields an administrator marked identifying are read from
// the record's custom values (or its web site).
func (s *Service) load(ctx context.Context, q store.Querier, ws int64, k *kind, cond string, args ...any) ([]entry, error) {
	d := s.db.Dialect
	set, err := s.settings(ctx, q, ws, k)
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT id, owner_id, `+k.columns+`, `+d.JSONOut("emails")+`, `+d.JSONOut("phones")+`, `+
		d.JSONOut("address")+`, website, `+d.JSONOut("custom")+` FROM `+k.table+` WHERE workspace_id = ? AND deleted_at IS NULL`+k.live+` AND `+cond,
		append([]any{ws}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []entry
	for rows.Next() {
		var e entry
		var owner *int64
		var first, last, name, domain, birthday, emails, phones, address, website, custom *string
		if err := rows.Scan(&e.id, &owner, &first, &last, &name, &domain, &birthday, &emails, &phones, &address, &website, &custom); err != nil {
			return nil, err
		}
		if owner != nil {
			e.owner = strconv.FormatInt(*owner, 10)
		}
		r := linkage.Record{ID: strconv.FormatInt(e.id, 10), Kind: k.object, FirstName: deref(first), LastName: deref(last),
			Name: deref(name), Domain: deref(domain), Birthday: day(deref(birthday)),
			Emails: itemValues(emails), Phones: itemValues(phones)}
		if r.Domain == "" {
			r.Domain = siteDomain(deref(website))
		}
		fillAddress(&r, address)
		r.Identifiers = identifiers(set.Identifying, deref(website), custom)
		e.rec = r
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if k == contacts {
		return out, s.loadCompanies(ctx, q, ws, out)
	}
	return out, nil
}

// loadCompanies fills the companies of contacts with their names: two
// contacts at one company share it, and a contact typed twice names it
// alike.
func (s *Service) loadCompanies(ctx context.Context, q store.Querier, ws int64, entries []entry) error {
	if len(entries) == 0 {
		return nil
	}
	byID := make(map[int64]*entry, len(entries))
	ids := make([]int64, len(entries))
	for i := range entries {
		byID[entries[i].id] = &entries[i]
		ids[i] = entries[i].id
	}
	marks, args := store.List(ids)
	// Links to a company in the trash still count: the people were at one
	// company, whichever record of it survives. The name comes by a
	// subquery, not a join, so that the links of the ids are read first:
	// given a batch of hundreds or thousands of ids, SQLite's planner, and
	// PostgreSQL's before the tables' statistics catch up with an import,
	// would rather walk every company and look each of its links up in
	// the list, seconds a batch (decision 0071).
	rows, err := q.QueryContext(ctx, `SELECT l.contact_id, (SELECT c.name FROM companies c
		WHERE c.workspace_id = l.workspace_id AND c.id = l.company_id)
		FROM contact_companies l WHERE l.workspace_id = ? AND l.contact_id IN (`+marks+`)`, append([]any{ws}, args...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var contact int64
		var name *string
		if err := rows.Scan(&contact, &name); err != nil {
			return err
		}
		if n := deref(name); n != "" {
			e := byID[contact]
			e.rec.Companies = append(e.rec.Companies, n)
		}
	}
	return rows.Err()
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// day keeps the date of a stored birthday.
func day(s string) string {
	if len(s) >= 10 {
		return s[:10]
	}
	return ""
}

// siteDomain returns the host of a web site, without "www.".
func siteDomain(site string) string {
	site = strings.ToLower(strings.TrimSpace(site))
	if i := strings.Index(site, "://"); i >= 0 {
		site = site[i+3:]
	}
	site, _, _ = strings.Cut(site, "/")
	return strings.TrimPrefix(site, "www.")
}

// itemValues returns the values of a stored e-mail or phone list.
func itemValues(text *string) []string {
	if text == nil {
		return nil
	}
	var items []struct {
		Value string `json:"value"`
	}
	json.Unmarshal([]byte(*text), &items) // a malformed list matches nothing
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, it.Value)
	}
	return out
}

// fillAddress copies a stored address into r.
func fillAddress(r *linkage.Record, text *string) {
	if text == nil {
		return
	}
	var a map[string]any
	json.Unmarshal([]byte(*text), &a)
	str := func(k string) string { s, _ := a[k].(string); return strings.TrimSpace(s) }
	for _, line := range strings.FieldsFunc(str("street"), func(r rune) bool { return r == '\n' }) {
		if line = strings.TrimSpace(line); line != "" {
			r.AddressLines = append(r.AddressLines, line)
		}
	}
	r.Postcode, r.Town, r.Country = str("postal_code"), str("city"), str("country")
}

// identifiers returns the values of the identifying fields among a
// record's custom values and its web site.
func identifiers(fields []string, website string, custom *string) map[string]string {
	if len(fields) == 0 {
		return nil
	}
	var values map[string]any
	if custom != nil {
		json.Unmarshal([]byte(*custom), &values)
	}
	out := map[string]string{}
	for _, f := range fields {
		var v string
		switch x := values[f].(type) {
		case string:
			v = x
		case float64:
			v = strconv.FormatFloat(x, 'f', -1, 64)
		}
		if f == "website" {
			v = siteDomain(website)
		}
		if v = strings.TrimSpace(v); v != "" {
			out[f] = v
		}
	}
	return out
}

// parseIDs keeps the ids that are numbers, as the engine's are.
func parseIDs(ids []string) []int64 {
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if n, err := strconv.ParseInt(id, 10, 64); err == nil && n > 0 {
			out = append(out, n)
		}
	}
	return out
}

// refresh rewrites the keys and profiles of the records of k among ids,
// in q, scores them against the members of their blocks and brings their
// pairs and groups up to date: a deleted or purged record keeps none.
func (s *Service) refresh(ctx context.Context, q store.Querier, ws int64, k *kind, ids []string) error {
	nums := parseIDs(ids)
	if len(nums) == 0 {
		return nil
	}
	if err := s.clear(ctx, q, ws, k, nums); err != nil {
		return err
	}
	entries, err := s.loadIDs(ctx, q, ws, k, nums)
	if err != nil {
		return err
	}
	if err := insertRows(ctx, q, ws, k, entries); err != nil {
		return err
	}
	return s.score(ctx, q, ws, k, nums, entries)
}

// clear removes the keys and profiles of ids.
func (s *Service) clear(ctx context.Context, q store.Querier, ws int64, k *kind, nums []int64) error {
	for start := 0; start < len(nums); start += batch {
		part := nums[start:min(start+batch, len(nums))]
		marks, args := store.List(part)
		for _, table := range []string{"duplicate_keys", "duplicate_profiles"} {
			if _, err := q.ExecContext(ctx, `DELETE FROM `+table+` WHERE workspace_id = ? AND object = ? AND record_id IN (`+marks+`)`,
				append([]any{ws, k.object}, args...)...); err != nil {
				return err
			}
		}
	}
	return nil
}

// keysPerInsert bounds one INSERT, well within both databases' limits on
// bound parameters.
const keysPerInsert = 1000

// insertRows stores the keys and records of entries: the record as the
// matcher reads it, so that a role's hidden fields can be left out before
// it is prepared.
func insertRows(ctx context.Context, q store.Querier, ws int64, k *kind, entries []entry) error {
	return insertRowsTo(ctx, q, ws, k, entries, nil)
}

// blockKey is one record's blocking key.
type blockKey struct {
	key string
	id  int64
}

// insertRowsTo is insertRows that, given collect, appends the keys to it
// instead of inserting them: a rebuild inserts all keys at the end in key
// order, which fills the index page after page instead of all over.
func insertRowsTo(ctx context.Context, q store.Querier, ws int64, k *kind, entries []entry, collect *[]blockKey) error {
	keys := &inserter{q: q, table: "duplicate_keys (workspace_id, object, key, record_id)", width: 4}
	profiles := &inserter{q: q, table: "duplicate_profiles (workspace_id, object, record_id, owner_id, profile)", width: 5}
	for _, e := range entries {
		var owner any
		if e.owner != "" {
			owner = e.owner
		}
		text, err := json.Marshal(e.rec)
		if err != nil {
			return err
		}
		if err := profiles.add(ctx, ws, k.object, e.id, owner, string(text)); err != nil {
			return err
		}
		for _, key := range linkage.Prepare(e.rec).Blocks() {
			if collect != nil {
				*collect = append(*collect, blockKey{key, e.id})
				continue
			}
			if err := keys.add(ctx, ws, k.object, key, e.id); err != nil {
				return err
			}
		}
	}
	if err := keys.flush(ctx); err != nil {
		return err
	}
	return profiles.flush(ctx)
}

// inserter writes rows in multi-row INSERTs.
type inserter struct {
	q     store.Querier
	table string
	width int
	args  []any
}

func (in *inserter) add(ctx context.Context, row ...any) error {
	in.args = append(in.args, row...)
	if len(in.args) < in.width*keysPerInsert {
		return nil
	}
	return in.flush(ctx)
}

func (in *inserter) flush(ctx context.Context) error {
	if len(in.args) == 0 {
		return nil
	}
	row := "(" + store.Marks(in.width) + ")"
	rows := strings.TrimSuffix(strings.Repeat(row+", ", len(in.args)/in.width), ", ")
	_, err := in.q.ExecContext(ctx, `INSERT INTO `+in.table+` VALUES `+rows+` ON CONFLICT DO NOTHING`, in.args...)
	in.args = in.args[:0]
	return err
}

// rebuildBatch is how many records Rebuild reads at a time.
const rebuildBatch = 5000

// bulkKeys is how many keys a rebuild writes from which, on SQLite, it
// builds the keys' index by record after them rather than row by row.
var bulkKeys = 200000

// Rebuild recomputes the keys and profiles of every contact and company
// of workspace ws, then every pair and group (Rescore), in one
// transaction (the caller's, when ctx carries one). Bulk loaders that
// write records without the engine call it afterwards.
func (s *Service) Rebuild(ctx context.Context, ws int64) error {
	return s.db.Tx(ctx, func(q store.Querier) error {
		for _, k := range []*kind{contacts, companies} {
			if err := s.rebuildKind(ctx, q, ws, k); err != nil {
				return err
			}
		}
		return nil
	})
}

// rebuildKind recomputes the keys, profiles, pairs and groups of k.
func (s *Service) rebuildKind(ctx context.Context, q store.Querier, ws int64, k *kind) error {
	for _, table := range []string{"duplicate_keys", "duplicate_profiles"} {
		if _, err := q.ExecContext(ctx, `DELETE FROM `+table+` WHERE workspace_id = ? AND object = ?`, ws, k.object); err != nil {
			return err
		}
	}
	n, err := s.stageKeys(ctx, q, ws, k)
	if err != nil {
		return err
	}
	// The keys go in in the order of the table's key, but its index by
	// record would take them at random: on SQLite, a large rebuild
	// builds that index after them (store.DropIndexes tells why).
	var rebuild []string
	if s.db.Dialect == store.SQLite && n >= bulkKeys {
		if rebuild, err = store.DropIndexes(ctx, q, "duplicate_keys"); err != nil {
			return err
		}
	}
	// Sorted, not DISTINCT: SQLite makes DISTINCT with a temporary index
	// in a small cache, which at millions of keys went back and forth on
	// disk for many minutes, where a sort merges runs once. (WHERE true
	// tells SQLite's parser that ON CONFLICT belongs to the INSERT.)
	if _, err := q.ExecContext(ctx, `INSERT INTO duplicate_keys (workspace_id, object, key, record_id)
		SELECT CAST(? AS BIGINT), CAST(? AS TEXT), key, record_id FROM duplicate_keys_load WHERE true ORDER BY key, record_id
		ON CONFLICT DO NOTHING`, ws, k.object); err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `DROP TABLE duplicate_keys_load`); err != nil {
		return err
	}
	for _, create := range rebuild {
		if _, err := q.ExecContext(ctx, create); err != nil {
			return err
		}
	}
	// The tables just changed wholesale: without fresh statistics the
	// planners take them for empty and scan where they should seek.
	for _, table := range []string{"duplicate_keys", "duplicate_profiles"} {
		if _, err := q.ExecContext(ctx, `ANALYZE `+table); err != nil {
			return err
		}
	}
	if err := s.setVersion(ctx, q, ws, k); err != nil {
		return err
	}
	_, err = s.rescore(ctx, q, ws, k)
	return err
}

// stageKeys writes the profiles of every record of k, and their keys, as
// they come, into a temporary table without an index, for rebuildKind to
// insert in key order: the database sorts them, on disk when they are
// many, where a rebuild that sorted them in memory held some 300 MB at a
// million records. It returns how many keys it staged.
func (s *Service) stageKeys(ctx context.Context, q store.Querier, ws int64, k *kind) (int, error) {
	if _, err := q.ExecContext(ctx, `DROP TABLE IF EXISTS duplicate_keys_load`); err != nil {
		return 0, err
	}
	if _, err := q.ExecContext(ctx, `CREATE TEMPORARY TABLE duplicate_keys_load (key TEXT NOT NULL, record_id BIGINT NOT NULL)`); err != nil {
		return 0, err
	}
	var all []blockKey
	n := 0
	for last := int64(0); ; {
		entries, err := s.load(ctx, q, ws, k, "id > ? ORDER BY id LIMIT "+strconv.Itoa(rebuildBatch), last)
		if err != nil {
			return 0, err
		}
		if err := insertRowsTo(ctx, q, ws, k, entries, &all); err != nil {
			return 0, err
		}
		staged := &inserter{q: q, table: "duplicate_keys_load (key, record_id)", width: 2}
		for _, bk := range all {
			if err := staged.add(ctx, bk.key, bk.id); err != nil {
				return 0, err
			}
		}
		if err := staged.flush(ctx); err != nil {
			return 0, err
		}
		n += len(all)
		all = all[:0]
		if len(entries) < rebuildBatch {
			return n, nil
		}
		last = entries[len(entries)-1].id
	}
}

// stored is a record's profile as the store keeps it.
type stored struct {
	id    int64
	owner string
	rec   linkage.Record
	prof  *linkage.Profile
}

// loadProfiles reads the profiles of the live records of k among ids.
func (s *Service) loadProfiles(ctx context.Context, q store.Querier, ws int64, k *kind, ids []int64) ([]stored, error) {
	var out []stored
	for start := 0; start < len(ids); start += batch {
		marks, args := store.List(ids[start:min(start+batch, len(ids))])
		rows, err := q.QueryContext(ctx, `SELECT record_id, owner_id, profile FROM duplicate_profiles
			WHERE workspace_id = ? AND object = ? AND record_id IN (`+marks+`)`, append([]any{ws, k.object}, args...)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var r stored
			var owner *int64
			var text string
			if err := rows.Scan(&r.id, &owner, &text); err != nil {
				rows.Close()
				return nil, err
			}
			if owner != nil {
				r.owner = strconv.FormatInt(*owner, 10)
			}
			r.rec, _ = linkage.ReadRecord(text) // a damaged row matches nothing
			r.prof = linkage.Prepare(r.rec)
			out = append(out, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

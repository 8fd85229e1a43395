package duplicate

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/store"
)

// kind says how the records of one object are read for matching.
type kind struct {
	object string // the engine's name, e.g. "contact"
	plural string
	table  string
	name   string // SQL expression of the record's name
	// nameFields are the fields the name is made of, which a role may hide.
	nameFields []string
}

var (
	contacts = &kind{object: "contact", plural: "contacts", table: "contacts",
		name:       "coalesce(full_name, trim(coalesce(first_name, '') || ' ' || coalesce(last_name, '')))",
		nameFields: []string{"full_name", "first_name", "last_name"}}
	companies = &kind{object: "company", plural: "companies", table: "companies", name: "name",
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
	cand  Candidate
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
// ORDER BY and LIMIT), with a contact's companies.
func (s *Service) load(ctx context.Context, q store.Querier, ws int64, k *kind, cond string, args ...any) ([]entry, error) {
	d := s.db.Dialect
	rows, err := q.QueryContext(ctx, `SELECT id, owner_id, `+k.name+`, `+d.JSONOut("emails")+`, `+d.JSONOut("phones")+`, `+
		d.JSONOut("address")+` FROM `+k.table+` WHERE workspace_id = ? AND deleted_at IS NULL AND `+cond,
		append([]any{ws}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []entry
	for rows.Next() {
		var e entry
		var owner *int64
		var name, emails, phones, address *string
		if err := rows.Scan(&e.id, &owner, &name, &emails, &phones, &address); err != nil {
			return nil, err
		}
		if owner != nil {
			e.owner = strconv.FormatInt(*owner, 10)
		}
		e.cand = Candidate{ID: strconv.FormatInt(e.id, 10), Name: deref(name), Emails: itemValues(emails),
			Phones: itemValues(phones), Address: addressLine(address)}
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

// loadCompanies fills the companies of contacts, by id: two contacts at
// one company share its id, whatever its name.
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
	// company, whichever record of it survives.
	rows, err := q.QueryContext(ctx, `SELECT contact_id, company_id FROM contact_companies
		WHERE workspace_id = ? AND contact_id IN (`+marks+`)`, append([]any{ws}, args...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var contact, company int64
		if err := rows.Scan(&contact, &company); err != nil {
			return err
		}
		e := byID[contact]
		e.cand.Companies = append(e.cand.Companies, strconv.FormatInt(company, 10))
	}
	return rows.Err()
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
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

// addressLine joins the parts of a stored address that tell a place.
func addressLine(text *string) string {
	if text == nil {
		return ""
	}
	var a map[string]string
	json.Unmarshal([]byte(*text), &a)
	return strings.TrimSpace(a["street"] + ", " + a["postal_code"] + " " + a["city"])
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
// in q: a deleted or purged record keeps none.
func (s *Service) refresh(ctx context.Context, q store.Querier, ws int64, k *kind, ids []string) error {
	nums := parseIDs(ids)
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
	entries, err := s.loadIDs(ctx, q, ws, k, nums)
	if err != nil {
		return err
	}
	return insertRows(ctx, q, ws, k, entries)
}

// keysPerInsert bounds one INSERT, well within both databases' limits on
// bound parameters.
const keysPerInsert = 1000

// insertRows stores the keys and profiles of entries.
func insertRows(ctx context.Context, q store.Querier, ws int64, k *kind, entries []entry) error {
	keys := &inserter{q: q, table: "duplicate_keys (workspace_id, object, key, record_id)", width: 4}
	profiles := &inserter{q: q, table: "duplicate_profiles (workspace_id, object, record_id, owner_id, profile)", width: 5}
	for _, e := range entries {
		p := newProfile(e.cand)
		var owner any
		if e.owner != "" {
			owner = e.owner
		}
		if err := profiles.add(ctx, ws, k.object, e.id, owner, p.encode()); err != nil {
			return err
		}
		for _, key := range p.keys() {
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

// Rebuild recomputes the keys and profiles of every contact and company of workspace
// ws, in one transaction (the caller's, when ctx carries one). Bulk
// loaders that write records without the engine call it afterwards.
func (s *Service) Rebuild(ctx context.Context, ws int64) error {
	return s.db.Tx(ctx, func(q store.Querier) error {
		for _, table := range []string{"duplicate_keys", "duplicate_profiles"} {
			if _, err := q.ExecContext(ctx, `DELETE FROM `+table+` WHERE workspace_id = ?`, ws); err != nil {
				return err
			}
		}
		for _, k := range []*kind{contacts, companies} {
			for last := int64(0); ; {
				entries, err := s.load(ctx, q, ws, k, "id > ? ORDER BY id LIMIT "+strconv.Itoa(rebuildBatch), last)
				if err != nil {
					return err
				}
				if err := insertRows(ctx, q, ws, k, entries); err != nil {
					return err
				}
				if len(entries) < rebuildBatch {
					break
				}
				last = entries[len(entries)-1].id
			}
		}
		// The tables just changed wholesale: without fresh statistics the
		// planners take them for empty and scan where they should seek.
		_, err := q.ExecContext(ctx, `ANALYZE duplicate_keys`)
		if err == nil {
			_, err = q.ExecContext(ctx, `ANALYZE duplicate_profiles`)
		}
		return err
	})
}

// stored is a record's profile as the store keeps it.
type stored struct {
	id    int64
	owner string
	prof  profile
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
			r.prof = decodeProfile(text)
			out = append(out, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

package search

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// Caller is what a phone number leads to: the contacts and companies that
// have it, their open deals and the latest activity about them.
type Caller struct {
	Number       string         `json:"number"`
	Valid        bool           `json:"valid"`
	Contacts     []CallerRecord `json:"contacts"`
	Companies    []CallerRecord `json:"companies"`
	Deals        []CallerDeal   `json:"deals"`
	LastActivity *LastActivity  `json:"last_activity"`
}

// CallerRecord is a contact or company found by its number. Companies of a
// contact are its companies the actor may read.
type CallerRecord struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	FullName  string     `json:"full_name,omitempty"`
	Emails    []string   `json:"emails"`
	Phones    []string   `json:"phones"`
	OwnerID   string     `json:"owner_id,omitempty"`
	Companies []LinkName `json:"companies,omitempty"`
}

// LinkName names a linked record.
type LinkName struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// CallerDeal is an open deal of a caller.
type CallerDeal struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Status    string `json:"status,omitempty"`
	StageID   string `json:"stage_id,omitempty"`
	CompanyID string `json:"company_id,omitempty"`
	OwnerID   string `json:"owner_id,omitempty"`
	CreatedAt string `json:"created_at"`
}

// LastActivity is the latest task, note, call or meeting about a caller.
type LastActivity struct {
	ID         string `json:"id"`
	Kind       string `json:"kind"`
	At         string `json:"at"`
	Title      string `json:"title,omitempty"`
	Body       string `json:"body,omitempty"`
	Direction  string `json:"direction,omitempty"`
	RecordType string `json:"record_type"`
	RecordID   string `json:"record_id"`
}

// Lookup limits.
const (
	maxCallers   = 10 // contacts, and companies, shown for one number
	maxOpenDeals = 10
)

// Lookup finds who a phone number belongs to. number may be in any common
// format; one without a country code is read in the service's region.
// An empty number is invalid input; one that is not a phone number answers
// valid: false with nothing found.
func (s *Service) Lookup(ctx context.Context, number string) (*Caller, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	number = strings.TrimSpace(number)
	if number == "" {
		return nil, fault.Field("number", "required", "is required")
	}
	if runeLen(number) > 64 {
		return nil, fault.Field("number", "too_long", "must be at most 64 characters")
	}
	c := &Caller{Number: number, Contacts: []CallerRecord{}, Companies: []CallerRecord{}, Deals: []CallerDeal{}}
	e164, ok := s.normalize(number, s.region(ctx, a.WorkspaceID))
	if !ok {
		return c, nil
	}
	c.Number, c.Valid = e164, true
	sc, err := s.scopes(ctx, a, indexed)
	if err != nil {
		return nil, err
	}
	l := lookup{s: s, q: s.db.Reader(), ws: a.WorkspaceID, scopes: map[string]scope{}, hidden: map[string]map[string]bool{}}
	for _, grant := range []string{"contact", "company", "deal", "task", "activity"} {
		rules, err := s.engine.Policy().Fields(ctx, a, grant)
		if err != nil {
			return nil, err
		}
		l.hidden[grant] = map[string]bool{}
		for name, r := range rules {
			l.hidden[grant][name] = r == access.FieldHidden
		}
	}
	for _, x := range sc {
		// A role that hides phones, e-mails or links of an object gets
		// none of its records from a lookup, which shows those fields.
		if !x.nameOnly {
			l.scopes[x.object] = x
		}
	}
	if err := l.callers(ctx, c, reverse(digits(e164))); err != nil {
		return nil, err
	}
	if c.Deals, err = l.openDeals(ctx, c); err != nil {
		return nil, err
	}
	c.LastActivity, err = l.lastActivity(ctx, a, c)
	return c, err
}

// normalize reads number as E.164, trying 00 as the international prefix
// when the region's own prefix is another (the US dial 011).
func (s *Service) normalize(number, region string) (string, bool) {
	if e164, ok := records.NormalizePhone(number, region); ok {
		return e164, true
	}
	if t := strings.TrimLeft(number, " "); strings.HasPrefix(t, "00") {
		return records.NormalizePhone("+"+t[2:], region)
	}
	return "", false
}

// lookup is one Lookup under way.
type lookup struct {
	s      *Service
	q      store.Querier
	ws     int64
	scopes map[string]scope           // by object; missing means none readable
	hidden map[string]map[string]bool // by grant: the fields the actor's role hides
}

// shown returns v, or "" when the actor's role hides field of the records
// governed by grant.
func (l *lookup) shown(grant, field, v string) string {
	if l.hidden[grant][field] {
		return ""
	}
	return v
}

// owned is the condition keeping the rows of alias t within the actor's
// scope of object, with its arguments.
func (l *lookup) owned(object, t string) (string, []any, bool) {
	sc, ok := l.scopes[object]
	if !ok {
		return "", nil, false
	}
	if sc.all {
		return "", nil, true
	}
	marks, args := store.List(sc.owners)
	return " AND " + t + ".owner_id IN (" + marks + ")", args, true
}

// callers fills the contacts and companies whose numbers are rev
// reversed, read from the records themselves so that they are current.
func (l *lookup) callers(ctx context.Context, c *Caller, rev string) error {
	ids := map[string][]int64{}
	rows, err := l.q.QueryContext(ctx, `SELECT object, record_id FROM search_phones WHERE workspace_id = ? AND reversed = ?
		ORDER BY object, record_id`, l.ws, rev)
	if err != nil {
		return err
	}
	for rows.Next() {
		var object string
		var id int64
		if err := rows.Scan(&object, &id); err != nil {
			rows.Close()
			return err
		}
		ids[object] = append(ids[object], id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if c.Contacts, err = l.records(ctx, "contact", ids["contact"]); err != nil {
		return err
	}
	if c.Companies, err = l.records(ctx, "company", ids["company"]); err != nil {
		return err
	}
	return l.contactCompanies(ctx, c.Contacts)
}

// records reads the live contacts or companies among ids that the actor
// may read.
func (l *lookup) records(ctx context.Context, object string, ids []int64) ([]CallerRecord, error) {
	out := []CallerRecord{}
	scope, args, ok := l.owned(object, "r")
	if !ok || len(ids) == 0 {
		return out, nil
	}
	d := l.s.db.Dialect
	name, table := "r.full_name", "contacts"
	if object == "company" {
		name, table = "r.name", "companies"
	}
	marks, idArgs := store.List(ids)
	rows, err := l.q.QueryContext(ctx, `SELECT r.id, `+name+`, `+d.JSONOut("r.emails")+`, `+d.JSONOut("r.phones")+`, r.owner_id
		FROM `+table+` r WHERE r.workspace_id = ? AND r.id IN (`+marks+`) AND r.deleted_at IS NULL`+scope+`
		ORDER BY r.id LIMIT `+strconv.Itoa(maxCallers), append(append([]any{l.ws}, idArgs...), args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var owner *int64
		var nm, emails, phones *string
		if err := rows.Scan(&id, &nm, &emails, &phones, &owner); err != nil {
			return nil, err
		}
		r := CallerRecord{ID: strconv.FormatInt(id, 10), Name: deref(nm), Emails: values(emails), Phones: values(phones)}
		if object == "contact" {
			r.FullName, r.Companies = r.Name, []LinkName{}
		}
		if owner != nil {
			r.OwnerID = l.shown(object, "owner_id", strconv.FormatInt(*owner, 10))
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// values returns the values of a JSON list of e-mails or phones.
func values(raw *string) []string {
	out := []string{}
	if raw == nil {
		return out
	}
	var items []records.Item
	if json.Unmarshal([]byte(*raw), &items) == nil {
		for _, it := range items {
			out = append(out, it.Value)
		}
	}
	return out
}

// contactCompanies fills the companies of each contact that the actor may
// read.
func (l *lookup) contactCompanies(ctx context.Context, contacts []CallerRecord) error {
	scope, args, ok := l.owned("company", "co")
	if !ok || len(contacts) == 0 {
		return nil
	}
	byID := map[string]*CallerRecord{}
	ids := make([]string, len(contacts))
	for i := range contacts {
		byID[contacts[i].ID], ids[i] = &contacts[i], contacts[i].ID
	}
	marks, idArgs := store.List(toInts(ids))
	rows, err := l.q.QueryContext(ctx, `SELECT cc.contact_id, co.id, co.name FROM contact_companies cc
		JOIN companies co ON co.workspace_id = cc.workspace_id AND co.id = cc.company_id AND co.deleted_at IS NULL`+scope+`
		WHERE cc.workspace_id = ? AND cc.contact_id IN (`+marks+`) ORDER BY cc.contact_id, co.name, co.id`,
		append(append(args, l.ws), idArgs...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var contact, company int64
		var name *string
		if err := rows.Scan(&contact, &company, &name); err != nil {
			return err
		}
		r := byID[strconv.FormatInt(contact, 10)]
		r.Companies = append(r.Companies, LinkName{ID: strconv.FormatInt(company, 10), Name: deref(name)})
	}
	return rows.Err()
}

func toInts(ids []string) []int64 {
	out := make([]int64, 0, len(ids))
	for _, s := range ids {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// openDeals returns the open deals of the callers' contacts and companies
// (the companies found by number and those of the contacts), newest
// first.
func (l *lookup) openDeals(ctx context.Context, c *Caller) ([]CallerDeal, error) {
	out := []CallerDeal{}
	scope, args, ok := l.owned("deal", "d")
	var contacts, companies []string
	for _, r := range c.Contacts {
		contacts = append(contacts, r.ID)
		for _, co := range r.Companies {
			companies = append(companies, co.ID)
		}
	}
	for _, r := range c.Companies {
		companies = append(companies, r.ID)
	}
	if !ok || len(contacts)+len(companies) == 0 {
		return out, nil
	}
	// Each way to a deal is its own indexed lookup; an OR of the two would
	// read every deal of the workspace.
	var of []string
	var ofArgs []any
	if len(companies) > 0 {
		marks, ids := store.List(toInts(companies))
		of = append(of, "SELECT id FROM deals WHERE workspace_id = ? AND company_id IN ("+marks+") AND deleted_at IS NULL")
		ofArgs = append(append(ofArgs, l.ws), ids...)
	}
	if len(contacts) > 0 {
		marks, ids := store.List(toInts(contacts))
		of = append(of, "SELECT deal_id AS id FROM deal_contacts WHERE workspace_id = ? AND contact_id IN ("+marks+")")
		ofArgs = append(append(ofArgs, l.ws), ids...)
	}
	rows, err := l.q.QueryContext(ctx, `SELECT d.id, d.title, d.status, d.stage_id, d.company_id, d.owner_id, d.created_at
		FROM (`+strings.Join(of, " UNION ")+`) m JOIN deals d ON d.workspace_id = ? AND d.id = m.id
		WHERE d.deleted_at IS NULL AND d.status = 'open'`+scope+`
		ORDER BY d.created_at DESC, d.id DESC LIMIT `+strconv.Itoa(maxOpenDeals), append(append(ofArgs, l.ws), args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var title, status *string
		var stage, company, owner *int64
		var created any
		if err := rows.Scan(&id, &title, &status, &stage, &company, &owner, &created); err != nil {
			return nil, err
		}
		at, _ := store.ParseTime(created)
		out = append(out, CallerDeal{ID: strconv.FormatInt(id, 10), Title: deref(title), Status: l.shown("deal", "status", deref(status)),
			StageID: l.shown("deal", "stage_id", idText(stage)), CompanyID: l.shown("deal", "company_id", idText(company)),
			OwnerID: l.shown("deal", "owner_id", idText(owner)), CreatedAt: records.FormatTime(at)})
	}
	return out, rows.Err()
}

func idText(id *int64) string {
	if id == nil {
		return ""
	}
	return strconv.FormatInt(*id, 10)
}

// lastActivity returns the latest activity about the callers that the
// actor may read: one indexed seek per record and kind of grant, newest
// first along activities_record.
func (l *lookup) lastActivity(ctx context.Context, a access.Actor, c *Caller) (*LastActivity, error) {
	var about []struct{ typ, id string }
	for _, r := range c.Contacts {
		about = append(about, struct{ typ, id string }{"contact", r.ID})
	}
	for _, r := range c.Companies {
		about = append(about, struct{ typ, id string }{"company", r.ID})
	}
	kinds, args, err := l.activityScope(ctx, a)
	if err != nil || kinds == "" {
		return nil, err
	}
	var best *LastActivity
	for _, r := range about {
		act, err := l.latest(ctx, r.typ, r.id, kinds, args)
		if err != nil {
			return nil, err
		}
		if act != nil && (best == nil || act.At > best.At) {
			best = act
		}
	}
	return best, nil
}

// activityScope is the condition on the kinds and owners of the
// activities the actor may read: tasks have a grant of their own, the
// notes, calls and meetings share one.
func (l *lookup) activityScope(ctx context.Context, a access.Actor) (string, []any, error) {
	var conds []string
	var args []any
	for _, group := range [][]string{{"task"}, {"note", "call", "meeting"}} {
		// An activity whose moment the role hides is left out: the
		// latest one would tell when it happened.
		var kinds []string
		for _, k := range group {
			if !l.momentHidden(k) {
				kinds = append(kinds, k)
			}
		}
		if len(kinds) == 0 {
			continue
		}
		obj := l.s.engine.Object(kinds[0])
		rs, err := l.s.engine.Policy().Restrict(ctx, a, obj.Grant())
		if err != nil {
			return "", nil, err
		}
		sc, ok := scopeOf(kinds[0], rs)
		if !ok {
			continue
		}
		c := "a.kind IN ('" + strings.Join(kinds, "', '") + "')"
		if !sc.all {
			marks, ids := store.List(sc.owners)
			c += " AND a.owner_id IN (" + marks + ")"
			args = append(args, ids...)
		}
		conds = append(conds, "("+c+")")
	}
	if len(conds) == 0 {
		return "", nil, nil
	}
	return "(" + strings.Join(conds, " OR ") + ")", args, nil
}

// momentHidden reports whether the actor's role hides the field that the
// moment of an activity of kind (its occurred_at) is derived from.
func (l *lookup) momentHidden(kind string) bool {
	obj := l.s.engine.Object(kind)
	for _, from := range obj.Field("occurred_at").DerivedFrom {
		if l.hidden[obj.Grant()][from] {
			return true
		}
	}
	return false
}

// latest returns the newest readable activity about one record, or nil.
func (l *lookup) latest(ctx context.Context, typ, id, kinds string, args []any) (*LastActivity, error) {
	rows, err := l.q.QueryContext(ctx, `SELECT a.id, a.kind, a.occurred_at, a.title, a.body, a.direction FROM activities a
		WHERE a.workspace_id = ? AND a.record_type = ? AND a.record_id = ? AND a.deleted_at IS NULL AND a.occurred_at IS NOT NULL AND `+kinds+`
		ORDER BY a.occurred_at DESC, a.id DESC LIMIT 1`, append([]any{l.ws, typ, id}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		return nil, rows.Err()
	}
	var actID int64
	var at any
	var title, body, direction *string
	act := &LastActivity{RecordType: typ, RecordID: id}
	if err := rows.Scan(&actID, &act.Kind, &at, &title, &body, &direction); err != nil {
		return nil, err
	}
	t, _ := store.ParseTime(at)
	act.ID, act.At = strconv.FormatInt(actID, 10), records.FormatTime(t)
	grant := l.s.engine.Object(act.Kind).Grant()
	act.Title, act.Body = l.shown(grant, "title", deref(title)), l.shown(grant, "body", deref(body))
	act.Direction = l.shown(grant, "direction", deref(direction))
	return act, rows.Err()
}

// region is the workspace's country for phone numbers, as the engine reads
// them, or the service's own when neither the workspace nor the server
// names one.
func (s *Service) region(ctx context.Context, ws int64) string {
	if r := s.engine.PhoneRegion(ctx, ws); r != "" {
		return r
	}
	return s.opts.PhoneRegion
}

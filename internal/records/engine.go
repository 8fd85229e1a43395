package records

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/input"
	"github.com/rapport-crm/rapport/internal/store"
)

// Record is one record as the API shows it: field name to value, with "id"
// and "version" always present.
type Record map[string]any

// Engine runs every operation on records. It is safe for concurrent use.
type Engine struct {
	db      *store.DB
	policy  access.Policy // given, with the rule of derived fields (see derivedRules)
	given   access.Policy // as given
	log     *slog.Logger
	objects map[string]*Object   // by singular and plural name
	byGrant map[string][]*Object // the standard objects, by the grant that governs them
	norm    normalizer           // with the server's phone region; see PhoneRegion
	regions regions
	schemas schemas
	hooks   map[string][]Hook // by object name
	lists   listCache
	now     func() time.Time
	// driveLimit and window bound the work of a list (plan.go).
	driveLimit int
	window     int
	// built says that the field index builder wrote rows that the
	// database's statistics have not seen yet (fieldindex.go).
	built atomic.Bool
}

// Options configure an Engine.
type Options struct {
	Policy access.Policy // nil means access.AllowAll
	Logger *slog.Logger
	// PhoneRegion is the country assumed for phone numbers typed without a
	// country code, as an ISO 3166 code; "" requires the code.
	PhoneRegion string
	// DriveLimit is the most records a list reads by id when an index
	// finds them, and Window the most index entries it walks for one page
	// (plan.go); zero means DefaultDriveLimit and DefaultWindow.
	DriveLimit int
	Window     int
}

// New returns an engine over db for the standard objects.
func New(db *store.DB, opts Options) *Engine {
	if opts.Policy == nil {
		opts.Policy = access.AllowAll{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	e := &Engine{db: db, policy: opts.Policy, log: opts.Logger, objects: map[string]*Object{},
		norm: normalizer{region: opts.PhoneRegion}, regions: regions{byWS: map[int64]regionEntry{}}, schemas: schemas{byKey: map[string]*schema{}},
		hooks: map[string][]Hook{}, lists: listCache{byWS: map[int64]map[string]*Object{}}, now: time.Now,
		driveLimit: opts.DriveLimit, window: opts.Window}
	if e.driveLimit <= 0 {
		e.driveLimit = DefaultDriveLimit
	}
	if e.window <= 0 {
		e.window = DefaultWindow
	}
	for _, o := range StandardObjects() {
		e.objects[o.Name] = o
		e.objects[o.Plural] = o
	}
	e.byGrant = map[string][]*Object{}
	for _, o := range e.Objects() {
		e.byGrant[o.Grant()] = append(e.byGrant[o.Grant()], o)
	}
	e.given, e.policy = opts.Policy, derivedRules{Policy: opts.Policy, e: e}
	return e
}

// Policy returns the permission policy the engine consults: the one it
// was given, whose field rules also hide every field derived from a hidden
// one (see Field.DerivedFrom). Its Unwrap method returns the policy as
// given.
func (e *Engine) Policy() access.Policy { return e.policy }

// Objects returns the objects the engine knows, each once, in name order.
func (e *Engine) Objects() []*Object {
	var out []*Object
	for k, o := range e.objects {
		if k == o.Plural {
			out = append(out, o)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (e *Engine) objectNames() []string {
	var names []string
	for _, o := range e.Objects() {
		names = append(names, o.Plural)
	}
	return names
}

// begin resolves the actor and the object of an operation.
func (e *Engine) begin(ctx context.Context, object string) (access.Actor, *Object, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return a, nil, err
	}
	obj := e.objects[object]
	if obj == nil {
		if obj, err = e.list(ctx, a.WorkspaceID, object); err != nil {
			return a, nil, err
		}
	}
	if obj == nil {
		return a, nil, fault.Errorf(fault.ENOTFOUND, "there is no object called %q; objects are %s and the workspace's lists", object, strings.Join(e.objectNames(), ", "))
	}
	return a, obj, nil
}

// parseID reads a record id in its one canonical form: "03" and "+3" name
// nothing, so that no record answers to two paths.
func parseID(s string) (int64, error) {
	id, ok := input.ID(s)
	if !ok {
		return 0, errors.New("not an id")
	}
	return id, nil
}

func formatID(id int64) string { return strconv.FormatInt(id, 10) }

func notFound(obj *Object, id string) error {
	return fault.Errorf(fault.ENOTFOUND, "no %s with id %q", obj.Name, id)
}

// columns is the SELECT list for obj's table, in the order scanRecord
// reads it.
func (e *Engine) columns(obj *Object) string {
	return e.columnsOf(everyColumn(obj))
}

// reading is what a read takes of each record besides its id, version
// and times: the standard fields' columns, and the custom fields or not.
type reading struct {
	fields []*Field // with a column each, in the order they are selected
	custom bool
	// text keeps the standard fields stored as JSON as their text
	// (JSONText), for an export that turns them into cells itself.
	text bool
}

// everyColumn reads every field of obj.
func everyColumn(obj *Object) reading {
	r := reading{custom: true}
	for _, f := range obj.Fields {
		if f.column != "" {
			r.fields = append(r.fields, f)
		}
	}
	return r
}

// columnsOf is the SELECT list of r, in the order a rowReader reads it.
func (e *Engine) columnsOf(r reading) string {
	d := e.db.Dialect
	cols := []string{"id", "version"}
	for _, f := range r.fields {
		if jsonStored(f.Type) {
			cols = append(cols, d.JSONOut(f.column))
		} else {
			cols = append(cols, f.column)
		}
	}
	custom := "NULL"
	if r.custom {
		custom = d.JSONOut("custom")
	}
	cols = append(cols, custom, "created_at", "updated_at", "deleted_at")
	return strings.Join(cols, ", ")
}

// jsonStored reports whether a standard column of type t holds JSON.
func jsonStored(t Type) bool {
	switch t {
	case Money, MultiSelect, Email, Phone, URLs, Tags, Address, LineItems:
		return true
	}
	return false
}

type scanner interface{ Scan(dest ...any) error }

// scanRecord reads one row selected with columns(obj).
func (e *Engine) scanRecord(s *schema, row scanner, extra ...any) (Record, error) {
	return e.rowReader(s, everyColumn(s.obj), extra...).scan(row)
}

// rowReader reads the rows of one query selected with columnsOf(r), and
// then extra columns, reusing its buffers from row to row.
type rowReader struct {
	s       *schema
	r       reading
	id, ver int64
	vals    []any // the fields' columns, then custom, created, updated, deleted
	dest    []any
}

func (e *Engine) rowReader(s *schema, r reading, extra ...any) *rowReader {
	rr := &rowReader{s: s, r: r, vals: make([]any, len(r.fields)+4)}
	rr.dest = append(rr.dest, &rr.id, &rr.ver)
	for i := range rr.vals {
		rr.dest = append(rr.dest, &rr.vals[i])
	}
	rr.dest = append(rr.dest, extra...)
	return rr
}

// scan reads one row.
func (rr *rowReader) scan(row scanner) (Record, error) {
	s, r, obj := rr.s, rr.r, rr.s.obj
	if err := row.Scan(rr.dest...); err != nil {
		return nil, err
	}
	n := len(r.fields)
	vals, custom, created, updated, deleted := rr.vals[:n], rr.vals[n], rr.vals[n+1], rr.vals[n+2], rr.vals[n+3]
	// Sized for every field at once: a map grown key by key rehashes
	// several times, for each of the thousands of records a list or a
	// sync reads.
	rec := make(Record, len(s.fields)+5)
	rec["id"], rec["version"] = formatID(rr.id), rr.ver
	for i, f := range r.fields {
		if r.text && jsonStored(f.Type) && vals[i] != nil {
			rec[f.Name] = jsonText(vals[i])
			continue
		}
		v, err := decodeColumn(f, vals[i])
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", obj.Plural, f.Name, err)
		}
		rec[f.Name] = v
	}
	if r.custom {
		cm, err := decodeJSON(custom)
		if err != nil {
			return nil, fmt.Errorf("%s.custom: %w", obj.Plural, err)
		}
		m, _ := cm.(map[string]any)
		for _, f := range s.fields {
			if f.Custom {
				rec[f.Name] = m[f.Name]
			}
		}
		// A value of a field that another process added after s was loaded.
		for k, v := range m {
			if s.field(k) == nil && !isSystem(k) {
				rec[k] = v
			}
		}
	}
	rec["created_at"] = timeValue(created)
	rec["updated_at"] = timeValue(updated)
	rec["deleted_at"] = timeValue(deleted)
	return rec, nil
}

func timeValue(v any) any {
	if v == nil {
		return nil
	}
	// SQLite holds times as text in the layout a record shows them in:
	// those need no parsing, which a long read would do millions of times.
	if t, ok := v.(string); ok && isTimeText(t) {
		return t
	}
	t, ok := store.ParseTime(v)
	if !ok {
		return nil
	}
	return formatTime(t)
}

// isTimeText reports whether t has the shape of store.TimeLayout, as
// formatTime writes it (the engine wrote every such value, so its digits
// make a valid time).
func isTimeText(t string) bool {
	const shape = "dddd-dd-ddTdd:dd:dd.ddddddZ"
	if len(t) != len(shape) {
		return false
	}
	for i := 0; i < len(shape); i++ {
		if c := t[i]; shape[i] == 'd' && (c < '0' || c > '9') || shape[i] != 'd' && c != shape[i] {
			return false
		}
	}
	return true
}

func decodeColumn(f *Field, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if jsonStored(f.Type) {
		return decodeJSON(v)
	}
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	switch {
	case f.Type == DateTime:
		return timeValue(v), nil
	case f.Type == Boolean:
		switch b := v.(type) {
		case int64:
			return b != 0, nil
		case bool:
			return b, nil
		}
		return nil, fmt.Errorf("unexpected boolean %T", v)
	case f.Type == Decimal:
		x, ok := Number(v)
		if !ok {
			return nil, fmt.Errorf("unexpected decimal %T", v)
		}
		return json.Number(strconv.FormatFloat(x, 'f', -1, 64)), nil
	case f.Type == User || f.Type == Relation:
		switch id := v.(type) {
		case int64:
			return formatID(id), nil
		case string:
			return id, nil
		}
		return nil, fmt.Errorf("unexpected id %T", v)
	}
	return v, nil
}

func decodeJSON(v any) (any, error) {
	var text string
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		text = x
	case []byte:
		text = string(x)
	default:
		return nil, fmt.Errorf("unexpected JSON value %T", v)
	}
	// Most JSON columns of most records are empty (no tags, no custom
	// fields): answer those without a decoder, which reading a long list
	// or an export does a million times.
	switch text {
	case "null":
		return nil, nil
	case "{}":
		return map[string]any{}, nil
	case "[]":
		return []any{}, nil
	}
	if out, ok := parseJSON(text); ok {
		return out, nil
	}
	return decodeJSONText([]byte(text))
}

// decodeJSONText decodes through encoding/json what parseJSON does not
// read itself.
func decodeJSONText(text []byte) (any, error) {
	// Without a number, json.Unmarshal reads the same value as a decoder
	// that keeps numbers as json.Number, at about half the allocations:
	// the JSON columns of most records (e-mail addresses, phones, an
	// address, tags) hold strings alone.
	if !hasNumber(text) {
		var out any
		if err := json.Unmarshal(text, &out); err == nil {
			return out, nil
		}
	}
	d := json.NewDecoder(bytes.NewReader(text))
	d.UseNumber()
	var out any
	if err := d.Decode(&out); err != nil {
		return nil, err
	}
	return out, nil
}

// hasNumber reports whether JSON text may hold a number: a digit or a
// minus sign outside its strings.
func hasNumber(text []byte) bool {
	inString := false
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case inString && c == '\\':
			i++ // the escaped character, a quote among them
		case c == '"':
			inString = !inString
		case !inString && (c == '-' || c >= '0' && c <= '9'):
			return true
		}
	}
	return false
}

// Get returns one record. A soft-deleted record is found only when
// withDeleted is set.
func (e *Engine) Get(ctx context.Context, object, id string, withDeleted bool) (Record, error) {
	ws, s, rec, err := e.readable(ctx, object, id, withDeleted)
	if err != nil {
		return nil, err
	}
	if err := e.loadLinks(ctx, e.db.Read(ctx), ws, s, []Record{rec}); err != nil {
		return nil, err
	}
	return s.redact(rec), nil
}

// Exists reports whether Get would find record id of object: not deleted,
// and one the actor may read. It reads no links and redacts nothing, for
// a hook that only checks a reference (an activity's record, for each row
// of an import).
func (e *Engine) Exists(ctx context.Context, object, id string) (bool, error) {
	_, _, _, err := e.readable(ctx, object, id, false)
	if fault.Is(err, fault.ENOTFOUND) {
		return false, nil
	}
	return err == nil, err
}

// readable reads record id of object, without links, for the actor's
// workspace ws through their view s. A deleted record (unless
// withDeleted) and one the actor may not read are reported as missing,
// so that guessing ids reveals nothing.
func (e *Engine) readable(ctx context.Context, object, id string, withDeleted bool) (ws int64, s *schema, rec Record, err error) {
	a, obj, err := e.begin(ctx, object)
	if err != nil {
		return 0, nil, nil, err
	}
	if s, err = e.view(ctx, a, obj); err != nil {
		return 0, nil, nil, err
	}
	if rec, err = e.load(ctx, e.db.Read(ctx), a.WorkspaceID, s, id); err != nil {
		return 0, nil, nil, err
	}
	if rec["deleted_at"] != nil && !withDeleted {
		return 0, nil, nil, notFound(obj, id)
	}
	if err := e.policy.Authorize(ctx, a, obj.Grant(), access.Read, rec); err != nil {
		if fault.Is(err, fault.EFORBIDDEN) {
			return 0, nil, nil, notFound(obj, id)
		}
		return 0, nil, nil, err
	}
	return a.WorkspaceID, s, rec, nil
}

// load reads one record, deleted or not, without links.
func (e *Engine) load(ctx context.Context, q store.Querier, ws int64, s *schema, id string) (Record, error) {
	n, err := parseID(id)
	if err != nil {
		return nil, notFound(s.obj, id)
	}
	row := q.QueryRowContext(ctx, `SELECT `+e.columns(s.obj)+` FROM `+s.obj.Table()+
		` WHERE workspace_id = ? AND id = ?`+s.obj.only(""), ws, n)
	rec, err := e.scanRecord(s, row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(s.obj, id)
	}
	return rec, err
}

// loadLinks fills the Relations fields of recs with one query per field,
// showing only the linked records the actor may read.
func (e *Engine) loadLinks(ctx context.Context, q store.Querier, ws int64, s *schema, recs []Record) error {
	return e.loadLinksOf(ctx, q, ws, s, recs, s.obj.Fields)
}

// idsOf is the condition that column is one of ids: the range from the
// least to the greatest when ids fill most of it (the pages of a list in
// id order, an export's), which the database walks in one pass of its
// index rather than looking each id up.
func idsOf(b *sqlb, column string, ids []int64) string {
	lo, hi := slices.Min(ids), slices.Max(ids)
	if hi-lo < int64(2*len(ids)) && len(ids) > 1 {
		return column + " BETWEEN " + b.arg(lo) + " AND " + b.arg(hi)
	}
	marks := make([]string, len(ids))
	for i, n := range ids {
		marks[i] = b.arg(n)
	}
	return column + " IN (" + strings.Join(marks, ", ") + ")"
}

// linkScopeSQL is the condition, starting with " AND ", that keeps the
// linked records of target (aliased t) within the actor's scope, or "".
func (e *Engine) linkScopeSQL(b *sqlb, s *schema, target *Object) string {
	if cond := e.restriction(b, target, "t", s.scopes[target.Name]); cond != "" {
		return " AND " + cond
	}
	return ""
}

// loadLinksOf fills those of fields that are Relations fields the actor
// sees.
func (e *Engine) loadLinksOf(ctx context.Context, q store.Querier, ws int64, s *schema, recs []Record, fields []*Field) error {
	return e.linksOf(ctx, q, ws, s, recs, fields, nil)
}

// linkRow is one row of a link table: the record, the one it links to and
// the link's role.
type linkRow struct {
	self, other int64
	role        string
}

// linksOf fills those of fields that are Relations fields the actor sees.
// Without targets, each link is joined to the record it links to, to leave
// out the deleted ones and those beyond the actor's scope; with targets,
// the links are read from their table alone and targets decides.
func (e *Engine) linksOf(ctx context.Context, q store.Querier, ws int64, s *schema, recs []Record, fields []*Field, targets *linkTargets) error {
	if len(recs) == 0 {
		return nil
	}
	for _, f := range fields {
		if f.link == nil || s.hidden[f.Name] {
			continue
		}
		target := e.objects[f.Target]
		byID := make(map[int64]Record, len(recs))
		ids := make([]int64, len(recs))
		for i, r := range recs {
			ids[i], _ = parseID(r["id"].(string))
			byID[ids[i]] = r
			r[f.Name] = []LinkRef{}
		}
		links, err := e.readLinks(ctx, q, ws, s, f, target, ids, targets == nil)
		if err != nil {
			return fmt.Errorf("load %s: %w", f.Name, err)
		}
		if targets != nil {
			if links, err = targets.keep(ctx, q, f, target, links); err != nil {
				return fmt.Errorf("load %s: %w", f.Name, err)
			}
		}
		for _, l := range links {
			if r := byID[l.self]; r != nil { // a range holds other records too
				r[f.Name] = append(r[f.Name].([]LinkRef), LinkRef{ID: formatID(l.other), Role: l.role})
			}
		}
	}
	return nil
}

// readLinks reads the links of field f from the records ids, in order;
// joined, only those to live records of target in the actor's scope.
func (e *Engine) readLinks(ctx context.Context, q store.Querier, ws int64, s *schema, f *Field, target *Object, ids []int64, joined bool) ([]linkRow, error) {
	b := &sqlb{d: e.db.Dialect}
	b.arg(ws)
	query := `SELECT l.` + f.link.self + `, l.` + f.link.other + `, l.` + f.link.extra + ` FROM ` + f.link.table + ` l`
	where := ` WHERE l.workspace_id = ? AND ` + idsOf(b, "l."+f.link.self, ids)
	if joined {
		query += ` JOIN ` + target.Table() + ` t ON t.workspace_id = l.workspace_id AND t.id = l.` + f.link.other + target.only("t")
		where += ` AND t.deleted_at IS NULL` + e.linkScopeSQL(b, s, target)
	}
	rows, err := q.QueryContext(ctx, query+where+` ORDER BY l.`+f.link.self+`, l.`+f.link.other, b.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var links []linkRow
	for rows.Next() {
		var l linkRow
		if err := rows.Scan(&l.self, &l.other, &l.role); err != nil {
			return nil, err
		}
		links = append(links, l)
	}
	return links, rows.Err()
}

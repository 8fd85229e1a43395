package search

import (
	"context"
	"database/sql"
	"encoding/binary"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/store"
)

// Limits of a search.
const (
	DefaultLimit = 20
	MaxLimit     = 50
	// maxCandidates bounds the rows the full-text index hands over for
	// ranking, so that a prefix shared by most records costs no more than
	// a rare one.
	maxCandidates = 300
	// maxTruncated is the bound when a word was shortened to an indexed
	// prefix, as some candidates will then not match.
	maxTruncated = 1000
	// minPhoneDigits is the fewest digits a query needs to be matched
	// against the ends of phone numbers.
	minPhoneDigits = 3
	maxQuery       = 200
)

// Query is one global search.
type Query struct {
	Text    string
	Limit   int      // 0 means DefaultLimit
	Objects []string // some of contact, company, deal; none means all
}

// Hit is one record found.
type Hit struct {
	Object   string  `json:"object"`
	ID       string  `json:"id"`
	Title    string  `json:"title"`
	Subtitle string  `json:"subtitle"`
	Score    float64 `json:"score"`

	nameKey string
	text    string // the document's words, on SQLite, to check one-letter words
	phone   bool   // found by the end of one of its phone numbers
}

// Search returns the records of the acting workspace that match q and
// that the actor may read, best first.
func (s *Service) Search(ctx context.Context, q Query) ([]Hit, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	p, err := parse(q)
	if err != nil {
		return nil, err
	}
	sc, err := s.scopes(ctx, a, p.objects)
	if err != nil || len(sc) == 0 {
		return []Hit{}, err
	}
	p.ws, p.scopes = a.WorkspaceID, sc
	if p.tagWorkspace, err = s.spaces.several(ctx, s.db); err != nil {
		return nil, err
	}
	found := map[string]*Hit{}
	finders := []func(context.Context, *plan, map[string]*Hit) error{s.byName, s.byText, s.byPhone}
	for _, find := range finders {
		if err := find(ctx, p, found); err != nil {
			return nil, err
		}
	}
	if err := s.companiesInScope(ctx, a, p, found); err != nil {
		return nil, err
	}
	if err := s.withoutNames(ctx, p, found); err != nil {
		return nil, err
	}
	return rank(p, found), nil
}

// nameOnly is the set of objects whose records may be found by name alone.
func (p *plan) nameOnly() map[string]bool {
	out := map[string]bool{}
	for _, sc := range p.scopes {
		if sc.nameOnly {
			out[sc.object] = true
		}
	}
	return out
}

// plan is a parsed query with the actor's scopes.
type plan struct {
	words        []string // every word typed, normalised
	key          string   // the words joined, compared with names
	phone        string   // the digits, when the query may be a phone number
	limit        int
	objects      []string
	ws           int64
	scopes       []scope
	tagWorkspace bool // whether the text query must name the workspace
}

// parse checks q and normalises its words.
func parse(q Query) (*plan, error) {
	text := strings.TrimSpace(q.Text)
	if runeLen(text) < 2 {
		return nil, fault.Field("q", "too_short", "type at least 2 characters")
	}
	if runeLen(text) > maxQuery {
		return nil, fault.Field("q", "too_long", "must be at most %d characters", maxQuery)
	}
	p := &plan{words: words(text), limit: q.Limit}
	if len(p.words) == 0 {
		return nil, fault.Field("q", "no_words", "must contain letters or digits")
	}
	p.key = strings.Join(p.words, " ")
	p.phone, _ = phoneQuery(text)
	if len(p.phone) < minPhoneDigits {
		p.phone = ""
	}
	switch {
	case p.limit == 0:
		p.limit = DefaultLimit
	case p.limit < 1 || p.limit > MaxLimit:
		return nil, fault.Field("limit", "range", "must be between 1 and %d", MaxLimit)
	}
	for _, o := range q.Objects {
		if _, ok := objectCodes[o]; !ok {
			return nil, fault.Field("objects", "unknown", "%q is not searchable; use contact, company or deal", o)
		}
		if !slices.Contains(p.objects, o) {
			p.objects = append(p.objects, o)
		}
	}
	if len(p.objects) == 0 {
		p.objects = indexed
	}
	return p, nil
}

// scope is what the actor may read of one object: all of it, or the
// records of some owners.
type scope struct {
	object string
	all    bool
	owners []int64
	// nameOnly is set when the actor's role hides a field the index
	// searches besides the name: such records are found by their name
	// alone, and shown without the subtitle that may hold the field.
	nameOnly bool
}

// searched are the fields of each object whose words the index holds:
// the name first, then the rest.
var searched = map[string]struct{ name, rest []string }{
	"contact": {[]string{"full_name", "first_name", "last_name"}, []string{"emails", "phones", "companies"}},
	"company": {[]string{"name"}, []string{"domain", "emails", "phones"}},
	"deal":    {[]string{"title"}, []string{"company_id", "status"}},
}

// hiding reports whether rules hide any of fields.
func hiding(rules map[string]access.FieldRule, fields []string) bool {
	for _, f := range fields {
		if rules[f] == access.FieldHidden {
			return true
		}
	}
	return false
}

// scopes returns the actor's read scope of each object, leaving out the
// objects they may read nothing of.
func (s *Service) scopes(ctx context.Context, a access.Actor, objects []string) ([]scope, error) {
	var out []scope
	for _, name := range objects {
		obj := s.engine.Object(name)
		rs, err := s.engine.Policy().Restrict(ctx, a, obj.Grant())
		if err != nil {
			return nil, err
		}
		sc, ok := scopeOf(name, rs)
		if !ok {
			continue
		}
		rules, err := s.engine.Policy().Fields(ctx, a, obj.Grant())
		if err != nil {
			return nil, err
		}
		if hiding(rules, searched[name].name) {
			continue // a record whose name is hidden cannot be found by it
		}
		sc.nameOnly = hiding(rules, searched[name].rest)
		out = append(out, sc)
	}
	return out, nil
}

// scopeOf turns restrictions into a scope. Only owner restrictions can be
// applied to the index; any other fails closed.
func scopeOf(object string, rs []access.Restriction) (scope, bool) {
	sc := scope{object: object, all: true}
	for _, r := range rs {
		if r.Field != "owner_id" {
			return sc, false
		}
		var owners []int64
		for _, v := range r.In {
			if id, err := strconv.ParseInt(v, 10, 64); err == nil && (sc.all || slices.Contains(sc.owners, id)) {
				owners = append(owners, id)
			}
		}
		if len(owners) == 0 {
			return sc, false
		}
		sc.all, sc.owners = false, owners
	}
	return sc, true
}

// sqlScope is the condition that keeps rows of table alias t within the
// scopes, with its arguments. Object names are constants.
func sqlScope(t string, scopes []scope) (string, []any) {
	var conds []string
	var args []any
	for _, sc := range scopes {
		c := t + ".object = '" + sc.object + "'"
		if !sc.all {
			marks, ids := store.List(sc.owners)
			c += " AND " + t + ".owner_id IN (" + marks + ")"
			args = append(args, ids...)
		}
		conds = append(conds, "("+c+")")
	}
	return "(" + strings.Join(conds, " OR ") + ")", args
}

// byName finds the names that start with what was typed, in name order.
func (s *Service) byName(ctx context.Context, p *plan, found map[string]*Hit) error {
	cond, args := sqlScope("d", p.scopes)
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT d.object, d.record_id, d.title, d.subtitle, d.name_key FROM search_docs d
		WHERE d.workspace_id = ? AND d.name_key >= ? AND d.name_key < ? AND `+cond+`
		ORDER BY d.name_key LIMIT `+strconv.Itoa(p.limit), append([]any{p.ws, p.key, upper(p.key)}, args...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		h := &Hit{}
		var id int64
		if err := rows.Scan(&h.Object, &id, &h.Title, &h.Subtitle, &h.nameKey); err != nil {
			return err
		}
		h.ID = strconv.FormatInt(id, 10)
		keep(found, h)
	}
	return rows.Err()
}

// byPhone finds the phone numbers that end with the digits typed.
func (s *Service) byPhone(ctx context.Context, p *plan, found map[string]*Hit) error {
	if p.phone == "" {
		return nil
	}
	cond, args := sqlScope("n", p.scopes)
	rev := reverse(p.phone)
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT d.object, d.record_id, d.title, d.subtitle, d.name_key
		FROM (SELECT DISTINCT n.object, n.record_id FROM search_phones n
			WHERE n.workspace_id = ? AND n.reversed >= ? AND n.reversed < ? AND `+cond+` LIMIT `+strconv.Itoa(p.limit)+`) m
		JOIN search_docs d ON d.workspace_id = ? AND d.object = m.object AND d.record_id = m.record_id`,
		append(append([]any{p.ws, rev, upper(rev)}, args...), p.ws)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		h := &Hit{Score: phoneScore, phone: true}
		var id int64
		if err := rows.Scan(&h.Object, &id, &h.Title, &h.Subtitle, &h.nameKey); err != nil {
			return err
		}
		h.ID = strconv.FormatInt(id, 10)
		keep(found, h)
	}
	return rows.Err()
}

// phoneScore is the relevance of a number ending with the digits typed:
// above any match of words in the other text.
const phoneScore = 0.9

// byText takes the candidates of the full-text index.
func (s *Service) byText(ctx context.Context, p *plan, found map[string]*Hit) error {
	if s.db.Dialect == store.Postgres {
		return s.byTSQuery(ctx, p, found)
	}
	return s.byMatch(ctx, p, found)
}

// indexedWords are the words the full-text index can look up as
// prefixes; one-letter words are checked on the candidates instead, as a
// one-letter prefix would read a large part of the index.
func (p *plan) indexedWords() []string {
	var out []string
	for _, w := range p.words {
		if runeLen(w) >= 2 {
			out = append(out, w)
		}
	}
	return out
}

// byMatch queries SQLite's FTS4 table, newest documents first. CROSS JOIN
// keeps the full-text candidates the outer loop; otherwise the planner
// may walk the workspace's documents and probe the candidates.
func (s *Service) byMatch(ctx context.Context, p *plan, found map[string]*Hit) error {
	ws := p.indexedWords()
	if len(ws) == 0 {
		return nil
	}
	terms := make([]string, len(ws))
	limit := maxCandidates
	for i, w := range ws {
		terms[i] = indexedPrefix(w) + "*"
		if len(terms[i]) <= len(w) {
			limit = maxTruncated // shortened: the candidates are checked
		}
	}
	match := strings.Join(terms, " AND ")
	if f := filter(p, "tags:_", " AND ", " OR "); f != "" {
		match += " AND " + f
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT d.object, d.record_id, d.title, d.subtitle, d.name_key, d.name || ' ' || d.body, f.mi
		FROM (SELECT docid, matchinfo(search_fts, 'pcnaly') AS mi FROM search_fts WHERE search_fts MATCH ?
			ORDER BY docid LIMIT `+strconv.Itoa(limit)+`) f
		CROSS JOIN search_docs d ON d.id = f.docid WHERE d.workspace_id = ?`, match, p.ws)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		h := &Hit{}
		var id int64
		var mi []byte
		if err := rows.Scan(&h.Object, &id, &h.Title, &h.Subtitle, &h.nameKey, &h.text, &mi); err != nil {
			return err
		}
		h.ID = strconv.FormatInt(id, 10)
		h.Score = squash(bm25(mi, []float64{4, 1, 0}))
		keep(found, h)
	}
	return rows.Err()
}

// byTSQuery queries PostgreSQL's tsvector index.
func (s *Service) byTSQuery(ctx context.Context, p *plan, found map[string]*Hit) error {
	var terms, checks []string
	for _, w := range p.words {
		if runeLen(w) == 1 {
			checks = append(checks, lexeme(w)+":*")
			continue
		}
		pre := indexedPrefix(w)
		terms = append(terms, lexeme(pre)) // a word or a stored prefix
		if pre != w {
			checks = append(checks, lexeme(w)+":*")
		}
	}
	if len(terms) == 0 {
		return nil
	}
	query := strings.Join(terms, " & ")
	if f := filter(p, "#", " & ", " | "); f != "" {
		query += " & " + f
	}
	// One-letter words, and whole words whose prefix the index looked up,
	// are matched through the function behind @@, which no index serves,
	// so they only check the candidates.
	extra, args := "", []any{query, p.ws, query}
	if len(checks) > 0 {
		extra, args = " AND ts_match_vq(words, ?::tsquery)", append(args, strings.Join(checks, " & "))
	}
	tx, err := s.db.Raw().BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// The planner takes words for independent, so that several of them
	// look rare together and a sequential scan looks as if it soon reached
	// the LIMIT; words that go together (a first and a last name) make that
	// scan read much of the table. One word, with or without owners, is
	// left to the planner, whose statistics know how common it is.
	if len(terms) > 1 {
		if _, err := tx.ExecContext(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
			return err
		}
	}
	rows, err := tx.QueryContext(ctx, s.db.Dialect.Rebind(`SELECT object, record_id, title, subtitle, name_key, ts_rank(words, ?::tsquery)
		FROM search_docs WHERE workspace_id = ? AND words @@ ?::tsquery`+extra+` LIMIT `+strconv.Itoa(maxCandidates)), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		h := &Hit{}
		var id int64
		var r float64
		if err := rows.Scan(&h.Object, &id, &h.Title, &h.Subtitle, &h.nameKey, &r); err != nil {
			return err
		}
		h.ID = strconv.FormatInt(id, 10)
		h.Score = squash(r)
		keep(found, h)
	}
	return rows.Err()
}

// filter is the part of a full-text query that keeps to the workspace
// (when the database holds several), the objects asked for and the owners
// the actor may read, written with the markers' prefix and the query
// language's operators; "" when it would keep everything.
func filter(p *plan, prefix, and, or string) string {
	tok := func(s string) string {
		if prefix == "#" {
			return lexeme("#" + s)
		}
		return prefix + s
	}
	var parts []string
	if p.tagWorkspace {
		parts = append(parts, tok("w"+strconv.FormatInt(p.ws, 10)))
	}
	everything := len(p.scopes) == len(indexed)
	var alts []string
	for _, sc := range p.scopes {
		if sc.all {
			alts = append(alts, tok("k"+sc.object))
			continue
		}
		everything = false
		for _, o := range sc.owners {
			alts = append(alts, tok("k"+sc.object+"o"+strconv.FormatInt(o, 10)))
		}
	}
	if !everything {
		parts = append(parts, "("+strings.Join(alts, or)+")")
	}
	return strings.Join(parts, and)
}

// keep adds h to found, or raises the score of the hit already there.
func keep(found map[string]*Hit, h *Hit) {
	k := h.Object + ":" + h.ID
	if old, ok := found[k]; ok {
		old.Score = max(old.Score, h.Score)
		old.phone = old.phone || h.phone
		if old.text == "" {
			old.text = h.text
		}
		return
	}
	found[k] = h
}

// rank orders the hits: exact name first, then names starting with the
// query, then names holding every word, then the rest; within a tier by
// relevance. Candidates that miss a one-letter word are dropped.
func rank(p *plan, found map[string]*Hit) []Hit {
	out := make([]Hit, 0, len(found))
	nameOnly := p.nameOnly()
	for _, h := range found {
		tier := tierOf(p, h.nameKey)
		if tier == 0 && h.text != "" && !allWords(p.words, h.text) {
			continue
		}
		if nameOnly[h.Object] {
			if tier == 0 {
				continue // found by a field the actor may not see
			}
			h.Subtitle = ""
		}
		h.Score = math.Round((float64(tier)+h.Score)*1e4) / 1e4
		out = append(out, *h)
	}
	slices.SortFunc(out, func(a, b Hit) int {
		if a.Score != b.Score {
			if a.Score > b.Score {
				return -1
			}
			return 1
		}
		if c := strings.Compare(a.nameKey, b.nameKey); c != 0 {
			return c
		}
		if c := strings.Compare(a.Object, b.Object); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out[:min(p.limit, len(out))]
}

// tierOf scores how well a name matches the query.
func tierOf(p *plan, name string) int {
	switch {
	case name == p.key:
		return 3
	case strings.HasPrefix(name, p.key):
		return 2
	case allWords(p.words, name):
		return 1
	}
	return 0
}

// allWords reports whether every word of ws begins some word of text.
func allWords(ws []string, text string) bool {
	have := strings.Fields(text)
	for _, w := range ws {
		if !slices.ContainsFunc(have, func(h string) bool { return strings.HasPrefix(h, w) }) {
			return false
		}
	}
	return true
}

// squash maps a relevance in [0, ∞) into [0, 1), below one tier.
func squash(r float64) float64 {
	if r <= 0 || math.IsNaN(r) {
		return 0
	}
	return r / (1 + r)
}

// bm25 computes Okapi BM25 from FTS4's matchinfo 'pcnaly' blob with a
// weight per column; FTS4 has no ranking function of its own. The inverse
// document frequency is left out (taken as one): it needs matchinfo's 'x',
// which counts the matches of every word in the whole table, for every
// query, and a prefix typed is not a word whose rarity means much.
func bm25(mi []byte, weights []float64) float64 {
	const k1, b = 1.2, 0.75
	u := func(i int) float64 {
		if 4*i+4 > len(mi) {
			return 0
		}
		return float64(binary.NativeEndian.Uint32(mi[4*i:]))
	}
	phrases, cols := int(u(0)), int(u(1))
	avg, length, y := 3, 3+cols, 3+2*cols
	score := 0.0
	for i := range phrases {
		for j := 0; j < cols && j < len(weights); j++ {
			tf := u(y + i*cols + j)
			if tf == 0 || weights[j] == 0 {
				continue
			}
			norm := 1 - b + b*u(length+j)/math.Max(u(avg+j), 1)
			score += weights[j] * tf * (k1 + 1) / (tf + k1*norm)
		}
	}
	return score
}

// workspaceCount remembers for a minute whether the database holds more
// than one workspace. With one, naming it in the full-text query would
// make the index read the list of every document for nothing; the SQL
// condition on workspace_id still applies either way.
type workspaceCount struct {
	mu    sync.Mutex
	multi bool
	at    time.Time
}

func (w *workspaceCount) several(ctx context.Context, db *store.DB) (bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if time.Since(w.at) < time.Minute {
		return w.multi, nil
	}
	var n int
	if err := db.Reader().QueryRowContext(ctx, `SELECT count(*) FROM (SELECT id FROM workspaces LIMIT 2) w`).Scan(&n); err != nil {
		return false, err
	}
	w.multi, w.at = n > 1, time.Now()
	return w.multi, nil
}

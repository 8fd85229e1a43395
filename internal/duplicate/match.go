package duplicate

import (
	"slices"
	"sort"
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Candidate is what the matcher knows of a record: a person's full name or
// a company's name, its e-mails, phones (E.164 where they parse), the
// organisations it belongs to, and its postal address as one line.
type Candidate struct {
	ID     string
	Name   string
	Emails []string
	Phones []string
	// Companies name the organisations the record belongs to, by name or by
	// any other stable key (the store uses company ids): two records that
	// share one are at the same company.
	Companies []string
	Address   string
}

// Reasons a pair of records is a likely duplicate.
const (
	ReasonEmail = "email"
	ReasonPhone = "phone"
	ReasonName  = "name"
)

// Matcher decides which records are likely duplicates. The zero value uses
// the defaults.
type Matcher struct {
	// NameThreshold is the least name similarity (0 to 1) that counts,
	// at the same company or address; 0 means DefaultNameThreshold.
	NameThreshold float64
	// MaxBlock is the most records a blocking key may gather before it is
	// ignored as too common to tell duplicates apart (a shared switchboard
	// number, an info@ address); 0 means DefaultMaxBlock.
	MaxBlock int
}

// Defaults of a Matcher, chosen by measurement
// (docs/decisions/0008-duplicates.md).
const (
	DefaultNameThreshold = 0.88
	DefaultMaxBlock      = 50
)

func (m Matcher) threshold() float64 {
	if m.NameThreshold > 0 {
		return m.NameThreshold
	}
	return DefaultNameThreshold
}

func (m Matcher) maxBlock() int {
	if m.MaxBlock > 0 {
		return m.MaxBlock
	}
	return DefaultMaxBlock
}

// Match is the verdict on one pair.
type Match struct {
	Score   float64  `json:"score"`
	Reasons []string `json:"reasons"`
}

// Likely reports whether the pair is a likely duplicate.
func (m Match) Likely() bool { return len(m.Reasons) > 0 }

// profile is a candidate in normalised form, computed once per record.
type profile struct {
	tokens  []string // name tokens, sorted
	emails  []string
	phones  []string // digits only
	orgs    []string
	address string // house number and street name
}

func newProfile(c Candidate) profile {
	p := profile{tokens: NameTokens(c.Name), address: addressKey(c.Address)}
	for _, e := range c.Emails {
		if e = strings.ToLower(strings.TrimSpace(e)); strings.Contains(e, "@") {
			p.emails = append(p.emails, e)
		}
	}
	for _, ph := range c.Phones {
		if d := digits(ph); len(d) >= 7 {
			p.phones = append(p.phones, d)
		}
	}
	for _, o := range c.Companies {
		if o = strings.Join(NameTokens(o), " "); o != "" {
			p.orgs = append(p.orgs, o)
		}
	}
	return p
}

// Compare returns the verdict on a and b.
func (m Matcher) Compare(a, b Candidate) Match {
	pa, pb := newProfile(a), newProfile(b)
	return m.compare(&pa, &pb)
}

// Evidence weighs as follows: the score is the chance that at least one
// piece of evidence is right, each taken as independent.
const (
	weightEmail = 0.95
	weightPhone = 0.85
	weightName  = 0.9 // times the name similarity
)

func (m Matcher) compare(a, b *profile) Match {
	var reasons []string
	miss := 1.0
	if overlaps(a.emails, b.emails) {
		reasons = append(reasons, ReasonEmail)
		miss *= 1 - weightEmail
	}
	// A number shared by records at different street numbers is an
	// organisation's main line, not one record entered twice.
	if overlaps(a.phones, b.phones) && !a.elsewhere(b) {
		reasons = append(reasons, ReasonPhone)
		miss *= 1 - weightPhone
	}
	// A similar name alone is common (two John Smiths); at the same
	// company or address it is telling.
	together := overlaps(a.orgs, b.orgs) || (a.address != "" && a.address == b.address)
	if together {
		if sim := nameSimilarity(a.tokens, b.tokens); sim >= m.threshold() {
			reasons = append(reasons, ReasonName)
			miss *= 1 - weightName*sim
		}
	}
	if len(reasons) == 0 {
		return Match{}
	}
	return Match{Score: float64(int((1-miss)*1000+0.5)) / 1000, Reasons: reasons}
}

// elsewhere reports whether a and b are known to be at different places:
// both addresses have a house number, and the numbers differ. Street names
// are spelt too many ways to tell a different street from a misspelt one.
func (a *profile) elsewhere(b *profile) bool {
	na, _, _ := strings.Cut(a.address, " ")
	nb, _, _ := strings.Cut(b.address, " ")
	return na != "" && nb != "" && na != nb
}

func overlaps(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// Keys returns the blocking keys of c: records that share no key are never
// compared, which keeps matching far below quadratic. They are its
// e-mails, its phones, and each name token's first four letters together
// with each company and with the address: similar names at one place
// nearly always share one of those.
func Keys(c Candidate) []string {
	p := newProfile(c)
	return p.keys()
}

func (p *profile) keys() []string {
	var keys []string
	for _, e := range p.emails {
		keys = append(keys, "e:"+e)
	}
	for _, ph := range p.phones {
		keys = append(keys, "p:"+ph)
	}
	// A name is only evidence at a place, so names are keyed by place:
	// the same name elsewhere is never a pair worth scoring.
	places := slices.Clone(p.orgs)
	if p.address != "" {
		places = append(places, "@"+p.address)
	}
	for _, place := range places {
		for _, t := range p.tokens {
			keys = append(keys, "o:"+place+"|"+prefix(t, 4))
		}
	}
	return dedupe(keys)
}

// maxKey bounds a stored key, so that an absurdly long e-mail or name
// still fits an index entry; keys only gather candidates, which are then
// compared in full.
const maxKey = 200

func dedupe(keys []string) []string {
	for i, k := range keys {
		if len(k) > maxKey {
			keys[i] = strings.ToValidUTF8(k[:maxKey], "")
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

func prefix(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		r = r[:n]
	}
	return string(r)
}

// Group is a set of records that are likely duplicates of one another,
// with every reason that links them.
type Group struct {
	IDs     []string `json:"records"`
	Reasons []string `json:"reasons"`
}

// Groups returns the connected components of likely pairs among cands,
// each with at least two records, ordered by their first member's
// position in cands; a group's ids keep the order of cands.
func (m Matcher) Groups(cands []Candidate) []Group {
	profiles := make([]profile, len(cands))
	blocks := map[string][]int{}
	for i, c := range cands {
		profiles[i] = newProfile(c)
		for _, k := range profiles[i].keys() {
			blocks[k] = append(blocks[k], i)
		}
	}
	var pairs [][2]int
	for _, members := range blocks {
		if len(members) < 2 || len(members) > m.maxBlock() {
			continue
		}
		for x, i := range members {
			for _, j := range members[x+1:] {
				pairs = append(pairs, [2]int{i, j})
			}
		}
	}
	return m.link(len(cands), pairs, func(i, j int) Match {
		return m.compare(&profiles[i], &profiles[j])
	}, func(i int) string { return cands[i].ID })
}

// link scores the candidate pairs (each pair at most once) and joins the
// likely ones into groups with a union-find.
func (m Matcher) link(n int, pairs [][2]int, score func(i, j int) Match, id func(int) string) []Group {
	parent := make([]int, n)
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	seen := map[[2]int]bool{}
	reasons := map[int]map[string]bool{}
	var edges [][2]int
	for _, p := range pairs {
		if p[0] > p[1] {
			p[0], p[1] = p[1], p[0]
		}
		if seen[p] {
			continue
		}
		seen[p] = true
		match := score(p[0], p[1])
		if !match.Likely() {
			continue
		}
		edges = append(edges, p)
		if ra, rb := find(p[0]), find(p[1]); ra != rb {
			parent[max(ra, rb)] = min(ra, rb)
		}
		if reasons[p[0]] == nil {
			reasons[p[0]] = map[string]bool{}
		}
		for _, r := range match.Reasons {
			reasons[p[0]][r] = true
		}
	}
	members := map[int][]int{}
	for _, e := range edges {
		for _, i := range e {
			members[find(i)] = append(members[find(i)], i)
		}
	}
	roots := make([]int, 0, len(members))
	for r := range members {
		roots = append(roots, r)
	}
	sort.Ints(roots)
	groups := make([]Group, 0, len(roots))
	for _, r := range roots {
		idx := members[r]
		slices.Sort(idx)
		idx = slices.Compact(idx)
		g := Group{}
		why := map[string]bool{}
		for _, i := range idx {
			g.IDs = append(g.IDs, id(i))
			for k := range reasons[i] {
				why[k] = true
			}
		}
		for _, k := range []string{ReasonEmail, ReasonPhone, ReasonName} {
			if why[k] {
				g.Reasons = append(g.Reasons, k)
			}
		}
		groups = append(groups, g)
	}
	return groups
}

// legalForms are the words of company names that tell the legal form, not
// the company: "Acme Inc." and "ACME, LLC" are one company. Joining words
// go too, so that "&" and "and" compare equal.
var legalForms = map[string]bool{
	"inc": true, "incorporated": true, "llc": true, "llp": true, "lp": true, "ltd": true, "limited": true,
	"corp": true, "corporation": true, "co": true, "company": true, "plc": true, "gmbh": true, "ag": true,
	"kg": true, "ug": true, "sa": true, "sas": true, "sarl": true, "srl": true, "spa": true, "bv": true,
	"nv": true, "oy": true, "ab": true, "pty": true, "pte": true, "the": true, "and": true, "of": true,
}

// fold returns a transformer that strips diacritics ("Zoë" becomes "Zoe").
// A chained transformer keeps state between calls, so each use needs its
// own: one shared by concurrent requests corrupts its buffers.
func fold() transform.Transformer {
	return transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
}

// NameTokens returns the normalised words of a name, sorted: lower case,
// diacritics folded, apostrophes dropped, other punctuation as spaces, and
// legal forms and joining words left out.
func NameTokens(name string) []string {
	words := words(name)
	out := words[:0]
	for _, w := range words {
		if !legalForms[w] {
			out = append(out, w)
		}
	}
	slices.Sort(out)
	return out
}

// letters are the Latin letters that do not decompose into a base letter
// and a mark, spelt as they are when the letter is unavailable.
var letters = strings.NewReplacer("ø", "o", "Ø", "o", "æ", "ae", "Æ", "ae", "œ", "oe", "Œ", "oe", "ß", "ss",
	"ł", "l", "Ł", "l", "đ", "d", "Đ", "d", "þ", "th", "Þ", "th", "ı", "i")

// words splits s into folded, lower-case words of letters and digits.
func words(s string) []string {
	folded, _, err := transform.String(fold(), s)
	if err != nil {
		folded = s
	}
	folded = letters.Replace(folded)
	folded = strings.Map(func(r rune) rune {
		switch {
		case r == '\'' || r == '’' || r == '.':
			return -1 // "O'Brien" is "obrien", "St." is "st"
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			return unicode.ToLower(r)
		}
		return ' '
	}, folded)
	return strings.Fields(folded)
}

// streetWords are the long forms of the postal abbreviations, so that
// "North Main Street" and "N Main St" compare equal.
var streetWords = map[string]string{
	"street": "st", "avenue": "ave", "av": "ave", "road": "rd", "boulevard": "blvd", "drive": "dr",
	"place": "pl", "court": "ct", "lane": "ln", "parkway": "pkwy", "highway": "hwy", "square": "sq",
	"terrace": "ter", "north": "n", "south": "s", "east": "e", "west": "w",
}

var directions = map[string]bool{"n": true, "s": true, "e": true, "w": true, "ne": true, "nw": true, "se": true, "sw": true}

// addressKey is the house number and street name of an address line
// ("221 E. 51st Street" gives "221 51st"), or "" when it has no number:
// the rest of an address is written too many ways to compare.
func addressKey(address string) string {
	ws := words(address)
	for i, w := range ws {
		if long, ok := streetWords[w]; ok {
			ws[i] = long
		}
	}
	if len(ws) < 2 || !isNumber(ws[0]) {
		return ""
	}
	for _, w := range ws[1:] {
		if !directions[w] {
			return ws[0] + " " + w
		}
	}
	return ""
}

func isNumber(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// digits keeps the digits of a phone number, so that "+1 312 555 0100" and
// "+13125550100" compare equal.
func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

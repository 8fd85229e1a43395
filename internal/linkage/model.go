package linkage

import (
	"math"
	"slices"
	"strings"
)

// Level names. Every comparison uses some of them, in the order of its
// definition in comparisons; "missing" (either side lacks the field) is no
// level: it weighs nothing.
const (
	Exact     = "exact"
	Alias     = "alias"     // a nickname, an initial or the same sound
	Close     = "close"     // a typing slip, a transposed date, the same last 7 digits
	Partial   = "partial"   // one name's words within the other's, or another address in the same town
	Some      = "some"      // at least half the words in common
	Different = "different" // both sides known and unlike
	Elsewhere = "elsewhere" // the same phone at addresses known to differ: a switchboard
	// Levels of a contact's name.
	FamilyOnly  = "family"       // the same family name, the given name unknown on one side
	FamilyOther = "family_other" // the same family name, another given name
	GivenOnly   = "given"        // the same given name, the family name unknown on one side
	Household   = "household"    // the same family name and address, another given name: a relative, mostly
)

// Comparison fields.
const (
	FieldName       = "name"
	FieldEmail      = "email"
	FieldPhone      = "phone"
	FieldBirthday   = "birthday"
	FieldAddress    = "address"
	FieldCompany    = "company"
	FieldDomain     = "domain"
	FieldIdentifier = "identifier"
)

// comparisons lists each kind's comparisons and their levels, strongest
// first.
var comparisons = map[string][]struct {
	field  string
	levels []string
}{
	KindContact: {
		{FieldName, []string{Exact, Alias, Close, FamilyOnly, FamilyOther, Household, GivenOnly, Different}},
		{FieldEmail, []string{Exact, Close, Different}},
		{FieldPhone, []string{Exact, Elsewhere, Close, Different}},
		{FieldBirthday, []string{Exact, Close, Different}},
		{FieldAddress, []string{Exact, Close, Partial, Different}},
		{FieldCompany, []string{Exact, Close, Different}},
		{FieldIdentifier, []string{Exact, Different}},
	},
	KindCompany: {
		{FieldName, []string{Exact, Close, Partial, Some, Different}},
		{FieldEmail, []string{Exact, Close, Different}},
		{FieldPhone, []string{Exact, Elsewhere, Close, Different}},
		{FieldAddress, []string{Exact, Close, Partial, Different}},
		{FieldDomain, []string{Exact, Different}},
		{FieldIdentifier, []string{Exact, Different}},
	},
}

// Level is one level of a comparison with its m and u probabilities.
type Level struct {
	Name string  `json:"level"`
	M    float64 `json:"m"` // share of true duplicates at this level
	U    float64 `json:"u"` // share of unrelated pairs at this level
}

// Comparison is one field's levels.
type Comparison struct {
	Field  string  `json:"field"`
	Levels []Level `json:"levels"`
}

// Model weighs pairs of records of one kind. It is JSON-serialisable; the
// store keeps one per workspace and kind. Compare and Decide only read it:
// one model may serve concurrent requests.
type Model struct {
	Kind string `json:"kind"`
	// Prior is the chance that two records picked at random from the
	// workspace are one.
	Prior       float64      `json:"prior"`
	Comparisons []Comparison `json:"comparisons"`
	// TermFrequencies are, per table (name: a company's name or a
	// contact's "given family"; family: a contact's family name; email;
	// phone; place: postcode, or town without one), the share of records holding each value seen at least twice
	// (three times for e-mails and phones, which a person's own records
	// share): an exact match on a rare name weighs more than one on a common
	// name, and a switchboard number shared by a whole office weighs less
	// than a mobile shared by two records of one person.
	// The table "name_word" holds the share of company names holding each
	// word, for weighing words by rarity.
	TermFrequencies map[string]map[string]float64 `json:"term_frequencies,omitempty"`
	// Records is how many records the model was estimated from.
	Records int `json:"records,omitempty"`
	// Duplicate and Review are the probability thresholds: at or above
	// Duplicate a pair is a duplicate; at or above Review it awaits
	// someone's review.
	Duplicate float64 `json:"duplicate"`
	Review    float64 `json:"review"`
}

// Thresholds, fixed a priori, never tuned to a data set: a pair is a
// duplicate when it is nine times likelier one record than two, and worth
// a look when it is at least as likely one as two.
const (
	DuplicateThreshold = 0.9
	ReviewThreshold    = 0.5
)

// Default returns the model of a workspace too small to learn from: m and
// u chosen by hand from what is known of typing errors and of how rare
// values are, and a prior of one in ten thousand.
func Default(kind string) *Model {
	if kind != KindCompany {
		kind = KindContact
	}
	mu := map[string][][2]float64{
		FieldName: {{0.60, 0.0005}, {0.15, 0.001}, {0.15, 0.005}, {0.05, 0.02}, {0.05, 0.9735}},
		"person": {{0.70, 0.00005}, {0.12, 0.0001}, {0.06, 0.0002}, {0.03, 0.0005}, {0.03, 0.005}, {0.01, 0.0001},
			{0.02, 0.002}, {0.03, 0.99205}},
		FieldEmail:      {{0.85, 0.00001}, {0.05, 0.0001}, {0.10, 0.99989}},
		FieldPhone:      {{0.75, 0.00001}, {0.05, 0.00001}, {0.05, 0.0001}, {0.15, 0.99988}},
		FieldBirthday:   {{0.90, 0.00005}, {0.05, 0.0002}, {0.05, 0.99975}},
		FieldAddress:    {{0.65, 0.0001}, {0.15, 0.0005}, {0.05, 0.02}, {0.15, 0.9794}},
		FieldCompany:    {{0.75, 0.001}, {0.10, 0.002}, {0.15, 0.997}},
		FieldDomain:     {{0.85, 0.0001}, {0.15, 0.9999}},
		FieldIdentifier: {{0.95, 0.00001}, {0.05, 0.99999}},
	}
	m := &Model{Kind: kind, Prior: 1e-4, Duplicate: DuplicateThreshold, Review: ReviewThreshold}
	for _, c := range comparisons[kind] {
		cmp := Comparison{Field: c.field}
		values := mu[c.field]
		if kind == KindContact && c.field == FieldName {
			values = mu["person"]
		}
		for i, l := range c.levels {
			cmp.Levels = append(cmp.Levels, Level{Name: l, M: values[i][0], U: values[i][1]})
		}
		m.Comparisons = append(m.Comparisons, cmp)
	}
	return m
}

// Contribution is what one field adds to a pair's weight, in bits (log₂
// of the odds factor): {"birthday", "exact", 6.1}.
type Contribution struct {
	Field  string  `json:"field"`
	Level  string  `json:"level"`
	Weight float64 `json:"weight"`
}

// Result is the verdict on a pair: the probability that the two records
// are one, the total weight (prior included) in bits, and each compared
// field's contribution, in the model's order; missing fields are left out.
type Result struct {
	Probability   float64        `json:"probability"`
	Weight        float64        `json:"weight"`
	Contributions []Contribution `json:"contributions"`
}

// Decisions on a pair.
const (
	DecisionDuplicate = "duplicate"
	DecisionReview    = "review"
	DecisionDistinct  = ""
)

// Decide returns what the model makes of r: a duplicate, one to review,
// or distinct.
func (m *Model) Decide(r Result) string {
	switch {
	case r.Probability >= m.duplicate():
		return DecisionDuplicate
	case r.Probability >= m.review():
		return DecisionReview
	}
	return DecisionDistinct
}

func (m *Model) duplicate() float64 {
	if m.Duplicate > 0 {
		return m.Duplicate
	}
	return DuplicateThreshold
}

func (m *Model) review() float64 {
	if m.Review > 0 {
		return m.Review
	}
	return ReviewThreshold
}

// maxTFBoost bounds, in bits, how much a rare value may add to an exact
// match's weight, so that a misspelt unique name cannot outweigh the rest.
const maxTFBoost = 4

// Compare weighs the pair a, b. It is symmetric: Compare(a, b) and
// Compare(b, a) are equal to the last bit. A pair that agrees on nothing
// but a given name weighs no more than the prior: a first name alone never
// makes a duplicate. Exact matches of names, e-mails and phones are
// adjusted by term frequency (Splink's way): the weight is log₂(m/f),
// f the value's share of records, instead of log₂(m/u), bounded to
// maxTFBoost bits above it; for e-mails and phones, which the records of
// one person share, only values held by many records (a switchboard, an
// office mailbox) weigh less, no value more.
func (m *Model) Compare(a, b *Profile) Result {
	return m.compare(a, b, true)
}

// Score is Compare without the contributions, which a full rescore of
// millions of pairs does not keep: the same probability and weight,
// without allocating.
func (m *Model) Score(a, b *Profile) (probability, weight float64) {
	r := m.compare(a, b, false)
	return r.Probability, r.Weight
}

func (m *Model) compare(a, b *Profile, explain bool) Result {
	if b.ID < a.ID || b.ID == a.ID && b.fingerprint() < a.fingerprint() {
		a, b = b, a
	}
	prior := logit(m.Prior)
	r := Result{Weight: prior}
	if explain {
		r.Contributions = make([]Contribution, 0, len(m.Comparisons))
	}
	var levels [16]int8
	var tf [16]string
	evidence := false
	fieldLevels(m, a, b, levels[:], tf[:])
	for i, c := range m.Comparisons {
		if i >= len(levels) {
			break
		}
		l := int(levels[i])
		if l < 0 || l >= len(c.Levels) {
			continue
		}
		lv := c.Levels[l]
		w := bits(lv.M, lv.U)
		if tf[i] != "" {
			table, value, _ := strings.Cut(tf[i], "\x00")
			if f, ok := m.TermFrequencies[table][value]; ok && f > 0 {
				boost := float64(maxTFBoost)
				if table == FieldEmail || table == FieldPhone {
					boost = 0 // the records of one person share these: only a hub's weighs less
				}
				w += max(min(math.Log2(lv.U/f), boost), -2*maxTFBoost)
			}
		}
		if w > 0 && !(m.Kind == KindContact && c.Field == FieldName && lv.Name == GivenOnly) {
			evidence = true
		}
		r.Weight += w
		if explain {
			r.Contributions = append(r.Contributions, Contribution{Field: c.Field, Level: lv.Name, Weight: round(w)})
		}
	}
	if !evidence {
		r.Weight = min(r.Weight, prior)
	}
	r.Probability = 1 / (1 + math.Exp2(-r.Weight))
	return r
}

func round(w float64) float64 { return math.Round(w*100) / 100 }

func bits(m, u float64) float64 {
	return math.Log2(max(m, 1e-9) / max(u, 1e-9))
}

func logit(p float64) float64 {
	p = min(max(p, 1e-12), 1-1e-9)
	return math.Log2(p / (1 - p))
}

// fingerprint orders two profiles with one id.
func (p *Profile) fingerprint() string {
	return strings.Join(p.Given, " ") + "|" + strings.Join(p.Family, " ") + "|" + p.name + "|" +
		strings.Join(p.Emails, " ") + "|" + strings.Join(p.Phones, " ") + "|" + p.Birthday + "|" + p.House +
		"|" + strings.Join(p.Street, " ") + "|" + p.Postcode + "|" + p.Town
}

// fieldLevels sets, for each comparison of kind, the index of the level of
// a and b (-1 when missing) and, for exact name matches, the value whose
// term frequency adjusts the weight.
func fieldLevels(m *Model, a, b *Profile, levels []int8, tf []string) {
	if m.Kind == KindCompany {
		levels[0], tf[0] = companyLevel(m, a, b)
		levels[1], tf[1] = emailLevel(a, b)
		levels[2], tf[2] = phoneLevel(a, b)
		levels[3] = addressLevel(a, b)
		tf[3] = addressTF(levels[3], a, b)
		levels[2] = elsewhere(levels[2], levels[3])
		if tf[0] != "" {
			tf[0] = FieldName + "\x00" + tf[0]
		}
		levels[4] = domainLevel(a, b)
		levels[5] = identifierLevel(a, b)
		return
	}
	levels[0], tf[0] = personLevel(a, b)
	levels[1], tf[1] = emailLevel(a, b)
	levels[2], tf[2] = phoneLevel(a, b)
	levels[3] = birthdayLevel(a, b)
	levels[4] = addressLevel(a, b)
	tf[4] = addressTF(levels[4], a, b)
	levels[2] = elsewhere(levels[2], levels[4])
	// A relative shares the family name and the address: the pair is one
	// level of the name comparison, and the address, part of it, no more
	// counts on its own.
	if levels[0] == 4 && (levels[4] == 0 || levels[4] == 1) {
		levels[0], levels[4], tf[0], tf[4] = 5, missing, "", ""
	}
	levels[5] = worksAtLevel(a, b)
	levels[6] = identifierLevel(a, b)
	for i := 1; i <= 2; i++ {
		if tf[i] != "" {
			tf[i] = m.Comparisons[i].Field + "\x00" + tf[i]
		}
	}
}

// elsewhere turns a phone level into its level given the address level:
// the same number at two addresses that differ (another house, or another
// place) is an office's switchboard or a family's landline more often than
// one record entered twice.
func elsewhere(phone, address int8) int8 {
	switch {
	case phone == 0 && (address == 2 || address == 3):
		return 1
	case phone >= 1:
		return phone + 1
	}
	return phone
}

// tfPlace is the term-frequency table of places: another address in a
// village says more than another address in a capital. (Whole addresses
// are not adjusted: a site that ten sources list ten times is one
// company, not an office building's crowd.)
const tfPlace = "place"

// place is the profile's postcode, or its town when it has none.
func (p *Profile) place() string {
	if p.Postcode != "" {
		return p.Postcode
	}
	return p.Town
}

// addressTF returns the term-frequency value of an address level: the
// place, for partial.
func addressTF(level int8, a, b *Profile) string {
	if pa, pb := a.place(), b.place(); level == 2 && pa != "" && pa == pb {
		return tfPlace + "\x00" + pa
	}
	return ""
}

// Term-frequency tables of a contact's name.
const (
	tfFullName = "name"
	tfFamily   = "family"
)

// personLevel compares contacts' names as one comparison, since given
// and family names are not independent (a Lithuanian given name comes
// with a Lithuanian family name): exact (both), alias (the same family
// name with a nickname, initial or same-sounding given name, or the same
// given name with a slip in the family name), close (slips in both), family
// (the same or a close family name, the given name unknown on one side),
// family_other (the same or a close family name, another given name: a
// relative, or the same person by another name), given (the same or a close
// given name, the family name unknown on one side), different.
func personLevel(a, b *Profile) (int8, string) {
	g, f, tg, tfam := nameLevels(a, b)
	switch {
	case g == missing && f == missing:
		return missing, ""
	case g == 0 && f == 0:
		return 0, tfFullName + "\x00" + tg + " " + tfam
	case f == 0 && g == 1, f == 1 && g == 0:
		return 1, ""
	case f == 0 && g == 2, f == 1 && (g == 1 || g == 2):
		return 2, ""
	case f == 0 || f == 1:
		level := int8(3)
		if g != missing {
			level = 4
		}
		if f == 0 {
			return level, tfFamily + "\x00" + tfam
		}
		return level, ""
	case f == missing && g >= 0 && g <= 2:
		return 6, ""
	}
	return 7, ""
}

const missing = -1

// nameLevels compares a contact's given and family names, either way
// round (people swap them, and Russian order puts the family name
// first). Given: exact, alias (nickname, initial, same sound), close
// (Jaro-Winkler ≥ 0.88), different. Family: exact, close (one edit,
// Jaro-Winkler ≥ 0.92 or the same sound), different.
func nameLevels(a, b *Profile) (given, family int8, tfGiven, tfFamily string) {
	ag, af := a.given, a.family
	agc, afc := a.givenCanon, a.famCanon
	bg, bf := b.given, b.family
	bgc, bfc := b.givenCanon, b.famCanon
	// A lone name may be either part: compare it with the other's given
	// name, or its family name when the other has no given name.
	// The similarities of the pairs compared straight are kept for the
	// levels below: a rescore asks this of tens of millions of pairs.
	jwGiven, jwFamily := -1.0, -1.0
	if ag != "" && bg != "" && af != "" && bf != "" && (ag != bg || af != bf) && (ag == bf || af == bg || ag[0] != bg[0] || af[0] != bf[0]) {
		jwGiven, jwFamily = jaroWinkler(ag, bg), jaroWinkler(af, bf)
		swapped := jaroWinkler(ag, bf) + jaroWinkler(af, bg)
		if swapped > jwGiven+jwFamily+0.1 {
			bg, bf, bgc, bfc = bf, bg, bfc, bgc
			jwGiven, jwFamily = -1, -1
		}
	}
	similar := func(x, y string, kept, min float64) bool {
		if kept >= 0 {
			return kept >= min
		}
		return similarAtLeast(x, y, min)
	}
	given, family = missing, missing
	if ag != "" && bg != "" {
		switch {
		case ag == bg:
			given, tfGiven = 0, ag
		case agc == bgc || initialOf(ag, bg) || initialOf(bg, ag):
			given = 1
		case similar(ag, bg, jwGiven, 0.88):
			given = 2
		default:
			given = 3
		}
	}
	if af != "" && bf != "" {
		switch {
		case af == bf:
			family, tfFamily = 0, af
		case afc == bfc || editDistance(af, bf, 1) <= 1 && len(af) > 3 || similar(af, bf, jwFamily, 0.92):
			family = 1
		default:
			family = 2
		}
	}
	return
}

// initialOf reports whether a is one letter, the first of b.
func initialOf(a, b string) bool {
	return len(a) == 1 && b[0] == a[0]
}

// emailLevel compares e-mail addresses: exact (one in common, returned for
// its term frequency), close (the same mailbox name of five characters or
// more at another provider, unless it is made of the person's name, which
// namesakes share; or one slip in a letter of an address of ten or more:
// "jsmith2@" is another John Smith), different.
func emailLevel(a, b *Profile) (int8, string) {
	if len(a.Emails) == 0 || len(b.Emails) == 0 {
		return missing, ""
	}
	shared := ""
	for _, x := range a.Emails {
		if slices.Contains(b.Emails, x) && (shared == "" || x < shared) {
			shared = x
		}
	}
	if shared != "" {
		return 0, shared
	}
	// The same mailbox name at another provider, or a slip in one
	// address: "ivan.petrov@mail.ru" and "ivan.petrov@gmail.com".
	for i, x := range a.Emails {
		for j, y := range b.Emails {
			lx, ly := a.locals[i], b.locals[j]
			if len(lx) >= 5 && lx == ly && !a.nameLike(lx) && !b.nameLike(ly) ||
				len(x) >= 10 && editDistance(x, y, 1) <= 1 && letters(x) != letters(y) {
				return 1, ""
			}
		}
	}
	return 2, ""
}

// phoneLevel compares phones: exact (the same number, or one written with
// and one without the country code; the shared number, the longer form,
// is returned for its term frequency), close (the same last seven
// digits, or one digit misread or mistyped), different; elsewhere then
// splits exact.
func phoneLevel(a, b *Profile) (int8, string) {
	if len(a.Phones) == 0 || len(b.Phones) == 0 {
		return missing, ""
	}
	close, shared := false, ""
	for _, x := range a.Phones {
		for _, y := range b.Phones {
			if x == y || len(x) >= 9 && len(y) >= 9 && (strings.HasSuffix(x, y) || strings.HasSuffix(y, x)) {
				v := x
				if len(y) > len(x) {
					v = y
				}
				if shared == "" || v < shared {
					shared = v
				}
			} else if x[len(x)-7:] == y[len(y)-7:] || len(x) == len(y) && len(x) >= 9 && oneDigitOff(x, y) {
				close = true
			}
		}
	}
	switch {
	case shared != "":
		return 0, shared
	case close:
		return 1, ""
	}
	return 2, ""
}

func birthdayLevel(a, b *Profile) int8 {
	if a.year == 0 || b.year == 0 {
		return missing
	}
	switch {
	case a.year == b.year && a.month == b.month && a.day == b.day:
		return 0
	case a.year == b.year && a.month == b.day && a.day == b.month,
		a.month == b.month && a.day == b.day && (a.year-b.year == 1 || b.year-a.year == 1),
		a.year == b.year && a.month == b.month && oneDigit(a.day, b.day):
		return 1
	}
	return 2
}

// oneDigit reports whether two day numbers differ in one digit.
func oneDigit(x, y int) bool {
	return x/10 == y/10 || x%10 == y%10
}

// addressLevel compares addresses. Exact: the same house number and
// street (words compared with typing slips forgiven, in any order) in the
// same place (postcode, or town when either lacks a postcode). Close: the
// same house and street, the place unknown on one side. Partial: another
// address in the same place. Different: another place, or another house
// with no place known. Missing: either side has neither house nor street.
func addressLevel(a, b *Profile) int8 {
	aHas, bHas := a.House != "" || len(a.Street) > 0, b.House != "" || len(b.Street) > 0
	if !aHas && !bHas && (a.Postcode == "" && a.Town == "" || b.Postcode == "" && b.Town == "") {
		return missing
	}
	place := samePlace(a, b)
	if !aHas || !bHas {
		if aHas != bHas || place <= 0 {
			return missing
		}
		return 2
	}
	same := a.House == b.House && sameWords(a.Street, b.Street)
	switch {
	case place < 0:
		return 3
	case same && place > 0:
		return 0
	case same:
		return 1
	case place > 0:
		return 2
	}
	return 3
}

// samePlace is 1 when a and b are in the same place, -1 when in different
// places, 0 when unknown.
func samePlace(a, b *Profile) int {
	if a.Country != "" && b.Country != "" && a.Country != b.Country {
		return -1
	}
	if a.Postcode != "" && b.Postcode != "" {
		if a.Postcode == b.Postcode {
			return 1
		}
		if editDistance(a.Postcode, b.Postcode, 1) <= 1 && a.Town != "" && a.Town == b.Town {
			return 1
		}
		return -1
	}
	if a.Town != "" && b.Town != "" {
		if similarAtLeast(a.Town, b.Town, 0.92) {
			return 1
		}
		return -1
	}
	return 0
}

// sameWords reports whether every word of the shorter list has a match in
// the other, allowing one typing slip in words of five letters or more.
func sameWords(a, b []string) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	for _, x := range a {
		found := false
		for _, y := range b {
			if x == y || len(x) >= 5 && len(y) >= 5 && editDistance(x, y, 1) <= 1 {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// companyLevel compares company names word by word: exact (the same
// words in order), close (the same words, in any order or with slips),
// partial (at least 80% of one name, its words weighed by rarity, within
// the other: "Acme" and "Acme Widgets"), some (at least half), different.
// A word's weight is its inverse document frequency among the workspace's
// company names (-log₂ of the share of names holding it), so that sharing
// "Loomis" says more than sharing "Center"; with no table, all words weigh
// one.
func companyLevel(m *Model, a, b *Profile) (int8, string) {
	if a.name == "" || b.name == "" {
		return missing, ""
	}
	if a.name == b.name {
		return 0, a.name
	}
	if matched(a.Name, b.Name) == len(a.Name) && matched(b.Name, a.Name) == len(b.Name) {
		return 1, ""
	}
	c := max(m.contained(a.Name, b.Name), m.contained(b.Name, a.Name))
	switch {
	case c >= 0.8:
		return 2, ""
	case c >= 0.5:
		return 3, ""
	}
	return 4, ""
}

// contained is the share of a's words, weighed by rarity, that have a
// match in b.
func (m *Model) contained(a, b []string) float64 {
	var in, all float64
	for _, x := range a {
		w := m.wordWeight(x)
		all += w
		for _, y := range b {
			if x == y || len(x) >= 5 && len(y) >= 5 && editDistance(x, y, 1) <= 1 {
				in += w
				break
			}
		}
	}
	if all == 0 {
		return 0
	}
	return in / all
}

// wordWeight is a name word's inverse document frequency in bits.
func (m *Model) wordWeight(w string) float64 {
	t := m.TermFrequencies[companyWords]
	if t == nil || m.Records < 2 {
		return 1
	}
	if f, ok := t[w]; ok {
		return max(-math.Log2(f), 0.1)
	}
	return math.Log2(float64(m.Records))
}

// companyWords is the term-frequency table of company name words.
const companyWords = "name_word"

// matched counts the words of a that have a match in b, allowing one
// typing slip in words of five letters or more.
func matched(a, b []string) int {
	n := 0
	for _, x := range a {
		for _, y := range b {
			if x == y || len(x) >= 5 && len(y) >= 5 && editDistance(x, y, 1) <= 1 {
				n++
				break
			}
		}
	}
	return n
}

// worksAtLevel compares a contact's companies: exact (one in common),
// close (names alike), different.
func worksAtLevel(a, b *Profile) int8 {
	if len(a.Companies) == 0 || len(b.Companies) == 0 {
		return missing
	}
	close := false
	for _, x := range a.Companies {
		for _, y := range b.Companies {
			if x == y {
				return 0
			}
			if !close && similarAtLeast(x, y, 0.92) {
				close = true
			}
		}
	}
	if close {
		return 1
	}
	return 2
}

func domainLevel(a, b *Profile) int8 {
	if a.Domain == "" || b.Domain == "" {
		return missing
	}
	if a.Domain == b.Domain {
		return 0
	}
	return 1
}

// identifierLevel: exact when an identifying field holds one value on
// both, different when a field both have differs and none agrees.
func identifierLevel(a, b *Profile) int8 {
	level := int8(missing)
	for k, v := range a.Identifiers {
		if w, ok := b.Identifiers[k]; ok {
			if v == w {
				return 0
			}
			level = 1
		}
	}
	return level
}

// nameLike reports whether a mailbox name is made of the record's own
// name, as spelt or as it sounds: "ivan.petrov", "ipetrov",
// "petrov.ivan", "dmitriy.ivanov" for Dmitrii Ivanov.
func (p *Profile) nameLike(local string) bool {
	var b []byte
	for i := 0; i < len(local); i++ {
		if c := local[i]; c >= 'a' && c <= 'z' {
			b = append(b, c)
		}
	}
	l := string(b)
	g, f := p.given, p.family
	if g == "" && f == "" || l == "" {
		return false
	}
	code := phonetic(l)
	for _, form := range []string{g + f, f + g, f, g} {
		if form != "" && (l == form || code == phonetic(form)) {
			return true
		}
	}
	return f != "" && g != "" && (l == initial(g)+f || l == f+initial(g) || code == phonetic(initial(g)+f))
}

// letters returns s without its digits.
func letters(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return -1
		}
		return r
	}, s)
}

// oneDigitOff reports whether two numbers of one length differ in exactly
// one digit.
func oneDigitOff(x, y string) bool {
	diff := 0
	for i := 0; i < len(x); i++ {
		if x[i] != y[i] {
			if diff++; diff > 1 {
				return false
			}
		}
	}
	return diff == 1
}

package demo

import (
	"fmt"
	"iter"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// Each record draws from its own random stream, seeded from the demo seed,
// the kind of record and its ordinal. A record is therefore a pure function
// of (seed, kind, ordinal): the links pass can replay a contact's first
// draws instead of remembering a million contacts, and a contact can look
// up its company's name and country the same way.
const (
	kindUser uint64 = iota + 1
	kindCompany
	kindContact
	kindProduct
	kindDeal
	kindActivity
)

// stream is a reseedable random source, one per goroutine.
type stream struct {
	src rand.PCG
	r   *rand.Rand
}

func newStream() *stream {
	s := &stream{}
	s.r = rand.New(&s.src)
	return s
}

// at returns the random stream of record i of kind.
func (s *stream) at(seed, kind uint64, i int) *rand.Rand {
	// Neighbouring PCG states give related first outputs, so both seed
	// words go through a mixing function first.
	s.src.Seed(mix(seed^kind*0x9e3779b97f4a7c15), mix(uint64(i)^kind<<56))
	return s.r
}

// mix is SplitMix64's finaliser: a bijection that spreads every input bit
// over the whole output.
func mix(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// weights picks an index with the given relative weights.
type weights []int

func (w weights) pick(r *rand.Rand) int {
	total := 0
	for _, x := range w {
		total += x
	}
	n := r.IntN(total)
	for i, x := range w {
		if n < x {
			return i
		}
		n -= x
	}
	return len(w) - 1
}

var localeWeights = func() weights {
	w := make(weights, len(locales))
	for i, l := range locales {
		w[i] = l.weight
	}
	return w
}()

func pickLocale(r *rand.Rand) *locale { return locales[localeWeights.pick(r)] }

// byName weighs a list of options the engine defines, so that a new option
// added there still appears (rarely) here.
func byName(options []string, w map[string]int) weights {
	out := make(weights, len(options))
	for i, o := range options {
		out[i] = max(1, w[o])
	}
	return out
}

var (
	sourceWeights = byName(records.Sources, map[string]int{"web_form": 25, "email": 10, "phone_call": 8, "chat": 6,
		"referral": 12, "event": 10, "advertising": 8, "social": 8, "import": 8, "api": 3, "other": 2})
	sizeWeights = byName(records.CompanySizes, map[string]int{"1-10": 30, "11-50": 30, "51-200": 20,
		"201-1000": 12, "1001-5000": 6, "5001+": 2})
	tagCounts = weights{45, 30, 17, 8} // how many tags a contact has: 0 to 3
)

var (
	jobTitles = []string{"Sales Manager", "Account Executive", "Marketing Manager", "Software Engineer",
		"Chief Executive Officer", "Chief Financial Officer", "Chief Technology Officer", "Head of Procurement",
		"Purchasing Manager", "Operations Manager", "Project Manager", "Product Manager", "HR Manager",
		"Office Manager", "Consultant", "Business Analyst", "Customer Success Manager", "Managing Director",
		"Founder", "Head of IT", "Financial Controller", "Logistics Coordinator", "Data Analyst", "Legal Counsel",
		"Accountant", "Designer", "Key Account Manager", "Business Development Manager", "Executive Assistant",
		"Engineering Manager"}
	// secondRoles are what people are at a second company.
	secondRoles  = []string{"Board Member", "Advisor", "Freelancer", "Investor", "Former Employee"}
	industries   = []string{"Software", "Manufacturing", "Logistics", "Retail", "Healthcare", "Financial Services", "Construction", "Education", "Hospitality", "Energy", "Consulting", "Media", "Real Estate", "Telecommunications", "Agriculture", "Automotive", "Legal Services", "Pharmaceuticals"}
	contactTags  = []string{"vip", "newsletter", "decision-maker", "champion", "trade-show", "webinar", "churn-risk", "referral-partner"}
	companyTags  = []string{"customer", "prospect", "partner", "supplier", "reseller", "key-account"}
	phoneLabels  = [2]string{"mobile", "work"}
	companyMails = []string{"info", "contact", "hello", "office"}
)

// Tiers with their share, score range and lifetime value range in euros.
var tiers = []struct {
	name           string
	share          int
	scoreLo, score int
	eurLo, eur     int64
}{
	{"bronze", 50, 0, 45, 100, 5_000},
	{"silver", 30, 25, 70, 5_000, 25_000},
	{"gold", 15, 50, 90, 25_000, 100_000},
	{"platinum", 5, 70, 100, 100_000, 750_000},
}

var tierWeights = func() weights {
	w := make(weights, len(tiers))
	for i, t := range tiers {
		w[i] = t.share
	}
	return w
}()

// gen holds what every generated row depends on.
type gen struct {
	d         store.Dialect
	ws        int64
	seed      uint64
	now       time.Time
	owners    []int64
	contacts  int
	companies int
	// ids are allocated up front: record i of a kind gets base+1+i, so
	// links can name both ends without reading ids back.
	companyBase, contactBase int64

	deals, activities                   int
	dealBase, historyBase, activityBase int64
	cat                                 *catalogue
	// Filled while the rows are made, for the later passes: the owner of
	// every company, contact and deal, and each contact's company. A few
	// bytes per record are far cheaper than replaying a million contacts.
	companyOwner, contactOwner, dealOwner []int64
	dealSource                            []string // the source of each deal, for its stays
	contactCompany                        []int32
}

// companyCore is what a contact needs of its company: the first draws of
// the company's own stream.
type companyCore struct {
	loc          *locale
	city         int
	name, domain string
}

func (g *gen) companyCore(r *rand.Rand) companyCore {
	l := pickLocale(r)
	c := companyCore{loc: l, city: r.IntN(len(l.cities))}
	legal := l.legal[r.IntN(len(l.legal))]
	var base, ascii string
	switch k := r.IntN(100); {
	case k < 55:
		h, t := l.heads[r.IntN(len(l.heads))], l.tails[r.IntN(len(l.tails))]
		base, ascii = h.text+t.text, h.ascii+t.ascii
		if l.brands.sectors != nil && r.IntN(10) < 3 {
			s := l.brands.sectors[r.IntN(len(l.brands.sectors))]
			base, ascii = base+" "+s, ascii+"-"+strings.ToLower(s)
		}
	case k < 80:
		w := l.lastM[r.IntN(len(l.lastM))]
		base, ascii = w.text, w.ascii
	default:
		w := l.lastM[r.IntN(len(l.lastM))]
		base, ascii = fmt.Sprintf(l.partners, w.text), w.ascii+"-partners"
	}
	c.name = fmt.Sprintf(legal, base)
	tld := l.tld
	if tld != "com" && r.IntN(10) < 3 {
		tld = "com"
	}
	// Every demo address sits under the reserved .example top-level domain
	// (RFC 2606), so nothing Rapport ever sends to demo data reaches a real
	// company; the country's own domain stays visible before it.
	c.domain = ascii + "." + tld + ".example"
	return c
}

// companyRows yields the rows of companiesTable.
func (g *gen) companyRows() iter.Seq[[]any] {
	return func(yield func([]any) bool) {
		s := newStream()
		row := make([]any, len(companiesTable.cols))
		var buf []byte
		g.companyOwner = make([]int64, g.companies)
		for j := range g.companies {
			r := s.at(g.seed, kindCompany, j)
			c := g.companyCore(r)
			l, home := c.loc, c.loc.cities[c.city]
			phones := []item{{value: expand(r, landline(r, l, home)), label: "main", phone: true}}
			if r.IntN(5) == 0 {
				phones = append(phones, item{value: expand(r, mobile(r, l, home)), label: "support", phone: true})
			}
			emails := []item{{value: companyMails[r.IntN(len(companyMails))] + "@" + c.domain, label: "work"}}
			if r.IntN(10) < 4 {
				emails = append(emails, item{value: "sales@" + c.domain, label: "sales"})
			}
			buf = appendItems(buf[:0], phones)
			phoneJSON := string(buf)
			buf = appendItems(buf[:0], emails)
			emailJSON := string(buf)
			buf = appendAddress(buf[:0], g.address(r, l, home))
			addrJSON := string(buf)
			created, updated := g.times(r)
			row[0], row[1], row[2], row[3] = g.ws, g.companyBase+1+int64(j), c.name, c.domain
			row[4], row[5], row[6], row[7] = "https://www."+c.domain, phoneJSON, emailJSON, addrJSON
			row[8], row[9] = industries[r.IntN(len(industries))], records.CompanySizes[sizeWeights.pick(r)]
			row[10], row[11] = g.owner(r), g.tags(r, companyTags, r.IntN(3), &buf)
			row[12], row[13] = created, updated
			g.companyOwner[j] = row[10].(int64)
			if !yield(row) {
				return
			}
		}
	}
}

// links are a contact's first draws: its companies and the roles there.
type links struct {
	first, second int // company ordinals; second is -1 when there is none
	title, role2  string
}

func (g *gen) links(r *rand.Rand) links {
	ln := links{first: r.IntN(g.companies), second: -1}
	if g.companies > 1 && r.IntN(10) == 0 {
		ln.second = r.IntN(g.companies - 1)
		if ln.second >= ln.first {
			ln.second++
		}
		ln.role2 = secondRoles[r.IntN(len(secondRoles))]
	}
	ln.title = jobTitles[r.IntN(len(jobTitles))]
	return ln
}

// linkRows yields the rows of linksTable by replaying each contact's first
// draws.
func (g *gen) linkRows() iter.Seq[[]any] {
	return func(yield func([]any) bool) {
		s := newStream()
		row := make([]any, len(linksTable.cols))
		for i := range g.contacts {
			ln := g.links(s.at(g.seed, kindContact, i))
			row[0], row[1], row[2], row[3] = g.ws, g.contactBase+1+int64(i), g.companyBase+1+int64(ln.first), ln.title
			if !yield(row) {
				return
			}
			if ln.second >= 0 {
				row[2], row[3] = g.companyBase+1+int64(ln.second), ln.role2
				if !yield(row) {
					return
				}
			}
		}
	}
}

// person is a generated name.
type person struct {
	first, last word
	full        string
}

func (g *gen) person(r *rand.Rand, l *locale) person {
	female := r.IntN(2) == 0
	var p person
	k := r.IntN(len(l.lastM))
	if female {
		p.first, p.last = l.female[r.IntN(len(l.female))], l.lastF[k]
	} else {
		p.first, p.last = l.male[r.IntN(len(l.male))], l.lastM[k]
	}
	surname := p.last.text
	if l.doubleSurname && r.IntN(10) < 4 {
		surname += " " + l.lastM[r.IntN(len(l.lastM))].text
	}
	p.full = p.first.text + " " + surname
	if l.familyFirst {
		p.full = surname + " " + p.first.text
	}
	p.last.text = surname
	return p
}

// contactRows yields the rows of contactsTable.
func (g *gen) contactRows() iter.Seq[[]any] {
	return func(yield func([]any) bool) {
		s, aux := newStream(), newStream()
		row := make([]any, len(contactsTable.cols))
		var buf []byte
		g.contactOwner, g.contactCompany = make([]int64, g.contacts), make([]int32, g.contacts)
		for i := range g.contacts {
			g.contactCompany[i] = int32(g.contact(s.at(g.seed, kindContact, i), aux, i, row, &buf))
			g.contactOwner[i] = row[13].(int64)
			if !yield(row) {
				return
			}
		}
	}
}

// contact fills row with contact i and returns the ordinal of its
// company; aux is the stream used to look up the company.
func (g *gen) contact(r *rand.Rand, aux *stream, i int, row []any, buf *[]byte) int {
	ln := g.links(r)
	co := g.companyCore(aux.at(g.seed, kindCompany, ln.first))
	// Most people live where their company is.
	sameCountry := r.IntN(10) < 7
	l := co.loc
	if !sameCountry {
		l = pickLocale(r)
	}
	home := l.cities[r.IntN(len(l.cities))]
	if sameCountry && r.IntN(2) == 0 {
		home = l.cities[co.city]
	}
	p := g.person(r, l)
	row[0], row[1], row[2], row[3], row[4] = g.ws, g.contactBase+1+int64(i), p.first.text, p.last.text, p.full
	row[5] = g.emails(r, l, p, co.domain, buf)
	row[6] = g.phones(r, l, home, buf)
	row[7] = nil
	if r.IntN(100) < 85 {
		row[7] = string(appendAddress((*buf)[:0], g.address(r, l, home)))
	}
	row[8] = nil
	if r.IntN(4) == 0 {
		profile := "https://www.linkedin.com/in/" + p.first.ascii + "-" + p.last.ascii + "-" + strconv.FormatUint(r.Uint64()>>40, 36)
		row[8] = string(appendItems((*buf)[:0], []item{{value: profile}}))
	}
	row[9], row[10], row[11] = ln.title, l.tag, g.birthday(r)
	row[12], row[13] = records.Sources[sourceWeights.pick(r)], g.owner(r)
	row[14] = g.tags(r, contactTags, tagCounts.pick(r), buf)
	row[15] = g.custom(r, l, buf)
	row[16], row[17] = g.times(r)
	return ln.first
}

// emails gives most contacts a work address at their company and some a
// personal one at a free-mail provider of their country.
func (g *gen) emails(r *rand.Rand, l *locale, p person, domain string, buf *[]byte) any {
	var list []item
	if r.IntN(100) < 65 {
		list = append(list, item{value: localPart(r, p) + "@" + domain, label: "work"})
	}
	if len(list) == 0 || r.IntN(100) < 30 {
		local := localPart(r, p)
		if r.IntN(2) == 0 {
			local += strconv.Itoa(10 + r.IntN(90))
		}
		list = append(list, item{value: local + "@" + l.freemail[r.IntN(len(l.freemail))] + ".example", label: "personal"})
	}
	*buf = appendItems((*buf)[:0], list)
	return string(*buf)
}

// localPart is the part of an e-mail address before the @, in one of the
// styles people and companies use.
func localPart(r *rand.Rand, p person) string {
	f, l := p.first.ascii, p.last.ascii
	switch r.IntN(5) {
	case 0:
		return f + "." + l
	case 1:
		return f[:1] + "." + l
	case 2:
		return f + l
	case 3:
		return f + "_" + l
	default:
		return l + "." + f
	}
}

func (g *gen) phones(r *rand.Rand, l *locale, home city, buf *[]byte) any {
	var list []item
	if r.IntN(100) < 92 {
		list = append(list, item{value: expand(r, mobile(r, l, home)), label: phoneLabels[0], phone: true})
	}
	if r.IntN(100) < 30 {
		list = append(list, item{value: expand(r, landline(r, l, home)), label: phoneLabels[1], phone: true})
	}
	if len(list) == 0 {
		return nil
	}
	*buf = appendItems((*buf)[:0], list)
	return string(*buf)
}

// mobile returns a mobile number pattern for someone in home.
func mobile(r *rand.Rand, l *locale, home city) string {
	if home.mobile != "" {
		return home.mobile
	}
	return l.mobiles[r.IntN(len(l.mobiles))]
}

// landline returns an office number pattern in home, or a mobile one where
// the table has no landline.
func landline(r *rand.Rand, l *locale, home city) string {
	if home.landline != "" {
		return home.landline
	}
	return mobile(r, l, home)
}

func (g *gen) address(r *rand.Rand, l *locale, home city) address {
	// House numbers are mostly small.
	n := 1 + r.IntN(30)
	if r.IntN(3) == 0 {
		n = 1 + r.IntN(250)
	}
	return address{
		street:  fmt.Sprintf(l.streetFmt, l.streets[r.IntN(len(l.streets))], n),
		city:    home.name,
		region:  home.region,
		postal:  expand(r, home.postal),
		country: l.country,
	}
}

// birthday returns a date for about 40% of contacts, of people aged 22 to
// 67.
func (g *gen) birthday(r *rand.Rand) any {
	if r.IntN(10) >= 4 {
		return nil
	}
	age := 22 + r.IntN(46)
	return g.now.AddDate(-age, 0, -r.IntN(365)).Format(time.DateOnly)
}

func (g *gen) owner(r *rand.Rand) int64 { return g.owners[r.IntN(len(g.owners))] }

// tags returns n distinct tags from list as a JSON array, or nil for none.
func (g *gen) tags(r *rand.Rand, list []string, n int, buf *[]byte) any {
	if n == 0 {
		return nil
	}
	var picked [3]string
	chosen := picked[:0]
	for len(chosen) < n {
		t := list[r.IntN(len(list))]
		if !contains(chosen, t) {
			chosen = append(chosen, t)
		}
	}
	*buf = appendStrings((*buf)[:0], chosen)
	return string(*buf)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// custom returns the custom column: tier, a score that rises with the tier
// and a lifetime value in the contact's currency.
func (g *gen) custom(r *rand.Rand, l *locale, buf *[]byte) string {
	t := tiers[tierWeights.pick(r)]
	score := t.scoreLo + r.IntN(t.score-t.scoreLo+1)
	eur := t.eurLo + r.Int64N(t.eur-t.eurLo)
	minor := int64(float64(eur)*l.perEUR) * 100
	b := append((*buf)[:0], `{"lifetime_value":{"amount":`...)
	b = strconv.AppendInt(b, minor, 10)
	b = append(b, `,"currency":`...)
	b = appendString(b, l.currency)
	b = append(b, `},"score":`...)
	b = strconv.AppendInt(b, int64(score), 10)
	b = append(b, `,"tier":`...)
	b = appendString(b, t.name)
	b = append(b, '}')
	*buf = b
	return string(b)
}

// history is how far back demo records were created.
const history = 3 * 365 * 24 * time.Hour

// times returns created_at and updated_at, spread over the past three
// years, as the dialect stores them. A third of records were never edited.
func (g *gen) times(r *rand.Rand) (created, updated any) {
	c := g.now.Add(-time.Duration(r.Int64N(int64(history/time.Microsecond))) * time.Microsecond)
	u := c
	if r.IntN(3) > 0 {
		u = c.Add(time.Duration(r.Int64N(int64(g.now.Sub(c)/time.Microsecond)+1)) * time.Microsecond)
	}
	return g.d.Time(c), g.d.Time(u)
}

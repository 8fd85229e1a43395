// Package linkage decides whether two records describe the same person or
// company, the way record-linkage research does it (Fellegi and Sunter,
// 1969): each field of a pair is compared and given a level ("exact",
// "close", "different", or missing when either side lacks it); each level
// carries a weight, log₂(m/u), where m is how often true duplicates show
// that level and u how often unrelated records do; the weights and a prior
// add up to a match probability. The m and u values are learned from a
// workspace's own records with expectation–maximisation (Estimate); a
// workspace too small to learn from uses Default.
//
// The package is pure: no database, no clock, no randomness outside a
// fixed seed. The store keeps each record's Profile (JSON), its Blocks
// (records that share no block are never compared) and the workspace's
// Model. See docs/decisions/0033-probabilistic-matching.md.
package linkage

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	gojson "github.com/goccy/go-json"
)

// Record is what is known of one contact or company.
type Record struct {
	ID   string
	Kind string // KindContact or KindCompany
	// FirstName and LastName are a contact's; Name is a company's name, or
	// a contact's whole name when the parts are missing ("Smith, John" and
	// "John Smith" both read as given name John, family name Smith).
	FirstName, LastName, Name string
	Emails                    []string
	// Phones are in E.164 where they parse ("+14155552671"), else as typed.
	Phones []string
	// Birthday is YYYY-MM-DD, or "".
	Birthday                string
	AddressLines            []string
	Postcode, Town, Country string
	// Companies are the names of the companies a contact works at.
	Companies []string
	// Domain is a company's web site domain ("acme.example").
	Domain string
	// Identifiers are values that name one record: tax number, customer
	// number, any custom field marked identifying, by field name.
	Identifiers map[string]string
}

// ReadRecord reads a record as the store keeps it: its JSON. It decodes
// with goccy/go-json, about three times faster than encoding/json, whose
// reflection was half the work of a rescore's reading of profiles (every
// record is read once for each blocking rule it shares a block under).
func ReadRecord(text string) (Record, error) {
	var r Record
	err := gojson.Unmarshal([]byte(text), &r)
	return r, err
}

// Kinds of records.
const (
	KindContact = "contact"
	KindCompany = "company"
)

// Profile is a record in normalised form, computed once per record by
// Prepare and kept by the store as JSON; comparing two profiles reads
// nothing else. Words are lower case, Cyrillic spelt in Latin, diacritics
// folded. Values too common to tell records apart (info@, +70000000000,
// "n/a", "test") are left out.
type Profile struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
	// Given and Family are a contact's given-name words (middle names and
	// patronymics after the first) and family-name words.
	Given  []string `json:"given,omitempty"`
	Family []string `json:"family,omitempty"`
	// Name is a company's name without its legal form, words in order.
	Name     []string `json:"name,omitempty"`
	Emails   []string `json:"emails,omitempty"` // lower case; gmail dots and plus tags removed
	Phones   []string `json:"phones,omitempty"` // digits only
	Birthday string   `json:"birthday,omitempty"`
	House    string   `json:"house,omitempty"`  // house number
	Street   []string `json:"street,omitempty"` // street words, sorted, abbreviations folded
	Postcode string   `json:"postcode,omitempty"`
	Town     string   `json:"town,omitempty"`
	Country  string   `json:"country,omitempty"`
	// Companies are the contact's companies' names, normalised as Name and
	// joined by spaces.
	Companies   []string          `json:"companies,omitempty"`
	Domain      string            `json:"domain,omitempty"`
	Identifiers map[string]string `json:"identifiers,omitempty"`

	derived
}

// derived holds what Compare reads often, computed from the stored fields
// when a profile is made or read back.
type derived struct {
	given, family        string // first given word, last family word
	givenCode, famCode   string // phonetic codes
	givenCanon, famCanon string // nickname-canonical codes
	name                 string // company name words joined
	locals               []string
	year, month, day     int
}

// UnmarshalJSON reads a stored profile.
func (p *Profile) UnmarshalJSON(b []byte) error {
	type plain Profile
	var q plain
	if err := json.Unmarshal(b, &q); err != nil {
		return err
	}
	*p = Profile(q)
	p.derive()
	return nil
}

func (p *Profile) derive() {
	d := derived{}
	if len(p.Given) > 0 {
		d.given = p.Given[0]
		d.givenCode, d.givenCanon = phonetic(d.given), canonicalName(d.given)
	}
	if len(p.Family) > 0 {
		d.family = p.Family[len(p.Family)-1]
		d.famCode, d.famCanon = phonetic(d.family), canonicalName(d.family)
	}
	d.name = strings.Join(p.Name, " ")
	for _, e := range p.Emails {
		if l, _, ok := strings.Cut(e, "@"); ok {
			d.locals = append(d.locals, l)
		}
	}
	if len(p.Birthday) == 10 {
		d.year, _ = strconv.Atoi(p.Birthday[:4])
		d.month, _ = strconv.Atoi(p.Birthday[5:7])
		d.day, _ = strconv.Atoi(p.Birthday[8:10])
	}
	p.derived = d
}

// Prepare normalises r.
func Prepare(r Record) *Profile {
	p := &Profile{ID: r.ID, Kind: r.Kind}
	if p.Kind != KindCompany {
		p.Kind = KindContact
		p.Given, p.Family = personName(r)
	} else {
		p.Name = companyName(r.Name)
	}
	for _, e := range r.Emails {
		if e = email(e, p.Kind); e != "" && !slices.Contains(p.Emails, e) {
			p.Emails = append(p.Emails, e)
		}
	}
	for _, ph := range r.Phones {
		if d := phone(ph); d != "" && !slices.Contains(p.Phones, d) {
			p.Phones = append(p.Phones, d)
		}
	}
	p.Birthday = birthday(r.Birthday)
	p.House, p.Street = address(r.AddressLines)
	p.Postcode = strings.Join(meaningful(words(r.Postcode)), "")
	p.Town = strings.Join(meaningful(townWords(r.Town)), " ")
	p.Country = country(r.Country)
	for _, c := range r.Companies {
		if n := strings.Join(companyName(c), " "); n != "" && !slices.Contains(p.Companies, n) {
			p.Companies = append(p.Companies, n)
		}
	}
	slices.Sort(p.Companies)
	p.Domain = domain(r.Domain)
	for k, v := range r.Identifiers {
		if v = strings.Join(meaningful(words(v)), ""); v != "" {
			if p.Identifiers == nil {
				p.Identifiers = map[string]string{}
			}
			p.Identifiers[strings.ToLower(strings.TrimSpace(k))] = v
		}
	}
	p.derive()
	return p
}

// placeholders are values people type when they have none.
var placeholders = map[string]bool{
	"na": true, "n": true, "none": true, "null": true, "nil": true, "test": true, "unknown": true,
	"xxx": true, "xx": true, "x": true, "tbd": true, "nd": true, "net": true, "nema": true, "brak": true,
	"nezinoma": true, "neizvestno": true, "asdf": true, "qwerty": true, "example": true, "sample": true,
	"noname": true, "empty": true, "no": true, "dummy": true,
}

// meaningful returns ws, or nothing when they only say that nothing is
// known ("n/a", "test", "-").
func meaningful(ws []string) []string {
	if len(ws) == 0 || placeholders[strings.Join(ws, "")] {
		return nil
	}
	for _, w := range ws {
		if !placeholders[w] {
			return ws
		}
	}
	return nil
}

// ocrLetters read back the digits a scanner or a careless typist puts
// for letters in a name ("Petr0va", "Wojc1k", "Serik6aev").
var ocrLetters = strings.NewReplacer("0", "o", "1", "l", "3", "e", "4", "a", "5", "s", "6", "b", "8", "b")

// nameWords returns the words of a name, digits within letters read as
// the letters they look like, and words of digits alone left out.
func nameWords(s string) []string {
	ws := meaningful(words(s))
	out := ws[:0]
	for _, w := range ws {
		if strings.ContainsAny(w, "0123456789") {
			if strings.Trim(w, "0123456789") == "" {
				continue
			}
			w = ocrLetters.Replace(w)
		}
		out = append(out, w)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// personName returns the given-name and family-name words of a contact.
func personName(r Record) (given, family []string) {
	given, family = nameWords(r.FirstName), nameWords(r.LastName)
	if len(given) > 0 || len(family) > 0 {
		return given, family
	}
	if before, after, ok := strings.Cut(r.Name, ","); ok {
		return nameWords(after), nameWords(before)
	}
	ws := nameWords(r.Name)
	switch len(ws) {
	case 0:
		return nil, nil
	case 1:
		return ws, nil
	}
	return ws[:len(ws)-1], ws[len(ws)-1:]
}

// legalForms are the words of company names that tell a legal form in the
// countries of Rapport's languages and in English-speaking ones, spelt as
// words() spells them ("ООО" is "ooo", "Sp. z o.o." is "sp z oo").
var legalForms = map[string]bool{
	// Russia, Kazakhstan
	"ooo": true, "oao": true, "zao": true, "pao": true, "ao": true, "ip": true, "too": true, "ak": true,
	"nko": true, "ano": true, "gup": true, "mup": true, "fgup": true, "chp": true, "tov": true, "pp": true,
	// Lithuania
	"uab": true, "ab": true, "mb": true, "vsi": true, "ii": true,
	// Romania
	"srl": true, "sa": true, "sca": true, "pfa": true,
	// Poland
	"sp": true, "spz": true, "spolka": true, "zoo": true, "oo": true, "sk": true, "ska": true,
	// English-speaking and others
	"inc": true, "incorporated": true, "llc": true, "llp": true, "lp": true, "ltd": true, "limited": true,
	"corp": true, "corporation": true, "co": true, "company": true, "plc": true, "gmbh": true, "ag": true,
	"kg": true, "ug": true, "sas": true, "sarl": true, "spa": true, "bv": true, "nv": true, "oy": true,
	"pty": true, "pte": true, "the": true, "and": true, "of": true,
}

// companyName returns the words of a company name without its legal form
// and joining words, each word once; "Sp. z o.o." loses its "z" too.
func companyName(s string) []string {
	ws := meaningful(words(s))
	out := ws[:0]
	for i, w := range ws {
		if legalForms[w] || w == "z" && i > 0 && ws[i-1] == "sp" || slices.Contains(out, w) {
			continue
		}
		out = append(out, w)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// roleMailboxes are local parts shared by many people: a contact's
// info@ address tells nothing about who they are.
var roleMailboxes = map[string]bool{
	"info": true, "office": true, "admin": true, "mail": true, "sales": true, "contact": true, "support": true,
	"noreply": true, "no-reply": true, "hello": true, "team": true, "post": true, "kontakt": true,
	"biuro": true, "birou": true, "secretary": true, "reception": true, "hr": true, "jobs": true,
	"billing": true, "accounts": true, "enquiries": true, "inquiries": true, "webmaster": true,
	"postmaster": true, "test": true, "example": true, "user": true, "email": true, "none": true, "na": true,
}

// dotBlind are mail providers that ignore dots in the local part; plusTags
// are those that deliver name+tag@ to name@.
var (
	dotBlind = map[string]bool{"gmail.com": true, "googlemail.com": true}
	plusTags = map[string]bool{"gmail.com": true, "googlemail.com": true, "outlook.com": true, "hotmail.com": true,
		"live.com": true, "icloud.com": true, "me.com": true, "yandex.ru": true, "ya.ru": true, "fastmail.com": true,
		"proton.me": true, "protonmail.com": true}
	freeMail = map[string]bool{"gmail.com": true, "outlook.com": true, "hotmail.com": true, "live.com": true,
		"icloud.com": true, "yahoo.com": true, "mail.ru": true, "yandex.ru": true, "ya.ru": true, "bk.ru": true,
		"list.ru": true, "inbox.ru": true, "rambler.ru": true, "wp.pl": true, "onet.pl": true, "o2.pl": true,
		"interia.pl": true, "gmx.com": true, "gmx.de": true, "aol.com": true, "proton.me": true, "protonmail.com": true}
	placeholderDomains = map[string]bool{"example.com": true, "example.org": true, "example.net": true,
		"test.com": true, "none.com": true, "no.com": true}
)

// email returns the canonical form of an address, or "" when it is none
// or shared (a role mailbox of a contact, an example domain).
func email(e, kind string) string {
	e = strings.ToLower(strings.TrimSpace(e))
	local, dom, ok := strings.Cut(e, "@")
	if !ok || local == "" || !strings.Contains(dom, ".") {
		return ""
	}
	if dom == "googlemail.com" {
		dom = "gmail.com"
	}
	if plusTags[dom] {
		local, _, _ = strings.Cut(local, "+")
	}
	if dotBlind[dom] {
		local = strings.ReplaceAll(local, ".", "")
	}
	if placeholderDomains[dom] || local == "" || kind == KindContact && roleMailboxes[local] ||
		placeholders[local] {
		return ""
	}
	return local + "@" + dom
}

// phone returns the digits of a number, or "" when it is too short or a
// placeholder: its last ten digits (or all, when fewer) one digit
// repeated, a run like 1234567 or 9876543, or one digit and zeros.
func phone(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b = append(b, s[i])
		}
	}
	if len(b) < 7 {
		return ""
	}
	sig := string(b[max(0, len(b)-10):])
	if strings.Trim(sig, sig[:1]) == "" || strings.Contains("01234567890123456789", sig) ||
		strings.Contains("98765432109876543210", sig) || strings.Trim(sig[1:], "0") == "" {
		return ""
	}
	return string(b)
}

// birthday returns a YYYY-MM-DD date, or "".
func birthday(s string) string {
	s = strings.TrimSpace(s)
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return ""
	}
	y, e1 := strconv.Atoi(s[:4])
	m, e2 := strconv.Atoi(s[5:7])
	d, e3 := strconv.Atoi(s[8:10])
	if e1 != nil || e2 != nil || e3 != nil || y < 1880 || m < 1 || m > 12 || d < 1 || d > 31 {
		return ""
	}
	if m == 1 && d == 1 && y == 1900 || y == 1970 && m == 1 && d == 1 {
		return "" // placeholder dates
	}
	return s
}

// streetWords fold the street words that are spelt many ways, and drop
// those that say nothing (street type words in the six languages, "apt",
// "kv").
var streetWords = map[string]string{
	"street": "", "st": "", "str": "", "avenue": "", "ave": "", "av": "", "road": "", "rd": "",
	"boulevard": "", "blvd": "", "drive": "", "dr": "", "place": "", "pl": "", "court": "", "ct": "",
	"lane": "", "ln": "", "parkway": "", "pkwy": "", "highway": "", "hwy": "", "square": "", "sq": "",
	"terrace": "", "way": "", "north": "n", "south": "s", "east": "e", "west": "w",
	"ulitsa": "", "ul": "", "prospekt": "", "pr": "", "prosp": "", "pereulok": "", "per": "", "d": "",
	"dom": "", "kv": "", "kvartira": "", "korpus": "", "k": "", "stroenie": "", "str.": "", "shosse": "",
	"naberezhnaia": "", "bulvar": "", "ploshchad": "", "mkr": "", "mikroraion": "", "kosh": "", "koshesi": "",
	"daңgyly": "", "dangyly": "", "g": "", "gorod": "",
	"gatve": "", "g.": "", "pr.": "", "al": "", "aleja": "", "aleje": "", "ulica": "", "os": "",
	"osiedle": "", "strada": "", "bd": "", "bulevardul": "", "calea": "", "soseaua": "", "sos": "",
	"bl": "", "sc": "", "ap": "", "et": "", "apt": "", "apartment": "", "suite": "", "ste": "", "unit": "",
	"floor": "", "fl": "", "room": "", "rm": "", "no": "", "nr": "",
}

// address returns the house number (the first word that starts with a
// digit and does not follow a flat word) and the other words of the
// address lines, sorted, street types and placeholders left out; digits
// within a street name are read as the letters they look like.
func address(lines []string) (house string, street []string) {
	for _, line := range lines {
		ws := meaningful(words(line))
		for i, w := range ws {
			if w[0] >= '0' && w[0] <= '9' {
				if house == "" && (i == 0 || !isFlatWord(ws[i-1])) {
					house = w
				}
				continue
			}
			if strings.ContainsAny(w, "0123456789") {
				if len(strings.Trim(w, "0123456789")) < 3 {
					continue // "k2", "b1": a building or flat
				}
				w = ocrLetters.Replace(w) // "D0styk": a street misread
			}
			if f, ok := streetWords[w]; ok {
				w = f
			}
			if w != "" && !slices.Contains(street, w) {
				street = append(street, w)
			}
		}
	}
	slices.Sort(street)
	return house, street
}

func isFlatWord(w string) bool {
	switch w {
	case "kv", "apt", "ap", "suite", "ste", "unit", "room", "fl", "floor", "kvartira", "m":
		return true
	}
	return false
}

// townWords are the words of a town without "city of", "g." and the like.
func townWords(s string) []string {
	ws := words(s)
	out := ws[:0]
	for _, w := range ws {
		switch w {
		case "g", "gorod", "city", "of", "m", "miestas", "miasto", "municipiul", "oras":
			continue
		}
		out = append(out, w)
	}
	return out
}

// countries spell the countries of Rapport's languages one way.
var countries = map[string]string{
	"russia": "ru", "rossiia": "ru", "russian federation": "ru", "rf": "ru", "rossiiskaia federatsiia": "ru",
	"kazakhstan": "kz", "kazakstan": "kz", "respublika kazakhstan": "kz", "lithuania": "lt", "lietuva": "lt",
	"poland": "pl", "polska": "pl", "romania": "ro", "usa": "us", "united states": "us",
	"united states of america": "us", "united kingdom": "gb", "uk": "gb", "great britain": "gb",
	"germany": "de", "deutschland": "de", "ukraine": "ua", "ukraina": "ua", "belarus": "by",
}

func country(s string) string {
	n := strings.Join(meaningful(words(s)), " ")
	if c, ok := countries[n]; ok {
		return c
	}
	return n
}

// domain returns a web site's host without "www." and scheme.
func domain(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if _, after, ok := strings.Cut(s, "://"); ok {
		s = after
	}
	s, _, _ = strings.Cut(s, "/")
	s = strings.TrimPrefix(s, "www.")
	if !strings.Contains(s, ".") || freeMail[s] || placeholderDomains[s] {
		return ""
	}
	return s
}

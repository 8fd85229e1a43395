package vcard

import (
	"io"
	"regexp"
	"slices"
	"strings"
	"sync"

	govcard "github.com/emersion/go-vcard"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// Versions are the vCard versions Write makes.
var Versions = []string{"3.0", "4.0"}

// socialProfile is Apple's property for a social network profile, which
// Google and others read too.
const socialProfile = "X-SOCIALPROFILE"

// FromCard maps a vCard (decoded by Decode) to a contact.
func FromCard(card govcard.Card) Contact {
	var c Contact
	if f := card.Preferred(govcard.FieldName); f != nil {
		n := parts(f.Value)
		c.FirstName, c.LastName = clean(part(n, 1)), clean(part(n, 0))
	}
	c.FullName = clean(card.PreferredValue(govcard.FieldFormattedName))
	for _, f := range card[govcard.FieldEmail] {
		c.Emails = appendItem(c.Emails, trimScheme(f.Value, "mailto:"), label(f, "internet", "pref", "x400"))
	}
	for _, f := range card[govcard.FieldTelephone] {
		c.Phones = appendItem(c.Phones, trimScheme(f.Value, "tel:"), label(f, "voice", "pref"))
	}
	if f := card.Preferred(govcard.FieldAddress); f != nil {
		c.Address = addressOf(f)
	}
	for _, f := range card[govcard.FieldURL] {
		if v := clean(f.Value); c.Website == "" {
			c.Website = v
		} else if v != c.Website {
			c.SocialProfiles = appendItem(c.SocialProfiles, v, label(f, "pref"))
		}
	}
	for _, f := range card[socialProfile] {
		c.SocialProfiles = appendItem(c.SocialProfiles, f.Value, label(f, "pref"))
	}
	c.JobTitle = clean(card.PreferredValue(govcard.FieldTitle))
	c.Language = clean(card.PreferredValue(govcard.FieldLanguage))
	c.Birthday = birthday(card.Value(govcard.FieldBirthday))
	for _, f := range card[govcard.FieldCategories] {
		for _, t := range strings.Split(f.Value, ",") {
			if t = clean(t); t != "" && !slices.Contains(c.Tags, t) {
				c.Tags = append(c.Tags, t)
			}
		}
	}
	c.Organization = clean(part(parts(card.PreferredValue(govcard.FieldOrganization)), 0))
	for _, f := range card[govcard.FieldNote] {
		if v := strings.TrimSpace(newlines(unescape(f.Value))); v != "" {
			c.Notes = append(c.Notes, v)
		}
	}
	return c
}

// Write writes c as one vCard of version 3.0 or 4.0.
func Write(w io.Writer, c Contact, version string) error {
	return govcard.NewEncoder(w).Encode(Card(c, version))
}

// Card is c as a vCard of version 3.0 or 4.0, for a caller that adds to
// it or encodes it itself.
func Card(c Contact, version string) govcard.Card {
	card := govcard.Card{}
	card.SetValue(govcard.FieldVersion, version)
	card.SetName(&govcard.Name{FamilyName: component(c.LastName), GivenName: component(c.FirstName)})
	card.SetValue(govcard.FieldFormattedName, c.FullName)
	for _, it := range c.Emails {
		card.Add(govcard.FieldEmail, withTypes(it.Value, it.Label))
	}
	for _, it := range c.Phones {
		f := withTypes(it.Value, it.Label)
		if version == "4.0" {
			if e164.MatchString(it.Value) {
				f.Value = "tel:" + it.Value
				f.Params.Set(govcard.ParamValue, "uri")
			} else {
				f.Params.Set(govcard.ParamValue, "text")
			}
		}
		card.Add(govcard.FieldTelephone, f)
	}
	if a := c.Address; a != nil {
		card.SetAddress(&govcard.Address{StreetAddress: component(a.Street), Locality: component(a.City),
			Region: component(a.Region), PostalCode: component(a.PostalCode), Country: component(a.Country)})
	}
	if c.Website != "" {
		card.SetValue(govcard.FieldURL, c.Website)
	}
	for _, it := range c.SocialProfiles {
		card.Add(socialProfile, withTypes(it.Value, it.Label))
	}
	setValue(card, govcard.FieldTitle, c.JobTitle)
	setValue(card, govcard.FieldLanguage, c.Language)
	if c.Birthday != "" {
		if version == "4.0" {
			card.SetValue(govcard.FieldBirthday, strings.ReplaceAll(c.Birthday, "-", ""))
		} else {
			card.SetValue(govcard.FieldBirthday, c.Birthday)
		}
	}
	for _, t := range c.Tags {
		card.AddValue(govcard.FieldCategories, t)
	}
	setValue(card, govcard.FieldOrganization, component(c.Organization))
	for _, n := range c.Notes {
		card.AddValue(govcard.FieldNote, n)
	}
	return card
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)

func setValue(card govcard.Card, key, v string) {
	if v != "" {
		card.SetValue(key, v)
	}
}

// component keeps a value inside its part of a structured property (N,
// ADR, ORG), whose parts the library splits at every semicolon.
func component(s string) string { return strings.ReplaceAll(s, ";", ",") }

// withTypes is a property whose types are the words of label.
func withTypes(value, label string) *govcard.Field {
	f := &govcard.Field{Value: value, Params: govcard.Params{}}
	for _, t := range strings.Fields(label) {
		f.Params.Add(govcard.ParamType, t)
	}
	return f
}

// label is the lower-case types of a property but those in skip, which say
// nothing a person would call a label.
func label(f *govcard.Field, skip ...string) string {
	var words []string
	for _, t := range f.Params.Types() {
		for _, w := range strings.Fields(strings.ToLower(t)) {
			if !slices.Contains(skip, w) && !slices.Contains(words, w) {
				words = append(words, w)
			}
		}
	}
	return strings.Join(words, " ")
}

func appendItem(items []Item, value, label string) []Item {
	if value = clean(value); value == "" {
		return items
	}
	return append(items, Item{Value: value, Label: label})
}

func trimScheme(v, scheme string) string {
	v = strings.TrimSpace(v)
	if len(v) >= len(scheme) && strings.EqualFold(v[:len(scheme)], scheme) {
		return v[len(scheme):]
	}
	return v
}

// clean is a one-line value: its lines joined, space trimmed.
func clean(s string) string { return strings.Join(strings.Fields(unescape(s)), " ") }

// unescape undoes the escaped semicolon, and the escaped colon and quote
// that some address books write, which the library leaves as written.
func unescape(s string) string { return unescaper.Replace(s) }

var unescaper = strings.NewReplacer(`\;`, ";", `\:`, ":", `\"`, `"`)

// parts splits a structured value (N, ADR, ORG) at its semicolons but the
// escaped ones, which the library would split at too.
func parts(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case ';':
			out = append(out, unescape(s[start:i]))
			start = i + 1
		}
	}
	return append(out, unescape(s[min(start, len(s)):]))
}

func part(parts []string, i int) string {
	if i < len(parts) {
		return parts[i]
	}
	return ""
}

func newlines(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// addressOf maps an ADR: the post-office box, extended address and street
// make the street, one line each; a country the engine cannot hold as an
// ISO code stays in the street's last line, so nothing is lost.
func addressOf(f *govcard.Field) *Address {
	ps := parts(f.Value)
	part := func(i int) string { return strings.TrimSpace(newlines(part(ps, i))) }
	var street []string
	for i := range 3 {
		if p := part(i); p != "" {
			street = append(street, p)
		}
	}
	a := &Address{City: clean(part(3)), Region: clean(part(4)), PostalCode: clean(part(5))}
	if country := clean(part(6)); country != "" {
		if code := countryCode(country); code != "" {
			a.Country = code
		} else {
			street = append(street, country)
		}
	}
	a.Street = strings.Join(street, "\n")
	if *a == (Address{}) {
		return nil
	}
	return a
}

// countryCode returns the ISO 3166 code of a country given by its code or
// its English name, or "".
func countryCode(s string) string {
	if len(s) == 2 {
		if r, err := language.ParseRegion(s); err == nil && r.IsCountry() {
			return r.String()
		}
	}
	countriesOnce.Do(loadCountries)
	return countries[strings.ToLower(s)]
}

var (
	countriesOnce sync.Once
	countries     map[string]string // lower-case English name → code
)

// loadCountries names every ISO 3166 country in English, and adds the
// long names that address books write for a few.
func loadCountries() {
	countries = map[string]string{"united states of america": "US", "usa": "US", "u.s.a.": "US",
		"uk": "GB", "great britain": "GB", "england": "GB", "russian federation": "RU"}
	names := display.English.Regions()
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			r, err := language.ParseRegion(string([]rune{a, b}))
			if err != nil || !r.IsCountry() || r.String() != string([]rune{a, b}) {
				continue
			}
			// An alias (UK) comes after its country's code (GB): keep the code.
			if name := strings.ToLower(names.Name(r)); name != "" && countries[name] == "" {
				countries[name] = r.String()
			}
		}
	}
}

// birthdayForms are the date parts of a vCard birthday: 2.1 and 4.0 write
// 19800322, 3.0 1980-03-22, either perhaps followed by a time. A birthday
// without a year (--0322) has no place in a date field.
var birthdayForms = regexp.MustCompile(`^(\d{4})-?(\d{2})-?(\d{2})(?:$|T)`)

func birthday(s string) string {
	m := birthdayForms.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return ""
	}
	return m[1] + "-" + m[2] + "-" + m[3]
}

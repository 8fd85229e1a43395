// Package vcard turns contacts into vCards (3.0 and 4.0) and vCards (2.1,
// 3.0 and 4.0) back into contacts, and imports and exports them through
// the records engine. The vCard syntax is emersion's go-vcard; this
// package holds the mapping between its properties and a contact's
// fields, and the decoding of vCard 2.1's quoted-printable values and
// charsets, which the library leaves as written.
//
// The mapping, both ways (docs/decisions/0040-vcard-ical.md):
//
//	N (family; given)        last_name, first_name
//	FN                       full_name
//	EMAIL;TYPE=…             emails (label: the types but internet and pref)
//	TEL;TYPE=…               phones (label: the types but voice and pref)
//	ADR (the preferred one)  address (street = P.O. box, extended, street)
//	URL (first; the others)  website; social_profiles
//	X-SOCIALPROFILE          social_profiles
//	TITLE                    job_title
//	LANG                     language
//	BDAY (with a year)       birthday
//	CATEGORIES               tags
//	ORG (first part)         the company the contact is linked to
//	NOTE                     a note about the contact
package vcard

import (
	"encoding/json"
	"fmt"
	"html"
	"strings"

	"golang.org/x/net/html/atom"

	xhtml "golang.org/x/net/html"

	"github.com/rapport-crm/rapport/internal/records"
)

// Contact is a contact as a vCard carries it: the contact's own fields,
// named and shaped as the records engine takes them, and what lives in
// other records (the company, the notes).
type Contact struct {
	FirstName      string   `json:"first_name,omitempty"`
	LastName       string   `json:"last_name,omitempty"`
	FullName       string   `json:"full_name,omitempty"`
	Emails         []Item   `json:"emails,omitempty"`
	Phones         []Item   `json:"phones,omitempty"`
	Address        *Address `json:"address,omitempty"`
	Website        string   `json:"website,omitempty"`
	SocialProfiles []Item   `json:"social_profiles,omitempty"`
	JobTitle       string   `json:"job_title,omitempty"`
	Language       string   `json:"language,omitempty"`
	Birthday       string   `json:"birthday,omitempty"` // YYYY-MM-DD
	Tags           []string `json:"tags,omitempty"`

	// Organization is the name of the company the contact works at.
	Organization string `json:"-"`
	// Notes are plain texts, each a note about the contact.
	Notes []string `json:"-"`
}

// Item is an e-mail address, phone number or profile with its label.
type Item struct {
	Value string `json:"value"`
	Label string `json:"label,omitempty"`
}

// Address is a postal address as the engine stores it.
type Address struct {
	Street     string `json:"street,omitempty"`
	City       string `json:"city,omitempty"`
	Region     string `json:"region,omitempty"`
	PostalCode string `json:"postal_code,omitempty"`
	Country    string `json:"country,omitempty"` // ISO 3166 two-letter code
}

// Input returns the contact's own fields as the engine's create takes
// them.
func (c Contact) Input() map[string]any {
	b, err := json.Marshal(c)
	if err != nil {
		panic(err) // strings and lists of strings always marshal
	}
	var in map[string]any
	if err := json.Unmarshal(b, &in); err != nil {
		panic(err)
	}
	return in
}

// FromRecord reads a contact record as the engine returns it; fields the
// caller's role hides are simply absent. The company and notes are the
// caller's to add.
//
// Only the fields of Contact are read; the rest of the record (ids,
// scores, owner, a phone's typed form) has no place in a vCard. The values
// are taken as the engine decodes them (strings, lists and objects of
// JSON) without a round trip through JSON, which an export or an address
// book would make for every contact; a value of another Go type (a record
// a hook built) takes the round trip.
func FromRecord(rec records.Record) (Contact, error) {
	if c, err := fromValues(rec); err == nil {
		return c, nil
	}
	own := make(map[string]any, len(Fields))
	for _, k := range Fields {
		if v, ok := rec[k]; ok && v != nil {
			own[k] = v
		}
	}
	var c Contact
	b, err := json.Marshal(own)
	if err != nil {
		return c, err
	}
	err = json.Unmarshal(b, &c)
	return c, err
}

// fromValues reads rec's fields as the engine decodes them from a row.
func fromValues(rec records.Record) (Contact, error) {
	var c Contact
	var err error
	text := func(k string) string {
		if err != nil || rec[k] == nil {
			return ""
		}
		s, ok := rec[k].(string)
		if !ok {
			err = fmt.Errorf("%s: a %T, not a string", k, rec[k])
		}
		return s
	}
	items := func(k string) []Item {
		if err != nil || rec[k] == nil {
			return nil
		}
		var out []Item
		out, err = itemsOf(k, rec[k])
		return out
	}
	c.FirstName, c.LastName, c.FullName = text("first_name"), text("last_name"), text("full_name")
	c.Emails, c.Phones, c.SocialProfiles = items("emails"), items("phones"), items("social_profiles")
	c.Website, c.JobTitle, c.Language, c.Birthday = text("website"), text("job_title"), text("language"), text("birthday")
	if err == nil && rec["address"] != nil {
		c.Address, err = addressOfValue(rec["address"])
	}
	if err == nil && rec["tags"] != nil {
		c.Tags, err = stringsOf("tags", rec["tags"])
	}
	return c, err
}

// itemsOf reads a list of e-mail addresses, phone numbers or profiles as
// the engine returns it: objects with a value and a label.
func itemsOf(k string, v any) ([]Item, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%s: a %T, not a list", k, v)
	}
	out := make([]Item, 0, len(list))
	for _, x := range list {
		m, ok := x.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: a %T, not an object", k, x)
		}
		var it Item
		var okV, okL bool
		it.Value, okV = optional(m["value"])
		it.Label, okL = optional(m["label"])
		if !okV || !okL {
			return nil, fmt.Errorf("%s: a value or label that is not a string", k)
		}
		out = append(out, it)
	}
	return out, nil
}

// addressOfValue reads an address as the engine returns it.
func addressOfValue(v any) (*Address, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("address: a %T, not an object", v)
	}
	a := &Address{}
	for k, p := range map[string]*string{"street": &a.Street, "city": &a.City, "region": &a.Region,
		"postal_code": &a.PostalCode, "country": &a.Country} {
		if *p, ok = optional(m[k]); !ok {
			return nil, fmt.Errorf("address.%s: a %T, not a string", k, m[k])
		}
	}
	return a, nil
}

// stringsOf reads a list of strings (the tags).
func stringsOf(k string, v any) ([]string, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%s: a %T, not a list", k, v)
	}
	out := make([]string, len(list))
	for i, x := range list {
		if out[i], ok = optional(x); !ok {
			return nil, fmt.Errorf("%s: a %T, not a string", k, x)
		}
	}
	return out, nil
}

// optional is a string value that may be absent (JSON null), as
// encoding/json would have read it.
func optional(v any) (string, bool) {
	if v == nil {
		return "", true
	}
	s, ok := v.(string)
	return s, ok
}

// Fields are the contact fields a vCard carries: those Contact holds.
var Fields = []string{"first_name", "last_name", "full_name", "emails", "phones", "address", "website",
	"social_profiles", "job_title", "language", "birthday", "tags"}

// TextToHTML turns the plain text of a vCard or iCalendar note into the
// HTML that long-text fields hold: escaped, with its line breaks kept.
func TextToHTML(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	return strings.ReplaceAll(html.EscapeString(s), "\n", "<br>")
}

// HTMLToText turns the HTML of a long-text field into plain text for a
// vCard or iCalendar note: the text of its elements, with a line break
// for each <br> and between blocks.
func HTMLToText(s string) string {
	z := xhtml.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	for {
		tt := z.Next()
		switch tt {
		case xhtml.ErrorToken:
			return strings.TrimRight(b.String(), "\n")
		case xhtml.TextToken:
			b.Write(z.Text())
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken, xhtml.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if a == atom.Br || (tt == xhtml.EndTagToken && blocks[a] && b.Len() > 0) {
				b.WriteByte('\n')
			}
		}
	}
}

// blocks are the elements whose end breaks the line in plain text.
var blocks = map[atom.Atom]bool{atom.P: true, atom.Div: true, atom.Li: true, atom.Tr: true, atom.Pre: true,
	atom.Blockquote: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true}

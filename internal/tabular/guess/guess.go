// Package guess maps the columns of an imported file to the fields of a
// Rapport object by their header names: the field's own name, its label
// in every language of the message catalogue, and the names the common
// CRMs and address books give the column in their exports (names.go).
// Matching ignores case, accents, punctuation, numbering and word order.
package guess

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/rapport-crm/rapport/internal/locale"
	"github.com/rapport-crm/rapport/internal/records"
)

// Guess is what a header was taken for.
type Guess struct {
	// Fields holds, for each column, the field it fills: a field name
	// ("first_name"), a part of one ("address.city", "value.currency"),
	// or "" when no name matched.
	Fields []string
	// Clashes are the fields that hold one value but more than one column
	// was taken for; the user must choose.
	Clashes []Clash
}

// Clash is a field more than one column was taken for.
type Clash struct {
	Field   string
	Columns []int // zero-based, in order
}

func (c Clash) String() string {
	cols := make([]string, len(c.Columns))
	for i, col := range c.Columns {
		cols[i] = fmt.Sprint(col + 1)
	}
	return fmt.Sprintf("columns %s all look like %s", strings.Join(cols, ", "), c.Field)
}

// table is one object's names: the key of a name (see Key) to its field.
type table struct {
	fields map[string]string
	multi  map[string]bool // fields that take any number of columns
}

var tables = buildTables()

// Objects returns the objects Columns knows.
func Objects() []string {
	names := make([]string, 0, len(tables))
	for name := range tables {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// Columns guesses the field of each column of header for object
// ("contact", "company", "deal", "product", "task", "note", "call",
// "meeting", or "activity" for a file of several kinds).
func Columns(object string, header []string) (*Guess, error) {
	t, ok := tables[object]
	if !ok {
		return nil, fmt.Errorf("no column names are known for %q (known: %s)", object, strings.Join(Objects(), ", "))
	}
	g := &Guess{Fields: make([]string, len(header))}
	taken := map[string][]int{}
	for i, h := range header {
		f := t.lookup(h)
		g.Fields[i] = f
		if f != "" {
			taken[f] = append(taken[f], i)
		}
	}
	for f, cols := range taken {
		if len(cols) > 1 && !t.multi[baseOf(f)] {
			g.Clashes = append(g.Clashes, Clash{Field: f, Columns: cols})
		}
	}
	sort.Slice(g.Clashes, func(i, j int) bool { return g.Clashes[i].Columns[0] < g.Clashes[j].Columns[0] })
	return g, nil
}

// lookup finds the field of one header: by its whole key, else by its
// key without the words that only qualify a value (work, home, billing,
// address, value, …), so that "Billing City" is a city and "Phone 1 -
// Value" a phone.
func (t table) lookup(header string) string {
	tokens := tokensOf(header)
	if f, ok := t.fields[join(tokens)]; ok {
		return f
	}
	core := slices.DeleteFunc(tokens, func(s string) bool { return qualifiers[s] })
	if len(core) == 0 {
		return ""
	}
	return t.fields[join(core)]
}

func baseOf(field string) string {
	base, _, _ := strings.Cut(field, ".")
	return base
}

// Key is the form in which headers are compared: lower case, without
// accents, numbers or punctuation, with camelCase split, words sorted and
// run together ("E-mail 2 Address" and "emailAddress" are both
// "addressemail").
func Key(header string) string { return join(tokensOf(header)) }

func join(tokens []string) string {
	slices.Sort(tokens)
	return strings.Join(tokens, "")
}

// tokensOf splits a header into its lower-case words without accents,
// dropping words that are only digits.
func tokensOf(header string) []string {
	var tokens []string
	var word []rune
	flush := func() {
		if len(word) > 0 && !allDigits(word) {
			tokens = append(tokens, string(word))
		}
		word = word[:0]
	}
	var prev rune
	for _, r := range norm.NFKD.String(header) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if unicode.IsUpper(r) && unicode.IsLower(prev) {
				flush()
			}
			word = append(word, unicode.ToLower(r))
		default:
			flush()
		}
		prev = r
	}
	flush()
	return tokens
}

func allDigits(word []rune) bool {
	for _, r := range word {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// buildTables joins, per object, the names written in names.go, the
// fields' own names and their labels in the catalogue. A name written
// here wins over a catalogue label that would say otherwise.
func buildTables() map[string]table {
	objects := map[string]*records.Object{}
	for _, o := range records.StandardObjects() {
		objects[o.Name] = o
	}
	out := map[string]table{}
	objects["activity"] = activityObject()
	for name, fields := range known {
		o := objects[name]
		t := table{fields: map[string]string{}, multi: map[string]bool{}}
		for field, names := range fields {
			for _, n := range names {
				t.fields[Key(n)] = field
			}
		}
		for _, f := range o.Fields {
			if f.ReadOnly {
				continue
			}
			t.multi[f.Name] = multiValued(f.Type)
			for _, n := range labelsOf(f) {
				if k := Key(n); k != "" && t.fields[k] == "" {
					t.fields[k] = f.Name
				}
			}
		}
		out[name] = t
	}
	return out
}

// labelsOf returns a field's name, its English label and its label in
// each language of the catalogue.
func labelsOf(f *records.Field) []string {
	labels := []string{f.Name, f.Label}
	for _, lang := range locale.Languages {
		if l := locale.For(lang).T("web.field." + f.Name); l != "web.field."+f.Name {
			labels = append(labels, l)
		}
	}
	return labels
}

// ActivityFields are the fields of an activities file, which the
// importer turns into the fields of each row's kind.
var ActivityFields = []string{"kind", "title", "due_at", "due_time", "ends_at", "done", "duration", "type", "direction", "phone",
	"call_result", "recording_url", "place", "body", "result", "owner_id", "contact", "company", "deal"}

// activityObject stands for an activities file, for its labels: the
// names of its fields that are fields of the kinds too are labelled as
// theirs in the catalogue.
func activityObject() *records.Object {
	o := &records.Object{Name: "activity"}
	for _, name := range ActivityFields {
		o.Fields = append(o.Fields, &records.Field{Name: name})
	}
	return o
}

func multiValued(t records.Type) bool {
	switch t {
	case records.Email, records.Phone, records.Tags, records.URLs, records.MultiSelect, records.Relations:
		return true
	}
	return false
}

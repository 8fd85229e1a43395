package importer

import (
	"context"
	"errors"
	"io"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/tabular"
	"github.com/rapport-crm/rapport/internal/tabular/cell"
)

// A column mapped to NewField makes a custom field of the object in the
// import's own transaction (decision 0063): "new" takes the type its
// values read as (number, date, else text), "new:TYPE" the type given,
// "new:TYPE:NAME" a name of the user's choosing rather than one made from
// the header. The header is the field's label.
const NewField = "new"

// NewFieldTypes are the types a new field may be given by name; number is
// a decimal.
var NewFieldTypes = map[string]records.Type{"text": records.Text, "long_text": records.LongText, "number": records.Decimal,
	"integer": records.Integer, "decimal": records.Decimal, "date": records.Date, "boolean": records.Boolean, "url": records.URL}

// newFieldTypeNames are NewFieldTypes' names in the order an error lists
// them.
const newFieldTypeNames = "text, long_text, number, integer, decimal, date, boolean, url"

// MadeField is a custom field an import made, or a dry run would make,
// from a column.
type MadeField struct {
	Column string       `json:"column"`
	Name   string       `json:"name"`
	Label  string       `json:"label"`
	Type   records.Type `json:"type"`
	// Removed says that an undo removed the field: the import made it and
	// no record held a value in it any more.
	Removed bool `json:"removed,omitempty"`
}

// IsNewField reports whether a mapping value asks for a new field.
func IsNewField(value string) bool {
	_, _, ok := parseNew(value)
	return ok
}

// parseNew reads a mapping value that asks for a new field.
func parseNew(value string) (typ, name string, ok bool) {
	if value != NewField && !strings.HasPrefix(value, NewField+":") {
		return "", "", false
	}
	rest := strings.TrimPrefix(strings.TrimPrefix(value, NewField), ":")
	typ, name, _ = strings.Cut(rest, ":")
	return strings.TrimSpace(typ), strings.TrimSpace(name), true
}

// newColumn is the column c asking for a new field: its name, its type
// (nil base type decided later from the values when none was given), and
// the engine's checks of the name, so that a name that cannot be is
// refused before any row is read.
func (im *Importer) newColumn(ctx context.Context, obj *records.Object, c *column, typ, name string) error {
	if name == "" {
		name = fieldNameOf(c.header)
	}
	if name == "" {
		return fault.Field("mapping", "new_field", "column %q: no field name can be made from the header; name it: \"new:text:a_name\"", c.header)
	}
	label := strings.TrimSpace(c.header)
	if utf8.RuneCountInString(label) > 200 {
		label = string([]rune(label)[:200])
	}
	t := records.Text
	if typ != "" {
		var ok bool
		if t, ok = NewFieldTypes[typ]; !ok {
			return fault.Field("mapping", "new_field", "column %q: %q is no type a new field can take; types are %s", c.header, typ, newFieldTypeNames)
		}
	}
	err := im.e.CheckField(ctx, obj.Plural, records.FieldSpec{Name: name, Label: label, Type: t})
	var fe *fault.Error
	if errors.As(err, &fe) && len(fe.Fields) > 0 {
		return fault.Field("mapping", "new_field", "column %q: a new field called %q cannot be made: %s %s", c.header, name, fe.Fields[0].Field, fe.Fields[0].Message)
	}
	if err != nil {
		return err
	}
	c.field, c.fresh, c.guess = name, true, typ == ""
	c.base = &records.Field{Name: name, Label: label, Type: t, Custom: true}
	return nil
}

var nonName = regexp.MustCompile(`[^a-z0-9]+`)

// fieldNameOf makes a field name of a header: lower case, Latin letters
// without their marks, Cyrillic ones spelt in Latin, anything else an
// underscore ("Źródło leada" → zrodlo_leada, "Источник" → istochnik).
// "" when nothing is left or the name would start with a digit.
func fieldNameOf(header string) string {
	var sb strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(header)) {
		spelt, ok := latin[r]
		switch {
		case unicode.Is(unicode.Mn, r):
		case ok:
			sb.WriteString(spelt)
		case r < utf8.RuneSelf:
			sb.WriteRune(r)
		default:
			sb.WriteByte(' ')
		}
	}
	name := strings.Trim(nonName.ReplaceAllString(sb.String(), "_"), "_")
	if len(name) > 63 {
		name = strings.TrimRight(name[:63], "_")
	}
	if name == "" || name[0] >= '0' && name[0] <= '9' {
		return ""
	}
	return name
}

// latin spells the letters that lose no mark in NFD: Polish, Lithuanian,
// Romanian and German ones, and the Russian and Kazakh alphabets.
var latin = func() map[rune]string {
	m := map[rune]string{'ł': "l", 'đ': "d", 'ø': "o", 'ß': "ss", 'æ': "ae", 'œ': "oe"}
	cyr := []string{"а", "a", "б", "b", "в", "v", "г", "g", "д", "d", "е", "e", "ё", "e", "ж", "zh", "з", "z", "и", "i", "й", "y",
		"к", "k", "л", "l", "м", "m", "н", "n", "о", "o", "п", "p", "р", "r", "с", "s", "т", "t", "у", "u", "ф", "f", "х", "kh",
		"ц", "ts", "ч", "ch", "ш", "sh", "щ", "shch", "ъ", "", "ы", "y", "ь", "", "э", "e", "ю", "yu", "я", "ya",
		"ә", "a", "ғ", "g", "қ", "q", "ң", "n", "ө", "o", "ұ", "u", "ү", "u", "һ", "h", "і", "i"}
	for i := 0; i < len(cyr); i += 2 {
		r, _ := utf8.DecodeRuneInString(cyr[i])
		m[r] = cyr[i+1]
	}
	return m
}()

// mayMakeFields refuses an import that makes fields to an actor whose role
// may not add fields, which the settings screen asks as well.
func (im *Importer) mayMakeFields(ctx context.Context, a access.Actor, p *plan) error {
	for _, c := range p.cols {
		if c.fresh {
			if err := im.e.Policy().Authorize(ctx, a, "field", access.Create, nil); err != nil {
				return fault.Errorf(fault.EFORBIDDEN, "column %q maps to a new field, and your role may not add fields; map it to an existing field or to \"\"", c.header)
			}
			return nil
		}
	}
	return nil
}

// typeNewFields decides the type of each new field the mapping left
// open from the column's values (up to as many as decideFormats reads):
// a date when every value reads as one, a number when every value does
// (and none starts with a 0 that a number would drop, as codes and postal
// codes do), text otherwise and for an empty column.
func (p *plan) typeNewFields(src io.ReaderAt, size int64, opts Options) error {
	var open []int
	for i, c := range p.cols {
		if c.guess {
			open = append(open, i)
		}
	}
	if len(open) == 0 {
		return nil
	}
	values := map[int][]string{}
	rd, err := tabular.Open(src, size, opts.FileName, opts.Read)
	if err != nil {
		return fault.Field("file", "unreadable", "%s", err.Error())
	}
	defer rd.Close()
	for n := 0; n < 200_000; n++ {
		row, err := rd.Next()
		if err != nil {
			break // the end, or what the import itself reports
		}
		for _, i := range open {
			if ix := p.cols[i].index; ix < len(row.Fields) && strings.TrimSpace(row.Fields[ix]) != "" {
				values[i] = append(values[i], strings.TrimSpace(row.Fields[ix]))
			}
		}
	}
	for _, i := range open {
		p.cols[i].base.Type = typeOf(values[i], opts)
	}
	return nil
}

// leadingZero is a number whose first digit is a 0 that counts: 007, 02-950.
var leadingZero = regexp.MustCompile(`^[+-]?0\d`)

// typeOf is the type that every one of values reads as.
func typeOf(values []string, opts Options) records.Type {
	if len(values) == 0 {
		return records.Text
	}
	if dates(values, opts) {
		return records.Date
	}
	mark := opts.DecimalMark
	if mark == 0 {
		var err error
		if mark, err = cell.DecimalMark(values); err != nil && errors.Is(err, cell.ErrInvalid) {
			return records.Text
		}
	}
	for _, v := range values {
		if leadingZero.MatchString(v) {
			return records.Text
		}
		if _, err := cell.Number(v, mark); err != nil {
			return records.Text
		}
	}
	return records.Decimal
}

// dates reports whether every value reads as a date in one order.
func dates(values []string, opts Options) bool {
	for _, order := range []cell.Order{dateOrder(opts.Dates), cell.DayFirst, cell.MonthFirst} {
		if order == 0 {
			continue
		}
		all := true
		for _, v := range values {
			if _, err := cell.Date(v, order); err != nil {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// makeFields adds the new fields of the plan in the import's transaction
// (ctx carries it and a records.Staged), so that a dry run, a refused
// strict import or a failure leaves none behind.
func (r *run) makeFields(ctx context.Context) error {
	for _, c := range r.plan.cols {
		if !c.fresh {
			continue
		}
		_, err := r.im.e.AddField(ctx, r.obj.Plural, records.FieldSpec{Name: c.base.Name, Label: c.base.Label, Type: c.base.Type})
		var fe *fault.Error
		if errors.As(err, &fe) && len(fe.Fields) > 0 {
			// Made by someone else since the import was checked.
			return fault.Field("mapping", "new_field", "column %q: a new field called %q cannot be made: %s %s", c.header, c.base.Name, fe.Fields[0].Field, fe.Fields[0].Message)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// madeFields are the plan's new fields as the summary lists them.
func (p *plan) madeFields() []MadeField {
	var out []MadeField
	for _, c := range p.cols {
		if c.fresh {
			out = append(out, MadeField{Column: c.header, Name: c.base.Name, Label: c.base.Label, Type: c.base.Type})
		}
	}
	return out
}

// removeFields removes, on an undo, the fields the import made that no
// record holds a value in any more (its own records are gone by now): a
// field someone filled since, or that an undoer who may not remove fields
// cannot, stays.
func (im *Importer) removeFields(ctx context.Context, s *Summary) error {
	for i, f := range s.NewFields {
		removed, err := im.e.RemoveUnusedField(ctx, s.Object, f.Name)
		if fault.Is(err, fault.EFORBIDDEN) {
			continue
		}
		if err != nil {
			return err
		}
		s.NewFields[i].Removed = removed
	}
	return nil
}

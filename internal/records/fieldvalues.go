package records

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/store"
)

// The field_values table indexes what has no column of its own: the
// elements of multi-valued standard fields (e-mails, phones, tags) and
// every custom field. One row holds one value of one field of one record:
// a number in num or a case-folded text in text, with n telling which.
// Scalar custom fields have a row even when empty, so that a list sorted
// by one walks every record, NULLs first. The engine writes the rows in
// the transaction of each write; a background builder fills them for
// records written before a field was indexed, and until it has finished
// lists do not use that field's rows (docs/decisions/0010-list-speed.md).

// entry is one row of field_values for a record.
type entry struct {
	field   string
	numeric bool
	num     any // int64 or float64, or nil
	text    any // string, or nil
}

// sideField is a field (or part of one) whose values are in field_values.
type sideField struct {
	name    string // the entry's field: a field name, or "name.part"
	field   *Field // the field whose value holds it
	part    string // the key within the value, for money and address parts
	typ     Type   // the type of the entry's values
	numeric bool
	multi   bool
	folded  bool // text entries hold the folded value, as the field sorts
}

// sideFields returns the fields of s indexed in field_values.
func sideFields(s *schema) []sideField {
	if s.obj.small {
		return nil
	}
	var out []sideField
	for _, f := range s.allFields() {
		switch {
		case !f.Custom && !sideMulti(f.Type):
		case f.Type == Money:
			out = append(out, sideField{name: f.Name + ".amount", field: f, part: "amount", typ: Integer, numeric: true},
				sideField{name: f.Name + ".currency", field: f, part: "currency", typ: Text, folded: true})
		case f.Type == Address:
			for _, k := range []string{"city", "region", "postal_code", "country"} {
				out = append(out, sideField{name: f.Name + "." + k, field: f, part: k, typ: Text, folded: true})
			}
		case f.Type == LongText || f.Type == Relations || f.Type == LineItems:
		default:
			out = append(out, sideField{name: f.Name, field: f, typ: f.Type, numeric: numericEntry(f.Type),
				multi: f.Type.multi(), folded: f.Type.multi() || foldedType(f.Type)})
		}
	}
	return out
}

// sideMulti reports whether a standard field of type t is indexed in
// field_values: the multi-valued types.
func sideMulti(t Type) bool {
	switch t {
	case Email, Phone, URLs, Tags, MultiSelect:
		return true
	}
	return false
}

// numericEntry reports whether entries of a field of type t hold numbers.
func numericEntry(t Type) bool {
	switch t {
	case Integer, Decimal, Boolean, User, Relation:
		return true
	}
	return false
}

// sideField returns the side-indexed field or part called name, or false.
func (s *schema) sideField(name string) (sideField, bool) {
	for _, sf := range sideFields(s) {
		if sf.name == name {
			return sf, true
		}
	}
	return sideField{}, false
}

// entries returns the rows of sf for a record whose value of sf.field is
// v (in the form records are returned in).
func (sf sideField) entries(v any) []entry {
	if sf.part != "" {
		m, _ := v.(map[string]any)
		v = m[sf.part]
	}
	if !sf.multi {
		return []entry{sf.entry(v)}
	}
	var out []entry
	list, _ := v.([]any)
	for _, x := range list {
		if m, ok := x.(map[string]any); ok { // e-mails, phones and URLs are {"value": …}
			x = m["value"]
		}
		if x != nil {
			out = append(out, sf.entry(x))
		}
	}
	return out
}

func (sf sideField) entry(v any) entry {
	e := entry{field: sf.name, numeric: sf.numeric}
	if v == nil {
		return e
	}
	if sf.numeric {
		e.num = entryNumber(sf.typ, v)
		return e
	}
	text := fmt.Sprint(v)
	if sf.folded {
		e.text = store.Fold(text)
	} else {
		e.text = text
	}
	return e
}

// entryNumber converts a value of a numeric entry to the number stored.
func entryNumber(t Type, v any) any {
	switch t {
	case Boolean:
		if b, _ := v.(bool); b {
			return int64(1)
		}
		return int64(0)
	case User, Relation:
		s, _ := v.(string)
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil
		}
		return n
	}
	if n, ok := Int(v); ok {
		return n
	}
	if x, ok := Number(v); ok {
		return x
	}
	return nil
}

// writeEntries replaces the field_values rows of the named fields of one
// record with those of its values in rec; all of them when names is nil.
func (e *Engine) writeEntries(ctx context.Context, q store.Querier, ws int64, s *schema, id int64, rec map[string]any, names map[string]bool) error {
	var fields []string
	var rows []entry
	for _, sf := range sideFields(s) {
		if names != nil && !names[sf.field.Name] {
			continue
		}
		fields = append(fields, sf.name)
		rows = append(rows, sf.entries(rec[sf.field.Name])...)
	}
	if len(fields) == 0 {
		return nil
	}
	if names != nil {
		marks, args := store.List(fields)
		if _, err := q.ExecContext(ctx, `DELETE FROM field_values WHERE workspace_id = ? AND object = ? AND record_id = ? AND field IN (`+marks+`)`,
			append([]any{ws, s.obj.Name, id}, args...)...); err != nil {
			return fmt.Errorf("field values: %w", err)
		}
	}
	return e.insertEntries(ctx, q, ws, s.obj.Name, map[int64][]entry{id: rows})
}

// insertEntries inserts rows, a few hundred to a statement.
func (e *Engine) insertEntries(ctx context.Context, q store.Querier, ws int64, object string, rows map[int64][]entry) error {
	const perStatement = 1000 // 7,000 arguments, within both databases' limits
	var marks []string
	var args []any
	flush := func() error {
		if len(marks) == 0 {
			return nil
		}
		_, err := q.ExecContext(ctx, `INSERT INTO field_values (workspace_id, object, field, record_id, n, num, text) VALUES `+
			strings.Join(marks, ", "), args...)
		marks, args = marks[:0], args[:0]
		return err
	}
	for id, list := range rows {
		for _, r := range list {
			marks = append(marks, "(?, ?, ?, ?, ?, ?, ?)")
			args = append(args, ws, object, r.field, id, boolInt(r.numeric), r.num, r.text)
			if len(marks) == perStatement {
				if err := flush(); err != nil {
					return fmt.Errorf("field values: %w", err)
				}
			}
		}
	}
	if err := flush(); err != nil {
		return fmt.Errorf("field values: %w", err)
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// deleteEntries removes every field_values row of a record.
func deleteEntries(ctx context.Context, q store.Querier, ws int64, object string, id int64) error {
	_, err := q.ExecContext(ctx, `DELETE FROM field_values WHERE workspace_id = ? AND object = ? AND record_id = ?`, ws, object, id)
	return err
}

// changedSide returns the names of the fields among changes whose values
// are indexed in field_values, or nil when none are.
func changedSide(s *schema, changes map[string]change) map[string]bool {
	var out map[string]bool
	for _, sf := range sideFields(s) {
		if _, ok := changes[sf.field.Name]; ok {
			if out == nil {
				out = map[string]bool{}
			}
			out[sf.field.Name] = true
		}
	}
	return out
}

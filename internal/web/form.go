package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/locale"
	"github.com/rapport-crm/rapport/internal/records"
)

// formPage is the form that creates a record or edits one. Version is the
// version of the record the form was filled from, 0 for a new record; the
// save is refused when the record has changed since. Conflict says that it
// has: each field then shows what is saved now beside what was typed.
type formPage struct {
	frame
	Plural   string
	List     string // the name of the list the record belongs to
	Title    string
	Action   string // where the form posts
	Cancel   string // the page the form leaves for without saving
	Version  int64
	Fields   []formField
	Problems []string // what went wrong that no input shows
	Conflict bool
}

// formField is one field of a form, with one input, or for e-mails and
// phones one input per value and a blank one for another.
type formField struct {
	Label    string
	Kind     string // text, textarea, number, date, select, boolean, email, tel, url
	Required bool
	Options  []formOption
	Inputs   []formInput
	// Theirs is, after a conflict, the value saved now where it differs
	// from what was typed, as the record page shows it.
	Theirs []string

	field *records.Field
}

// formInput is one input: its name is the engine's path of the value
// (emails[0].value), so that the engine's field errors find it.
type formInput struct {
	Name  string
	Value string
	Error string
	// ItemLabel is the label of an e-mail address or a phone number
	// ("work"), which the form keeps in a hidden input so that saving
	// does not drop it.
	ItemLabel string
}

// ID is the input's id in the page.
func (in formInput) ID() string { return "f-" + in.Name }

// Problem is the input's error, for the field_error partial.
func (in formInput) Problem() fieldProblem {
	return fieldProblem{ID: in.Name + "-error", Text: in.Error}
}

// LabelName is the name of the hidden input of the item's label.
func (in formInput) LabelName() string { return strings.TrimSuffix(in.Name, ".value") + ".label" }

type formOption struct {
	Value, Label string
}

// maxFormItems bounds the e-mails or phones one form posts, as the engine
// bounds the values of a field.
const maxFormItems = 100

// kinds are the inputs of the field types a form edits. Types it does not
// edit yet (addresses, money, tags, links) keep their values: the form
// neither shows nor sends them.
var kinds = map[records.Type]string{
	records.Text: "text", records.LongText: "textarea", records.Integer: "number", records.Decimal: "number",
	records.Date: "date", records.Select: "select", records.Boolean: "boolean",
	records.Email: "email", records.Phone: "tel", records.URL: "url",
}

// formFields are the fields of the object that the user may change, in
// the order of its record page, then its custom fields. A field the role
// hides is not among fields; one it may not change is read-only; one the
// engine computes (a contact's full name) is nobody's to type.
func formFields(p *locale.Printer, view *objectView, fields []*records.Field) []formField {
	byName := fieldsByName(fields)
	var ordered []*records.Field
	for _, g := range view.groups {
		for _, name := range g.fields {
			if f := byName[name]; f != nil {
				ordered = append(ordered, f)
			}
		}
	}
	for _, f := range fields {
		if f.Custom {
			ordered = append(ordered, f)
		}
	}
	var out []formField
	for _, f := range ordered {
		kind, ok := kinds[f.Type]
		if !ok || f.ReadOnly || len(f.DerivedFrom) > 0 {
			continue
		}
		ff := formField{Label: f.Label, Kind: kind, Required: f.Required, field: f}
		if !f.Custom {
			ff.Label = fieldLabel(p, f.Name)
		}
		for _, o := range f.Options {
			ff.Options = append(ff.Options, formOption{Value: o, Label: optionLabel(p, f.Name, o)})
		}
		out = append(out, ff)
	}
	return out
}

// optionLabel is the label of an option of a select field.
func optionLabel(p *locale.Printer, field, value string) string {
	return (&visit{p: p}).option(field, value)
}

// fillFrom puts the values of a record into the inputs.
func fillFrom(fields []formField, rec records.Record) {
	for i := range fields {
		ff := &fields[i]
		name := ff.field.Name
		val := rec[name]
		switch ff.Kind {
		case "email", "tel":
			list, _ := val.([]any)
			ff.Inputs = nil
			for j, item := range list {
				m, _ := item.(map[string]any)
				value := str(m["value"])
				if typed := str(m["typed"]); typed != "" {
					value = typed // as the user wrote it; the engine reads it to the same number
				}
				ff.Inputs = append(ff.Inputs, formInput{Name: itemName(name, j), Value: value, ItemLabel: str(m["label"])})
			}
			ff.Inputs = append(ff.Inputs, formInput{Name: itemName(name, len(list))})
		default:
			text := ""
			if val != nil {
				text = fmt.Sprint(val)
			}
			ff.Inputs = []formInput{{Name: name, Value: text}}
		}
	}
}

func itemName(field string, i int) string { return field + "[" + strconv.Itoa(i) + "].value" }

// readForm puts what was posted into the inputs, as typed.
func readForm(fields []formField, r *http.Request) {
	for i := range fields {
		ff := &fields[i]
		name := ff.field.Name
		switch ff.Kind {
		case "email", "tel":
			ff.Inputs = nil
			for j := 0; j < maxFormItems; j++ {
				in := formInput{Name: itemName(name, j)}
				if _, ok := r.PostForm[in.Name]; !ok {
					break
				}
				in.Value, in.ItemLabel = strings.TrimSpace(r.PostFormValue(in.Name)), r.PostFormValue(in.LabelName())
				ff.Inputs = append(ff.Inputs, in)
			}
			if len(ff.Inputs) == 0 || ff.Inputs[len(ff.Inputs)-1].Value != "" {
				ff.Inputs = append(ff.Inputs, formInput{Name: itemName(name, len(ff.Inputs))})
			}
		default:
			ff.Inputs = []formInput{{Name: name, Value: strings.TrimSpace(r.PostFormValue(name))}}
		}
	}
}

// input turns the inputs into the engine's input. A new record gets only
// the fields filled in; an edit sends every field of the form, an empty
// one as nil, which clears it. The blank inputs of e-mails and phones are
// skipped, so the engine counts the values from 0 again: paths maps its
// path of each value to the input's name, to put errors beside it.
func input(fields []formField, edit bool) (in map[string]any, paths map[string]string) {
	in, paths = map[string]any{}, map[string]string{}
	for _, ff := range fields {
		name := ff.field.Name
		var val any
		switch ff.Kind {
		case "email", "tel":
			var items []any
			for _, input := range ff.Inputs {
				if input.Value == "" {
					continue
				}
				item := map[string]any{"value": input.Value}
				if input.ItemLabel != "" {
					item["label"] = input.ItemLabel
				}
				paths[strings.TrimSuffix(itemName(name, len(items)), ".value")] = strings.TrimSuffix(input.Name, ".value")
				items = append(items, item)
			}
			if items != nil {
				val = items
			}
		case "boolean":
			// Yes, no, or not known: a select, so that no answer is not a no.
			if b, err := strconv.ParseBool(ff.Inputs[0].Value); err == nil {
				val = b
			}
		case "number":
			if s := ff.Inputs[0].Value; s != "" {
				val = numberInput(ff.field, s)
			}
		default:
			if s := ff.Inputs[0].Value; s != "" {
				val = s
			}
		}
		if val != nil || edit {
			in[name] = val
		}
	}
	return in, paths
}

// numberInput is a typed number as the engine reads numbers. A decimal
// comma, as most of Rapport's languages write it, is read as a point.
func numberInput(f *records.Field, s string) any {
	if f.Type == records.Decimal {
		s = strings.Replace(s, ",", ".", 1)
	}
	return json.Number(s)
}

// showErrors puts each of the engine's field errors beside its input, in
// the visit's language, and what no input shows among the form's
// problems. It reports whether err was invalid input.
func showErrors(v *visit, data *formPage, paths map[string]string, err error) bool {
	var fe *fault.Error
	if !errors.As(err, &fe) || fe.Code != fault.EINVALID {
		return false
	}
	for _, e := range fe.Fields {
		if !placeError(data.Fields, inputPath(e.Field, paths), v.p.FieldError(e)) {
			data.Problems = append(data.Problems, v.p.FieldError(e))
		}
	}
	if len(fe.Fields) == 0 {
		data.Problems = append(data.Problems, v.p.T("web.form.invalid"))
	}
	return true
}

// inputPath turns the engine's path of a value into its input's:
// emails[0].value is the first e-mail the engine was given, which may be
// the second input when the first was left blank.
func inputPath(path string, paths map[string]string) string {
	for from, to := range paths {
		if path == from || strings.HasPrefix(path, from+".") {
			return to + strings.TrimPrefix(path, from)
		}
	}
	return path
}

// placeError sets the error of the input that path names: the input
// itself, the value of an item (emails[0] for emails[0].value), or the
// first input of a field (emails, when there are too many).
func placeError(fields []formField, path, msg string) bool {
	for i := range fields {
		for j := range fields[i].Inputs {
			in := &fields[i].Inputs[j]
			if in.Name == path || in.Name == path+".value" || j == 0 && fields[i].field.Name == path {
				if in.Error == "" {
					in.Error = msg
				}
				return true
			}
		}
	}
	return false
}

// showTheirs marks, after a conflict, each field whose saved value now
// differs from what was typed, with the saved value as the record page
// shows it.
func showTheirs(v *visit, fields []formField, now records.Record) {
	saved := make([]formField, len(fields))
	copy(saved, fields)
	fillFrom(saved, now)
	for i := range fields {
		if !sameInputs(fields[i].Inputs, saved[i].Inputs) {
			fields[i].Theirs = v.show(fields[i].field, now[fields[i].field.Name], names{})
			if len(fields[i].Theirs) == 0 {
				fields[i].Theirs = []string{v.p.T("web.form.empty")}
			}
		}
	}
}

// sameInputs reports whether two sets of inputs of a field hold the same
// values, blank ones aside.
func sameInputs(a, b []formInput) bool {
	return slices.Equal(filled(a), filled(b))
}

func filled(inputs []formInput) []string {
	var out []string
	for _, in := range inputs {
		if in.Value != "" {
			out = append(out, in.Value)
		}
	}
	return out
}

// Edit is the address of the record's form, from the record page's own.
func (p *recordPage) Edit() string {
	path, _, _ := strings.Cut(p.Here, "?")
	return path + "/edit"
}

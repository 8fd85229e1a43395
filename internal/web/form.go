package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/currency"

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
	// Stock is a product's stock, shown beside its form, not typed in it.
	Stock *stockView
	// Check is where the form of a new contact or company asks, as the
	// user types, for the records it likely duplicates.
	Check string
}

// formField is one field of a form, with one input, or for e-mails and
// phones one input per value and a blank one for another.
type formField struct {
	Label    string
	Kind     string // see kindOf
	Required bool
	// ByStage says that the deal's stage requires the field, which the
	// engine refuses to leave empty when the deal enters it.
	ByStage bool
	Options []formOption
	Inputs  []formInput
	// Theirs is, after a conflict, the value saved now where it differs
	// from what was typed, as the record page shows it.
	Theirs []string
	// Pick is where a picker asks for the records matching what is typed
	// in it; Refresh is where a select posts the form when it changes, to
	// draw the form again (a deal's stages follow its pipeline).
	Pick    string
	Refresh string
	// Error is the field's own error, for a picker of several records,
	// which may have no input to show it beside.
	Error string

	field *records.Field
}

// ID is the id of the field's first control, which its label names: the
// search box of a picker, the amount of money, else the first input.
func (ff formField) ID() string {
	switch ff.Kind {
	case "picker", "pickers", "about", "money":
	default:
		if len(ff.Inputs) > 0 {
			return ff.Inputs[0].ID()
		}
	}
	return "f-" + ff.field.Name
}

// PickedText is the name of the record a picker of one holds.
func (ff formField) PickedText() string {
	if ff.Kind == "pickers" || len(ff.Inputs) == 0 {
		return ""
	}
	return ff.Inputs[0].Text
}

// PickerProblem is the error a picker shows: its input's, or for a
// picker of several records the field's.
func (ff formField) PickerProblem() fieldProblem {
	if ff.Kind == "pickers" || len(ff.Inputs) == 0 {
		return ff.Problem()
	}
	return ff.Inputs[0].Problem()
}

// ListID is the id of the list of a picker's matching records.
func (ff formField) ListID() string { return "f-" + ff.field.Name + "-options" }

// Name is the engine's name of the field.
func (ff formField) Name() string { return ff.field.Name }

// Problem is the error of the field as a whole.
func (ff formField) Problem() fieldProblem {
	return fieldProblem{ID: ff.field.Name + "-error", Text: ff.Error}
}

// formInput is one input: its name is the engine's path of the value
// (emails[0].value), so that the engine's field errors find it.
type formInput struct {
	Name  string
	Value string
	Error string
	// ItemLabel is the label of an e-mail address or a phone number
	// ("work"), or the role of a linked record, which the form keeps in a
	// hidden input so that saving does not drop it.
	ItemLabel string
	// Text is the name of the record a picker holds, which it shows.
	Text string
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
// edit (addresses, tags, line items) keep their values: the form neither
// shows nor sends them. Links to records are pickers (kindOf).
var kinds = map[records.Type]string{
	records.Text: "text", records.LongText: "textarea", records.Integer: "number", records.Decimal: "number",
	records.Date: "date", records.DateTime: "datetime", records.Select: "select", records.Boolean: "boolean",
	records.Email: "email", records.Phone: "tel", records.URL: "url", records.Money: "money",
	records.User: "picker", records.Relations: "pickers",
}

// kindOf is the input of a field: a link to a record the web app has
// pages of is a picker that searches them, one to a setting (a pipeline,
// a stage, a loss reason) a select of them all, and the record a task is
// about a picker that searches contacts, companies and deals.
func kindOf(f *records.Field) (string, bool) {
	switch {
	case f.Name == "record_id" && !f.Custom:
		return "about", true
	case f.Type == records.Relation && viewOf(f.Target) != nil:
		return "picker", true
	case f.Type == records.Relation && linkedOnly[f.Target] != nil:
		return "choice", true
	case f.Type == records.Relations && viewOf(f.Target) == nil:
		return "", false
	}
	kind, ok := kinds[f.Type]
	return kind, ok
}

// pickFrom is where a picker of the field asks for matching records.
func pickFrom(f *records.Field) string {
	switch {
	case f.Name == "record_id":
		return "/pick/about"
	case f.Type == records.User:
		return "/pick/users"
	}
	return "/pick/" + viewOf(f.Target).plural
}

// formFields are the fields of the object that the user may change, in
// the order of its record page, then its custom fields. A field the role
// hides is not among fields; one it may not change is read-only; one the
// engine computes (a contact's full name) is nobody's to type, unless the
// view lets it be typed (a deal's value without line items).
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
		kind, ok := kindOf(f)
		if !ok || f.ReadOnly || len(f.DerivedFrom) > 0 && !slices.Contains(view.typed, f.Name) {
			continue
		}
		ff := formField{Label: f.Label, Kind: kind, Required: f.Required, field: f}
		if !f.Custom {
			ff.Label = fieldLabel(p, f.Name)
		}
		if kind == "picker" || kind == "pickers" || kind == "about" {
			ff.Pick = pickFrom(f)
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

// localTime is the form of a datetime-local input.
const localTime = "2006-01-02T15:04"

// fillFrom puts the values of a record into the inputs; times are shown
// in loc, the user's time zone.
func fillFrom(fields []formField, rec records.Record, loc *time.Location) {
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
		case "pickers":
			ff.Inputs = nil
			links, _ := val.([]records.LinkRef)
			for j, l := range links {
				ff.Inputs = append(ff.Inputs, formInput{Name: linkName(name, j), Value: l.ID, ItemLabel: l.Role})
			}
		case "about":
			ff.Inputs = []formInput{{Name: name, Value: str(val)}, {Name: "record_type", Value: str(rec["record_type"])}}
		case "money":
			m, _ := val.(map[string]any)
			amount := ""
			if m["amount"] != nil {
				amount = locale.Decimal(m["amount"], str(m["currency"]))
			}
			ff.Inputs = []formInput{{Name: name + ".amount", Value: amount}, {Name: name + ".currency", Value: str(m["currency"])}}
		case "datetime":
			text := ""
			if t, err := time.Parse(time.RFC3339Nano, str(val)); err == nil {
				text = t.In(loc).Format(localTime)
			}
			ff.Inputs = []formInput{{Name: name, Value: text}}
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

// linkName is the name of the input of a picker's i-th record.
func linkName(field string, i int) string { return field + "[" + strconv.Itoa(i) + "]" }

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
		case "pickers":
			// A record taken off the picker leaves a gap in the numbers.
			ff.Inputs = nil
			for j := 0; j < maxFormItems; j++ {
				in := formInput{Name: linkName(name, j)}
				if in.Value = strings.TrimSpace(r.PostFormValue(in.Name)); in.Value != "" {
					in.ItemLabel = r.PostFormValue(in.Name + ".role")
					ff.Inputs = append(ff.Inputs, in)
				}
			}
		case "about":
			ff.Inputs = []formInput{{Name: name, Value: strings.TrimSpace(r.PostFormValue(name))},
				{Name: "record_type", Value: strings.TrimSpace(r.PostFormValue("record_type"))}}
		case "money":
			ff.Inputs = []formInput{{Name: name + ".amount", Value: strings.TrimSpace(r.PostFormValue(name + ".amount"))},
				{Name: name + ".currency", Value: strings.ToUpper(strings.TrimSpace(r.PostFormValue(name + ".currency")))}}
		default:
			ff.Inputs = []formInput{{Name: name, Value: strings.TrimSpace(r.PostFormValue(name))}}
		}
	}
}

// input turns the inputs into the engine's input. A new record gets only
// the fields filled in; an edit sends every field of the form, an empty
// one as nil, which clears it. The blank inputs of e-mails and phones are
// skipped, so the engine counts the values from 0 again: paths maps its
// path of each value to the input's name, to put errors beside it. Times
// typed are read in loc, the user's time zone.
func input(fields []formField, edit bool, loc *time.Location) (in map[string]any, paths map[string]string) {
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
		case "pickers":
			items := []any{}
			for _, input := range ff.Inputs {
				link := map[string]any{"id": input.Value}
				if input.ItemLabel != "" {
					link["role"] = input.ItemLabel
				}
				paths[linkName(name, len(items))] = input.Name
				items = append(items, link)
			}
			if len(items) > 0 || edit {
				val = items
			}
		case "about":
			if id := ff.Inputs[0].Value; id != "" {
				val = id
				in["record_type"] = ff.Inputs[1].Value
			} else if edit {
				in["record_type"] = nil
			}
		case "money":
			val = moneyInput(ff.Inputs[0].Value, ff.Inputs[1].Value)
		case "datetime":
			if s := ff.Inputs[0].Value; s != "" {
				val = timeInput(s, loc)
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

// moneyInput is a typed amount, in major units as people write money
// ("1 234,50"), as the engine takes money: minor units and a currency. An
// amount that is not one goes to the engine as typed, which refuses it
// beside the input.
func moneyInput(amount, code string) any {
	if amount == "" {
		return nil
	}
	return map[string]any{"amount": minorUnits(amount, code), "currency": code}
}

// minorUnits reads an amount in major units as minor units of the
// currency, or returns it as it was when it is no such amount.
func minorUnits(amount, code string) any {
	clean := strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "", "'", "").Replace(amount)
	clean = strings.Replace(clean, ",", ".", 1)
	r, ok := new(big.Rat).SetString(clean)
	if !ok || strings.ContainsAny(clean, "eE/") {
		return amount
	}
	scale := 2
	if unit, err := currency.ParseISO(code); err == nil {
		scale, _ = currency.Standard.Rounding(unit)
	}
	r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)))
	if !r.IsInt() || !r.Num().IsInt64() {
		return amount
	}
	return json.Number(r.Num().String())
}

// timeInput is a typed date and time, read in the user's time zone, as
// the engine stores times: in UTC. Text that is no such time goes to the
// engine as typed, which refuses it beside the input.
func timeInput(s string, loc *time.Location) any {
	t, err := time.ParseInLocation(localTime, s, loc)
	if err != nil {
		return s
	}
	return records.FormatTime(t)
}

// stale reports whether err refuses a write made at a version that is no
// longer the record's. A refusal with fields (not enough stock to win a
// deal) is no such conflict: the form shows it beside the fields.
func stale(err error) bool {
	var fe *fault.Error
	return fault.Is(err, fault.ECONFLICT) && !(errors.As(err, &fe) && len(fe.Fields) > 0)
}

// showErrors puts each of the engine's field errors beside its input, in
// the visit's language, and what no input shows among the form's
// problems. It reports whether err was invalid input, or a refusal that
// names fields.
func showErrors(v *visit, data *formPage, paths map[string]string, err error) bool {
	var fe *fault.Error
	if !errors.As(err, &fe) || fe.Code != fault.EINVALID && len(fe.Fields) == 0 {
		return false
	}
	for _, e := range fe.Fields {
		if !placeError(data.Fields, inputPath(e.Field, paths), v.p.FieldError(e)) {
			data.Problems = append(data.Problems, unplaced(v, e))
		}
	}
	if len(fe.Fields) == 0 {
		data.Problems = append(data.Problems, v.p.T("web.form.invalid"))
	}
	return true
}

// unplaced is an error no input shows, saying what it is about when the
// form has no input of it: a deal's line items, refused stock to win it.
func unplaced(v *visit, e fault.FieldError) string {
	if strings.HasPrefix(e.Field, "line_items") {
		return v.p.T("web.items.title") + ": " + v.p.FieldError(e)
	}
	return v.p.FieldError(e)
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
		if fields[i].Kind == "pickers" && fields[i].field.Name == path {
			fields[i].Error = msg
			return true
		}
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
func showTheirs(v *visit, fields []formField, now records.Record, n names) {
	saved := make([]formField, len(fields))
	copy(saved, fields)
	fillFrom(saved, now, v.location())
	for i := range fields {
		if !sameInputs(fields[i].Inputs, saved[i].Inputs) {
			fields[i].Theirs = v.field(fields[i].field, now, n)
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

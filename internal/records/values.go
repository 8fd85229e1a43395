package records

import (
	"encoding/json"
	"math"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/currency"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/input"
)

// Limits on input values. They keep one record from filling the database
// and keep every value displayable.
const (
	maxText = 1000
	// maxTextBytes keeps a text value within PostgreSQL's limit on a B-tree
	// index entry (2704 bytes): text columns are indexed by their folded
	// form with the value itself beside it, so twice over.
	maxTextBytes = 1300
	maxLongText  = 100_000
	maxItems     = 50
	maxTag       = 100
	maxSafeInt   = 1<<53 - 1 // the largest integer every JSON client reads exactly
	maxDecimal   = 1e15
)

// Item is one value of a multi-valued e-mail, phone or URL field.
type Item struct {
	Value string `json:"value"`
	Label string `json:"label,omitempty"`
	// Valid is set on phones: a number that cannot be parsed is kept as
	// typed and flagged, never refused.
	Valid *bool `json:"valid,omitempty"`
	// Typed is a phone number as the user typed it, kept for display when
	// the value is its E.164 form.
	Typed string `json:"typed,omitempty"`
}

// LinkRef is one linked record of a Relations field, with the role the
// record plays in the link.
type LinkRef struct {
	ID   string `json:"id"`
	Role string `json:"role,omitempty"`
}

var addressKeys = []string{"street", "city", "region", "postal_code", "country"}

// normalizer checks one input value for a field and returns it in the form
// the engine stores and returns. in is what encoding/json produced with
// UseNumber: nil, bool, string, json.Number, []any or map[string]any.
type normalizer struct {
	region string // default region for phone numbers without a country code
}

func bad(field, code, format string, args ...any) *fault.FieldError {
	return &fault.FieldError{Field: field, Code: code, Message: sprintf(format, args...)}
}

// normalize returns the canonical value of in for f, nil to clear the
// field, or the reason in is not acceptable.
func (n normalizer) normalize(f *Field, in any) (any, *fault.FieldError) {
	if in == nil {
		if f.Required {
			return nil, bad(f.Name, "required", "is required")
		}
		return nil, nil
	}
	if ferr := checkStrings(f.Name, in, f.Type == LongText || f.Type == Address); ferr != nil {
		return nil, ferr
	}
	switch f.Type {
	case Text, LongText:
		return n.text(f, in)
	case Integer:
		return n.integer(f, in)
	case Decimal:
		return n.decimal(f, in)
	case Money:
		return n.money(f, in)
	case Date, DateTime:
		return n.when(f, in)
	case Boolean:
		b, ok := in.(bool)
		if !ok {
			return nil, bad(f.Name, "type", "must be true or false")
		}
		return b, nil
	case Select:
		return n.choice(f, in)
	case MultiSelect, Tags:
		return n.strings(f, in)
	case Email, Phone, URLs:
		return n.items(f, in)
	case URL:
		s, ok := in.(string)
		if !ok {
			return nil, bad(f.Name, "type", "must be a string")
		}
		return n.url(f.Name, s)
	case Relation, User:
		return n.id(f, in)
	case Address:
		return n.address(f, in)
	case Relations:
		return n.links(f, in)
	case LineItems:
		return n.lineItems(f, in)
	}
	return nil, bad(f.Name, "type", "has an unknown type %q", f.Type)
}

// checkStrings checks every string in a value, keys included, with the
// rules of package input: PostgreSQL stores neither NUL nor invalid UTF-8,
// and no name should hide characters that reorder or disguise what is
// shown. Long text and the street of an address may span lines; every
// other string is one line, once the white space around it, which is
// trimmed or refused later, is set aside.
func checkStrings(name string, v any, multiline bool) *fault.FieldError {
	switch x := v.(type) {
	case string:
		if multiline {
			return input.Text(name, x)
		}
		return input.Line(name, strings.TrimSpace(x))
	case []any:
		for i, e := range x {
			if ferr := checkStrings(name+"["+strconv.Itoa(i)+"]", e, multiline); ferr != nil {
				return ferr
			}
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if ferr := input.Line(name+"."+input.Shown(k), k); ferr != nil {
				return ferr
			}
			if ferr := checkStrings(name+"."+k, x[k], multiline && k == "street"); ferr != nil {
				return ferr
			}
		}
	}
	return nil
}

func (n normalizer) text(f *Field, in any) (any, *fault.FieldError) {
	s, ok := in.(string)
	if !ok {
		return nil, bad(f.Name, "type", "must be a string")
	}
	if f.Type == Text {
		s = strings.TrimSpace(s)
	}
	limit := maxText
	if f.Type == LongText {
		limit = maxLongText
	}
	if !utf8.ValidString(s) {
		return nil, bad(f.Name, "encoding", "must be valid UTF-8")
	}
	if utf8.RuneCountInString(s) > limit {
		return nil, bad(f.Name, "too_long", "must be at most %d characters", limit)
	}
	if f.Type == Text && len(s) > maxTextBytes {
		return nil, bad(f.Name, "too_long", "must be at most %d bytes of UTF-8", maxTextBytes)
	}
	if f.Type == LongText {
		return richTextValue(f, s)
	}
	if s == "" {
		if f.Required {
			return nil, bad(f.Name, "required", "is required")
		}
		return nil, nil
	}
	return s, nil
}

func (n normalizer) integer(f *Field, in any) (any, *fault.FieldError) {
	num, ok := in.(json.Number)
	if !ok {
		return nil, bad(f.Name, "type", "must be an integer")
	}
	i, err := strconv.ParseInt(num.String(), 10, 64)
	if err != nil {
		if _, ferr := strconv.ParseFloat(num.String(), 64); ferr == nil && !strings.ContainsAny(num.String(), ".eE") {
			return nil, bad(f.Name, "range", "must be between %d and %d", -maxSafeInt, maxSafeInt)
		}
		return nil, bad(f.Name, "type", "must be an integer")
	}
	if i > maxSafeInt || i < -maxSafeInt {
		return nil, bad(f.Name, "range", "must be between %d and %d", -maxSafeInt, maxSafeInt)
	}
	return i, nil
}

func (n normalizer) decimal(f *Field, in any) (any, *fault.FieldError) {
	var text string
	switch v := in.(type) {
	case json.Number:
		text = v.String()
	case string:
		text = strings.TrimSpace(v)
	default:
		return nil, bad(f.Name, "type", "must be a number")
	}
	x, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return nil, bad(f.Name, "type", "must be a number")
	}
	if math.Abs(x) >= maxDecimal {
		return nil, bad(f.Name, "range", "must be smaller than 1e15 in magnitude")
	}
	return json.Number(strconv.FormatFloat(x, 'f', -1, 64)), nil
}

func (n normalizer) money(f *Field, in any) (any, *fault.FieldError) {
	m, ok := in.(map[string]any)
	if !ok {
		return nil, bad(f.Name, "type", `must be an object {"amount": minor units, "currency": ISO code}`)
	}
	for k := range m {
		if k != "amount" && k != "currency" {
			return nil, bad(f.Name+"."+k, "unknown", "is not a part of a money value")
		}
	}
	amount, ferr := n.integer(&Field{Name: f.Name + ".amount", Required: true}, m["amount"])
	if ferr != nil {
		if m["amount"] == nil {
			return nil, bad(f.Name+".amount", "required", "is required")
		}
		return nil, ferr
	}
	code, _ := m["currency"].(string)
	unit, err := currency.ParseISO(code)
	if err != nil || len(code) != 3 {
		return nil, bad(f.Name+".currency", "currency", "must be an ISO 4217 currency code, not %q", code)
	}
	return map[string]any{"amount": amount, "currency": unit.String()}, nil
}

func (n normalizer) when(f *Field, in any) (any, *fault.FieldError) {
	s, ok := in.(string)
	if !ok {
		return nil, bad(f.Name, "type", "must be a string")
	}
	s = strings.TrimSpace(s)
	if f.Type == Date {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return nil, bad(f.Name, "format", "must be a date as YYYY-MM-DD")
		}
		return d.Format(time.DateOnly), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil, bad(f.Name, "format", "must be a date and time in RFC 3339, e.g. 2026-01-31T09:30:00Z")
	}
	if t = t.UTC(); t.Year() < 1 || t.Year() > 9999 { // in UTC, as stored
		return nil, bad(f.Name, "range", "must be between years 1 and 9999")
	}
	return formatTime(t), nil
}

// formatTime is the one textual form of a datetime: UTC, fixed width, so
// stored values order correctly as text.
// FormatTime returns t as the engine stores and shows times: UTC with
// microseconds.
func FormatTime(t time.Time) string { return formatTime(t) }

func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

func (n normalizer) choice(f *Field, in any) (any, *fault.FieldError) {
	s, ok := in.(string)
	if !ok {
		return nil, bad(f.Name, "type", "must be a string")
	}
	if s == "" && !f.Required {
		return nil, nil
	}
	for _, o := range f.Options {
		if o == s {
			return s, nil
		}
	}
	return nil, bad(f.Name, "option", "must be one of %s", strings.Join(f.Options, ", "))
}

func (n normalizer) strings(f *Field, in any) (any, *fault.FieldError) {
	list, ok := in.([]any)
	if !ok {
		return nil, bad(f.Name, "type", "must be an array of strings")
	}
	if len(list) > maxItems {
		return nil, bad(f.Name, "too_many", "may hold at most %d values", maxItems)
	}
	out := make([]string, 0, len(list))
	seen := map[string]bool{}
	for i, v := range list {
		s, ok := v.(string)
		name := f.Name + "[" + strconv.Itoa(i) + "]"
		if !ok {
			return nil, bad(name, "type", "must be a string")
		}
		if f.Type == MultiSelect {
			if _, ferr := n.choice(&Field{Name: name, Options: f.Options, Required: true}, s); ferr != nil {
				return nil, ferr
			}
		} else {
			s = strings.TrimSpace(s)
			if s == "" || utf8.RuneCountInString(s) > maxTag {
				return nil, bad(name, "length", "must be 1 to %d characters", maxTag)
			}
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// items accepts a list whose elements are strings or {"value", "label"}
// objects; a single string is taken as a list of one.
func (n normalizer) items(f *Field, in any) (any, *fault.FieldError) {
	if s, ok := in.(string); ok {
		in = []any{s}
	}
	list, ok := in.([]any)
	if !ok {
		return nil, bad(f.Name, "type", `must be an array of {"value": …, "label": …}`)
	}
	if len(list) > maxItems {
		return nil, bad(f.Name, "too_many", "may hold at most %d values", maxItems)
	}
	out := make([]Item, 0, len(list))
	seen := map[string]bool{}
	for i, v := range list {
		name := f.Name + "[" + strconv.Itoa(i) + "]"
		it, ferr := n.item(f.Type, name, v)
		if ferr != nil {
			return nil, ferr
		}
		if !seen[it.Value] {
			seen[it.Value] = true
			out = append(out, it)
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

func (n normalizer) item(t Type, name string, v any) (Item, *fault.FieldError) {
	var it Item
	switch x := v.(type) {
	case string:
		it.Value = x
	case map[string]any:
		for k := range x {
			if k != "value" && k != "label" && k != "valid" && k != "typed" {
				return it, bad(name+"."+k, "unknown", "is not a part of this value")
			}
		}
		val, ok := x["value"].(string)
		if !ok {
			return it, bad(name+".value", "type", "must be a string")
		}
		it.Value = val
		if l, present := x["label"]; present && l != nil {
			label, ok := l.(string)
			if !ok || utf8.RuneCountInString(label) > maxTag {
				return it, bad(name+".label", "type", "must be a string of at most %d characters", maxTag)
			}
			it.Label = strings.TrimSpace(label)
		}
	default:
		return it, bad(name, "type", `must be a string or {"value": …, "label": …}`)
	}
	it.Value = strings.TrimSpace(it.Value)
	if it.Value == "" {
		return it, bad(name+".value", "required", "is required")
	}
	if utf8.RuneCountInString(it.Value) > maxText {
		return it, bad(name+".value", "too_long", "must be at most %d characters", maxText)
	}
	switch t {
	case Email:
		addr, err := mail.ParseAddress(it.Value)
		if err != nil || addr.Address != it.Value || !strings.Contains(addr.Address[strings.LastIndex(addr.Address, "@"):], ".") {
			return it, bad(name+".value", "email", "must be an e-mail address like name@example.com")
		}
		it.Value = strings.ToLower(addr.Address)
	case Phone:
		typed := it.Value
		it.Value, it.Valid = n.phone(typed)
		if it.Value != typed {
			it.Typed = typed
		}
	case URLs:
		u, ferr := n.url(name+".value", it.Value)
		if ferr != nil {
			return it, ferr
		}
		it.Value = u.(string)
	}
	return it, nil
}

// phone returns the number in E.164 when it parses as a valid number, and
// as typed otherwise, with the flag saying which.
func (n normalizer) phone(s string) (string, *bool) {
	valid := false
	num, err := phonenumbers.Parse(s, n.region)
	if err == nil && phonenumbers.IsValidNumber(num) {
		valid = true
		return phonenumbers.Format(num, phonenumbers.E164), &valid
	}
	return s, &valid
}

// NormalizePhone returns s in E.164 and true, or s unchanged and false when
// it cannot be parsed as a valid number; region is the default country.
func NormalizePhone(s, region string) (string, bool) {
	v, ok := normalizer{region: region}.phone(s)
	return v, *ok
}

func (n normalizer) url(name, s string) (any, *fault.FieldError) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(u.Host, " <>\"") {
		return nil, bad(name, "url", "must be an http or https URL")
	}
	if len(s) > maxTextBytes { // websites are indexed like text
		return nil, bad(name, "too_long", "must be at most %d characters", maxTextBytes)
	}
	return u.String(), nil
}

func hostOf(raw string) string {
	// Websites are typed without a scheme as often as with one.
	raw = strings.TrimSpace(raw)
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
}

func (n normalizer) id(f *Field, in any) (any, *fault.FieldError) {
	var s string
	switch v := in.(type) {
	case string:
		s = v
	case json.Number:
		s = v.String()
	default:
		return nil, bad(f.Name, "type", "must be a record id")
	}
	if _, err := parseID(s); err != nil {
		return nil, bad(f.Name, "reference", "does not name an existing record")
	}
	return s, nil
}

func (n normalizer) address(f *Field, in any) (any, *fault.FieldError) {
	m, ok := in.(map[string]any)
	if !ok {
		return nil, bad(f.Name, "type", "must be an object with %s", strings.Join(addressKeys, ", "))
	}
	out := map[string]any{}
	for k, v := range m {
		name := f.Name + "." + k
		if !contains(addressKeys, k) {
			return nil, bad(name, "unknown", "is not a part of an address (%s)", strings.Join(addressKeys, ", "))
		}
		if v == nil {
			continue
		}
		s, ok := v.(string)
		if !ok {
			return nil, bad(name, "type", "must be a string")
		}
		s = strings.TrimSpace(s)
		if utf8.RuneCountInString(s) > 200 {
			return nil, bad(name, "too_long", "must be at most 200 characters")
		}
		if k == "country" && s != "" {
			s = strings.ToUpper(s)
			if len(s) != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' {
				return nil, bad(name, "country", "must be an ISO 3166 two-letter country code")
			}
		}
		if s != "" {
			out[k] = s
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

func (n normalizer) links(f *Field, in any) (any, *fault.FieldError) {
	list, ok := in.([]any)
	if !ok {
		return nil, bad(f.Name, "type", `must be an array of {"id": …, "role": …}`)
	}
	if len(list) > maxItems {
		return nil, bad(f.Name, "too_many", "may hold at most %d links", maxItems)
	}
	out := make([]LinkRef, 0, len(list))
	seen := map[string]bool{}
	for i, v := range list {
		name := f.Name + "[" + strconv.Itoa(i) + "]"
		var ref LinkRef
		switch x := v.(type) {
		case string:
			ref.ID = x
		case map[string]any:
			for k := range x {
				if k != "id" && k != "role" {
					return nil, bad(name+"."+k, "unknown", "is not a part of a link")
				}
			}
			ref.ID, _ = x["id"].(string)
			if r, present := x["role"]; present && r != nil {
				role, ok := r.(string)
				if !ok || utf8.RuneCountInString(role) > 200 {
					return nil, bad(name+".role", "type", "must be a string of at most 200 characters")
				}
				ref.Role = strings.TrimSpace(role)
			}
		default:
			return nil, bad(name, "type", `must be {"id": …, "role": …}`)
		}
		id, err := parseID(ref.ID)
		if err != nil {
			return nil, bad(name+".id", "reference", "does not name an existing record")
		}
		ref.ID = formatID(id)
		if !seen[ref.ID] {
			seen[ref.ID] = true
			out = append(out, ref)
		}
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/tabular"
	"github.com/rapport-crm/rapport/internal/tabular/cell"
	"github.com/rapport-crm/rapport/internal/tabular/guess"
)

// column is one column of the file and the field it fills.
type column struct {
	index  int
	header string
	field  string         // as mapped: "first_name", "address.city", "external_id"
	base   *records.Field // the field itself, or the one a part belongs to; nil for external_id
	part   string         // "city" of "address.city"
	order  cell.Order     // of a date column
	mark   rune           // of a number or money column
	fresh  bool           // base is a custom field the import makes (newfield.go)
	guess  bool           // of a fresh field: its type is read from the values
}

// plan is how each row becomes a record.
type plan struct {
	obj     *records.Object
	cols    []column
	headers []string
	match   string // the field a row matches records on; "" for none
}

// mapping returns the plan as the log keeps it: header to field.
func (p *plan) mapping() map[string]string {
	m := map[string]string{}
	for _, h := range p.headers {
		m[h] = ""
	}
	for _, c := range p.cols {
		m[c.header] = c.field
	}
	return m
}

// headersOf returns the headers of the columns that fill field (its base
// name), for naming the column of an error the engine reports by field.
func (p *plan) headersOf(field string) string {
	if i := strings.IndexAny(field, "[."); i >= 0 {
		field = field[:i]
	}
	var hs []string
	for _, c := range p.cols {
		if c.base != nil && c.base.Name == field || c.base == nil && c.field == field {
			hs = append(hs, c.header)
		}
	}
	return strings.Join(hs, ", ")
}

// multiValued reports whether a field takes any number of columns.
func multiValued(t records.Type) bool {
	switch t {
	case records.Email, records.Phone, records.URLs, records.Tags, records.MultiSelect, records.Relations:
		return true
	}
	return false
}

// plan maps the header to fields: the guess, then the mapping given, and
// refuses a mapping that cannot work, naming the column.
func (im *Importer) plan(ctx context.Context, obj *records.Object, header []string, opts Options) (*plan, error) {
	if len(header) == 0 {
		return nil, fault.Field("file", "empty", "the file has no header row")
	}
	g, err := guess.Columns(obj.Name, header)
	if err != nil {
		return nil, err
	}
	fields := g.Fields
	index := map[string]int{}
	for i, h := range header {
		if _, seen := index[h]; !seen {
			index[h] = i
		}
	}
	for _, h := range sortedKeys(opts.Mapping) {
		i, ok := index[h]
		if !ok {
			return nil, fault.Field("mapping", "unknown", "the file has no column %q; its columns are %s", h, quoteAll(header))
		}
		fields[i] = strings.TrimSpace(opts.Mapping[h])
	}
	byName, err := im.fieldsByName(ctx, obj)
	if err != nil {
		return nil, err
	}
	p := &plan{obj: obj, headers: header}
	taken := map[string][]string{}
	for i, name := range fields {
		if name == "" {
			continue
		}
		c := column{index: i, header: header[i], field: name}
		if typ, fname, ok := parseNew(name); ok && byName[name] == nil {
			if err := im.newColumn(ctx, obj, &c, typ, fname); err != nil {
				return nil, err
			}
			name = c.field
		} else if err := fitColumn(&c, byName, obj); err != nil {
			return nil, err
		}
		if c.base == nil || c.part != "" || !multiValued(c.base.Type) {
			taken[name] = append(taken[name], header[i])
		}
		p.cols = append(p.cols, c)
	}
	for _, name := range sortedKeys(taken) {
		if hs := taken[name]; len(hs) > 1 {
			return nil, fault.Field("mapping", "clash", "columns %s all map to %s, which holds one value: map all but one to another field or to \"\"",
				quoteAll(hs), name)
		}
	}
	if len(p.cols) == 0 {
		return nil, fault.Field("mapping", "empty", "no column of the file maps to a field of %s; give a mapping", obj.Plural)
	}
	if obj == activityObject && p.headersOf("kind") == "" {
		return nil, fault.Field("mapping", "required", "no column says each row's kind (task, call, meeting or note); map one to kind")
	}
	p.match = opts.Match
	want := map[string]string{"email": "emails", "phone": "phones", "sku": "sku", "external_id": ExternalID}[opts.Match]
	found := false
	for _, c := range p.cols {
		found = found || c.field == want
	}
	if !found && opts.Match != "" {
		return nil, fault.Field("match", "unmapped", "rows cannot match on %s: no column maps to %s", opts.Match, want)
	}
	if !found && opts.Match == "" {
		// By e-mail when the file has addresses, a product by its SKU;
		// otherwise every row is a new record.
		for _, c := range p.cols {
			switch c.field {
			case "emails":
				p.match = "email"
			case "sku":
				p.match = "sku"
			}
		}
	}
	return p, nil
}

// fieldsByName returns the fields of obj the actor sees, and their parts,
// by name: what a mapping may name.
func (im *Importer) fieldsByName(ctx context.Context, obj *records.Object) (map[string]*records.Field, error) {
	visible, err := im.fields(ctx, obj)
	if err != nil {
		return nil, err
	}
	byName := map[string]*records.Field{}
	for _, f := range visible {
		byName[f.Name] = f
		for _, pf := range f.Parts {
			byName[pf.Name] = pf
		}
	}
	return byName, nil
}

// fitColumn finds the field c names among byName, and refuses one an
// import cannot fill, naming the column.
func fitColumn(c *column, byName map[string]*records.Field, obj *records.Object) error {
	if c.field == ExternalID {
		return nil
	}
	f := byName[c.field]
	if f == nil {
		return fault.Field("mapping", "unknown", "column %q: %s is not a field of %s", c.header, c.field, obj.Plural)
	}
	c.base = f
	if base, part, ok := strings.Cut(c.field, "."); ok {
		c.base, c.part = byName[base], part
	}
	if c.base.ReadOnly {
		return fault.Field("mapping", "read_only", "column %q: %s cannot be written", c.header, c.field)
	}
	return linkable(*c)
}

// lookups are the records a link column names, and how: companies,
// pipelines, stages and loss reasons by name, contacts by e-mail.
var lookups = map[string]bool{"company": true, "pipeline": true, "stage": true, "loss_reason": true, "contact": true}

// linkable refuses links an import cannot look up: it finds users by
// e-mail or name, and the records of lookups.
func linkable(c column) error {
	switch c.base.Type {
	case records.Relation, records.Relations:
		if !lookups[c.base.Target] {
			return fault.Field("mapping", "unsupported", "column %q: %s links to %s records, which an import does not look up yet", c.header, c.field, c.base.Target)
		}
	case records.LineItems:
		return fault.Field("mapping", "unsupported", "column %q: %s cannot be imported", c.header, c.field)
	}
	return nil
}

// decideFormats reads the date and number columns whose order or mark
// the options leave open, and decides each from all its values: a file
// whose dates could be day-first or month-first is refused until the user
// says which.
func (p *plan) decideFormats(src io.ReaderAt, size int64, opts Options) error {
	var dates, numbers []int
	for i, c := range p.cols {
		if c.base == nil {
			continue
		}
		p.cols[i].order, p.cols[i].mark = dateOrder(opts.Dates), opts.DecimalMark
		switch c.base.Type {
		case records.Date, records.DateTime:
			if opts.Dates == "" {
				dates = append(dates, i)
			}
		case records.Integer, records.Decimal, records.Money:
			if opts.DecimalMark == 0 {
				numbers = append(numbers, i)
			}
		}
	}
	if len(dates)+len(numbers) == 0 {
		return nil
	}
	// A sample this large decides any real column; the rest of the file
	// is read for nothing else.
	const most = 200_000
	values := map[int][]string{}
	rd, err := tabular.Open(src, size, opts.FileName, opts.Read)
	if err != nil {
		return fault.Field("file", "unreadable", "%s", err.Error())
	}
	defer rd.Close()
	for n := 0; n < most; n++ {
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			break // the import itself reports it
		}
		for _, i := range append(dates, numbers...) {
			if ix := p.cols[i].index; ix < len(row.Fields) && strings.TrimSpace(row.Fields[ix]) != "" {
				values[i] = append(values[i], row.Fields[ix])
			}
		}
	}
	for _, i := range dates {
		order, err := cell.DateOrder(values[i])
		if err != nil {
			return fault.Field("dates", "ambiguous", "column %q: %s; say whether dates are day-first (dates=day) or month-first (dates=month)",
				p.cols[i].header, cellReason(err))
		}
		if order == cell.OrderUnknown {
			order = cell.DayFirst // no value with both numbers at 12 or below
		}
		p.cols[i].order = order
	}
	for _, i := range numbers {
		mark, err := cell.DecimalMark(values[i])
		if err != nil && errors.Is(err, cell.ErrInvalid) {
			return fault.Field("decimal_mark", "mixed", "column %q: %s; give the decimal mark (decimal_mark=, or .)", p.cols[i].header, cellReason(err))
		}
		p.cols[i].mark = mark
	}
	return nil
}

// cellReason is a cleaner's error without its category prefix.
func cellReason(err error) string {
	s := err.Error()
	for _, prefix := range []string{cell.ErrInvalid.Error() + ": ", cell.ErrAmbiguous.Error() + ": "} {
		s = strings.TrimPrefix(s, prefix)
	}
	return s
}

func quoteAll(hs []string) string {
	q := make([]string, len(hs))
	for i, h := range hs {
		q[i] = fmt.Sprintf("%q", h)
	}
	return strings.Join(q, ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

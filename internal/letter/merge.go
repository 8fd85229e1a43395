package letter

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/export"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/locale"
	"github.com/rapport-crm/rapport/internal/records"
)

// mergeField matches {{object.field}}; anything else between double
// braces is a mistake the check names.
var (
	mergeField = regexp.MustCompile(`\{\{\s*([a-z]+)\.([a-z0-9_]+)\s*\}\}`)
	braces     = regexp.MustCompile(`\{\{[^}]*\}\}`)
)

// sources are the records whose fields a template of each object may
// name: the record itself and those it leads to. "user" is the writer.
var sources = map[string][]string{
	"contact": {"contact", "company", "user"},
	"deal":    {"deal", "contact", "company", "user"},
}

// userFields are the writer's fields a letter may name.
var userFields = []string{"name", "email"}

// checkFields adds to c a problem for each merge field of text that a
// template of object cannot fill.
func (s *Service) checkFields(ctx context.Context, c *fault.Collector, at, object, text string) {
	for _, m := range braces.FindAllString(text, -1) {
		sub := mergeField.FindStringSubmatch(m)
		if sub == nil {
			c.Add(at, "invalid", "%s is not a merge field; write {{object.field}}, such as {{contact.first_name}}", m)
			return
		}
		src, name := sub[1], sub[2]
		if !slices.Contains(sources[object], src) {
			c.Add(at, "unknown", "a %s template names fields of %s, not of %s", object, strings.Join(sources[object], ", "), src)
			return
		}
		if src == "user" {
			if !slices.Contains(userFields, name) {
				c.Add(at, "unknown", "the writer's fields are %s, not %s", strings.Join(userFields, ", "), name)
				return
			}
			continue
		}
		fields, err := s.engine.Fields(ctx, src)
		if err != nil {
			c.Add(at, "unknown", "%s cannot be read", src)
			return
		}
		if !slices.ContainsFunc(fields, func(f *records.Field) bool { return f.Name == name }) {
			c.Add(at, "unknown", "%s is not a field of %s", name, src)
			return
		}
	}
}

// Letter is a template written out for one record.
type Letter struct {
	Template string `json:"template_id,omitempty"`
	Object   string `json:"object"`
	Record   string `json:"record_id"`
	Language string `json:"language"`
	// To is the recipient's first e-mail address; empty when the record
	// has none the writer may read.
	To      string `json:"to"`
	ToName  string `json:"to_name"`
	Subject string `json:"subject"`
	Body    string `json:"body"`
	// InReplyTo is the Message-ID of the letter this one answers.
	InReplyTo string `json:"in_reply_to,omitempty"`
}

// Render writes template id out for the record of the template's object
// with id record, as the actor in ctx may read it: a field the actor's
// role hides is left empty, never filled.
func (s *Service) Render(ctx context.Context, id, record string) (Letter, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return Letter{}, err
	}
	t, err := s.get(ctx, s.db.Read(ctx), a.WorkspaceID, id)
	if err != nil {
		return Letter{}, err
	}
	w, err := s.newWriting(ctx, a)
	if err != nil {
		return Letter{}, err
	}
	return w.write(ctx, t, record)
}

// writing holds what every letter of one sending shares: the writer, the
// signature and the workspace's language.
type writing struct {
	s         *Service
	user      map[string]string
	signature string
	fallback  string
	fields    map[string]map[string]*records.Field
}

func (s *Service) newWriting(ctx context.Context, a access.Actor) (*writing, error) {
	w := &writing{s: s, user: map[string]string{}, fields: map[string]map[string]*records.Field{}}
	var name, email, lang string
	err := s.db.Read(ctx).QueryRowContext(ctx, `SELECT u.name, u.email, coalesce(st.language, '') FROM users u
		LEFT JOIN workspace_settings st ON st.workspace_id = u.workspace_id
		WHERE u.workspace_id = ? AND u.id = ?`, a.WorkspaceID, a.UserID).Scan(&name, &email, &lang)
	if err != nil {
		return nil, err
	}
	w.user["name"], w.user["email"], w.fallback = name, email, lang
	if w.signature, err = s.signature(ctx, a); err != nil {
		return nil, err
	}
	for _, obj := range []string{"contact", "company", "deal"} {
		fields, err := s.engine.Fields(ctx, obj)
		if err != nil {
			return nil, err
		}
		w.fields[obj] = map[string]*records.Field{}
		for _, f := range fields {
			w.fields[obj][f.Name] = f
		}
	}
	return w, nil
}

// reader reads a record a letter draws on, nil when the writer may not
// read it: one at a time for one letter, from a page read beforehand for
// many.
type reader func(ctx context.Context, object, id string) records.Record

// write fills t for the record with id record.
func (w *writing) write(ctx context.Context, t Template, record string) (Letter, error) {
	rec, err := w.s.engine.Get(ctx, t.Object, record, false)
	if err != nil {
		return Letter{}, err
	}
	return w.compose(ctx, t, rec, w.get), nil
}

func (w *writing) get(ctx context.Context, object, id string) records.Record {
	r, err := w.s.engine.Get(ctx, object, id, false)
	if err != nil {
		return nil
	}
	return r
}

// writeAll fills t for each of ids that the writer may read, reading the
// records and those they lead to a page at a time rather than one by one.
func (w *writing) writeAll(ctx context.Context, t Template, ids []string) (map[string]Letter, error) {
	out := map[string]Letter{}
	for chunk := range slices.Chunk(ids, records.MaxLimit) {
		recs, err := w.list(ctx, t.Object, chunk)
		if err != nil {
			return nil, err
		}
		// The records each leads to, every candidate for its first.
		need := map[string][]string{}
		for _, rec := range recs {
			for object, field := range links[t.Object] {
				need[object] = append(need[object], linkIDs(rec[field])...)
			}
		}
		cache := map[string]map[string]records.Record{}
		for object, refs := range need {
			slices.Sort(refs)
			cache[object] = map[string]records.Record{}
			for part := range slices.Chunk(slices.Compact(refs), records.MaxLimit) {
				linked, err := w.list(ctx, object, part)
				if err != nil {
					return nil, err
				}
				for _, r := range linked {
					cache[object][r["id"].(string)] = r
				}
			}
		}
		read := func(_ context.Context, object, id string) records.Record { return cache[object][id] }
		for _, rec := range recs {
			out[rec["id"].(string)] = w.compose(ctx, t, rec, read)
		}
	}
	return out, nil
}

// links are, for each object a template is written for, the field
// leading to each other record its letters draw on.
var links = map[string]map[string]string{
	"contact": {"company": "companies"},
	"deal":    {"contact": "contacts", "company": "company_id"},
}

// linkIDs are the ids a link field holds: a list of links or one id.
func linkIDs(v any) []string {
	switch x := v.(type) {
	case []records.LinkRef:
		ids := make([]string, len(x))
		for i, ref := range x {
			ids[i] = ref.ID
		}
		return ids
	case string:
		return []string{x}
	}
	return nil
}

// list reads the records of object with the given ids that the writer
// may read.
func (w *writing) list(ctx context.Context, object string, ids []string) ([]records.Record, error) {
	values := make([]any, len(ids))
	for i, id := range ids {
		values[i] = id
	}
	page, err := w.s.engine.List(ctx, object, records.Query{Limit: records.MaxLimit,
		Filter: &records.Filter{Field: "id", Op: records.In, Value: values}})
	return page.Data, err
}

// compose fills t for rec, reading what rec leads to through read.
func (w *writing) compose(ctx context.Context, t Template, rec records.Record, read reader) Letter {
	found := map[string]records.Record{t.Object: rec}
	for object, field := range links[t.Object] {
		// The first linked record the writer may read.
		for _, id := range linkIDs(rec[field]) {
			if r := read(ctx, object, id); r != nil {
				found[object] = r
				break
			}
		}
	}
	lang := w.language(t, found["contact"])
	v := t.Versions[lang]
	p := locale.For(lang)
	fill := func(text string) string {
		return mergeField.ReplaceAllStringFunc(text, func(m string) string {
			sub := mergeField.FindStringSubmatch(m)
			if sub[1] == "user" {
				return w.user[sub[2]]
			}
			r := found[sub[1]]
			f := w.fields[sub[1]][sub[2]]
			if r == nil || f == nil {
				return ""
			}
			return format(p, f, r[sub[2]])
		})
	}
	l := Letter{Template: t.ID, Object: t.Object, Record: rec["id"].(string), Language: lang,
		Subject: strings.Join(strings.Fields(fill(v.Subject)), " "), Body: fill(v.Body)}
	if w.signature != "" {
		l.Body += "\n\n-- \n" + w.signature
	}
	if c := found["contact"]; c != nil {
		l.To = firstEmail(c["emails"])
		l.ToName, _ = c["full_name"].(string)
	}
	return l
}

// language is the version a letter is written in: the contact's language
// when the template has it, else the workspace's, else English, else the
// first there is.
func (w *writing) language(t Template, contact records.Record) string {
	var want []string
	if contact != nil {
		if l, ok := contact["language"].(string); ok && l != "" {
			want = append(want, locale.Negotiate(l))
		}
	}
	want = append(want, w.fallback, "en")
	for _, l := range want {
		if _, ok := t.Versions[l]; ok {
			return l
		}
	}
	langs := make([]string, 0, len(t.Versions))
	for l := range t.Versions {
		langs = append(langs, l)
	}
	slices.Sort(langs)
	return langs[0]
}

// firstEmail is the first address of an e-mails value.
func firstEmail(v any) string {
	list, _ := v.([]any)
	for _, it := range list {
		switch x := it.(type) {
		case string:
			return x
		case map[string]any:
			if s, ok := x["value"].(string); ok {
				return s
			}
		}
	}
	return ""
}

// format writes a field's value as a reader of language p expects it:
// money, numbers and dates in the language's forms, anything else as an
// export cell.
func format(p *locale.Printer, f *records.Field, v any) string {
	if v == nil {
		return ""
	}
	switch f.Type {
	case records.Money:
		m, _ := v.(map[string]any)
		code, _ := m["currency"].(string)
		if code == "" {
			break
		}
		return p.Money(locale.Decimal(m["amount"], code), code)
	case records.Integer, records.Decimal:
		s := export.Text(v)
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			break
		}
		decimals := 0
		if i := strings.IndexByte(s, '.'); i >= 0 {
			decimals = len(s) - i - 1
		}
		return p.Number(x, decimals)
	case records.Date:
		if d, err := time.Parse(time.DateOnly, export.Text(v)); err == nil {
			return p.Date(d, nil)
		}
	case records.DateTime:
		if d, err := time.Parse(time.RFC3339Nano, export.Text(v)); err == nil {
			return p.DateTime(d, nil)
		}
	}
	return export.Text(v)
}

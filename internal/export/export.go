// Package export writes a list of records, as a list view shows it (its
// filter, sort and columns), to CSV, XLSX or JSON. It reads the list a
// page at a time through the records engine, so the actor's scope and
// field rules apply exactly as on screen, and writes each page before
// reading the next: a million records are never held in memory. Text a
// spreadsheet would run as a formula is neutralised in CSV and XLSX.
package export

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/analysis"
	"github.com/rapport-crm/rapport/internal/audit"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/locale"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/vcard"
	"github.com/xuri/excelize/v2"
)

// Formats are the formats Write writes.
var Formats = []string{"csv", "xlsx", "json", "vcf"}

// ContentTypes are the media types of the formats.
var ContentTypes = map[string]string{
	"csv":  "text/csv; charset=utf-8",
	"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"json": "application/json",
	"vcf":  "text/vcard; charset=utf-8",
}

// Request is what to export: the records of Object that Query's filter
// matches, in its sort order, with Columns (field names; empty means
// every field the actor may read), in Format.
type Request struct {
	Object  string
	Query   records.Query
	Columns []string
	Format  string
}

// Check validates r for the actor in ctx without writing anything: the
// format, the columns (a field the role hides is unknown, as in the list),
// and the permission to export the object. It returns the fields to
// write, in order. Call it before a response is started, so that bad input
// gets its 4xx.
func Check(ctx context.Context, e *records.Engine, r Request) ([]*records.Field, error) {
	if !slices.Contains(Formats, r.Format) {
		return nil, fault.Field("format", "option", "must be one of %s", strings.Join(Formats, ", "))
	}
	if r.Query.Cursor != "" || r.Query.Limit != 0 || r.Query.Count {
		return nil, fault.Field("limit", "unknown", "an export takes every matching record: limit, cursor and count do not apply")
	}
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	obj, err := object(ctx, e, r.Object)
	if err != nil {
		return nil, err
	}
	if err := e.Policy().Authorize(ctx, a, obj.Grant(), access.Export, nil); err != nil {
		return nil, err
	}
	if r.Format == "vcf" {
		if obj.Name != "contact" {
			return nil, fault.Field("format", "option", "vcf holds contacts; %s export as csv, xlsx or json", obj.Plural)
		}
		if len(r.Columns) > 0 {
			return nil, fault.Field("columns", "invalid", "a vCard holds its own fields; columns choose those of csv, xlsx and json")
		}
	}
	// The filter and sort are checked by the list itself, on a first
	// record.
	probe := r.Query
	probe.Limit, probe.Bare = 1, true
	if _, err := e.List(ctx, r.Object, probe); err != nil {
		return nil, err
	}
	visible, err := e.Fields(ctx, r.Object)
	if err != nil {
		return nil, err
	}
	if len(r.Columns) == 0 {
		return visible, nil
	}
	byName := map[string]*records.Field{}
	for _, f := range visible {
		byName[f.Name] = f
	}
	var out []*records.Field
	seen := map[string]bool{}
	for _, name := range r.Columns {
		f := byName[name]
		if f == nil {
			return nil, fault.Field("columns", "unknown", "%s is not a field of %s", name, obj.Plural)
		}
		if seen[name] {
			return nil, fault.Field("columns", "duplicate", "%s is named twice", name)
		}
		seen[name] = true
		out = append(out, f)
	}
	return out, nil
}

// Write writes the export to w and records it in the audit trail. It
// returns how many records it wrote. Errors from Check come before
// anything is written; an error after that leaves w with part of the
// export, which the caller must treat as failed.
func Write(ctx context.Context, db *store.DB, e *records.Engine, r Request, w io.Writer) (int, error) {
	fields, err := Check(ctx, e, r)
	if err != nil {
		return 0, err
	}
	a, _ := access.ActorFrom(ctx)
	out, err := newWriter(ctx, e, r.Format, w, fields, r.Object)
	if err != nil {
		return 0, err
	}
	obj, err := object(ctx, e, r.Object)
	if err != nil {
		return 0, err
	}
	// The engine reads only the columns written (a vCard takes every
	// field it carries) and keeps the records the role may export. The
	// next page is read while this one is written: reading and writing
	// each take a core's worth of time.
	var names []string
	if r.Format != "vcf" {
		names = make([]string, len(fields))
		for i, f := range fields {
			names[i] = f.Name
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pages := make(chan []records.Record, 1)
	var readErr error
	go func() {
		defer close(pages)
		// CSV and XLSX cells are text made from the stored JSON itself.
		o := records.ExportOptions{Fields: names, JSONText: r.Format == "csv" || r.Format == "xlsx"}
		readErr = e.Export(ctx, r.Object, r.Query, o, func(page []records.Record) error {
			select {
			case pages <- page:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	n := 0
	for data := range pages {
		if p, ok := out.(pager); ok {
			if err := p.page(data); err != nil {
				return n, err
			}
		}
		for _, rec := range data {
			if err := out.record(rec); err != nil {
				return n, err
			}
			n++
		}
	}
	// The channel is closed: the reader is done, and readErr is its last
	// word.
	if readErr != nil {
		return n, readErr
	}
	if err := out.close(); err != nil {
		return n, err
	}
	return n, db.Tx(ctx, func(tx store.Querier) error {
		return audit.Record(ctx, tx, db.Dialect, audit.Entry{WorkspaceID: a.WorkspaceID, ActorID: a.UserID,
			Action: audit.ActionExport, Object: obj.Name,
			Changes: map[string]audit.Change{"records": {After: n}, "format": {After: r.Format}}})
	})
}

// object finds the object named name (singular or plural): a standard
// one or one of the workspace's own lists.
func object(ctx context.Context, e *records.Engine, name string) (*records.Object, error) {
	if obj := e.Object(name); obj != nil {
		return obj, nil
	}
	lists, err := e.Lists(ctx)
	if err != nil {
		return nil, err
	}
	for _, l := range lists {
		if l.Name == name || l.Plural == name {
			return l, nil
		}
	}
	return nil, fault.Field("object", "unknown", "%s is not an object", name)
}

// writer writes records in one format.
type writer interface {
	record(records.Record) error
	close() error
}

// pager is a writer that first reads what a page of records needs all at
// once (the names of their companies, say).
type pager interface {
	page([]records.Record) error
}

func newWriter(ctx context.Context, e *records.Engine, format string, w io.Writer, fields []*records.Field, object string) (writer, error) {
	head := []string{"id"}
	for _, f := range fields {
		head = append(head, f.Name)
	}
	switch format {
	case "csv":
		return newCSV(w, fields, head)
	case "xlsx":
		return newXLSX(w, fields, head, object)
	case "vcf":
		return &vcfWriter{w: w, orgs: vcard.NewOrganizations(ctx, e)}, nil
	default:
		j := &jsonWriter{w: w, fields: fields}
		_, err := io.WriteString(w, "[")
		return j, err
	}
}

func safeAll(s []string) []string {
	for i := range s {
		s[i] = analysis.Safe(s[i])
	}
	return s
}

// xlsxWriter writes one worksheet through excelize's stream writer,
// which keeps the rows on disk rather than in memory; numbers stay
// numbers.
type xlsxWriter struct {
	w      io.Writer
	f      *excelize.File
	sw     *excelize.StreamWriter
	fields []*records.Field
	n      int
}

func newXLSX(w io.Writer, fields []*records.Field, head []string, sheet string) (*xlsxWriter, error) {
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		f.Close()
		return nil, err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		f.Close()
		return nil, err
	}
	row := make([]any, len(head))
	for i, h := range safeAll(head) {
		row[i] = h
	}
	x := &xlsxWriter{w: w, f: f, sw: sw, fields: fields, n: 1}
	return x, sw.SetRow("A1", row)
}

func (x *xlsxWriter) record(rec records.Record) error {
	x.n++
	row := make([]any, 0, len(x.fields)+1)
	row = append(row, analysis.Safe(Text(rec["id"])))
	for _, f := range x.fields {
		v := rec[f.Name]
		if n, ok := number(f, v); ok {
			row = append(row, n)
			continue
		}
		s, err := cell(v)
		if err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
		row = append(row, analysis.Safe(s))
	}
	cell, err := excelize.CoordinatesToCellName(1, x.n)
	if err != nil {
		return err
	}
	return x.sw.SetRow(cell, row)
}

func (x *xlsxWriter) close() error {
	defer x.f.Close()
	if err := x.sw.Flush(); err != nil {
		return err
	}
	_, err := x.f.WriteTo(x.w)
	return err
}

// number is the value of an integer or decimal field as a number for a
// spreadsheet cell.
func number(f *records.Field, v any) (float64, bool) {
	if f.Type != records.Integer && f.Type != records.Decimal {
		return 0, false
	}
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	case json.Number:
		x, err := n.Float64()
		return x, err == nil
	}
	return 0, false
}

// jsonWriter writes an array of objects: the id and the columns, each
// value as the API gives it.
type jsonWriter struct {
	w      io.Writer
	fields []*records.Field
	n      int
}

func (j *jsonWriter) record(rec records.Record) error {
	out := make(map[string]any, len(j.fields)+1)
	out["id"] = rec["id"]
	for _, f := range j.fields {
		out[f.Name] = rec[f.Name]
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	if j.n > 0 {
		b = append([]byte(",\n"), b...)
	} else {
		b = append([]byte("\n"), b...)
	}
	j.n++
	_, err = j.w.Write(b)
	return err
}

func (j *jsonWriter) close() error {
	_, err := io.WriteString(j.w, "\n]\n")
	return err
}

// Text is a field's value as one cell of text: lists joined by "; ",
// money as its amount in major units and its currency ("1234.50 EUR"),
// an address as its parts joined by ", ", anything else structured as
// JSON.
func Text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		return x.String()
	case map[string]any:
		if code, ok := x["currency"].(string); ok {
			return locale.Decimal(x["amount"], code) + " " + code
		}
		if parts := addressParts(x); parts != nil {
			return strings.Join(parts, ", ")
		}
	case []any:
		parts := make([]string, 0, len(x))
		for _, it := range x {
			if m, ok := it.(map[string]any); ok {
				if s, ok := m["value"].(string); ok {
					parts = append(parts, s)
					continue
				}
				return asJSON(v)
			}
			parts = append(parts, Text(it))
		}
		return strings.Join(parts, "; ")
	case []string:
		return strings.Join(x, "; ")
	case []records.LinkRef:
		return linksJSON(x)
	case records.JSONText:
		s, err := cell(x)
		if err != nil {
			return string(x)
		}
		return s
	}
	return asJSON(v)
}

// addressKeys are an address's parts in the order they are written.
var addressKeys = []string{"street", "city", "region", "postal_code", "country"}

// addressParts returns the non-empty parts of an address, or nil when m
// is not one.
func addressParts(m map[string]any) []string {
	parts := []string{}
	for k, v := range m {
		if !slices.Contains(addressKeys, k) {
			return nil
		}
		if _, ok := v.(string); !ok && v != nil {
			return nil
		}
	}
	for _, k := range addressKeys {
		if s, _ := m[k].(string); s != "" {
			parts = append(parts, s)
		}
	}
	return parts
}

func asJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/rapport-crm/rapport/internal/locale"
	"github.com/rapport-crm/rapport/internal/records"
)

// listPage is the list of an object's records: a page of rows at a time,
// sorted by one column, with the next page loaded as the user scrolls.
type listPage struct {
	frame
	Plural     string
	Title      string
	EmptyTitle string
	EmptyText  string
	Columns    []column
	Rows       []row
	// More is the address of the next page, "" on the last.
	More string
}

// column is one column of a list. Sort is the field the column sorts by,
// "" when the engine cannot sort by it; Order says how the list is sorted
// by it now ("asc", "desc" or "").
type column struct {
	Label string
	Sort  string
	Order string
	Href  string // the list sorted by this column, the other way round when it is sorted by it already
}

// row is one record as a list shows it: its name, which links to it, and
// the values of the other columns as text.
type row struct {
	ID    string
	Name  string
	Cells [][]string
}

// pageSize is how many records one page of a list shows.
const pageSize = 50

func (s *Server) list(w http.ResponseWriter, r *http.Request, v *visit) {
	view := views[r.PathValue("object")]
	if view == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	ctx := r.Context()
	fields, err := s.engine.Fields(ctx, view.plural)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	byName := fieldsByName(fields)
	sort := r.URL.Query().Get("sort")
	if !sortable(byName, strings.TrimPrefix(sort, "-")) {
		sort = view.name
	}
	page, err := s.engine.List(ctx, view.plural, records.Query{Sort: []string{sort}, Limit: pageSize, Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	n, err := s.namesOf(r, byName, view.columns, page.Data)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data := &listPage{frame: frame{Nav: view.plural}, Plural: view.plural, Title: v.p.T("object." + view.plural + ".name"),
		Columns: columnsFor(v.p, view, byName, sort)}
	data.EmptyTitle, data.EmptyText = view.empty(v.p)
	for _, rec := range page.Data {
		data.Rows = append(data.Rows, rowOf(v, view, byName, rec, n))
	}
	if page.NextCursor != "" {
		data.More = "/" + view.plural + "?" + url.Values{"sort": {sort}, "cursor": {page.NextCursor}}.Encode()
	}
	if r.Header.Get("HX-Request") == "true" && r.URL.Query().Get("cursor") != "" {
		s.fragment(w, r, v, "list", "rows", data)
		return
	}
	s.render(w, r, v, http.StatusOK, "list", data)
}

// Creatable reports whether the list offers a form for a new record.
func (p *listPage) Creatable() bool {
	view := views[p.Plural]
	return view != nil && view.editable()
}

func fieldsByName(fields []*records.Field) map[string]*records.Field {
	m := map[string]*records.Field{}
	for _, f := range fields {
		m[f.Name] = f
	}
	return m
}

// sortable reports whether the engine sorts by the field: one of its own
// columns, or a field it says is sortable. A field the role hides is not
// among the fields, so it does not sort either.
func sortable(fields map[string]*records.Field, name string) bool {
	if name == "updated_at" {
		return true
	}
	f := fields[name]
	return f != nil && f.Sortable
}

// columnsFor lays out the headings of a list sorted by sort. A column the
// user's role hides is left out.
func columnsFor(p *locale.Printer, view *objectView, fields map[string]*records.Field, sort string) []column {
	var out []column
	for _, name := range view.columns {
		if fields[name] == nil && name != "updated_at" {
			continue
		}
		col := column{Label: fieldLabel(p, name)}
		if sortable(fields, name) {
			col.Sort = name
			next := name
			switch sort {
			case name:
				col.Order, next = "asc", "-"+name
			case "-" + name:
				col.Order = "desc"
			}
			col.Href = "/" + view.plural + "?" + url.Values{"sort": {next}}.Encode()
		}
		out = append(out, col)
	}
	return out
}

func rowOf(v *visit, view *objectView, fields map[string]*records.Field, rec records.Record, n names) row {
	out := row{ID: str(rec["id"]), Name: str(rec[view.name])}
	for _, name := range view.columns[1:] {
		switch f := fields[name]; {
		case name == "updated_at":
			out.Cells = append(out.Cells, []string{v.day(str(rec["updated_at"]))})
		case f != nil:
			out.Cells = append(out.Cells, v.field(f, rec, n))
		}
	}
	return out
}

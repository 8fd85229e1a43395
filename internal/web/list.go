package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/locale"
	"github.com/rapport-crm/rapport/internal/records"
)

// listPage is the list of an object's records: the columns, sort and
// filter the user chose (or a saved view's), a page of rows at a time,
// with the next page loaded as the user scrolls.
type listPage struct {
	frame
	// Importable offers the import screen: the user may create the
	// list's records, which is what an import asks.
	Importable bool
	Plural     string
	Title      string
	EmptyTitle string
	EmptyText  string
	Columns    []column
	Rows       []row
	// More is the address of the next page, "" on the last.
	More string
	// ImportObject is what the import screen offered by Importable
	// imports: activities for the lists of tasks, calls, meetings and
	// notes.
	ImportObject string

	Address string // the list's address, without a cursor
	Clear   string // the list without its filter
	Builder builder
	Picker  []columnChoice
	Views   viewMenu
	// Count is the number of matching records when the user asked for it.
	Count     string
	CountHref string
	Bulk      bulkForm
	Result    *bulkResult
	// Problems are the engine's refusals that no row of the builder shows.
	Problems []string
	Filtered bool
	// Exports download the list as it is shown, one per format.
	Exports []exportLink
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
// its other cells.
type row struct {
	ID    string
	Name  string
	Cells []cell
}

// cell is one value of a row as text; Edit is the address of its inline
// editor, "" when the field is not edited in place.
type cell struct {
	Values []string
	Edit   string
	Label  string // the column's, for the editor's button
}

// pageSize is how many records one page of a list shows.
const pageSize = 50

// countCap is as far as the "count" button counts: beyond it the list
// says "10,000+", which is cheap, rather than reading every record.
const countCap = 10000

// listState is what one request of a list reads before it draws it.
type listState struct {
	view   *objectView
	fields map[string]*records.Field
	order  []*records.Field // the fields in the engine's order
	q      listQuery
	cols   []string
	users  []formOption
	// viewError and viewName are a refused save of a view: why, and the
	// name that was typed.
	viewError, viewName string
}

func (s *Server) list(w http.ResponseWriter, r *http.Request, v *visit) {
	st, err := s.listState(r, parseListQuery(r.URL.Query()))
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	// The builder's buttons (add a row, remove one) change the address;
	// the browser keeps the address of the result, so that reloading it
	// does not press them again.
	if edited(r.URL.Query()) {
		if r.Header.Get("HX-Request") != "true" {
			http.Redirect(w, r, st.q.address(st.view.plural), http.StatusSeeOther)
			return
		}
		w.Header().Set("HX-Push-Url", st.q.address(st.view.plural))
	}
	s.showList(w, r, v, st, nil)
}

// edited reports whether a list's address carries one of the builder's
// buttons.
func edited(q url.Values) bool { return q.Has("add") || q.Has("add_group") || q.Has("del") }

// listState reads the object's fields and, for a list opened from a saved
// view, the view.
func (s *Server) listState(r *http.Request, q listQuery) (*listState, error) {
	view, err := s.viewFor(r)
	if err != nil {
		return nil, err
	}
	fields, err := s.engine.Fields(r.Context(), view.plural)
	if err != nil {
		return nil, err
	}
	if q.View != "" && len(q.Conds) == 0 && len(q.Columns) == 0 && q.Sort == "" && s.views != nil {
		saved, err := s.views.Get(r.Context(), q.View)
		if err == nil && saved.Object != view.plural {
			err = errNotFound
		}
		if err != nil {
			return nil, err
		}
		q = fromSaved(saved.ID, saved.Columns, saved.Sort, saved.Filter)
	}
	st := &listState{view: view, fields: fieldsByName(fields), order: fields, q: q.seenBy(fieldsByName(fields))}
	st.cols = chosenColumns(view, st.fields, st.q.Columns)
	if !sortable(st.fields, strings.TrimPrefix(q.Sort, "-")) {
		st.q.Sort = view.name
	}
	return st, nil
}

// showList lists the records and draws the page, or the part of it that
// htmx asked for; result is what a bulk action just did.
func (s *Server) showList(w http.ResponseWriter, r *http.Request, v *visit, st *listState, result *bulkResult) {
	ctx := r.Context()
	view := st.view
	filter, paths := st.q.filter(st.fields, v.location())
	query := records.Query{Filter: filter, Sort: []string{st.q.Sort}, Limit: pageSize, Cursor: r.URL.Query().Get("cursor")}
	counting := r.URL.Query().Get("count") == "1"
	if counting {
		query.Count, query.CountLimit = true, countCap
	}
	page, err := s.engine.List(ctx, view.plural, query)
	refusal, invalid := fieldErrorsOf(err)
	if err != nil && !invalid {
		s.fail(w, r, v, err)
		return
	}
	users, err := s.directory(r)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	st.users = users
	n, err := s.namesOf(r, st.fields, st.cols, page.Data)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data := &listPage{frame: frame{Nav: view.plural}, Plural: view.plural, Title: view.title(v.p),
		Columns: columnsFor(v.p, view, st.fields, st.cols, st.q), Result: result,
		Address: st.q.address(view.plural), Clear: listQuery{Columns: st.q.Columns, Sort: st.q.Sort}.address(view.plural),
		Filtered: st.q.filtered()}
	data.EmptyTitle, data.EmptyText = view.empty(v.p)
	data.ImportObject = importObjectOf(view.plural)
	data.Importable = s.importAllowed(r, data.ImportObject)
	data.Builder = newBuilder(v, st, paths, refusal, &data.Problems)
	data.Picker = columnPicker(v.p, view, st.fields, st.order, st.cols)
	data.CountHref = st.q.address(view.plural, "count", "1")
	if page.Total != nil {
		data.Count = countText(v.p, *page.Total)
	}
	for _, rec := range page.Data {
		data.Rows = append(data.Rows, rowOf(v, st, rec, n))
	}
	if page.NextCursor != "" {
		data.More = st.q.address(view.plural, "cursor", page.NextCursor)
	}
	s.answerList(w, r, v, st, data, invalid, counting)
}

// answerList draws the page, or the part htmx asked for: the next rows as
// the user scrolls, the count, or the list's body when a filter changed.
func (s *Server) answerList(w http.ResponseWriter, r *http.Request, v *visit, st *listState, data *listPage, invalid, counting bool) {
	htmx := r.Header.Get("HX-Request") == "true"
	switch {
	case htmx && r.URL.Query().Get("cursor") != "":
		s.fragment(w, r, v, "list", "rows", data)
		return
	case htmx && counting && r.Header.Get("HX-Target") == "list-count":
		s.fragment(w, r, v, "list", "count", data)
		return
	}
	if err := s.fillMenus(r, v, st, data); err != nil {
		s.fail(w, r, v, err)
		return
	}
	switch {
	case htmx && r.Header.Get("HX-Target") == "list-body":
		// htmx swaps only what answers 2xx; a refused filter is shown
		// beside its row all the same.
		s.fragment(w, r, v, "list", "body", data)
	case invalid || st.viewError != "":
		s.render(w, r, v, http.StatusBadRequest, "list", data)
	default:
		s.render(w, r, v, http.StatusOK, "list", data)
	}
}

// fillMenus reads what the saved views' menu and the bulk actions offer.
func (s *Server) fillMenus(r *http.Request, v *visit, st *listState, data *listPage) error {
	var err error
	if data.Views, err = s.viewMenu(r, v, st); err != nil {
		return err
	}
	data.Exports = s.exportLinks(r, v, st)
	data.Bulk, err = s.bulkForm(r, v, st)
	return err
}

// fieldErrorsOf returns the field errors of invalid input, and whether
// err was invalid input.
func fieldErrorsOf(err error) ([]fault.FieldError, bool) {
	var fe *fault.Error
	if !errors.As(err, &fe) || fe.Code != fault.EINVALID {
		return nil, false
	}
	if len(fe.Fields) == 0 {
		return []fault.FieldError{{Code: "invalid", Message: fe.Message}}, true
	}
	return fe.Fields, true
}

// countText says how many records match, "10,000+" past the cap.
func countText(p *locale.Printer, total int64) string {
	if total > countCap {
		return p.T("web.lists.count_over", "count", countCap)
	}
	return p.N("web.lists.count", int(total))
}

// Creatable reports whether the list offers a form for a new record.
func (p *listPage) Creatable() bool {
	view := views[p.Plural]
	return view != nil && view.editable()
}

// Span is how many columns a row spans.
func (p *listPage) Span() int { return len(p.Columns) }

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

// shownType reports whether a list shows a field of the type in a cell.
func shownType(t records.Type) bool { return t != records.LineItems }

// chosenColumns are the columns a list shows: the name first, then those
// asked for, or else the object's usual ones. A name that is not a field
// the user sees (a saved view's column that their role hides, a field
// since deleted) is left out.
func chosenColumns(view *objectView, fields map[string]*records.Field, asked []string) []string {
	if len(asked) == 0 {
		asked = view.columns
	}
	out := []string{view.name}
	for _, name := range asked {
		f := fields[name]
		if slices.Contains(out, name) || name != "updated_at" && (f == nil || !shownType(f.Type)) {
			continue
		}
		out = append(out, name)
	}
	return out
}

// label is the label of a column: the catalogue's for a standard field,
// the one its user gave a custom field.
func label(p *locale.Printer, fields map[string]*records.Field, name string) string {
	if f := fields[name]; f != nil && f.Custom {
		return f.Label
	}
	return fieldLabel(p, name)
}

// columnsFor lays out the headings of a list, each a link that sorts by
// its column, keeping the filter and the columns.
func columnsFor(p *locale.Printer, view *objectView, fields map[string]*records.Field, cols []string, q listQuery) []column {
	var out []column
	for _, name := range cols {
		col := column{Label: label(p, fields, name)}
		if sortable(fields, name) {
			col.Sort = name
			next := name
			switch q.Sort {
			case name:
				col.Order, next = "asc", "-"+name
			case "-" + name:
				col.Order = "desc"
			}
			sorted := q
			sorted.Sort = next
			col.Href = sorted.address(view.plural)
		}
		out = append(out, col)
	}
	return out
}

// columnChoice is one field of the column picker.
type columnChoice struct {
	Name, Label string
	Chosen      bool
	Fixed       bool // the name, which every list shows
}

func columnPicker(p *locale.Printer, view *objectView, fields map[string]*records.Field, order []*records.Field, cols []string) []columnChoice {
	out := []columnChoice{{Name: view.name, Label: label(p, fields, view.name), Chosen: true, Fixed: true}}
	add := func(name string) {
		out = append(out, columnChoice{Name: name, Label: label(p, fields, name), Chosen: slices.Contains(cols, name)})
	}
	for _, f := range order {
		if f.Name != view.name && shownType(f.Type) {
			add(f.Name)
		}
	}
	add("updated_at")
	return out
}

func rowOf(v *visit, st *listState, rec records.Record, n names) row {
	id := str(rec["id"])
	out := row{ID: id, Name: str(rec[st.view.name])}
	for _, name := range st.cols[1:] {
		c := cell{Label: label(v.p, st.fields, name)}
		switch f := st.fields[name]; {
		case name == "updated_at":
			c.Values = []string{v.day(str(rec["updated_at"]))}
		case f != nil:
			c.Values = v.field(f, rec, n)
			if inlineEditable(f) {
				c.Edit = "/" + st.view.plural + "/" + id + "/cell?" + url.Values{"field": {name}}.Encode()
			}
		}
		out.Cells = append(out.Cells, c)
	}
	return out
}

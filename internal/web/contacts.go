package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/rapport-crm/rapport/internal/locale"
	"github.com/rapport-crm/rapport/internal/records"
)

// contactsPage is the list of contacts: a page of rows at a time, sorted
// by one column, with the next page loaded as the user scrolls.
type contactsPage struct {
	frame
	Columns []column
	Rows    []contactRow
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
	Num   bool   // right-aligned
}

// contactRow is one contact as the list shows it.
type contactRow struct {
	ID        string
	Name      string
	Emails    []string
	Phones    []string
	Companies []string
	Owner     string
	Updated   string
}

// contactColumns are the list's columns, each by the field it sorts by.
// updated_at is one of the engine's own columns, which always sort.
var contactColumns = []string{"full_name", "emails", "phones", "companies", "owner_id", "updated_at"}

// columnLabel is the heading of a column of the contacts list.
func columnLabel(p *locale.Printer, field string) string {
	switch field {
	case "full_name":
		return p.T("web.contacts.col.name")
	case "emails":
		return p.T("web.contacts.col.emails")
	case "phones":
		return p.T("web.contacts.col.phones")
	case "companies":
		return p.T("web.contacts.col.company")
	case "owner_id":
		return p.T("web.contacts.col.owner")
	}
	return p.T("web.contacts.col.updated")
}

// pageSize is how many contacts one page of the list shows.
const pageSize = 50

func (s *Server) contacts(w http.ResponseWriter, r *http.Request, v *visit) {
	ctx := r.Context()
	fields, err := s.engine.Fields(ctx, "contacts")
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	sortable := map[string]bool{"updated_at": true}
	for _, f := range fields {
		sortable[f.Name] = f.Sortable
	}
	sort := r.URL.Query().Get("sort")
	if !sortable[strings.TrimPrefix(sort, "-")] {
		sort = "full_name"
	}
	page, err := s.engine.List(ctx, "contacts", records.Query{Sort: []string{sort}, Limit: pageSize, Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	names, err := s.namesOf(r, page.Data)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data := &contactsPage{frame: frame{Nav: "contacts"}, Columns: columnsFor(v.p, sort, sortable)}
	for _, rec := range page.Data {
		data.Rows = append(data.Rows, contactRowOf(v, rec, names))
	}
	if page.NextCursor != "" {
		data.More = "/contacts?" + url.Values{"sort": {sort}, "cursor": {page.NextCursor}}.Encode()
	}
	if r.Header.Get("HX-Request") == "true" && r.URL.Query().Get("cursor") != "" {
		s.fragment(w, r, v, "contacts", "rows", data)
		return
	}
	s.render(w, r, v, http.StatusOK, "contacts", data)
}

// columnsFor lays out the headings of a list sorted by sort.
func columnsFor(p *locale.Printer, sort string, sortable map[string]bool) []column {
	var out []column
	for _, field := range contactColumns {
		col := column{Label: columnLabel(p, field)}
		if sortable[field] {
			col.Sort = field
			next := field
			switch sort {
			case field:
				col.Order, next = "asc", "-"+field
			case "-" + field:
				col.Order = "desc"
			}
			col.Href = "/contacts?" + url.Values{"sort": {next}}.Encode()
		}
		out = append(out, col)
	}
	return out
}

func contactRowOf(v *visit, rec records.Record, names names) contactRow {
	row := contactRow{ID: str(rec["id"]), Name: str(rec["full_name"]),
		Emails: values(rec["emails"]), Phones: values(rec["phones"]),
		Owner: names.users[str(rec["owner_id"])], Updated: v.day(str(rec["updated_at"]))}
	for _, l := range links(rec["companies"]) {
		if n, ok := names.companies[l]; ok {
			row.Companies = append(row.Companies, n)
		}
	}
	slices.Sort(row.Companies)
	return row
}

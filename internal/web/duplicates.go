package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/duplicate"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/inbox"
	"github.com/rapport-crm/rapport/internal/records"
)

// duplicatesNotice lists the records that a record, or a form being
// typed, likely duplicates: only records the user may see, linked to
// their pages and, from a record page, to the screen that merges them.
type duplicatesNotice struct {
	frame
	Matches []duplicateLink
	// Requests are the inbox requests waiting that matched the record by
	// e-mail or phone: the same person or company, arrived again.
	Requests []duplicateLink
}

type duplicateLink struct {
	Name, Sub, Href, Merge string
}

// maxShownDuplicates bounds the likely duplicates a notice names.
const maxShownDuplicates = 5

// extras adds to a record page what its object has beyond its fields: a
// deal's line items; the likely duplicates of a contact or a company.
func (s *Server) extras(r *http.Request, v *visit, view *objectView, rec records.Record, data *recordPage) error {
	var err error
	switch view.plural {
	case "deals":
		data.Items, err = s.lineItems(r, v, rec)
		if data.Items != nil {
			data.Items.CSRF = v.session.CSRFToken
		}
	case "contacts", "companies":
		if s.duplicates == nil {
			return nil
		}
		var found []duplicate.Suspect
		if found, err = s.duplicates.Of(r.Context(), view.object, str(rec["id"])); err == nil {
			data.Duplicates, err = s.duplicateLinks(r, v, view, found, str(rec["id"]))
		}
		if err == nil {
			err = s.waitingRequests(r, v, view, str(rec["id"]), &data.Duplicates)
		}
	}
	return err
}

// waitingRequests adds to the notice the inbox requests waiting that
// matched the record, so that a likely duplicate shows on both sides: on
// the request in the inbox and here. A role that cannot read the inbox
// sees none.
func (s *Server) waitingRequests(r *http.Request, v *visit, view *objectView, id string, notice **duplicatesNotice) error {
	if s.inbox == nil {
		return nil
	}
	f := inbox.Filter{Limit: maxShownDuplicates}
	if view.object == "contact" {
		f.ContactID = id
	} else {
		f.CompanyID = id
	}
	page, err := s.inbox.List(r.Context(), f)
	if fault.Is(err, fault.EFORBIDDEN) {
		return nil
	}
	if err != nil || len(page.Data) == 0 {
		return err
	}
	if *notice == nil {
		*notice = &duplicatesNotice{}
	}
	for _, q := range page.Data {
		name := q.Name
		for _, alt := range []string{q.Email, q.Phone, v.p.T("web.record.unnamed")} {
			if name == "" {
				name = alt
			}
		}
		sub := s.inboxChannel(v, q.Channel) + " · " + s.inboxWait(v, time.Duration(q.WaitedSeconds)*time.Second)
		(*notice).Requests = append((*notice).Requests, duplicateLink{Name: name, Sub: sub, Href: "/inbox#request-" + q.ID})
	}
	return nil
}

// duplicateLinks names the suspects, in the order found, reading them
// through the engine: one the user may not read is left out.
func (s *Server) duplicateLinks(r *http.Request, v *visit, view *objectView, found []duplicate.Suspect, of string) (*duplicatesNotice, error) {
	if len(found) == 0 {
		return nil, nil
	}
	ids := make([]any, 0, len(found))
	for _, f := range found[:min(len(found), maxShownDuplicates)] {
		ids = append(ids, f.ID)
	}
	page, err := s.engine.List(r.Context(), view.plural, records.Query{
		Filter: &records.Filter{Field: "id", Op: records.In, Value: ids}, Limit: len(ids)})
	if err != nil {
		return nil, err
	}
	byID := map[string]records.Record{}
	for _, rec := range page.Data {
		byID[str(rec["id"])] = rec
	}
	out := &duplicatesNotice{}
	for _, id := range ids {
		rec, ok := byID[id.(string)]
		if !ok {
			continue
		}
		link := duplicateLink{Name: str(rec[view.name]), Sub: pickSub(rec), Href: "/" + view.plural + "/" + id.(string)}
		if link.Name == "" {
			link.Name = v.p.T("web.record.unnamed")
		}
		if of != "" {
			link.Merge = "/" + view.plural + "/" + of + "/merge?with=" + id.(string)
		}
		out.Matches = append(out.Matches, link)
	}
	if len(out.Matches) == 0 {
		return nil, nil
	}
	return out, nil
}

// checkDuplicates answers the form of a new contact or company, as the
// user types, with the records it likely duplicates: the web app's
// POST /api/v1/{object}/duplicates/check.
func (s *Server) checkDuplicates(w http.ResponseWriter, r *http.Request, v *visit) {
	plural, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	view := views[plural]
	if s.duplicates == nil || view == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	fields, err := s.engine.Fields(r.Context(), view.plural)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	form := formFields(v.p, view, fields)
	readForm(form, r)
	draft := map[string]any{}
	in, _ := input(form, false, v.location())
	for _, name := range []string{"first_name", "last_name", "name", "emails", "phones", "domain", "website"} {
		if val, ok := in[name]; ok {
			draft[name] = val
		}
	}
	data := &duplicatesNotice{}
	if len(draft) > 0 {
		// A draft the matcher cannot read (an e-mail half typed) has no
		// likely duplicates yet: the form says what is wrong when saved.
		found, err := s.duplicates.Check(r.Context(), view.object, draft)
		var notice *duplicatesNotice
		if err == nil {
			notice, err = s.duplicateLinks(r, v, view, found, "")
		}
		switch {
		case fault.Code(err) == fault.EINVALID:
		case err != nil:
			s.fail(w, r, v, err)
			return
		case notice != nil:
			data = notice
		}
	}
	s.fragment(w, r, v, "form", "duplicates", data)
}

// exampleDuplicates is a notice for the record page's declaration.
func exampleDuplicates() *duplicatesNotice {
	return &duplicatesNotice{Matches: []duplicateLink{{Name: "Ada <b>", Sub: "ada@example.com", Href: "/contacts/2", Merge: "/contacts/1/merge?with=2"}}}
}

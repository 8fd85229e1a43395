package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/audit"
	"github.com/rapport-crm/rapport/internal/fault"
)

// auditPage is the audit trail, newest first, filtered as GET
// /api/v1/audit filters it, a page at a time.
type auditPage struct {
	frame
	Filter  auditFilterForm
	Users   []formOption
	Entries []auditRow
	More    string // the address of the next, older page
	Errors  map[string]string
}

// auditFilterForm is the filter as typed; the dates are days in the
// user's time zone, both included.
type auditFilterForm struct {
	Object, RecordID, UserID, Action, From, To string
}

// auditRow is one entry as the page shows it.
type auditRow struct {
	At, Who, Address, Action, Object, RecordID string
	Changes                                    []auditChange
}

// auditChange is one field's value before and after.
type auditChange struct {
	Field, Before, After string
}

// auditPageSize is the number of entries a page shows.
const auditPageSize = 50

func (s *Server) auditTrail(w http.ResponseWriter, r *http.Request, v *visit) {
	// The API's rule: the trail shows what every user did, to every
	// record, hidden fields included, so only administrators read it.
	if _, err := api.RequireAdmin(r.Context()); err != nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	q := r.URL.Query()
	form := auditFilterForm{Object: strings.TrimSpace(q.Get("object")), RecordID: strings.TrimSpace(q.Get("record_id")),
		UserID: q.Get("user_id"), Action: strings.TrimSpace(q.Get("action")), From: q.Get("from"), To: q.Get("to")}
	data := &auditPage{frame: frame{Nav: "settings"}, Filter: form}
	users, err := s.accounts.ListUsers(r.Context(), account.UserFilter{})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	who := map[string]string{}
	for _, u := range users {
		who[u.ID] = u.Name
		data.Users = append(data.Users, formOption{Value: u.ID, Label: u.Name})
	}
	f, err := auditFilterOf(v, form)
	var page audit.Page
	if err == nil {
		page, err = audit.List(r.Context(), s.db, f, q.Get("cursor"), auditPageSize)
	}
	if err != nil {
		errs, ok := fieldErrors(v, err)
		if !ok {
			s.fail(w, r, v, err)
			return
		}
		data.Errors = errs
		s.render(w, r, v, http.StatusBadRequest, "settings_audit", data)
		return
	}
	for _, e := range page.Data {
		data.Entries = append(data.Entries, auditEntry(v, e, who))
	}
	if page.NextCursor != "" {
		next := auditQuery(form)
		next.Set("cursor", page.NextCursor)
		data.More = "/settings/audit?" + next.Encode()
	}
	s.render(w, r, v, http.StatusOK, "settings_audit", data)
}

// auditFilterOf reads the filter as the API's auditFilter does, but takes
// days in the user's zone rather than RFC 3339 times.
func auditFilterOf(v *visit, form auditFilterForm) (audit.Filter, error) {
	f := audit.Filter{Object: form.Object, RecordID: form.RecordID, Action: form.Action}
	var c fault.Collector
	if form.UserID != "" {
		id, err := strconv.ParseInt(form.UserID, 10, 64)
		if err != nil || id <= 0 {
			c.Add("user_id", "type", "must be a user id")
		}
		f.UserID = id
	}
	f.From = dayStart(&c, v, "from", form.From, 0)
	f.To = dayStart(&c, v, "to", form.To, 1)
	return f, c.Err()
}

// dayStart is the start of day s (YYYY-MM-DD) in the user's zone, plus
// after days; an empty s is the zero time, which does not filter.
func dayStart(c *fault.Collector, v *visit, field, s string, after int) time.Time {
	if s == "" {
		return time.Time{}
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		c.Add(field, "type", "must be a date such as 2025-01-31")
		return time.Time{}
	}
	return time.Date(d.Year(), d.Month(), d.Day()+after, 0, 0, 0, 0, v.location())
}

// auditQuery is the filter as the address of the page keeps it.
func auditQuery(form auditFilterForm) url.Values {
	q := url.Values{}
	for k, val := range map[string]string{"object": form.Object, "record_id": form.RecordID, "user_id": form.UserID,
		"action": form.Action, "from": form.From, "to": form.To} {
		if val != "" {
			q.Set(k, val)
		}
	}
	return q
}

func auditEntry(v *visit, e audit.Entry, who map[string]string) auditRow {
	row := auditRow{At: v.moment(e.At), Address: e.ActorAddress, Action: auditAction(v, e.Action), Object: e.Object, RecordID: e.RecordID}
	if e.ActorID != 0 {
		row.Who = who[strconv.FormatInt(e.ActorID, 10)]
	}
	fields := make([]string, 0, len(e.Changes))
	for k := range e.Changes {
		fields = append(fields, k)
	}
	slices.Sort(fields)
	for _, k := range fields {
		ch := e.Changes[k]
		row.Changes = append(row.Changes, auditChange{Field: k, Before: auditValue(ch.Before), After: auditValue(ch.After)})
	}
	return row
}

// auditValue writes a value of the trail as text: strings as they are,
// anything else as JSON, nothing as "".
func auditValue(val any) string {
	switch x := val.(type) {
	case nil:
		return ""
	case string:
		return x
	}
	b, err := json.Marshal(val)
	if err != nil {
		return ""
	}
	return string(b)
}

// auditAction names the actions a person meets most in their language,
// and leaves the others as the trail writes them.
func auditAction(v *visit, action string) string {
	switch action {
	case "create":
		return v.p.T("web.people.audit.create")
	case "update":
		return v.p.T("web.people.audit.update")
	case "delete":
		return v.p.T("web.people.audit.delete")
	case "restore":
		return v.p.T("web.people.audit.restore")
	case audit.ActionSignIn:
		return v.p.T("web.people.audit.sign_in")
	case audit.ActionSignInFailed:
		return v.p.T("web.people.audit.sign_in_failed")
	case account.ActionSignOut:
		return v.p.T("web.people.audit.sign_out")
	}
	return action
}

package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/inbox"
	"github.com/rapport-crm/rapport/internal/notify"
	"github.com/rapport-crm/rapport/internal/phone"
	"github.com/rapport-crm/rapport/internal/records"
)

// notificationsPage is the user's notifications, newest first: the page
// a phone (or a browser without our script) opens from the bell, and
// the panel the bell opens on a wider screen.
type notificationsPage struct {
	frame
	Items  []notificationView
	Unread badge
	More   string // the address of the next page, "" on the last
	Panel  bool   // drawn in the bell's panel rather than on the page
}

// notificationView is one notification as the bell and its page show it.
// Label says what happened in the user's language; About names the
// record it is about, which Href opens, when the user may read it.
type notificationView struct {
	ID     string
	Label  string
	About  string
	Href   string
	When   string // how long ago, in words
	At     string // the moment in full, in the user's zone
	Stamp  string // the moment as an RFC 3339 time, for <time datetime>
	Unread bool
}

// badge is the bell's count of unread notifications: the figure it shows
// ("99+" past maxBadge) and the words a screen reader says.
type badge struct {
	Count int    `json:"count"`
	Text  string `json:"text"`
	Label string `json:"label"`
	Oob   bool   `json:"-"` // swapped into the header by htmx, out of band
}

// maxBadge is the highest figure the bell shows; the inbox counts no
// further than one past it.
const maxBadge = 99

// Page sizes: a few in the bell's panel, more on the page.
const (
	panelItems = 8
	pageItems  = 30
)

func (s *Server) notifications(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.activity == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	data, err := s.notificationList(r, v, pageItems, r.URL.Query().Get("cursor"))
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	s.render(w, r, v, http.StatusOK, "notifications", data)
}

// notificationPanel is the fragment the bell opens: the newest few, with
// the badge brought up to date as htmx swaps it out of band.
func (s *Server) notificationPanel(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.activity == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	data, err := s.notificationList(r, v, panelItems, "")
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data.Panel, data.Unread.Oob = true, true
	s.fragment(w, r, v, "notifications", "notification_panel", data)
}

// readNotification marks one notification read. htmx swaps the panel
// (or the page's list) for the one now current; a plain form comes back
// to the page.
func (s *Server) readNotification(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.activity == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	if _, err := s.activity.Inbox().Read(r.Context(), r.PathValue("id")); err != nil {
		s.fail(w, r, v, err)
		return
	}
	s.afterRead(w, r, v)
}

// openNotification is where a mailed notification links: it marks the
// notification read and opens the record it is about (whose page checks
// again what the reader may see), or the list of notifications.
func (s *Server) openNotification(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.activity == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	n, err := s.activity.Inbox().Read(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	to := notificationHref(n)
	if to == "" {
		to = "/notifications"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (s *Server) readAllNotifications(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.activity == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	if _, err := s.activity.Inbox().ReadAll(r.Context()); err != nil {
		s.fail(w, r, v, err)
		return
	}
	s.afterRead(w, r, v)
}

// afterRead answers a mark-read: htmx gets the panel again, a plain form
// the page.
func (s *Server) afterRead(w http.ResponseWriter, r *http.Request, v *visit) {
	if r.Header.Get("HX-Request") != "true" {
		http.Redirect(w, r, "/notifications", http.StatusSeeOther)
		return
	}
	panel := r.PostFormValue("from") != "page"
	limit := panelItems
	if !panel {
		limit = pageItems
	}
	data, err := s.notificationList(r, v, limit, "")
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data.Panel, data.Unread.Oob = panel, true
	s.fragment(w, r, v, "notifications", "notification_panel", data)
}

// notificationList reads a page of the user's notifications and the
// unread count. The names of the records they are about are read in one
// query per object, through the engine, so a record the user may no
// longer read stays unnamed and unlinked.
func (s *Server) notificationList(r *http.Request, v *visit, limit int, cursor string) (*notificationsPage, error) {
	inbox := s.activity.Inbox()
	page, err := inbox.List(r.Context(), notify.Query{Limit: limit, Cursor: cursor})
	if fault.Code(err) == fault.EINVALID {
		err = errNotFound // only a hand-made cursor gets here
	}
	if err != nil {
		return nil, err
	}
	unread, err := s.unread(r, v)
	if err != nil {
		return nil, err
	}
	n, err := s.notificationNames(r, page.Data)
	if err != nil {
		return nil, err
	}
	data := &notificationsPage{frame: frame{Nav: "notifications"}, Unread: unread}
	for _, item := range page.Data {
		data.Items = append(data.Items, v.notification(item, n))
	}
	if page.NextCursor != "" {
		data.More = "/notifications?cursor=" + page.NextCursor
	}
	return data, nil
}

// unread is the bell's badge.
func (s *Server) unread(r *http.Request, v *visit) (badge, error) {
	n, err := s.activity.Inbox().Unread(r.Context(), maxBadge+1)
	if err != nil {
		return badge{}, err
	}
	b := badge{Count: n, Text: strconv.Itoa(n), Label: v.p.N("web.notifications.unread", n)}
	if n > maxBadge {
		b.Text = strconv.Itoa(maxBadge) + "+"
	}
	if n == 0 {
		b.Text = ""
	}
	return b, nil
}

// notificationNames reads the names of the records the notifications are
// about, as the lists of activities read theirs.
func (s *Server) notificationNames(r *http.Request, items []notify.Notification) (names, error) {
	recs := make([]records.Record, 0, len(items))
	for _, n := range items {
		if n.RecordType != "" && n.RecordType != phone.RecordNumber {
			recs = append(recs, records.Record{"record_type": n.RecordType, "record_id": n.RecordID})
		}
	}
	about := map[string]*records.Field{"record_id": {Name: "record_id", Type: records.Text}}
	return s.namesOf(r, about, []string{"record_id"}, recs)
}

// notification is one notification in the visit's language.
func (v *visit) notification(n notify.Notification, names names) notificationView {
	out := notificationView{ID: n.ID, Label: v.notificationKind(n), Unread: n.ReadAt == nil, Stamp: n.CreatedAt}
	if t, err := time.Parse(time.RFC3339Nano, n.CreatedAt); err == nil {
		out.When, out.At = v.ago(t, time.Now()), v.p.DateTime(t, v.location())
	}
	out.About = names.records[n.RecordType][n.RecordID]
	if n.RecordType == inbox.Object { // inbox: the request, on the inbox page, which checks the reader's role
		out.About = v.p.T("web.inbox.title")
	}
	if n.RecordType == phone.RecordNumber { // phone: the caller screen, which looks the number up as the reader
		out.About = n.RecordID
	}
	if out.About != "" {
		out.Href = notificationHref(n)
	}
	return out
}

// notificationHref is where a notification leads: the page of its record,
// or its request on the inbox page; "" when it is about nothing shown.
func notificationHref(n notify.Notification) string {
	if n.RecordType == inbox.Object {
		return "/inbox#request-" + url.PathEscape(n.RecordID)
	}
	if n.RecordType == phone.RecordNumber {
		return "/call?number=" + url.QueryEscape(n.RecordID)
	}
	if view := viewOf(n.RecordType); view != nil && n.RecordID != "" {
		return "/" + view.plural + "/" + url.PathEscape(n.RecordID)
	}
	return ""
}

// notificationKind says what happened in the visit's language. A kind
// the catalogue does not know yet keeps the title its service wrote.
func (v *visit) notificationKind(n notify.Notification) string {
	switch n.Kind {
	case "task_due":
		return v.p.T("web.notifications.kind.task_due")
	case "task_overdue":
		return v.p.T("web.notifications.kind.task_overdue")
	case "low_stock":
		return v.p.T("web.notifications.kind.low_stock")
	case "repeat_purchase":
		return v.p.T("web.notifications.kind.repeat_purchase")
	case notify.KindAssigned:
		return v.p.T("web.notifications.kind.assigned")
	case notify.KindMentioned:
		return v.p.T("web.notifications.kind.mentioned")
	case notify.KindStageChanged:
		return v.p.T("web.notifications.kind.stage_changed")
	case notify.KindDealWon:
		return v.p.T("web.notifications.kind.deal_won")
	case notify.KindDealLost:
		return v.p.T("web.notifications.kind.deal_lost")
	case notify.KindNoteAdded:
		return v.p.T("web.notifications.kind.note_added")
	case inbox.KindRequest:
		return v.p.T("web.notifications.kind.inbox_request")
	case phone.KindRinging:
		return v.p.T("web.notifications.kind.call_ringing")
	}
	return n.Title
}

// ago says how long before now t was, in words: minutes and hours within
// a day, days within a week, then the date in the user's zone.
func (v *visit) ago(t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return v.p.T("web.when.now")
	case d < time.Hour:
		return v.p.N("web.when.minutes", int(d/time.Minute))
	case d < 24*time.Hour:
		return v.p.N("web.when.hours", int(d/time.Hour))
	case d < 7*24*time.Hour:
		return v.p.N("web.when.days", int(d/(24*time.Hour)))
	}
	return v.p.Date(t, v.location())
}

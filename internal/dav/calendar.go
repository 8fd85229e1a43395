package dav

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	goical "github.com/emersion/go-ical"
	webdav "github.com/emersion/go-webdav"
	"github.com/emersion/go-webdav/caldav"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/ical"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/vcard"
)

// calendars is go-webdav's CalDAV backend: one calendar per user holding
// the meetings (VEVENT) and tasks (VTODO) the user owns, as the records
// engine lets the user read them.
type calendars struct{ s *Server }

var _ caldav.Backend = (*calendars)(nil)

// kinds are the activities a calendar holds.
var kinds = []string{ical.Meeting, ical.Task}

func calendarHomePath(a access.Actor) string { return principalPath(a) + "calendars/" }
func calendarPath(a access.Actor) string     { return calendarHomePath(a) + "default/" }

func (c *calendars) CurrentUserPrincipal(ctx context.Context) (string, error) {
	a, err := actor(ctx)
	return principalPath(a), err
}

func (c *calendars) CalendarHomeSetPath(ctx context.Context) (string, error) {
	a, err := actor(ctx)
	return calendarHomePath(a), err
}

func (c *calendars) calendar(a access.Actor) caldav.Calendar {
	return caldav.Calendar{Path: calendarPath(a), Name: bookName, MaxResourceSize: maxBody,
		SupportedComponentSet: []string{goical.CompEvent, goical.CompToDo}}
}

func (c *calendars) CreateCalendar(context.Context, *caldav.Calendar) error {
	return webdav.NewHTTPError(http.StatusForbidden, errors.New("each user has one calendar"))
}

func (c *calendars) ListCalendars(ctx context.Context) ([]caldav.Calendar, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	return []caldav.Calendar{c.calendar(a)}, nil
}

func (c *calendars) GetCalendar(ctx context.Context, p string) (*caldav.Calendar, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if strings.TrimSuffix(p, "/") != strings.TrimSuffix(calendarPath(a), "/") {
		return nil, webdav.NewHTTPError(http.StatusNotFound, errors.New("no such calendar"))
	}
	cal := c.calendar(a)
	return &cal, nil
}

func defaultItemName(kind, id string) name {
	return name{file: kind + "-" + id + ".ics", uid: kind + "-" + id + "@rapport"}
}

// resolve finds the activity a path in the user's calendar names: its
// kind and id, both "" when it names none (a path a program may create).
func (c *calendars) resolve(ctx context.Context, a access.Actor, p string) (kind, id, file string, err error) {
	dir, file := path.Split(p)
	if dir != calendarPath(a) || file == "" {
		return "", "", "", webdav.NewHTTPError(http.StatusNotFound, errors.New("no such calendar"))
	}
	var n int64
	err = c.s.DB.Read(ctx).QueryRowContext(ctx, `SELECT object, record_id FROM dav_names
		WHERE workspace_id = ? AND object IN ('meeting', 'task') AND name = ?`, a.WorkspaceID, file).Scan(&kind, &n)
	switch {
	case err == nil:
		return kind, strconv.FormatInt(n, 10), file, nil
	case !errors.Is(err, sql.ErrNoRows):
		return "", "", "", err
	}
	for _, k := range kinds {
		if rest, ok := strings.CutPrefix(file, k+"-"); ok {
			if v, ok := strings.CutSuffix(rest, ".ics"); ok {
				if _, err := strconv.ParseInt(v, 10, 64); err == nil {
					return k, v, file, nil
				}
			}
		}
	}
	return "", "", file, nil
}

// object is an activity record as a calendar object.
func (c *calendars) object(a access.Actor, kind string, rec records.Record, names map[string]name) caldav.CalendarObject {
	id := rec["id"].(string)
	n, ok := names[id]
	if !ok {
		n = defaultItemName(kind, id)
	}
	item := ical.FromRecord(kind, rec)
	item.UID = n.uid
	co := caldav.CalendarObject{Path: calendarPath(a) + n.file, Data: ical.Calendar(item),
		ETag: strconv.FormatInt(rec["version"].(int64), 10)}
	if t, ok := store.ParseTime(rec["updated_at"]); ok {
		co.ModTime = t
	}
	return co
}

func (c *calendars) GetCalendarObject(ctx context.Context, p string, _ *caldav.CalendarCompRequest) (*caldav.CalendarObject, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	kind, id, _, err := c.resolve(ctx, a, p)
	if err != nil {
		return nil, err
	}
	rec, err := c.get(ctx, a, kind, id)
	if err != nil {
		return nil, err
	}
	n, err := names(ctx, c.s.DB, a.WorkspaceID, kind, id)
	if err != nil {
		return nil, err
	}
	co := c.object(a, kind, rec, n)
	return &co, nil
}

// errNoItem is a path of the calendar that names no meeting or task of
// the user's.
var errNoItem = fault.Errorf(fault.ENOTFOUND, "no such meeting or task")

// get reads an activity of the user's calendar: one the user owns.
func (c *calendars) get(ctx context.Context, a access.Actor, kind, id string) (records.Record, error) {
	if id == "" {
		return nil, webdav.NewHTTPError(http.StatusNotFound, errNoItem)
	}
	rec, err := c.s.Engine.Get(ctx, kind, id, false)
	if err != nil {
		return nil, (&books{s: c.s}).httpError(ctx, err)
	}
	if owner, _ := rec["owner_id"].(string); owner != userID(a) {
		return nil, webdav.NewHTTPError(http.StatusNotFound, errNoItem)
	}
	return rec, nil
}

func (c *calendars) ListCalendarObjects(ctx context.Context, p string, _ *caldav.CalendarCompRequest) ([]caldav.CalendarObject, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := c.GetCalendar(ctx, p); err != nil {
		return nil, err
	}
	var out []caldav.CalendarObject
	for _, kind := range kinds {
		n, err := names(ctx, c.s.DB, a.WorkspaceID, kind)
		if err != nil {
			return nil, err
		}
		q := records.Query{Sort: []string{"created_at"}, Limit: records.MaxLimit,
			Filter: &records.Filter{Field: "owner_id", Op: records.Eq, Value: userID(a)}}
		for {
			page, err := c.s.Engine.List(ctx, kind, q)
			if err != nil {
				return nil, (&books{s: c.s}).httpError(ctx, err)
			}
			for _, rec := range page.Data {
				out = append(out, c.object(a, kind, rec, n))
			}
			if page.NextCursor == "" {
				break
			}
			q.Cursor = page.NextCursor
		}
	}
	return out, nil
}

func (c *calendars) QueryCalendarObjects(ctx context.Context, p string, query *caldav.CalendarQuery) ([]caldav.CalendarObject, error) {
	all, err := c.ListCalendarObjects(ctx, p, &query.CompRequest)
	if err != nil {
		return nil, err
	}
	return caldav.Filter(query, all)
}

// PutCalendarObject updates the meeting or task at p, or creates one
// there, as PutAddressObject does for contacts. A meeting created with
// attendees whose e-mail addresses are contacts the user may read has
// them as attendees, and is about the first of them, so that it shows
// on that contact's timeline.
func (c *calendars) PutCalendarObject(ctx context.Context, p string, cal *goical.Calendar, opts *caldav.PutCalendarObjectOptions) (*caldav.CalendarObject, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	kind, id, file, err := c.resolve(ctx, a, p)
	if err != nil {
		return nil, err
	}
	if err := single(cal); err != nil {
		return nil, err
	}
	var data bytes.Buffer
	if err := goical.NewEncoder(&data).Encode(cal); err != nil {
		return nil, webdav.NewHTTPError(http.StatusBadRequest, err)
	}
	items, err := ical.Read(data.Bytes())
	if err != nil || len(items) != 1 {
		return nil, webdav.NewHTTPError(http.StatusBadRequest, errors.New("the body must hold one VEVENT or VTODO"))
	}
	item := items[0]
	if id == "" {
		if opts.IfMatch.IsSet() {
			return nil, webdav.NewHTTPError(http.StatusPreconditionFailed, errors.New("no such meeting or task"))
		}
		return c.create(ctx, a, file, item, cal)
	}
	old, err := c.get(ctx, a, kind, id)
	if err != nil {
		return nil, err
	}
	if item.Kind != kind {
		return nil, webdav.NewHTTPError(http.StatusConflict, errors.New("a meeting stays a meeting and a task a task"))
	}
	if opts.IfNoneMatch.IsWildcard() {
		return nil, webdav.NewHTTPError(http.StatusPreconditionFailed, errors.New("the item exists"))
	}
	version := old["version"].(int64)
	if opts.IfMatch.IsSet() {
		etag, err := opts.IfMatch.ETag()
		if !opts.IfMatch.IsWildcard() && (err != nil || etag != strconv.FormatInt(version, 10)) {
			return nil, webdav.NewHTTPError(http.StatusPreconditionFailed,
				errors.New("the item has changed since this copy was read"))
		}
	}
	rec := old
	if in := activityChanges(ical.FromRecord(kind, old), item); len(in) > 0 {
		if rec, err = c.s.Engine.Update(ctx, kind, id, version, in); err != nil {
			return nil, (&books{s: c.s}).httpError(ctx, err)
		}
	}
	n, err := names(ctx, c.s.DB, a.WorkspaceID, kind, id)
	if err != nil {
		return nil, err
	}
	co := c.object(a, kind, rec, n)
	return &co, nil
}

// single refuses a repeating meeting or task (RRULE, RDATE, EXRULE):
// the calendar keeps single ones, and keeping the first of a series
// would send the program back one item in place of its series. A rule
// that cannot be read is bad input. No rule is ever expanded, so one
// that never ends costs nothing.
func single(cal *goical.Calendar) error {
	for _, comp := range cal.Children {
		if comp.Name != goical.CompEvent && comp.Name != goical.CompToDo {
			continue
		}
		if _, err := comp.Props.RecurrenceRule(); err != nil {
			return webdav.NewHTTPError(http.StatusBadRequest, fmt.Errorf("the RRULE cannot be read: %v", err))
		}
		for _, prop := range []string{goical.PropRecurrenceRule, goical.PropRecurrenceDates, "EXRULE"} {
			if comp.Props.Get(prop) != nil {
				return webdav.NewHTTPError(http.StatusForbidden, errors.New("Rapport's calendar keeps single meetings and tasks; "+
					"one that repeats ("+prop+") stays in your own calendar"))
			}
		}
	}
	return nil
}

// activityChanges is the engine's partial update that makes was carry
// what now carries, field by field, compared as iCalendar carries them
// (so that notes unchanged in plain text keep their formatting).
func activityChanges(was, now ical.Activity) map[string]any {
	in := map[string]any{}
	setTime := func(k string, x, y time.Time) {
		if !x.Equal(y) {
			if y.IsZero() {
				in[k] = nil
			} else {
				in[k] = y.UTC().Format(time.RFC3339Nano)
			}
		}
	}
	setText := func(k, x, y string, html bool) {
		if x == y {
			return
		}
		switch {
		case y == "":
			in[k] = nil
		case html:
			in[k] = vcard.TextToHTML(y)
		default:
			in[k] = y
		}
	}
	setText("title", was.Title, now.Title, false)
	if now.Kind == ical.Task {
		setTime("due_at", was.Due, now.Due)
		if was.Done != now.Done {
			in["done"] = now.Done
		}
		setText("result", was.Notes, now.Notes, true)
		return in
	}
	setTime("starts_at", was.Starts, now.Starts)
	setTime("ends_at", was.Ends, now.Ends)
	setText("place", was.Place, now.Place, false)
	setText("body", was.Notes, now.Notes, true)
	return in
}

func (c *calendars) create(ctx context.Context, a access.Actor, file string, item ical.Activity, cal *goical.Calendar) (*caldav.CalendarObject, error) {
	uid := item.UID
	if uid == "" {
		uid = strings.TrimSuffix(file, ".ics")
	}
	var rec records.Record
	err := c.s.DB.Tx(ctx, func(q store.Querier) error {
		ctx := store.Within(ctx, q)
		in := item.Input()
		if item.Kind == ical.Meeting {
			attendees, err := c.attendees(ctx, cal)
			if err != nil {
				return err
			}
			if len(attendees) > 0 {
				var links []any
				for _, id := range attendees {
					links = append(links, map[string]any{"id": id})
				}
				in["attendees"] = links
				in["record_type"], in["record_id"] = "contact", attendees[0]
			}
		}
		var err error
		if rec, err = c.s.Engine.Create(ctx, item.Kind, in); err != nil {
			return err
		}
		_, err = q.ExecContext(ctx, `INSERT INTO dav_names (workspace_id, object, record_id, name, uid)
			VALUES (?, ?, ?, ?, ?)`, a.WorkspaceID, item.Kind, rec["id"], file, uid)
		return err
	})
	if err != nil {
		return nil, (&books{s: c.s}).httpError(ctx, err)
	}
	id := rec["id"].(string)
	co := c.object(a, item.Kind, rec, map[string]name{id: {file: file, uid: uid}})
	return &co, nil
}

// maxAttendees bounds the contacts looked up for one meeting.
const maxAttendees = 50

// attendees are the contacts the user may read whose e-mail addresses
// are among the event's attendees, in the event's order.
func (c *calendars) attendees(ctx context.Context, cal *goical.Calendar) ([]string, error) {
	var ids []string
	seen := map[string]bool{}
	for _, comp := range cal.Children {
		if comp.Name != goical.CompEvent {
			continue
		}
		for i, p := range comp.Props.Values(goical.PropAttendee) {
			if i == maxAttendees {
				break
			}
			addr := strings.TrimSpace(p.Value)
			if len(addr) > 7 && strings.EqualFold(addr[:7], "mailto:") {
				addr = addr[7:]
			}
			if addr == "" || !strings.Contains(addr, "@") {
				continue
			}
			page, err := c.s.Engine.List(ctx, "contact", records.Query{Limit: 1, Bare: true,
				Filter: &records.Filter{Field: "emails", Op: records.Eq, Value: addr}})
			if err != nil {
				if fault.Is(err, fault.EINVALID) {
					continue // not an address the engine takes
				}
				return nil, err
			}
			if len(page.Data) == 1 {
				if id := page.Data[0]["id"].(string); !seen[id] {
					seen[id] = true
					ids = append(ids, id)
				}
			}
		}
	}
	return ids, nil
}

func (c *calendars) DeleteCalendarObject(ctx context.Context, p string) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	kind, id, _, err := c.resolve(ctx, a, p)
	if err != nil {
		return err
	}
	rec, err := c.get(ctx, a, kind, id)
	if err != nil {
		return err
	}
	version := rec["version"].(int64)
	if m, _ := ctx.Value(ifMatchKey{}).(string); m != "" && m != "*" {
		v, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(m, "W/"), `"`), 10, 64)
		if err != nil || v != version {
			return webdav.NewHTTPError(http.StatusPreconditionFailed, errors.New("the item has changed since this copy was read"))
		}
	}
	return (&books{s: c.s}).httpError(ctx, c.s.Engine.Delete(ctx, kind, id, version))
}

// FeedPath is the signed-in user's calendar as one iCalendar file, for
// programs that only subscribe to a calendar (read-only); GET on the
// calendar's own path answers the same.
const FeedPath = Prefix + "/calendar.ics"

// feed writes every meeting and task of the user's calendar as one
// VCALENDAR.
func (s *Server) feed(w http.ResponseWriter, r *http.Request, a access.Actor) {
	c := &calendars{s: s}
	items, err := c.ListCalendarObjects(r.Context(), calendarPath(a), nil)
	if err != nil {
		s.log(r.Context()).Error("dav feed", "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	all := ical.Calendar()
	all.Props.SetText("X-WR-CALNAME", bookName)
	for _, co := range items {
		all.Children = append(all.Children, co.Data.Children...)
	}
	var buf bytes.Buffer
	if len(all.Children) == 0 {
		// iCalendar wants at least one component, and go-ical will not
		// write a calendar without; subscribers take an empty one.
		buf.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Rapport//Rapport CRM//EN\r\nX-WR-CALNAME:" + bookName + "\r\nEND:VCALENDAR\r\n")
	} else if err := goical.NewEncoder(&buf).Encode(all); err != nil {
		s.log(r.Context()).Error("dav feed", "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", goical.MIMEType+"; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	if r.Method == http.MethodGet {
		w.Write(buf.Bytes())
	}
}

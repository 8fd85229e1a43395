package phone

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/inbox"
	"github.com/rapport-crm/rapport/internal/input"
	"github.com/rapport-crm/rapport/internal/locale"
	"github.com/rapport-crm/rapport/internal/notify"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/search"
	"github.com/rapport-crm/rapport/internal/store"
)

// Events a phone system reports, and call directions.
var (
	Events     = []string{"ringing", "answered", "ended", "missed"}
	Directions = []string{"inbound", "outbound"}
)

// KindRinging is the notification kind of a ringing call: the web app
// pops the caller's card when one arrives on its stream.
const KindRinging = "call_ringing"

// RecordNumber is the record type of a ringing notification; its record
// id is the caller's number, which the web app looks up.
const RecordNumber = "phone_number"

// Limits of an event.
const (
	MaxCallID   = 128
	MaxNumber   = 64
	MaxDuration = 7 * 24 * 3600
)

// Event is what a phone system reports of a call.
type Event struct {
	Event     string `json:"event"`
	CallID    string `json:"call_id"`
	Direction string `json:"direction"` // inbound unless said
	Caller    string `json:"caller"`    // the number calling
	Callee    string `json:"callee"`    // the number called
	Extension string `json:"extension"` // the extension that rings, answered or called
	// DurationSeconds is the talk time, on ended.
	DurationSeconds *int64 `json:"duration_seconds"`
	RecordingURL    string `json:"recording_url"`
	// At is when it happened (RFC 3339); empty means now.
	At string `json:"at"`
}

// Call is a call as Rapport knows it from its events so far.
type Call struct {
	ID              string     `json:"id"`
	CallID          string     `json:"call_id"`
	Direction       string     `json:"direction"`
	Caller          string     `json:"caller"`
	Callee          string     `json:"callee"`
	Number          string     `json:"number"` // the other party, E.164 when it parses
	Extension       string     `json:"extension"`
	UserID          string     `json:"user_id,omitempty"`
	RingingAt       *time.Time `json:"ringing_at"`
	AnsweredAt      *time.Time `json:"answered_at"`
	EndedAt         *time.Time `json:"ended_at"`
	MissedAt        *time.Time `json:"missed_at"`
	DurationSeconds int64      `json:"duration_seconds"`
	RecordingURL    string     `json:"recording_url"`
	Result          string     `json:"result"` // answered or missed, once logged
	ContactID       string     `json:"contact_id,omitempty"`
	CompanyID       string     `json:"company_id,omitempty"`
	DealID          string     `json:"deal_id,omitempty"`
	ActivityID      string     `json:"activity_id,omitempty"`
	TaskID          string     `json:"task_id,omitempty"`
	RequestID       string     `json:"request_id,omitempty"`
	LoggedAt        *time.Time `json:"logged_at"`
}

// Applied is the answer to an event: the call, and whether the event was
// new (false for one reported before, which changes nothing).
type Applied struct {
	Applied bool `json:"applied"`
	Call    Call `json:"call"`
}

// checkEvent validates e against integration i, naming every field at fault.
// known says whether the call was reported before: its first event must
// say who calls whom on which extension, later ones may leave that out.
func (s *Service) checkEvent(e *Event, i connected, known bool) (time.Time, error) {
	var c fault.Collector
	e.Event, e.Direction = strings.TrimSpace(e.Event), strings.TrimSpace(e.Direction)
	if e.Event == "" {
		c.Add("event", "required", "is required: one of %s", strings.Join(Events, ", "))
	} else if !oneOf(e.Event, Events) {
		c.Add("event", "option", "must be one of %s", strings.Join(Events, ", "))
	}
	if e.Direction == "" {
		e.Direction = "inbound"
	} else if !oneOf(e.Direction, Directions) {
		c.Add("direction", "option", "must be one of %s", strings.Join(Directions, ", "))
	}
	e.CallID = strings.TrimSpace(e.CallID)
	switch {
	case e.CallID == "":
		c.Add("call_id", "required", "is required")
	case len(e.CallID) > MaxCallID:
		c.Add("call_id", "too_long", "must be at most %d characters", MaxCallID)
	default:
		c.Include(input.Line("call_id", e.CallID))
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"caller", &e.Caller}, {"callee", &e.Callee}, {"extension", &e.Extension}} {
		*f.v = strings.TrimSpace(*f.v)
		if utf8.RuneCountInString(*f.v) > MaxNumber {
			c.Add(f.name, "too_long", "must be at most %d characters", MaxNumber)
		} else {
			c.Include(input.Line(f.name, *f.v))
		}
	}
	// The other party's number is the one looked up: it must be a phone
	// number. The own side may be an extension.
	other, otherName := e.Caller, "caller"
	if e.Direction == "outbound" {
		other, otherName = e.Callee, "callee"
	}
	if !known && e.CallID != "" && (other == "" || e.Extension == "") {
		c.Add("call_id", "unknown", "no call %q was reported before: the first event of a call must say %s and extension",
			input.Shown(e.CallID), otherName)
	}
	if other != "" {
		if _, ok := s.normalize(other); !ok {
			c.Add(otherName, "format", "%q is not a phone number", input.Shown(other))
		}
	} else if !known {
		c.Add(otherName, "required", "is required in the first event of a call")
	}
	if e.Extension != "" {
		_, user := i.Extensions[e.Extension]
		_, group := i.RingGroups[e.Extension]
		if !user && !group {
			c.Add("extension", "unknown", "extension %q is not mapped to a user or ring group of this integration", input.Shown(e.Extension))
		}
	} else if !known {
		c.Add("extension", "required", "is required in the first event of a call")
	}
	if e.DurationSeconds != nil && (*e.DurationSeconds < 0 || *e.DurationSeconds > MaxDuration) {
		c.Add("duration_seconds", "range", "must be between 0 and %d", MaxDuration)
	}
	e.RecordingURL = strings.TrimSpace(e.RecordingURL)
	if e.RecordingURL != "" {
		u, err := url.Parse(e.RecordingURL)
		if len(e.RecordingURL) > MaxURL {
			c.Add("recording_url", "too_long", "must be at most %d characters", MaxURL)
		} else if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			c.Add("recording_url", "url", "must be an http or https address")
		}
	}
	at := s.now().UTC()
	if e.At != "" {
		t, err := time.Parse(time.RFC3339Nano, e.At)
		if err != nil {
			c.Add("at", "format", "must be a time in RFC 3339, such as 2026-01-02T15:04:05Z")
		} else {
			at = t.UTC()
		}
	}
	return at, c.Err()
}

func oneOf(s string, options []string) bool {
	for _, o := range options {
		if s == o {
			return true
		}
	}
	return false
}

// normalize reads a number as E.164, as the caller lookup does.
func (s *Service) normalize(number string) (string, bool) {
	if e164, ok := records.NormalizePhone(number, s.region); ok {
		return e164, true
	}
	if t := strings.TrimSpace(number); strings.HasPrefix(t, "00") {
		return records.NormalizePhone("+"+t[2:], s.region)
	}
	return "", false
}

// Receive applies one event that the integration holding token reports.
// Each event kind is applied once per call, whatever the order: a
// duplicate answers Applied false and changes nothing; an "ended" before
// its "ringing" still makes one call, logged once; a "ringing" after the
// end pops nothing.
func (s *Service) Receive(ctx context.Context, token string, e Event) (Applied, error) {
	i, err := s.byToken(ctx, token)
	if err != nil {
		return Applied{}, err
	}
	stored, err := s.stored(ctx, i, strings.TrimSpace(e.CallID))
	known := stored != nil
	if err != nil {
		return Applied{}, err
	}
	at, err := s.checkEvent(&e, i, known)
	if err != nil {
		return Applied{}, err
	}
	// The caller is looked up before the transaction, which then stays
	// short: as the system, since what is filed and logged does not
	// depend on who answers.
	sys := access.WithActor(ctx, access.Actor{WorkspaceID: i.ws, Role: access.RoleAdministrator})
	other := e.Caller
	if e.Direction == "outbound" {
		other = e.Callee
	}
	if known && stored.Number != "" {
		// A later event may leave the number out; the first one said it.
		other = stored.Number
	}
	var found *search.Caller
	if other != "" && s.search != nil {
		if found, err = s.search.Lookup(sys, other); err != nil {
			return Applied{}, err
		}
	}
	var out Applied
	err = s.db.Tx(ctx, func(q store.Querier) error {
		ctx := store.Within(sys, q)
		id, err := s.upsert(ctx, q, i, e, at)
		if err != nil {
			return err
		}
		c, err := s.call(ctx, q, i.ws, id)
		if err != nil {
			return err
		}
		out.Applied, err = s.stamp(ctx, q, i.ws, id, e, at)
		if err != nil || !out.Applied {
			out.Call = c
			return err
		}
		if c, err = s.call(ctx, q, i.ws, id); err != nil {
			return err
		}
		switch e.Event {
		case "ringing":
			if c.EndedAt == nil && c.MissedAt == nil {
				err = s.ring(ctx, q, i, &c, found)
			}
		case "ended", "missed":
			if c.LoggedAt == nil {
				err = s.logCall(ctx, q, i, &c, found)
			}
		}
		if err != nil {
			return err
		}
		out.Call, err = s.call(ctx, q, i.ws, id)
		return err
	})
	return out, err
}

// stored returns the call callID of integration i as reported so far, or
// nil when it is new.
func (s *Service) stored(ctx context.Context, i connected, callID string) (*Call, error) {
	c, err := scanCall(s.db.Reader().QueryRowContext(ctx, `SELECT `+callColumns+` FROM phone_calls
		WHERE workspace_id = ? AND integration_id = ? AND call_id = ?`, i.ws, i.id(), callID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// userOf returns the user who answers ext: its user, or the first member
// of its ring group; 0 for none.
func userOf(i connected, ext string) int64 {
	if u, ok := i.Extensions[ext]; ok {
		n, _ := strconv.ParseInt(u, 10, 64)
		return n
	}
	if g := i.RingGroups[ext]; len(g) > 0 {
		n, _ := strconv.ParseInt(g[0], 10, 64)
		return n
	}
	return 0
}

// ringing returns the users a ringing on ext reaches: its user, or every
// member of its ring group.
func ringing(i connected, ext string) []int64 {
	var ids []string
	if u, ok := i.Extensions[ext]; ok {
		ids = []string{u}
	} else {
		ids = i.RingGroups[ext]
	}
	var out []int64
	for _, id := range ids {
		if n, err := strconv.ParseInt(id, 10, 64); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// upsert makes the call's row if it is new, fills in what earlier events
// left out, and returns its id. On PostgreSQL the row is locked until the
// transaction ends, so that two events of one call apply one at a time.
func (s *Service) upsert(ctx context.Context, q store.Querier, i connected, e Event, at time.Time) (int64, error) {
	d := s.db.Dialect
	other := e.Caller
	if e.Direction == "outbound" {
		other = e.Callee
	}
	number := other
	if n, ok := s.normalize(other); ok {
		number = n
	}
	var user any
	if u := userOf(i, e.Extension); u != 0 {
		user = u
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO phone_calls (workspace_id, integration_id, call_id, direction, caller, callee, number,
		extension, user_id, day, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (workspace_id, integration_id, call_id) DO NOTHING`,
		i.ws, i.id(), e.CallID, e.Direction, e.Caller, e.Callee, number, e.Extension, user, at.Format(time.DateOnly), d.Time(s.now())); err != nil {
		return 0, err
	}
	var id int64
	var ext string
	if err := q.QueryRowContext(ctx, `SELECT id, extension FROM phone_calls WHERE workspace_id = ? AND integration_id = ? AND call_id = ?`+d.LockRows(),
		i.ws, i.id(), e.CallID).Scan(&id, &ext); err != nil {
		return 0, err
	}
	// What the first event left out, a later one fills in; a call that
	// rang a group and was answered on a user's extension belongs to that
	// user.
	if _, err := q.ExecContext(ctx, `UPDATE phone_calls SET
		caller = CASE WHEN caller = '' THEN ? ELSE caller END,
		callee = CASE WHEN callee = '' THEN ? ELSE callee END,
		number = CASE WHEN number = '' THEN ? ELSE number END
		WHERE workspace_id = ? AND id = ?`, e.Caller, e.Callee, number, i.ws, id); err != nil {
		return 0, err
	}
	_, own := i.Extensions[e.Extension]
	if e.Extension != "" && (ext == "" || (own && e.Extension != ext)) {
		if _, err := q.ExecContext(ctx, `UPDATE phone_calls SET extension = ?, user_id = ? WHERE workspace_id = ? AND id = ?`,
			e.Extension, user, i.ws, id); err != nil {
			return 0, err
		}
	}
	return id, nil
}

// stamp records that the event's kind happened, and reports false when it
// had been recorded already.
func (s *Service) stamp(ctx context.Context, q store.Querier, ws, id int64, e Event, at time.Time) (bool, error) {
	col := map[string]string{"ringing": "ringing_at", "answered": "answered_at", "ended": "ended_at", "missed": "missed_at"}[e.Event]
	res, err := q.ExecContext(ctx, `UPDATE phone_calls SET `+col+` = ? WHERE workspace_id = ? AND id = ? AND `+col+` IS NULL`,
		s.db.Dialect.Time(at), ws, id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil || n == 0 {
		return false, err
	}
	if e.Event == "ringing" {
		// The day of a call is the day it rang, when that is known.
		if _, err := q.ExecContext(ctx, `UPDATE phone_calls SET day = ? WHERE workspace_id = ? AND id = ?`, at.Format(time.DateOnly), ws, id); err != nil {
			return false, err
		}
	}
	if e.DurationSeconds != nil || e.RecordingURL != "" {
		if _, err := q.ExecContext(ctx, `UPDATE phone_calls SET
			duration_seconds = CASE WHEN ? THEN ? ELSE duration_seconds END,
			recording_url = CASE WHEN ? <> '' THEN ? ELSE recording_url END WHERE workspace_id = ? AND id = ?`,
			s.db.Dialect.Bool(e.DurationSeconds != nil), durationOf(e), e.RecordingURL, e.RecordingURL, ws, id); err != nil {
			return false, err
		}
	}
	return true, nil
}

func durationOf(e Event) int64 {
	if e.DurationSeconds == nil {
		return 0
	}
	return *e.DurationSeconds
}

// ring tells the users the ringing reaches, and files an unknown caller's
// call in the inbox.
func (s *Service) ring(ctx context.Context, q store.Querier, i connected, c *Call, found *search.Caller) error {
	d := s.db.Dialect
	ext := c.Extension
	for _, u := range ringing(i, ext) {
		if _, err := notify.Add(ctx, q, d, i.ws, notify.Notification{UserID: u, Kind: KindRinging, Title: "Incoming call",
			Body: c.Number + " is calling.", RecordType: RecordNumber, RecordID: c.Number, Quiet: true,
			Key: "call:" + c.ID}); err != nil {
			return err
		}
	}
	if c.Direction != "inbound" || s.inbox == nil || known(found) || c.RequestID != "" {
		return nil
	}
	var assigned string
	if u := userOf(i, ext); u != 0 {
		assigned = strconv.FormatInt(u, 10)
	}
	payload := `{"integration_id":` + strconv.Quote(i.ID) + `,"call_id":` + strconv.Quote(c.CallID) + `}`
	id, err := s.inbox.Receive(ctx, i.ws, inbox.Input{Channel: "phone_call", Source: i.Name, Phone: c.Number,
		Name: c.Number, Message: "Call from " + c.Number, AssignedUserID: assigned, Payload: []byte(payload)})
	if err != nil {
		return err
	}
	_, err = q.ExecContext(ctx, `UPDATE phone_calls SET request_id = ? WHERE workspace_id = ? AND id = ?`, nullID(id), i.ws, nullID(c.ID))
	return err
}

func known(found *search.Caller) bool {
	return found != nil && (len(found.Contacts) > 0 || len(found.Companies) > 0)
}

// logCall writes the call as a call activity on its record (the contact's one
// open deal, else the contact, else the company) through the records
// engine, and a call-back task for a missed inbound call.
func (s *Service) logCall(ctx context.Context, q store.Querier, i connected, c *Call, found *search.Caller) error {
	result := "missed"
	if c.AnsweredAt != nil || c.DurationSeconds > 0 {
		result = "answered"
	}
	rt, rid, contact, company, deal, err := s.about(ctx, q, i.ws, found)
	if err != nil {
		return err
	}
	started := c.RingingAt
	if started == nil {
		started = firstTime(c.AnsweredAt, c.EndedAt, c.MissedAt)
	}
	// The note is in the language of the user who took the call.
	p, err := s.printerOf(ctx, q, i.ws, c.UserID)
	if err != nil {
		return err
	}
	act := map[string]any{"direction": c.Direction, "phone": c.Number, "duration_seconds": json.Number(strconv.FormatInt(c.DurationSeconds, 10)),
		"call_result": map[string]string{"answered": "answered", "missed": "no_answer"}[result],
		"body":        p.T("phone.call.logged", "integration", i.Name, "call", c.CallID, "extension", c.Extension)}
	if started != nil {
		act["started_at"] = records.FormatTime(*started)
	}
	if c.RecordingURL != "" {
		act["recording_url"] = c.RecordingURL
	}
	if c.UserID != "" {
		act["owner_id"] = c.UserID
	}
	if rt != "" {
		act["record_type"], act["record_id"] = rt, rid
	}
	rec, err := s.engine.Create(ctx, "calls", act)
	if err != nil {
		return err
	}
	activity := idOf(rec)
	var task any
	if result == "missed" && c.Direction == "inbound" {
		owner := c.UserID
		if members, group := i.RingGroups[c.Extension]; group {
			// Nobody of the group answered, so the call back is the
			// group's: it goes to the member with the fewest open tasks.
			if owner, err = s.leastBusy(ctx, q, i.ws, members); err != nil {
				return err
			}
		}
		// The task is written in the language of whoever will do it.
		if owner != c.UserID {
			if p, err = s.printerOf(ctx, q, i.ws, owner); err != nil {
				return err
			}
		}
		due := s.now().Add(time.Hour)
		t := map[string]any{"title": p.T("phone.task.call_back", "number", c.Number), "type": "call", "due_at": records.FormatTime(due),
			"result": p.T("phone.task.missed", "extension", c.Extension)}
		if owner != "" {
			t["owner_id"] = owner
		}
		if rt != "" {
			t["record_type"], t["record_id"] = rt, rid
		}
		rec, err := s.engine.Create(ctx, "tasks", t)
		if err != nil {
			return err
		}
		task = nullID(idOf(rec))
	}
	_, err = q.ExecContext(ctx, `UPDATE phone_calls SET result = ?, activity_id = ?, task_id = ?, contact_id = ?, company_id = ?, deal_id = ?,
		logged_at = ? WHERE workspace_id = ? AND id = ?`, result, nullID(activity), task, nullID(contact), nullID(company), nullID(deal),
		s.db.Dialect.Time(s.now()), i.ws, nullID(c.ID))
	return err
}

// printerOf returns the catalogue in user's language, or the workspace's
// when there is no user.
func (s *Service) printerOf(ctx context.Context, q store.Querier, ws int64, user string) (*locale.Printer, error) {
	var lang string
	err := q.QueryRowContext(ctx, `SELECT coalesce(
		(SELECT language FROM users WHERE workspace_id = ? AND id = ? AND language <> ''),
		(SELECT language FROM workspace_settings WHERE workspace_id = ?), '')`, ws, nullID(user), ws).Scan(&lang)
	return locale.For(lang), err
}

// leastBusy returns the active member of users with the fewest open tasks,
// the first listed of those tied; "" when none is active.
func (s *Service) leastBusy(ctx context.Context, q store.Querier, ws int64, users []string) (string, error) {
	ids := make([]any, 0, len(users))
	for _, u := range users {
		if n, err := strconv.ParseInt(u, 10, 64); err == nil {
			ids = append(ids, n)
		}
	}
	if len(ids) == 0 {
		return "", nil
	}
	marks, _ := store.List(ids)
	open := "false"
	if s.db.Dialect == store.SQLite {
		open = "0"
	}
	rows, err := q.QueryContext(ctx, `SELECT u.id, (SELECT count(*) FROM activities a WHERE a.workspace_id = u.workspace_id AND a.owner_id = u.id
		AND a.kind = 'task' AND a.done = `+open+` AND a.deleted_at IS NULL) FROM users u
		WHERE u.workspace_id = ? AND u.status = 'active' AND u.id IN (`+marks+`)`, append([]any{ws}, ids...)...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	load := map[string]int64{}
	for rows.Next() {
		var id, n int64
		if err := rows.Scan(&id, &n); err != nil {
			return "", err
		}
		load[strconv.FormatInt(id, 10)] = n
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	best := ""
	for _, u := range users {
		if n, ok := load[u]; ok && (best == "" || n < load[best]) {
			best = u
		}
	}
	return best, nil
}

// about picks the record a call is logged on: the first contact's one
// open deal, else the contact, else the first company; "" when the number
// is nobody's.
func (s *Service) about(ctx context.Context, q store.Querier, ws int64, found *search.Caller) (rt, rid, contact, company, deal string, err error) {
	if found == nil {
		return
	}
	if len(found.Companies) > 0 {
		company = found.Companies[0].ID
	}
	if len(found.Contacts) == 0 {
		if company != "" {
			rt, rid = "company", company
		}
		return
	}
	contact = found.Contacts[0].ID
	if company == "" && len(found.Contacts[0].Companies) > 0 {
		company = found.Contacts[0].Companies[0].ID
	}
	rows, err := q.QueryContext(ctx, `SELECT d.id FROM deal_contacts dc JOIN deals d ON d.workspace_id = dc.workspace_id AND d.id = dc.deal_id
		WHERE dc.workspace_id = ? AND dc.contact_id = ? AND d.deleted_at IS NULL AND d.status = 'open' ORDER BY d.id LIMIT 2`, ws, contact)
	if err != nil {
		return
	}
	var deals []string
	for rows.Next() {
		var id int64
		if err = rows.Scan(&id); err != nil {
			rows.Close()
			return
		}
		deals = append(deals, strconv.FormatInt(id, 10))
	}
	rows.Close()
	if err = rows.Err(); err != nil {
		return
	}
	if len(deals) == 1 {
		deal = deals[0]
		rt, rid = "deal", deal
		return
	}
	rt, rid = "contact", contact
	return
}

func firstTime(ts ...*time.Time) *time.Time {
	var out *time.Time
	for _, t := range ts {
		if t != nil && (out == nil || t.Before(*out)) {
			out = t
		}
	}
	return out
}

func idOf(r records.Record) string {
	switch v := r["id"].(type) {
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	}
	return ""
}

func nullID(s string) any {
	if s == "" {
		return nil
	}
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

const callColumns = `id, call_id, direction, caller, callee, number, extension, user_id, ringing_at, answered_at, ended_at, missed_at,
	duration_seconds, recording_url, result, contact_id, company_id, deal_id, activity_id, task_id, request_id, logged_at`

// call reads one call.
func (s *Service) call(ctx context.Context, q store.Querier, ws, id int64) (Call, error) {
	c, err := scanCall(q.QueryRowContext(ctx, `SELECT `+callColumns+` FROM phone_calls WHERE workspace_id = ? AND id = ?`, ws, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, fault.Errorf(fault.ENOTFOUND, "no call with id %d", id)
	}
	return c, err
}

func scanCall(row interface{ Scan(...any) error }) (Call, error) {
	var c Call
	var id int64
	var user, contact, company, deal, activity, task, request sql.NullInt64
	var ringing, answered, ended, missed, logged any
	if err := row.Scan(&id, &c.CallID, &c.Direction, &c.Caller, &c.Callee, &c.Number, &c.Extension, &user, &ringing, &answered, &ended,
		&missed, &c.DurationSeconds, &c.RecordingURL, &c.Result, &contact, &company, &deal, &activity, &task, &request, &logged); err != nil {
		return c, err
	}
	c.ID = strconv.FormatInt(id, 10)
	for _, p := range []struct {
		v   sql.NullInt64
		out *string
	}{{user, &c.UserID}, {contact, &c.ContactID}, {company, &c.CompanyID}, {deal, &c.DealID}, {activity, &c.ActivityID},
		{task, &c.TaskID}, {request, &c.RequestID}} {
		if p.v.Valid {
			*p.out = strconv.FormatInt(p.v.Int64, 10)
		}
	}
	for _, p := range []struct {
		v   any
		out **time.Time
	}{{ringing, &c.RingingAt}, {answered, &c.AnsweredAt}, {ended, &c.EndedAt}, {missed, &c.MissedAt}, {logged, &c.LoggedAt}} {
		if p.v != nil {
			if t, ok := store.ParseTime(p.v); ok {
				*p.out = &t
			}
		}
	}
	return c, nil
}

package importer

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // a user's time zone resolves on hosts without zoneinfo

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/tabular/guess"
)

// activityLinks are what the rows of an activities file are linked
// against, read once for the file, and what link learnt of the row at
// hand: its kind and the values its kind cannot hold.
type activityLinks struct {
	contacts  map[string]int64   // folded e-mail or external id to contact
	companies map[string]int64   // folded name to company
	deals     map[string][]int64 // folded title to deals
	dealExt   map[string]int64   // external id to deal

	kind     *records.Object // the row's object, once link has read it
	warnings []Problem       // the row's, without their row number
}

// kindNames are the words a kind column says, by their guess.Key: the
// kinds' names in Rapport's six languages and those of the exports of
// Salesforce (Task, Event), HubSpot (TASK, CALL, MEETING, NOTE),
// Pipedrive (call, meeting, task, deadline, lunch), amoCRM/Kommo and
// Bitrix24 (Задача, Звонок, Встреча, Примечание, Дело).
var kindNames = map[string]string{}

func init() {
	for kind, names := range map[string][]string{
		"task": {"task", "tasks", "to-do", "todo", "to do", "deadline", "follow-up", "follow up",
			"задача", "задачи", "задание", "дело", "тапсырма", "zadanie", "zadania", "užduotis", "užduotys", "sarcină", "sarcini"},
		"call": {"call", "calls", "phone call", "logged call", "звонок", "звонки", "телефонный звонок", "вызов",
			"қоңырау", "połączenie", "rozmowa telefoniczna", "telefon", "skambutis", "skambučiai", "apel", "apel telefonic"},
		"meeting": {"meeting", "meetings", "event", "lunch", "appointment", "встреча", "встречи", "событие",
			"кездесу", "spotkanie", "spotkania", "susitikimas", "susitikimai", "întâlnire", "întâlniri", "ședință"},
		"note": {"note", "notes", "comment", "примечание", "заметка", "комментарий", "ескертпе", "жазба",
			"notatka", "notatki", "pastaba", "pastabos", "užrašas", "notă", "note", "comentariu"},
	} {
		for _, n := range names {
			kindNames[guess.Key(n)] = kind
		}
	}
}

// directionNames are the words for a call's direction, by guess.Key.
var directionNames = map[string]string{}

func init() {
	for dir, names := range map[string][]string{
		"inbound": {"inbound", "incoming", "in", "входящий", "входящая", "входящий звонок", "кіріс", "кіріс қоңырау",
			"przychodzące", "przychodzący", "įeinantis", "gaunamas", "intrare", "primit"},
		"outbound": {"outbound", "outgoing", "out", "исходящий", "исходящая", "исходящий звонок", "шығыс", "шығыс қоңырау",
			"wychodzące", "wychodzący", "išeinantis", "siunčiamas", "ieșire", "efectuat"},
	} {
		for _, n := range names {
			directionNames[guess.Key(n)] = dir
		}
	}
}

// loadObject reads what the rows of a product or activities file are
// matched and linked against, beside what load reads for every object.
func (r *run) loadObject(ctx context.Context) error {
	ws := r.actor.WorkspaceID
	if r.mappedType(records.DateTime) {
		if err := r.loadZone(ctx); err != nil {
			return err
		}
	}
	if r.plan.match == "sku" {
		err := r.scan(ctx, `SELECT id, sku FROM products WHERE workspace_id = ? AND deleted_at IS NULL AND sku IS NOT NULL ORDER BY id DESC`,
			func(id int64, sku string) { r.keys[hashKey(r.key(sku))] = id }, ws) // the oldest product wins
		if err != nil {
			return err
		}
	}
	if r.obj != activityObject {
		return nil
	}
	l := &activityLinks{contacts: map[string]int64{}, companies: map[string]int64{}, deals: map[string][]int64{}, dealExt: map[string]int64{}}
	r.acts = l
	if r.mapped("contact") {
		// An external id that reads like someone's e-mail is the
		// e-mail's: the addresses are read last.
		err := r.scan(ctx, `SELECT x.record_id, x.external_id FROM external_ids x JOIN contacts t ON t.workspace_id = x.workspace_id AND t.id = x.record_id
			WHERE x.workspace_id = ? AND x.object = 'contact' AND t.deleted_at IS NULL`, func(id int64, ext string) {
			l.contacts[fold(ext)] = id
		}, ws)
		if err != nil {
			return err
		}
		err = r.scan(ctx, `SELECT id, `+r.im.db.Dialect.JSONOut("emails")+` FROM contacts WHERE workspace_id = ? AND deleted_at IS NULL AND emails IS NOT NULL ORDER BY id DESC`,
			func(id int64, text string) {
				var list []records.Item
				json.Unmarshal([]byte(text), &list)
				for _, it := range list {
					l.contacts[fold(it.Value)] = id
				}
			}, ws)
		if err != nil {
			return err
		}
	}
	if r.mapped("company") {
		err := r.scan(ctx, `SELECT id, name FROM companies WHERE workspace_id = ? AND deleted_at IS NULL ORDER BY id DESC`,
			func(id int64, name string) { l.companies[fold(name)] = id }, ws)
		if err != nil {
			return err
		}
	}
	if r.mapped("deal") {
		err := r.scan(ctx, `SELECT id, title FROM deals WHERE workspace_id = ? AND deleted_at IS NULL AND title IS NOT NULL ORDER BY id`,
			func(id int64, title string) { l.deals[fold(title)] = append(l.deals[fold(title)], id) }, ws)
		if err != nil {
			return err
		}
		err = r.scan(ctx, `SELECT x.record_id, x.external_id FROM external_ids x JOIN deals t ON t.workspace_id = x.workspace_id AND t.id = x.record_id
			WHERE x.workspace_id = ? AND x.object = 'deal' AND t.deleted_at IS NULL`, func(id int64, ext string) {
			l.dealExt[strings.TrimSpace(ext)] = id
		}, ws)
		if err != nil {
			return err
		}
	}
	return nil
}

// loadZone reads the importing user's time zone: "14:30" in their file is
// their 14:30, as the screens show them times.
func (r *run) loadZone(ctx context.Context) error {
	var name string
	err := r.q.QueryRowContext(ctx, `SELECT time_zone FROM users WHERE workspace_id = ? AND id = ?`, r.actor.WorkspaceID, r.actor.UserID).Scan(&name)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if loc, err := time.LoadLocation(name); err == nil && name != "" {
		r.zone = loc
	}
	return nil
}

// timeZone is the zone of times of day the file gives without one.
func (r *run) timeZone() *time.Location {
	if r.zone == nil {
		return time.UTC
	}
	return r.zone
}

// rowObject is the object the row at hand is written to: its kind in an
// activities file, else the import's object.
func (r *run) rowObject() *records.Object {
	if r.acts != nil && r.acts.kind != nil {
		return r.acts.kind
	}
	return r.obj
}

// linkActivity turns a row of an activities file into the input of its
// kind: it reads the kind, finds the record the activity is about (a
// deal, else a contact, else a company: one that is named but not found
// fails the row) and moves each value to the field of that kind that
// holds it. A value the kind has no place for is a warning on the row.
func (r *run) linkActivity(in map[string]any) error {
	l := r.acts
	l.kind, l.warnings = nil, nil
	kind, err := kindOf(in["kind"])
	if err != nil {
		return err
	}
	typ, rid, err := r.about(in)
	if err != nil {
		return err
	}
	out := map[string]any{}
	if typ != "" {
		out["record_type"], out["record_id"] = typ, strconv.FormatInt(rid, 10)
	}
	if err := r.activityValues(kind, in, out); err != nil {
		return err
	}
	l.kind = r.im.e.Object(kind)
	clear(in)
	for k, v := range out {
		in[k] = v
	}
	return nil
}

// kindOf reads a kind column's value.
func kindOf(v any) (string, error) {
	s, _ := v.(string)
	if strings.TrimSpace(s) == "" {
		return "", fault.Field("kind", "required", "is required: task, call, meeting or note")
	}
	if kind, ok := kindNames[guess.Key(s)]; ok {
		return kind, nil
	}
	return "", fault.Field("kind", "option", "%q is no kind of activity: task, call, meeting or note", s)
}

// about finds the record a row's activity is about.
func (r *run) about(in map[string]any) (string, int64, error) {
	l := r.acts
	var typ string
	var id int64
	if s, ok := in["company"].(string); ok {
		if id, ok = l.companies[fold(s)]; !ok {
			return "", 0, fault.Field("company", "reference", "no company is named %q", s)
		}
		typ = "company"
	}
	if s, ok := in["contact"].(string); ok {
		if id, ok = l.contacts[fold(s)]; !ok {
			return "", 0, fault.Field("contact", "reference", "no contact has the e-mail or external id %q", s)
		}
		typ = "contact"
	}
	if s, ok := in["deal"].(string); ok {
		switch ids := l.deals[fold(s)]; {
		case l.dealExt[s] != 0:
			id = l.dealExt[s]
		case len(ids) == 1:
			id = ids[0]
		case len(ids) > 1:
			return "", 0, fault.Field("deal", "ambiguous", "%d deals are named %q: name the deal by its external id", len(ids), s)
		default:
			return "", 0, fault.Field("deal", "reference", "no deal has the external id or the title %q", s)
		}
		typ = "deal"
	}
	return typ, id, nil
}

// activityValues moves the values of a row to the fields of kind in out.
func (r *run) activityValues(kind string, in, out map[string]any) error {
	if v, ok := in["owner_id"]; ok {
		out["owner_id"] = v
	}
	when, err := r.when(in)
	if err != nil {
		return err
	}
	title, _ := in["title"].(string)
	body, _ := in["body"].(string)
	used := map[string]bool{"kind": true, "owner_id": true, "contact": true, "company": true, "deal": true,
		"title": true, "body": true, "due_at": true, "due_time": true}
	// Only what the row gives is set: an update leaves the rest as it is.
	set := func(to, v string) {
		if v != "" {
			out[to] = v
		}
	}
	take := func(from, to string) {
		if v, ok := in[from]; ok {
			out[to] = v
		}
		used[from] = true
	}
	switch kind {
	case "task":
		set("title", title)
		set("due_at", when)
		take("done", "done")
		take("type", "type")
		// A task's only long text is its result: its notes join it.
		set("result", joinText(text(in["result"]), body))
		used["result"] = true
	case "call":
		// A result that names one of a call's is its result; any other
		// is kept with its notes.
		if res := text(in["result"]); res != "" {
			if o := option(activityObject.Field("call_result"), res); in["call_result"] == nil && slices.Contains(records.CallResults, o) {
				out["call_result"] = o
			} else {
				body = joinText(body, res)
			}
			used["result"] = true
		}
		set("body", joinText(title, body))
		set("started_at", when)
		if dir, ok := directionNames[guess.Key(text(in["direction"]))]; ok {
			in["direction"] = dir
		}
		for _, f := range []string{"direction", "phone", "call_result", "recording_url"} {
			take(f, f)
		}
		if s, ok := in["duration"].(string); ok {
			d, err := duration(s)
			if err != nil {
				return err
			}
			out["duration_seconds"] = json.Number(strconv.FormatInt(int64(d/time.Second), 10))
		}
		used["duration"], used["done"] = true, true // a call is done
	case "meeting":
		if when == "" {
			return fault.Field("due_at", "required", "a meeting needs the time it starts")
		}
		set("title", title)
		set("starts_at", when)
		set("body", body)
		take("ends_at", "ends_at")
		take("place", "place")
		if s, ok := in["duration"].(string); ok && out["ends_at"] == nil {
			d, err := duration(s)
			if err != nil {
				return err
			}
			start, _ := time.Parse(time.RFC3339, when)
			out["ends_at"] = start.Add(d).UTC().Format(time.RFC3339)
		}
		used["duration"], used["done"] = true, true
	case "note":
		set("body", joinText(title, body))
		if when != "" {
			r.acts.warnings = append(r.acts.warnings, Problem{Column: r.plan.headersOf("due_at"), Value: when, Kept: true,
				Reason: "a note is dated by its import; this date was not kept"})
		}
		used["done"] = true
	}
	for _, name := range sortedKeys(in) {
		if !used[name] {
			r.acts.warnings = append(r.acts.warnings, Problem{Column: r.plan.headersOf(name), Value: fmt.Sprint(in[name]), Kept: true,
				Reason: fmt.Sprintf("a %s has no %s; not kept", kind, strings.ReplaceAll(name, "_", " "))})
		}
	}
	return nil
}

// when is the row's date and time: the date column's, at the time of a
// column of its own when the file gives the time apart (Pipedrive's "Due
// time").
func (r *run) when(in map[string]any) (string, error) {
	at, _ := in["due_at"].(string)
	clock, _ := in["due_time"].(string)
	if at == "" || clock == "" {
		return at, nil
	}
	m := clockText.FindStringSubmatch(strings.TrimSpace(clock))
	if m == nil {
		return "", fault.Field("due_time", "format", "%q is not a time of day (14:30)", clock)
	}
	h, _ := strconv.Atoi(m[1])
	mi, _ := strconv.Atoi(m[2])
	s, _ := strconv.Atoi(m[3])
	day, err := time.Parse(time.RFC3339, at)
	if err != nil || h > 23 || mi > 59 || s > 59 {
		return "", fault.Field("due_time", "format", "%q is not a time of day (14:30)", clock)
	}
	// The date was read as a moment of the user's day: the time is of
	// that day.
	day = day.In(r.timeZone())
	t := time.Date(day.Year(), day.Month(), day.Day(), h, mi, s, 0, r.timeZone())
	return t.UTC().Format(time.RFC3339), nil
}

var clockText = regexp.MustCompile(`^(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?$`)

// duration reads how long a call or meeting took: seconds ("330"),
// minutes and seconds ("5:30"), hours, minutes and seconds ("1:05:30"),
// or Go's units ("1h30m", "90s").
func duration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	bad := fault.Field("duration", "format", "%q is no duration: give seconds (330), 5:30 or 1:05:30", s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n < 0 {
			return 0, bad
		}
		return time.Duration(n) * time.Second, nil
	}
	if parts := strings.Split(s, ":"); len(parts) == 2 || len(parts) == 3 {
		var total int64
		for i, p := range parts {
			n, err := strconv.ParseInt(p, 10, 64)
			if err != nil || n < 0 || i > 0 && n > 59 {
				return 0, bad
			}
			total = total*60 + n
		}
		return time.Duration(total) * time.Second, nil
	}
	if d, err := time.ParseDuration(strings.ReplaceAll(s, " ", "")); err == nil && d >= 0 {
		return d.Round(time.Second), nil
	}
	return 0, bad
}

// activityWarnings are the warnings link found on the row at hand.
func (r *run) activityWarnings(number int) []Problem {
	if r.acts == nil {
		return nil
	}
	out := make([]Problem, len(r.acts.warnings))
	for i, p := range r.acts.warnings {
		p.Row = number
		out[i] = p
	}
	return out
}

func text(v any) string {
	s, _ := v.(string)
	return s
}

// joinText joins a subject and a text as paragraphs.
func joinText(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "\n\n")
}

// Package ical turns tasks and meetings into iCalendar and iCalendar back
// into tasks and meetings, and imports and exports them through the
// records engine. The syntax is emersion's go-ical; this package holds the
// mapping (docs/decisions/0040-vcard-ical.md):
//
//	VTODO                               task
//	  SUMMARY                           title
//	  DUE                               due_at
//	  STATUS:COMPLETED, COMPLETED,
//	  PERCENT-COMPLETE:100              done (COMPLETED is written from done_at)
//	  DESCRIPTION                       result
//	VEVENT                              meeting
//	  SUMMARY                           title
//	  DTSTART                           starts_at
//	  DTEND (or DTSTART + DURATION)     ends_at
//	  LOCATION                          place
//	  DESCRIPTION                       body
//
// Times are stored in UTC: a time with a TZID is converted from its zone,
// a floating time and a date are read as UTC.
package ical

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // TZIDs resolve the same on hosts without zoneinfo

	goical "github.com/emersion/go-ical"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/vcard"
)

// Kinds of activity.
const (
	Task    = "task"
	Meeting = "meeting"
)

// MaxItems is the most tasks and meetings one import reads.
const MaxItems = 1000

// Activity is a task or a meeting as iCalendar carries it.
type Activity struct {
	Kind     string // Task or Meeting
	UID      string
	Title    string
	Notes    string // plain text: a task's result, a meeting's notes
	Due      time.Time
	Done     bool
	DoneAt   time.Time // written only: the engine sets it when done
	Starts   time.Time
	Ends     time.Time
	Place    string
	Modified time.Time // written as DTSTAMP
}

// Input returns the fields of the activity as the engine's create takes
// them.
func (a Activity) Input() map[string]any {
	in := map[string]any{"title": a.Title}
	setTime := func(k string, t time.Time) {
		if !t.IsZero() {
			in[k] = t.UTC().Format(time.RFC3339Nano)
		}
	}
	if a.Kind == Task {
		setTime("due_at", a.Due)
		in["done"] = a.Done
		if a.Notes != "" {
			in["result"] = vcard.TextToHTML(a.Notes)
		}
		return in
	}
	setTime("starts_at", a.Starts)
	setTime("ends_at", a.Ends)
	if a.Place != "" {
		in["place"] = a.Place
	}
	if a.Notes != "" {
		in["body"] = vcard.TextToHTML(a.Notes)
	}
	return in
}

// FromRecord reads a task or meeting record as the engine returns it;
// fields the caller's role hides are absent and stay out.
func FromRecord(kind string, rec records.Record) Activity {
	a := Activity{Kind: kind, UID: kind + "-" + text(rec, "id") + "@rapport"}
	a.Title = text(rec, "title")
	a.Modified = when(rec, "updated_at")
	if kind == Task {
		a.Due, a.DoneAt = when(rec, "due_at"), when(rec, "done_at")
		a.Done, _ = rec["done"].(bool)
		a.Notes = vcard.HTMLToText(text(rec, "result"))
		return a
	}
	a.Starts, a.Ends = when(rec, "starts_at"), when(rec, "ends_at")
	a.Place = text(rec, "place")
	a.Notes = vcard.HTMLToText(text(rec, "body"))
	return a
}

func text(rec records.Record, k string) string {
	s, _ := rec[k].(string)
	return s
}

func when(rec records.Record, k string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, text(rec, k))
	return t
}

// Read returns the tasks (VTODO) and meetings (VEVENT) of every calendar
// in data, in order; other components are left out. What cannot be read
// is invalid input naming the item by its index (items[0] is the first).
func Read(data []byte) ([]Activity, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fault.Field("items", "required", "the file holds no iCalendar")
	}
	dec := goical.NewDecoder(bytes.NewReader(data))
	var out []Activity
	for {
		cal, err := dec.Decode()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fault.Field("items", "ical", "is not iCalendar: %s", strings.TrimPrefix(err.Error(), "ical: "))
		}
		for _, comp := range cal.Children {
			if comp.Name != goical.CompToDo && comp.Name != goical.CompEvent {
				continue
			}
			if len(out) == MaxItems {
				return nil, fault.Field("items", "too_many", "a file may hold at most %d tasks and meetings", MaxItems)
			}
			a, err := fromComponent(comp, "items["+strconv.Itoa(len(out))+"]")
			if err != nil {
				return nil, err
			}
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return nil, fault.Field("items", "required", "the file holds no task (VTODO) or meeting (VEVENT)")
	}
	return out, nil
}

func fromComponent(comp *goical.Component, name string) (Activity, error) {
	a := Activity{UID: propText(comp, goical.PropUID), Title: propText(comp, goical.PropSummary),
		Notes: strings.TrimSpace(propText(comp, goical.PropDescription))}
	var err error
	at := func(prop string) time.Time {
		p := comp.Props.Get(prop)
		if p == nil || err != nil {
			return time.Time{}
		}
		t, perr := p.DateTime(time.UTC)
		if perr != nil {
			err = fault.Field(name+"."+strings.ToLower(prop), "ical", "cannot be read: %s", strings.TrimPrefix(perr.Error(), "ical: "))
		}
		return t.UTC()
	}
	if comp.Name == goical.CompToDo {
		a.Kind = Task
		a.Due = at(goical.PropDue)
		status := strings.ToUpper(propText(comp, goical.PropStatus))
		a.Done = status == "COMPLETED" || comp.Props.Get(goical.PropCompleted) != nil ||
			propText(comp, goical.PropPercentComplete) == "100"
		return a, err
	}
	a.Kind = Meeting
	a.Starts = at(goical.PropDateTimeStart)
	if err == nil && comp.Props.Get(goical.PropDateTimeStart) != nil {
		end, eerr := (&goical.Event{Component: comp}).DateTimeEnd(time.UTC)
		if eerr != nil {
			err = fault.Field(name+".dtend", "ical", "cannot be read: %s", strings.TrimPrefix(eerr.Error(), "ical: "))
		}
		if !end.Equal(a.Starts) {
			a.Ends = end.UTC()
		}
	}
	a.Place = propText(comp, goical.PropLocation)
	return a, err
}

func propText(comp *goical.Component, name string) string {
	p := comp.Props.Get(name)
	if p == nil {
		return ""
	}
	s, err := p.Text()
	if err != nil {
		return strings.TrimSpace(p.Value)
	}
	return strings.TrimSpace(s)
}

// Write writes the activities as one calendar.
func Write(w io.Writer, items ...Activity) error {
	return goical.NewEncoder(w).Encode(Calendar(items...))
}

// Calendar is the activities as one calendar, for a caller that encodes
// it itself.
func Calendar(items ...Activity) *goical.Calendar {
	cal := goical.NewCalendar()
	cal.Props.SetText(goical.PropProductID, "-//Rapport//Rapport CRM//EN")
	cal.Props.SetText(goical.PropVersion, "2.0")
	for _, a := range items {
		cal.Children = append(cal.Children, component(a))
	}
	return cal
}

func component(a Activity) *goical.Component {
	name := goical.CompEvent
	if a.Kind == Task {
		name = goical.CompToDo
	}
	c := goical.NewComponent(name)
	uid := a.UID
	if uid == "" {
		sum := sha256.Sum256([]byte(a.Kind + "\x00" + a.Title + "\x00" + a.Starts.String() + a.Due.String()))
		uid = hex.EncodeToString(sum[:16]) + "@rapport"
	}
	c.Props.SetText(goical.PropUID, uid)
	stamp := a.Modified
	if stamp.IsZero() {
		stamp = time.Now()
	}
	c.Props.SetDateTime(goical.PropDateTimeStamp, stamp.UTC())
	setText(c, goical.PropSummary, a.Title)
	setText(c, goical.PropDescription, a.Notes)
	setTime := func(prop string, t time.Time) {
		if !t.IsZero() {
			c.Props.SetDateTime(prop, t.UTC())
		}
	}
	if a.Kind == Task {
		setTime(goical.PropDue, a.Due)
		if a.Done {
			c.Props.SetText(goical.PropStatus, "COMPLETED")
			setTime(goical.PropCompleted, a.DoneAt)
		} else {
			c.Props.SetText(goical.PropStatus, "NEEDS-ACTION")
		}
		return c
	}
	setTime(goical.PropDateTimeStart, a.Starts)
	setTime(goical.PropDateTimeEnd, a.Ends)
	setText(c, goical.PropLocation, a.Place)
	return c
}

func setText(c *goical.Component, prop, v string) {
	if v != "" {
		c.Props.SetText(prop, v)
	}
}

// Importer creates tasks and meetings from iCalendar through the records
// engine, in one transaction: if one item cannot be a record, nothing is
// written and the error names the item (items[1].starts_at).
type Importer struct {
	DB     *store.DB
	Engine *records.Engine
}

// Import creates a task from each VTODO and a meeting from each VEVENT in
// data, in order; each record carries "object" (task or meeting).
func (im Importer) Import(ctx context.Context, data []byte) ([]records.Record, error) {
	items, err := Read(data)
	if err != nil {
		return nil, err
	}
	var created []records.Record
	err = im.DB.Tx(ctx, func(q store.Querier) error {
		ctx := store.Within(ctx, q)
		created = created[:0]
		for i, a := range items {
			rec, err := im.Engine.Create(ctx, a.Kind, a.Input())
			if err != nil {
				return vcard.Prefixed(err, "items["+strconv.Itoa(i)+"].")
			}
			rec["object"] = a.Kind
			created = append(created, rec)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return created, nil
}

package activity

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
)

// activityKinds are the objects that share the activities table.
var activityKinds = []string{"task", "note", "call", "meeting"}

// aboutObjects are the standard objects an activity may be about; the
// workspace's user-defined lists are allowed too.
var aboutObjects = []string{"contact", "company", "deal"}

// before applies the rules of every activity write.
func (s *Service) before(ctx context.Context, w *records.Write) error {
	if w.Vals == nil { // delete, restore, purge: nothing to check
		return nil
	}
	var c fault.Collector
	if err := s.checkAbout(ctx, w, &c); err != nil {
		return err
	}
	switch w.Object.Name {
	case "task":
		s.task(w)
	case "call":
		s.call(w, s.region(ctx, w.Actor.WorkspaceID), &c)
	case "meeting":
		meeting(w, &c)
	}
	if err := c.Err(); err != nil {
		return err
	}
	s.occurred(w)
	return nil
}

// after keeps the reminder bookkeeping, which is no field of a task: a new
// due time, or a new assignee, deserves new reminders.
func (s *Service) after(ctx context.Context, w *records.Write) error {
	if w.Object.Name != "task" || w.Action != "update" || !(w.Changes("due_at") || w.Changes("owner_id")) {
		return nil
	}
	id, _ := strconv.ParseInt(w.ID, 10, 64)
	_, err := w.Q.ExecContext(ctx, `UPDATE activities SET reminder_level = 0 WHERE workspace_id = ? AND id = ?`,
		w.Actor.WorkspaceID, id)
	return err
}

func text(v any) string {
	s, _ := v.(string)
	return s
}

// checkAbout makes sure the record an activity is about exists in the
// workspace and is one the actor may read, and names its object in one
// way, by its singular name.
func (s *Service) checkAbout(ctx context.Context, w *records.Write, c *fault.Collector) error {
	if w.Action == "update" && !w.Changes("record_type") && !w.Changes("record_id") {
		return nil
	}
	rt, rid := text(w.Value("record_type")), text(w.Value("record_id"))
	switch {
	case rt == "" && rid == "":
		return nil // about nothing
	case rt == "":
		c.Add("record_type", "required", "is required with record_id")
		return nil
	case rid == "":
		c.Add("record_id", "required", "is required with record_type")
		return nil
	}
	name, err := s.aboutObject(ctx, rt)
	if err != nil {
		return err
	}
	if name == "" {
		c.Add("record_type", "option", "must be one of %s, or a list of the workspace", strings.Join(aboutObjects, ", "))
		return nil
	}
	w.Vals["record_type"] = name
	// A record out of the actor's reach is answered as one that does not
	// exist, as the engine does, so that ids reveal nothing.
	found, err := s.engine.Exists(ctx, name, rid)
	if err != nil {
		return err
	}
	if !found {
		c.Add("record_id", "reference", "no such record: no %s with id %q", name, rid)
	}
	return nil
}

// aboutObject returns the singular name of the object called name that an
// activity may be about, or "" when there is none.
func (s *Service) aboutObject(ctx context.Context, name string) (string, error) {
	if o := s.engine.Object(name); o != nil {
		if slices.Contains(aboutObjects, o.Name) {
			return o.Name, nil
		}
		return "", nil
	}
	lists, err := s.engine.Lists(ctx)
	if err != nil {
		return "", err
	}
	for _, l := range lists {
		if l.Name == name || l.Plural == name {
			return l.Name, nil
		}
	}
	return "", nil
}

// task defaults done to false, which the open-task indexes rely on, and
// keeps done_at in step with done.
func (s *Service) task(w *records.Write) {
	if _, given := w.Vals["done"]; given || w.Action == "create" {
		if w.Vals["done"] == nil {
			w.Vals["done"] = false
		}
	}
	if w.Action != "create" && !w.Changes("done") {
		return
	}
	if done, _ := w.Vals["done"].(bool); done {
		w.Vals["done_at"] = records.FormatTime(s.opts.Now())
	} else {
		w.Vals["done_at"] = nil
	}
}

// call keeps the number as typed and stores its E.164 form when it parses;
// a number that does not parse is kept as typed, never refused.
func (s *Service) call(w *records.Write, region string, c *fault.Collector) {
	if n, ok := records.Int(w.Vals["duration_seconds"]); ok && n < 0 {
		c.Add("duration_seconds", "range", "must not be negative")
	}
	if _, given := w.Vals["phone"]; !given {
		return
	}
	typed := text(w.Vals["phone"])
	if typed == "" {
		w.Vals["phone"], w.Vals["phone_typed"] = nil, nil
		return
	}
	e164, _ := records.NormalizePhone(typed, region)
	w.Vals["phone"], w.Vals["phone_typed"] = e164, typed
}

// meeting refuses a meeting that ends before it starts. Stored times are
// fixed-width UTC, so they compare as text.
func meeting(w *records.Write, c *fault.Collector) {
	start, end := text(w.Value("starts_at")), text(w.Value("ends_at"))
	if start != "" && end != "" && end <= start && (w.Changes("starts_at") || w.Changes("ends_at") || w.Action == "create") {
		c.Add("ends_at", "range", "must be after starts_at")
	}
}

// occurred sets the moment the timeline orders an activity by: a task's
// due time, a call's start, a meeting's start, and otherwise its creation.
func (s *Service) occurred(w *records.Write) {
	var at string
	switch w.Object.Name {
	case "task":
		at = text(w.Value("due_at"))
	case "call":
		at = text(w.Value("started_at"))
	case "meeting":
		at = text(w.Value("starts_at"))
	}
	if at == "" && w.Object.Name == "note" {
		// A note stays where it was made: its first moment was the
		// service's clock, a hair before the engine's created_at, and
		// an update that moved it there would be a change no undo of
		// the update could take back.
		at = text(w.Old["occurred_at"])
	}
	if at == "" {
		at = text(w.Old["created_at"])
	}
	if at == "" {
		at = records.FormatTime(s.opts.Now())
	}
	if at != text(w.Old["occurred_at"]) {
		w.Vals["occurred_at"] = at
	}
}

// region is the workspace's country for phone numbers, as the engine reads
// them, or the service's own when neither the workspace nor the server
// names one.
func (s *Service) region(ctx context.Context, ws int64) string {
	if r := s.engine.PhoneRegion(ctx, ws); r != "" {
		return r
	}
	return s.opts.PhoneRegion
}

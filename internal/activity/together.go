package activity

import (
	"context"
	"database/sql"
	"errors"
	"html"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/notify"
	"github.com/rapport-crm/rapport/internal/outbox"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// This file tells colleagues what a write means to them: a record
// assigned to them by someone else, a mention in a note, and what happens
// to the records they follow. Each notification is written in the write's
// own transaction, so none is made for a write that fails and none is
// lost for one that succeeds. Nobody is told of their own doing, nor of a
// record (or a field of it) their role does not let them see.
//
// Like the reminders, a notification stores English words beside its
// kind and the record it is about; a page that shows it in another
// language words it again from the kind.

// togetherObjects are the objects whose writes can tell someone.
var togetherObjects = []string{"contact", "company", "deal", "task", "note"}

// together is the After hook of every write of togetherObjects.
func (s *Service) together(ctx context.Context, w *records.Write) error {
	if w.Action != "create" && w.Action != "update" {
		return nil
	}
	t := &telling{s: s, w: w, ws: w.Actor.WorkspaceID}
	switch w.Object.Name {
	case "note":
		return t.noted(ctx)
	case "task":
		return t.assigned(ctx)
	}
	if err := s.autoFollow(ctx, w); err != nil {
		return err
	}
	if outbox.IsSilent(ctx) {
		return nil // a silent import tells nobody; following is data, kept
	}
	if err := t.assigned(ctx); err != nil {
		return err
	}
	if w.Object.Name == "deal" && w.Action == "update" {
		return t.dealMoved(ctx)
	}
	return nil
}

// telling is the telling of one write.
type telling struct {
	s     *Service
	w     *records.Write
	ws    int64
	actor string // the name of who wrote, read once
}

// by is the name of the user who made the write.
func (t *telling) by(ctx context.Context) (string, error) {
	if t.actor != "" {
		return t.actor, nil
	}
	t.actor = "Rapport" // a job, an import, an automation
	if t.w.Actor.UserID != 0 {
		var name, email string
		err := t.w.Q.QueryRowContext(ctx, `SELECT name, email FROM users WHERE workspace_id = ? AND id = ?`,
			t.ws, t.w.Actor.UserID).Scan(&name, &email)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return "", err
		}
		t.actor = firstOf(name, email, "A colleague")
	}
	return t.actor, nil
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// sees reports whether user may read rec of object, and reads rules of
// the object's fields for them.
func (t *telling) sees(ctx context.Context, user int64, object string, rec records.Record) (map[string]access.FieldRule, bool, error) {
	obj := t.s.engine.Object(object)
	if obj == nil {
		return nil, false, nil
	}
	who := access.Actor{WorkspaceID: t.ws, UserID: user}
	p := t.s.engine.Policy()
	if err := p.Authorize(ctx, who, obj.Grant(), access.Read, rec); err != nil {
		if fault.Is(err, fault.EFORBIDDEN) {
			return nil, false, nil
		}
		return nil, false, err
	}
	rules, err := p.Fields(ctx, who, obj.Grant())
	return rules, err == nil, err
}

// assigned tells the new owner of a record (the assignee of a task) that
// someone else gave it to them.
func (t *telling) assigned(ctx context.Context) error {
	w := t.w
	owner, err := strconv.ParseInt(str(w.Rec["owner_id"]), 10, 64)
	if err != nil || !w.Changes("owner_id") || owner == w.Actor.UserID {
		return nil
	}
	if ok, err := t.active(ctx, owner); err != nil || !ok {
		return err
	}
	rules, ok, err := t.sees(ctx, owner, w.Object.Name, w.Rec)
	if err != nil || !ok || rules["owner_id"] == access.FieldHidden {
		return err
	}
	by, err := t.by(ctx)
	if err != nil {
		return err
	}
	return t.add(ctx, owner, notify.Notification{Kind: notify.KindAssigned, Title: "A " + w.Object.Name + " was assigned to you",
		Body: by + " assigned you a " + w.Object.Name + ".", RecordType: w.Object.Name, RecordID: str(w.Rec["id"])})
}

// dealMoved tells the followers of a deal that it was won or lost, or
// else that it moved to another stage.
func (t *telling) dealMoved(ctx context.Context) error {
	w := t.w
	status := str(w.Rec["status"])
	kind, field := "", ""
	switch {
	case w.Changes("status") && status == "won":
		kind, field = notify.KindDealWon, "status"
	case w.Changes("status") && status == "lost":
		kind, field = notify.KindDealLost, "status"
	case w.Changes("stage_id"):
		kind, field = notify.KindStageChanged, "stage_id"
	default:
		return nil
	}
	stage, err := t.stageName(ctx, str(w.Rec["stage_id"]))
	if err != nil {
		return err
	}
	by, err := t.by(ctx)
	if err != nil {
		return err
	}
	followers, err := t.followers(ctx, "deal", str(w.Rec["id"]), nil)
	if err != nil {
		return err
	}
	for _, u := range followers {
		rules, ok, err := t.sees(ctx, u, "deal", w.Rec)
		if err != nil {
			return err
		}
		if !ok || rules[field] == access.FieldHidden {
			continue
		}
		n := notify.Notification{Kind: kind, RecordType: "deal", RecordID: str(w.Rec["id"])}
		switch kind {
		case notify.KindDealWon:
			n.Title, n.Body = "A deal you follow was won", by+" marked a deal you follow as won."
		case notify.KindDealLost:
			n.Title, n.Body = "A deal you follow was lost", by+" marked a deal you follow as lost."
		default:
			n.Title, n.Body = "A deal you follow moved on", by+" moved a deal you follow to another stage."
			if t.readsStages(ctx, u) && stage != "" {
				n.Title, n.Body = "A deal you follow moved to "+stage, by+" moved a deal you follow to the stage "+strconv.Quote(stage)+"."
			}
		}
		if err := t.add(ctx, u, n); err != nil {
			return err
		}
	}
	return nil
}

func (t *telling) stageName(ctx context.Context, id string) (string, error) {
	var name string
	err := t.w.Q.QueryRowContext(ctx, `SELECT name FROM stages WHERE workspace_id = ? AND id = ?`, t.ws, id).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return name, err
}

// readsStages reports whether user may read the pipelines and their
// stages, whose names are no record's but a setting's.
func (t *telling) readsStages(ctx context.Context, user int64) bool {
	who := access.Actor{WorkspaceID: t.ws, UserID: user}
	return t.s.engine.Policy().Authorize(ctx, who, t.s.engine.Object("stage").Grant(), access.Read, nil) == nil
}

// noted tells the colleagues a new note mentions (or a changed note
// mentions anew) and the followers of the record it is about.
func (t *telling) noted(ctx context.Context) error {
	w := t.w
	if w.Action == "update" && !w.Changes("body") {
		return nil
	}
	rt, rid := str(w.Rec["record_type"]), str(w.Rec["record_id"])
	mentioned, err := t.mentioned(ctx)
	if err != nil {
		return err
	}
	var followers []int64
	if w.Action == "create" && rt != "" && rid != "" {
		if followers, err = t.followers(ctx, rt, rid, mentioned); err != nil {
			return err
		}
	}
	if len(mentioned) == 0 && len(followers) == 0 {
		return nil // nobody to tell: the record need not be read
	}
	var about records.Record
	if rt != "" && rid != "" {
		// The writer may read it: the activity rules made sure.
		if about, err = t.s.engine.Get(ctx, rt, rid, false); err != nil {
			return err
		}
	}
	for _, u := range mentioned {
		if err := t.tellOfNote(ctx, u, notify.KindMentioned, rt, about); err != nil {
			return err
		}
	}
	for _, u := range followers {
		if err := t.tellOfNote(ctx, u, notify.KindNoteAdded, rt, about); err != nil {
			return err
		}
	}
	return nil
}

// tellOfNote tells user of the note being written, when they may read
// both the note and the record it is about.
func (t *telling) tellOfNote(ctx context.Context, user int64, kind, object string, about records.Record) error {
	w := t.w
	if _, ok, err := t.sees(ctx, user, "note", w.Rec); err != nil || !ok {
		return err
	}
	if about != nil {
		if _, ok, err := t.sees(ctx, user, object, about); err != nil || !ok {
			return err
		}
	}
	by, err := t.by(ctx)
	if err != nil {
		return err
	}
	n := notify.Notification{Kind: kind, RecordType: "note", RecordID: str(w.Rec["id"])}
	on := ""
	if about != nil {
		n.RecordType, n.RecordID = object, str(about["id"])
		on = " on a " + object
	}
	if kind == notify.KindMentioned {
		n.Title, n.Body = by+" mentioned you", by+" mentioned you in a note"+on+"."
	} else {
		n.Title, n.Body = "New note on a "+object+" you follow", by+" added a note to a "+object+" you follow."
	}
	return t.add(ctx, user, n)
}

// mentionLink is how a note mentions a colleague: a link to write to
// them, which the composer makes from the picker and an API client can
// write as well. The sanitiser keeps mailto links and writes the
// attribute in double quotes.
var mentionLink = regexp.MustCompile(`<a href="mailto:([^"?]+)"[^>]*>@`)

// mentions are the addresses a note's body mentions, in lower case.
func mentions(body string) []string {
	var out []string
	for _, m := range mentionLink.FindAllStringSubmatch(body, -1) {
		addr := strings.ToLower(html.UnescapeString(m[1]))
		if !slices.Contains(out, addr) {
			out = append(out, addr)
		}
	}
	return out
}

// mentioned are the active users, other than the writer, that the note
// mentions and its stored version did not.
func (t *telling) mentioned(ctx context.Context) ([]int64, error) {
	before := mentions(str(t.w.Old["body"]))
	var addrs []any
	for _, a := range mentions(str(t.w.Rec["body"])) {
		if !slices.Contains(before, a) {
			addrs = append(addrs, a)
		}
	}
	if len(addrs) == 0 {
		return nil, nil
	}
	if len(addrs) > 50 {
		addrs = addrs[:50] // a note is not a mailing list
	}
	return t.ids(ctx, `SELECT id FROM users WHERE workspace_id = ? AND lower(email) IN (`+store.Marks(len(addrs))+`)
		AND status = 'active' AND deactivated_at IS NULL AND id <> ? ORDER BY id`,
		append(append([]any{t.ws}, addrs...), t.w.Actor.UserID)...)
}

// followers are the active users, other than the writer and those in
// except, who follow the record.
func (t *telling) followers(ctx context.Context, object, id string, except []int64) ([]int64, error) {
	all, err := t.ids(ctx, `SELECT f.user_id FROM follows f JOIN users u ON u.workspace_id = f.workspace_id AND u.id = f.user_id
		WHERE f.workspace_id = ? AND f.record_type = ? AND f.record_id = ? AND f.user_id <> ?
		AND u.status = 'active' AND u.deactivated_at IS NULL ORDER BY f.user_id`, t.ws, object, id, t.w.Actor.UserID)
	return slices.DeleteFunc(all, func(u int64) bool { return slices.Contains(except, u) }), err
}

// active reports whether user may still sign in.
func (t *telling) active(ctx context.Context, user int64) (bool, error) {
	ids, err := t.ids(ctx, `SELECT id FROM users WHERE workspace_id = ? AND id = ? AND status = 'active' AND deactivated_at IS NULL`,
		t.ws, user)
	return len(ids) == 1, err
}

func (t *telling) ids(ctx context.Context, query string, args ...any) ([]int64, error) {
	rows, err := t.w.Q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

func (t *telling) add(ctx context.Context, user int64, n notify.Notification) error {
	n.UserID = user
	_, err := notify.Add(ctx, t.w.Q, t.s.db.Dialect, t.ws, n)
	return err
}

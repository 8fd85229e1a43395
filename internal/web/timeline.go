package web

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/rapport-crm/rapport/internal/activity"
	"github.com/rapport-crm/rapport/internal/assign"
	"github.com/rapport-crm/rapport/internal/records"
)

// timelineSize is how many entries one page of a timeline shows; the
// next page comes as the user scrolls to the end of this one.
const timelineSize = 20

// timelineView is a page of a record's timeline, newest first. More is
// the address of the next page, "" at the end.
type timelineView struct {
	Items     []timelineItem
	More      string
	Continued bool // a later page, which never says the timeline is empty
}

// timelineItem is one entry as the page shows it. Text is a long text
// cleaned by the engine's rich-text policy (docs/decisions/0014), the one
// piece of user content a page takes as HTML; everything else is text.
type timelineItem struct {
	ID        string // "" for an entry that is no activity
	Kind      string // note, call, task, meeting, email, stage_change, field_change, created, assigned
	Label     string // the kind in the user's language
	Title     string
	Text      template.HTML
	Facts     []string
	When, At  string // as shown, and as a machine reads it
	Who       string
	About     string // the related record the entry belongs to, when not the page's own
	AboutHref string
	Href      string // the entry's own page (a letter's), when it has one
	Reply     string // the letter page answering a letter, when letters are written here
	Done      bool
}

// timelineObjects are the objects with a timeline, by their plural.
var timelineObjects = []string{"contacts", "companies", "deals"}

// hasTimeline reports whether the record pages of view show a timeline.
func (s *Server) hasTimeline(view *objectView) bool {
	return s.activity != nil && slices.Contains(timelineObjects, view.plural)
}

// timelinePage answers the next page of a timeline, for htmx to put at
// the end of the one shown.
func (s *Server) timelinePage(w http.ResponseWriter, r *http.Request, v *visit) {
	view := views[r.PathValue("object")]
	if view == nil || !s.hasTimeline(view) {
		s.fail(w, r, v, errNotFound)
		return
	}
	tl, err := s.timeline(r, v, view, r.PathValue("id"), r.URL.Query().Get("cursor"))
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	s.fragment(w, r, v, "record", "timeline_items", &recordPage{frame: frame{Nav: view.plural}, Plural: view.plural, Timeline: &tl})
}

// timeline reads a page of the timeline of a record, with the names of
// the people and related records its entries name, in a fixed number of
// queries whatever the page holds.
func (s *Server) timeline(r *http.Request, v *visit, view *objectView, id, cursor string) (timelineView, error) {
	page, err := s.activity.Timeline(r.Context(), view.object, id, activity.TimelineQuery{Limit: timelineSize, Cursor: cursor})
	if err != nil {
		return timelineView{}, err
	}
	users := map[string]string{}
	if len(page.Data) > 0 {
		if err := s.userNames(r, users); err != nil {
			return timelineView{}, err
		}
	}
	// The related records the entries belong to (a contact's deals), as
	// activities name them, so that one read per object names them all.
	var about []records.Record
	for _, it := range page.Data {
		if rt, rid := itemAbout(it); rt != view.object || rid != id {
			about = append(about, records.Record{"record_type": rt, "record_id": rid})
		}
	}
	n, err := s.namesOf(r, map[string]*records.Field{"record_id": {Name: "record_id"}}, []string{"record_id"}, about)
	if err != nil {
		return timelineView{}, err
	}
	fields, err := s.engine.Fields(r.Context(), view.plural)
	if err != nil {
		return timelineView{}, err
	}
	labels := map[string]string{}
	for _, f := range fields {
		labels[f.Name] = f.Label
		if !f.Custom {
			labels[f.Name] = fieldLabel(v.p, f.Name)
		}
	}
	tl := timelineView{Continued: cursor != ""}
	for _, it := range page.Data {
		item := v.timelineItem(it, users, labels)
		if item.Kind == "email" && s.letters != nil {
			item.Reply = "/letters/new?reply=" + strings.TrimPrefix(item.Href, "/mail/")
		}
		if rt, rid := itemAbout(it); rt != view.object || rid != id {
			item.About = n.records[rt][rid]
			if rv := viewOf(rt); rv != nil && item.About != "" {
				item.AboutHref = "/" + rv.plural + "/" + rid
			}
		}
		tl.Items = append(tl.Items, item)
	}
	if page.NextCursor != "" {
		tl.More = "/" + view.plural + "/" + id + "/timeline?cursor=" + url.QueryEscape(page.NextCursor)
	}
	return tl, nil
}

// itemAbout is the record an entry belongs to.
func itemAbout(it activity.Item) (object, id string) {
	if it.Record != nil && str(it.Record["record_type"]) != "" {
		return str(it.Record["record_type"]), str(it.Record["record_id"])
	}
	return it.Object, it.ID
}

// timelineItem words one entry in the visit's language.
func (v *visit) timelineItem(it activity.Item, users, labels map[string]string) timelineItem {
	rec := it.Record
	item := timelineItem{Kind: it.Kind, When: v.dateTime(it.At), At: it.At}
	if it.ActorID != nil {
		item.Who = users[*it.ActorID]
	}
	if rec != nil {
		// Activities have ids of one table; stage and field changes have
		// none of their own, and no element id.
		if id := str(rec["id"]); id != "" {
			item.ID = it.Kind + "-" + id
		}
		if body := str(rec["body"]); body != "" {
			item.Text = template.HTML(records.RichText(body))
		}
	}
	switch it.Kind {
	case "note":
		item.Label = v.p.T("web.timeline.note")
	case "call":
		item.Label = v.p.T("web.timeline.call")
		item.Facts = v.callFacts(rec)
	case "task":
		item.Label, item.Title = v.p.T("web.timeline.task"), str(rec["title"])
		item.Done, _ = rec["done"].(bool)
		if item.Done {
			item.Facts = append(item.Facts, v.p.T("web.timeline.done"))
		}
		if due := str(rec["due_at"]); due != "" {
			item.Facts = append(item.Facts, v.p.T("web.timeline.due", "when", v.dateTime(due)))
		}
		if text := str(rec["result"]); text != "" {
			item.Text = template.HTML(records.RichText(text))
		}
	case "meeting":
		item.Label, item.Title = v.p.T("web.timeline.meeting"), str(rec["title"])
		if end := str(rec["ends_at"]); end != "" {
			item.Facts = append(item.Facts, v.p.T("web.timeline.until", "when", v.dateTime(end)))
		}
		if place := str(rec["place"]); place != "" {
			item.Facts = append(item.Facts, place)
		}
	case "email":
		item.Label, item.Title = v.p.T("web.timeline.email"), str(rec["subject"])
		if item.Title == "" {
			item.Title = v.p.T("web.mailboxes.no_subject")
		}
		item.Href = "/mail/" + str(rec["id"])
		from := str(rec["from"])
		if name := str(rec["from_name"]); name != "" {
			from = name + " <" + from + ">"
		}
		item.Facts = append(item.Facts, v.p.T("web.timeline.mail_from", "who", from))
		if n, ok := records.Int(rec["attachments"]); ok && n > 0 {
			item.Facts = append(item.Facts, v.p.N("web.timeline.attachments", int(n)))
		}
		// The snippet is the letter's text, shown as text.
		item.Text = template.HTML(template.HTMLEscapeString(str(rec["snippet"])))
	case "stage_change":
		item.Label = v.p.T("web.timeline.stage_change")
		item.Title = v.p.T("web.timeline.moved", "stage", stageName(rec["stage_name"]))
	case "created":
		item.Label = v.p.T("web.timeline.created")
	case "assigned":
		item.Label = v.p.T("web.timeline.assigned")
		to := users[changeAfter(it.Changes["owner_id"])]
		if rule := changeAfter(it.Changes["assignment_rule"]); rule == assign.FallbackRule {
			item.Title = v.p.T("web.timeline.assigned_fallback", "user", to)
		} else {
			item.Title = v.p.T("web.timeline.assigned_by", "user", to, "rule", rule)
		}
	case "field_change":
		item.Label = v.p.T("web.timeline.field_change")
		var changed []string
		for name := range it.Changes {
			if l := labels[name]; l != "" {
				changed = append(changed, l)
			}
		}
		slices.Sort(changed)
		item.Title = strings.Join(changed, ", ")
	}
	return item
}

// callFacts are a call's direction, outcome and length.
func (v *visit) callFacts(rec map[string]any) []string {
	var out []string
	switch str(rec["direction"]) {
	case "inbound":
		out = append(out, v.p.T("web.composer.inbound"))
	case "outbound":
		out = append(out, v.p.T("web.composer.outbound"))
	}
	if res := str(rec["call_result"]); res != "" {
		out = append(out, v.callResult(res))
	}
	if secs, ok := records.Int(rec["duration_seconds"]); ok && secs > 0 {
		out = append(out, v.p.N("web.timeline.minutes", int((secs+59)/60)))
	}
	if typed := str(rec["phone_typed"]); typed != "" {
		out = append(out, typed)
	} else if phone := str(rec["phone"]); phone != "" {
		out = append(out, phone)
	}
	return out
}

// callResult is the label of the outcome of a call.
func (v *visit) callResult(res string) string {
	switch res {
	case "answered":
		return v.p.T("web.composer.answered")
	case "no_answer":
		return v.p.T("web.composer.no_answer")
	case "busy":
		return v.p.T("web.composer.busy")
	case "voicemail":
		return v.p.T("web.composer.voicemail")
	case "failed":
		return v.p.T("web.composer.failed")
	}
	return res
}

// stageName is the name of the stage a stage change entered, which the
// timeline gives as a pointer, nil for a stage since deleted.
func stageName(v any) string {
	if p, ok := v.(*string); ok {
		if p == nil {
			return ""
		}
		return *p
	}
	return str(v)
}

// changeAfter is the value a change of the audit trail ({"before",
// "after"}) leaves, as text.
func changeAfter(change any) string {
	m, _ := change.(map[string]any)
	return str(m["after"])
}

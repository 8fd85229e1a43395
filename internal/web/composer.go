package web

import (
	"encoding/json"
	"html/template"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
)

// composer is the form above a timeline that adds a note, logs a call, or
// schedules a task or a meeting: one tab per kind, each a form of its own
// posting to Action. After a refusal it keeps what was typed, each error
// beside its input.
type composer struct {
	Action  string
	Tab     string            // note, call, task or meeting
	Values  map[string]string // by input name
	Errors  map[string]string // by input name
	Problem string            // what no input shows
	Users   []formOption      // the colleagues a task may be given to
	// Mentions are the colleagues picked in the note, kept when the note
	// comes back with an error.
	Mentions []formOption
	// Added says the composer comes back after adding something, which
	// the page's status line tells a screen reader.
	Added bool

	emails map[string]string // of the active colleagues, by id
}

// composerTabs are the composer's tabs, in order.
var composerTabs = []string{"note", "call", "task", "meeting"}

// composerPlural is the engine's object of each tab.
var composerPlural = map[string]string{"note": "notes", "call": "calls", "task": "tasks", "meeting": "meetings"}

// inputOf is the composer's input of each field the engine may fault.
var inputOf = map[string]string{"due_at": "due", "starts_at": "starts", "ends_at": "ends", "duration_seconds": "minutes"}

// Value is what was typed into the input called name.
func (c *composer) Value(name string) string { return c.Values[name] }

// Err is the error of the input called name of tab's form.
func (c *composer) Err(tab, name string) fieldProblem {
	p := fieldProblem{ID: "c-" + tab + "-" + name + "-error"}
	if tab == c.Tab {
		p.Text = c.Errors[name]
	}
	return p
}

// On reports whether tab is the one shown.
func (c *composer) On(tab string) bool { return c.Tab == tab }

// newComposer is the empty composer of a record, on the tab asked for,
// offering the active colleagues as assignees, the user first.
func (s *Server) newComposer(r *http.Request, v *visit, action, tab string) (*composer, error) {
	if !slices.Contains(composerTabs, tab) {
		tab = "note"
	}
	c := &composer{Action: action, Tab: tab, Values: map[string]string{"owner_id": v.user.ID, "direction": "outbound"},
		Errors: map[string]string{}, emails: map[string]string{}}
	users, err := s.accounts.ListUsers(r.Context(), account.UserFilter{Status: "active"})
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		c.Users = append(c.Users, formOption{Value: u.ID, Label: firstNonEmpty(u.Name, u.Email)})
		c.emails[u.ID] = u.Email
	}
	return c, nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// compose adds what the composer posted to the record's timeline through
// the engine, as the API would, the record being what it is about. htmx
// gets an empty composer and the timeline drawn again, the new entry in
// its place at the top; a plain form comes back to the record page. A
// refusal shows the composer again with each error beside its input.
func (s *Server) compose(w http.ResponseWriter, r *http.Request, v *visit) {
	view := views[r.PathValue("object")]
	if view == nil || !s.hasTimeline(view) {
		s.fail(w, r, v, errNotFound)
		return
	}
	id := r.PathValue("id")
	here := "/" + view.plural + "/" + id
	// A record out of reach is not found, rather than a field error of
	// the composer's.
	if _, err := s.engine.Get(r.Context(), view.plural, id, false); err != nil {
		s.fail(w, r, v, err)
		return
	}
	c, err := s.newComposer(r, v, here+"/timeline", r.PostFormValue("kind"))
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	c.read(r)
	in := c.input(v)
	if len(c.Errors) == 0 {
		in["record_type"], in["record_id"] = view.object, id
		_, err = s.engine.Create(r.Context(), composerPlural[c.Tab], in)
	}
	if fault.Is(err, fault.EFORBIDDEN) {
		// The role may not add this kind of activity: said in the
		// composer, where the user tried.
		c.Problem, err = v.p.T("web.problem.forbidden.text"), nil
	}
	if err != nil && !c.refused(v, err) {
		s.fail(w, r, v, err)
		return
	}
	htmx := r.Header.Get("HX-Request") == "true"
	switch {
	case len(c.Errors) > 0 || c.Problem != "":
		if htmx {
			s.composerFragment(w, r, v, view, c, http.StatusUnprocessableEntity, nil)
			return
		}
		data, ok := s.recordData(w, r, v)
		if !ok {
			return
		}
		data.Composer = c
		s.render(w, r, v, http.StatusBadRequest, "record", data)
	case htmx:
		fresh, err := s.newComposer(r, v, c.Action, c.Tab)
		if err != nil {
			s.fail(w, r, v, err)
			return
		}
		fresh.Added = true
		tl, err := s.timeline(r, v, view, id, "")
		if err != nil {
			s.fail(w, r, v, err)
			return
		}
		s.composerFragment(w, r, v, view, fresh, http.StatusOK, &tl)
	default:
		http.Redirect(w, r, here, http.StatusSeeOther)
	}
}

// composerFragment answers the composer alone, and with tl the timeline
// to swap in out of band.
func (s *Server) composerFragment(w http.ResponseWriter, r *http.Request, v *visit, view *objectView, c *composer, status int, tl *timelineView) {
	data := &recordPage{frame: frame{Nav: view.plural}, Plural: view.plural, Composer: c, Timeline: tl}
	s.fill(r, v, data.base())
	s.write(w, r, v, status, "record", "composer_answer", data)
}

// read takes what was posted, as typed.
func (c *composer) read(r *http.Request) {
	for _, name := range []string{"body", "direction", "call_result", "minutes", "phone", "title", "due", "owner_id", "starts", "ends", "place"} {
		if _, ok := r.PostForm[name]; ok {
			c.Values[name] = r.PostFormValue(name)
		}
	}
	// A mention names an active colleague by id; the note names them by
	// the name Rapport knows, which the picker wrote.
	c.Mentions = nil
	for _, u := range c.Users {
		if slices.Contains(r.PostForm["mention"], u.Value) && len(c.Mentions) < 50 {
			c.Mentions = append(c.Mentions, u)
		}
	}
}

// input is the engine's input of the tab's fields. Times are typed in the
// user's time zone; a time that does not read is an error of its input.
func (c *composer) input(v *visit) map[string]any {
	in := map[string]any{}
	set := func(field, input string) {
		if s := strings.TrimSpace(c.Values[input]); s != "" {
			in[field] = s
		}
	}
	switch c.Tab {
	case "note":
		if strings.TrimSpace(c.Values["body"]) != "" {
			in["body"] = c.noteHTML(c.Values["body"])
		}
	case "call":
		set("direction", "direction")
		set("call_result", "call_result")
		set("phone", "phone")
		if s := strings.TrimSpace(c.Values["body"]); s != "" {
			in["body"] = paragraphs(template.HTMLEscapeString(s))
		}
		if s := strings.TrimSpace(c.Values["minutes"]); s != "" {
			n, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
			if err != nil {
				c.Errors["minutes"] = v.p.FieldError(fault.FieldError{Field: "minutes", Code: "type"})
			}
			in["duration_seconds"] = json.Number(strconv.FormatInt(int64(n*60), 10))
		}
		// A call is logged once it is over: it started its length ago.
		secs, _ := records.Int(in["duration_seconds"])
		in["started_at"] = records.FormatTime(time.Now().Add(-time.Duration(max(secs, 0)) * time.Second))
	case "task":
		set("title", "title")
		set("owner_id", "owner_id")
		in["done"] = false
		c.setTime(v, in, "due_at", "due")
	case "meeting":
		set("title", "title")
		set("place", "place")
		c.setTime(v, in, "starts_at", "starts")
		c.setTime(v, in, "ends_at", "ends")
	}
	return in
}

// setTime reads a local date and time (an input of type datetime-local)
// in the user's time zone.
func (c *composer) setTime(v *visit, in map[string]any, field, input string) {
	s := strings.TrimSpace(c.Values[input])
	if s == "" {
		return
	}
	t, err := time.ParseInLocation("2006-01-02T15:04", s, v.location())
	if err != nil {
		c.Errors[input] = v.p.FieldError(fault.FieldError{Field: input, Code: "format"})
		return
	}
	in[field] = records.FormatTime(t)
}

// refused puts the engine's field errors beside their inputs and reports
// whether err was invalid input.
func (c *composer) refused(v *visit, err error) bool {
	errs, ok := fieldErrors(v, err)
	if !ok {
		return false
	}
	for field, msg := range errs {
		name := field
		if to, ok := inputOf[field]; ok {
			name = to
		}
		if _, shown := c.Values[name]; shown || name == "body" || name == "title" || name == "direction" {
			c.Errors[name] = msg
		} else if c.Problem == "" {
			c.Problem = msg
		}
	}
	if len(errs) == 0 {
		c.Problem = v.p.T("web.form.invalid")
	}
	return true
}

// noteHTML is the long text of a note typed as plain text: its words
// escaped, its blank lines paragraphs, and each colleague picked in the
// mention picker and still named in it (@Name) a link to write to them,
// which is how a note mentions someone (see activity.mentions).
func (c *composer) noteHTML(text string) string {
	html := template.HTMLEscapeString(strings.TrimSpace(text))
	mentions := slices.Clone(c.Mentions)
	// The longest names first, so that @Ada does not take @Ada Lovelace.
	sort.SliceStable(mentions, func(i, j int) bool { return len(mentions[i].Label) > len(mentions[j].Label) })
	var links []string
	for _, m := range mentions {
		addr := c.emails[m.Value]
		tag := template.HTMLEscapeString("@" + m.Label)
		if addr == "" || !strings.Contains(html, tag) {
			continue
		}
		mark := "\x00" + strconv.Itoa(len(links)) + "\x00"
		links = append(links, `<a href="mailto:`+template.HTMLEscapeString(addr)+`">`+tag+`</a>`)
		html = strings.ReplaceAll(html, tag, mark)
	}
	for i, link := range links {
		html = strings.ReplaceAll(html, "\x00"+strconv.Itoa(i)+"\x00", link)
	}
	return paragraphs(html)
}

// paragraphs turns escaped text into paragraphs at blank lines and line
// breaks at single ones.
func paragraphs(escaped string) string {
	escaped = strings.ReplaceAll(escaped, "\r\n", "\n")
	var out []string
	for _, p := range strings.Split(escaped, "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, "<p>"+strings.ReplaceAll(p, "\n", "<br>")+"</p>")
		}
	}
	return strings.Join(out, "")
}

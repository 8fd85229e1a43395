package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
)

// myDayPage is the signed-in home page: the user's open tasks that are
// overdue and those due later today, in the user's time zone.
type myDayPage struct {
	frame
	Groups []taskGroup // overdue, then today; a group without tasks is left out
}

// taskGroup is a titled list of tasks on My day.
type taskGroup struct {
	ID    string
	Title string
	Tasks []dueTask
}

// dueTask is one open task as My day shows it. AboutHref is "" when the
// record it is about has no page in the web app.
type dueTask struct {
	ID        string
	Version   int64
	Title     string
	Due       string
	About     string
	AboutHref string
}

// maxDue bounds the tasks My day shows: a list longer than this is no
// plan for one day.
const maxDue = 100

// nameFields name the records of the objects a task may be about that
// have no page in the web app yet, so that My day can still say what a
// task is about.
var nameFields = map[string]string{"deal": "title"}

func (s *Server) myDay(w http.ResponseWriter, r *http.Request, v *visit) {
	now := time.Now()
	y, m, d := now.In(v.location()).Date()
	endOfDay := time.Date(y, m, d+1, 0, 0, 0, 0, v.location())
	page, err := s.engine.List(r.Context(), "tasks", records.Query{Filter: &records.Filter{And: []records.Filter{
		{Field: "owner_id", Op: records.Eq, Value: v.user.ID},
		{Field: "done", Op: records.Eq, Value: false},
		{Field: "due_at", Op: records.Lt, Value: records.FormatTime(endOfDay)},
	}}, Sort: []string{"due_at"}, Limit: maxDue})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	about, err := s.aboutNames(r, page.Data)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	overdue := taskGroup{ID: "overdue", Title: v.p.T("web.myday.overdue")}
	today := taskGroup{ID: "today", Title: v.p.T("web.myday.today")}
	for _, rec := range page.Data {
		t := dueTask{ID: str(rec["id"]), Version: versionOf(rec), Title: str(rec["title"]), Due: v.dateTime(str(rec["due_at"]))}
		rt, rid := str(rec["record_type"]), str(rec["record_id"])
		t.About = about[rt][rid]
		if view := viewOf(rt); view != nil && t.About != "" {
			t.AboutHref = "/" + view.plural + "/" + rid
		}
		// Stored times are fixed-width UTC, so they compare as text.
		if str(rec["due_at"]) < records.FormatTime(now) {
			overdue.Tasks = append(overdue.Tasks, t)
		} else {
			today.Tasks = append(today.Tasks, t)
		}
	}
	data := &myDayPage{frame: frame{Nav: "myday"}}
	for _, g := range []taskGroup{overdue, today} {
		if len(g.Tasks) > 0 {
			data.Groups = append(data.Groups, g)
		}
	}
	s.render(w, r, v, http.StatusOK, "myday", data)
}

// aboutNames reads the names of the records the tasks are about, one
// query per object. A record the user may not read stays unnamed.
func (s *Server) aboutNames(r *http.Request, tasks []records.Record) (map[string]map[string]string, error) {
	ids := map[string][]any{}
	seen := map[string]bool{}
	for _, rec := range tasks {
		rt, rid := str(rec["record_type"]), str(rec["record_id"])
		if rt != "" && rid != "" && !seen[rt+":"+rid] {
			seen[rt+":"+rid] = true
			ids[rt] = append(ids[rt], rid)
		}
	}
	out := map[string]map[string]string{}
	for object, list := range ids {
		obj := s.engine.Object(object)
		name := nameFields[object]
		if view := viewOf(object); view != nil {
			name = view.name
		}
		if obj == nil || name == "" {
			continue // a list of the workspace: no name field to show
		}
		page, err := s.engine.List(r.Context(), obj.Plural, records.Query{
			Filter: &records.Filter{Field: "id", Op: records.In, Value: list}, Limit: len(list)})
		if err != nil {
			return nil, err
		}
		out[object] = map[string]string{}
		for _, rec := range page.Data {
			out[object][str(rec["id"])] = str(rec[name])
		}
	}
	return out, nil
}

// completeTask marks a task done through the engine, as the API does,
// at the version the page showed. htmx swaps the task's row out; a plain
// form comes back to My day. A task changed since the page was drawn
// reloads My day, which shows it as it is now.
func (s *Server) completeTask(w http.ResponseWriter, r *http.Request, v *visit) {
	version, err := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if err != nil || version <= 0 {
		s.fail(w, r, v, errNotFound)
		return
	}
	_, err = s.engine.Update(r.Context(), "tasks", r.PathValue("id"), version, map[string]any{"done": true})
	htmx := r.Header.Get("HX-Request") == "true"
	switch {
	case err == nil && htmx:
		w.WriteHeader(http.StatusOK)
	case fault.Is(err, fault.ECONFLICT) && htmx:
		w.Header().Set("HX-Refresh", "true")
		w.WriteHeader(http.StatusOK)
	case err == nil || fault.Is(err, fault.ECONFLICT):
		http.Redirect(w, r, "/", http.StatusSeeOther)
	default:
		s.fail(w, r, v, err)
	}
}

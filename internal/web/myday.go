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
	Deals  []dealGroup // deals without a next task, idle deals; empty ones left out
	// goals: begin
	Goals []goalView // the user's own goals and their team's, of this month and quarter
	// goals: end
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
// plan for one day, and the tasks list has them all.
const maxDue = 50

func (s *Server) myDay(w http.ResponseWriter, r *http.Request, v *visit) {
	now := time.Now()
	y, m, d := now.In(v.location()).Date()
	endOfDay := time.Date(y, m, d+1, 0, 0, 0, 0, v.location())
	page, err := s.engine.List(r.Context(), "tasks", records.Query{Filter: &records.Filter{And: []records.Filter{
		{Field: "owner_id", Op: records.Eq, Value: v.user.ID},
		{Field: "done", Op: records.Eq, Value: false},
		{Field: "due_at", Op: records.Lt, Value: records.FormatTime(endOfDay)},
	}}, Sort: []string{"due_at"}, Limit: maxDue, Bare: true})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	fields, err := s.engine.Fields(r.Context(), "tasks")
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	// The names of the records the tasks are about, read as the list of
	// tasks reads them; a record the user may not read stays unnamed.
	n, err := s.namesOf(r, fieldsByName(fields), []string{"record_id"}, page.Data)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	overdue := taskGroup{ID: "overdue", Title: v.p.T("web.myday.overdue")}
	today := taskGroup{ID: "today", Title: v.p.T("web.myday.today")}
	for _, rec := range page.Data {
		t := dueTask{ID: str(rec["id"]), Version: versionOf(rec), Title: str(rec["title"]), Due: v.dateTime(str(rec["due_at"]))}
		rt, rid := str(rec["record_type"]), str(rec["record_id"])
		t.About = n.records[rt][rid]
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
	if data.Deals, err = s.dealGroups(r, v); err != nil {
		s.fail(w, r, v, err)
		return
	}
	// goals: begin
	if data.Goals, err = s.currentGoals(r, v, true); err != nil {
		s.fail(w, r, v, err)
		return
	}
	// goals: end
	s.render(w, r, v, http.StatusOK, "myday", data)
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

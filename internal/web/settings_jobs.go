package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/jobs"
)

// jobsPage is the background jobs, newest first, as GET /api/v1/jobs
// lists them; the dead ones are the dead-letter view.
type jobsPage struct {
	frame
	Status   string
	Statuses []formOption
	Jobs     []jobRow
	More     string
	Notice   string
	Problem  string
}

// jobRow is one job as the list shows it.
type jobRow struct {
	ID, Kind, Status, RunAt, LastError string
	Attempts, MaxAttempts              int
}

func (s *Server) jobsList(w http.ResponseWriter, r *http.Request, v *visit) {
	a, err := api.RequireAdmin(r.Context())
	if err != nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	q := r.URL.Query()
	data := &jobsPage{frame: frame{Nav: "settings"}, Status: q.Get("status"), Statuses: jobStatuses(v)}
	page, err := jobs.List(r.Context(), s.db, jobs.Filter{WorkspaceID: a.WorkspaceID, Status: jobs.Status(data.Status),
		Cursor: q.Get("cursor"), Limit: 50})
	if err != nil {
		if _, ok := fieldErrors(v, err); !ok {
			s.fail(w, r, v, err)
			return
		}
		data.Status, data.Problem = "", v.p.T("web.people.jobs.bad_filter")
		s.render(w, r, v, http.StatusBadRequest, "settings_jobs", data)
		return
	}
	for _, j := range page.Data {
		data.Jobs = append(data.Jobs, jobRow{ID: formatID(j.ID), Kind: j.Kind, Status: jobStatus(v, j.Status),
			RunAt: v.moment(j.RunAt), LastError: j.LastError,
			Attempts: j.Attempts, MaxAttempts: j.MaxAttempts})
	}
	if page.NextCursor != "" {
		next := url.Values{"cursor": {page.NextCursor}}
		if data.Status != "" {
			next.Set("status", data.Status)
		}
		data.More = "/settings/jobs?" + next.Encode()
	}
	s.render(w, r, v, http.StatusOK, "settings_jobs", data)
}

func jobStatuses(v *visit) []formOption {
	out := []formOption{{Value: "", Label: v.p.T("web.people.jobs.any")}}
	for _, st := range []jobs.Status{jobs.Queued, jobs.Running, jobs.Done, jobs.Dead} {
		out = append(out, formOption{Value: string(st), Label: jobStatus(v, st)})
	}
	return out
}

func jobStatus(v *visit, st jobs.Status) string {
	switch st {
	case jobs.Queued:
		return v.p.T("web.people.jobs.queued")
	case jobs.Running:
		return v.p.T("web.people.jobs.running")
	case jobs.Done:
		return v.p.T("web.people.jobs.done")
	case jobs.Dead:
		return v.p.T("web.people.jobs.dead")
	}
	return string(st)
}

func formatID(id int64) string { return strconv.FormatInt(id, 10) }

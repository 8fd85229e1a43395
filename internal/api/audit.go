package api

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/audit"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/jobs"
)

// RequireAdmin lets administrators through and refuses everyone else: the
// audit trail and the job queue show what every user did. It is the one
// place to hand over to the permissions package once roles are in; the
// web app's pages of the trail and the jobs ask it too.
func RequireAdmin(ctx context.Context) (access.Actor, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return a, err
	}
	if a.Role != "administrator" {
		return a, fault.Errorf(fault.EFORBIDDEN, "only administrators may see the audit trail and the job queue")
	}
	return a, nil
}

// listAudit answers GET /api/v1/audit: the workspace's audit trail, newest
// first, filtered by object, record_id, user_id, action, from and to.
func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) {
	if _, err := RequireAdmin(r.Context()); err != nil {
		writeError(w, r, err)
		return
	}
	v := r.URL.Query()
	f, limit, err := auditFilter(v)
	if err != nil {
		writeError(w, r, err)
		return
	}
	page, err := audit.List(r.Context(), s.DB, f, v.Get("cursor"), limit)
	answer(w, r, http.StatusOK, page, err)
}

// auditFilter reads the query parameters of listAudit, naming every one
// that is wrong.
func auditFilter(v url.Values) (audit.Filter, int, error) {
	var c fault.Collector
	f := audit.Filter{Object: v.Get("object"), RecordID: v.Get("record_id"), Action: v.Get("action")}
	if s := v.Get("user_id"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			c.Add("user_id", "type", "must be a user id")
		}
		f.UserID = id
	}
	f.From = timeParam(&c, v, "from")
	f.To = timeParam(&c, v, "to")
	limit := intParam(&c, v, "limit")
	return f, limit, c.Err()
}

// listJobs answers GET /api/v1/jobs: the jobs of the workspace and the
// system's, newest first; ?status=dead is the dead-letter view.
func (s *Server) listJobs(w http.ResponseWriter, r *http.Request) {
	a, err := RequireAdmin(r.Context())
	if err != nil {
		writeError(w, r, err)
		return
	}
	v := r.URL.Query()
	var c fault.Collector
	limit := intParam(&c, v, "limit")
	if err := c.Err(); err != nil {
		writeError(w, r, err)
		return
	}
	page, err := jobs.List(r.Context(), s.DB, jobs.Filter{WorkspaceID: a.WorkspaceID,
		Status: jobs.Status(v.Get("status")), Cursor: v.Get("cursor"), Limit: limit})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, page)
}

// timeParam reads an RFC 3339 time; absent means the zero time.
func timeParam(c *fault.Collector, v url.Values, name string) time.Time {
	s := v.Get(name)
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		c.Add(name, "type", "must be a time such as 2025-01-31T09:00:00Z")
	}
	return t
}

// intParam reads an integer; absent means 0.
func intParam(c *fault.Collector, v url.Values, name string) int {
	s := v.Get(name)
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		c.Add(name, "type", "must be an integer")
	}
	return n
}

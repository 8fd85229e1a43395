package api

import (
	"net/http"
	"slices"
	"time"

	"github.com/rapport-crm/rapport/internal/report"
)

// reportParams are the query parameters every report reads.
var reportParams = []string{"from", "to", "preset", "pipeline", "user", "team", "source"}

// dealReportParams are those of the reports over deals, which also take a
// filter on deals in the lists' JSON language.
var dealReportParams = slices.Concat(reportParams, []string{"filter"})

// reportRoutes adds the standard reports. Each is an expensive read: it
// takes one of the slots, so that many reports at once queue rather than
// hold up every reader.
func (s *Server) reportRoutes(route router) {
	if s.Sales == nil {
		return
	}
	rep := report.New(s.DB, s.Engine, s.Sales, nil)
	serve := func(fn func(r *http.Request, f report.Filter) (any, error)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			f, err := report.ParseFilter(r.URL.Query(), time.UTC, time.Now())
			if err != nil {
				writeError(w, r, err)
				return
			}
			release, ok := s.admit(w, r)
			if !ok {
				return
			}
			defer release()
			out, err := fn(r, f)
			if err != nil {
				writeError(w, r, err)
				return
			}
			writeJSON(w, r, http.StatusOK, out)
		}
	}
	route("GET /api/v1/reports/funnel", serve(func(r *http.Request, f report.Filter) (any, error) {
		return rep.Funnel(r.Context(), f)
	}), dealReportParams...)
	route("GET /api/v1/reports/cycle", serve(func(r *http.Request, f report.Filter) (any, error) {
		return rep.Cycle(r.Context(), f)
	}), dealReportParams...)
	route("GET /api/v1/reports/revenue", serve(func(r *http.Request, f report.Filter) (any, error) {
		return rep.Revenue(r.Context(), f, r.URL.Query().Get("by"))
	}), slices.Concat(dealReportParams, []string{"by"})...)
	route("GET /api/v1/reports/summary", serve(func(r *http.Request, f report.Filter) (any, error) {
		return rep.Summary(r.Context(), f)
	}), dealReportParams...)
	route("GET /api/v1/reports/employees", serve(func(r *http.Request, f report.Filter) (any, error) {
		return rep.Employees(r.Context(), f)
	}), dealReportParams...)
	route("GET /api/v1/reports/events", serve(func(r *http.Request, f report.Filter) (any, error) {
		ef, err := report.ParseEvents(r.URL.Query(), f)
		if err != nil {
			return nil, err
		}
		return rep.Events(r.Context(), ef)
	}), slices.Concat(reportParams, []string{"object", "record_id", "field", "before", "after", "cursor", "limit"})...)
}

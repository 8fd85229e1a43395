package api

import (
	"net/http"

	"github.com/rapport-crm/rapport/internal/fault"
)

// valueRoutes are the customer-value report and its refresh
// (internal/value).
func (s *Server) valueRoutes(route router) {
	if s.Value == nil {
		return
	}
	route("GET /api/v1/reports/customers", s.customerReport, "object")
	route("POST /api/v1/reports/customers/refresh", s.refreshCustomerValue)
}

// customerReport answers the report of contacts (the default) or, with
// ?object=company, of companies.
func (s *Server) customerReport(w http.ResponseWriter, r *http.Request) {
	object := r.URL.Query().Get("object")
	switch object {
	case "", "contact", "contacts":
		object = "contact"
	case "company", "companies":
		object = "company"
	default:
		writeError(w, r, fault.Field("object", "invalid", "object must be contact or company"))
		return
	}
	rep, err := s.Value.Report(r.Context(), object)
	answer(w, r, http.StatusOK, rep, err)
}

func (s *Server) refreshCustomerValue(w http.ResponseWriter, r *http.Request) {
	if err := s.Value.RequestRefresh(r.Context()); err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusAccepted, map[string]string{"status": "queued"})
}

// addValuePaths describes the customer-value endpoints.
func addValuePaths(paths obj) {
	op := func(opID, desc, status string, params []obj) obj {
		o := obj{"tags": []string{"reports"}, "operationId": opID, "description": desc,
			"responses": obj{status: response("the result", "Result"), "4XX": problem}}
		if len(params) > 0 {
			o["parameters"] = params
		}
		return o
	}
	paths["/reports/customers"] = obj{"get": op("customer_value_report",
		"RFM segments (counts and predicted value), the customers predicted to be worth most over the next 12 months, "+
			"and the fitted BG/NBD and Gamma-Gamma parameters; over only the customers the caller may read. "+
			"object is contact (the default) or company. fit.status too_little means there is not enough history for a prediction.",
		"200", []obj{{"name": "object", "in": "query", "schema": obj{"enum": []string{"contact", "company"}}}})}
	paths["/reports/customers/refresh"] = obj{"post": op("refresh_customer_value",
		"Recompute the workspace's customer value now, in the background (it is recomputed nightly).", "202", nil)}
}

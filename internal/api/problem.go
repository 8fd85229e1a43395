package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/rapport-crm/rapport/internal/fault"
)

// Problem is an RFC 9457 problem details body, with the per-field errors of
// invalid input in "errors".
type Problem struct {
	Type      string             `json:"type"`
	Title     string             `json:"title"`
	Status    int                `json:"status"`
	Detail    string             `json:"detail,omitempty"`
	Instance  string             `json:"instance,omitempty"`
	RequestID string             `json:"request_id,omitempty"`
	Errors    []fault.FieldError `json:"errors,omitempty"`
}

// statuses maps domain error codes to HTTP statuses: the one place where
// the two meet.
var statuses = map[string]int{
	fault.EINVALID:      http.StatusBadRequest,
	fault.ENOTFOUND:     http.StatusNotFound,
	fault.ECONFLICT:     http.StatusConflict,
	fault.EFORBIDDEN:    http.StatusForbidden,
	fault.EUNAUTHORIZED: http.StatusUnauthorized,
	fault.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	codePrecondition:    http.StatusPreconditionRequired,
	codeRateLimited:     http.StatusTooManyRequests,
	codeBusy:            http.StatusServiceUnavailable,
	codeClientClosed:    StatusClientClosed,
	codeBodyTimeout:     http.StatusRequestTimeout,
	codeOverBudget:      http.StatusServiceUnavailable,
	codeUnprocessable:   http.StatusUnprocessableEntity,
}

// codePrecondition is used by the API alone: an update that does not say
// which version it is based on.
const codePrecondition = "precondition_required"

// writeError answers with the problem that err stands for. A request that
// ran out of its time budget answers 503 with Retry-After, whatever its
// queries failed with. Other errors that are not domain errors are logged
// and reported as a bare 500, so internals never leak into a response.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	var fe *fault.Error
	var tooLarge *http.MaxBytesError
	retry, late := spent(r)
	if errors.As(err, &tooLarge) {
		fe = fault.Errorf(fault.ETOOLARGE, "the request body is larger than %d bytes", tooLarge.Limit)
	} else if cf, ok := clientFault(r, err); ok {
		fe = cf
		if fe.Code == codeClientClosed {
			logger(r.Context()).Info("the client closed the request", "err", err)
		} else {
			logger(r.Context()).Warn("the request body stopped arriving", "err", err)
			w.Header().Set("Connection", "close") // the rest of the body cannot be read
		}
	} else if late && !errors.As(err, &fe) {
		logger(r.Context()).Warn("request ran out of its time budget", "err", err)
		secs := retryAfter(w, retry)
		fe = fault.Errorf(codeOverBudget, "the request ran out of time, because the server is busy or the query reads too much; "+
			"try again in %d seconds, and if it happens again, narrow the filter with conditions that an index serves", secs)
	} else if !errors.As(err, &fe) {
		logger(r.Context()).Error("request failed", "err", err)
		fe = fault.Errorf(fault.EINTERNAL, "something went wrong on our side; the request id helps us find it")
	}
	status, ok := statuses[fe.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	p := Problem{
		Type:      "/problems/" + fe.Code,
		Title:     statusText(status),
		Status:    status,
		Detail:    fe.Message,
		Instance:  r.URL.Path,
		RequestID: requestID(r.Context()),
		Errors:    fe.Fields,
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="rapport"`)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(p); err != nil {
		logger(r.Context()).Debug("write problem", "err", err)
	}
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		logger(r.Context()).Debug("write response", "err", err)
	}
}

// logger returns the request's logger, which carries its request id and,
// once authenticated, its user id.
func logger(ctx context.Context) *slog.Logger {
	if i := info(ctx); i != nil {
		return i.log
	}
	return slog.Default()
}

// answer writes v with status (no body for 204), or the error as a
// problem.
func answer(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	if err != nil {
		writeError(w, r, err)
		return
	}
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return
	}
	writeJSON(w, r, status, v)
}

// answerBody decodes the request's JSON body as an In, hands it to call
// and answers with what call returns, as answer does; a body that does
// not decode answers as a problem.
func answerBody[In any](w http.ResponseWriter, r *http.Request, status int, call func(In) (any, error)) {
	var in In
	if err := decodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	out, err := call(in)
	answer(w, r, status, out, err)
}

// answerOptionalBody is answerBody for a body that may be left out: call
// then gets In's zero value.
func answerOptionalBody[In any](w http.ResponseWriter, r *http.Request, status int, call func(In) (any, error)) {
	var in In
	if err := decodeOptional(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	out, err := call(in)
	answer(w, r, status, out, err)
}

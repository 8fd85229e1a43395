package api

import (
	"context"
	"errors"
	"net"
	"net/http"

	"github.com/rapport-crm/rapport/internal/fault"
)

// StatusClientClosed is the status that the access log and the metrics
// give a request whose client went away before the answer (nginx's 499,
// "client closed request"). It is never seen by the client, who is gone.
const StatusClientClosed = 499

// Codes of the client's own failures; the API alone uses them.
const (
	codeClientClosed = "client_closed"
	codeBodyTimeout  = "body_timeout"
)

// bodyError is a failure to read the request body, which the client
// causes: it hung up, or stopped sending.
type bodyError struct{ err error }

func (e *bodyError) Error() string { return "read the request body: " + e.err.Error() }
func (e *bodyError) Unwrap() error { return e.err }

// clientFault turns err into the problem it is when the client, not the
// server, caused it, and reports whether it did, with the level to log it
// at: a client that hung up (mid-body, or while its request ran, which
// cancelled the request's queries) is 499, news of no interest; a body
// that stopped arriving until the read deadline is 408, a warning, since
// many of them would be a slow-sending attack.
func clientFault(r *http.Request, err error) (*fault.Error, bool) {
	var be *bodyError
	var ne net.Error
	switch {
	case errors.As(err, &be) && errors.As(be.err, &ne) && ne.Timeout():
		return fault.Errorf(codeBodyTimeout, "the request body did not arrive in time"), true
	case errors.As(err, &be):
		// The connection ended before the body did.
		return fault.Errorf(codeClientClosed, "the client closed the request"), true
	case r.Context().Err() != nil && errors.Is(err, context.Canceled):
		return fault.Errorf(codeClientClosed, "the client closed the request"), true
	}
	return nil, false
}

// statusText is http.StatusText, which does not know 499.
func statusText(status int) string {
	if status == StatusClientClosed {
		return "Client Closed Request"
	}
	return http.StatusText(status)
}

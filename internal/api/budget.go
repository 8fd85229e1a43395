package api

import (
	"context"
	"errors"
	"math"
	"net/http"
	"runtime"
	"strconv"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/limit"
)

// QueryLimits keep any one query from stalling the server
// (docs/decisions/0015-query-budgets.md). Zero fields take their defaults.
type QueryLimits struct {
	// Timeout is the time budget of each request's database work. The
	// database stops a query that runs past it, and the request answers
	// 503 with Retry-After. Default 10 s.
	Timeout time.Duration
	// Expensive is how many expensive reads (lists and queries that the
	// cost model says read every record, and search) run at once in the
	// process. Default half the cores, at least 1, so that the other half
	// serves everything else; never so many that fewer than two reader
	// connections stay free for other requests.
	Expensive int
	// PerUser is how many of those one user may run at once. Default
	// half of Expensive, at least 1.
	PerUser int
	// Wait is how long an expensive read waits for its turn before it is
	// refused with 429 and Retry-After. Default 2 s.
	Wait time.Duration
}

// DefaultQueryTimeout is the time budget of a request when none is set.
const DefaultQueryTimeout = 10 * time.Second

// withDefaults fills the zero fields, for a database whose reader pool
// holds readers connections.
func (l QueryLimits) withDefaults(readers int) QueryLimits {
	l.Timeout = orDefault(l.Timeout, DefaultQueryTimeout)
	l.Wait = orDefault(l.Wait, 2*time.Second)
	l.Expensive = orDefault(l.Expensive, max(1, runtime.NumCPU()/2))
	l.Expensive = max(1, min(l.Expensive, readers-2))
	l.PerUser = min(orDefault(l.PerUser, max(1, l.Expensive/2)), l.Expensive)
	return l
}

// overBudget is the cause of a request context whose time budget ran out;
// it carries how long the caller should wait before trying again.
type overBudget struct{ retry time.Duration }

func (overBudget) Error() string { return "the request ran out of its time budget" }

// codeOverBudget is used by the API alone: a request whose queries ran
// out of time.
const codeOverBudget = "over_budget"

// budget gives the request's context the time budget, so that every query
// made with it stops when the budget runs out.
func (s *Server) budget(next http.Handler) http.Handler {
	cause := overBudget{retry: s.limits.Timeout / 2}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeoutCause(r.Context(), s.limits.Timeout, cause)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// spent reports whether the request ran out of its time budget, and when
// to try again.
func spent(r *http.Request) (time.Duration, bool) {
	var ob overBudget
	if errors.As(context.Cause(r.Context()), &ob) {
		return ob.retry, true
	}
	return 0, false
}

// retryAfter sets the Retry-After header in whole seconds, at least one,
// and returns them.
func retryAfter(w http.ResponseWriter, d time.Duration) int {
	secs := max(int(math.Ceil(d.Seconds())), 1)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	return secs
}

// admit takes one of the slots of expensive reads for the caller, waiting
// up to the limits' Wait for one, and returns the function that gives it
// back. It answers 429 and returns false when no slot came free. Cheap
// requests never come here, so they never queue behind expensive ones.
func (s *Server) admit(w http.ResponseWriter, r *http.Request) (func(), bool) {
	a, _ := access.ActorFrom(r.Context())
	key := strconv.FormatInt(a.WorkspaceID, 10) + "/" + strconv.FormatInt(a.UserID, 10)
	ctx, cancel := context.WithTimeout(r.Context(), s.limits.Wait)
	defer cancel()
	release, err := s.slots.Acquire(ctx, key)
	switch {
	case err == nil:
		return release, true
	case r.Context().Err() != nil: // the request itself ended
		writeError(w, r, err)
	case errors.Is(err, limit.ErrKeyFull):
		tooMany(w, r, s.limits.Wait, "you already run as many expensive queries (filters and sorts that no index serves, "+
			"counts, search) as one user may at once; a query that an index serves does not wait")
	default:
		tooMany(w, r, s.limits.Wait, "the server already runs as many expensive queries (filters and sorts that no index serves, "+
			"counts, search) as it may at once; a query that an index serves does not wait")
	}
	return nil, false
}

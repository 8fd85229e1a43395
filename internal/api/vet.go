package api

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/input"
)

// Route is one endpoint of the API and the query parameters it reads.
type Route struct {
	Pattern string // as http.ServeMux takes it: "GET /api/v1/users/{id}"
	// Params are the query parameters the endpoint reads; any other is
	// refused. A name ending in "*" may be given more than once, and
	// Filters admits field filters.
	Params []string
	Public bool // served without credentials
	// Token routes check credentials of their own (a phone integration's
	// token) rather than a user's.
	Token bool
}

// Filters, among a route's parameters, stands for field=value and
// field[op]=value filters: names that the records engine checks against
// the object's fields.
const Filters = "field[op]*"

// router adds an endpoint: its pattern, its handler and the query
// parameters it reads.
type router func(pattern string, h http.HandlerFunc, params ...string)

// Routes lists the endpoints that Handler serves, in the order they were
// added.
func (s *Server) Routes() []Route { return slices.Clone(s.routes) }

// vet refuses, before the handler runs, input that no endpoint may take,
// so that no handler can forget to: a path value, query parameter or JSON
// string that is not valid UTF-8 or holds NUL, control or bidirectional
// override characters (see package input); a malformed query string,
// which url.Values would silently shorten; and a query parameter the
// endpoint does not read, which would otherwise be silently ignored.
func vet(rt Route, next http.HandlerFunc) http.HandlerFunc {
	wildcards := wildcardsOf(rt.Pattern)
	return func(w http.ResponseWriter, r *http.Request) {
		if err := vetRequest(r, rt, wildcards); err != nil {
			writeError(w, r, err)
			return
		}
		next(w, r)
	}
}

var wildcard = regexp.MustCompile(`\{(\w+)(?:\.\.\.)?\}`)

func wildcardsOf(pattern string) []string {
	var names []string
	for _, m := range wildcard.FindAllStringSubmatch(pattern, -1) {
		names = append(names, m[1])
	}
	return names
}

func vetRequest(r *http.Request, rt Route, wildcards []string) error {
	for _, name := range wildcards {
		if fe := input.Line(name, r.PathValue(name)); fe != nil {
			fe.Message = "(in the path) " + fe.Message
			return fault.Invalid(*fe)
		}
	}
	v, fe := input.Query(r.URL.RawQuery)
	if fe != nil {
		return fault.Invalid(*fe)
	}
	if err := knownParams(v, rt.Params); err != nil {
		return err
	}
	if _, raw := rawBodies[rt.Pattern]; raw {
		return nil
	}
	return vetBody(r)
}

// knownParams refuses parameters the endpoint does not read, and repeats
// of one it reads once.
func knownParams(v url.Values, params []string) error {
	known, many := map[string]bool{}, map[string]bool{}
	for _, p := range params {
		name, repeats := strings.CutSuffix(p, "*")
		known[name], many[name] = true, repeats
	}
	filters := slices.Contains(params, Filters)
	var c fault.Collector
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		switch {
		case known[k] && len(v[k]) > 1 && !many[k]:
			c.Add(k, "repeated", "may be given only once")
		case !known[k] && !filters:
			c.Add(k, "unknown", "is not a parameter of this endpoint, which takes %s", paramList(params))
		}
	}
	return c.Err()
}

func paramList(params []string) string {
	if len(params) == 0 {
		return "none"
	}
	names := make([]string, len(params))
	for i, p := range params {
		names[i] = strings.TrimSuffix(p, "*")
	}
	return strings.Join(names, ", ")
}

// vetBody checks every string of a JSON body, and puts the body back for
// the handler to decode. Whatever else is wrong with a body (its content
// type, its syntax, its fields) the handler says.
func vetBody(r *http.Request) error {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	body, err := io.ReadAll(r.Body)
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return err
	}
	if err != nil {
		return &bodyError{err} // the client hung up or stalled: not our fault
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if fe := input.JSON(body); fe != nil {
		return fault.Invalid(*fe)
	}
	return nil
}

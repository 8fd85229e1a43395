// Package api serves Rapport's REST API under /api/v1, plus the health,
// readiness and metrics endpoints. Handlers read top to bottom: decode,
// call the engine, encode; every error goes through writeError.
package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/activity"
	"github.com/rapport-crm/rapport/internal/duplicate"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/importer"
	"github.com/rapport-crm/rapport/internal/inbox"
	"github.com/rapport-crm/rapport/internal/letter"
	"github.com/rapport-crm/rapport/internal/limit"
	"github.com/rapport-crm/rapport/internal/mailbox"
	"github.com/rapport-crm/rapport/internal/phone"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/scores"
	"github.com/rapport-crm/rapport/internal/search"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/value"
)

// MaxBody is the largest request body the API reads.
const MaxBody = 1 << 20

// Server holds what the handlers need.
type Server struct {
	Engine   *records.Engine
	Roles    *access.RolePolicy // nil means the engine's policy, when it is one
	Accounts *account.Service
	// The domain services; a nil one leaves its endpoints out.
	Sales      *sales.Service
	Activity   *activity.Service
	Search     *search.Service
	Duplicates *duplicate.Service
	Value      *value.Service   // value: customer value
	Inbox      *inbox.Service   // inbox: incoming requests and web forms
	Letters    *letter.Service  // mail templates and signatures
	Mailboxes  *mailbox.Service // connected mailboxes and their outgoing servers
	Phone      *phone.Service   // phone: integrations, call events, the calls report
	DB         *store.DB
	Log        *slog.Logger
	Registry   *prometheus.Registry // nil means a fresh one
	Version    string
	// Limits bound sign-in attempts and requests without credentials; the
	// zero value means DefaultLimits.
	Limits Limits
	// SignIn, when set, holds the counters of Limits shared with the web
	// app; nil gives the API counters of its own.
	SignIn *SignInLimits
	// ClientIPHeader names the header in which a trusted reverse proxy
	// passes the client's address (X-Forwarded-For or X-Real-IP). Empty
	// means the connection's peer is the client, as without a proxy.
	ClientIPHeader string
	// Queries bound the time and the concurrency of database work; the
	// zero value means the defaults of QueryLimits.
	Queries QueryLimits

	// scores: begin
	// Scores serves the lead score of records and the scoring settings.
	Scores *scores.Service
	// scores: end
	// Imports runs the imports; the web app shares it, so that either
	// shows and cancels the other's imports in the background. Nil makes
	// one.
	Imports *importer.Importer

	metrics *metrics
	imports *importer.Importer
	guards  *guards
	routes  []Route
	limits  QueryLimits  // Queries with the defaults filled in
	slots   *limit.Slots // of expensive reads
}

// unbudgeted are the routes whose requests may outlive the time budget:
// the notification stream stays open, and its queries are short; an
// export reads its list a page at a time, each page a short query.
var unbudgeted = map[string]bool{"GET /api/v1/notifications/stream": true, "GET /api/v1/exports/{object}": true,
	"POST /api/v1/imports": true} // an import is one long transaction, its file read as it goes

// Handler returns the HTTP handler of the whole API.
func (s *Server) Handler() http.Handler {
	if s.Log == nil {
		s.Log = slog.Default()
	}
	if s.Registry == nil {
		s.Registry = prometheus.NewRegistry()
	}
	s.metrics = newMetrics(s.Registry, s.DB)
	if s.Imports == nil {
		s.Imports = importer.New(s.DB, s.Engine, s.Log)
	}
	s.imports = s.Imports
	s.initRoles()
	s.guards = newGuards(s.Limits, s.SignIn)
	s.limits = s.Queries.withDefaults(s.DB.Readers())
	s.slots = limit.NewSlots(s.limits.Expensive, s.limits.PerUser)

	mux := http.NewServeMux()
	s.routes = nil
	// Every API route has its body size limited, its input vetted and,
	// but for streams, its time budgeted; all but sign-in and password
	// resets are authenticated, and a token that may only read is refused
	// by every route that changes something.
	add := func(rt Route, h http.HandlerFunc) {
		s.routes = append(s.routes, rt)
		limit := int64(MaxBody)
		if n, ok := rawBodies[rt.Pattern]; ok {
			limit = n
		}
		checked := http.MaxBytesHandler(vet(rt, refuseReadOnly(h)), limit)
		var handler http.Handler
		switch {
		case rt.Public && selfLimited[rt.Pattern]:
			// It limits the guesses at its own token itself.
			handler = checked
		case rt.Public:
			handler = s.public(checked.ServeHTTP)
		case rt.Token:
			handler = checked
		default:
			handler = s.authenticate(checked)
		}
		if !unbudgeted[rt.Pattern] {
			handler = s.budget(handler)
		}
		mux.Handle(rt.Pattern, handler)
	}
	route := func(pattern string, h http.HandlerFunc, params ...string) {
		add(Route{Pattern: pattern, Params: params}, h)
	}
	public := func(pattern string, h http.HandlerFunc, params ...string) {
		add(Route{Pattern: pattern, Params: params, Public: true}, h)
	}
	token := func(pattern string, h http.HandlerFunc, params ...string) {
		add(Route{Pattern: pattern, Params: params, Token: true}, h)
	}
	route("GET /api/v1/openapi.json", s.openAPI)
	route("GET /api/v1/fields/{object}", s.listFields)
	route("GET /api/v1/audit", s.listAudit, "object", "record_id", "user_id", "action", "from", "to", "limit", "cursor")
	route("GET /api/v1/jobs", s.listJobs, "status", "limit", "cursor")
	route("GET /api/v1/roles", s.listRoles)
	route("POST /api/v1/roles", s.createRole)
	route("GET /api/v1/roles/{name}", s.getRole)
	route("PATCH /api/v1/roles/{name}", s.updateRole)
	route("DELETE /api/v1/roles/{name}", s.deleteRole)
	route("GET /api/v1/lists", s.listLists)
	route("POST /api/v1/lists", s.defineList)
	s.accountRoutes(public, route)
	s.salesRoutes(route)
	s.activityRoutes(route)
	s.searchRoutes(route)
	s.duplicateRoutes(route)
	s.cardRoutes(route) // vCard and iCalendar
	// scores: begin
	s.scoreRoutes(route)
	// scores: end
	s.valueRoutes(route) // value
	// reports: begin
	s.reportRoutes(route)
	// reports: end
	// goals: begin
	s.goalRoutes(route)
	// goals: end
	s.customReportRoutes(route) // builder
	s.exportRoutes(route)
	s.importRoutes(route)
	s.mappingRoutes(route)
	s.webhookRoutes(route)
	s.inboxRoutes(route) // inbox
	s.chatRoutes(route, public)
	s.letterRoutes(route)
	s.mailboxRoutes(route)
	s.assignmentRoutes(route)
	s.phoneRoutes(route, token) // phone
	route("GET /api/v1/{object}", s.list, append(records.ListParams(), Filters)...)
	route("POST /api/v1/{object}", s.create)
	// POST /fields/{object} and POST /{object}/query overlap (both match
	// /fields/query), which ServeMux refuses; one pattern dispatches both.
	route("POST /api/v1/{first}/{second}", s.postPair)
	route("GET /api/v1/{object}/{id}", s.get, "deleted")
	route("PATCH /api/v1/{object}/{id}", s.update)
	route("DELETE /api/v1/{object}/{id}", s.delete, "permanent")
	route("POST /api/v1/{object}/{id}/restore", s.restore)
	mux.Handle("/api/v1/", s.authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, fault.Errorf(fault.ENOTFOUND, "no API endpoint %s %s", r.Method, r.URL.Path))
	})))
	// Probes are neither rate-limited nor budgeted: a burst of client
	// traffic must not make a healthy server look dead. Neither can be
	// made to do much: health touches nothing, readiness pings on a
	// connection of its own with a short timeout.
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, r, http.StatusOK, map[string]string{"status": "ok", "version": s.Version})
	})
	mux.HandleFunc("GET /readyz", s.ready)
	mux.Handle("GET /metrics", s.public(s.metrics.handler(s.Registry).ServeHTTP))
	return s.observe(mux)
}

// refuseReadOnly refuses a request that would change something when its
// credentials may only read. The engine refuses such writes too, but not
// every endpoint goes through the engine (notifications, the caller's own
// settings, tokens), and this check holds for endpoints yet to come.
func refuseReadOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if a, err := access.ActorFrom(r.Context()); err == nil && a.ReadOnly && !onlyReads(r) {
			writeError(w, r, fault.Errorf(fault.EFORBIDDEN, "this token may only read"))
			return
		}
		h(w, r)
	}
}

// onlyReads reports whether r changes nothing: a GET, a query of records,
// a duplicate check of a draft, or a request that no endpoint serves.
func onlyReads(r *http.Request) bool {
	_, path, any := strings.Cut(r.Pattern, " ")
	switch {
	case r.Method == http.MethodGet || r.Method == http.MethodHead || !any: // a pattern for any method answers 404
		return true
	case r.Method == http.MethodPost && strings.HasSuffix(path, "/duplicates/check"):
		return true
	case r.Method == http.MethodPost && path == "/api/v1/reports/custom": // builder: a report only reads
		return true
	case r.Method == http.MethodPost && r.PathValue("second") == "query" && r.PathValue("first") != "fields":
		return true
	}
	return false
}

// reqInfo is shared by every layer of one request, so that the access log
// line written by the outermost layer carries the user id that the
// authentication layer found.
func (s *Server) postPair(w http.ResponseWriter, r *http.Request) {
	first, second := r.PathValue("first"), r.PathValue("second")
	switch {
	case first == "fields":
		r.SetPathValue("object", second)
		s.addField(w, r)
	case second == "query":
		r.SetPathValue("object", first)
		s.query(w, r)
	default:
		writeError(w, r, fault.Errorf(fault.ENOTFOUND, "no API endpoint POST %s", r.URL.Path))
	}
}

type reqInfo struct {
	id  string
	log *slog.Logger
}

type infoKey struct{}

func info(ctx context.Context) *reqInfo {
	i, _ := ctx.Value(infoKey{}).(*reqInfo)
	return i
}

func requestID(ctx context.Context) string {
	if i := info(ctx); i != nil {
		return i.id
	}
	return ""
}

// observe gives every request an id (taken from X-Request-Id when the
// caller sends a sane one), a logger carrying it, panic recovery, an access
// log line and metrics.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 || strings.ContainsFunc(id, func(c rune) bool { return c < '!' || c > '~' }) {
			b := make([]byte, 8)
			rand.Read(b)
			id = hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-Id", id)
		r = r.WithContext(context.WithValue(r.Context(), infoKey{}, &reqInfo{id: id, log: s.Log.With("request_id", id)}))
		rec := NewRecorder(w)
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				logger(r.Context()).Error("panic", "panic", p, "stack", string(debug.Stack()))
				if !rec.Wrote {
					writeError(rec, r, fault.Errorf(fault.EINTERNAL, "internal error"))
				}
			}
			elapsed := time.Since(start)
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			s.metrics.observe(r.Method, route, rec.Status, elapsed)
			logger(r.Context()).Info("request", "method", r.Method, "path", loggedPath(r.URL.Path), "status", rec.Status,
				"duration_ms", float64(elapsed.Microseconds())/1000, "bytes", rec.Bytes)
		}()
		next.ServeHTTP(rec, r)
	})
}

// loggedPath is a request's path as the access log keeps it: a segment
// shaped like a credential Rapport issues is replaced, so that a secret a
// client put in a URL by mistake is not kept. No endpoint takes one in its
// path; the query string is never logged.
func loggedPath(path string) string {
	if !strings.Contains(path, "rp") {
		return path
	}
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if account.IsSecret(p) {
			parts[i] = "[secret]"
		}
	}
	return strings.Join(parts, "/")
}

// Recorder remembers the status and size of a response, for the access
// log of the API and of the web app.
type Recorder struct {
	http.ResponseWriter
	Status int
	Bytes  int
	Wrote  bool // the header or a byte went out
}

// NewRecorder records what goes through w; a handler that writes no
// header answers 200.
func NewRecorder(w http.ResponseWriter) *Recorder {
	return &Recorder{ResponseWriter: w, Status: http.StatusOK}
}

func (r *Recorder) WriteHeader(code int) {
	if !r.Wrote {
		r.Status, r.Wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *Recorder) Write(b []byte) (int, error) {
	r.Wrote = true
	n, err := r.ResponseWriter.Write(b)
	r.Bytes += n
	return n, err
}

func (r *Recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), time.Second)
	defer cancel()
	if err := s.DB.Ping(ctx); err != nil {
		logger(ctx).Warn("not ready", "err", err)
		writeJSON(w, r, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]string{"status": "ready"})
}

package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/store"
)

// contentPolicy lets pages load scripts, styles and images from Rapport
// alone: no inline script, no inline style, no plug-ins, no framing, and
// forms that post only back to Rapport.
const contentPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; manifest-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// secure sets the security headers of every answer and bounds the body
// of every request as the API does. Pages are never cached: they show
// what the signed-in user may see.
func secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := int64(api.MaxBody)
		if r.Method == http.MethodPost && r.URL.Path == uploadPath {
			// A spreadsheet to import is as large as the API takes, and
			// may take longer to arrive than a form.
			limit = api.MaxImport
			http.NewResponseController(w).SetReadDeadline(time.Now().Add(time.Hour))
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		h := w.Header()
		h.Set("Content-Security-Policy", contentPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// observe gives every request an id and a logger that carries it (and,
// once the session is read, the user's id), recovers from a panic, and
// writes an access log line.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		b := make([]byte, 8)
		rand.Read(b)
		info := &reqInfo{id: hex.EncodeToString(b), start: start}
		info.log = s.log.With("request_id", info.id)
		w.Header().Set("X-Request-Id", info.id)
		ctx, queries := store.CountQueries(r.Context())
		info.queries = queries
		r = r.WithContext(context.WithValue(ctx, infoKey{}, info))
		rec := api.NewRecorder(w)
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				info.log.Error("panic", "panic", p, "stack", string(debug.Stack()))
				if !rec.Wrote {
					s.broken(rec, r)
				}
			}
			info.log.Info("request", "method", r.Method, "path", r.URL.Path, "status", rec.Status,
				"duration_ms", float64(time.Since(start).Microseconds())/1000, "queries", queries.N())
		}()
		next.ServeHTTP(rec, r)
	})
}

// reqInfo is what every layer of one request shares: its id and its
// logger, to which the session layer adds the user's id.
type reqInfo struct {
	id      string
	log     *slog.Logger
	start   time.Time
	queries *store.QueryCount
}

// serverTiming says, in a Server-Timing header, how long the server took
// to make a page and how many queries it made: the browser's developer
// tools show it, the page benchmark reads the time, and the tests check
// that a page's queries do not grow with the rows it shows.
func serverTiming(w http.ResponseWriter, r *http.Request) {
	info, ok := r.Context().Value(infoKey{}).(*reqInfo)
	if !ok {
		return
	}
	ms := float64(time.Since(info.start).Microseconds()) / 1000
	w.Header().Set("Server-Timing", fmt.Sprintf(`app;dur=%.2f, db;desc="%d queries"`, ms, info.queries.N()))
}

type infoKey struct{}

// logger is the request's logger, or the server's outside a request.
func (s *Server) logger(r *http.Request) *slog.Logger {
	if info, ok := r.Context().Value(infoKey{}).(*reqInfo); ok {
		return info.log
	}
	return s.log
}

// Package dav serves each user's contacts as a CardDAV address book (RFC
// 6352) at /dav/, with discovery at /.well-known/carddav, incremental sync
// (RFC 6578 sync-collection) and ETags that are the records' versions.
// Every read and write goes through the records engine as the signed-in
// user, so the address book holds what the user's role may read, without
// the fields it hides, and an edit from a phone is an engine update that
// names the version the phone read (docs/decisions/0048-dav.md).
//
// The protocol is emersion's go-webdav; this package holds the backend
// that maps its calls to the engine, the sign-in with HTTP Basic, and the
// two pieces go-webdav v0.6.0 leaves out: the sync-collection report and
// the collection's sync-token and getctag properties.
//
// Paths:
//
//	/dav/{user}/                               the user's principal
//	/dav/{user}/addressbooks/                  the address book home
//	/dav/{user}/addressbooks/contacts/         the address book
//	/dav/{user}/addressbooks/contacts/{name}   a contact: {id}.vcf, or the name the program chose
package dav

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	webdav "github.com/emersion/go-webdav"
	"github.com/emersion/go-webdav/caldav"
	"github.com/emersion/go-webdav/carddav"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/limit"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// Prefix is where the DAV tree is mounted.
const Prefix = "/dav"

// defaultWorkspace is the workspace a password is checked in: an API
// token names its own, a password cannot (HTTP Basic has no room for it).
const defaultWorkspace = 1

// Server serves CardDAV.
type Server struct {
	DB       *store.DB
	Engine   *records.Engine
	Accounts *account.Service
	Log      *slog.Logger
	// SignIn holds the counters against guessing that the API and the web
	// app share; nil makes counters of its own.
	SignIn *api.SignInLimits
	// ClientIPHeader names the header a reverse proxy puts the client's
	// address in, as for the API.
	ClientIPHeader string
	// Listings bounds how many whole listings of a collection (a first
	// sync, a PROPFIND of depth 1) run at once, which read every record
	// of a possibly large address book; nil means 4 in all, 1 per user.
	Listings *limit.Slots
}

// Handler serves /dav/ and /.well-known/carddav.
func (s *Server) Handler() http.Handler {
	if s.SignIn == nil {
		s.SignIn = api.NewSignInLimits(api.Limits{})
	}
	if s.Log == nil {
		s.Log = slog.Default()
	}
	if s.Listings == nil {
		s.Listings = limit.NewSlots(4, 1)
	}
	card := &carddav.Handler{Backend: &books{s: s}, Prefix: Prefix}
	cal := &caldav.Handler{Backend: &calendars{s: s}, Prefix: Prefix}
	mux := http.NewServeMux()
	// Discovery (RFC 6764): the program asks here, is sent to the root,
	// and finds its principal by PROPFIND there once signed in.
	toRoot := func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, Prefix+"/", http.StatusMovedPermanently)
	}
	mux.HandleFunc("/.well-known/carddav", toRoot)
	mux.HandleFunc("/.well-known/caldav", toRoot)
	mux.Handle(Prefix+"/", s.authenticate(s.readBody(s.front(card, cal))))
	return s.observe(mux)
}

// request is what the access log keeps of a request.
type request struct {
	log *slog.Logger
}

type requestKey struct{}

// log is the logger of the request in ctx, which carries its id and,
// once signed in, the user's.
func (s *Server) log(ctx context.Context) *slog.Logger {
	if q, ok := ctx.Value(requestKey{}).(*request); ok {
		return q.log
	}
	return s.Log
}

// observe gives every request an id (X-Request-Id, as the API does) and
// writes an access log line: method, path, status, time, bytes and user.
// The path holds no secret: credentials travel in the header.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		b := make([]byte, 8)
		rand.Read(b)
		id := hex.EncodeToString(b)
		w.Header().Set("X-Request-Id", id)
		q := &request{log: s.Log.With("request_id", id)}
		rec := api.NewRecorder(w)
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), requestKey{}, q)))
		q.log.Info("dav request", "method", r.Method, "path", r.URL.Path, "status", rec.Status,
			"duration_ms", float64(time.Since(start).Microseconds())/1000, "bytes", rec.Bytes)
	})
}

// front answers what go-webdav does not: the principal with both its
// homes, the sync-collection report, the address book's own properties
// (with its sync-token), a listing and multiget that read a page of
// contacts at a time; it passes the calendar's paths to cal and the rest
// to card.
func (s *Server) front(card, cal http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(r.Context(), ifMatchKey{}, r.Header.Get("If-Match"))
		r = r.WithContext(ctx)
		a, _ := access.ActorFrom(ctx)
		if !ownPath(r.URL.Path, a) {
			// Another user's tree, or a path of none: the same answer
			// whether or not that user exists.
			http.Error(w, "no such address book or calendar", http.StatusNotFound)
			return
		}
		next, col := card, s.book(a)
		if strings.HasPrefix(r.URL.Path, calendarHomePath(a)) || r.URL.Path+"/" == calendarHomePath(a) {
			next, col = cal, s.calendarCollection(a)
		}
		isCollection := strings.TrimSuffix(r.URL.Path, "/") == strings.TrimSuffix(col.path, "/")
		depth := r.Header.Get("Depth")
		switch {
		case (r.Method == http.MethodGet || r.Method == http.MethodHead) &&
			(r.URL.Path == FeedPath || strings.TrimSuffix(r.URL.Path, "/") == strings.TrimSuffix(calendarPath(a), "/")):
			s.feed(w, r, a)
			return
		case strings.TrimSuffix(r.URL.Path, "/") == strings.TrimSuffix(principalPath(a), "/") &&
			(r.Method == "PROPFIND" || r.Method == http.MethodOptions):
			webdav.ServePrincipal(w, r, &webdav.ServePrincipalOptions{CurrentUserPrincipalPath: principalPath(a),
				HomeSets: []webdav.BackendSuppliedHomeSet{carddav.NewAddressBookHomeSet(homePath(a)),
					caldav.NewCalendarHomeSet(calendarHomePath(a))},
				Capabilities: []webdav.Capability{carddav.CapabilityAddressBook, caldav.CapabilityCalendar}})
			return
		case r.Method == "REPORT" && isCollection:
			if s.report(w, r, col) {
				return
			}
		case r.Method == "PROPFIND" && isCollection && (depth == "0" || depth == "1" && col.book):
			// go-webdav lists a calendar; an address book, which may
			// hold 100,000 cards, is listed here as it is read.
			s.propfindCollection(w, r, col, depth == "1")
			return
		case readOnlyRefused(r, a):
			http.Error(w, "this token may only read", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// ownPath reports whether p is the root, the feed or in a's own tree:
// the only paths a may reach.
func ownPath(p string, a access.Actor) bool {
	return p == Prefix+"/" || p == FeedPath || strings.HasPrefix(p+"/", principalPath(a))
}

func readOnlyRefused(r *http.Request, a access.Actor) bool {
	switch r.Method {
	case http.MethodPut, http.MethodDelete, "MKCOL", "PROPPATCH", "MOVE", "COPY":
		return a.ReadOnly
	}
	return false
}

type ifMatchKey struct{}

// authenticate checks HTTP Basic credentials on every request: the user's
// e-mail address with their password or an API token, counted against
// the same limits as a sign-in to the API or the web app.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		addr := api.ClientAddress(r, s.ClientIPHeader)
		addrKey := api.LimitKey(addr)
		email, password, ok := r.BasicAuth()
		if !ok {
			if s.anonymous(w, addrKey) {
				challenge(w, "sign in with your e-mail address and your password or an API token")
			}
			return
		}
		emailKey := strconv.Itoa(defaultWorkspace) + ":" + strings.ToLower(strings.TrimSpace(email))
		if wait := s.SignIn.Wait(emailKey, addrKey); wait > 0 {
			tooMany(w, wait)
			return
		}
		a, err := s.Accounts.Basic(r.Context(), account.SignIn{Workspace: defaultWorkspace, Email: email,
			Password: password, Address: addr, UserAgent: r.UserAgent()})
		if account.IsWrongPassword(err) {
			s.SignIn.Fail(emailKey, addrKey)
		}
		switch {
		case fault.Is(err, fault.EUNAUTHORIZED):
			if s.anonymous(w, addrKey) {
				challenge(w, message(err))
			}
			return
		case err != nil:
			s.log(r.Context()).Error("dav sign-in", "err", err)
			http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			return
		}
		s.SignIn.Succeed(emailKey)
		a.Address = addr
		if q, ok := r.Context().Value(requestKey{}).(*request); ok {
			q.log = q.log.With("user_id", userID(a), "workspace_id", a.WorkspaceID)
		}
		next.ServeHTTP(w, r.WithContext(access.WithActor(r.Context(), a)))
	})
}

// anonymous takes a token from the client address's bucket for a request
// without good credentials, or answers 429.
func (s *Server) anonymous(w http.ResponseWriter, addrKey string) bool {
	ok, retry := s.SignIn.TakeAnonymous(addrKey)
	if !ok {
		tooMany(w, retry)
	}
	return ok
}

func challenge(w http.ResponseWriter, why string) {
	w.Header().Set("WWW-Authenticate", `Basic realm="Rapport", charset="UTF-8"`)
	http.Error(w, why, http.StatusUnauthorized)
}

func tooMany(w http.ResponseWriter, retry time.Duration) {
	secs := max(int(math.Ceil(retry.Seconds())), 1)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	http.Error(w, "too many failed sign-ins; try again in "+strconv.Itoa(secs)+" seconds", http.StatusTooManyRequests)
}

// listingWait is how long a whole listing waits for a slot before the
// program is told to come back.
const listingWait = 2 * time.Second

// admit takes a slot for a whole listing, or answers 503 with
// Retry-After and returns false.
func (s *Server) admit(w http.ResponseWriter, r *http.Request, a access.Actor) (release func(), ok bool) {
	ctx, cancel := context.WithTimeout(r.Context(), listingWait)
	defer cancel()
	release, err := s.Listings.Acquire(ctx, strconv.FormatInt(a.WorkspaceID, 10)+":"+userID(a))
	if err != nil {
		w.Header().Set("Retry-After", "10")
		http.Error(w, "other listings are running; try again shortly", http.StatusServiceUnavailable)
		return nil, false
	}
	return release, true
}

// userID is the actor's id as paths carry it.
func userID(a access.Actor) string { return strconv.FormatInt(a.UserID, 10) }

func principalPath(a access.Actor) string { return Prefix + "/" + userID(a) + "/" }
func homePath(a access.Actor) string      { return principalPath(a) + "addressbooks/" }
func bookPath(a access.Actor) string      { return homePath(a) + "contacts/" }

// message is the text of a domain error, for a plain-text answer.
func message(err error) string {
	var fe *fault.Error
	if errors.As(err, &fe) {
		return fe.Message
	}
	return err.Error()
}

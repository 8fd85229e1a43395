package api

import (
	"context"
	"crypto/subtle"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/limit"
)

// SessionCookie is the cookie that carries a browser's session id.
const SessionCookie = "rapport_session"

// CSRFHeader carries a session's CSRF token on every request that changes
// something; a page of another site can send the cookie but cannot read
// the token.
const CSRFHeader = "X-CSRF-Token"

// codeRateLimited is used by the API alone: too many requests or failed
// sign-ins from one client or for one account.
const codeRateLimited = "rate_limited"

// Limits bound guessing. The counters live in the memory of each process
// (see package limit). Zero fields take the value of DefaultLimits.
type Limits struct {
	// PerSecond and Burst shape the token bucket of each client address
	// for requests without valid credentials: sign-in, password resets,
	// health checks, and any request whose credentials fail.
	PerSecond float64
	Burst     int
	// EmailFailures failed sign-ins for one e-mail address, or
	// AddressFailures from one client address, lock it out for Lockout;
	// each further failure doubles the lock, up to LockoutMax.
	EmailFailures   int
	AddressFailures int
	Lockout         time.Duration
	LockoutMax      time.Duration
}

// DefaultLimits are the limits of a server whose Limits are zero.
var DefaultLimits = Limits{PerSecond: 1, Burst: 20, EmailFailures: 5, AddressFailures: 20,
	Lockout: 30 * time.Second, LockoutMax: time.Hour}

// guards holds the per-process state of authentication.
type guards struct {
	anonymous *limit.Buckets
	emails    *limit.Backoff
	addresses *limit.Backoff
	origins   *http.CrossOriginProtection
}

func newGuards(l Limits, shared *SignInLimits) *guards {
	if shared == nil {
		shared = NewSignInLimits(l)
	}
	return &guards{anonymous: shared.anonymous, emails: shared.emails, addresses: shared.addresses,
		origins: http.NewCrossOriginProtection()}
}

// SignInLimits are the counters against guessing: requests without valid
// credentials per client address, and failed sign-ins per e-mail address
// and per client address. The API and the web app share one, so that
// guesses through either count together.
type SignInLimits struct {
	anonymous *limit.Buckets
	emails    *limit.Backoff
	addresses *limit.Backoff
}

// NewSignInLimits makes the counters of l; zero fields of l take the
// value of DefaultLimits.
func NewSignInLimits(l Limits) *SignInLimits {
	d := DefaultLimits
	l.PerSecond, l.Burst = orDefault(l.PerSecond, d.PerSecond), orDefault(l.Burst, d.Burst)
	l.EmailFailures, l.AddressFailures = orDefault(l.EmailFailures, d.EmailFailures), orDefault(l.AddressFailures, d.AddressFailures)
	l.Lockout, l.LockoutMax = orDefault(l.Lockout, d.Lockout), orDefault(l.LockoutMax, d.LockoutMax)
	// A day without failures wipes the slate; until then, failures after
	// a lock double it rather than earning a fresh set of free guesses.
	const forget = 24 * time.Hour
	return &SignInLimits{
		anonymous: limit.NewBuckets(l.PerSecond, l.Burst),
		emails:    limit.NewBackoff(l.EmailFailures, l.Lockout, l.LockoutMax, forget),
		addresses: limit.NewBackoff(l.AddressFailures, l.Lockout, l.LockoutMax, forget),
	}
}

// TakeAnonymous takes a token from the bucket of a client address (see
// LimitKey) for a request without valid credentials; when it is empty,
// it returns false and how long to wait.
func (g *SignInLimits) TakeAnonymous(key string) (bool, time.Duration) { return g.anonymous.Take(key) }

// Wait is how long sign-ins for emailKey or from addressKey stay locked
// out; emailKey is the workspace id, a colon and the e-mail in lower case.
func (g *SignInLimits) Wait(emailKey, addressKey string) time.Duration {
	return max(g.emails.Wait(emailKey), g.addresses.Wait(addressKey))
}

// Fail counts a failed sign-in against the e-mail and the address.
func (g *SignInLimits) Fail(emailKey, addressKey string) {
	g.emails.Fail(emailKey)
	g.addresses.Fail(addressKey)
}

// Succeed clears the failures of an e-mail address after a good sign-in.
func (g *SignInLimits) Succeed(emailKey string) { g.emails.Reset(emailKey) }

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// credential is how a request proved who it is.
type credential struct {
	cookie  bool             // it came with a session cookie rather than a token
	session *account.Session // the session, once the cookie proved good
}

type credentialKey struct{}

func credentialFrom(ctx context.Context) credential {
	c, _ := ctx.Value(credentialKey{}).(credential)
	return c
}

// authenticate turns a bearer token or a session cookie into the request's
// actor. A cookie-authenticated request must come from Rapport's own
// origin and, unless it only reads, carry the session's CSRF token. The
// logger of an authenticated request carries the user id as well.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		actor, cred, err := s.credentials(r)
		if err != nil {
			// Failed credentials count like an anonymous request, so that
			// guessing tokens or session ids runs into the same limit.
			denied := fault.Is(err, fault.EUNAUTHORIZED)
			if denied && !s.takeAnonymous(w, r) {
				return
			}
			if denied && cred.cookie {
				clearSessionCookie(w)
			}
			writeError(w, r, err)
			return
		}
		if cred.session != nil {
			if err := s.checkCSRF(r, cred.session); err != nil {
				writeError(w, r, err)
				return
			}
		}
		actor.Address = s.clientAddress(r)
		if i := info(r.Context()); i != nil {
			i.log = i.log.With("user_id", strconv.FormatInt(actor.UserID, 10), "workspace_id", actor.WorkspaceID)
		}
		ctx := context.WithValue(access.WithActor(r.Context(), actor), credentialKey{}, cred)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// credentials checks the bearer token, or else the session cookie. A
// request that sends both is judged by its token alone.
func (s *Server) credentials(r *http.Request) (access.Actor, credential, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || strings.TrimSpace(token) == "" {
			return access.Actor{}, credential{}, fault.Errorf(fault.EUNAUTHORIZED, "send an API token as Authorization: Bearer <token>")
		}
		a, err := s.Accounts.Authenticate(r.Context(), strings.TrimSpace(token))
		return a, credential{}, err
	}
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		a, sess, err := s.Accounts.AuthenticateSession(r.Context(), c.Value)
		if err != nil {
			return a, credential{cookie: true}, err
		}
		return a, credential{cookie: true, session: &sess}, nil
	}
	return access.Actor{}, credential{}, fault.Errorf(fault.EUNAUTHORIZED,
		"sign in with POST /api/v1/sessions, or send an API token as Authorization: Bearer <token>; `rapport token create` makes one")
}

// checkCSRF refuses a cookie-authenticated request from another origin,
// and a state-changing one without the session's CSRF token. Bearer
// tokens need neither check: a browser never attaches them on its own.
func (s *Server) checkCSRF(r *http.Request, sess *account.Session) error {
	if err := s.guards.origins.Check(r); err != nil {
		return fault.Errorf(fault.EFORBIDDEN, "cross-origin request refused")
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	got := r.Header.Get(CSRFHeader)
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(sess.CSRFToken)) != 1 {
		return fault.Errorf(fault.EFORBIDDEN, "send the csrf_token from sign-in or GET /api/v1/me in the %s header", CSRFHeader)
	}
	return nil
}

// public wraps an endpoint that needs no credentials: it is rate-limited
// per client address, refuses cross-origin browser posts (so another site
// cannot sign a visitor in to an account of its choosing), and has its
// body limited and its time budgeted like every other.
func (s *Server) public(h http.HandlerFunc) http.Handler {
	return s.budget(http.MaxBytesHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.takeAnonymous(w, r) {
			return
		}
		if err := s.guards.origins.Check(r); err != nil {
			writeError(w, r, fault.Errorf(fault.EFORBIDDEN, "cross-origin request refused"))
			return
		}
		h(w, r)
	}), MaxBody))
}

// takeAnonymous takes a token from the client address's bucket, or
// answers 429 and returns false when it is empty.
func (s *Server) takeAnonymous(w http.ResponseWriter, r *http.Request) bool {
	ok, retry := s.guards.anonymous.Take(LimitKey(s.clientAddress(r)))
	if !ok {
		tooMany(w, r, retry, "too many requests without valid credentials from your address")
	}
	return ok
}

// tooMany answers 429 with a Retry-After in whole seconds.
func tooMany(w http.ResponseWriter, r *http.Request, retry time.Duration, why string) {
	secs := int(math.Ceil(retry.Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	writeError(w, r, fault.Errorf(codeRateLimited, "%s; try again in %d seconds", why, max(secs, 1)))
}

// clientAddress is the address the request came from (see ClientAddress).
func (s *Server) clientAddress(r *http.Request) string { return ClientAddress(r, s.ClientIPHeader) }

// ClientAddress is the address a request came from: the connection's
// peer, or, behind a reverse proxy that passes it in header, the last
// address the proxy appended to that header.
func ClientAddress(r *http.Request, header string) string {
	if header != "" {
		if v := r.Header.Get(header); v != "" {
			last := strings.TrimSpace(v[strings.LastIndex(v, ",")+1:])
			if a, err := netip.ParseAddr(last); err == nil {
				return a.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// LimitKey is the key that limits count an address under. An IPv6 client
// usually holds a whole /64, so the /64 counts as one address.
func LimitKey(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil || a.Is4() || a.Is4In6() {
		return addr
	}
	p, _ := a.Prefix(64)
	return p.String()
}

func setSessionCookie(w http.ResponseWriter, sess account.Session) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: sess.Secret, Path: "/", Expires: sess.EndsAt,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// clearSessionCookie tells the browser to drop a cookie that no longer
// opens a session.
func clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

package web

import (
	"crypto/rand"
	"encoding/base64"
	"sync"
	"time"
)

// maxPending bounds the sign-ins waiting for their second step, so that a
// flood of first steps cannot fill the memory.
const maxPending = 10000

// pendingSignIns keeps, between the two steps of a two-factor sign-in,
// the e-mail and password of the first step under a random token: the
// account service checks them again with the code, and the password never
// goes back to the browser. The entries live in memory for a few minutes.
type pendingSignIns struct {
	mu      sync.Mutex
	ttl     time.Duration
	entries map[string]pendingSignIn
}

type pendingSignIn struct {
	email, password string
	expires         time.Time
}

func newPendingSignIns(ttl time.Duration) *pendingSignIns {
	return &pendingSignIns{ttl: ttl, entries: map[string]pendingSignIn{}}
}

// add keeps a first step and returns its token.
func (p *pendingSignIns) add(email, password string) string {
	b := make([]byte, 24)
	rand.Read(b)
	token := base64.RawURLEncoding.EncodeToString(b)
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.entries) >= maxPending {
		for k, e := range p.entries {
			if now.After(e.expires) || len(p.entries) >= maxPending {
				delete(p.entries, k)
			}
		}
	}
	p.entries[token] = pendingSignIn{email: email, password: password, expires: now.Add(p.ttl)}
	return token
}

// get returns the first step kept under token, if it has not expired.
func (p *pendingSignIns) get(token string) (pendingSignIn, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.entries[token]
	if ok && time.Now().After(e.expires) {
		delete(p.entries, token)
		return e, false
	}
	return e, ok
}

// done forgets a first step once its sign-in has succeeded.
func (p *pendingSignIns) done(token string) {
	p.mu.Lock()
	delete(p.entries, token)
	p.mu.Unlock()
}

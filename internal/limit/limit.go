// Package limit holds the server's limits in memory. Against guessing: a
// lock-out that doubles with each failure past a threshold (for sign-in,
// per e-mail and per client address) and a token bucket per key (for
// every request that carries no valid credentials). Against overload:
// Slots, which bound how many costly operations run at once, in all and
// per user.
//
// Each process counts on its own: a deployment of N processes behind a
// balancer admits up to N times the configured rate. That is still a wall
// against guessing, which needs millions of tries; a shared store would
// only tighten the constant. Slots guard the resources of one process
// (its connections and cores), so per-process counting is what they need.
package limit

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// sweepAt is the number of keys at which a limiter drops the ones it no
// longer needs, which bounds its memory under a flood of new keys.
const sweepAt = 10000

// Backoff locks a key out after repeated failures. The Threshold-th
// failure locks it for Base, and every further one doubles the lock, up to
// Max. A key with no failure for Forget starts over. Its zero value is not
// usable; make one with NewBackoff.
type Backoff struct {
	Threshold int
	Base      time.Duration
	Max       time.Duration
	Forget    time.Duration

	now  func() time.Time
	mu   sync.Mutex
	keys map[string]*failures
}

type failures struct {
	count int
	last  time.Time
	until time.Time
}

// NewBackoff returns a Backoff that locks after threshold failures for
// base, doubling up to max, and forgets a key after forget without
// failures (at least max, so that a lock always outlives its entry).
func NewBackoff(threshold int, base, max, forget time.Duration) *Backoff {
	return &Backoff{Threshold: threshold, Base: base, Max: max, Forget: forget, now: time.Now, keys: map[string]*failures{}}
}

// Wait returns how long key is still locked out, 0 when it is not.
func (b *Backoff) Wait(key string) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	f, ok := b.keys[key]
	if !ok {
		return 0
	}
	return max(0, f.until.Sub(b.now()))
}

// Fail records a failure for key and returns the lock-out it now has.
func (b *Backoff) Fail(key string) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	f, ok := b.keys[key]
	if !ok || now.Sub(f.last) > b.forget() {
		if len(b.keys) >= sweepAt {
			b.sweep(now)
		}
		f = &failures{}
		b.keys[key] = f
	}
	f.count++
	f.last = now
	if f.count < b.Threshold {
		return 0
	}
	lock := b.Base
	for i := b.Threshold; i < f.count && lock < b.Max; i++ {
		lock *= 2
	}
	lock = min(lock, b.Max)
	f.until = now.Add(lock)
	return lock
}

// Reset forgets key's failures, after it proved itself.
func (b *Backoff) Reset(key string) {
	b.mu.Lock()
	delete(b.keys, key)
	b.mu.Unlock()
}

func (b *Backoff) forget() time.Duration { return max(b.Forget, b.Max) }

// sweep drops the keys that would start over anyway.
func (b *Backoff) sweep(now time.Time) {
	for k, f := range b.keys {
		if now.Sub(f.last) > b.forget() {
			delete(b.keys, k)
		}
	}
}

// Buckets keeps a token bucket per key: Burst requests at once, then
// Rate per second.
type Buckets struct {
	rate  rate.Limit
	burst int

	now  func() time.Time
	mu   sync.Mutex
	keys map[string]*rate.Limiter
}

// NewBuckets returns per-key buckets of burst tokens refilled at perSecond.
func NewBuckets(perSecond float64, burst int) *Buckets {
	return &Buckets{rate: rate.Limit(perSecond), burst: burst, now: time.Now, keys: map[string]*rate.Limiter{}}
}

// Take takes a token from key's bucket. When the bucket is empty it takes
// nothing and returns how long until a token is there.
func (b *Buckets) Take(key string) (ok bool, retry time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	l, found := b.keys[key]
	if !found {
		if len(b.keys) >= sweepAt {
			b.sweep(now)
		}
		l = rate.NewLimiter(b.rate, b.burst)
		b.keys[key] = l
	}
	r := l.ReserveN(now, 1)
	if !r.OK() {
		return false, time.Hour // a burst of zero: never
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// sweep drops the buckets that are full again: a new one is the same.
func (b *Buckets) sweep(now time.Time) {
	for k, l := range b.keys {
		if l.TokensAt(now) >= float64(b.burst) {
			delete(b.keys, k)
		}
	}
}

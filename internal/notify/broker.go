package notify

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/rapport-crm/rapport/internal/store"
)

// Broker hands each new notification to the open streams of its user in
// this process. It reads the notifications table by id, so it sees what
// any process wrote, the job worker's reminders included; Add in this
// process wakes it, so a notification reaches the stream within a moment
// of its commit rather than at the next poll. It runs only while someone
// listens.
type Broker struct {
	db    *store.DB
	log   *slog.Logger
	every time.Duration // the poll when nothing wakes it
	// gapWait is how long an id missing below one already seen is waited
	// for: on PostgreSQL ids are drawn before commit (and an insert that
	// hits ON CONFLICT draws one too), so a gap may fill later or never.
	gapWait time.Duration

	wake   chan struct{}
	limits Limits

	mu      sync.Mutex
	subs    map[*Subscription]bool
	byUser  map[userKey][]*Subscription // each user's streams, oldest first
	running bool
	floor   int64          // every id up to floor has been handled
	seen    map[int64]bool // ids above floor already handled
	gapAt   time.Time      // when the gap above floor was first seen
}

// Subscription is one open stream. C delivers the user's new
// notifications; it is closed when the stream falls too far behind to be
// caught up, and the client should reconnect (with Last-Event-ID), or when
// the user opened more streams than the limit and this is the oldest
// (Superseded then reports true).
type Subscription struct {
	C          <-chan Notification
	c          chan Notification
	ws, user   int64
	superseded bool
}

// Superseded reports whether s was closed because its user opened newer
// streams. Read it once C is closed.
func (s *Subscription) Superseded() bool { return s.superseded }

type userKey struct{ ws, user int64 }

// Limits bound the streams one process holds open. Each is a goroutine
// and a connection, so that one token cannot hold thousands.
type Limits struct {
	// PerUser is how many streams one user may hold; a new one beyond it
	// closes the user's oldest, which is the one most likely left behind
	// by a sleeping laptop or a dead connection (a refusal would lock the
	// user out until the dead one times out). Default 5.
	PerUser int
	// Total is how many streams the process holds; a new one beyond it is
	// refused with ErrBusy. Default 1000.
	Total int
}

// DefaultLimits are the limits of a broker given zero ones.
var DefaultLimits = Limits{PerUser: 5, Total: 1000}

// ErrBusy is Subscribe's answer when the process holds as many streams as
// Limits.Total allows.
var ErrBusy = errors.New("notify: too many notification streams are open")

// queueLen is how many notifications a stream may lag behind.
const queueLen = 64

// NewBroker returns a broker over db that holds at most limits' streams;
// zero fields take DefaultLimits.
func NewBroker(db *store.DB, log *slog.Logger, limits Limits) *Broker {
	if log == nil {
		log = slog.Default()
	}
	if limits.PerUser <= 0 {
		limits.PerUser = DefaultLimits.PerUser
	}
	if limits.Total <= 0 {
		limits.Total = DefaultLimits.Total
	}
	return &Broker{db: db, log: log, every: time.Second, gapWait: 10 * time.Second, limits: limits,
		wake: make(chan struct{}, 1), subs: map[*Subscription]bool{}, byUser: map[userKey][]*Subscription{},
		seen: map[int64]bool{}}
}

// Subscribe opens a stream of user's new notifications in workspace ws.
// Every notification committed after it returns is delivered. Call
// Unsubscribe when the stream ends. When the user already holds
// Limits.PerUser streams, the oldest is closed; when the process holds
// Limits.Total, the answer is ErrBusy.
func (b *Broker) Subscribe(ctx context.Context, ws, user int64) (*Subscription, error) {
	c := make(chan Notification, queueLen)
	s := &Subscription{C: c, c: c, ws: ws, user: user}
	key := userKey{ws, user}
	b.mu.Lock()
	defer b.mu.Unlock()
	for len(b.byUser[key]) >= b.limits.PerUser {
		oldest := b.byUser[key][0]
		oldest.superseded = true
		b.drop(oldest)
	}
	if len(b.subs) >= b.limits.Total {
		return nil, ErrBusy
	}
	if !b.running {
		// Start from the newest id, so that only what comes next is sent.
		var last int64
		if err := b.db.Reader().QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM notifications`).Scan(&last); err != nil {
			return nil, err
		}
		b.floor, b.seen, b.gapAt = last, map[int64]bool{}, time.Time{}
		b.running = true
		register(b)
		go b.run()
	}
	b.subs[s] = true
	b.byUser[key] = append(b.byUser[key], s)
	return s, nil
}

// Unsubscribe ends s.
func (b *Broker) Unsubscribe(s *Subscription) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.drop(s)
}

// drop ends s if it is open. The caller holds b.mu.
func (b *Broker) drop(s *Subscription) {
	if !b.subs[s] {
		return
	}
	delete(b.subs, s)
	close(s.c)
	key := userKey{s.ws, s.user}
	rest := slices.DeleteFunc(b.byUser[key], func(x *Subscription) bool { return x == s })
	if len(rest) == 0 {
		delete(b.byUser, key)
	} else {
		b.byUser[key] = rest
	}
}

// afterWake are the pauses between the looks that follow a wake-up: the
// transaction that woke the broker is usually still committing, and
// commits within a few milliseconds, so the looks come soon and then
// less often. Each look is one query on the notifications' primary key.
var afterWake = []time.Duration{5 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond,
	40 * time.Millisecond, 80 * time.Millisecond}

// run polls until nobody listens. After a wake-up it looks again in
// quick succession (afterWake), since the transaction that woke it may
// still be committing.
func (b *Broker) run() {
	timer := time.NewTimer(b.every)
	defer timer.Stop()
	fast := len(afterWake)
	for {
		select {
		case <-b.wake:
			fast = 0
		case <-timer.C:
		}
		if !b.poll() {
			return
		}
		next := b.every
		if fast < len(afterWake) {
			next = afterWake[fast]
			fast++
		}
		timer.Reset(next)
	}
}

// poll delivers what is new and reports whether anyone still listens.
func (b *Broker) poll() bool {
	b.mu.Lock()
	if len(b.subs) == 0 {
		b.running = false
		unregister(b)
		b.mu.Unlock()
		return false
	}
	floor := b.floor
	b.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rows, err := b.db.Reader().QueryContext(ctx, `SELECT `+columns+` FROM notifications WHERE id > ? ORDER BY id LIMIT 500`, floor)
	if err != nil {
		b.log.Warn("notifications: poll", "err", err)
		return true
	}
	var found []Notification
	for rows.Next() {
		n, err := scan(rows)
		if err != nil {
			b.log.Warn("notifications: poll", "err", err)
			break
		}
		found = append(found, n)
	}
	rows.Close()
	b.deliver(found)
	return true
}

// deliver sends the notifications not sent before and moves the floor up
// past every id that is handled or given up on.
func (b *Broker) deliver(found []Notification) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, n := range found {
		id, _ := strconv.ParseInt(n.ID, 10, 64)
		if id <= b.floor || b.seen[id] {
			continue
		}
		b.seen[id] = true
		for s := range b.subs {
			if s.ws != n.workspace || s.user != n.UserID {
				continue
			}
			select {
			case s.c <- n:
			default: // too far behind: end it, the client catches up on reconnect
				b.drop(s)
			}
		}
	}
	for b.seen[b.floor+1] {
		delete(b.seen, b.floor+1)
		b.floor++
	}
	if len(b.seen) == 0 {
		b.gapAt = time.Time{}
		return
	}
	now := time.Now()
	if b.gapAt.IsZero() {
		b.gapAt = now
		return
	}
	if now.Sub(b.gapAt) >= b.gapWait {
		// The missing id never committed: step over it.
		low := int64(0)
		for id := range b.seen {
			if low == 0 || id < low {
				low = id
			}
		}
		b.floor, b.gapAt = low-1, time.Time{}
		for b.seen[b.floor+1] {
			delete(b.seen, b.floor+1)
			b.floor++
		}
	}
}

// brokers are the running brokers of this process, which Add wakes.
var brokers struct {
	sync.Mutex
	set map[*Broker]bool
}

func register(b *Broker) {
	brokers.Lock()
	defer brokers.Unlock()
	if brokers.set == nil {
		brokers.set = map[*Broker]bool{}
	}
	brokers.set[b] = true
}

func unregister(b *Broker) {
	brokers.Lock()
	defer brokers.Unlock()
	delete(brokers.set, b)
}

func wakeAll() {
	brokers.Lock()
	defer brokers.Unlock()
	for b := range brokers.set {
		select {
		case b.wake <- struct{}{}:
		default:
		}
	}
}

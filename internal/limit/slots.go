package limit

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Errors of an Acquire whose context ended while it waited: what held it
// back at the last look, every slot taken or the key's share.
var (
	ErrFull    = errors.New("every slot is taken")
	ErrKeyFull = errors.New("the key holds all the slots it may")
)

// Slots bounds how many costly operations run at once: at most Total in
// all, and at most PerKey for one key (a user). An operation that finds no
// free slot waits for one until its context ends. Waiters are woken
// together when a slot frees, in no particular order; the waits are meant
// to be short.
type Slots struct {
	Total, PerKey int

	mu    sync.Mutex
	used  int
	byKey map[string]int
	freed chan struct{} // closed, and replaced, whenever a slot frees
}

// NewSlots returns Slots with total slots, perKey of them at most for one
// key.
func NewSlots(total, perKey int) *Slots {
	return &Slots{Total: total, PerKey: perKey, byKey: map[string]int{}, freed: make(chan struct{})}
}

// Acquire takes a slot for key, waiting while none is free, and returns
// the function that gives it back. When ctx ends first it fails with
// ErrFull or ErrKeyFull, wrapping the context's error.
func (s *Slots) Acquire(ctx context.Context, key string) (release func(), err error) {
	for {
		s.mu.Lock()
		keyFull := s.byKey[key] >= s.PerKey
		if s.used < s.Total && !keyFull {
			s.used++
			s.byKey[key]++
			s.mu.Unlock()
			return sync.OnceFunc(func() { s.release(key) }), nil
		}
		freed := s.freed
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			if keyFull {
				return nil, fmt.Errorf("%w: %w", ErrKeyFull, ctx.Err())
			}
			return nil, fmt.Errorf("%w: %w", ErrFull, ctx.Err())
		case <-freed:
		}
	}
}

func (s *Slots) release(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.used--
	if s.byKey[key]--; s.byKey[key] == 0 {
		delete(s.byKey, key)
	}
	close(s.freed)
	s.freed = make(chan struct{})
}

// InUse returns how many slots are taken.
func (s *Slots) InUse() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.used
}

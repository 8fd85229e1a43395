package limit

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time           { return c.t }
func (c *clock) pass(d time.Duration)     { c.t = c.t.Add(d) }
func newClock() *clock                    { return &clock{t: time.Unix(1700000000, 0)} }
func (b *Backoff) with(c *clock) *Backoff { b.now = c.now; return b }

func TestBackoffDoublesAfterThreshold(t *testing.T) {
	c := newClock()
	b := NewBackoff(3, time.Second, 8*time.Second, time.Hour).with(c)
	for i, want := range []time.Duration{0, 0, 1, 2, 4, 8, 8} {
		if got := b.Fail("k"); got != want*time.Second {
			t.Fatalf("failure %d: lock %v, want %v", i+1, got, want*time.Second)
		}
	}
	if w := b.Wait("k"); w != 8*time.Second {
		t.Fatalf("wait %v", w)
	}
	if w := b.Wait("other"); w != 0 {
		t.Fatalf("another key waits %v", w)
	}
	c.pass(8 * time.Second)
	if w := b.Wait("k"); w != 0 {
		t.Fatalf("still locked after the lock: %v", w)
	}
	b.Reset("k")
	if got := b.Fail("k"); got != 0 {
		t.Fatalf("a reset key is locked at once: %v", got)
	}
}

func TestBackoffForgetsQuietKeys(t *testing.T) {
	c := newClock()
	b := NewBackoff(2, time.Second, time.Minute, time.Hour).with(c)
	b.Fail("k")
	c.pass(2 * time.Hour)
	if got := b.Fail("k"); got != 0 {
		t.Fatalf("an old failure still counts: lock %v", got)
	}
}

func TestBackoffSweepsWhenFull(t *testing.T) {
	c := newClock()
	b := NewBackoff(5, time.Second, time.Minute, time.Hour).with(c)
	for i := range sweepAt {
		b.Fail(strconv.Itoa(i))
	}
	c.pass(2 * time.Hour)
	b.Fail("new")
	if len(b.keys) != 1 {
		t.Fatalf("%d keys kept after a sweep", len(b.keys))
	}
}

func TestBucketsRefill(t *testing.T) {
	c := newClock()
	b := NewBuckets(1, 3)
	b.now = c.now
	for i := range 3 {
		if ok, _ := b.Take("a"); !ok {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	ok, retry := b.Take("a")
	if ok || retry <= 0 || retry > time.Second {
		t.Fatalf("past the burst: ok=%v retry=%v", ok, retry)
	}
	if ok, _ := b.Take("b"); !ok {
		t.Fatal("another key shares the bucket")
	}
	c.pass(time.Second)
	if ok, _ := b.Take("a"); !ok {
		t.Fatal("no token after a second")
	}
	if ok, _ := b.Take("a"); ok {
		t.Fatal("two tokens after a second at one per second")
	}
}

func TestSlotsBoundTotalAndKey(t *testing.T) {
	s := NewSlots(2, 1)
	ctx := context.Background()
	relA, err := s.Acquire(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := s.Acquire(short, "a"); !errors.Is(err, ErrKeyFull) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a key took more than its share: %v", err)
	}
	relB, err := s.Acquire(ctx, "b")
	if err != nil {
		t.Fatal(err)
	}
	short, cancel = context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := s.Acquire(short, "c"); !errors.Is(err, ErrFull) {
		t.Fatalf("more slots taken than there are: %v", err)
	}
	// A waiter gets the slot that frees.
	got := make(chan error, 1)
	go func() {
		rel, err := s.Acquire(ctx, "c")
		if err == nil {
			rel()
		}
		got <- err
	}()
	relA()
	relA() // releasing twice gives back one slot
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	relB()
	if n := s.InUse(); n != 0 {
		t.Fatalf("%d slots still taken", n)
	}
}

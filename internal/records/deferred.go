package records

import (
	"context"
	"encoding/binary"
	"slices"
	"strings"
	"sync"

	"github.com/rapport-crm/rapport/internal/store"
)

// Deferred gathers, during a bulk write such as an import, the work that
// hooks choose to do once for all the records written rather than once
// per record: the duplicate keys and pairs of a hundred thousand contacts
// are cheaper in one pass than in a hundred thousand. The bulk writer
// runs it with Run in the same transaction, before it commits, so nothing
// differs for anyone who reads after the commit.
type Deferred struct {
	mu    sync.Mutex
	work  map[string]*deferredWork
	order []string
	memo  map[string]any
}

// deferredWork keeps its ids one after another in one buffer, each as the
// length it shares with the id before it and the rest: a bulk write of a
// million records added a million ids under each of two keys ("1 contact
// 123456"), which as strings in a set held some 100 MB each, and now take
// a few bytes each. They are told apart, and repeats dropped, when the
// work runs.
type deferredWork struct {
	buf  []byte
	last string
	n    int
	fn   func(ctx context.Context, q store.Querier, ws int64, ids []string) error
}

// add appends id to the buffer.
func (w *deferredWork) add(id string) {
	shared := 0
	for shared < min(len(id), len(w.last), 255) && id[shared] == w.last[shared] {
		shared++
	}
	w.buf = binary.AppendUvarint(append(w.buf, byte(shared)), uint64(len(id)-shared))
	w.buf = append(w.buf, id[shared:]...)
	w.last = id
	w.n++
}

// ids returns the ids added, each once, in the order first added.
func (w *deferredWork) ids() []string {
	all := make([]string, 0, w.n)
	prev, buf := "", w.buf
	for len(buf) > 0 {
		shared := int(buf[0])
		rest, k := binary.Uvarint(buf[1:])
		buf = buf[1+k:]
		prev = prev[:shared] + string(buf[:rest])
		buf = buf[rest:]
		all = append(all, prev)
	}
	// Sorted by id, then by when added, repeats follow their first: those
	// are dropped.
	order := make([]int32, len(all))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		if c := strings.Compare(all[a], all[b]); c != 0 {
			return c
		}
		return int(a - b)
	})
	drop := make([]bool, len(all))
	for i := 1; i < len(order); i++ {
		if all[order[i]] == all[order[i-1]] {
			drop[order[i]] = true
		}
	}
	out := all[:0]
	for i, id := range all {
		if !drop[i] {
			out = append(out, id)
		}
	}
	return out
}

type deferredKey struct{}

// WithDeferred returns a context whose writes let hooks defer their work
// to d.
func WithDeferred(ctx context.Context, d *Deferred) context.Context {
	return context.WithValue(ctx, deferredKey{}, d)
}

// DeferredFrom returns the Deferred of ctx, or nil when writes are one at
// a time.
func DeferredFrom(ctx context.Context) *Deferred {
	d, _ := ctx.Value(deferredKey{}).(*Deferred)
	return d
}

// Add defers fn for record id under key: at Run, fn is called once per
// key with every id added under it, each once, in the order first added.
// Ids of records a rolled-back savepoint removed may be among them; fn
// must pass over ids that name nothing.
func (d *Deferred) Add(key, id string, fn func(ctx context.Context, q store.Querier, ws int64, ids []string) error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.work == nil {
		d.work = map[string]*deferredWork{}
	}
	w := d.work[key]
	if w == nil {
		w = &deferredWork{fn: fn}
		d.work[key] = w
		d.order = append(d.order, key)
	}
	w.add(id)
}

// Run does the deferred work in q, in the order the keys were first
// added, and forgets it.
func (d *Deferred) Run(ctx context.Context, q store.Querier, ws int64) error {
	d.mu.Lock()
	order, work := d.order, d.work
	d.order, d.work = nil, nil
	d.mu.Unlock()
	for _, key := range order {
		if err := work[key].fn(ctx, q, ws, work[key].ids()); err != nil {
			return err
		}
	}
	return nil
}

// Remember returns what load returns for key, calling load once per bulk
// write: hooks read settings (scoring rules, assignment rules) that the
// bulk write does not change once a record rather than a million times.
// Without a bulk write (d nil) it calls load every time.
func (d *Deferred) Remember(key string, load func() (any, error)) (any, error) {
	if d == nil {
		return load()
	}
	d.mu.Lock()
	v, ok := d.memo[key]
	d.mu.Unlock()
	if ok {
		return v, nil
	}
	v, err := load()
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	if d.memo == nil {
		d.memo = map[string]any{}
	}
	d.memo[key] = v
	d.mu.Unlock()
	return v, nil
}

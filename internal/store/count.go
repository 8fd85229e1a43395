package store

import (
	"context"
	"sync/atomic"
)

// QueryCount counts the queries made under a context that carries it, so
// that a request can say how many it made (the web app's Server-Timing
// header) and a test can check that a page's queries do not grow with the
// rows it shows.
type QueryCount struct{ n atomic.Int64 }

// N is the number of queries counted so far.
func (c *QueryCount) N() int64 { return c.n.Load() }

type countKey struct{}

// CountQueries returns a context that counts the queries made under it.
func CountQueries(ctx context.Context) (context.Context, *QueryCount) {
	c := &QueryCount{}
	return context.WithValue(ctx, countKey{}, c), c
}

// counted adds one to the count ctx carries, if any.
func counted(ctx context.Context) {
	if c, ok := ctx.Value(countKey{}).(*QueryCount); ok {
		c.n.Add(1)
	}
}

// Package search keeps a full-text index of contacts, companies and deals,
// fed from the outbox, answers global search as the user types, and looks
// up callers by phone number.
//
// The index is one document per record (search_docs): its title and
// subtitle as results show them, its words normalised here in Go (lower
// case, accents folded, split at anything not a letter or digit) so that
// documents and queries agree on both databases, and marker tokens for
// its workspace, owner and object, which let the permission filter run
// inside the full-text query: a salesperson gets a full page of their own
// records, not a page of everyone's with most of it removed. SQLite
// indexes the words with FTS4 (prefix indexes of 2, 3 and 4 letters);
// FTS5 would be the first choice, but mattn/go-sqlite3 compiles it only
// under the sqlite_fts5 build tag, which every build and test of the
// repository would then need. PostgreSQL stores a tsvector whose words
// come with their prefixes of 2, 3, 4 and 6 letters as lexemes, so that a
// prefix typed is one GIN entry; longer words are looked up by their
// 6-letter prefix and checked whole on the candidates. Phone numbers also go to search_phones as
// reversed digits: a suffix typed becomes an index range, an exact number
// one seek.
//
// Search takes a bounded set of candidates from the full-text index (the
// newest maxCandidates matches on SQLite, any maxCandidates on
// PostgreSQL; SQLite's ranking is BM25 without the inverse document
// frequency, see bm25), adds the names that start with what was typed (an index
// range on name_key) and the phone numbers that end with it, and ranks
// them: exact name, then name prefix, then all words in the name, then
// the rest, each tier by bm25 (computed from FTS4's matchinfo) or
// ts_rank. A two-letter prefix shared by a hundred thousand records thus
// costs a few hundred rows, at the price that the best of them may lie
// outside the candidates unless its name starts with the prefix.
package search

import (
	"context"
	"log/slog"
	"time"

	"github.com/rapport-crm/rapport/internal/jobs"
	"github.com/rapport-crm/rapport/internal/outbox"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
)

// ConsumeKind is the recurring job that keeps the index up to date.
const ConsumeKind = "search.consume"

// maxBatches bounds one run of the consumer, so that a large backlog is
// worked off over several runs and a stopping process is not held up.
const maxBatches = 100

// Options configure a Service.
type Options struct {
	Logger *slog.Logger
	// PhoneRegion is the country assumed for numbers looked up without a
	// country code (ISO 3166), as the engine's.
	PhoneRegion string
	// ConsumeEvery is how often the outbox is read; default 1s.
	ConsumeEvery time.Duration
	// BatchSize is how many outbox events one transaction indexes;
	// default 200.
	BatchSize int
}

// Service is the search service.
type Service struct {
	db       *store.DB
	engine   *records.Engine
	opts     Options
	consumer *consumer
	spaces   workspaceCount
}

// New returns the service over db and engine, with its hooks registered on
// the engine.
func New(db *store.DB, engine *records.Engine, opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.ConsumeEvery <= 0 {
		opts.ConsumeEvery = time.Second
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 200
	}
	log := opts.Logger.With("component", "search")
	return &Service{db: db, engine: engine, opts: opts,
		consumer: &consumer{db: db, log: log, batch: opts.BatchSize, follow: outbox.NewFollower(consumerName, db.Dialect, log)}}
}

// Register adds the service's background work to q: the outbox consumer
// that keeps the index up to date.
func (s *Service) Register(q *jobs.Queue) {
	q.Every(ConsumeKind, s.opts.ConsumeEvery, func(ctx context.Context, _ jobs.Job) error {
		for range maxBatches {
			_, more, _, err := s.consumer.step(ctx)
			if err != nil || !more {
				return err
			}
		}
		return nil
	})
}

// CatchUp indexes the outbox's backlog now, waiting for gaps to settle,
// and returns once the index reflects every change committed before the
// call.
func (s *Service) CatchUp(ctx context.Context) error {
	var end int64
	if err := s.db.Reader().QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM outbox`).Scan(&end); err != nil {
		return err
	}
	return s.consumer.catchUp(ctx, end)
}

// catchUp runs batches until the position reaches end.
func (c *consumer) catchUp(ctx context.Context, end int64) error {
	for {
		n, more, waiting, err := c.step(ctx)
		if err != nil {
			return err
		}
		if more || n > 0 {
			continue
		}
		last, err := c.follow.Position(ctx, c.db.Reader())
		if err != nil || last >= end || !waiting {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

package duplicate

import (
	"cmp"
	"context"
	"hash/fnv"
	"math"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rapport-crm/rapport/internal/linkage"
	"github.com/rapport-crm/rapport/internal/store"
)

// MaxBlock is the most records a blocking key may gather and still be
// compared on a write: a bigger block (a shared switchboard number) is
// capped, counted in CappedBlocks and logged, never making a write slow.
const MaxBlock = 100

// MaxGroup bounds how many records a group may gather when it is
// recomputed after a write; a longer chain is cut there and logged.
const MaxGroup = 500

// CappedBlocks counts the blocks that were too big to compare on a write
// since the process started (shown on /settings/duplicates).
var CappedBlocks atomic.Int64

// Pair is one stored pair of likely duplicates, lower id first.
type Pair struct {
	A             string         `json:"a"`
	B             string         `json:"b"`
	Probability   float64        `json:"probability"`
	Weight        float64        `json:"weight"`
	Contributions []Contribution `json:"contributions"`
}

// Contribution is what one field adds to (or takes from) a pair's weight
// of evidence, in bits, as the model explains it.
type Contribution struct {
	Field  string  `json:"field"`
	Level  string  `json:"level"`
	Weight float64 `json:"weight"`
}

func contributions(cs []linkage.Contribution) []Contribution {
	out := make([]Contribution, 0, len(cs))
	for _, c := range cs {
		out = append(out, Contribution{Field: c.Field, Level: c.Level, Weight: float64(int(c.Weight*10+sign(c.Weight)*0.5)) / 10})
	}
	return out
}

func sign(x float64) float64 {
	if x < 0 {
		return -1
	}
	return 1
}

// neighbours returns the ids of the records sharing a block with prof,
// other than self: each block is read up to MaxBlock members, and one
// fuller than that is skipped and counted.
func (s *Service) neighbours(ctx context.Context, q store.Querier, ws int64, k *kind, prof *linkage.Profile, self int64) ([]int64, error) {
	seen := map[int64]bool{self: true}
	var out []int64
	keys := prof.Blocks()
	blocks, err := s.blocks(ctx, q, ws, k, keys)
	if err != nil {
		return nil, err
	}
	for _, key := range keys {
		ids := blocks[key]
		if len(ids) > MaxBlock {
			if CappedBlocks.Add(1)%1000 == 1 {
				s.opts.Logger.Warn("duplicates: block too big to compare", "object", k.object, "key", key, "cap", MaxBlock)
			}
			continue
		}
		for _, id := range ids {
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	return out, nil
}

// blocks reads the members of each block of keys, up to MaxBlock+1 each
// (one more tells a block too big to compare). On PostgreSQL it is one
// query for all keys, each bounded by its own LIMIT: a write's round trips
// to the server are most of its cost. SQLite, in the process, is asked
// key by key.
func (s *Service) blocks(ctx context.Context, q store.Querier, ws int64, k *kind, keys []string) (map[string][]int64, error) {
	out := make(map[string][]int64, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	if s.db.Dialect.Name() == "postgres" {
		args := make([]any, 0, len(keys)+3)
		for _, key := range keys {
			args = append(args, key)
		}
		args = append(args, ws, k.object, MaxBlock+1)
		values := strings.TrimSuffix(strings.Repeat("(?::text), ", len(keys)), ", ")
		rows, err := q.QueryContext(ctx, `SELECT b.key, m.record_id FROM (VALUES `+values+`) AS b(key)
			CROSS JOIN LATERAL (SELECT record_id FROM duplicate_keys WHERE workspace_id = ? AND object = ? AND key = b.key LIMIT ?) m`, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var key string
			var id int64
			if err := rows.Scan(&key, &id); err != nil {
				return nil, err
			}
			out[key] = append(out[key], id)
		}
		return out, rows.Err()
	}
	for _, key := range keys {
		rows, err := q.QueryContext(ctx, `SELECT record_id FROM duplicate_keys WHERE workspace_id = ? AND object = ? AND key = ? LIMIT ?`,
			ws, k.object, key, MaxBlock+1)
		if err != nil {
			return nil, err
		}
		if out[key], err = scanIDs(rows); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// score replaces the pairs of ids (entries being their live records) with
// fresh ones against the members of their blocks, then recomputes the
// groups they touch.
func (s *Service) score(ctx context.Context, q store.Querier, ws int64, k *kind, ids []int64, entries []entry) error {
	set, err := s.settings(ctx, q, ws, k)
	if err != nil {
		return err
	}
	model, err := s.model(ctx, q, ws, k)
	if err != nil {
		return err
	}
	seeds := slices.Clone(ids)
	// The groups the records were in lose them, or gain through them.
	old, err := s.groupMembers(ctx, q, ws, k, ids)
	if err != nil {
		return err
	}
	seeds = append(seeds, old...)
	for start := 0; start < len(ids); start += batch {
		marks, args := store.List(ids[start:min(start+batch, len(ids))])
		all := append([]any{ws, k.object}, args...)
		if _, err := q.ExecContext(ctx, `DELETE FROM duplicate_pairs WHERE workspace_id = ? AND object = ? AND (a_id IN (`+marks+`) OR b_id IN (`+marks+`))`,
			append(all, args...)...); err != nil {
			return err
		}
	}
	pairs := &inserter{q: q, table: pairColumns, width: 8}
	done := map[[2]int64]bool{}
	profs := make([]*linkage.Profile, len(entries))
	var keys []string
	for i, e := range entries {
		profs[i] = linkage.Prepare(e.rec)
		keys = append(keys, profs[i].Blocks()...)
	}
	if err := s.lockKeys(ctx, q, ws, k, keys); err != nil {
		return err
	}
	for i, e := range entries {
		prof := profs[i]
		near, err := s.neighbours(ctx, q, ws, k, prof, e.id)
		if err != nil {
			return err
		}
		others, err := s.loadProfiles(ctx, q, ws, k, near)
		if err != nil {
			return err
		}
		for _, o := range others {
			a, b := min(e.id, o.id), max(e.id, o.id)
			aOwner, bOwner := ownerOf(e.owner), ownerOf(o.owner)
			if a != e.id {
				aOwner, bOwner = bOwner, aOwner
			}
			if done[[2]int64{a, b}] {
				continue
			}
			done[[2]int64{a, b}] = true
			r := model.Compare(prof, o.prof)
			if r.Probability < set.Review {
				continue
			}
			if err := pairs.add(ctx, ws, k.object, a, b, r.Probability, r.Weight, aOwner, bOwner); err != nil {
				return err
			}
			if r.Probability >= set.Duplicate {
				seeds = append(seeds, o.id)
			}
		}
	}
	if err := pairs.flush(ctx); err != nil {
		return err
	}
	return s.regroup(ctx, q, ws, k, set, seeds)
}

// groupMembers returns the members of the groups of ids.
func (s *Service) groupMembers(ctx context.Context, q store.Querier, ws int64, k *kind, ids []int64) ([]int64, error) {
	var out []int64
	for start := 0; start < len(ids); start += batch {
		marks, args := store.List(ids[start:min(start+batch, len(ids))])
		rows, err := q.QueryContext(ctx, `SELECT record_id FROM duplicate_groups WHERE workspace_id = ? AND object = ? AND group_id IN (
			SELECT group_id FROM duplicate_groups WHERE workspace_id = ? AND object = ? AND record_id IN (`+marks+`))`,
			append([]any{ws, k.object, ws, k.object}, args...)...)
		if err != nil {
			return nil, err
		}
		got, err := scanIDs(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return out, nil
}

// strongSQL selects the edges of groups among pairs touching a list of
// ids: pairs at or above the duplicate threshold not decided "different",
// and pairs decided "same".
func strongSQL(d store.Dialect, marks string) string {
	return `SELECT p.a_id, p.b_id FROM duplicate_pairs p
		LEFT JOIN duplicate_decisions x ON x.workspace_id = p.workspace_id AND x.object = p.object AND x.a_id = p.a_id AND x.b_id = p.b_id
		WHERE p.workspace_id = ? AND p.object = ? AND (p.a_id IN (` + marks + `) OR p.b_id IN (` + marks + `))
		AND ((p.probability >= ? AND (x.same IS NULL OR x.same = ` + boolSQL(d, true) + `)) OR x.same = ` + boolSQL(d, true) + `)`
}

func boolSQL(d store.Dialect, b bool) string {
	switch {
	case d.Name() == "postgres" && b:
		return "TRUE"
	case d.Name() == "postgres":
		return "FALSE"
	case b:
		return "1"
	}
	return "0"
}

// regroup recomputes the groups reachable from seeds: the connected
// components of strong edges, each split by linkage.Cluster (see
// clusterEdges), each group stored under its lowest id.
func (s *Service) regroup(ctx context.Context, q store.Querier, ws int64, k *kind, set Settings, seeds []int64) error {
	visited := map[int64]bool{}
	var components [][]int64
	for _, seed := range seeds {
		if visited[seed] {
			continue
		}
		comp := []int64{seed}
		visited[seed] = true
		frontier := []int64{seed}
		for len(frontier) > 0 && len(comp) < MaxGroup {
			marks, args := store.List(frontier)
			all := append([]any{ws, k.object}, args...)
			all = append(all, args...)
			rows, err := q.QueryContext(ctx, strongSQL(s.db.Dialect, marks), append(all, set.Duplicate)...)
			if err != nil {
				return err
			}
			var next []int64
			for rows.Next() {
				var a, b int64
				if err := rows.Scan(&a, &b); err != nil {
					rows.Close()
					return err
				}
				for _, id := range []int64{a, b} {
					if !visited[id] && len(comp) < MaxGroup {
						visited[id] = true
						comp = append(comp, id)
						next = append(next, id)
					}
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			frontier = next
		}
		if len(comp) >= MaxGroup {
			s.opts.Logger.Warn("duplicates: group cut at its size bound", "object", k.object, "record", seed, "bound", MaxGroup)
		}
		// The component is split by linkage.Cluster over every scored pair
		// among its members, so that one wrong pair does not chain two
		// groups.
		groups, err := s.cluster(ctx, q, ws, k, set, comp)
		if err != nil {
			return err
		}
		components = append(components, groups...)
	}
	var all []int64
	for id := range visited {
		all = append(all, id)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	for start := 0; start < len(all); start += batch {
		marks, args := store.List(all[start:min(start+batch, len(all))])
		if _, err := q.ExecContext(ctx, `DELETE FROM duplicate_groups WHERE workspace_id = ? AND object = ? AND record_id IN (`+marks+`)`,
			append([]any{ws, k.object}, args...)...); err != nil {
			return err
		}
	}
	owners, err := s.owners(ctx, q, ws, k, all)
	if err != nil {
		return err
	}
	rows := &inserter{q: q, table: "duplicate_groups (workspace_id, object, group_id, record_id, owner_id)", width: 5}
	for _, comp := range components {
		// Only live records: a deleted one has no profile, hence no owner
		// entry, and leaves its group.
		live := comp[:0]
		for _, id := range comp {
			if _, ok := owners[id]; ok {
				live = append(live, id)
			}
		}
		if len(live) < 2 {
			continue
		}
		first := slices.Min(live)
		for _, id := range live {
			if err := rows.add(ctx, ws, k.object, first, id, owners[id]); err != nil {
				return err
			}
		}
	}
	return rows.flush(ctx)
}

// cluster splits a component (at most MaxGroup ids) into groups with
// linkage.Cluster over the pairs among its members and their decisions.
func (s *Service) cluster(ctx context.Context, q store.Querier, ws int64, k *kind, set Settings, comp []int64) ([][]int64, error) {
	if len(comp) < 3 {
		// One pair (or none) has nothing to split.
		return [][]int64{comp}, nil
	}
	marks, args := store.List(comp)
	all := append([]any{ws, k.object}, args...)
	rows, err := q.QueryContext(ctx, `SELECT p.a_id, p.b_id, p.probability, x.same FROM duplicate_pairs p
		LEFT JOIN duplicate_decisions x ON x.workspace_id = p.workspace_id AND x.object = p.object AND x.a_id = p.a_id AND x.b_id = p.b_id
		WHERE p.workspace_id = ? AND p.object = ? AND p.a_id IN (`+marks+`) AND p.b_id IN (`+marks+`)`, append(all, args...)...)
	if err != nil {
		return nil, err
	}
	var edges []linkage.Edge[int64]
	for rows.Next() {
		var a, b int64
		var p float64
		var same *bool
		if err := rows.Scan(&a, &b, &p, &same); err != nil {
			rows.Close()
			return nil, err
		}
		edges = append(edges, clusterEdge(a, b, p, same))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return linkage.Cluster(edges, clusterOptions(set)), nil
}

// clusterEdge is a stored pair as linkage.Cluster weighs it: "same" unites
// the two whatever the rest, "different" is no edge at all.
func clusterEdge(a, b int64, p float64, same *bool) linkage.Edge[int64] {
	e := linkage.Edge[int64]{A: a, B: b, Probability: p}
	switch {
	case same != nil && *same:
		e.Same = true
	case same != nil:
		e.Probability = 0
	}
	return e
}

// clusterOptions are the grouping rule of decision 0034: a pair at or
// above the duplicate threshold links, a record joins a group when it is
// a duplicate of at least half its members, groups hold at most MaxGroup.
func clusterOptions(set Settings) linkage.ClusterOptions {
	return linkage.ClusterOptions{Link: set.Duplicate, Share: linkage.ClusterShare, MaxSize: MaxGroup}
}

// owners returns the owner of each live record among ids (nil when it has
// none), read from the profiles.
func (s *Service) owners(ctx context.Context, q store.Querier, ws int64, k *kind, ids []int64) (map[int64]any, error) {
	out := map[int64]any{}
	for start := 0; start < len(ids); start += batch {
		marks, args := store.List(ids[start:min(start+batch, len(ids))])
		rows, err := q.QueryContext(ctx, `SELECT record_id, owner_id FROM duplicate_profiles WHERE workspace_id = ? AND object = ? AND record_id IN (`+marks+`)`,
			append([]any{ws, k.object}, args...)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var owner *int64
			if err := rows.Scan(&id, &owner); err != nil {
				rows.Close()
				return nil, err
			}
			if owner != nil {
				out[id] = *owner
			} else {
				out[id] = nil
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// RescoreResult says what a full rescore did.
type RescoreResult struct {
	Records, Compared, Pairs, Grouped int
	Took                              time.Duration
	// Phases are the wall times of its steps, in order: profiles read and
	// prepared, blocks walked and pairs compared, pairs written, groups
	// formed and written.
	Phases [4]time.Duration
}

// pairColumns are the columns of a stored pair, as the inserters fill
// them. Its explanation is not kept: Review works it out when shown.
const pairColumns = "duplicate_pairs (workspace_id, object, a_id, b_id, probability, weight, a_owner, b_owner)"

// ownerOf is a record's owner as a column value: NULL for none.
func ownerOf(owner string) any {
	if owner == "" {
		return nil
	}
	return owner
}

// rescore scores every pair of k's records that share a block again with
// the workspace's current model, replacing all pairs and groups, inside q:
// the transaction of a bulk loader, which must see its own writes. Blocks
// bigger than MaxBlock are skipped, as on a write.
func (s *Service) rescore(ctx context.Context, q store.Querier, ws int64, k *kind) (RescoreResult, error) {
	model, err := s.model(ctx, q, ws, k)
	if err != nil {
		return RescoreResult{}, err
	}
	r, err := s.compare(ctx, q, ws, k, model, false)
	if err != nil {
		return RescoreResult{}, err
	}
	err = s.replace(ctx, q, ws, k, r, func(step func(store.Querier) error) error { return step(q) })
	s.logRescore(ws, k, r, 0)
	return r.res, err
}

// logRescore says what a rescore did, and sets its time taken.
func (s *Service) logRescore(ws int64, k *kind, r *rescoring, changed int) {
	res := &r.res
	res.Took = time.Since(r.start)
	s.opts.Logger.Info("duplicates rescored", "workspace", ws, "object", k.object, "records", res.Records,
		"compared", res.Compared, "pairs", res.Pairs, "grouped", res.Grouped, "took", res.Took.Round(time.Millisecond),
		"profiles", res.Phases[0].Round(time.Millisecond), "compare", res.Phases[1].Round(time.Millisecond),
		"write", res.Phases[2].Round(time.Millisecond), "groups", res.Phases[3].Round(time.Millisecond), "changed meanwhile", changed)
}

// rescoreAside is rescore for the background, where holding the writer
// for the whole rescore (minutes at a million records) made every other
// write wait that long on SQLite. The comparing reads a snapshot and holds
// no lock. The writing is a series of short transactions, the first of
// which runs keep (a new model to store, say): meanwhile the pairs and
// groups are part old, part new, each a valid estimate. Records written
// between the snapshot and the last of those transactions may have had
// their fresh pairs overwritten from the snapshot, so a last pass finds
// every record whose profile is not the one compared and scores it again,
// as a write would. model nil means the stored one.
func (s *Service) rescoreAside(ctx context.Context, ws int64, k *kind, model *linkage.Model, keep func(q store.Querier) error) (RescoreResult, error) {
	var r *rescoring
	err := s.db.Snapshot(ctx, func(q store.Querier) error {
		var err error
		if model == nil {
			if model, err = s.model(ctx, q, ws, k); err != nil {
				return err
			}
		}
		r, err = s.compare(ctx, q, ws, k, model, true)
		return err
	})
	if err != nil {
		return RescoreResult{}, err
	}
	if s.compared != nil {
		s.compared()
	}
	first := keep
	err = s.replace(ctx, s.db.Reader(), ws, k, r, func(step func(store.Querier) error) error {
		return s.db.Tx(ctx, func(q store.Querier) error {
			if first != nil {
				if err := first(q); err != nil {
					return err
				}
				first = nil
			}
			return step(q)
		})
	})
	if err != nil {
		return r.res, err
	}
	changed, err := s.catchUp(ctx, ws, k, r.digests)
	s.logRescore(ws, k, r, changed)
	return r.res, err
}

// catchUp scores again, as a write would, the records of k whose profile
// is not the one digests holds, a few per transaction; it returns how
// many there were.
func (s *Service) catchUp(ctx context.Context, ws int64, k *kind, digests map[int64]uint64) (int, error) {
	var changed []string
	err := s.db.Snapshot(ctx, func(q store.Querier) error {
		var err error
		changed, err = s.changedSince(ctx, q, ws, k, digests)
		return err
	})
	if err != nil {
		return 0, err
	}
	for start := 0; start < len(changed); start += catchUpBatch {
		part := changed[start:min(start+catchUpBatch, len(changed))]
		if err := s.db.Tx(ctx, func(q store.Querier) error { return s.refresh(ctx, q, ws, k, part) }); err != nil {
			return start, err
		}
	}
	return len(changed), nil
}

// catchUpBatch is how many changed records one catch-up transaction
// scores again.
const catchUpBatch = 100

// writeChunk is about how many rows one step of a rescore's writing
// replaces (a variable for the tests, which make it small).
var writeChunk = 5000

// A rescoring is what compare found, for replace to write.
type rescoring struct {
	res     RescoreResult
	start   time.Time
	set     Settings
	found   []scoredPair
	owners  map[int64]any    // of the records of the pairs found, nil for none
	digests map[int64]uint64 // of each profile, to see which changed since (rescoreAside)
}

type scoredPair struct {
	a, b                int64
	probability, weight float64
}

// digest identifies a stored profile and its owner, to tell whether it
// changed between two reads.
func digest(owner *int64, profile string) uint64 {
	h := fnv.New64a()
	if owner != nil {
		h.Write([]byte(itoa(*owner)))
	}
	h.Write([]byte{0})
	h.Write([]byte(profile))
	return h.Sum64()
}

// compareRecords is about how many distinct records' profiles a rescore
// holds prepared at once (a variable for the tests, which make it small).
// A million prepared profiles took some 700 MB; the blocks are read in key
// order and compared a part at a time instead, each part's profiles read
// and prepared for it. A record in blocks of several parts is prepared in
// each: more work than once, but memory that no longer grows with the
// workspace.
var compareRecords = 50000

// keysPage is how many keys a rescore reads a query (a variable for the
// tests, which make it small): the keys are read a page at a time, so
// that no result is open while a part's profiles are read (PostgreSQL's
// protocol serves one query of a connection at a time).
var keysPage = 20000

// compare reads every block of k through q, in key order, and scores with
// model every pair of records that share a block, a part of the blocks at
// a time. With digests it also keeps a digest of every profile, for
// rescoreAside to tell which changed meanwhile.
func (s *Service) compare(ctx context.Context, q store.Querier, ws int64, k *kind, model *linkage.Model, digests bool) (*rescoring, error) {
	r := &rescoring{start: time.Now(), owners: map[int64]any{}}
	res := &r.res
	var err error
	if r.set, err = s.settings(ctx, q, ws, k); err != nil {
		return nil, err
	}
	if digests {
		if r.digests, err = s.digests(ctx, q, ws, k); err != nil {
			return nil, err
		}
		res.Records = len(r.digests)
	} else if err := q.QueryRowContext(ctx, `SELECT count(*) FROM duplicate_profiles WHERE workspace_id = ? AND object = ?`,
		ws, k.object).Scan(&res.Records); err != nil {
		return nil, err
	}
	phase := r.start
	lap := func(i int) {
		res.Phases[i] += time.Since(phase)
		phase = time.Now()
	}
	lap(0)
	p := &comparing{s: s, q: q, ws: ws, k: k, model: model, r: r, found: map[[2]int64]bool{}, lap: lap}
	var block []int64
	last, lastID := "", int64(0)
	for first := true; ; first = false {
		keys, ids, err := s.keysAfter(ctx, q, ws, k, last, lastID, first)
		if err != nil {
			return nil, err
		}
		for i, key := range keys {
			if key != last {
				if err := p.add(ctx, block); err != nil {
					return nil, err
				}
				block, last = block[:0], key
			}
			if len(block) <= MaxBlock {
				block = append(block, ids[i])
			}
			lastID = ids[i]
		}
		if len(keys) < keysPage {
			break
		}
	}
	if err := p.add(ctx, block); err != nil {
		return nil, err
	}
	if err := p.run(ctx); err != nil {
		return nil, err
	}
	res.Pairs = len(r.found)
	ids := make([]int64, 0, 2*len(r.found))
	for _, f := range r.found {
		ids = append(ids, f.a, f.b)
	}
	slices.Sort(ids)
	if r.owners, err = s.owners(ctx, q, ws, k, slices.Compact(ids)); err != nil {
		return nil, err
	}
	lap(0)
	return r, nil
}

// keysAfter reads the next page of k's keys and their records in key
// order: those after (key, id), or from the first when first.
func (s *Service) keysAfter(ctx context.Context, q store.Querier, ws int64, k *kind, key string, id int64, first bool) ([]string, []int64, error) {
	query := `SELECT key, record_id FROM duplicate_keys WHERE workspace_id = ? AND object = ?`
	args := []any{ws, k.object}
	if !first {
		// A row value, not "key > ? OR key = ? AND record_id > ?": with
		// the values bound, SQLite's planner seeks only the workspace and
		// object for the OR and walked every earlier key again, a page at
		// a time, 0.45 s a page at a million contacts.
		query += ` AND (key, record_id) > (?, ?)`
		args = append(args, key, id)
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY key, record_id LIMIT `+strconv.Itoa(keysPage), args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var keys []string
	var ids []int64
	for rows.Next() {
		var key string
		var id int64
		if err := rows.Scan(&key, &id); err != nil {
			return nil, nil, err
		}
		keys, ids = append(keys, key), append(ids, id)
	}
	return keys, ids, rows.Err()
}

// digests reads a digest of every profile of k.
func (s *Service) digests(ctx context.Context, q store.Querier, ws int64, k *kind) (map[int64]uint64, error) {
	rows, err := q.QueryContext(ctx, `SELECT record_id, owner_id, profile FROM duplicate_profiles WHERE workspace_id = ? AND object = ?`, ws, k.object)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]uint64{}
	for rows.Next() {
		var id int64
		var owner *int64
		var text string
		if err := rows.Scan(&id, &owner, &text); err != nil {
			return nil, err
		}
		out[id] = digest(owner, text)
	}
	return out, rows.Err()
}

// comparing gathers the usable blocks of a rescore into parts of about
// compareRecords distinct records, and compares each part's pairs.
type comparing struct {
	s     *Service
	q     store.Querier
	ws    int64
	k     *kind
	model *linkage.Model
	r     *rescoring
	lap   func(phase int)
	// The part: its blocks, one after another in members, and the
	// distinct records among them.
	members []int64
	ends    []int
	records map[int64]struct{}
	// found are the pairs kept so far: a pair that shares blocks of two
	// parts is compared in both and kept once.
	found map[[2]int64]bool
}

// add adds a block to the part, and compares the part once it is full.
// A block of one record, or of more than MaxBlock, is passed over.
func (p *comparing) add(ctx context.Context, block []int64) error {
	if len(block) < 2 || len(block) > MaxBlock {
		return nil
	}
	if p.records == nil {
		p.records = map[int64]struct{}{}
	}
	p.members = append(p.members, block...)
	p.ends = append(p.ends, len(p.members))
	for _, id := range block {
		p.records[id] = struct{}{}
	}
	if len(p.records) < compareRecords {
		return nil
	}
	return p.run(ctx)
}

// run compares the pairs of the part's blocks and empties the part. A
// pair met in several blocks of the part is scored in the first only:
// each record remembers the blocks of the part it was in (a few each),
// which costs far less than a set of every pair. Pairs are compared in
// batches on every core.
func (p *comparing) run(ctx context.Context) error {
	if len(p.ends) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(p.records))
	for id := range p.records {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	profs, err := p.s.prepared(ctx, p.q, p.ws, p.k, ids)
	if err != nil {
		return err
	}
	p.lap(0)
	res, set := &p.r.res, p.r.set
	seenIn := make(map[int64][]int32, len(ids))
	shared := func(x, y []int32) bool {
		for _, i := range x {
			if slices.Contains(y, i) {
				return true
			}
		}
		return false
	}
	var pending [][2]int64
	results := make([]scoredPair, compareBatch)
	compare := func() {
		parallel(len(pending), func(i int) {
			pr, w := p.model.Score(profs[pending[i][0]], profs[pending[i][1]])
			results[i] = scoredPair{pending[i][0], pending[i][1], pr, w}
		})
		for _, f := range results[:len(pending)] {
			if f.probability >= set.Review && !p.found[[2]int64{f.a, f.b}] {
				p.found[[2]int64{f.a, f.b}] = true
				p.r.found = append(p.r.found, f)
			}
		}
		pending = pending[:0]
	}
	start := 0
	for n, end := range p.ends {
		block := p.members[start:end]
		start = end
		for i, a := range block {
			for _, b := range block[i+1:] {
				if shared(seenIn[a], seenIn[b]) || profs[a] == nil || profs[b] == nil {
					continue
				}
				res.Compared++
				pending = append(pending, [2]int64{min(a, b), max(a, b)})
				if len(pending) == compareBatch {
					compare()
				}
			}
		}
		for _, a := range block {
			seenIn[a] = append(seenIn[a], int32(n))
		}
	}
	compare()
	p.members, p.ends, p.records = p.members[:0], p.ends[:0], nil
	p.lap(1)
	return nil
}

// prepared reads the profiles of k among ids (sorted) and prepares them,
// on every core.
func (s *Service) prepared(ctx context.Context, q store.Querier, ws int64, k *kind, ids []int64) (map[int64]*linkage.Profile, error) {
	type raw struct {
		id   int64
		text string
	}
	var raws []raw
	for start := 0; start < len(ids); start += batch {
		marks, args := store.List(ids[start:min(start+batch, len(ids))])
		rows, err := q.QueryContext(ctx, `SELECT record_id, profile FROM duplicate_profiles WHERE workspace_id = ? AND object = ? AND record_id IN (`+marks+`)`,
			append([]any{ws, k.object}, args...)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var rw raw
			if err := rows.Scan(&rw.id, &rw.text); err != nil {
				rows.Close()
				return nil, err
			}
			raws = append(raws, rw)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	list := make([]*linkage.Profile, len(raws))
	parallel(len(raws), func(i int) {
		rec, _ := linkage.ReadRecord(raws[i].text) // a damaged row matches nothing
		list[i] = linkage.Prepare(rec)
	})
	out := make(map[int64]*linkage.Profile, len(raws))
	for i, rw := range raws {
		out[rw.id] = list[i]
	}
	return out, nil
}

// replace writes what compare found in place of k's pairs and groups,
// reading the decisions through read. Each step of the writing goes
// through tx: all in one transaction for a bulk loader, each in its own
// for the background. A step replaces a range of lower ids' pairs, or of
// groups, so that a step is short whatever the workspace's size.
func (s *Service) replace(ctx context.Context, read store.Querier, ws int64, k *kind, r *rescoring,
	tx func(step func(q store.Querier) error) error) error {
	res, set, found, owners := &r.res, r.set, r.found, r.owners
	phase := time.Now()
	lap := func(i int) {
		res.Phases[i] = time.Since(phase)
		phase = time.Now()
	}
	// In key order, the pairs fill the table's pages one after another.
	slices.SortFunc(found, func(x, y scoredPair) int {
		if c := cmp.Compare(x.a, y.a); c != 0 {
			return c
		}
		return cmp.Compare(x.b, y.b)
	})
	// Each step deletes the pairs whose lower id is in its range and
	// inserts the new ones there.
	err := inSteps(found, func(f scoredPair) int64 { return f.a }, func(scoredPair) int { return 1 },
		func(from, to int64, chunk []scoredPair) error {
			return tx(func(q store.Querier) error {
				if _, err := q.ExecContext(ctx, `DELETE FROM duplicate_pairs WHERE workspace_id = ? AND object = ? AND a_id > ? AND a_id <= ?`,
					ws, k.object, from, to); err != nil {
					return err
				}
				ins := &inserter{q: q, table: pairColumns, width: 8}
				for _, f := range chunk {
					if err := ins.add(ctx, ws, k.object, f.a, f.b, f.probability, f.weight, owners[f.a], owners[f.b]); err != nil {
						return err
					}
				}
				return ins.flush(ctx)
			})
		})
	if err != nil {
		return err
	}
	lap(2)
	// Groups: linkage.Cluster over every pair found, with the decisions
	// ("same" also for a pair scored below review).
	decided, err := s.decisions(ctx, read, ws, k)
	if err != nil {
		return err
	}
	edges := make([]linkage.Edge[int64], 0, len(found)+len(decided))
	for _, f := range found {
		var same *bool
		if d, ok := decided[[2]int64{f.a, f.b}]; ok {
			same = &d
		}
		edges = append(edges, clusterEdge(f.a, f.b, f.probability, same))
	}
	if err := s.addOwners(ctx, read, ws, k, owners, decided); err != nil {
		return err
	}
	for pair, same := range decided {
		if _, a := owners[pair[0]]; same && a {
			if _, b := owners[pair[1]]; !b {
				continue
			}
			edges = append(edges, linkage.Edge[int64]{A: pair[0], B: pair[1], Probability: 1, Same: true})
		}
	}
	var groups [][]int64
	for _, g := range linkage.Cluster(edges, clusterOptions(set)) {
		if len(g) >= 2 {
			groups = append(groups, g) // g[0], its lowest id, names it
			res.Grouped += len(g)
		}
	}
	slices.SortFunc(groups, func(x, y []int64) int { return cmp.Compare(x[0], y[0]) })
	if err := s.replaceGroups(ctx, ws, k, groups, owners, tx); err != nil {
		return err
	}
	err = tx(func(q store.Querier) error {
		for _, table := range []string{"duplicate_pairs", "duplicate_groups"} {
			if _, err := q.ExecContext(ctx, `ANALYZE `+table); err != nil {
				return err
			}
		}
		return nil
	})
	lap(3)
	return err
}

// addOwners adds to owners those of the records of pairs decided "same"
// that have a profile: such a pair joins a group even when it scored
// below review.
func (s *Service) addOwners(ctx context.Context, q store.Querier, ws int64, k *kind, owners map[int64]any, decided map[[2]int64]bool) error {
	var ids []int64
	for pair, same := range decided {
		for _, id := range pair {
			if _, known := owners[id]; same && !known {
				ids = append(ids, id)
			}
		}
	}
	slices.Sort(ids)
	more, err := s.owners(ctx, q, ws, k, slices.Compact(ids))
	for id, owner := range more {
		owners[id] = owner
	}
	return err
}

// replaceGroups writes groups (in order of their names) in place of k's,
// a step at a time like replace: a step deletes the groups named in its
// range and the rows of its members, wherever they were, then inserts.
func (s *Service) replaceGroups(ctx context.Context, ws int64, k *kind, groups [][]int64, owners map[int64]any,
	tx func(step func(q store.Querier) error) error) error {
	name := func(g []int64) int64 { return g[0] }
	size := func(g []int64) int { return len(g) }
	// PostgreSQL plans each step's delete by record on the statistics it
	// has. A table that was empty at the last ANALYZE (a first import)
	// looks empty still, and its planner chose to read every group of the
	// object and filter them, some 0.7 s a step at 150,000 grouped
	// records; statistics of the first step's rows, scaled to the table's
	// size as it grows, set it on the index by record.
	analyzed := s.db.Dialect != store.Postgres
	return inSteps(groups, name, size, func(from, to int64, chunk [][]int64) error {
		return tx(func(q store.Querier) error {
			if !analyzed && from != math.MinInt64 {
				if _, err := q.ExecContext(ctx, `ANALYZE duplicate_groups`); err != nil {
					return err
				}
				analyzed = true
			}
			if _, err := q.ExecContext(ctx, `DELETE FROM duplicate_groups WHERE workspace_id = ? AND object = ? AND group_id > ? AND group_id <= ?`,
				ws, k.object, from, to); err != nil {
				return err
			}
			var members []int64
			for _, g := range chunk {
				members = append(members, g...)
			}
			for i := 0; i < len(members); i += batch {
				marks, args := store.List(members[i:min(i+batch, len(members))])
				if _, err := q.ExecContext(ctx, `DELETE FROM duplicate_groups WHERE workspace_id = ? AND object = ? AND record_id IN (`+marks+`)`,
					append([]any{ws, k.object}, args...)...); err != nil {
					return err
				}
			}
			ins := &inserter{q: q, table: "duplicate_groups (workspace_id, object, group_id, record_id, owner_id)", width: 5}
			for _, g := range chunk {
				for _, id := range g {
					if err := ins.add(ctx, ws, k.object, g[0], id, owners[id]); err != nil {
						return err
					}
				}
			}
			return ins.flush(ctx)
		})
	})
}

// inSteps cuts items, sorted by key, into steps of about writeChunk rows
// (size says how many rows an item is) and calls step with each: the
// range of keys (from, to] it covers, and its items. Items of one key
// stay in one step; the first range starts below every key and the last
// ends above every key, so that together they cover all keys, even when
// items is empty (one step then).
func inSteps[T any](items []T, key func(T) int64, size func(T) int, step func(from, to int64, chunk []T) error) error {
	from := int64(math.MinInt64)
	for start := 0; ; {
		end, rows := start, 0
		for end < len(items) && (rows < writeChunk || key(items[end]) == key(items[end-1])) {
			rows += size(items[end])
			end++
		}
		to := int64(math.MaxInt64)
		if end < len(items) {
			to = key(items[end-1])
		}
		if err := step(from, to, items[start:end]); err != nil {
			return err
		}
		if end == len(items) {
			return nil
		}
		from, start = to, end
	}
}

// changedSince returns the records of k whose stored profile or owner is
// not what digests says: changed, added or removed since it was read.
func (s *Service) changedSince(ctx context.Context, q store.Querier, ws int64, k *kind, digests map[int64]uint64) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT record_id, owner_id, profile FROM duplicate_profiles WHERE workspace_id = ? AND object = ?`, ws, k.object)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var changed []string
	present := make(map[int64]struct{}, len(digests))
	for rows.Next() {
		var id int64
		var owner *int64
		var text string
		if err := rows.Scan(&id, &owner, &text); err != nil {
			return nil, err
		}
		present[id] = struct{}{}
		if d, ok := digests[id]; !ok || d != digest(owner, text) {
			changed = append(changed, itoa(id))
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for id := range digests {
		if _, ok := present[id]; !ok {
			changed = append(changed, itoa(id))
		}
	}
	return changed, nil
}

// decisions returns what was decided of k's pairs: true for "same".
func (s *Service) decisions(ctx context.Context, q store.Querier, ws int64, k *kind) (map[[2]int64]bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT a_id, b_id, same FROM duplicate_decisions WHERE workspace_id = ? AND object = ?`, ws, k.object)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[[2]int64]bool{}
	for rows.Next() {
		var a, b int64
		var same bool
		if err := rows.Scan(&a, &b, &same); err != nil {
			return nil, err
		}
		out[[2]int64{a, b}] = same
	}
	return out, rows.Err()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// compareBatch is how many pairs a rescore compares at once.
const compareBatch = 65536

// parallel calls f(i) for i in [0, n) on every core.
func parallel(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), max(n/1024, 1))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				f(i)
			}
		}()
	}
	wg.Wait()
}

// lockKeys makes writes that share a blocking key take turns on
// PostgreSQL, until their transactions end: otherwise two duplicates
// created at once would each miss the other's uncommitted keys. Locks
// are taken in one order, so two writes never wait for each other.
// SQLite has one writer at a time already.
func (s *Service) lockKeys(ctx context.Context, q store.Querier, ws int64, k *kind, keys []string) error {
	if s.db.Dialect.Name() != "postgres" || len(keys) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(keys))
	for _, key := range keys {
		h := fnv.New64a()
		h.Write([]byte(itoa(ws) + "\x00" + k.object + "\x00" + key))
		ids = append(ids, int64(h.Sum64()))
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	marks, args := store.List(ids)
	_, err := q.ExecContext(ctx, `SELECT pg_advisory_xact_lock(x) FROM (VALUES `+strings.ReplaceAll(marks, "?", "(?::bigint)")+`) AS l(x) ORDER BY x`, args...)
	return err
}

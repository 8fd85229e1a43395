package report

import (
	"context"
	"database/sql"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/store"
)

// Cycle is how long deals stay in each stage of a pipeline, counted over
// the stays that ended in the period, and how long the deals closed in the
// period took from creation to won or lost.
type Cycle struct {
	Pipeline Ref         `json:"pipeline"`
	Stages   []StageTime `json:"stages"`
	Won      Durations   `json:"won"`
	Lost     Durations   `json:"lost"`
}

// StageTime is the durations of the stays in one stage.
type StageTime struct {
	Ref
	Durations
}

// Durations are how many spans a figure covers and their mean and median
// length in days (one decimal); zero when there are none.
type Durations struct {
	Count      int64   `json:"count"`
	MeanDays   float64 `json:"mean_days"`
	MedianDays float64 `json:"median_days"`
}

// Cycle computes the time in stage and the sales cycle.
func (s *Service) Cycle(ctx context.Context, f Filter) (Cycle, error) {
	sc, err := s.scopeOf(ctx, f)
	if err != nil {
		return Cycle{}, err
	}
	pipe, stages, ok, err := s.pipelineOf(ctx, sc)
	if err != nil || !ok {
		return Cycle{Stages: []StageTime{}}, err
	}
	out := Cycle{Pipeline: pipe, Stages: make([]StageTime, len(stages))}
	rank := map[int64]int{}
	for i, st := range stages {
		out.Stages[i].Ref = Ref{ID: strconv.FormatInt(st.id, 10), Name: st.name}
		rank[st.id] = i
	}
	d := s.db.Dialect
	if !sc.hidden["stage_id"] {
		from, args := sc.stays(d, sc.pipeline)
		byStage, err := s.spans(ctx, "h.stage_id", "h.days", from, args)
		if err != nil {
			return out, err
		}
		for id, du := range byStage {
			if i, ok := rank[id]; ok {
				out.Stages[i].Durations = du
			}
		}
	}
	where, args := sc.deals(d, "closed_at")
	byStatus, err := s.spans(ctx, "CASE WHEN d.status = 'won' THEN 1 ELSE 0 END", d.Days("d.closed_at", "d.created_at"),
		table(d, "closed_at")+` WHERE `+where+` AND d.status IN ('won', 'lost')`, args)
	out.Won, out.Lost = byStatus[1], byStatus[0]
	return out, err
}

// spans computes, for each value of the integer expression key over the
// rows of from (tables and WHERE clause, with args), the Durations of the
// expression days. The median stays exact without sending every row to
// Go: a first pass counts and sums the rows by whole days (a monotonic
// bucket), a second reads only the rows of the buckets the middle ranks
// fall in.
func (s *Service) spans(ctx context.Context, key, days, from string, args []any) (map[int64]Durations, error) {
	q := s.db.Reader()
	bucket := "CAST(" + days + " AS BIGINT)"
	type hist struct {
		n, sum  float64
		buckets map[int64]int64
	}
	byKey := map[int64]*hist{}
	rows, err := q.QueryContext(ctx, `SELECT `+key+`, `+bucket+`, count(*), SUM(`+days+`) FROM `+from+` GROUP BY 1, 2`, args...)
	if err != nil {
		return nil, err
	}
	err = eachRow(rows, func(r *sql.Rows) error {
		var k, b, n int64
		var sum float64
		if err := r.Scan(&k, &b, &n, &sum); err != nil {
			return err
		}
		h := byKey[k]
		if h == nil {
			h = &hist{buckets: map[int64]int64{}}
			byKey[k] = h
		}
		h.n += float64(n)
		h.sum += sum
		h.buckets[b] += n
		return nil
	})
	if err != nil || len(byKey) == 0 {
		return map[int64]Durations{}, err
	}
	// The middle ranks (0-based) and the buckets they fall in.
	type middle struct {
		lo, hi int64 // ranks
		before int64 // rows in the buckets below the first bucket read
		want   []int64
		values []float64
	}
	mids := map[int64]*middle{}
	var conds []string
	var margs []any
	for k, h := range byKey {
		n := int64(h.n)
		m := &middle{lo: (n - 1) / 2, hi: n / 2}
		keys := slices.Sorted(maps.Keys(h.buckets))
		var acc int64
		for _, b := range keys {
			c := h.buckets[b]
			if acc+c > m.lo && acc <= m.hi {
				if len(m.want) == 0 {
					m.before = acc
				}
				m.want = append(m.want, b)
			}
			acc += c
		}
		mids[k] = m
		conds = append(conds, "("+key+" = ? AND "+bucket+" IN ("+store.Marks(len(m.want))+"))")
		margs = append(margs, k)
		for _, b := range m.want {
			margs = append(margs, b)
		}
	}
	rows, err = q.QueryContext(ctx, `SELECT `+key+`, `+days+` FROM `+from+` AND (`+strings.Join(conds, " OR ")+`)`,
		append(slices.Clone(args), margs...)...)
	if err != nil {
		return nil, err
	}
	err = eachRow(rows, func(r *sql.Rows) error {
		var k int64
		var x float64
		if err := r.Scan(&k, &x); err != nil {
			return err
		}
		if m := mids[k]; m != nil {
			m.values = append(m.values, x)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := map[int64]Durations{}
	for k, h := range byKey {
		m := mids[k]
		slices.Sort(m.values)
		at := func(rank int64) float64 {
			i := int(rank - m.before)
			if i < 0 || i >= len(m.values) {
				return 0 // the rows changed between the passes
			}
			return m.values[i]
		}
		median := (at(m.lo) + at(m.hi)) / 2
		out[k] = Durations{Count: int64(h.n), MeanDays: round1(h.sum / h.n), MedianDays: round1(median)}
	}
	return out, nil
}

func round1(x float64) float64 {
	if x < 0 {
		return -float64(int64(-x*10+0.5)) / 10
	}
	return float64(int64(x*10+0.5)) / 10
}

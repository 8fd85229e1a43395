package report

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
)

// Funnel is how far the deals created in the period went through the
// stages of a pipeline. Passed counts a deal at every stage it was really
// in; Cumulative counts it also at every stage before the furthest it
// reached. A deal is counted once per stage however often it came back.
type Funnel struct {
	Pipeline Ref           `json:"pipeline"`
	Deals    int64         `json:"deals"`
	Stages   []FunnelStage `json:"stages"`
	Won      int64         `json:"won"`
	Lost     int64         `json:"lost"`
	Open     int64         `json:"open"`
}

// FunnelStage is one stage of the funnel. The rates are the percentage of
// the previous stage's count (of the deals, for the first), nil when
// there is nothing to divide by. Lost counts the deals lost from this
// stage, by reason.
type FunnelStage struct {
	Ref
	Passed         int64    `json:"passed"`
	Cumulative     int64    `json:"cumulative"`
	PassedRate     *float64 `json:"passed_rate"`
	CumulativeRate *float64 `json:"cumulative_rate"`
	Lost           int64    `json:"lost"`
	LossReasons    []Count  `json:"loss_reasons"`
}

// Count is how many of something a report counted.
type Count struct {
	Ref
	Count int64 `json:"count"`
}

// Funnel computes the funnel of the filter's pipeline (the first pipeline
// when it names none).
func (s *Service) Funnel(ctx context.Context, f Filter) (Funnel, error) {
	sc, err := s.scopeOf(ctx, f)
	if err != nil {
		return Funnel{}, err
	}
	pipe, stages, ok, err := s.pipelineOf(ctx, sc)
	if err != nil || !ok {
		return Funnel{Stages: []FunnelStage{}}, err
	}
	out := Funnel{Pipeline: pipe, Stages: make([]FunnelStage, len(stages))}
	rank := map[int64]int{}
	for i, st := range stages {
		out.Stages[i] = FunnelStage{Ref: Ref{ID: strconv.FormatInt(st.id, 10), Name: st.name}, LossReasons: []Count{}}
		rank[st.id] = i
	}
	d := s.db.Dialect
	q := s.db.Reader()
	where, args := sc.deals(d, "created_at")

	// One pass over the deals of the period, grouped by outcome and by the
	// stages each deal was in (kept on the deal by the sales service):
	// passed counts a deal at each stage of the pipeline it was in, and
	// cumulative at its furthest one, then summed backwards. The stages
	// of other pipelines and deleted stages count nowhere.
	rows, err := q.QueryContext(ctx, `SELECT d.status, d.stages_passed, count(*) FROM `+table(d, "created_at")+`
		WHERE `+where+` GROUP BY d.status, d.stages_passed`, args...)
	if err != nil {
		return out, err
	}
	furthest := make([]int64, len(stages))
	err = eachRow(rows, func(r *sql.Rows) error {
		var status, passed sql.NullString
		var n int64
		if err := r.Scan(&status, &passed, &n); err != nil {
			return err
		}
		out.Deals += n
		switch status.String {
		case "won":
			out.Won += n
		case "lost":
			out.Lost += n
		default:
			out.Open += n
		}
		far := -1
		for _, id := range strings.Split(passed.String, ",") {
			id, err := strconv.ParseInt(id, 10, 64)
			if err != nil {
				continue
			}
			if i, ok := rank[id]; ok {
				out.Stages[i].Passed += n
				far = max(far, i)
			}
		}
		if far >= 0 {
			furthest[far] += n
		}
		return nil
	})
	if err != nil || len(stages) == 0 {
		return out, err
	}
	var acc int64
	for i := len(stages) - 1; i >= 0; i-- {
		acc += furthest[i]
		out.Stages[i].Cumulative = acc
	}
	prevP, prevC := out.Deals, out.Deals
	for i := range out.Stages {
		st := &out.Stages[i]
		st.PassedRate, st.CumulativeRate = rate(st.Passed, prevP), rate(st.Cumulative, prevC)
		prevP, prevC = st.Passed, st.Cumulative
	}

	// Lost: the stage a deal was lost from, and why.
	if sc.hidden["stage_id"] {
		return out, nil
	}
	reasons, err := s.names(ctx, "loss_reasons", "name", sc.a.WorkspaceID)
	if err != nil {
		return out, err
	}
	rows, err = q.QueryContext(ctx, `SELECT d.stage_id, d.loss_reason_id, count(*) FROM `+table(d, "created_at")+`
		WHERE `+where+` AND d.status = 'lost' GROUP BY d.stage_id, d.loss_reason_id ORDER BY count(*) DESC, d.loss_reason_id`, args...)
	if err != nil {
		return out, err
	}
	err = eachRow(rows, func(r *sql.Rows) error {
		var st, reason sql.NullInt64
		var n int64
		if err := r.Scan(&st, &reason, &n); err != nil {
			return err
		}
		i, ok := rank[st.Int64]
		if !ok {
			return nil
		}
		out.Stages[i].Lost += n
		if sc.hidden["loss_reason_id"] {
			return nil
		}
		ref := Ref{}
		if reason.Valid {
			ref = Ref{ID: strconv.FormatInt(reason.Int64, 10), Name: reasons[reason.Int64]}
		}
		out.Stages[i].LossReasons = append(out.Stages[i].LossReasons, Count{Ref: ref, Count: n})
		return nil
	})
	return out, err
}

// rate is n as a percentage of of, rounded to one decimal; nil when of is
// zero.
func rate(n, of int64) *float64 {
	if of == 0 {
		return nil
	}
	r := float64(int64(float64(n)*1000/float64(of)+0.5)) / 10
	return &r
}

// eachRow calls fn for every row and closes rows.
func eachRow(rows *sql.Rows, fn func(*sql.Rows) error) error {
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

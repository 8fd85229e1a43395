package report

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
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
	q := s.db.Reader()
	where, args := sc.deals(d, "")
	if !sc.hidden["stage_id"] {
		hargs := append([]any{sc.a.WorkspaceID, d.Time(f.From), d.Time(f.To), sc.pipeline}, args...)
		rows, err := q.QueryContext(ctx, `SELECT h.stage_id, `+d.Days("h.left_at", "h.entered_at")+` FROM deal_stage_history h
			JOIN deals d ON d.workspace_id = h.workspace_id AND d.id = h.deal_id
			WHERE h.workspace_id = ? AND h.left_at >= ? AND h.left_at < ? AND h.pipeline_id = ? AND `+where, hargs...)
		if err != nil {
			return out, err
		}
		spans := make([][]float64, len(stages))
		err = eachRow(rows, func(r *sql.Rows) error {
			var id int64
			var days float64
			if err := r.Scan(&id, &days); err != nil {
				return err
			}
			if i, ok := rank[id]; ok {
				spans[i] = append(spans[i], days)
			}
			return nil
		})
		if err != nil {
			return out, err
		}
		for i := range stages {
			out.Stages[i].Durations = durations(spans[i])
		}
	}
	where, args = sc.deals(d, "closed_at")
	rows, err := q.QueryContext(ctx, `SELECT d.status, `+d.Days("d.closed_at", "d.created_at")+` FROM `+table(d, "closed_at")+`
		WHERE `+where+` AND d.status IN ('won', 'lost')`, args...)
	if err != nil {
		return out, err
	}
	var won, lost []float64
	err = eachRow(rows, func(r *sql.Rows) error {
		var status string
		var days float64
		if err := r.Scan(&status, &days); err != nil {
			return err
		}
		if status == "won" {
			won = append(won, days)
		} else {
			lost = append(lost, days)
		}
		return nil
	})
	out.Won, out.Lost = durations(won), durations(lost)
	return out, err
}

// durations are the count, mean and median of spans in days.
func durations(spans []float64) Durations {
	if len(spans) == 0 {
		return Durations{}
	}
	slices.Sort(spans)
	var sum float64
	for _, x := range spans {
		sum += x
	}
	n := len(spans)
	median := spans[n/2]
	if n%2 == 0 {
		median = (spans[n/2-1] + spans[n/2]) / 2
	}
	return Durations{Count: int64(n), MeanDays: round1(sum / float64(n)), MedianDays: round1(median)}
}

func round1(x float64) float64 {
	if x < 0 {
		return -float64(int64(-x*10+0.5)) / 10
	}
	return float64(int64(x*10+0.5)) / 10
}

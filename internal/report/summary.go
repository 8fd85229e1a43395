package report

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/store"
)

// Summary is the period on one page: deals created, won and lost in it,
// the deals open now by stage, the tasks done in it and overdue now, the
// calls and notes of the period.
type Summary struct {
	Currency     string      `json:"currency"`
	NewDeals     int64       `json:"new_deals"`
	Won          Outcome     `json:"won"`
	Lost         Outcome     `json:"lost"`
	Open         []OpenStage `json:"open"`
	TasksDone    int64       `json:"tasks_done"`
	TasksOverdue int64       `json:"tasks_overdue"`
	Calls        int64       `json:"calls"`
	Notes        int64       `json:"notes"`
	Unconverted  []string    `json:"unconverted"`
}

// Outcome is a count of deals and their value in the base currency (nil
// when the role hides the value).
type Outcome struct {
	Count int64        `json:"count"`
	Sum   *sales.Money `json:"sum"`
}

// OpenStage is the count and value of the deals open now in a stage.
type OpenStage struct {
	Ref
	Pipeline string       `json:"pipeline"`
	Count    int64        `json:"count"`
	Sum      *sales.Money `json:"sum"`
}

// falseLit is the literal false of a boolean column, as the partial
// indexes of open tasks are written.
func falseLit(d store.Dialect) string {
	if d == store.Postgres {
		return "false"
	}
	return "0"
}

// Summary computes the summary report.
func (s *Service) Summary(ctx context.Context, f Filter) (Summary, error) {
	sc, err := s.scopeOf(ctx, f)
	if err != nil {
		return Summary{}, err
	}
	ad, err := s.adder(ctx, sc)
	if err != nil {
		return Summary{}, err
	}
	out := Summary{Currency: ad.base(), Won: Outcome{Sum: ad.zero()}, Lost: Outcome{Sum: ad.zero()}, Open: []OpenStage{}}
	d := s.db.Dialect
	q := s.db.Reader()
	from, to := d.Time(f.From), d.Time(f.To)
	count := func(dst *int64, kind, index, cond string, cargs ...any) func() error {
		return func() error {
			w, a := sc.activities(kind)
			return q.QueryRowContext(ctx, `SELECT count(*) FROM `+activityTable(d, index)+` WHERE `+w+` AND `+cond, append(a, cargs...)...).Scan(dst)
		}
	}
	// Each query reads its own index and writes its own fields of out, so
	// they run at once; only the closes use the adder.
	err = together([]func() error{
		func() error { return s.closes(ctx, sc, ad, &out) },
		func() error {
			where, args := sc.deals(d, "created_at")
			return q.QueryRowContext(ctx, `SELECT count(*) FROM `+table(d, "created_at")+` WHERE `+where, args...).Scan(&out.NewDeals)
		},
		count(&out.TasksDone, "task", "activities_report_done", "a.done_at >= ? AND a.done_at < ?", from, to),
		count(&out.TasksOverdue, "task", sc.overdueIndex(), "a.done = "+falseLit(d)+" AND a.due_at < ?", d.Time(s.now())),
		count(&out.Calls, "call", "activities_report_calls", "a.occurred_at >= ? AND a.occurred_at < ?", from, to),
		count(&out.Notes, "note", "activities_report_notes", "a.occurred_at >= ? AND a.occurred_at < ?", from, to),
	})
	if err != nil {
		return out, err
	}
	// The open deals last: they use the adder too.
	if out.Open, err = s.openByStage(ctx, sc, ad); err != nil {
		return out, err
	}
	out.Unconverted = append([]string{}, ad.unconverted...)
	return out, nil
}

// closes counts and sums the deals won and lost in the period into out.
func (s *Service) closes(ctx context.Context, sc *scope, ad *adder, out *Summary) error {
	d := s.db.Dialect
	where, args := sc.deals(d, "closed_at")
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+d.Day("d.closed_at")+`, d.status, COALESCE(d.value_currency, ''), count(*), COALESCE(SUM(d.value_amount), 0)
		FROM `+table(d, "closed_at")+` WHERE `+where+` AND d.status IN ('won', 'lost') GROUP BY `+d.Day("d.closed_at")+`, d.status, d.value_currency`, args...)
	if err != nil {
		return err
	}
	return eachRow(rows, func(r *sql.Rows) error {
		var day, status, cur string
		var n, amount int64
		if err := r.Scan(&day, &status, &cur, &n, &amount); err != nil {
			return err
		}
		o := &out.Won
		if status == "lost" {
			o = &out.Lost
		}
		o.Count += n
		return ad.add(ctx, cur, day, amount, o.Sum)
	})
}

// openByStage counts and sums the deals open now, per stage of the
// pipeline (or of every pipeline), at today's rates.
func (s *Service) openByStage(ctx context.Context, sc *scope, ad *adder) ([]OpenStage, error) {
	out := []OpenStage{}
	if sc.hidden["stage_id"] {
		return out, nil
	}
	d := s.db.Dialect
	where, args := sc.deals(d, "")
	// Each stage's deals are read from the board's index (stage, status,
	// owner, with the value), as the board reads them.
	join := `LEFT JOIN deals d ON ` + where + ` AND d.stage_id = st.id AND d.status = 'open'`
	if sc.f.Source != "" {
		join = `LEFT JOIN deals d` + d.IndexedBy("deals_report_open_source") + ` ON ` + where + ` AND d.stage_id = st.id AND d.status = 'open'`
	}
	if sc.dealCond == "" && sc.owners == nil && sc.f.Source == "" && sc.filterCond == "" {
		// Every open deal counts: the totals the sales service keeps per
		// stage say as much without reading the deals.
		join = `LEFT JOIN stage_totals x ON x.workspace_id = ? AND x.stage_id = st.id`
		args = []any{sc.a.WorkspaceID}
	}
	cur, n, sum := "d.value_currency", "count(d.id)", "SUM(d.value_amount)"
	if strings.HasPrefix(join, "LEFT JOIN stage_totals") {
		cur, n, sum = "NULLIF(x.currency, '')", "SUM(x.deals)", "SUM(x.amount)"
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT st.id, st.name, p.name, COALESCE(`+cur+`, ''), COALESCE(`+n+`, 0), COALESCE(`+sum+`, 0)
		FROM stages st JOIN pipelines p ON p.workspace_id = st.workspace_id AND p.id = st.pipeline_id AND p.deleted_at IS NULL
		`+join+`
		WHERE st.workspace_id = ? AND st.deleted_at IS NULL AND (? = 0 OR st.pipeline_id = ?)
		GROUP BY p.position, p.id, st.position, st.id, st.name, p.name, `+cur+`
		ORDER BY p.position, p.id, st.position, st.id`, append(args, sc.a.WorkspaceID, sc.pipeline, sc.pipeline)...)
	if err != nil {
		return nil, err
	}
	today := s.now().UTC().Format("2006-01-02")
	index := map[int64]int{}
	err = eachRow(rows, func(r *sql.Rows) error {
		var id, n, amount int64
		var name, pipe sql.NullString
		var cur string
		if err := r.Scan(&id, &name, &pipe, &cur, &n, &amount); err != nil {
			return err
		}
		i, ok := index[id]
		if !ok {
			i = len(out)
			index[id] = i
			out = append(out, OpenStage{Ref: Ref{ID: strconv.FormatInt(id, 10), Name: name.String}, Pipeline: pipe.String, Sum: ad.zero()})
		}
		out[i].Count += n
		return ad.add(ctx, cur, today, amount, out[i].Sum)
	})
	return out, err
}

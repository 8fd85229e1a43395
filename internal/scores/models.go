package scores

import (
	"context"
	"database/sql"
	"encoding/json"
	"math"
	"slices"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/store"
)

// The models: a deal's win probability and a customer's churn risk, each a
// logistic regression fitted on the workspace's own history
// (docs/decisions/0031-scores.md).

// MinClass is the least number of examples of each outcome (won and lost
// deals; churned and kept customers) a model is fitted on. With fewer the
// model reports too little history and no record shows a score.
const MinClass = 50

// ChurnWindow is how long a customer goes without a won deal or any
// activity before it counts as churned.
const ChurnWindow = 180 * 24 * time.Hour

// Lambda is the L2 penalty on the standardised coefficients.
const Lambda = 1.0

// Feature names, in the order of the feature vectors; the settings page
// shows each with a plain name from the catalogue (web.scores.feature.*).
var (
	WinFeatures   = []string{"value", "calls_30", "meetings_30", "notes_30", "tasks_30", "calls_90", "meetings_90", "notes_90", "tasks_90", "idle_days", "stage_days", "backward_moves", "age_days"}
	ChurnFeatures = []string{"since_won_days", "won_deals", "won_value", "calls_30", "meetings_30", "notes_30", "tasks_30", "calls_90", "meetings_90", "notes_90", "tasks_90", "idle_days", "customer_days"}
)

// Status is a stored model as the settings page shows it.
type Status struct {
	Kind      string    `json:"kind"` // win or churn
	Ready     bool      `json:"ready"`
	Positives int       `json:"positives"`
	Negatives int       `json:"negatives"`
	AUC       *float64  `json:"auc"`
	Factors   []Factor  `json:"factors"`
	TrainedAt time.Time `json:"trained_at"`
}

// Factor is one feature's standardised coefficient.
type Factor struct {
	Name string  `json:"name"`
	Coef float64 `json:"coef"`
}

type stored struct {
	Model    *Model   `json:"model"`
	Features []string `json:"features"`
}

// Models returns the workspace's stored models (absent ones are not
// listed).
func (s *Service) Models(ctx context.Context) ([]Status, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Read(ctx).QueryContext(ctx, `SELECT kind, status, positives, negatives, auc, `+s.db.Dialect.JSONOut("model")+`, trained_at
		FROM score_models WHERE workspace_id = ? ORDER BY kind DESC`, a.WorkspaceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Status
	for rows.Next() {
		var st Status
		var status string
		var auc sql.NullFloat64
		var model sql.NullString
		var at any
		if err := rows.Scan(&st.Kind, &status, &st.Positives, &st.Negatives, &auc, &model, &at); err != nil {
			return nil, err
		}
		st.Ready = status == "ready"
		if auc.Valid {
			st.AUC = &auc.Float64
		}
		st.TrainedAt, _ = store.ParseTime(at)
		var m stored
		if model.Valid && json.Unmarshal([]byte(model.String), &m) == nil && m.Model != nil {
			for i, name := range m.Features {
				st.Factors = append(st.Factors, Factor{Name: name, Coef: m.Model.Coef[i]})
			}
			slices.SortStableFunc(st.Factors, func(a, b Factor) int {
				return -cmpFloat(math.Abs(a.Coef), math.Abs(b.Coef))
			})
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Ready reports whether the actor's workspace has a fitted model of kind
// (win or churn).
func (s *Service) Ready(ctx context.Context, kind string) (bool, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return false, err
	}
	var n int
	err = s.db.Read(ctx).QueryRowContext(ctx, `SELECT count(*) FROM score_models WHERE workspace_id = ? AND kind = ? AND status = 'ready'`,
		a.WorkspaceID, kind).Scan(&n)
	return n > 0, err
}

// TrainAll refits the models of every workspace and scores its records.
func (s *Service) TrainAll(ctx context.Context) error {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id FROM workspaces ORDER BY id`)
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	for _, ws := range ids {
		if err := s.Train(ctx, ws); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Train refits workspace ws's models on its history and stores each
// record's score, or clears the scores when there is too little history.
func (s *Service) Train(ctx context.Context, ws int64) error {
	start := time.Now()
	h, err := s.load(ctx, ws)
	if err != nil {
		return err
	}
	s.log.Info("scores: history read", "workspace", ws, "deals", len(h.deals), "customers", len(h.people),
		"took", time.Since(start).Round(time.Millisecond))
	now := s.now().UTC()
	// The churn rate's counts come first: they need no model, so a
	// workspace gets its figure even when a fit fails or has too little.
	if err := s.keepChurn(ctx, ws, h, now); err != nil {
		return err
	}
	if err := s.fitAndStore(ctx, ws, "win", WinFeatures, h.winData(now)); err != nil {
		return err
	}
	return s.fitAndStore(ctx, ws, "churn", ChurnFeatures, h.churnData(now))
}

// dataset is what one model is fitted, tested and applied on.
type dataset struct {
	trainX, testX   [][]float64
	trainY, testY   []float64
	score           []scored // the records to score, with their features
	positives, negs int
}

type scored struct {
	table string
	id    int64
	x     []float64
}

func (s *Service) fitAndStore(ctx context.Context, ws int64, kind string, names []string, d dataset) error {
	start := time.Now()
	status, auc := "too_little", sql.NullFloat64{}
	var model *Model
	enough := d.positives >= MinClass && d.negs >= MinClass && hasBoth(d.testY) && hasBoth(d.trainY)
	if enough {
		m, err := Fit(d.trainX, d.trainY, Lambda)
		if err == nil {
			pred := make([]float64, len(d.testX))
			for i, x := range d.testX {
				pred[i] = m.Predict(x)
			}
			auc = sql.NullFloat64{Float64: AUC(pred, d.testY), Valid: true}
			// The model that scores is fitted on all the history.
			if model, err = Fit(append(d.trainX, d.testX...), append(d.trainY, d.testY...), Lambda); err == nil {
				status = "ready"
			}
		}
	}
	var blob any
	if model != nil {
		b, _ := json.Marshal(stored{Model: model, Features: names})
		blob = string(b)
	}
	err := s.db.Tx(ctx, func(q store.Querier) error {
		if _, err := q.ExecContext(ctx, `DELETE FROM score_models WHERE workspace_id = ? AND kind = ?`, ws, kind); err != nil {
			return err
		}
		_, err := q.ExecContext(ctx, `INSERT INTO score_models (workspace_id, kind, status, positives, negatives, auc, model, trained_at)
			VALUES (?, ?, ?, ?, ?, ?, `+s.db.Dialect.JSONIn()+`, ?)`, ws, kind, status, d.positives, d.negs, auc, blob, s.db.Dialect.Time(s.now()))
		return err
	})
	if err != nil {
		return err
	}
	s.log.Info("scores: model fitted", "workspace", ws, "kind", kind, "status", status, "positives", d.positives,
		"negatives", d.negs, "auc", auc.Float64, "took", time.Since(start).Round(time.Millisecond))
	defer func() {
		s.log.Info("scores: records scored", "workspace", ws, "kind", kind, "records", len(d.score),
			"took", time.Since(start).Round(time.Millisecond))
	}()
	column := "win_probability"
	if kind == "churn" {
		column = "churn_risk"
	}
	if model == nil {
		// Too little history: no score is shown rather than one invented.
		for _, t := range tablesOf(kind) {
			if err := s.clear(ctx, ws, t, column); err != nil {
				return err
			}
		}
		return nil
	}
	return s.writeScores(ctx, ws, column, model, d.score)
}

func tablesOf(kind string) []string {
	if kind == "win" {
		return []string{"deals"}
	}
	return []string{"contacts", "companies"}
}

func hasBoth(y []float64) bool {
	var p, n bool
	for _, v := range y {
		if v > 0.5 {
			p = true
		} else {
			n = true
		}
	}
	return p && n
}

// ScoreAll turns features into whole percents with the compiled model.
func ScoreAll(m *Model, xs [][]float64, out []int) {
	b, w := m.Compile()
	for i, x := range xs {
		t := b
		for j, v := range x {
			t += w[j] * v
		}
		out[i] = int(math.Round(100 * sigmoid(t)))
	}
}

// writeScores stores the scores that changed and clears those of records
// no longer scored (a deal closed, a customer gone), reading the stored
// ones first so that a daily refit writes only what moved, a batch per
// transaction.
func (s *Service) writeScores(ctx context.Context, ws int64, column string, m *Model, list []scored) error {
	xs := make([][]float64, len(list))
	for i, r := range list {
		xs[i] = r.x
	}
	pct := make([]int, len(list))
	ScoreAll(m, xs, pct)
	type change struct {
		table string
		id    int64
		value any
	}
	var changes []change
	for _, table := range tablesOf(map[string]string{"win_probability": "win"}[column]) {
		stored := map[int64]int{}
		err := each(ctx, s.db.Reader(), `SELECT id, `+column+` FROM `+table+` WHERE workspace_id = ? AND `+column+` IS NOT NULL`,
			[]any{ws}, func(r *sql.Rows) error {
				var id int64
				var v int
				err := r.Scan(&id, &v)
				stored[id] = v
				return err
			})
		if err != nil {
			return err
		}
		for i, r := range list {
			if r.table != table {
				continue
			}
			if v, ok := stored[r.id]; !ok || v != pct[i] {
				changes = append(changes, change{table, r.id, pct[i]})
			}
			delete(stored, r.id)
		}
		for id := range stored {
			changes = append(changes, change{table, id, nil})
		}
	}
	const batch = 2000
	for start := 0; start < len(changes); start += batch {
		end := min(start+batch, len(changes))
		err := s.db.Tx(ctx, func(q store.Querier) error {
			for _, c := range changes[start:end] {
				if _, err := q.ExecContext(ctx, `UPDATE `+c.table+` SET `+column+` = ? WHERE workspace_id = ? AND id = ?`, c.value, ws, c.id); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) clear(ctx context.Context, ws int64, table, column string) error {
	return s.db.Tx(ctx, func(q store.Querier) error {
		_, err := q.ExecContext(ctx, `UPDATE `+table+` SET `+column+` = NULL WHERE workspace_id = ? AND `+column+` IS NOT NULL`, ws)
		return err
	})
}

// ChurnRate is the share of workspace ws's customers (contacts and
// companies with a won deal) that have churned: no won deal and no
// activity in the last ChurnWindow, at the time now, among those that were
// customers a whole window before. When owners is not nil only the
// customers those users own count. It returns the churned customers and
// all customers counted: the counts the training keeps for the dashboard
// (KeptChurnRate), read from a fresh load of the history.
func (s *Service) ChurnRate(ctx context.Context, ws int64, now time.Time, owners []int64) (churned, customers int, err error) {
	h, err := s.load(ctx, ws)
	if err != nil {
		return 0, 0, err
	}
	for k, t := range h.churnCounts(now) {
		if owners == nil || slices.Contains(owners, k.owner) {
			churned, customers = churned+int(t.churned), customers+int(t.customers)
		}
	}
	return churned, customers, nil
}

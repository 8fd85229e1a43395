package value

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/clv"
	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/jobs"
	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/store"
)

// Report is the customer-value report of one kind of customer, computed
// over the customers the reader may read only.
type Report struct {
	Object string `json:"object"`
	// Fit is the last recomputation's fit, nil before the first one.
	Fit *Fit `json:"fit"`
	// Customers counts the customers with purchases the reader may read.
	Customers int `json:"customers"`
	// Historical is what they have spent, Predicted what they are
	// predicted to spend in the next 12 months; nil when the reader may
	// not see the value fields or nothing was predicted.
	Historical *sales.Money `json:"historical,omitempty"`
	Predicted  *sales.Money `json:"predicted,omitempty"`
	Segments   []Segment    `json:"segments"`
	Top        []Top        `json:"top"`
}

// Segment is one RFM segment's customers and value.
type Segment struct {
	Segment   string       `json:"segment"`
	Customers int          `json:"customers"`
	Predicted *sales.Money `json:"predicted,omitempty"`
}

// Top is one of the customers predicted to be worth most.
type Top struct {
	ID        string      `json:"id"`
	Name      string      `json:"name"`
	Segment   string      `json:"segment,omitempty"`
	Purchases float64     `json:"expected_purchases"`
	Alive     float64     `json:"probability_alive"`
	Value     sales.Money `json:"predicted_value"`
}

// TopCount is how many customers the report lists by predicted value.
const TopCount = 10

// names are the tables by object, with the column that names a record.
var names = map[string][2]string{"contact": {"contacts", "full_name"}, "company": {"companies", "name"}}

// Report returns the value report of object ("contact" or "company") for
// the acting user: every count, sum and customer within what their role
// lets them read, and nothing of a field their role hides.
func (s *Service) Report(ctx context.Context, object string) (Report, error) {
	tn, ok := names[object]
	if !ok {
		return Report{}, fault.Field("object", "invalid", "the report covers contacts or companies")
	}
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return Report{}, err
	}
	pol := s.engine.Policy()
	if err := pol.Authorize(ctx, a, object, access.Read, nil); err != nil {
		return Report{}, err
	}
	rules, err := pol.Fields(ctx, a, object)
	if err != nil {
		return Report{}, err
	}
	hidden := func(f string) bool { return rules[f] == access.FieldHidden }
	rs, err := pol.Restrict(ctx, a, object)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Object: object, Segments: []Segment{}, Top: []Top{}}
	if rep.Fit, err = s.fit(ctx, a.WorkspaceID, object); err != nil {
		return rep, err
	}
	where := `workspace_id = ? AND deleted_at IS NULL AND value_purchases IS NOT NULL`
	args := []any{a.WorkspaceID}
	if cond, cargs := access.OwnerCondition(rs, "owner_id"); cond != "" {
		where, args = where+" AND "+cond, append(args, cargs...)
	}
	base := ""
	if rep.Fit != nil {
		base = rep.Fit.Base
	}
	showValue := !hidden("clv_value") && base != ""
	var hist, pred sql.NullInt64
	err = s.db.Reader().QueryRowContext(ctx, `SELECT count(*), SUM(value_total_amount), SUM(clv_value_amount) FROM `+tn[0]+` WHERE `+where,
		args...).Scan(&rep.Customers, &hist, &pred)
	if err != nil {
		return rep, err
	}
	if showValue {
		rep.Historical = &sales.Money{Amount: hist.Int64, Currency: base}
		if pred.Valid {
			rep.Predicted = &sales.Money{Amount: pred.Int64, Currency: base}
		}
	}
	if !hidden("rfm_segment") {
		if err := s.segments(ctx, &rep, tn[0], where, args, showValue, base); err != nil {
			return rep, err
		}
	}
	if showValue && !hidden(tn[1]) {
		if err := s.top(ctx, &rep, tn, where, args, hidden("rfm_segment"), hidden("clv_purchases"), hidden("clv_alive")); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

func (s *Service) segments(ctx context.Context, rep *Report, table, where string, args []any, showValue bool, base string) error {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT rfm_segment, count(*), SUM(clv_value_amount) FROM `+table+`
		WHERE `+where+` AND rfm_segment IS NOT NULL GROUP BY rfm_segment`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	found := map[string]Segment{}
	for rows.Next() {
		var g Segment
		var sum sql.NullInt64
		if err := rows.Scan(&g.Segment, &g.Customers, &sum); err != nil {
			return err
		}
		if showValue && sum.Valid {
			g.Predicted = &sales.Money{Amount: sum.Int64, Currency: base}
		}
		found[g.Segment] = g
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(found) == 0 {
		return nil
	}
	for _, name := range clv.Segments {
		g, ok := found[name]
		if !ok {
			g = Segment{Segment: name}
		}
		rep.Segments = append(rep.Segments, g)
	}
	return nil
}

func (s *Service) top(ctx context.Context, rep *Report, tn [2]string, where string, args []any, noSegment, noPurchases, noAlive bool) error {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, `+tn[1]+`, rfm_segment, clv_purchases, clv_alive, clv_value_amount, clv_value_currency
		FROM `+tn[0]+` WHERE `+where+` AND clv_value_amount IS NOT NULL
		ORDER BY clv_value_amount DESC, id DESC LIMIT `+strconv.Itoa(TopCount), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var t Top
		var id int64
		var name, segment sql.NullString
		var purchases, alive sql.NullFloat64
		if err := rows.Scan(&id, &name, &segment, &purchases, &alive, &t.Value.Amount, &t.Value.Currency); err != nil {
			return err
		}
		t.ID, t.Name = strconv.FormatInt(id, 10), name.String
		if !noSegment {
			t.Segment = segment.String
		}
		if !noPurchases {
			t.Purchases = purchases.Float64
		}
		if !noAlive {
			t.Alive = alive.Float64
		}
		rep.Top = append(rep.Top, t)
	}
	return rows.Err()
}

// fit reads the last fit of ws's customers of object, or nil.
func (s *Service) fit(ctx context.Context, ws int64, object string) (*Fit, error) {
	var params string
	err := s.db.Reader().QueryRowContext(ctx, `SELECT `+s.db.Dialect.JSONOut("params")+` FROM value_models WHERE workspace_id = ? AND object = ?`,
		ws, object).Scan(&params)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var f Fit
	if err := json.Unmarshal([]byte(params), &f); err != nil {
		return nil, err
	}
	return &f, nil
}

// LifetimeValue is the dashboard's lifetime-value figures for the acting
// user: over the contacts they may read that have bought, the mean
// historical value (what they spent) and the mean predicted value of the
// next 12 months (nil when no prediction was made).
type LifetimeValue struct {
	Customers  int          `json:"customers"`
	Historical *sales.Money `json:"historical_mean,omitempty"`
	Predicted  *sales.Money `json:"predicted_mean,omitempty"`
}

// Lifetime returns the lifetime-value figures of object's customers
// ("contact" or "company") for the dashboard.
func (s *Service) Lifetime(ctx context.Context, object string) (LifetimeValue, error) {
	r, err := s.Report(ctx, object)
	if err != nil {
		return LifetimeValue{}, err
	}
	lv := LifetimeValue{Customers: r.Customers}
	if r.Customers == 0 {
		return lv, nil
	}
	mean := func(m *sales.Money) *sales.Money {
		if m == nil {
			return nil
		}
		return &sales.Money{Amount: m.Amount / int64(r.Customers), Currency: m.Currency}
	}
	lv.Historical = mean(r.Historical)
	if r.Fit != nil && r.Fit.Status == "fitted" {
		lv.Predicted = mean(r.Predicted)
	}
	return lv, nil
}

// RequestRefresh asks for the acting user's workspace's customer value to
// be recomputed now, in the background. A recomputation reads every won
// deal, so only those who manage roles (administrators) may ask for one.
func (s *Service) RequestRefresh(ctx context.Context) error {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return err
	}
	if err := s.engine.Policy().Authorize(ctx, a, "role", access.Update, nil); err != nil {
		return fault.Errorf(fault.EFORBIDDEN, "only administrators may recompute customer value")
	}
	if s.queue == nil {
		_, err := s.Recompute(ctx, a.WorkspaceID)
		return err
	}
	_, err = s.queue.Enqueue(ctx, jobs.Job{WorkspaceID: a.WorkspaceID, Kind: RefreshJob, RunAt: time.Now()})
	return err
}

// PredictedMean is the dashboard's predicted lifetime value for the acting
// user: the mean predicted value of the next 12 months over object's
// customers they may read that have bought (and, when owners is not empty,
// that those users own), the Predicted of Lifetime, counted by one
// aggregate from the index of the customers who bought (contacts_value,
// companies_value) instead of the whole report. It is nil when the last fit
// did not fit a model (too little history), when nobody bought or when
// the role hides the predicted value.
func (s *Service) PredictedMean(ctx context.Context, object string, owners []int64) (*sales.Money, error) {
	tn, ok := names[object]
	if !ok {
		return nil, fault.Field("object", "invalid", "the report covers contacts or companies")
	}
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	pol := s.engine.Policy()
	if err := pol.Authorize(ctx, a, object, access.Read, nil); err != nil {
		if fault.Code(err) == fault.EFORBIDDEN {
			return nil, nil
		}
		return nil, err
	}
	rules, err := pol.Fields(ctx, a, object)
	if err != nil {
		return nil, err
	}
	if rules["clv_value"] == access.FieldHidden || (len(owners) > 0 && rules["owner_id"] == access.FieldHidden) {
		return nil, nil
	}
	fit, err := s.fit(ctx, a.WorkspaceID, object)
	if err != nil || fit == nil || fit.Status != "fitted" || fit.Base == "" {
		return nil, err
	}
	rs, err := pol.Restrict(ctx, a, object)
	if err != nil {
		return nil, err
	}
	where := `workspace_id = ? AND deleted_at IS NULL AND value_purchases IS NOT NULL`
	args := []any{a.WorkspaceID}
	if cond, cargs := access.OwnerCondition(rs, "owner_id"); cond != "" {
		where, args = where+" AND "+cond, append(args, cargs...)
	}
	if len(owners) > 0 {
		where += " AND owner_id IN (" + store.Marks(len(owners)) + ")"
		for _, o := range owners {
			args = append(args, o)
		}
	}
	var n int64
	var pred sql.NullInt64
	if err := s.db.Read(ctx).QueryRowContext(ctx, `SELECT count(*), SUM(clv_value_amount) FROM `+tn[0]+` WHERE `+where, args...).Scan(&n, &pred); err != nil {
		return nil, err
	}
	if n == 0 || !pred.Valid {
		return nil, nil
	}
	return &sales.Money{Amount: pred.Int64 / n, Currency: fit.Base}, nil
}

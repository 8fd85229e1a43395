package value

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"time"

	"github.com/bojanz/currency"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/clv"
	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/store"
)

// Customer is the purchase history of one contact or company: its won
// deals, those closed on the same day counted as one purchase, valued in
// the base currency at the rate of their close date.
type Customer struct {
	ID        int64
	Purchases int     // days with a won deal
	Total     float64 // the value of them all, in base-currency units
	First     time.Time
	Last      time.Time
	Summary   clv.Summary // in weeks up to the end of the period
	repeat    float64     // the value of the repeat purchases
}

// MinRFMCustomers is the least number of customers with purchases that
// RFM scoring needs: quintiles of fewer say nothing.
const MinRFMCustomers = 10

// week is the models' unit of time.
const week = 7 * 24 * time.Hour

// customerObjects are the objects whose value is kept, with the SQL that
// reads their won deals: customer id, close time, amount, currency.
var customerObjects = []struct{ object, table, deals string }{
	{"contact", "contacts", `SELECT dc.contact_id, d.closed_at, d.value_amount, d.value_currency
		FROM deal_contacts dc
		JOIN deals d ON d.workspace_id = dc.workspace_id AND d.id = dc.deal_id
		JOIN contacts c ON c.workspace_id = dc.workspace_id AND c.id = dc.contact_id
		WHERE dc.workspace_id = ? AND d.status = 'won' AND d.deleted_at IS NULL AND c.deleted_at IS NULL
			AND d.closed_at IS NOT NULL AND d.closed_at < ?
		ORDER BY dc.contact_id, d.closed_at`},
	{"company", "companies", `SELECT d.company_id, d.closed_at, d.value_amount, d.value_currency
		FROM deals d
		JOIN companies c ON c.workspace_id = d.workspace_id AND c.id = d.company_id
		WHERE d.workspace_id = ? AND d.status = 'won' AND d.deleted_at IS NULL AND c.deleted_at IS NULL
			AND d.closed_at IS NOT NULL AND d.closed_at < ?
		ORDER BY d.company_id, d.closed_at`},
}

// History is the purchase history of a workspace's customers of one kind
// up to the end of a day.
type History struct {
	Object      string
	End         time.Time // the last day of the period (a UTC date)
	Base        string    // the base currency
	Customers   []Customer
	Unconverted []string // currencies without a rate, whose deals count but add no value
}

// Histories reads the purchase histories of workspace ws's contacts
// (object "contact") or companies ("company") from their won deals closed
// on or before the day end, and summarises them as the models want: x
// repeat purchases, t_x and T in weeks from the first purchase.
func (s *Service) Histories(ctx context.Context, ws int64, object string, end time.Time) (History, error) {
	i := slices.IndexFunc(customerObjects, func(c struct{ object, table, deals string }) bool { return c.object == object })
	if i < 0 {
		return History{}, errors.New("value: no history for " + object)
	}
	end = day(end)
	ctx = access.WithActor(ctx, access.Actor{WorkspaceID: ws})
	conv, err := s.sales.Converter(ctx)
	if err != nil {
		return History{}, err
	}
	h := History{Object: object, End: end, Base: conv.Base}
	digits, _ := currency.GetDigits(conv.Base)
	unit := math.Pow10(int(digits))
	rows, err := s.db.Reader().QueryContext(ctx, customerObjects[i].deals, ws, s.db.Dialect.Time(end.Add(24*time.Hour)))
	if err != nil {
		return History{}, err
	}
	defer rows.Close()
	missing := map[string]bool{}
	var cur *Customer
	var lastDay time.Time
	var dayValue float64
	closeDay := func() {
		if cur == nil {
			return
		}
		cur.Total += dayValue
		if cur.Purchases > 1 {
			cur.repeat += dayValue
		}
	}
	for rows.Next() {
		var id int64
		var closed any
		var amount sql.NullInt64
		var code sql.NullString
		if err := rows.Scan(&id, &closed, &amount, &code); err != nil {
			return History{}, err
		}
		at, ok := store.ParseTime(closed)
		if !ok {
			continue
		}
		d := day(at)
		if cur == nil || cur.ID != id {
			closeDay()
			h.Customers = append(h.Customers, Customer{ID: id, First: d})
			cur = &h.Customers[len(h.Customers)-1]
			lastDay, dayValue = time.Time{}, 0
		}
		if !d.Equal(lastDay) {
			closeDay()
			cur.Purchases++
			cur.Last, lastDay, dayValue = d, d, 0
		}
		if amount.Valid && code.Valid && code.String != "" {
			m, err := conv.Convert(ctx, sales.Money{Amount: amount.Int64, Currency: code.String}, at)
			switch {
			case errors.Is(err, sales.ErrNoRate):
				missing[code.String] = true
			case err != nil:
				return History{}, err
			default:
				dayValue += float64(m.Amount) / unit
			}
		}
	}
	closeDay()
	if err := rows.Err(); err != nil {
		return History{}, err
	}
	for c := range missing {
		h.Unconverted = append(h.Unconverted, c)
	}
	slices.Sort(h.Unconverted)
	for i := range h.Customers {
		c := &h.Customers[i]
		c.Summary = clv.Summary{X: c.Purchases - 1, Tx: float64(c.Last.Sub(c.First)) / float64(week),
			T: float64(end.Sub(c.First)) / float64(week)}
		if c.Summary.X > 0 {
			c.Summary.Spend = c.repeat / float64(c.Summary.X)
		}
	}
	return h, nil
}

// day is the UTC date of t.
func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Summaries returns the models' summaries of h's customers.
func (h History) Summaries() []clv.Summary {
	out := make([]clv.Summary, len(h.Customers))
	for i, c := range h.Customers {
		out[i] = c.Summary
	}
	return out
}

// Fit is the outcome of one recomputation for one kind of customer, as
// the report shows it.
type Fit struct {
	Object          string    `json:"object"`
	FittedAt        time.Time `json:"fitted_at"`
	End             string    `json:"calibration_end"`
	Customers       int       `json:"customers"`
	RepeatCustomers int       `json:"repeat_customers"`
	Base            string    `json:"base_currency"`
	// Status is "fitted", or "too_little" when fewer than
	// clv.MinRepeatCustomers customers bought twice (no prediction is
	// made) or fewer than MinRFMCustomers bought at all (no RFM either).
	Status         string          `json:"status"`
	RFM            bool            `json:"rfm"`
	MinRepeat      int             `json:"min_repeat_customers"`
	MinRFM         int             `json:"min_rfm_customers"`
	BGNBD          *clv.BGNBD      `json:"bgnbd,omitempty"`
	GammaGamma     *clv.GammaGamma `json:"gamma_gamma,omitempty"`
	HorizonMonths  int             `json:"horizon_months"`
	AnnualDiscount float64         `json:"annual_discount"`
	Unconverted    []string        `json:"unconverted,omitempty"`
}

// Model fits the models to h, or says why it cannot.
func (h History) Model() (clv.Model, Fit, error) {
	f := Fit{Object: h.Object, End: h.End.Format(time.DateOnly), Customers: len(h.Customers), Base: h.Base,
		Status: "too_little", MinRepeat: clv.MinRepeatCustomers, MinRFM: MinRFMCustomers,
		HorizonMonths: clv.HorizonMonths, AnnualDiscount: clv.AnnualDiscount, Unconverted: h.Unconverted}
	f.RFM = len(h.Customers) >= MinRFMCustomers
	sum := h.Summaries()
	for _, c := range sum {
		if c.X > 0 {
			f.RepeatCustomers++
		}
	}
	m, err := clv.Fit(sum)
	if errors.Is(err, clv.ErrTooLittle) {
		return m, f, nil
	}
	if err != nil {
		return m, f, err
	}
	f.Status, f.BGNBD, f.GammaGamma = "fitted", &m.BG, &m.GG
	return m, f, nil
}

// Result is what a recomputation did.
type Result struct {
	Fits []Fit `json:"fits"`
}

// writeBatch is how many customers one transaction updates, so that on
// SQLite other writers wait a moment at most.
const writeBatch = 500

// Recompute recomputes workspace ws's customer value: histories up to
// today, RFM, the models and the predictions, written into the customers'
// fields, and the fits kept for the report.
func (s *Service) Recompute(ctx context.Context, ws int64) (Result, error) {
	return s.RecomputeAt(ctx, ws, s.now())
}

// RecomputeAt is Recompute with the period ending on the day of end.
func (s *Service) RecomputeAt(ctx context.Context, ws int64, end time.Time) (Result, error) {
	var res Result
	for _, o := range customerObjects {
		start := time.Now()
		h, err := s.Histories(ctx, ws, o.object, end)
		if err != nil {
			return res, err
		}
		read := time.Since(start)
		m, fit, err := h.Model()
		if err != nil {
			return res, err
		}
		fitted := time.Since(start) - read
		fit.FittedAt = s.now().UTC()
		if err := s.write(ctx, ws, o.table, h, m, fit); err != nil {
			return res, err
		}
		res.Fits = append(res.Fits, fit)
		s.log.Info("customer value recomputed", "workspace", ws, "object", o.object, "customers", fit.Customers,
			"repeat_customers", fit.RepeatCustomers, "status", fit.Status, "read", read.Round(time.Millisecond),
			"fit", fitted.Round(time.Millisecond), "took", time.Since(start).Round(time.Millisecond))
	}
	return res, nil
}

// write writes h's scores and predictions over table's customers, a
// batch per transaction, then clears the value fields of those no longer
// customers, and keeps the fit. Nothing is cleared wholesale first: one
// statement over every customer held SQLite's writer for seconds at a
// hundred thousand customers, and left the fields empty until refilled.
func (s *Service) write(ctx context.Context, ws int64, table string, h History, m clv.Model, fit Fit) error {
	var scores []clv.RFM
	if fit.RFM {
		in := make([]clv.RFMInput, len(h.Customers))
		for i, c := range h.Customers {
			in[i] = clv.RFMInput{DaysSince: h.End.Sub(c.Last).Hours() / 24, Purchases: c.Purchases, Monetary: c.Total}
		}
		scores = clv.ScoreRFM(in)
	}
	digits, _ := currency.GetDigits(h.Base)
	unit := math.Pow10(int(digits))
	set := `UPDATE ` + table + ` SET rfm_recency = ?, rfm_frequency = ?, rfm_monetary = ?, rfm_segment = ?,
		clv_purchases = ?, clv_alive = ?, clv_value = ` + s.db.Dialect.JSONIn() + `, clv_value_amount = ?, clv_value_currency = ?,
		value_purchases = ?, value_total_amount = ? WHERE workspace_id = ? AND id = ?`
	for start := 0; start < len(h.Customers); start += writeBatch {
		batch := h.Customers[start:min(start+writeBatch, len(h.Customers))]
		err := s.db.Tx(ctx, func(q store.Querier) error {
			for k, c := range batch {
				args := []any{nil, nil, nil, nil, nil, nil, nil, nil, nil, c.Purchases, int64(math.Round(c.Total * unit)), ws, c.ID}
				if scores != nil {
					r := scores[start+k]
					args[0], args[1], args[2], args[3] = r.R, r.F, r.M, r.Segment
				}
				if fit.Status == "fitted" {
					p := m.Predict(c.Summary)
					amount := int64(math.Round(p.Value * unit))
					money, _ := json.Marshal(sales.Money{Amount: amount, Currency: h.Base})
					args[4], args[5], args[6], args[7], args[8] = round(p.Purchases, 3), round(p.Alive, 4), string(money), amount, h.Base
				}
				if _, err := q.ExecContext(ctx, set, args...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if err := s.clearFormer(ctx, ws, table, h); err != nil {
		return err
	}
	params, err := json.Marshal(fit)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(q store.Querier) error {
		_, err := q.ExecContext(ctx, `INSERT INTO value_models (workspace_id, object, fitted_at, customers, repeat_customers, base_currency, params)
			VALUES (?, ?, ?, ?, ?, ?, `+s.db.Dialect.JSONIn()+`)
			ON CONFLICT (workspace_id, object) DO UPDATE SET fitted_at = excluded.fitted_at, customers = excluded.customers,
				repeat_customers = excluded.repeat_customers, base_currency = excluded.base_currency, params = excluded.params`,
			ws, fit.Object, fit.FittedAt.Format(time.RFC3339), fit.Customers, fit.RepeatCustomers, fit.Base, string(params))
		return err
	})
}

// clearFormer clears the value fields of table's records that hold values
// but are not among h's customers (a won deal reopened or deleted), a
// batch per transaction.
func (s *Service) clearFormer(ctx context.Context, ws int64, table string, h History) error {
	current := make(map[int64]bool, len(h.Customers))
	for _, c := range h.Customers {
		current[c.ID] = true
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id FROM `+table+` WHERE workspace_id = ? AND value_purchases IS NOT NULL`, ws)
	if err != nil {
		return err
	}
	var former []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		if !current[id] {
			former = append(former, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for start := 0; start < len(former); start += writeBatch {
		marks, args := store.List(former[start:min(start+writeBatch, len(former))])
		err := s.db.Tx(ctx, func(q store.Querier) error {
			_, err := q.ExecContext(ctx, `UPDATE `+table+` SET rfm_recency = NULL, rfm_frequency = NULL, rfm_monetary = NULL,
				rfm_segment = NULL, clv_purchases = NULL, clv_alive = NULL, clv_value = NULL, clv_value_amount = NULL,
				clv_value_currency = NULL, value_purchases = NULL, value_total_amount = NULL
				WHERE workspace_id = ? AND id IN (`+marks+`)`, append([]any{ws}, args...)...)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func round(v float64, places int) float64 {
	p := math.Pow10(places)
	return math.Round(v*p) / p
}
